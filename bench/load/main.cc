// cognate-load: a closed-loop HTTP/1.1 keep-alive load generator for one Cognate operation.
//
//   cognate-load --endpoint http://127.0.0.1:9230 --admin-key ID:SECRET --op OP
//                [--connections N] [--duration S] [--warmup S] [--json] ...
//
// It sets up a pool, a client and users through the API, drives the op from N connections for
// warm-up + duration seconds, prints a summary, and deletes the pool. See bench/README.md.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/load/cognito_request.h"
#include "bench/load/http_client.h"
#include "bench/load/load_runner.h"
#include "bench/load/setup.h"
#include "bench/load/stats.h"
#include "bench/load/workload.h"

namespace cognate::bench {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;     // usage, set-up or unreachable server
constexpr int kExitHadErrors = 2;   // the run completed but some requests failed

struct Flags {
  std::string endpoint = "http://127.0.0.1:9230";
  std::string admin_key;  // default: first entry of $COGNATE_ADMIN_KEY
  std::string op;
  int connections = 16;
  double duration_s = 10;
  double warmup_s = 1;
  int users = 0;  // 0: max(connections, 32)
  double timeout_s = 10;
  int setup_parallelism = 4;
  bool keep_pool = false;
  nlohmann::json lambda_config = nlohmann::json::object();
  bool json = false;
  // --pool-id/--client-id: drive an existing pool (see SetupOptions::existing_pool_id).
  std::string pool_id;
  std::string client_id;
  std::string user_prefix = "user-";
  int64_t pool_users = 0;
};

void PrintUsage(std::FILE* out) {
  std::fprintf(out,
               "usage: cognate-load --op OP [--endpoint URL] [--admin-key ID:SECRET]\n"
               "                    [--connections N] [--duration S] [--warmup S] [--json]\n"
               "                    [--users K] [--timeout S] [--setup-parallelism P] "
               "[--keep-pool] [--lambda KEY=NAME]\n"
               "                    [--pool-id ID --client-id ID [--user-prefix P] "
               "[--pool-users N]]\n"
               "\n"
               "  --op OP               one of: %s\n"
               "  --endpoint URL        http://HOST:PORT of the server (default %s)\n"
               "  --admin-key ID:SECRET SigV4 admin key (default: first of $COGNATE_ADMIN_KEY)\n"
               "  --connections N       concurrent keep-alive connections, all on one thread's "
               "event loop (default 16)\n"
               "  --duration S          measured seconds (default 10)\n"
               "  --warmup S            unrecorded seconds before measuring (default 1)\n"
               "  --users K             users to create for ops that need them "
               "(default max(N, 32))\n"
               "  --timeout S           deadline of each connect/write/read (default 10)\n"
               "  --setup-parallelism P connections creating users (default 4)\n"
               "  --keep-pool           do not delete the bench pool afterwards\n"
               "  --lambda KEY=NAME     attach the deployed trigger NAME as LambdaConfig KEY\n"
               "  --json                print one JSON object on stdout (summary goes to stderr)\n"
               "  --pool-id ID          drive this existing pool instead of creating one; nothing\n"
               "                        is created or deleted (needs --client-id)\n"
               "  --client-id ID        its app client (USER_PASSWORD_AUTH, SRP and refresh allowed)\n"
               "  --user-prefix P       its users are P0 .. P<N-1>, password %s (default user-)\n"
               "  --pool-users N        how many users it holds; --users K of them are driven,\n"
               "                        spread evenly, K defaulting to min(N, 1000) (default K)\n"
               "\n"
               "srp-sign-in is one measured operation per sign-in: InitiateAuth USER_SRP_AUTH,\n"
               "the client's SRP computation and RespondToAuthChallenge PASSWORD_VERIFIER; its\n"
               "latency spans all three. The client draws a %zu-byte secret a (the JS SDK uses\n"
               "128) so that its modular exponentiations cost about what the server's do.\n"
               "\n"
               "Exit status: 0 all requests answered 200; 2 some did not; 1 usage or set-up "
               "failure.\n",
               OpNames().c_str(), Flags().endpoint.c_str(), std::string(kPassword).c_str(),
               kSrpSecretSize);
}

std::optional<double> ParseSeconds(const std::string& text) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value) || value < 0 ||
      value > 86400) {
    return std::nullopt;
  }
  return value;
}

std::optional<int> ParseCount(const std::string& text, int max) {
  char* end = nullptr;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || end != text.c_str() + text.size() || value < 1 || value > max) {
    return std::nullopt;
  }
  return static_cast<int>(value);
}

// Parses argv into `flags`; prints the problem and returns false on a bad command line.
bool ParseFlags(int argc, char** argv, Flags& flags, bool& help) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> inline_value;
    if (size_t eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value) return inline_value;
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    auto bad = [&](const char* what) {
      std::fprintf(stderr, "cognate-load: %s %s\n", what, name.c_str());
      return false;
    };

    if (name == "--help" || name == "-h") {
      help = true;
      return true;
    } else if (name == "--json") {
      flags.json = true;
    } else if (name == "--keep-pool") {
      flags.keep_pool = true;
    } else if (name == "--lambda") {
      // --lambda PreSignUp=NAME attaches the deployed trigger script NAME to the bench pool.
      auto v = value();
      if (!v || v->find('=') == std::string::npos) return bad("--lambda needs KEY=NAME:");
      flags.lambda_config[v->substr(0, v->find('='))] =
          "arn:aws:lambda:us-east-1:000000000000:function:" + v->substr(v->find('=') + 1);
    } else if (name == "--pool-id" || name == "--client-id" || name == "--user-prefix") {
      auto v = value();
      if (!v || v->empty()) return bad("missing value for");
      (name == "--pool-id" ? flags.pool_id : name == "--client-id" ? flags.client_id : flags.user_prefix) = *v;
    } else if (name == "--pool-users") {
      auto v = value();
      char* end = nullptr;
      const long long n = v ? std::strtoll(v->c_str(), &end, 10) : 0;
      if (!v || v->empty() || end != v->c_str() + v->size() || n < 1) return bad("expected a positive integer for");
      flags.pool_users = n;
    } else if (name == "--endpoint" || name == "--admin-key" || name == "--op") {
      auto v = value();
      if (!v) return bad("missing value for");
      (name == "--endpoint" ? flags.endpoint : name == "--admin-key" ? flags.admin_key : flags.op) =
          *v;
    } else if (name == "--connections" || name == "--users" || name == "--setup-parallelism") {
      auto v = value();
      std::optional<int> n = v ? ParseCount(*v, 10000) : std::nullopt;
      if (!n) return bad("expected an integer in 1..10000 for");
      (name == "--connections" ? flags.connections
       : name == "--users"     ? flags.users
                               : flags.setup_parallelism) = *n;
    } else if (name == "--duration" || name == "--warmup" || name == "--timeout") {
      auto v = value();
      std::optional<double> s = v ? ParseSeconds(*v) : std::nullopt;
      if (!s) return bad("expected seconds in 0..86400 for");
      (name == "--duration" ? flags.duration_s
       : name == "--warmup" ? flags.warmup_s
                            : flags.timeout_s) = *s;
    } else {
      return bad("unknown argument");
    }
  }
  return true;
}

std::string RandomRunId() {
  std::random_device device;
  std::uniform_int_distribution<uint32_t> dist;
  char id[9];
  std::snprintf(id, sizeof id, "%08x", dist(device));
  return id;
}

std::chrono::nanoseconds Seconds(double s) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s));
}

int Main(int argc, char** argv) {
  Flags flags;
  bool help = false;
  if (!ParseFlags(argc, argv, flags, help)) {
    PrintUsage(stderr);
    return kExitFailure;
  }
  if (help) {
    PrintUsage(stdout);
    return kExitOk;
  }
  std::optional<Op> op = ParseOp(flags.op);
  if (!op) {
    std::fprintf(stderr, "cognate-load: --op must be one of: %s\n", OpNames().c_str());
    return kExitFailure;
  }
  if (flags.duration_s <= 0 || flags.timeout_s <= 0) {
    std::fprintf(stderr, "cognate-load: --duration and --timeout must be positive\n");
    return kExitFailure;
  }
  if (flags.admin_key.empty()) {
    if (const char* env = std::getenv("COGNATE_ADMIN_KEY")) {
      std::string_view keys = env;
      flags.admin_key = std::string(keys.substr(0, keys.find(',')));
    }
  }
  auto endpoint = ParseEndpoint(flags.endpoint);
  if (!endpoint.ok()) {
    std::fprintf(stderr, "cognate-load: %s\n", endpoint.status().message().c_str());
    return kExitFailure;
  }
  auto admin_key = ParseAdminKey(flags.admin_key);
  if (!admin_key.ok()) {
    std::fprintf(stderr, "cognate-load: --admin-key (or $COGNATE_ADMIN_KEY): %s\n",
                 admin_key.status().message().c_str());
    return kExitFailure;
  }

  const std::string run_id = RandomRunId();
  SetupOptions setup;
  setup.lambda_config = flags.lambda_config;
  setup.endpoint = *endpoint;
  setup.admin_key = *admin_key;
  setup.op = *op;
  setup.run_id = run_id;
  setup.users = flags.users > 0 ? flags.users : std::max(flags.connections, 32);
  if (!flags.pool_id.empty() || !flags.client_id.empty()) {
    if (flags.pool_id.empty() || flags.client_id.empty()) {
      std::fprintf(stderr, "cognate-load: --pool-id and --client-id go together\n");
      return kExitFailure;
    }
    setup.existing_pool_id = flags.pool_id;
    setup.existing_client_id = flags.client_id;
    setup.user_prefix = flags.user_prefix;
    setup.pool_users = flags.pool_users;
    if (flags.users == 0) {
      setup.users = static_cast<int>(flags.pool_users > 0 ? std::min<int64_t>(flags.pool_users, 1000) : 1000);
    }
    flags.keep_pool = true;  // not ours to delete
  }
  setup.parallelism = flags.setup_parallelism;
  const auto setup_timeout = std::chrono::milliseconds(
      static_cast<int64_t>(std::max(flags.timeout_s, 30.0) * 1000));
  setup.request_timeout = setup_timeout;

  std::fprintf(stderr, "cognate-load: setting up %s%s on %s%s\n",
               setup.existing_pool_id.empty() ? "pool bench-" : "existing pool ",
               setup.existing_pool_id.empty() ? run_id.c_str() : setup.existing_pool_id.c_str(),
               endpoint->authority.c_str(),
               NeedsUsers(*op) ? (" with " + std::to_string(setup.users) + " users").c_str() : "");
  const auto setup_start = std::chrono::steady_clock::now();
  Fixture fixture;
  Status set_up = SetUp(setup, &fixture);
  auto delete_pool = [&] {
    if (fixture.pool_id.empty() || flags.keep_pool) return;
    if (Status s = DeletePool(*endpoint, *admin_key, fixture.pool_id, setup_timeout); !s.ok()) {
      std::fprintf(stderr, "cognate-load: warning: could not delete pool %s: %s\n",
                   fixture.pool_id.c_str(), s.message().c_str());
    }
  };
  if (!set_up.ok()) {
    std::fprintf(stderr, "cognate-load: set-up failed: %s\n", set_up.ToString().c_str());
    delete_pool();
    return kExitFailure;
  }
  std::fprintf(stderr, "cognate-load: set up pool %s in %.1f s; running %s, %d connections, "
               "%.1f s warm-up + %.1f s\n",
               fixture.pool_id.c_str(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - setup_start).count(),
               std::string(OpName(*op)).c_str(), flags.connections, flags.warmup_s,
               flags.duration_s);

  Workload workload(*op, fixture, *endpoint, *admin_key, run_id, flags.connections);
  LoadOptions load;
  load.connections = flags.connections;
  load.warmup = Seconds(flags.warmup_s);
  load.duration = Seconds(flags.duration_s);
  load.request_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(flags.timeout_s * 1000));
  Summary summary = Summarize(RunLoad(*endpoint, workload, load));
  delete_pool();

  const std::string line = HumanLine(summary);
  if (flags.json) {
    std::fprintf(stderr, "%s\n", line.c_str());
    std::cout << ToJson(summary).dump() << std::endl;
  } else {
    std::printf("%s\n", line.c_str());
  }
  if (!flags.json || summary.errors > 0) {
    for (const std::string& sample : summary.error_samples) {
      std::fprintf(stderr, "  error: %s\n", sample.c_str());
    }
  }
  return summary.errors == 0 ? kExitOk : kExitHadErrors;
}

}  // namespace
}  // namespace cognate::bench

int main(int argc, char** argv) { return cognate::bench::Main(argc, argv); }
