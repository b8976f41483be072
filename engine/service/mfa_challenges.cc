// The second factor at sign-in. After the password (or SRP) the pool's MfaConfiguration and the
// user's enabled methods decide: nothing (OFF, or OPTIONAL with none enabled), SOFTWARE_TOKEN_MFA,
// SMS_MFA, SELECT_MFA_TYPE when both are on and neither is preferred, or MFA_SETUP when MFA is
// ON and the user has no method yet. Everything the answer needs (who, which flow, the triggers
// that ran, an SMS code's keyed hash) travels sealed in the Session.
#include "engine/crypto/hash.h"
#include "engine/crypto/random.h"
#include "engine/crypto/totp.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"

namespace cognate {
namespace {

using wire::Param;

constexpr char kSmsMfa[] = "SMS_MFA";
constexpr char kSoftwareTokenMfa[] = "SOFTWARE_TOKEN_MFA";
constexpr int64_t kSmsCodeValidityMs = 3 * 60 * 1000;

}  // namespace

Outcome<std::optional<nlohmann::json>> UserPoolService::MfaChallenge(const PoolState& pool, const ClientState& client,
                                                                     const UserState& user, const json& pending) {
  const PoolSettings settings = ReadPoolSettings(pool.config);
  if (settings.mfa_configuration != "ON" && settings.mfa_configuration != "OPTIONAL") return std::optional<json>();
  const bool has_phone = user.attributes.count("phone_number") > 0;
  bool totp = user.software_token_mfa_enabled && !user.totp_secret_sealed.empty() && settings.software_token_mfa_enabled;
  bool sms = user.sms_mfa_enabled && has_phone && settings.sms_mfa_enabled;
  if (!totp && !sms) {
    if (settings.mfa_configuration == "OPTIONAL") return std::optional<json>();
    // MFA is required: a phone number the pool can text will do; otherwise the user sets up an app.
    if (settings.sms_mfa_enabled && has_phone) {
      sms = true;
    } else if (settings.software_token_mfa_enabled) {
      json session = pending;
      session["challenge"] = "MFA_SETUP";
      return std::optional<json>(json{{"ChallengeName", "MFA_SETUP"},
                  {"Session", SealSession(session)},
                  {"ChallengeParameters", {{"MFAS_CAN_SETUP", json::array({kSoftwareTokenMfa}).dump()},
                                           {"USERNAME", user.username}}}});
    } else {
      return Reject(ErrorCode::kMfaMethodNotFound, "No MFA mechanism registered in the account.");
    }
  }
  std::string method = totp ? kSoftwareTokenMfa : kSmsMfa;
  if (totp && sms) {
    if (user.preferred_mfa != kSmsMfa && user.preferred_mfa != kSoftwareTokenMfa) {
      json session = pending;
      session["challenge"] = "SELECT_MFA_TYPE";
      return std::optional<json>(json{{"ChallengeName", "SELECT_MFA_TYPE"},
                  {"Session", SealSession(session)},
                  {"ChallengeParameters", {{"MFAS_CAN_CHOOSE", json::array({kSmsMfa, kSoftwareTokenMfa}).dump()},
                                           {"USERNAME", user.username}}}});
    }
    method = user.preferred_mfa;
  }
  auto challenge = MfaMethodChallenge(pool, client, user, pending, method);
  if (!challenge.ok()) return challenge.error();
  return std::optional<json>(std::move(challenge).value());
}

Outcome<nlohmann::json> UserPoolService::MfaMethodChallenge(const PoolState& pool, const ClientState& client,
                                                            const UserState& user, json session,
                                                            const std::string& method) {
  session["challenge"] = method;
  json parameters = {{"USERNAME", user.username}};
  if (method == kSmsMfa) {
    const PoolSettings settings = ReadPoolSettings(pool.config);
    const std::string code = crypto::RandomDigits(6);
    json records = json::array();
    auto text = ComposeMessage(pool, "CustomMessage_Authentication", user, client.id, "SMS",
                               {"", settings.sms_authentication_message}, false, records);
    if (!text.ok()) return text.error();
    DeliverCode(pool, user, "SMS", text.value(), code);
    session["code_hash"] = CodeHash(pool.id, user.sub, "mfa", code);
    session["code_expires_at_ms"] = clock_.NowMs() + kSmsCodeValidityMs;
    parameters["CODE_DELIVERY_DELIVERY_MEDIUM"] = "SMS";
    parameters["CODE_DELIVERY_DESTINATION"] = wire::MaskDestination("SMS", user.attributes.at("phone_number"));
  }
  return json{{"ChallengeName", method}, {"Session", SealSession(session)}, {"ChallengeParameters", parameters}};
}

Outcome<nlohmann::json> UserPoolService::RespondMfaChallenge(const PoolState& pool, const ClientState& client,
                                                             const std::string& challenge, const json& session,
                                                             const json& responses, const CallContext& ctx) {
  const DomainError expired = Reject(ErrorCode::kNotAuthorized, "Invalid session for the user, session is expired.");
  auto loaded = LoadUserBySub(pool.id, session.value("sub", ""));
  if (!loaded.ok()) return FromStatus(loaded.status());
  if (!loaded->exists || loaded->deleted) return expired;
  UserState user = std::move(loaded).value();
  if (!user.enabled) return Reject(ErrorCode::kNotAuthorized, "User is disabled.");
  const std::string typed = Param(responses, "USERNAME");
  if (auto ok = CheckSecretHash(client, typed.empty() ? user.username : typed, Param(responses, "SECRET_HASH")); !ok.ok()) {
    return ok.error();
  }
  if (auto locked = CheckNotLockedOut(user)) return *locked;

  json facts = session.value("facts", json::object());
  if (challenge == "SELECT_MFA_TYPE") {
    const std::string answer = Param(responses, "ANSWER");
    if (answer != kSmsMfa && answer != kSoftwareTokenMfa) {
      return Reject(ErrorCode::kInvalidParameter, "ANSWER must be SMS_MFA or SOFTWARE_TOKEN_MFA.");
    }
    return MfaMethodChallenge(pool, client, user, session, answer);
  }
  if (challenge == "MFA_SETUP") {
    if (!session.value("totp_verified", false)) {
      return Reject(ErrorCode::kInvalidParameter, "The software token has not been verified (VerifySoftwareToken).");
    }
    facts["mfa"] = "MFA_SETUP";
  } else if (challenge == kSoftwareTokenMfa) {
    const std::string code = Param(responses, "SOFTWARE_TOKEN_MFA_CODE");
    if (code.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter SOFTWARE_TOKEN_MFA_CODE");
    if (user.totp_secret_sealed.empty()) return Reject(ErrorCode::kSoftwareTokenMfaNotFound, "Software token MFA is not set up.");
    auto secret = OpenSecret(user.totp_secret_sealed, "totp/" + pool.id + "/" + user.sub);
    if (!secret.ok()) return FromStatus(secret.status());
    const auto step = crypto::TotpMatch(*secret, code, clock_.NowMs() / 1000);
    // A code signs in once: a step at or before the last one used is a replay.
    if (!step || *step <= user.totp_last_step) {
      RecordFailedSignIn(user, client, "mfa", ctx);
      return Recorded(Reject(ErrorCode::kCodeMismatch, "Invalid code received for user"));
    }
    facts["mfa"] = kSoftwareTokenMfa;
    facts["totp_step"] = *step;
  } else {  // SMS_MFA
    const std::string code = Param(responses, "SMS_MFA_CODE");
    if (code.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter SMS_MFA_CODE");
    if (session.value("code_expires_at_ms", int64_t{0}) < clock_.NowMs()) {
      return Reject(ErrorCode::kExpiredCode, "The code has expired; sign in again for a new one.");
    }
    if (!crypto::ConstantTimeEquals(CodeHash(pool.id, user.sub, "mfa", code), session.value("code_hash", ""))) {
      RecordFailedSignIn(user, client, "mfa", ctx);
      return Recorded(Reject(ErrorCode::kCodeMismatch, "Invalid code received for user"));
    }
    facts["mfa"] = kSmsMfa;
  }
  // A session's second factor signs in once.
  if (!SpendOnce("mfa/" + session.value("sid", "") + "/" + challenge, session.value("exp", int64_t{0}))) {
    return expired;
  }
  // A confirmed device still proves itself after the second factor.
  if (auto device = user.devices.find(facts.value("device_key", "")); device != user.devices.end() && device->second.confirmed) {
    json next = session;
    next["facts"] = facts;
    for (const char* used : {"code_hash", "code_expires_at_ms", "totp_secret_sealed", "totp_verified"}) next.erase(used);
    next["challenge"] = "DEVICE_SRP_AUTH";
    RememberMfaPassed(next);
    return DeviceSrpChallenge(user, std::move(next));
  }
  json records = session.value("records", json::array());
  if (auto post = AuthenticationTrigger(pool, client, user, true, records); !post.ok()) return post.error();
  return IssueTokens(pool, client, user, ctx, session.value("flow", ""), {}, std::move(records), std::move(facts));
}

bool UserPoolService::SpendOnce(const std::string& nonce, int64_t expires_at_ms) {
  return spent_.Spend(nonce, expires_at_ms, clock_.NowMs());
}

void UserPoolService::RememberMfaPassed(const json& session) {
  const std::string sid = session.value("sid", "");
  if (sid.empty()) return;
  const int64_t now = clock_.NowMs();
  std::lock_guard lock(mfa_passed_mu_);
  for (auto it = mfa_passed_.begin(); it != mfa_passed_.end();) {
    it = it->second.value("exp", int64_t{0}) < now ? mfa_passed_.erase(it) : std::next(it);
  }
  mfa_passed_[sid] = session;
}

std::optional<nlohmann::json> UserPoolService::MfaPassedSession(const std::string& sid) {
  std::lock_guard lock(mfa_passed_mu_);
  auto it = mfa_passed_.find(sid);
  if (it == mfa_passed_.end()) return std::nullopt;
  json session = std::move(it->second);
  mfa_passed_.erase(it);  // good for one DEVICE_SRP_AUTH
  return session;
}

}  // namespace cognate
