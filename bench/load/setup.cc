#include "bench/load/setup.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

namespace cognate::bench {

namespace {

using nlohmann::json;

// Reads a string member at `path` (e.g. {"UserPool","Id"}) or fails naming the operation.
Result<std::string> StringAt(const json& document, std::initializer_list<const char*> path,
                             std::string_view operation) {
  const json* node = &document;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) {
      return InternalError(std::string(operation) + ": response lacks " + key + ": " +
                           document.dump());
    }
    node = &(*node)[key];
  }
  if (!node->is_string()) {
    return InternalError(std::string(operation) + ": not a string in " + document.dump());
  }
  return node->get<std::string>();
}

// Everything one user needs: signed up with the bench password and confirmed, and signed in if
// tokens are wanted. Writes the tokens into fixture slot `i`. SignUp and AdminConfirmSignUp hash
// the password once; AdminCreateUser would hash a temporary one first, and each hash is tens of
// milliseconds of the server's core.
Status SetUpUser(HttpClient& client, const SetupOptions& options, Fixture& fixture, size_t i) {
  const std::string& username = fixture.usernames[i];
  if (options.existing_pool_id.empty()) {
    auto signed_up = CallCognito(
        client, options.endpoint, "SignUp",
        {{"ClientId", fixture.client_id}, {"Username", username}, {"Password", kPassword}},
        nullptr);
    if (!signed_up.ok()) return signed_up.status();
    auto confirmed =
        CallCognito(client, options.endpoint, "AdminConfirmSignUp",
                    {{"UserPoolId", fixture.pool_id}, {"Username", username}}, &options.admin_key);
    if (!confirmed.ok()) return confirmed.status();
  }
  if (!NeedsTokens(options.op)) return Status::Ok();

  auto auth = CallCognito(
      client, options.endpoint, "InitiateAuth",
      {{"AuthFlow", "USER_PASSWORD_AUTH"},
       {"ClientId", fixture.client_id},
       {"AuthParameters", {{"USERNAME", username}, {"PASSWORD", kPassword}}}},
      nullptr);
  if (!auth.ok()) return auth.status();
  auto access = StringAt(*auth, {"AuthenticationResult", "AccessToken"}, "InitiateAuth");
  if (!access.ok()) return access.status();
  auto refresh = StringAt(*auth, {"AuthenticationResult", "RefreshToken"}, "InitiateAuth");
  if (!refresh.ok()) return refresh.status();
  fixture.access_tokens[i] = std::move(*access);
  fixture.refresh_tokens[i] = std::move(*refresh);
  return Status::Ok();
}

// Runs SetUpUser for every user over `options.parallelism` connections. Each worker owns the
// slots it claims, so the fixture needs no lock; the first error stops everyone.
Status SetUpUsers(const SetupOptions& options, Fixture& fixture) {
  const auto deadline = std::chrono::steady_clock::now() + options.deadline;
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  Status first_error;

  auto fail = [&](Status status) {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (first_error.ok()) first_error = std::move(status);
    failed = true;
  };
  auto worker = [&] {
    HttpClient client(options.endpoint, options.request_timeout);
    for (;;) {
      if (failed) return;
      size_t i = next++;
      if (i >= fixture.usernames.size()) return;
      if (std::chrono::steady_clock::now() > deadline) {
        fail(UnavailableError("set-up deadline passed after " + std::to_string(i) + " users"));
        return;
      }
      if (Status s = SetUpUser(client, options, fixture, i); !s.ok()) {
        fail(Status(s.code(), "user " + fixture.usernames[i] + ": " + s.message()));
        return;
      }
    }
  };

  const int threads =
      std::clamp(options.parallelism, 1, static_cast<int>(fixture.usernames.size()));
  std::vector<std::thread> workers;
  workers.reserve(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) workers.emplace_back(worker);
  for (std::thread& t : workers) t.join();
  return first_error;
}

// SetUp for an existing pool: its users named, not created; signed in if the op needs tokens.
Status SetUpExisting(const SetupOptions& options, Fixture& fixture) {
  fixture.pool_id = options.existing_pool_id;
  fixture.client_id = options.existing_client_id;
  if (!NeedsUsers(options.op)) return Status::Ok();
  const int64_t users = std::max(options.users, 1);
  const int64_t pool_users = options.pool_users > 0 ? options.pool_users : users;
  if (users > pool_users) return InvalidArgumentError("more users to drive than the pool holds");
  for (int64_t j = 0; j < users; ++j) {
    fixture.usernames.push_back(options.user_prefix + std::to_string(j * pool_users / users));
  }
  if (!NeedsTokens(options.op)) return Status::Ok();
  fixture.access_tokens.resize(fixture.usernames.size());
  fixture.refresh_tokens.resize(fixture.usernames.size());
  return SetUpUsers(options, fixture);
}

}  // namespace

Status SetUp(const SetupOptions& options, Fixture* out) {
  HttpClient client(options.endpoint, options.request_timeout);
  Fixture& fixture = *out;
  fixture = Fixture();
  if (!options.existing_pool_id.empty()) return SetUpExisting(options, fixture);

  nlohmann::json create_pool = {{"PoolName", "bench-" + options.run_id},
                                 {"Policies",
                                  {{"PasswordPolicy",
                                    {{"MinimumLength", 8},
                                     {"RequireUppercase", true},
                                     {"RequireLowercase", true},
                                     {"RequireNumbers", true},
                                     {"RequireSymbols", true}}}}}};
  if (!options.lambda_config.empty()) create_pool["LambdaConfig"] = options.lambda_config;
  auto pool = CallCognito(client, options.endpoint, "CreateUserPool", create_pool, &options.admin_key);
  if (!pool.ok()) return pool.status();
  auto pool_id = StringAt(*pool, {"UserPool", "Id"}, "CreateUserPool");
  if (!pool_id.ok()) return pool_id.status();
  fixture.pool_id = std::move(*pool_id);

  auto app_client = CallCognito(client, options.endpoint, "CreateUserPoolClient",
                                {{"UserPoolId", fixture.pool_id},
                                 {"ClientName", "bench"},
                                 {"ExplicitAuthFlows",
                                  {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                                   "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}},
                                &options.admin_key);
  if (!app_client.ok()) {
    return Status(app_client.status().code(),
                  "pool " + fixture.pool_id + ": " + app_client.status().message());
  }
  auto client_id = StringAt(*app_client, {"UserPoolClient", "ClientId"}, "CreateUserPoolClient");
  if (!client_id.ok()) return client_id.status();
  fixture.client_id = std::move(*client_id);

  if (!NeedsUsers(options.op)) return Status::Ok();
  const size_t users = static_cast<size_t>(std::max(options.users, 1));
  fixture.usernames.reserve(users);
  for (size_t i = 0; i < users; ++i) {
    fixture.usernames.push_back("bench-" + options.run_id + "-" + std::to_string(i));
  }
  if (NeedsTokens(options.op)) {
    fixture.access_tokens.resize(users);
    fixture.refresh_tokens.resize(users);
  }
  if (Status s = SetUpUsers(options, fixture); !s.ok()) {
    return Status(s.code(), "pool " + fixture.pool_id + ": " + s.message());
  }
  return Status::Ok();
}

Status DeletePool(const Endpoint& endpoint, const AdminKey& admin_key, const std::string& pool_id,
                  std::chrono::milliseconds request_timeout) {
  HttpClient client(endpoint, request_timeout);
  auto deleted =
      CallCognito(client, endpoint, "DeleteUserPool", {{"UserPoolId", pool_id}}, &admin_key);
  return deleted.ok() ? Status::Ok() : deleted.status();
}

}  // namespace cognate::bench
