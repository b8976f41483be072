// Sign-in: InitiateAuth / AdminInitiateAuth (password and refresh flows), the
// NEW_PASSWORD_REQUIRED challenge, GetTokensFromRefreshToken, RevokeToken and the sign-outs.
#include <set>

#include "engine/crypto/encoding.h"
#include "engine/crypto/hash.h"
#include "engine/crypto/random.h"
#include "engine/projection.h"
#include "engine/service/claim_errors.h"
#include "engine/service/commit_retry.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"
#include "engine/user/attributes.h"
#include "engine/user/user_events.h"
#include "engine/json/fast_parse.h"

namespace cognate {
namespace {

using wire::Param;

Outcome<nlohmann::json> StringMap(const nlohmann::json& request, const char* field) {
  auto it = request.find(field);
  if (it == request.end() || it->is_null()) return nlohmann::json::object();
  if (!it->is_object()) return Reject(ErrorCode::kInvalidParameter, std::string("Invalid type for parameter ") + field);
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) return Reject(ErrorCode::kInvalidParameter, std::string("Invalid type for parameter ") + field + "." + k);
  }
  return *it;
}

bool Allows(const ClientSettings& settings, const char* flow) {
  return settings.explicit_auth_flows.count(flow) > 0;
}

}  // namespace

Outcome<nlohmann::json> UserPoolService::PasswordSignIn(const PoolState& pool, const ClientState& client,
                                                        const std::string& flow, const json& params,
                                                        const CallContext& ctx) {
  const std::string typed = Param(params, "USERNAME");
  const std::string password = Param(params, "PASSWORD");
  if (typed.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter USERNAME");
  if (password.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter PASSWORD");
  if (auto ok = CheckSecretHash(client, typed, Param(params, "SECRET_HASH")); !ok.ok()) return ok.error();
  const ClientSettings settings = ReadClientSettings(client.config);
  const DomainError wrong = Reject(ErrorCode::kNotAuthorized, "Incorrect username or password.");

  auto found = FindUser(pool, typed);
  if (!found.ok()) return FromStatus(found.status());
  if (!found->exists) {
    auto migrated = MigrateUser(pool, client, typed, password, ctx);
    if (!migrated.ok()) return migrated.error();
    if (!migrated.value()) {
      return settings.prevent_user_existence_errors ? wrong : Reject(ErrorCode::kUserNotFound, "User does not exist.");
    }
    found = std::move(*migrated.value());
  }
  UserState user = std::move(found).value();
  if (!user.enabled) return Reject(ErrorCode::kNotAuthorized, "User is disabled.");
  if (auto locked = CheckNotLockedOut(user)) return *locked;
  json records = json::array();
  if (auto pre = AuthenticationTrigger(pool, client, user, false, records); !pre.ok()) return pre.error();
  auto matches = PasswordMatches(user, password);
  if (!matches.ok()) return matches.error();
  if (!matches.value()) {
    RecordFailedSignIn(user, client, "password", ctx);
    return Recorded(wrong);
  }
  return FinishPasswordSignIn(pool, client, std::move(user), flow, std::move(records), Param(params, "DEVICE_KEY"), ctx);
}

Outcome<nlohmann::json> UserPoolService::FinishPasswordSignIn(const PoolState& pool, const ClientState& client,
                                                              UserState user, const std::string& flow, json records,
                                                              const std::string& device_key, const CallContext& ctx) {
  const ClientSettings settings = ReadClientSettings(client.config);
  if (user.status == "UNCONFIRMED") return Reject(ErrorCode::kUserNotConfirmed, "User is not confirmed.");
  if (user.status == "RESET_REQUIRED") return Reject(ErrorCode::kPasswordResetRequired, "Password reset required for the user");
  if (user.status == "FORCE_CHANGE_PASSWORD") {
    if (user.temporary_password_expires_at_ms != 0 && user.temporary_password_expires_at_ms < clock_.NowMs()) {
      return Reject(ErrorCode::kNotAuthorized, "Temporary password has expired and must be reset by an administrator.");
    }
    json shown = json::object();
    for (const auto& [name, value] : user.attributes) {
      if (name != "sub") shown[name] = value;
    }
    json required = json::array();
    for (const auto& name : ReadPoolSettings(pool.config).required_attributes) {
      if (!user.attributes.count(name)) required.push_back("userAttributes." + name);
    }
    json session = {{"pool", pool.id},
                    {"client", client.id},
                    {"sub", user.sub},
                    {"challenge", "NEW_PASSWORD_REQUIRED"},
                    {"exp", clock_.NowMs() + settings.validity.auth_session_seconds * 1000}};
    return json{{"ChallengeName", "NEW_PASSWORD_REQUIRED"},
                {"Session", SealSession(session)},
                {"ChallengeParameters", {{"USER_ID_FOR_SRP", user.username},
                                         {"requiredAttributes", required.dump()},
                                         {"userAttributes", shown.dump()}}}};
  }
  // What the remaining steps need travels in their Session.
  json facts = json::object();
  const auto device = user.devices.find(device_key);
  if (device != user.devices.end()) facts["device_key"] = device_key;
  const json pending = {{"pool", pool.id},
                        {"client", client.id},
                        {"sub", user.sub},
                        {"flow", flow},
                        {"records", records},
                        {"facts", facts},
                        {"sid", crypto::HexEncode(crypto::RandomBytes(16))},
                        {"exp", clock_.NowMs() + settings.validity.auth_session_seconds * 1000}};
  // A confirmed device proves itself with its own SRP exchange: in place of MFA when it is
  // remembered and the pool lets remembered devices stand in (ChallengeRequiredOnNewDevice),
  // otherwise after MFA, as the clients expect.
  const bool confirmed_device = device != user.devices.end() && device->second.confirmed;
  if (confirmed_device && device->second.status == "remembered" &&
      pool_settings_.Of(pool)->challenge_required_on_new_device) {
    return DeviceSrpChallenge(user, pending);
  }
  auto mfa = MfaChallenge(pool, client, user, pending);
  if (!mfa.ok()) return mfa.error();
  if (mfa.value()) return std::move(*mfa.value());
  if (confirmed_device) return DeviceSrpChallenge(user, pending);
  if (auto post = AuthenticationTrigger(pool, client, user, true, records); !post.ok()) return post.error();
  return IssueTokens(pool, client, user, ctx, flow, {}, std::move(records), std::move(facts));
}

Outcome<nlohmann::json> UserPoolService::StartAuth(const PoolState& pool, const ClientState& client,
                                                   const std::string& flow, const json& params,
                                                   bool admin, const CallContext& ctx) {
  const ClientSettings settings = ReadClientSettings(client.config);
  const bool password_flow = admin ? (flow == "ADMIN_USER_PASSWORD_AUTH" || flow == "ADMIN_NO_SRP_AUTH")
                                   : flow == "USER_PASSWORD_AUTH";
  if (password_flow) {
    if (!Allows(settings, admin ? "ALLOW_ADMIN_USER_PASSWORD_AUTH" : "ALLOW_USER_PASSWORD_AUTH")) {
      return Reject(ErrorCode::kInvalidParameter, admin ? "Auth flow not enabled for this client"
                                                        : "USER_PASSWORD_AUTH flow not enabled for this client");
    }
    return PasswordSignIn(pool, client, flow, params, ctx);
  }
  if (flow == "REFRESH_TOKEN_AUTH" || flow == "REFRESH_TOKEN") {
    const std::string token = Param(params, "REFRESH_TOKEN");
    if (token.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter REFRESH_TOKEN");
    return RefreshTokens(client.id, token, Param(params, "SECRET_HASH"), true, Param(params, "USERNAME"), ctx);
  }
  if (flow == "USER_PASSWORD_AUTH" || flow == "ADMIN_USER_PASSWORD_AUTH" || flow == "ADMIN_NO_SRP_AUTH") {
    return Reject(ErrorCode::kInvalidParameter, "Initiate Auth method not supported.");
  }
  if (flow == "CUSTOM_AUTH") {
    if (!Allows(settings, "ALLOW_CUSTOM_AUTH")) {
      return Reject(ErrorCode::kInvalidParameter, "CUSTOM_AUTH flow not enabled for this client");
    }
    return StartCustomAuth(pool, client, params, ctx);
  }
  if (flow == "USER_SRP_AUTH") {
    if (!Allows(settings, "ALLOW_USER_SRP_AUTH")) {
      return Reject(ErrorCode::kInvalidParameter, "USER_SRP_AUTH is not enabled for the client.");
    }
    return StartSrpAuth(pool, client, params);
  }
  if (flow == "USER_AUTH") {
    return Reject(ErrorCode::kUnsupportedOperation, flow + " is not available on this server yet.");
  }
  return Reject(ErrorCode::kInvalidParameter, "1 validation error detected: Value '" + flow +
                                                  "' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set");
}

Outcome<nlohmann::json> UserPoolService::InitiateAuth(const json& request, const CallContext& ctx) {
  auto flow = wire::RequiredString(request, "AuthFlow", 1, 64);
  if (!flow.ok()) return flow.error();
  auto client_id = wire::RequiredString(request, "ClientId", 1, 128);
  if (!client_id.ok()) return client_id.error();
  auto params = StringMap(request, "AuthParameters");
  if (!params.ok()) return params.error();
  auto client = LoadClient(client_id.value());
  if (!client.ok()) return client.error();
  auto shared_pool = LoadSharedPool(client->pool_id);
  if (!shared_pool.ok()) return shared_pool.error();
  const PoolState& pool = *shared_pool.value();
  return StartAuth(pool, client.value(), flow.value(), params.value(), false, ctx);
}

Outcome<nlohmann::json> UserPoolService::AdminInitiateAuth(const json& request, const CallContext& ctx) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto flow = wire::RequiredString(request, "AuthFlow", 1, 64);
  if (!flow.ok()) return flow.error();
  auto client_id = wire::RequiredString(request, "ClientId", 1, 128);
  if (!client_id.ok()) return client_id.error();
  auto params = StringMap(request, "AuthParameters");
  if (!params.ok()) return params.error();
  auto client = LoadPoolClient(pool.value(), client_id.value());
  if (!client.ok()) return client.error();
  return StartAuth(pool.value(), client.value(), flow.value(), params.value(), true, ctx);
}

namespace {

// The part of RespondToAuthChallenge shared by the public and admin operations.
struct ChallengeRequest {
  std::string challenge;
  std::string session;
  nlohmann::json responses;
};

Outcome<ChallengeRequest> ReadChallenge(const nlohmann::json& request) {
  auto name = wire::RequiredString(request, "ChallengeName", 1, 64);
  if (!name.ok()) return name.error();
  auto session = wire::OptionalString(request, "Session");
  if (!session.ok()) return session.error();
  auto responses = StringMap(request, "ChallengeResponses");
  if (!responses.ok()) return responses.error();
  return ChallengeRequest{name.value(), session.value(), responses.value()};
}

}  // namespace

Outcome<nlohmann::json> UserPoolService::RespondToAuthChallenge(const json& request, const CallContext& ctx) {
  auto client_id = wire::RequiredString(request, "ClientId", 1, 128);
  if (!client_id.ok()) return client_id.error();
  auto challenge = ReadChallenge(request);
  if (!challenge.ok()) return challenge.error();
  auto client = LoadClient(client_id.value());
  if (!client.ok()) return client.error();
  auto shared_pool = LoadSharedPool(client->pool_id);
  if (!shared_pool.ok()) return shared_pool.error();
  const PoolState& pool = *shared_pool.value();

  if (challenge->challenge == "PASSWORD_VERIFIER") {
    // The SECRET_BLOCK carries the exchange; the Session is optional here (reference §11.8).
    return RespondPasswordVerifier(pool, client.value(), challenge->responses, ctx);
  }
  static const std::set<std::string> kSessionChallenges = {
      "NEW_PASSWORD_REQUIRED", "CUSTOM_CHALLENGE", "SMS_MFA", "SOFTWARE_TOKEN_MFA", "SELECT_MFA_TYPE",
      "MFA_SETUP", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"};
  if (!kSessionChallenges.count(challenge->challenge)) {
    return Reject(ErrorCode::kInvalidParameter, "The challenge " + challenge->challenge + " is not available on this server.");
  }
  auto session = OpenSession(challenge->session);
  if (!session.ok()) return session.error();
  if (challenge->challenge == "DEVICE_SRP_AUTH" && session->value("challenge", "") != "DEVICE_SRP_AUTH") {
    // amazon-cognito-identity-js answers DEVICE_SRP_AUTH after MFA with the MFA challenge's
    // Session, not the one that came with DEVICE_SRP_AUTH: take the sign-in's state from there.
    if (auto passed = MfaPassedSession(session->value("sid", ""))) session = std::move(*passed);
  }
  if (session->value("client", "") != client->id || session->value("pool", "") != pool.id ||
      session->value("challenge", "") != challenge->challenge) {
    return Reject(ErrorCode::kNotAuthorized, "Invalid session for the user, session is expired.");
  }
  if (challenge->challenge == "DEVICE_SRP_AUTH") {
    return StartDeviceSrp(pool, client.value(), session.value(), challenge->responses);
  }
  if (challenge->challenge == "DEVICE_PASSWORD_VERIFIER") {
    return RespondDevicePasswordVerifier(pool, client.value(), session.value(), challenge->responses, ctx);
  }
  if (challenge->challenge != "NEW_PASSWORD_REQUIRED" && challenge->challenge != "CUSTOM_CHALLENGE") {
    return RespondMfaChallenge(pool, client.value(), challenge->challenge, session.value(), challenge->responses, ctx);
  }
  if (challenge->challenge == "CUSTOM_CHALLENGE") {
    return RespondCustomChallenge(pool, client.value(), session.value(), challenge->responses, ctx);
  }
  const json& responses = challenge->responses;
  const std::string new_password = Param(responses, "NEW_PASSWORD");
  if (new_password.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter NEW_PASSWORD");
  auto user = LoadUserBySub(pool.id, session->value("sub", ""));
  if (!user.ok()) return FromStatus(user.status());
  if (!user->exists || user->deleted) return Reject(ErrorCode::kUserNotFound, "User does not exist.");
  const std::string typed = Param(responses, "USERNAME");
  if (auto ok = CheckSecretHash(client.value(), typed.empty() ? user->username : typed, Param(responses, "SECRET_HASH")); !ok.ok()) {
    return ok.error();
  }
  if (user->status != "FORCE_CHANGE_PASSWORD") {
    return Reject(ErrorCode::kNotAuthorized, "Invalid session for the user, session is expired.");
  }
  const PoolSettings settings = ReadPoolSettings(pool.config);
  if (auto e = CheckPassword(settings.password_policy, new_password)) return *e;
  std::map<std::string, std::string> changes;
  for (const auto& [key, value] : responses.items()) {
    if (key.rfind("userAttributes.", 0) == 0) changes[key.substr(15)] = value.get<std::string>();
  }
  if (auto e = CheckAttributeWrite(settings, changes, false, AttributeWriter::kSelf)) return *e;
  auto attributes = user->attributes;
  for (const auto& [name, value] : changes) attributes[name] = value;
  if (auto e = CheckRequiredAttributes(settings, attributes)) return *e;

  auto fields = PasswordFields(pool, user->username, new_password);
  if (!fields.ok()) return fields.error();
  json password_data = fields.value();
  password_data["status"] = "CONFIRMED";
  Events events = {MakeEvent(user_events::kPasswordChanged, password_data)};
  if (!changes.empty()) {
    events.push_back(MakeEvent(user_events::kAttributesUpdated,
                               {{"attributes", attributes},
                                {"login_keys", LoginKeys(settings, pool.id, user->username, attributes)}}));
  }
  UserState state = std::move(user).value();
  if (settings.mfa_configuration == "ON" || settings.mfa_configuration == "OPTIONAL") {
    // A second factor may be due: the new password is kept first, then the sign-in goes on as
    // after any password (MFA, device, tokens).
    auto appended = CommitUser(state, events, ctx);
    if (!appended.ok()) {
      if (appended.status().code() == StatusCode::kAlreadyExists) return ClaimTaken(appended.status());
      if (appended.status().code() == StatusCode::kAborted) {
        return Reject(ErrorCode::kNotAuthorized, "Invalid session for the user, session is expired.");
      }
      return FromStatus(appended.status());
    }
    return FinishPasswordSignIn(pool, client.value(), std::move(state), "NEW_PASSWORD_REQUIRED", json::array(),
                                Param(responses, "DEVICE_KEY"), ctx);
  }
  return IssueTokens(pool, client.value(), state, ctx, "NEW_PASSWORD_REQUIRED", std::move(events));
}

Outcome<nlohmann::json> UserPoolService::AdminRespondToAuthChallenge(const json& request, const CallContext& ctx) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto client_id = wire::RequiredString(request, "ClientId", 1, 128);
  if (!client_id.ok()) return client_id.error();
  auto client = LoadPoolClient(pool.value(), client_id.value());
  if (!client.ok()) return client.error();
  return RespondToAuthChallenge(request, ctx);
}

Outcome<nlohmann::json> UserPoolService::GetTokensFromRefreshToken(const json& request, const CallContext& ctx) {
  auto token = wire::RequiredString(request, "RefreshToken", 1, 131072);
  if (!token.ok()) return token.error();
  auto client_id = wire::RequiredString(request, "ClientId", 1, 128);
  if (!client_id.ok()) return client_id.error();
  auto secret = wire::OptionalString(request, "ClientSecret");
  if (!secret.ok()) return secret.error();
  auto client = LoadClient(client_id.value());
  if (!client.ok()) return client.error();
  if (!client->secret_sealed.empty() && secret->empty()) {
    return Reject(ErrorCode::kNotAuthorized, "Client " + client->id + " is configured for secret but secret was not received");
  }
  auto result = RefreshTokens(client_id.value(), token.value(), secret.value(), false, "", ctx);
  if (!result.ok()) return result.error();
  return json{{"AuthenticationResult", result.value()["AuthenticationResult"]}};
}

Outcome<nlohmann::json> UserPoolService::RevokeToken(const json& request, const CallContext& ctx) {
  auto token = wire::RequiredString(request, "Token", 1, 131072);
  if (!token.ok()) return token.error();
  auto client_id = wire::RequiredString(request, "ClientId", 1, 128);
  if (!client_id.ok()) return client_id.error();
  auto secret = wire::OptionalString(request, "ClientSecret");
  if (!secret.ok()) return secret.error();
  auto client = LoadClient(client_id.value());
  if (!client.ok()) return client.error();
  if (!client->secret_sealed.empty()) {
    auto expected = OpenSecret(client->secret_sealed, "client/" + client->id);
    if (!expected.ok()) return FromStatus(expected.status());
    if (!crypto::ConstantTimeEquals(*expected, secret.value())) {
      return Reject(ErrorCode::kNotAuthorized, "Unable to verify secret hash for client " + client->id);
    }
  }
  if (!ReadClientSettings(client->config).enable_token_revocation) {
    return Reject(ErrorCode::kUnsupportedOperation, "Token revocation is not enabled for this app client");
  }
  if (std::count(token->begin(), token->end(), '.') == 2) {
    return Reject(ErrorCode::kUnsupportedTokenType, "The token type is not supported. Only refresh tokens can be revoked.");
  }
  auto origin_jti = store_.Get(tables::kRefresh, crypto::Sha256Hex(token.value()));
  if (!origin_jti.ok()) return FromStatus(origin_jti.status());
  if (!origin_jti->has_value()) return json::object();  // unknown tokens revoke to nothing (RFC 7009)
  auto origin_row = store_.Get(tables::kOrigins, **origin_jti);
  if (!origin_row.ok()) return FromStatus(origin_row.status());
  if (!origin_row->has_value()) return json::object();
  const json origin = json_parse::ParseOrDiscarded(**origin_row);
  if (origin.is_discarded() || origin.value("client_id", "") != client->id) {
    return Reject(ErrorCode::kUnauthorized, "The token was not issued to this client.");
  }
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto user = LoadUserBySub(origin.value("pool_id", ""), origin.value("sub", ""));
    if (!user.ok()) return FromStatus(user.status());
    if (!user->exists || user->deleted) return json::object();
    auto appended = CommitUser(user.value(), {MakeEvent(user_events::kTokenRevoked, {{"origin_jti", **origin_jti}, {"client_id", client->id}})}, ctx);
    if (appended.ok()) return json::object();
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kTooManyRequests, "Too many concurrent requests for this user.");
}

Outcome<nlohmann::json> UserPoolService::GlobalSignOut(const json& request, const CallContext& ctx) {
  auto info = ValidateAccessToken(request);
  if (!info.ok()) return info.error();
  UserState user = std::move(info->user);
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto appended = CommitUser(user, {MakeEvent(user_events::kSignedOut, {{"via", "self"}})}, ctx);
    if (appended.ok()) return json::object();
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
    auto reloaded = LoadUserBySub(user.pool_id, user.sub);
    if (!reloaded.ok()) return FromStatus(reloaded.status());
    user = std::move(reloaded).value();
  }
  return Reject(ErrorCode::kTooManyRequests, "Too many concurrent requests for this user.");
}

Outcome<nlohmann::json> UserPoolService::AdminUserGlobalSignOut(const json& request, const CallContext& ctx) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto user = RequireUser(pool.value(), request);
    if (!user.ok()) return user.error();
    auto appended = CommitUser(user.value(), {MakeEvent(user_events::kSignedOut, {{"via", "admin"}})}, ctx);
    if (appended.ok()) return json::object();
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kTooManyRequests, "Too many concurrent requests for this user.");
}

}  // namespace cognate
