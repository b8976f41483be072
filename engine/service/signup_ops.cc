// Sign-up and confirmation: SignUp, ConfirmSignUp, ResendConfirmationCode, AdminCreateUser,
// AdminConfirmSignUp.
#include "engine/crypto/random.h"
#include "engine/service/claim_errors.h"
#include "engine/service/commit_retry.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"
#include "engine/user/attributes.h"
#include "engine/user/user_events.h"

namespace cognate {
namespace {

constexpr int64_t kSignUpCodeValidityMs = 24LL * 3600 * 1000;

// Which attribute a verification code goes to: the first auto-verified one the user has.
std::string VerificationAttribute(const PoolSettings& settings, const UserState& user) {
  for (const char* name : {"email", "phone_number"}) {
    auto it = user.attributes.find(name);
    if (settings.auto_verified.count(name) && it != user.attributes.end() && !it->second.empty()) {
      return name;
    }
  }
  return "";
}

nlohmann::json DeliveryDetails(const UserState& user, const std::string& attribute) {
  return wire::CodeDeliveryDetails(attribute, user.attributes.at(attribute));
}

// The request's ClientMetadata, handed to triggers as it came.
nlohmann::json ClientMetadata(const nlohmann::json& request) {
  auto it = request.find("ClientMetadata");
  return it != request.end() && it->is_object() ? *it : nlohmann::json::object();
}

// A random temporary password that satisfies the pool's policy.
std::string TemporaryPassword(const PasswordPolicy& policy) {
  std::string password = crypto::RandomString(1, "ABCDEFGHJKLMNPQRSTUVWXYZ") +
                         crypto::RandomString(1, "abcdefghijkmnopqrstuvwxyz") +
                         crypto::RandomString(1, "23456789") + crypto::RandomString(1, "^$*.!@#%&");
  const size_t length = static_cast<size_t>(std::max(policy.minimum_length, 12));
  password += crypto::RandomString(length - password.size(),
                                   "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789");
  return password;
}

}  // namespace

Outcome<Done> UserPoolService::PostConfirmation(const PoolState& pool, const UserState& user,
                                                const std::string& client_id, const json& request,
                                                const char* trigger_source) {
  auto run = RunTrigger(pool, {"PostConfirmation", trigger_source, user.username, client_id,
                               {{"userAttributes", TriggerAttributes(user.attributes)},
                                {"clientMetadata", ClientMetadata(request)}},
                               json::object()});
  if (!run.ok()) return run.error();
  return Done{};
}

Outcome<nlohmann::json> UserPoolService::SignUp(const json& request, const CallContext& ctx) {
  auto call = LoadPublicCall(request);
  if (!call.ok()) return call.error();
  const PoolState& pool = call->pool;
  const ClientState& client = call->client;
  const PoolSettings settings = ReadPoolSettings(pool.config);
  if (settings.admin_create_user_only) {
    return Reject(ErrorCode::kNotAuthorized, "SignUp is not permitted for this user pool");
  }
  auto password = wire::RequiredString(request, "Password", 1, 256);
  if (!password.ok()) return password.error();
  auto attributes = wire::Attributes(request, "UserAttributes");
  if (!attributes.ok()) return attributes.error();
  if (auto e = CheckAttributeWrite(settings, attributes.value(), true, AttributeWriter::kSelf)) return *e;
  const std::string sub = crypto::NewUuidV4();
  auto identity = NewIdentity(settings, call->username, sub, attributes.value());
  if (!identity.ok()) return identity.error();
  if (auto e = CheckRequiredAttributes(settings, identity->attributes)) return *e;
  if (auto e = CheckPassword(settings.password_policy, password.value(), PasswordCheckWording::kSignUp)) return *e;

  // Refuse a taken name before paying for the password hash; the claim settles races.
  auto existing = FindUser(pool, call->username);
  if (!existing.ok()) return FromStatus(existing.status());
  if (existing->exists) return Reject(ErrorCode::kUsernameExists, settings.username_attributes.empty() ? "User already exists" : "An account with the given email already exists.");

  // PreSignUp may refuse, auto-confirm, and vouch for the email address or phone number.
  auto validation_data = wire::Attributes(request, "ValidationData");
  if (!validation_data.ok()) return validation_data.error();
  json records = json::array();
  auto attributes_after = identity->attributes;
  bool auto_confirm = false;
  auto pre = RunTrigger(pool, {"PreSignUp", "PreSignUp_SignUp", identity->username, client.id,
                               {{"userAttributes", TriggerAttributes(identity->attributes)},
                                {"validationData", TriggerAttributes(validation_data.value())},
                                {"clientMetadata", ClientMetadata(request)}},
                               {{"autoConfirmUser", false}, {"autoVerifyPhone", false}, {"autoVerifyEmail", false}}});
  if (!pre.ok()) return pre.error();
  if (pre.value()) {
    const json& response = (*pre.value()).response;
    for (const char* flag : {"autoConfirmUser", "autoVerifyEmail", "autoVerifyPhone"}) {
      if (response.contains(flag) && !response[flag].is_null() && !response[flag].is_boolean()) {
        return Reject(ErrorCode::kInvalidLambdaResponse, "Unrecognizable lambda output");
      }
    }
    auto flag = [&](const char* name) { return response.value(name, json(false)).is_boolean() && response.value(name, false); };
    auto_confirm = flag("autoConfirmUser");
    if (flag("autoVerifyEmail") && attributes_after.count("email")) attributes_after["email_verified"] = "true";
    if (flag("autoVerifyPhone") && attributes_after.count("phone_number")) attributes_after["phone_number_verified"] = "true";
    records.push_back((*pre.value()).record);
  }

  auto password_fields = PasswordFields(pool, identity->username, password.value());
  if (!password_fields.ok()) return password_fields.error();

  UserState user;
  user.pool_id = pool.id;
  user.sub = sub;
  user.username = identity->username;
  user.attributes = attributes_after;
  const std::string code_attribute = auto_confirm ? "" : VerificationAttribute(settings, user);
  const std::string code = crypto::RandomDigits(6);
  MessageText message;
  if (!code_attribute.empty()) {
    const bool email = code_attribute == "email";
    auto composed = ComposeMessage(pool, "CustomMessage_SignUp", user, client.id, wire::MediumOf(code_attribute),
                                   {settings.email_verification_subject,
                                    email ? settings.email_verification_message : settings.sms_verification_message},
                                   false, records);
    if (!composed.ok()) return composed.error();
    message = composed.value();
  }
  json data = password_fields.value();
  data.update({{"pool_id", pool.id},
               {"sub", sub},
               {"username", identity->username},
               {"status", auto_confirm ? "CONFIRMED" : "UNCONFIRMED"},
               {"attributes", attributes_after},
               {"client_id", client.id},
               {"login_keys", LoginKeys(settings, pool.id, identity->username, attributes_after)}});
  if (!records.empty()) data["triggers"] = records;
  if (!code_attribute.empty()) {
    data["pending_code"] = {{"purpose", "signup"},
                            {"attribute", code_attribute},
                            {"hash", CodeHash(pool.id, sub, "signup", code)},
                            {"expires_at_ms", clock_.NowMs() + kSignUpCodeValidityMs}};
  }
  auto appended = CommitUser(user, {MakeEvent(user_events::kSignedUp, data)}, ctx);
  if (!appended.ok()) {
    if (appended.status().code() == StatusCode::kAlreadyExists) return ClaimTaken(appended.status(), settings.username_attributes);
    return FromStatus(appended.status());
  }
  json out = {{"UserConfirmed", auto_confirm}, {"UserSub", sub}};
  if (!code_attribute.empty()) {
    DeliverCode(pool, user, wire::MediumOf(code_attribute), message, code);
    out["CodeDeliveryDetails"] = DeliveryDetails(user, code_attribute);
  }
  if (auto_confirm) {
    // Runs after the commit: its failure reaches the caller, but the user stays confirmed.
    if (auto post = PostConfirmation(pool, user, client.id, request); !post.ok()) return post.error();
  }
  return out;
}

Outcome<nlohmann::json> UserPoolService::ConfirmSignUp(const json& request, const CallContext& ctx) {
  auto call = LoadPublicCall(request);
  if (!call.ok()) return call.error();
  const PoolState& pool = call->pool;
  const ClientState& client = call->client;
  auto code = wire::RequiredString(request, "ConfirmationCode", 1, 2048);
  if (!code.ok()) return code.error();
  const PoolSettings settings = ReadPoolSettings(pool.config);

  const bool hide_existence = ReadClientSettings(client.config).prevent_user_existence_errors;
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto user = RequireUser(pool, request);
    if (!user.ok()) {
      if (hide_existence && user.error().code == ErrorCode::kUserNotFound) {
        return Reject(ErrorCode::kCodeMismatch, "Invalid verification code provided, please try again.");
      }
      return user.error();
    }
    if (user->status != "UNCONFIRMED") {
      return Reject(ErrorCode::kNotAuthorized, "User cannot be confirmed. Current status is " + user->status);
    }
    if (auto wrong = CheckPendingCode(user.value(), "signup", "", code.value())) {
      if (wrong->code != ErrorCode::kCodeMismatch) return *wrong;
      auto appended = CommitUser(user.value(), {MakeEvent(user_events::kCodeRejected, {{"purpose", "signup"}, {"client_id", client.id}})}, ctx);
      if (!appended.ok() && appended.status().code() == StatusCode::kAborted) continue;
      return Recorded(*wrong);
    }
    auto attributes = user->attributes;
    if (!user->pending_code->attribute.empty()) attributes[user->pending_code->attribute + "_verified"] = "true";
    json data = {{"via", "code"},
                 {"client_id", client.id},
                 {"attributes", attributes},
                 {"login_keys", LoginKeys(settings, pool.id, user->username, attributes)}};
    auto appended = CommitUser(user.value(), {MakeEvent(user_events::kConfirmed, data)}, ctx);
    if (appended.ok()) {
      if (auto post = PostConfirmation(pool, user.value(), client.id, request); !post.ok()) return post.error();
      return json::object();
    }
    if (appended.status().code() == StatusCode::kAlreadyExists) return ClaimTaken(appended.status());
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kTooManyRequests, "Too many concurrent requests for this user.");
}

Outcome<nlohmann::json> UserPoolService::ResendConfirmationCode(const json& request, const CallContext& ctx) {
  auto call = LoadPublicCall(request);
  if (!call.ok()) return call.error();
  const PoolState& pool = call->pool;
  const ClientState& client = call->client;
  const PoolSettings settings = ReadPoolSettings(pool.config);

  const bool hide_existence = ReadClientSettings(client.config).prevent_user_existence_errors;
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto user = RequireUser(pool, request);
    if (!user.ok()) {
      if (hide_existence && user.error().code == ErrorCode::kUserNotFound) {
        // Looks like a delivery, so that the answer does not reveal who has an account.
        const bool email = !settings.auto_verified.count("phone_number") || settings.auto_verified.count("email");
        return json{{"CodeDeliveryDetails", {{"Destination", email ? wire::MaskDestination("EMAIL", call->username + "@e") : "+*******0000"},
                                             {"DeliveryMedium", email ? "EMAIL" : "SMS"},
                                             {"AttributeName", email ? "email" : "phone_number"}}}};
      }
      return user.error();
    }
    if (user->status != "UNCONFIRMED") return Reject(ErrorCode::kInvalidParameter, "User is already confirmed.");
    const std::string attribute = VerificationAttribute(settings, user.value());
    if (attribute.empty()) {
      return Reject(ErrorCode::kInvalidParameter, "Cannot resend codes. Auto verification not turned on.");
    }
    const std::string code = crypto::RandomDigits(6);
    json records = json::array();
    auto message = ComposeMessage(pool, "CustomMessage_ResendCode", user.value(), client.id, wire::MediumOf(attribute),
                                  {settings.email_verification_subject,
                                   attribute == "email" ? settings.email_verification_message : settings.sms_verification_message},
                                  false, records);
    if (!message.ok()) return message.error();
    json data = {{"pending_code", {{"purpose", "signup"},
                                   {"attribute", attribute},
                                   {"hash", CodeHash(pool.id, user->sub, "signup", code)},
                                   {"expires_at_ms", clock_.NowMs() + kSignUpCodeValidityMs}}},
                 {"client_id", client.id}};
    if (!records.empty()) data["triggers"] = records;
    auto appended = CommitUser(user.value(), {MakeEvent(user_events::kCodeSent, data)}, ctx);
    if (appended.ok()) {
      DeliverCode(pool, user.value(), wire::MediumOf(attribute), message.value(), code);
      return json{{"CodeDeliveryDetails", DeliveryDetails(user.value(), attribute)}};
    }
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kTooManyRequests, "Too many concurrent requests for this user.");
}

Outcome<nlohmann::json> UserPoolService::AdminCreateUser(const json& request, const CallContext& ctx) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto typed = wire::RequiredString(request, "Username", 1, 128);
  if (!typed.ok()) return typed.error();
  auto attributes = wire::Attributes(request, "UserAttributes");
  if (!attributes.ok()) return attributes.error();
  auto given_password = wire::OptionalString(request, "TemporaryPassword");
  if (!given_password.ok()) return given_password.error();
  auto action = wire::OptionalString(request, "MessageAction");
  if (!action.ok()) return action.error();
  if (!action->empty() && action.value() != "SUPPRESS" && action.value() != "RESEND") {
    return Reject(ErrorCode::kInvalidParameter, "1 validation error detected: Value at 'messageAction' failed to satisfy constraint: Member must satisfy enum value set: [RESEND, SUPPRESS]");
  }
  std::vector<std::string> mediums;
  if (auto it = request.find("DesiredDeliveryMediums"); it != request.end() && it->is_array()) {
    for (const auto& m : *it) {
      if (!m.is_string() || (m != "EMAIL" && m != "SMS")) {
        return Reject(ErrorCode::kInvalidParameter, "1 validation error detected: Value at 'desiredDeliveryMediums' failed to satisfy constraint: Member must satisfy enum value set: [SMS, EMAIL]");
      }
      mediums.push_back(m.get<std::string>());
    }
  }
  if (mediums.empty()) mediums.push_back("SMS");
  const PoolSettings settings = ReadPoolSettings(pool->config);
  if (auto e = CheckAttributeWrite(settings, attributes.value(), true, AttributeWriter::kAdmin)) return *e;

  std::string temporary = given_password.value();
  if (temporary.empty()) {
    temporary = TemporaryPassword(settings.password_policy);
  } else if (auto e = CheckPassword(settings.password_policy, temporary)) {
    return *e;
  }
  const int64_t temporary_expires =
      clock_.NowMs() + static_cast<int64_t>(settings.password_policy.temporary_password_validity_days) * 86400000LL;

  auto existing = FindUser(pool.value(), typed.value());
  if (!existing.ok()) return FromStatus(existing.status());
  UserState user;
  Events events;
  json records = json::array();
  if (action.value() == "RESEND") {
    if (!existing->exists) return Reject(ErrorCode::kUserNotFound, "User does not exist.");
    if (existing->status != "FORCE_CHANGE_PASSWORD") {
      return Reject(ErrorCode::kUnsupportedUserState, "Resend not possible. " + existing->username + " status is not FORCE_CHANGE_PASSWORD.");
    }
    user = existing.value();
    auto fields = PasswordFields(pool.value(), user.username, temporary);
    if (!fields.ok()) return fields.error();
    json data = fields.value();
    data.update({{"status", "FORCE_CHANGE_PASSWORD"}, {"temporary_password_expires_at_ms", temporary_expires}});
    events.push_back(MakeEvent(user_events::kPasswordChanged, data));
  } else {
    if (existing->exists) return Reject(ErrorCode::kUsernameExists, "User account already exists");
    const std::string sub = crypto::NewUuidV4();
    auto identity = NewIdentity(settings, typed.value(), sub, attributes.value());
    if (!identity.ok()) return identity.error();
    if (auto e = CheckRequiredAttributes(settings, identity->attributes)) return *e;
    // PreSignUp may refuse an administrator's user too; its other answers do not apply here.
    auto validation_data = wire::Attributes(request, "ValidationData");
    if (!validation_data.ok()) return validation_data.error();
    auto pre = RunTrigger(pool.value(), {"PreSignUp", "PreSignUp_AdminCreateUser", identity->username, "",
                                         {{"userAttributes", TriggerAttributes(identity->attributes)},
                                          {"validationData", TriggerAttributes(validation_data.value())},
                                          {"clientMetadata", ClientMetadata(request)}},
                                         {{"autoConfirmUser", false}, {"autoVerifyPhone", false}, {"autoVerifyEmail", false}}});
    if (!pre.ok()) return pre.error();
    if (pre.value()) records.push_back((*pre.value()).record);
    auto fields = PasswordFields(pool.value(), identity->username, temporary);
    if (!fields.ok()) return fields.error();
    user.pool_id = pool->id;
    user.sub = sub;
    json data = fields.value();
    data.update({{"pool_id", pool->id},
                 {"sub", sub},
                 {"username", identity->username},
                 {"status", "FORCE_CHANGE_PASSWORD"},
                 {"attributes", identity->attributes},
                 {"temporary_password_expires_at_ms", temporary_expires},
                 {"login_keys", LoginKeys(settings, pool->id, identity->username, identity->attributes)}});
    events.push_back(MakeEvent(user_events::kCreated, data));
  }
  // The invitation's text is decided (by CustomMessage, if any) before the user is recorded.
  std::vector<std::pair<std::string, MessageText>> invitations;
  if (action.value() != "SUPPRESS") {
    UserState invited = user;
    for (const auto& e : events) EvolveUser(invited, e, clock_.NowMs());
    for (const auto& medium : mediums) {
      auto it = invited.attributes.find(medium == "SMS" ? "phone_number" : "email");
      if (it == invited.attributes.end() || it->second.empty()) continue;
      auto text = ComposeMessage(pool.value(), "CustomMessage_AdminCreateUser", invited, "", medium,
                                 {settings.invite_email_subject,
                                  medium == "SMS" ? settings.invite_sms_message : settings.invite_email_message},
                                 true, records);
      if (!text.ok()) return text.error();
      invitations.emplace_back(medium, text.value());
    }
  }
  if (!records.empty()) events.back().data["triggers"] = records;
  auto appended = CommitUser(user, events, ctx);
  if (!appended.ok()) {
    if (appended.status().code() == StatusCode::kAlreadyExists) return ClaimTaken(appended.status(), settings.username_attributes);
    if (appended.status().code() == StatusCode::kAborted) return Reject(ErrorCode::kTooManyRequests, "Too many concurrent requests for this user.");
    return FromStatus(appended.status());
  }
  for (const auto& [medium, text] : invitations) DeliverCode(pool.value(), user, medium, text, temporary);
  return json{{"User", UserTypeView(user)}};
}

Outcome<nlohmann::json> UserPoolService::AdminConfirmSignUp(const json& request, const CallContext& ctx) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  const PoolSettings settings = ReadPoolSettings(pool->config);
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto user = RequireUser(pool.value(), request);
    if (!user.ok()) return user.error();
    if (user->status != "UNCONFIRMED") {
      return Reject(ErrorCode::kNotAuthorized, "User cannot be confirmed. Current status is " + user->status);
    }
    json data = {{"via", "admin"},
                 {"attributes", user->attributes},
                 {"login_keys", LoginKeys(settings, pool->id, user->username, user->attributes)}};
    auto appended = CommitUser(user.value(), {MakeEvent(user_events::kConfirmed, data)}, ctx);
    if (appended.ok()) {
      if (auto post = PostConfirmation(pool.value(), user.value(), "", request); !post.ok()) return post.error();
      return json::object();
    }
    if (appended.status().code() == StatusCode::kAlreadyExists) return ClaimTaken(appended.status());
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kTooManyRequests, "Too many concurrent requests for this user.");
}

}  // namespace cognate
