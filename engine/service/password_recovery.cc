// Password recovery: a code sent to the user's verified email or phone (ForgotPassword, or an
// administrator's AdminResetUserPassword, which also requires the reset) and a new password set
// with it (ConfirmForgotPassword).
#include <optional>

#include "engine/crypto/random.h"
#include "engine/service/commit_retry.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"
#include "engine/user/user_events.h"

namespace cognate {
namespace {

constexpr int64_t kResetCodeValidityMs = 3600LL * 1000;
constexpr char kResetPasswordPurpose[] = "forgot_password";

// Where a recovery code may go: the first verified email or phone number, as in Cognito's
// default account-recovery order.
std::string RecoveryAttribute(const UserState& user) {
  for (const char* name : {"email", "phone_number"}) {
    auto verified = user.attributes.find(std::string(name) + "_verified");
    auto value = user.attributes.find(name);
    if (verified != user.attributes.end() && verified->second == "true" && value != user.attributes.end() &&
        !value->second.empty()) {
      return name;
    }
  }
  return "";
}

}  // namespace

Event UserPoolService::RecoveryCodeEvent(const PoolState& pool, const UserState& user, const std::string& attribute,
                                         const std::string& code, const std::string& client_id, const json& records) {
  json data = {{"pending_code",
                {{"purpose", kResetPasswordPurpose},
                 {"attribute", attribute},
                 {"hash", CodeHash(pool.id, user.sub, kResetPasswordPurpose, code)},
                 {"expires_at_ms", clock_.NowMs() + kResetCodeValidityMs}}}};
  if (!client_id.empty()) data["client_id"] = client_id;
  if (!records.empty()) data["triggers"] = records;
  return MakeEvent(user_events::kCodeSent, data);
}

Outcome<UserPoolService::MessageText> UserPoolService::RecoveryMessage(const PoolState& pool, const UserState& user,
                                                                      const std::string& attribute,
                                                                      const std::string& client_id, json& records) {
  const PoolSettings settings = ReadPoolSettings(pool.config);
  return ComposeMessage(pool, "CustomMessage_ForgotPassword", user, client_id, wire::MediumOf(attribute),
                        {settings.email_verification_subject,
                         attribute == "email" ? settings.email_verification_message : settings.sms_verification_message},
                        false, records);
}

Outcome<nlohmann::json> UserPoolService::AdminResetUserPassword(const json& request, const CallContext& ctx) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  std::string code, attribute;
  MessageText text;
  auto done = MutateUser(
      [&]() { return RequireUser(pool.value(), request); },
      [&](const UserState& user) -> Outcome<Events> {
        if (!user.enabled) return Reject(ErrorCode::kNotAuthorized, "User is disabled.");
        attribute = RecoveryAttribute(user);
        Events events = {MakeEvent(user_events::kPasswordResetRequired, {{"via", "admin"}})};
        if (!attribute.empty()) {
          code = crypto::RandomDigits(6);
          json records = json::array();
          auto composed = RecoveryMessage(pool.value(), user, attribute, "", records);
          if (!composed.ok()) return composed.error();
          text = std::move(composed).value();
          events.push_back(RecoveryCodeEvent(pool.value(), user, attribute, code, "", records));
        }
        return events;
      },
      ctx);
  if (!done.ok()) return done.error();
  if (!attribute.empty()) DeliverCode(pool.value(), done.value(), wire::MediumOf(attribute), text, code);
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::ForgotPassword(const json& request, const CallContext& ctx) {
  auto call = LoadPublicCall(request);
  if (!call.ok()) return call.error();
  const bool hide_existence = ReadClientSettings(call->client.config).prevent_user_existence_errors;
  std::string code, attribute;
  MessageText text;
  auto done = MutateUser(
      [&]() { return RequireUser(call->pool, request); },
      [&](const UserState& user) -> Outcome<Events> {
        if (!user.enabled) return Reject(ErrorCode::kNotAuthorized, "User is disabled.");
        attribute = RecoveryAttribute(user);
        if (attribute.empty()) {
          return Reject(ErrorCode::kInvalidParameter,
                        "Cannot reset password for the user as there is no registered/verified email or phone_number");
        }
        code = crypto::RandomDigits(6);
        json records = json::array();
        auto composed = RecoveryMessage(call->pool, user, attribute, call->client.id, records);
        if (!composed.ok()) return composed.error();
        text = std::move(composed).value();
        return Events{RecoveryCodeEvent(call->pool, user, attribute, code, call->client.id, records)};
      },
      ctx);
  if (!done.ok()) {
    if (hide_existence && done.error().code == ErrorCode::kUserNotFound) {
      // As Cognito does for a client that hides which users exist: an answer shaped like a sent code.
      return json{{"CodeDeliveryDetails", wire::CodeDeliveryDetails("email", call->username + "@e")}};
    }
    return done.error();
  }
  DeliverCode(call->pool, done.value(), wire::MediumOf(attribute), text, code);
  return json{{"CodeDeliveryDetails", wire::CodeDeliveryDetails(attribute, done->attributes.at(attribute))}};
}

Outcome<nlohmann::json> UserPoolService::ConfirmForgotPassword(const json& request, const CallContext& ctx) {
  auto call = LoadPublicCall(request);
  if (!call.ok()) return call.error();
  auto code = wire::RequiredString(request, "ConfirmationCode", 1, 2048);
  if (!code.ok()) return code.error();
  auto password = wire::RequiredString(request, "Password", 1, 256);
  if (!password.ok()) return password.error();
  const PoolSettings settings = ReadPoolSettings(call->pool.config);
  if (auto e = CheckPassword(settings.password_policy, password.value())) return *e;
  const bool hide_existence = ReadClientSettings(call->client.config).prevent_user_existence_errors;
  std::optional<json> fields;  // hashed once, whatever races make the commit retry
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto user = RequireUser(call->pool, request);
    if (!user.ok()) {
      if (hide_existence && user.error().code == ErrorCode::kUserNotFound) {
        return Reject(ErrorCode::kCodeMismatch, "Invalid verification code provided, please try again.");
      }
      return user.error();
    }
    if (!user->enabled) return Reject(ErrorCode::kNotAuthorized, "User is disabled.");
    if (auto wrong = CheckPendingCode(user.value(), kResetPasswordPurpose, "", code.value())) {
      if (wrong->code != ErrorCode::kCodeMismatch) return *wrong;
      auto appended = CommitUser(
          user.value(),
          {MakeEvent(user_events::kCodeRejected,
                     {{"purpose", kResetPasswordPurpose}, {"client_id", call->client.id}})},
          ctx);
      if (!appended.ok() && appended.status().code() == StatusCode::kAborted) continue;
      return Recorded(*wrong);
    }
    if (!fields) {
      auto hashed = PasswordFields(call->pool, user->username, password.value());
      if (!hashed.ok()) return hashed.error();
      fields = std::move(hashed).value();
    }
    json data = *fields;
    // A reset or temporary password is over once the user has chosen one through their own code.
    const bool resets = user->status == "RESET_REQUIRED" || user->status == "FORCE_CHANGE_PASSWORD";
    data.update({{"status", resets ? "CONFIRMED" : user->status},
                 {"via", kResetPasswordPurpose},
                 {"client_id", call->client.id},
                 {"code_used", true}});
    auto appended = CommitUser(user.value(), {MakeEvent(user_events::kPasswordChanged, data)}, ctx);
    if (appended.ok()) {
      auto post = PostConfirmation(call->pool, user.value(), call->client.id, request, "PostConfirmation_ConfirmForgotPassword");
      if (!post.ok()) return post.error();
      return json::object();
    }
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kTooManyRequests, "Too many concurrent requests for this user.");
}

}  // namespace cognate
