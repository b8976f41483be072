// A user's MFA settings: an authenticator app (AssociateSoftwareToken, VerifySoftwareToken) and
// which methods are on and preferred (SetUserMFAPreference, AdminSetUserMFAPreference).
//
// The app's secret is sealed under the master key in the user's events. During sign-in (the
// MFA_SETUP challenge) the user has no access token yet: the secret then travels sealed in the
// Session until VerifySoftwareToken proves it, which enables it as the user's MFA.
#include "engine/crypto/encoding.h"
#include "engine/crypto/random.h"
#include "engine/crypto/totp.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"
#include "engine/user/user_events.h"

namespace cognate {
namespace {

constexpr size_t kTotpSecretBytes = 20;  // 160 bits, RFC 4226's recommendation; 32 base32 chars

struct MfaSettingsRequest {
  std::optional<bool> sms_enabled, sms_preferred;
  std::optional<bool> totp_enabled, totp_preferred;
};

Outcome<MfaSettingsRequest> ReadMfaSettings(const nlohmann::json& request) {
  MfaSettingsRequest out;
  auto read = [&](const char* field, std::optional<bool>& enabled, std::optional<bool>& preferred) -> std::optional<DomainError> {
    auto it = request.find(field);
    if (it == request.end() || it->is_null()) return std::nullopt;
    if (!it->is_object()) return Reject(ErrorCode::kInvalidParameter, std::string("Invalid type for parameter ") + field);
    for (const char* member : {"Enabled", "PreferredMfa"}) {
      auto m = it->find(member);
      if (m == it->end() || m->is_null()) continue;
      if (!m->is_boolean()) return Reject(ErrorCode::kInvalidParameter, std::string("Invalid type for parameter ") + field + "." + member);
      (std::string(member) == "Enabled" ? enabled : preferred) = m->get<bool>();
    }
    return std::nullopt;
  };
  if (auto e = read("SMSMfaSettings", out.sms_enabled, out.sms_preferred)) return *e;
  if (auto e = read("SoftwareTokenMfaSettings", out.totp_enabled, out.totp_preferred)) return *e;
  return out;
}

}  // namespace

Outcome<Events> UserPoolService::DecideMfaPreference(const PoolState& pool, const UserState& user,
                                                     const json& request, const std::string& via) {
  auto asked = ReadMfaSettings(request);
  if (!asked.ok()) return asked.error();
  const PoolSettings settings = ReadPoolSettings(pool.config);
  bool sms = asked->sms_enabled.value_or(user.sms_mfa_enabled);
  bool totp = asked->totp_enabled.value_or(user.software_token_mfa_enabled);
  std::string preferred = user.preferred_mfa;
  if (asked->sms_preferred.value_or(false) && asked->totp_preferred.value_or(false)) {
    return Reject(ErrorCode::kInvalidParameter, "Only one MFA method can be preferred.");
  }
  if (asked->sms_preferred.value_or(false)) preferred = "SMS_MFA";
  if (asked->totp_preferred.value_or(false)) preferred = "SOFTWARE_TOKEN_MFA";
  if (asked->sms_preferred == false && preferred == "SMS_MFA") preferred.clear();
  if (asked->totp_preferred == false && preferred == "SOFTWARE_TOKEN_MFA") preferred.clear();
  if (!sms && preferred == "SMS_MFA") preferred.clear();
  if (!totp && preferred == "SOFTWARE_TOKEN_MFA") preferred.clear();
  if (totp && !user.software_token_mfa_enabled) {
    if (user.totp_secret_sealed.empty()) {
      return Reject(ErrorCode::kInvalidParameter, "User has not verified software token mfa");
    }
    if (!settings.software_token_mfa_enabled) {
      return Reject(ErrorCode::kInvalidParameter, "Software token MFA is not enabled for the user pool.");
    }
  }
  if (sms && !user.sms_mfa_enabled && !user.attributes.count("phone_number")) {
    return Reject(ErrorCode::kInvalidParameter, "User does not have delivery config set to turn on SMS_MFA");
  }
  if (sms == user.sms_mfa_enabled && totp == user.software_token_mfa_enabled && preferred == user.preferred_mfa) {
    return Events{};
  }
  return Events{MakeEvent(user_events::kMfaPreferenceSet,
                          {{"sms_enabled", sms}, {"software_token_enabled", totp}, {"preferred", preferred}, {"via", via}})};
}

Outcome<nlohmann::json> UserPoolService::SetUserMFAPreference(const json& request, const CallContext& ctx) {
  auto info = ValidateAccessToken(request);
  if (!info.ok()) return info.error();
  const PoolState pool = *info->pool;
  auto done = MutateUser(SelfLoader(pool.id, info->user.sub),
                         [&](const UserState& user) { return DecideMfaPreference(pool, user, request, "self"); }, ctx);
  if (!done.ok()) return done.error();
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::AdminSetUserMFAPreference(const json& request, const CallContext& ctx) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto done = MutateUser([&]() { return RequireUser(pool.value(), request); },
                         [&](const UserState& user) { return DecideMfaPreference(pool.value(), user, request, "admin"); },
                         ctx);
  if (!done.ok()) return done.error();
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::AssociateSoftwareToken(const json& request, const CallContext& ctx) {
  auto session_text = wire::OptionalString(request, "Session");
  if (!session_text.ok()) return session_text.error();
  const std::string secret = crypto::RandomBytes(kTotpSecretBytes);
  if (!session_text->empty() && !request.contains("AccessToken")) {
    auto session = OpenSession(session_text.value());
    if (!session.ok()) return session.error();
    if (session->value("challenge", "") != "MFA_SETUP") {
      return Reject(ErrorCode::kNotAuthorized, "Invalid session for the user, session is expired.");
    }
    json next = session.value();
    next["totp_secret_sealed"] = SealSecret(secret, "totp/" + next.value("pool", "") + "/" + next.value("sub", ""));
    return json{{"SecretCode", crypto::Base32Encode(secret)}, {"Session", SealSession(next)}};
  }
  auto info = ValidateAccessToken(request);
  if (!info.ok()) return info.error();
  const std::string pool_id = info->pool->id, sub = info->user.sub;
  auto done = MutateUser(SelfLoader(pool_id, sub),
                         [&](const UserState&) -> Outcome<Events> {
                           return Events{MakeEvent(user_events::kTotpAssociated,
                                                   {{"secret_sealed", SealSecret(secret, "totp/" + pool_id + "/" + sub)}})};
                         },
                         ctx);
  if (!done.ok()) return done.error();
  return json{{"SecretCode", crypto::Base32Encode(secret)}};
}

Outcome<nlohmann::json> UserPoolService::VerifySoftwareToken(const json& request, const CallContext& ctx) {
  auto code = wire::RequiredString(request, "UserCode", 6, 6);
  if (!code.ok()) return code.error();
  auto friendly = wire::OptionalString(request, "FriendlyDeviceName");
  if (!friendly.ok()) return friendly.error();
  auto session_text = wire::OptionalString(request, "Session");
  if (!session_text.ok()) return session_text.error();
  const DomainError mismatch = Reject(ErrorCode::kEnableSoftwareTokenMfa, "Code mismatch");
  const int64_t now_s = clock_.NowMs() / 1000;
  json data = {{"friendly_name", friendly.value()}};

  if (!session_text->empty() && !request.contains("AccessToken")) {
    // Setting up MFA at sign-in: the proven app becomes the user's MFA, and the Session moves on
    // to the MFA_SETUP answer that finishes the sign-in.
    auto session = OpenSession(session_text.value());
    if (!session.ok()) return session.error();
    const std::string pool_id = session->value("pool", ""), sub = session->value("sub", "");
    const std::string sealed = session->value("totp_secret_sealed", "");
    if (session->value("challenge", "") != "MFA_SETUP" || sealed.empty()) {
      return Reject(ErrorCode::kNotAuthorized, "Invalid session for the user, session is expired.");
    }
    auto secret = OpenSecret(sealed, "totp/" + pool_id + "/" + sub);
    if (!secret.ok()) return Reject(ErrorCode::kNotAuthorized, "Invalid session for the user, session is expired.");
    if (!crypto::TotpMatch(*secret, code.value(), now_s)) return mismatch;
    data["secret_sealed"] = sealed;
    data["enable"] = true;
    auto done = MutateUser(SelfLoader(pool_id, sub),
                           [&](const UserState&) -> Outcome<Events> { return Events{MakeEvent(user_events::kTotpVerified, data)}; },
                           ctx);
    if (!done.ok()) return done.error();
    json next = session.value();
    next["totp_verified"] = true;
    return json{{"Status", "SUCCESS"}, {"Session", SealSession(next)}};
  }

  auto info = ValidateAccessToken(request);
  if (!info.ok()) return info.error();
  const std::string pool_id = info->pool->id, sub = info->user.sub;
  auto done = MutateUser(
      SelfLoader(pool_id, sub),
      [&](const UserState& user) -> Outcome<Events> {
        if (user.totp_pending_sealed.empty()) {
          return Reject(ErrorCode::kSoftwareTokenMfaNotFound, "Software Token MFA has not been associated with the user.");
        }
        auto secret = OpenSecret(user.totp_pending_sealed, "totp/" + pool_id + "/" + sub);
        if (!secret.ok()) return FromStatus(secret.status());
        if (!crypto::TotpMatch(*secret, code.value(), now_s)) return mismatch;
        data["secret_sealed"] = user.totp_pending_sealed;
        data["enable"] = false;
        return Events{MakeEvent(user_events::kTotpVerified, data)};
      },
      ctx);
  if (!done.ok()) return done.error();
  return json{{"Status", "SUCCESS"}};
}

nlohmann::json UserPoolService::MfaSettingsView(const UserState& user) const {
  json view = json::object();
  json list = json::array();
  if (user.sms_mfa_enabled) list.push_back("SMS_MFA");
  if (user.software_token_mfa_enabled) list.push_back("SOFTWARE_TOKEN_MFA");
  view["UserMFASettingList"] = list;
  if (!user.preferred_mfa.empty()) view["PreferredMfaSetting"] = user.preferred_mfa;
  if (user.sms_mfa_enabled) {
    view["MFAOptions"] = json::array({{{"DeliveryMedium", "SMS"}, {"AttributeName", "phone_number"}}});
  }
  return view;
}

}  // namespace cognate
