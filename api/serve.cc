#include "api/serve.h"

#include <sched.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "api/cognito_api.h"
#include "api/cognito_errors.h"
#include "api/http_server.h"
#include "api/outbox.h"
#include "api/server_files.h"
#include "api/smtp_sink.h"
#include "engine/crypto/password_hasher.h"
#include "engine/ports/clock.h"
#include "engine/service/user_pool_service.h"
#include "storage/rocks_event_store.h"
#include "triggers/lua_trigger_runner.h"

namespace cognate::api {
namespace {

struct ServeFlags {
  std::string data = "./data";
  std::string listen = "127.0.0.1:9230";
  std::vector<std::string> admin_keys;
  std::string public_url;
  std::string region = "us-east-1";
  std::string message_sink = "outbox";
  TriggerLimits trigger_limits;
};

// The cores this process may run on (its affinity mask, e.g. under taskset or a container's
// cpuset), which can be fewer than the machine has: threads sized to the machine would then take
// turns on the same cores.
unsigned UsableCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

const char kServeUsage[] =
    "usage: cognate serve [--data DIR] [--listen HOST:PORT] [--admin-key ID:SECRET]...\n"
    "                     [--public-url URL] [--region REGION] [--message-sink outbox|SMTP-URL]\n"
    "                     [--trigger-memory-mb N] [--trigger-instructions N] [--trigger-timeout-ms N]\n"
    "message sink: outbox (default), or also send email through an SMTP server:\n"
    "     smtp://[USER:PASSWORD@]HOST[:PORT][?starttls=required|optional|off&from=ADDR&tls_verify=on]\n"
    "     smtps://[USER:PASSWORD@]HOST[:PORT][?from=ADDR&tls_verify=on]\n"
    "env: COGNATE_DATA, COGNATE_LISTEN, COGNATE_ADMIN_KEY (ID:SECRET[,ID:SECRET...]),\n"
    "     COGNATE_MASTER_KEY (base64 of 32 bytes; default: DIR/master.key)\n";

bool ParseFlags(const std::vector<std::string>& args, ServeFlags& flags) {
  if (const char* v = std::getenv("COGNATE_DATA"); v && *v) flags.data = v;
  if (const char* v = std::getenv("COGNATE_LISTEN"); v && *v) flags.listen = v;
  if (const char* v = std::getenv("COGNATE_ADMIN_KEY"); v && *v) {
    std::string all = v;
    for (size_t start = 0; start <= all.size();) {
      size_t comma = all.find(',', start);
      if (comma == std::string::npos) comma = all.size();
      if (comma > start) flags.admin_keys.push_back(all.substr(start, comma - start));
      start = comma + 1;
    }
  }
  std::vector<std::string> cli_keys;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string key;
    bool ok = true;
    if (arg == "--data") ok = value(flags.data);
    else if (arg == "--listen") ok = value(flags.listen);
    else if (arg == "--admin-key") { ok = value(key); cli_keys.push_back(key); }
    else if (arg == "--public-url") ok = value(flags.public_url);
    else if (arg == "--region") ok = value(flags.region);
    else if (arg == "--message-sink") ok = value(flags.message_sink);
    else if (arg == "--trigger-memory-mb" || arg == "--trigger-instructions" || arg == "--trigger-timeout-ms") {
      std::string number;
      ok = value(number);
      try {
        const unsigned long long n = std::stoull(number);
        if (n == 0) throw std::out_of_range(arg);
        if (arg == "--trigger-memory-mb") flags.trigger_limits.memory_bytes = static_cast<size_t>(n) << 20;
        if (arg == "--trigger-instructions") flags.trigger_limits.instructions = n;
        if (arg == "--trigger-timeout-ms") flags.trigger_limits.deadline = std::chrono::milliseconds(n);
      } catch (...) {
        std::cerr << "cognate serve: " << arg << " needs a positive number\n";
        return false;
      }
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kServeUsage;
      std::exit(0);
    } else {
      std::cerr << "cognate serve: unknown argument " << arg << "\n" << kServeUsage;
      return false;
    }
    if (!ok) {
      std::cerr << "cognate serve: " << arg << " needs a value\n" << kServeUsage;
      return false;
    }
  }
  if (!cli_keys.empty()) flags.admin_keys = cli_keys;  // flags override the environment
  return true;
}

// Answers 503 until the real handler is attached: the issuer URL needs the bound port.
class DeferredHandler final : public HttpHandler {
 public:
  void Attach(HttpHandler* handler) { handler_.store(handler); }
  bool IsBlocking(const HttpRequest& request) const override {
    HttpHandler* h = handler_.load();
    return h ? h->IsBlocking(request) : false;
  }
  HttpResponse Handle(const HttpRequest& request) override {
    HttpHandler* h = handler_.load();
    if (!h) return ErrorResponse("ServiceUnavailableException", "Starting", 503);
    return h->Handle(request);
  }

 private:
  std::atomic<HttpHandler*> handler_{nullptr};
};

}  // namespace

int RunServe(const std::vector<std::string>& args) {
  ServeFlags flags;
  if (!ParseFlags(args, flags)) return 2;
  std::optional<SmtpConfig> smtp;
  if (flags.message_sink.rfind("smtp://", 0) == 0 || flags.message_sink.rfind("smtps://", 0) == 0) {
    auto parsed = ParseSmtpUrl(flags.message_sink);
    if (!parsed.ok()) {
      std::cerr << "cognate serve: bad --message-sink: " << parsed.status().message() << "\n";
      return 2;
    }
    smtp = *parsed;
  } else if (flags.message_sink != "outbox") {
    std::cerr << "cognate serve: unknown message sink '" << flags.message_sink
              << "' (available: outbox, smtp://..., smtps://...)\n";
    return 2;
  }
  const auto colon = flags.listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "cognate serve: --listen must be HOST:PORT\n";
    return 2;
  }
  HttpServerOptions http;
  http.io_threads = static_cast<int>(UsableCores());
  http.host = flags.listen.substr(0, colon);
  try {
    const int port = std::stoi(flags.listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    http.port = static_cast<uint16_t>(port);
  } catch (...) {
    std::cerr << "cognate serve: bad port in --listen " << flags.listen << "\n";
    return 2;
  }

  std::error_code ec;
  std::filesystem::create_directories(flags.data, ec);
  if (ec) {
    std::cerr << "cognate serve: cannot create " << flags.data << ": " << ec.message() << "\n";
    return 1;
  }
  ::chmod(flags.data.c_str(), 0700);

  auto master_key = LoadOrCreateMasterKey(flags.data);
  if (!master_key.ok()) {
    std::cerr << "cognate serve: " << master_key.status().ToString() << "\n";
    return 1;
  }
  std::map<std::string, std::string> admin_keys;
  bool generated_key = false;
  if (flags.admin_keys.empty()) {
    auto key = LoadOrCreateAdminKey(flags.data);
    if (!key.ok()) {
      std::cerr << "cognate serve: " << key.status().ToString() << "\n";
      return 1;
    }
    flags.admin_keys.push_back(*key);
    generated_key = true;
  }
  for (const auto& text : flags.admin_keys) {
    auto key = ParseAdminKey(text);
    if (!key.ok()) {
      std::cerr << "cognate serve: " << key.status().message() << "\n";
      return 2;
    }
    admin_keys[key->first] = key->second;
  }

  storage::RocksOptions store_options;
  store_options.path = flags.data + "/store";
  auto store = storage::RocksEventStore::Open(store_options);
  if (!store.ok()) {
    std::cerr << "cognate serve: cannot open the store: " << store.status().ToString() << "\n";
    return 1;
  }

  DeferredHandler deferred;
  HttpServer server(http, deferred);
  if (Status started = server.Start(); !started.ok()) {
    std::cerr << "cognate serve: " << started.ToString() << "\n";
    return 1;
  }
  const std::string endpoint = "http://" + http.host + ":" + std::to_string(server.port());
  std::string issuer = flags.public_url.empty() ? endpoint : flags.public_url;
  while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();

  SystemClock clock;
  // One Argon2id hash per core at a time (19 MiB each); a caller waits for a slot, but with more
  // than 16 per core already waiting (about a second of queue) it is refused at once with
  // TooManyRequestsException instead of timing out.
  const unsigned cores = UsableCores();
  crypto::PasswordHashingPool hasher(cores, 16 * cores);
  Outbox outbox;
  // With SMTP, messages go to the outbox too (ListOutbox keeps working) and then to the mail
  // server; what became of each is recorded by the service, which exists only further down.
  std::atomic<UserPoolService*> delivery_recorder{nullptr};
  std::unique_ptr<SmtpSink> smtp_sink;
  if (smtp) {
    auto observer = [&delivery_recorder](const OutgoingMessage& message, const DeliveryReport& report) {
      UserPoolService* service = delivery_recorder.load();
      if (!service) return;
      if (Status recorded = service->RecordMessageDelivery(message, report); !recorded.ok()) {
        std::cerr << "cognate serve: cannot record a message delivery: " << recorded.ToString() << "\n";
      }
    };
    smtp_sink = std::make_unique<SmtpSink>(*smtp, observer, &outbox);
  }
  MessageSink& sink = smtp_sink ? static_cast<MessageSink&>(*smtp_sink) : outbox;
  ServiceOptions options;
  options.region = flags.region;
  options.issuer_base = issuer;
  options.master_key = *master_key;
  options.trigger_limits = flags.trigger_limits;
  triggers::LuaTriggerRunner trigger_runner;
  UserPoolService service(**store, clock, hasher, sink, options, &trigger_runner);
  delivery_recorder.store(&service);
  // However this function ends, the sink stops (and stops reporting) before the service goes.
  struct StopReporting {
    std::atomic<UserPoolService*>& recorder;
    SmtpSink* sink;
    ~StopReporting() {
      if (sink) sink->Stop();
      recorder.store(nullptr);
    }
  } stop_reporting{delivery_recorder, smtp_sink.get()};
  audit::EventFeed feed(**store, options.master_key);
  CognitoApi api(service, &outbox, admin_keys, &feed);
  deferred.Attach(&api);

  std::cout << "Cognate is serving on " << endpoint << " (data in " << flags.data << ")\n";
  if (generated_key) {
    const auto& [id, secret] = *admin_keys.begin();
    std::cout << "Admin key (stored in " << flags.data << "/admin.key):\n"
              << "  export AWS_ACCESS_KEY_ID=" << id << " AWS_SECRET_ACCESS_KEY=" << secret
              << " AWS_DEFAULT_REGION=" << flags.region << "\n";
  }
  if (smtp) {
    std::cout << "Messages go to the outbox and by SMTP to " << smtp->host << ":" << smtp->port << " as "
              << smtp->from << "\n";
  }
  std::cout << "Use it with: aws cognito-idp --endpoint-url " << endpoint << " ..." << std::endl;
  server.Wait();
  deferred.Attach(nullptr);
  std::cout << "Cognate stopped." << std::endl;
  return 0;
}

}  // namespace cognate::api
