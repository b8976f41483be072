// User pool and app client management: Create/Describe/Update/List/Delete for both.
#include "engine/crypto/encoding.h"
#include "engine/crypto/random.h"
#include "engine/pool/pool_events.h"
#include "engine/service/paging.h"
#include "engine/service/commit_retry.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"

namespace cognate {
namespace {

constexpr std::string_view kAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kLowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789";

}  // namespace

Outcome<nlohmann::json> UserPoolService::CreateUserPool(const json& request, const CallContext& ctx) {
  auto config = NormalizeNewPoolConfig(request);
  if (!config.ok()) return config.error();
  if (auto lambdas = CheckLambdaConfig(config->value("LambdaConfig", json::object())); !lambdas.ok()) {
    return lambdas.error();
  }

  PoolState pool;
  pool.id = options_.region + "_" + crypto::RandomString(9, kAlnum);
  json keys = json::array();
  for (const char* use : {"id", "access"}) {
    auto key = crypto::RsaKey::Generate(2048);
    if (!key.ok()) return FromStatus(key.status());
    auto der = key->ToPrivateDer();
    if (!der.ok()) return FromStatus(der.status());
    keys.push_back({{"kid", key->Kid()},
                    {"use", use},
                    {"sealed_der", SealSecret(*der, "poolkey/" + pool.id + "/" + key->Kid())}});
  }
  Events events = {MakeEvent(pool_events::kPoolCreated,
                             {{"id", pool.id}, {"config", config.value()}, {"keys", keys}})};
  auto appended = CommitPool(pool, events, ctx);
  if (!appended.ok()) return FromStatus(appended.status());
  return json{{"UserPool", PoolView(pool)}};
}

Outcome<nlohmann::json> UserPoolService::DescribeUserPool(const json& request, const CallContext&) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  return json{{"UserPool", PoolView(pool.value())}};
}

Outcome<nlohmann::json> UserPoolService::UpdateUserPool(const json& request, const CallContext& ctx) {
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto pool = LoadPool(request);
    if (!pool.ok()) return pool.error();
    auto config = ApplyPoolUpdate(pool->config, request);
    if (!config.ok()) return config.error();
    if (auto lambdas = CheckLambdaConfig(config->value("LambdaConfig", json::object())); !lambdas.ok()) {
      return lambdas.error();
    }
    auto appended = CommitPool(pool.value(), {MakeEvent(pool_events::kPoolUpdated, {{"config", config.value()}})}, ctx);
    if (appended.ok()) return json::object();
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kConcurrentModification, "The user pool was modified concurrently.");
}

Outcome<nlohmann::json> UserPoolService::ListUserPools(const json& request, const CallContext&) {
  auto max = wire::OptionalInt(request, "MaxResults", 1, 60);
  if (!max.ok()) return max.error();
  if (!max.value()) {
    return Reject(ErrorCode::kInvalidParameter, "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must not be null");
  }
  auto token = wire::OptionalString(request, "NextToken");
  if (!token.ok()) return token.error();
  auto page = ScanPage(store_, tables::kPools, "", token.value(), static_cast<size_t>(*max.value()));
  if (!page.ok()) return page.error();
  json pools = json::array();
  for (const auto& row : page->rows) {
    PoolState pool = json::parse(row.value).get<PoolState>();
    pools.push_back({{"Id", pool.id},
                     {"Name", pool.config.value("Name", "")},
                     {"LambdaConfig", pool.config.value("LambdaConfig", json::object())},
                     {"CreationDate", wire::Timestamp(pool.created_at_ms)},
                     {"LastModifiedDate", wire::Timestamp(pool.modified_at_ms)}});
  }
  json out = {{"UserPools", pools}};
  if (!page->next_token.empty()) out["NextToken"] = page->next_token;
  return out;
}

Outcome<nlohmann::json> UserPoolService::DeleteUserPool(const json& request, const CallContext& ctx) {
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto pool = LoadPool(request);
    if (!pool.ok()) return pool.error();
    if (pool->config.value("DeletionProtection", "INACTIVE") == "ACTIVE") {
      return Reject(ErrorCode::kInvalidParameter,
                    "The user pool cannot be deleted because deletion protection is activated.");
    }
    auto appended = CommitPool(pool.value(), {MakeEvent(pool_events::kPoolDeleted, json::object())}, ctx);
    if (appended.ok()) {
      std::unique_lock lock(keys_mu_);
      keys_.erase(pool->id);
      return json::object();
    }
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kConcurrentModification, "The user pool was modified concurrently.");
}

Outcome<nlohmann::json> UserPoolService::CreateUserPoolClient(const json& request, const CallContext& ctx) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto config = NormalizeClientConfig(request);
  if (!config.ok()) return config.error();
  auto generate = wire::OptionalBool(request, "GenerateSecret");
  if (!generate.ok()) return generate.error();
  auto given_secret = wire::OptionalString(request, "ClientSecret");
  if (!given_secret.ok()) return given_secret.error();
  if (generate.value().value_or(false) && !given_secret->empty()) {
    return Reject(ErrorCode::kInvalidParameter, "ClientSecret cannot be set when GenerateSecret is true.");
  }

  ClientState client;
  client.id = crypto::RandomString(26, kLowerAlnum);
  std::string secret = given_secret.value();
  if (generate.value().value_or(false)) secret = crypto::RandomString(51, kLowerAlnum);
  json data = {{"id", client.id}, {"pool_id", pool->id}, {"config", config.value()}};
  if (!secret.empty()) data["secret_sealed"] = SealSecret(secret, "client/" + client.id);
  auto appended = CommitClient(client, {MakeEvent(pool_events::kClientCreated, data)}, ctx);
  if (!appended.ok()) return FromStatus(appended.status());
  return json{{"UserPoolClient", ClientView(client)}};
}

namespace {

Outcome<std::string> ClientIdOf(const nlohmann::json& request) {
  return wire::RequiredString(request, "ClientId", 1, 128);
}

}  // namespace

Outcome<nlohmann::json> UserPoolService::DescribeUserPoolClient(const json& request, const CallContext&) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto id = ClientIdOf(request);
  if (!id.ok()) return id.error();
  auto client = LoadPoolClient(pool.value(), id.value());
  if (!client.ok()) return client.error();
  return json{{"UserPoolClient", ClientView(client.value())}};
}

Outcome<nlohmann::json> UserPoolService::UpdateUserPoolClient(const json& request, const CallContext& ctx) {
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto pool = LoadPool(request);
    if (!pool.ok()) return pool.error();
    auto id = ClientIdOf(request);
    if (!id.ok()) return id.error();
    auto client = LoadPoolClient(pool.value(), id.value());
    if (!client.ok()) return client.error();
    json merged = request;
    if (!merged.contains("ClientName")) merged["ClientName"] = client->config.value("ClientName", "");
    auto config = NormalizeClientConfig(merged);
    if (!config.ok()) return config.error();
    auto appended = CommitClient(client.value(), {MakeEvent(pool_events::kClientUpdated, {{"config", config.value()}})}, ctx);
    if (appended.ok()) return json{{"UserPoolClient", ClientView(client.value())}};
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kConcurrentModification, "The client was modified concurrently.");
}

Outcome<nlohmann::json> UserPoolService::ListUserPoolClients(const json& request, const CallContext&) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto max = wire::OptionalInt(request, "MaxResults", 1, 60);
  if (!max.ok()) return max.error();
  auto token = wire::OptionalString(request, "NextToken");
  if (!token.ok()) return token.error();
  auto page = ScanPage(store_, tables::kPoolClients, pool->id + "/", token.value(),
                       static_cast<size_t>(max.value().value_or(60)));
  if (!page.ok()) return page.error();
  json clients = json::array();
  for (const auto& row : page->rows) {
    clients.push_back({{"ClientId", row.key.substr(pool->id.size() + 1)},
                       {"UserPoolId", pool->id},
                       {"ClientName", row.value}});
  }
  json out = {{"UserPoolClients", clients}};
  if (!page->next_token.empty()) out["NextToken"] = page->next_token;
  return out;
}

Outcome<nlohmann::json> UserPoolService::DeleteUserPoolClient(const json& request, const CallContext& ctx) {
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto pool = LoadPool(request);
    if (!pool.ok()) return pool.error();
    auto id = ClientIdOf(request);
    if (!id.ok()) return id.error();
    auto client = LoadPoolClient(pool.value(), id.value());
    if (!client.ok()) return client.error();
    auto appended = CommitClient(client.value(), {MakeEvent(pool_events::kClientDeleted, json::object())}, ctx);
    if (appended.ok()) return json::object();
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kConcurrentModification, "The client was modified concurrently.");
}

}  // namespace cognate
