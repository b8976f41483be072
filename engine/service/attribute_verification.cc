// Verifying an email address or phone number the user already has: a code sent to it
// (GetUserAttributeVerificationCode) and the code typed back (VerifyUserAttribute), which marks
// the attribute verified and, where the pool signs in or aliases with it, claims it.
#include <optional>

#include "engine/crypto/random.h"
#include "engine/service/claim_errors.h"
#include "engine/service/commit_retry.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"
#include "engine/user/user_events.h"

namespace cognate {
namespace {

constexpr int64_t kVerificationCodeValidityMs = 24LL * 3600 * 1000;
constexpr char kVerifyAttributePurpose[] = "verify_attribute";

// The attribute a request names, which must be one a code can be sent to.
Outcome<std::string> VerifiableAttribute(const nlohmann::json& request) {
  auto name = wire::RequiredString(request, "AttributeName", 1, 32);
  if (!name.ok()) return name.error();
  if (name.value() != "email" && name.value() != "phone_number") {
    return Reject(ErrorCode::kInvalidParameter, "Invalid attribute name: only email and phone_number can be verified.");
  }
  return name.value();
}

}  // namespace

Event UserPoolService::VerificationCodeEvent(const PoolState& pool, const UserState& user, const std::string& attribute,
                                            const std::string& code, const json& records,
                                            const std::optional<std::string>& unverified_value) {
  json data = {{"pending_code",
                {{"purpose", kVerifyAttributePurpose},
                 {"attribute", attribute},
                 {"hash", CodeHash(pool.id, user.sub, kVerifyAttributePurpose, code)},
                 {"expires_at_ms", clock_.NowMs() + kVerificationCodeValidityMs}}}};
  if (!records.empty()) data["triggers"] = records;
  if (unverified_value) data["unverified_value"] = *unverified_value;
  return MakeEvent(user_events::kCodeSent, data);
}

Outcome<nlohmann::json> UserPoolService::GetUserAttributeVerificationCode(const json& request, const CallContext& ctx) {
  auto attribute = VerifiableAttribute(request);
  if (!attribute.ok()) return attribute.error();
  auto info = ValidateAccessToken(request);
  if (!info.ok()) return info.error();
  const PoolState& pool = *info->pool;
  const PoolSettings settings = ReadPoolSettings(pool.config);
  std::string code;
  MessageText text;
  const std::string medium = wire::MediumOf(attribute.value());
  auto sent = MutateUser(
      SelfLoader(pool.id, info->user.sub),
      [&](const UserState& user) -> Outcome<Events> {
        auto value = user.attributes.find(attribute.value());
        if (value == user.attributes.end() || value->second.empty()) {
          return Reject(ErrorCode::kInvalidParameter, "User has no attribute " + attribute.value() + ".");
        }
        code = crypto::RandomDigits(6);
        json records = json::array();
        auto composed = ComposeMessage(pool, "CustomMessage_VerifyUserAttribute", user, ctx.client_id, medium,
                                       {settings.email_verification_subject,
                                        medium == "EMAIL" ? settings.email_verification_message : settings.sms_verification_message},
                                       false, records);
        if (!composed.ok()) return composed.error();
        text = std::move(composed).value();
        return Events{VerificationCodeEvent(pool, user, attribute.value(), code, records, std::nullopt)};
      },
      ctx);
  if (!sent.ok()) return sent.error();
  DeliverCode(pool, sent.value(), medium, text, code);
  return json{{"CodeDeliveryDetails", wire::CodeDeliveryDetails(attribute.value(), sent->attributes.at(attribute.value()))}};
}

Outcome<nlohmann::json> UserPoolService::VerifyUserAttribute(const json& request, const CallContext& ctx) {
  auto attribute = VerifiableAttribute(request);
  if (!attribute.ok()) return attribute.error();
  auto code = wire::RequiredString(request, "Code", 1, 2048);
  if (!code.ok()) return code.error();
  auto info = ValidateAccessToken(request);
  if (!info.ok()) return info.error();
  const PoolState& pool = *info->pool;
  const PoolSettings settings = ReadPoolSettings(pool.config);
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto user = SelfLoader(pool.id, info->user.sub)();
    if (!user.ok()) return user.error();
    if (auto wrong = CheckPendingCode(user.value(), kVerifyAttributePurpose, attribute.value(),
                                      code.value())) {
      if (wrong->code != ErrorCode::kCodeMismatch) return *wrong;
      auto appended = CommitUser(
          user.value(),
          {MakeEvent(user_events::kCodeRejected, {{"purpose", kVerifyAttributePurpose}})}, ctx);
      if (!appended.ok() && appended.status().code() == StatusCode::kAborted) continue;
      return Recorded(*wrong);
    }
    auto attributes = user->attributes;
    json data = {{"via", "verification"}, {"code_used", true}};
    // A new value that waited for this code replaces the old one now.
    if (auto waiting = user->unverified_attributes.find(attribute.value()); waiting != user->unverified_attributes.end()) {
      attributes[attribute.value()] = waiting->second;
      data["settled"] = json::array({attribute.value()});
    }
    attributes[attribute.value() + "_verified"] = "true";
    data["attributes"] = attributes;
    data["login_keys"] = LoginKeys(settings, pool.id, user->username, attributes);
    auto appended = CommitUser(user.value(), {MakeEvent(user_events::kAttributesUpdated, data)}, ctx);
    if (appended.ok()) return json::object();
    if (appended.status().code() == StatusCode::kAlreadyExists) return ClaimTaken(appended.status());
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kTooManyRequests, "Too many concurrent requests for this user.");
}

}  // namespace cognate
