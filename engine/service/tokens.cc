// Tokens: signing keys, minting ID/access/refresh tokens, validating access tokens, refresh,
// auth sessions, password material, and the discovery documents.
#include <algorithm>

#include "engine/crypto/aead.h"
#include "engine/crypto/encoding.h"
#include "engine/crypto/hash.h"
#include "engine/crypto/jwt.h"
#include "engine/crypto/random.h"
#include "engine/crypto/srp.h"
#include "engine/projection.h"
#include "engine/service/commit_retry.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"
#include "engine/user/user_events.h"
#include "engine/json/fast_parse.h"

namespace cognate {
namespace {

constexpr char kUserAdminScope[] = "aws.cognito.signin.user.admin";

// Claims of an attribute value in the ID token: booleans and numbers typed, the rest strings.
nlohmann::json ClaimValue(const std::string& name, const std::string& value) {
  if (name == "email_verified" || name == "phone_number_verified") return value == "true";
  if (name == "updated_at") {
    try {
      return std::stoll(value);
    } catch (...) {
      return value;
    }
  }
  return value;
}

}  // namespace

Result<UserPoolService::PoolKeys> UserPoolService::KeysFor(const PoolState& pool) {
  {
    std::shared_lock lock(keys_mu_);
    if (auto it = keys_.find(pool.id); it != keys_.end()) return it->second;
  }
  PoolKeys keys;
  for (const auto& k : pool.keys) {
    auto der = OpenSecret(k.sealed_der, "poolkey/" + pool.id + "/" + k.kid);
    if (!der.ok()) return der.status();
    auto key = crypto::RsaKey::FromPrivateDer(*der);
    if (!key.ok()) return key.status();
    auto shared = std::make_shared<const crypto::RsaKey>(std::move(key).value());
    (k.use == "id" ? keys.id_key : keys.access_key) = shared;
  }
  if (!keys.id_key || !keys.access_key) return DataLossError("pool " + pool.id + " lacks signing keys");
  keys.jwks = std::make_shared<const std::string>(
      json{{"keys", json::array({keys.id_key->PublicJwk(), keys.access_key->PublicJwk()})}}.dump());
  std::unique_lock lock(keys_mu_);
  keys_[pool.id] = keys;
  return keys;
}

Outcome<nlohmann::json> UserPoolService::PasswordFields(const PoolState& pool, const std::string& username,
                                                        const std::string& password) {
  auto hash = hasher_.Hash(password);
  if (!hash.ok()) return FromStatus(hash.status());
  const std::string salt = crypto::RandomBytes(16);
  const std::string verifier = crypto::ComputeSrpVerifier(wire::SrpPoolName(pool.id), username, password, salt);
  return json{{"password_hash", *hash},
              {"srp_salt", crypto::HexEncode(salt)},
              {"srp_verifier_sealed", SealSecret(verifier, "srp/" + pool.id + "/" + username)}};
}

Outcome<bool> UserPoolService::PasswordMatches(const UserState& user, const std::string& password) {
  auto match = hasher_.Verify(user.password_hash, password);
  if (!match.ok()) return FromStatus(match.status());
  return *match;
}

namespace {

// Sealed sessions and refresh tokens start with a letter: base64url may begin with '-', which
// command-line clients (aws-cli among them) take for an option.
constexpr std::string_view kSessionPrefix = "AYAB";
constexpr std::string_view kRefreshTokenPrefix = "eyR";

}  // namespace

nlohmann::json UserPoolService::SealSession(const json& content) const {
  return std::string(kSessionPrefix) + crypto::Base64UrlEncode(crypto::Seal(session_key_, content.dump(), "auth-session"));
}

Outcome<nlohmann::json> UserPoolService::OpenSession(const std::string& session) const {
  const DomainError expired = Reject(ErrorCode::kNotAuthorized, "Invalid session for the user, session is expired.");
  if (session.rfind(kSessionPrefix, 0) != 0) return expired;
  auto sealed = crypto::Base64UrlDecode(std::string_view(session).substr(kSessionPrefix.size()));
  if (!sealed.ok()) return expired;
  auto plain = crypto::Open(session_key_, *sealed, "auth-session");
  if (!plain.ok()) return expired;
  auto content = json::parse(*plain, nullptr, false);
  if (content.is_discarded() || content.value("exp", int64_t{0}) < clock_.NowMs()) return expired;
  return content;
}

TokenClaims UserPoolService::BuildTokenClaims(const PoolState& pool, const ClientState& client,
                                              const UserState& user, const std::string& origin_jti,
                                              int64_t auth_time) {
  const ClientSettings settings = ReadClientSettings(client.config);
  const int64_t now = clock_.NowMs() / 1000;
  const std::string issuer = options_.issuer_base + "/" + pool.id;
  const std::string event_id = crypto::NewUuidV4();

  // Groups by precedence (lowest first); groups without one come last, by name.
  std::vector<GroupState> groups = GroupsOf(user);
  std::stable_sort(groups.begin(), groups.end(), [](const GroupState& a, const GroupState& b) {
    const bool ha = a.config.contains("Precedence"), hb = b.config.contains("Precedence");
    if (ha != hb) return ha;
    if (ha && a.config["Precedence"] != b.config["Precedence"]) return a.config["Precedence"].get<int64_t>() < b.config["Precedence"].get<int64_t>();
    return a.name < b.name;
  });
  json group_names = json::array(), roles = json::array();
  for (const auto& g : groups) {
    group_names.push_back(g.name);
    if (g.config.contains("RoleArn")) roles.push_back(g.config["RoleArn"]);
  }

  TokenClaims claims;
  json& id = claims.id;
  id = {{"sub", user.sub}};
  if (!groups.empty()) id["cognito:groups"] = group_names;
  if (!roles.empty()) {
    id["cognito:roles"] = roles;
    // The preferred role is the one of the lowest-precedence group, unless that is a tie.
    const auto& first = groups.front();
    const bool tie = groups.size() > 1 && first.config.contains("Precedence") && groups[1].config.contains("Precedence") &&
                     first.config["Precedence"] == groups[1].config["Precedence"];
    if (first.config.contains("RoleArn") && first.config.contains("Precedence") && !tie) {
      id["cognito:preferred_role"] = first.config["RoleArn"];
    }
  }
  for (const auto& [name, value] : user.attributes) {
    if (name == "sub") continue;
    if (settings.read_attributes && !settings.read_attributes->count(name)) continue;
    id[name] = ClaimValue(name, value);
  }
  id.update({{"iss", issuer},
             {"cognito:username", user.username},
             {"origin_jti", origin_jti},
             {"aud", client.id},
             {"event_id", event_id},
             {"token_use", "id"},
             {"auth_time", auth_time},
             {"exp", now + settings.validity.id_seconds},
             {"iat", now},
             {"jti", crypto::NewUuidV4()}});

  json& access = claims.access;
  access = {{"sub", user.sub}};
  if (!groups.empty()) access["cognito:groups"] = group_names;
  access.update({{"iss", issuer},
                 {"client_id", client.id},
                 {"origin_jti", origin_jti},
                 {"event_id", event_id},
                 {"token_use", "access"},
                 {"scope", kUserAdminScope},
                 {"auth_time", auth_time},
                 {"exp", now + settings.validity.access_seconds},
                 {"iat", now},
                 {"jti", crypto::NewUuidV4()},
                 {"username", user.username}});
  return claims;
}

Outcome<Done> UserPoolService::CustomizeTokens(const PoolState& pool, const ClientState& client,
                                               const UserState& user, const std::string& trigger_source,
                                               TokenClaims& claims, json& records) {
  json attributes = json::object();
  for (const auto& [name, value] : user.attributes) attributes[name] = value;
  json roles = claims.id.value("cognito:roles", json::array());
  TriggerCall call{"PreTokenGeneration", trigger_source, user.username, client.id,
                   {{"userAttributes", attributes},
                    {"groupConfiguration", {{"groupsToOverride", claims.id.value("cognito:groups", json::array())},
                                            {"iamRolesToOverride", roles},
                                            {"preferredRole", claims.id.value("cognito:preferred_role", json())}}},
                    {"scopes", json::array({kUserAdminScope})},
                    {"clientMetadata", json::object()}},
                   json::object()};
  const std::string version = [&] {
    const std::string v = pool.config.value("LambdaConfig", json::object())
                              .value("PreTokenGenerationConfig", json::object())
                              .value("LambdaVersion", "V1_0");
    return v == "V2_0" ? std::string("2") : v == "V3_0" ? std::string("3") : std::string("1");
  }();
  if (version == "1") {
    call.request.erase("scopes");
    call.response = {{"claimsOverrideDetails", nullptr}};
  } else {
    call.response = {{"claimsAndScopeOverrideDetails", nullptr}};
  }
  auto run = RunTrigger(pool, call);
  if (!run.ok()) return run.error();
  if (!run.value()) return Done{};
  records.push_back((*run.value()).record);
  return ApplyClaimOverrides(version, (*run.value()).response, claims);
}

Outcome<nlohmann::json> UserPoolService::SignTokens(const PoolState& pool, const ClientState& client,
                                                    const TokenClaims& claims, const std::string& refresh_token) {
  auto keys = KeysFor(pool);
  if (!keys.ok()) return FromStatus(keys.status());
  const ClientSettings settings = ReadClientSettings(client.config);
  json result = {{"AccessToken", crypto::SignJwtRs256(*keys->access_key, claims.access)},
                 {"ExpiresIn", settings.validity.access_seconds},
                 {"TokenType", "Bearer"},
                 {"IdToken", crypto::SignJwtRs256(*keys->id_key, claims.id)}};
  if (!refresh_token.empty()) result["RefreshToken"] = refresh_token;
  return result;
}

Outcome<nlohmann::json> UserPoolService::IssueTokens(const PoolState& pool, const ClientState& client,
                                                     UserState& user, const CallContext& ctx,
                                                     const std::string& flow, Events prefix_events,
                                                     json trigger_records, json facts) {
  const ClientSettings settings = ReadClientSettings(client.config);
  const std::string origin_jti = crypto::NewUuidV4();
  const std::string refresh_token = std::string(kRefreshTokenPrefix) + crypto::Base64UrlEncode(crypto::RandomBytes(96));
  const int64_t now = clock_.NowMs();
  const int64_t auth_time = now / 1000;

  // Claims are decided (and customised by the trigger) before the sign-in is recorded, so the
  // trigger's outcome goes into the event. The user state they read is the one decided on.
  UserState after_prefix = user;
  for (const auto& e : prefix_events) EvolveUser(after_prefix, e, now);
  // Device tracking: a sign-in from a device the user has not used before makes it known; the
  // client confirms it (ConfirmDevice) with the verifier of its device SRP.
  json new_device_metadata;
  std::string device_key = facts.value("device_key", "");
  if (pool_settings_.Of(pool)->device_tracking && device_key.empty()) {
    device_key = options_.region + "_" + crypto::NewUuidV4();
    std::string group_key = "-";
    group_key += crypto::RandomString(9, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
    facts["new_device"] = {{"key", device_key}, {"group_key", group_key}, {"name", ctx.user_agent}};
    new_device_metadata = {{"DeviceKey", device_key}, {"DeviceGroupKey", group_key}};
  }
  TokenClaims claims = BuildTokenClaims(pool, client, after_prefix, origin_jti, auth_time);
  if (!device_key.empty()) claims.access["device_key"] = device_key;
  const std::string source = flow == "NEW_PASSWORD_REQUIRED" ? "TokenGeneration_NewPasswordChallenge"
                                                             : "TokenGeneration_Authentication";
  if (auto customized = CustomizeTokens(pool, client, after_prefix, source, claims, trigger_records); !customized.ok()) {
    return customized.error();
  }

  Events events = std::move(prefix_events);
  json signed_in = {{"client_id", client.id},
                    {"flow", flow},
                    {"origin_jti", origin_jti},
                    {"refresh_hash", crypto::Sha256Hex(refresh_token)},
                    {"refresh_expires_at_ms", now + settings.validity.refresh_seconds * 1000},
                    {"auth_time", auth_time}};
  if (!trigger_records.empty()) signed_in["triggers"] = trigger_records;
  for (const auto& [key, value] : facts.items()) signed_in[key] = value;
  events.push_back(MakeEvent(user_events::kSignedIn, signed_in));
  // A lost race re-reads the user; the decision stands only if what it rested on (password,
  // status, enabled) is unchanged, otherwise the caller must start again.
  const UserState decided_on = user;
  for (int attempt = 0;; ++attempt) {
    auto appended = CommitUser(user, events, ctx);
    if (appended.ok()) break;
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
    if (attempt == kMaxCommitAttempts - 1) return Reject(ErrorCode::kTooManyRequests, "Too many concurrent requests for this user.");
    auto reloaded = LoadUserBySub(user.pool_id, user.sub);
    if (!reloaded.ok()) return FromStatus(reloaded.status());
    if (!reloaded->exists || reloaded->deleted) return Reject(ErrorCode::kUserNotFound, "User does not exist.");
    if (reloaded->password_hash != decided_on.password_hash || reloaded->status != decided_on.status ||
        !reloaded->enabled) {
      return Reject(ErrorCode::kNotAuthorized, "Incorrect username or password.");
    }
    user = std::move(reloaded).value();
  }
  auto result = SignTokens(pool, client, claims, refresh_token);
  if (!result.ok()) return result.error();
  if (!new_device_metadata.is_null()) result.value()["NewDeviceMetadata"] = std::move(new_device_metadata);
  return json{{"ChallengeParameters", json::object()}, {"AuthenticationResult", result.value()}};
}

Outcome<UserPoolService::AccessTokenInfo> UserPoolService::ValidateAccessToken(const json& request) {
  auto token = wire::RequiredString(request, "AccessToken", 1, 100000);
  if (!token.ok()) return token.error();
  const DomainError invalid = Reject(ErrorCode::kNotAuthorized, "Invalid Access Token");
  auto verified = verified_tokens_.Find(token.value());
  if (!verified) {
    auto decoded = crypto::DecodeJwtUnverified(token.value());
    if (!decoded.ok()) return invalid;
    const json& payload = (*decoded)["payload"];
    const std::string iss = payload.value("iss", "");
    const auto slash = iss.rfind('/');
    if (slash == std::string::npos || iss.substr(0, slash) != options_.issuer_base) return invalid;
    auto issuer = LoadSharedPool(iss.substr(slash + 1));
    if (!issuer.ok()) return invalid;
    auto keys = KeysFor(*issuer.value());
    if (!keys.ok()) return FromStatus(keys.status());
    auto checked = crypto::VerifyJwtRs256(*keys->access_key, token.value());
    if (!checked.ok() || checked->value("token_use", "") != "access") return invalid;
    verified = verified_tokens_.Insert(token.value(), issuer.value()->id, std::move(checked).value());
  }
  // The pool is looked up every time: a deleted pool's tokens stop working at once.
  auto loaded = LoadSharedPool(verified->pool_id);
  if (!loaded.ok()) return invalid;
  std::shared_ptr<const PoolState> pool = std::move(loaded).value();
  const json& claims = verified->claims;
  if (claims.value("exp", int64_t{0}) <= clock_.NowMs() / 1000) {
    return Reject(ErrorCode::kNotAuthorized, "Access Token has expired");
  }
  auto user = LoadUserBySub(pool->id, claims.value("sub", ""));
  if (!user.ok()) return FromStatus(user.status());
  if (!user->exists || user->deleted) return Reject(ErrorCode::kNotAuthorized, "User does not exist.");
  if (!user->enabled) return Reject(ErrorCode::kNotAuthorized, "User is disabled.");
  const std::string origin_jti = claims.value("origin_jti", "");
  auto origin = store_.Get(tables::kOrigins, origin_jti);
  auto revoked = store_.Get(tables::kRevoked, origin_jti);
  if (!origin.ok() || !revoked.ok()) return FromStatus(!origin.ok() ? origin.status() : revoked.status());
  const json origin_record = origin->has_value() ? json_parse::ParseOrDiscarded(**origin) : json();
  if (!origin->has_value() || revoked->has_value() || origin_record.is_discarded() ||
      origin_record.value("issued_version", uint64_t{0}) < user->signed_out_version) {
    return Reject(ErrorCode::kNotAuthorized, "Access Token has been revoked");
  }
  return AccessTokenInfo{std::move(pool), std::move(user).value(), std::move(verified)};
}

Outcome<nlohmann::json> UserPoolService::RefreshTokens(const std::string& client_id,
                                                       const std::string& refresh_token,
                                                       const std::string& client_secret_or_hash,
                                                       bool via_secret_hash,
                                                       const std::string& username_for_hash,
                                                       const CallContext& ctx) {
  auto client = LoadClient(client_id);
  if (!client.ok()) return client.error();
  auto shared_pool = LoadSharedPool(client->pool_id);
  if (!shared_pool.ok()) return shared_pool.error();
  const PoolState& pool = *shared_pool.value();
  const DomainError invalid = Reject(ErrorCode::kNotAuthorized, "Invalid Refresh Token");
  auto origin_jti = store_.Get(tables::kRefresh, crypto::Sha256Hex(refresh_token));
  if (!origin_jti.ok()) return FromStatus(origin_jti.status());
  if (!origin_jti->has_value()) return invalid;
  auto origin_row = store_.Get(tables::kOrigins, **origin_jti);
  auto revoked = store_.Get(tables::kRevoked, **origin_jti);
  if (!origin_row.ok() || !revoked.ok()) return FromStatus(!origin_row.ok() ? origin_row.status() : revoked.status());
  if (!origin_row->has_value()) return invalid;
  const json origin = json_parse::ParseOrDiscarded(**origin_row);
  if (origin.is_discarded() || origin.value("client_id", "") != client->id) return invalid;

  auto user = LoadUserBySub(pool.id, origin.value("sub", ""));
  if (!user.ok()) return FromStatus(user.status());
  if (!user->exists || user->deleted) return Reject(ErrorCode::kNotAuthorized, "User does not exist.");

  if (!client->secret_sealed.empty()) {
    if (via_secret_hash) {
      // The hash may be made with the internal username, the sub, or the name the user typed.
      std::string name = username_for_hash.empty() ? user->username : username_for_hash;
      auto checked = CheckSecretHash(client.value(), name, client_secret_or_hash);
      if (!checked.ok() && name != user->sub) checked = CheckSecretHash(client.value(), user->sub, client_secret_or_hash);
      if (!checked.ok()) return checked.error();
    } else {
      auto secret = OpenSecret(client->secret_sealed, "client/" + client->id);
      if (!secret.ok()) return FromStatus(secret.status());
      if (!crypto::ConstantTimeEquals(*secret, client_secret_or_hash)) {
        return Reject(ErrorCode::kNotAuthorized, "Unable to verify secret hash for client " + client->id);
      }
    }
  }
  if (origin.value("refresh_expires_at_ms", int64_t{0}) <= clock_.NowMs()) {
    return Reject(ErrorCode::kNotAuthorized, "Refresh Token has expired");
  }
  if (revoked->has_value() || origin.value("issued_version", uint64_t{0}) < user->signed_out_version) {
    return Reject(ErrorCode::kNotAuthorized, "Refresh Token has been revoked");
  }
  if (!user->enabled) return Reject(ErrorCode::kNotAuthorized, "User is disabled.");

  UserState state = std::move(user).value();
  TokenClaims claims = BuildTokenClaims(pool, client.value(), state, **origin_jti,
                                        origin.value("auth_time", int64_t{0}));
  json trigger_records = json::array();
  if (auto customized = CustomizeTokens(pool, client.value(), state, "TokenGeneration_RefreshTokens", claims,
                                        trigger_records);
      !customized.ok()) {
    return customized.error();
  }
  json refreshed = {{"client_id", client->id}, {"origin_jti", **origin_jti}};
  if (!trigger_records.empty()) refreshed["triggers"] = trigger_records;
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto appended = CommitUser(state, {MakeEvent(user_events::kTokensRefreshed, refreshed)}, ctx);
    if (appended.ok()) break;
    if (appended.status().code() != StatusCode::kAborted || attempt == kMaxCommitAttempts - 1) return FromStatus(appended.status());
    auto reloaded = LoadUserBySub(pool.id, state.sub);
    if (!reloaded.ok()) return FromStatus(reloaded.status());
    state = std::move(reloaded).value();
    if (!state.exists || state.deleted || !state.enabled ||
        origin.value("issued_version", uint64_t{0}) < state.signed_out_version) {
      return Reject(ErrorCode::kNotAuthorized, "Refresh Token has been revoked");
    }
  }
  auto result = SignTokens(pool, client.value(), claims, "");
  if (!result.ok()) return result.error();
  return json{{"ChallengeParameters", json::object()}, {"AuthenticationResult", result.value()}};
}

Outcome<std::string> UserPoolService::Jwks(const std::string& pool_id) {
  auto pool = LoadSharedPool(pool_id);
  if (!pool.ok()) return pool.error();
  auto keys = KeysFor(*pool.value());
  if (!keys.ok()) return FromStatus(keys.status());
  return *keys->jwks;
}

Outcome<nlohmann::json> UserPoolService::OpenIdConfiguration(const std::string& pool_id) {
  auto pool = LoadPoolById(pool_id);
  if (!pool.ok()) return pool.error();
  const std::string issuer = options_.issuer_base + "/" + pool_id;
  return json{{"issuer", issuer},
              {"jwks_uri", issuer + "/.well-known/jwks.json"},
              {"authorization_endpoint", options_.issuer_base + "/oauth2/authorize"},
              {"token_endpoint", options_.issuer_base + "/oauth2/token"},
              {"userinfo_endpoint", options_.issuer_base + "/oauth2/userInfo"},
              {"revocation_endpoint", options_.issuer_base + "/oauth2/revoke"},
              {"response_types_supported", json::array({"code", "token"})},
              {"subject_types_supported", json::array({"public"})},
              {"id_token_signing_alg_values_supported", json::array({"RS256"})},
              {"scopes_supported", json::array({"openid", "email", "phone", "profile"})},
              {"token_endpoint_auth_methods_supported", json::array({"client_secret_basic", "client_secret_post"})}};
}

}  // namespace cognate
