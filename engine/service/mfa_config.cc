// SetUserPoolMfaConfig and GetUserPoolMfaConfig: which second factors a pool offers and whether
// MFA is off, optional or required.
//
// SetUserPoolMfaConfig replaces the whole MFA configuration, as Cognito's does: a factor the
// request leaves out is disabled, and an omitted MfaConfiguration is OFF. It is stored in the
// pool's configuration through userpool.updated, where UpdateUserPool and DescribeUserPool see it:
//   MfaConfiguration, SmsAuthenticationMessage, SmsConfiguration   the pool's own fields;
//   EnabledMfas  [SMS_MFA | SOFTWARE_TOKEN_MFA | EMAIL_OTP]        the factors enabled;
//   EmailMfaConfiguration, WebAuthnConfiguration                  as given.
// PoolSettings (pool_settings.h) is how the sign-in code reads them.
#include <initializer_list>
#include <string>
#include <string_view>

#include "engine/pool/pool_events.h"
#include "engine/service/commit_retry.h"
#include "engine/service/user_pool_service.h"

namespace cognate {
namespace {

using json = nlohmann::json;

DomainError BadType(std::string_view path) {
  std::string message = "Invalid type for parameter ";
  message += path;
  return InvalidParameter(std::move(message));
}

// "1 validation error detected: Value at '<path>' failed to satisfy constraint: <constraint>".
DomainError Constraint(std::string_view path, std::string_view constraint) {
  std::string message = "1 validation error detected: Value at '";
  message += path;
  message += "' failed to satisfy constraint: ";
  message += constraint;
  return InvalidParameter(std::move(message));
}

// Checks that `object[field]`, if present, is a string of [min, max] bytes (and, when
// `code_placeholder`, contains {####}). `path` is the member's wire path, for the message.
std::optional<DomainError> CheckString(const json& object, const char* field, std::string_view path,
                                       size_t min, size_t max, bool code_placeholder = false) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return BadType(path);
  const std::string& value = it->get_ref<const std::string&>();
  if (value.size() < min || value.size() > max) {
    std::string constraint = "Member must have length between ";
    constraint += std::to_string(min);
    constraint += " and ";
    constraint += std::to_string(max);
    return Constraint(path, constraint);
  }
  if (code_placeholder && value.find("{####}") == std::string::npos) {
    return Constraint(path, "Member must satisfy regular expression pattern: .*\\{####\\}.*");
  }
  return std::nullopt;
}

std::optional<DomainError> CheckEnum(const json& object, const char* field, std::string_view path,
                                     std::initializer_list<std::string_view> allowed) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return BadType(path);
  for (std::string_view value : allowed) {
    if (it->get_ref<const std::string&>() == value) return std::nullopt;
  }
  std::string constraint = "Member must satisfy enum value set: [";
  bool first = true;
  for (std::string_view value : allowed) {
    if (!first) constraint += ", ";
    constraint += value;
    first = false;
  }
  constraint += "]";
  return Constraint(path, constraint);
}

// The member `field` of the request if present and not null: it must be an object.
Outcome<const json*> OptionalObject(const json& object, const char* field, std::string_view path) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return static_cast<const json*>(nullptr);
  if (!it->is_object()) return BadType(path);
  return &*it;
}

// A SetUserPoolMfaConfig request, validated against the model's shapes.
struct MfaRequest {
  std::string mfa_configuration = "OFF";
  const json* sms = nullptr;    // SmsMfaConfiguration
  const json* email = nullptr;  // EmailMfaConfiguration
  const json* web_authn = nullptr;
  bool software_token = false;  // SoftwareTokenMfaConfiguration.Enabled
  bool software_token_given = false;
};

Outcome<MfaRequest> ParseMfaRequest(const json& request) {
  MfaRequest r;
  if (auto e =
          CheckEnum(request, "MfaConfiguration", "mfaConfiguration", {"OFF", "ON", "OPTIONAL"}))
    return *e;
  if (auto it = request.find("MfaConfiguration"); it != request.end() && it->is_string()) {
    r.mfa_configuration = it->get<std::string>();
  }

  auto sms = OptionalObject(request, "SmsMfaConfiguration", "SmsMfaConfiguration");
  if (!sms.ok()) return sms.error();
  r.sms = sms.value();
  if (r.sms) {
    if (auto e = CheckString(*r.sms, "SmsAuthenticationMessage",
                             "smsMfaConfiguration.smsAuthenticationMessage", 6, 140, true)) {
      return *e;
    }
    auto config =
        OptionalObject(*r.sms, "SmsConfiguration", "SmsMfaConfiguration.SmsConfiguration");
    if (!config.ok()) return config.error();
    if (const json* c = config.value()) {
      if (!c->contains("SnsCallerArn") || (*c)["SnsCallerArn"].is_null()) {
        return Constraint("smsMfaConfiguration.smsConfiguration.snsCallerArn",
                          "Member must not be null");
      }
      if (auto e = CheckString(*c, "SnsCallerArn",
                               "smsMfaConfiguration.smsConfiguration.snsCallerArn", 20, 2048))
        return *e;
      if (auto e = CheckString(*c, "ExternalId", "smsMfaConfiguration.smsConfiguration.externalId",
                               0, 131072))
        return *e;
      if (auto e =
              CheckString(*c, "SnsRegion", "smsMfaConfiguration.smsConfiguration.snsRegion", 5, 32))
        return *e;
    }
  }

  auto token =
      OptionalObject(request, "SoftwareTokenMfaConfiguration", "SoftwareTokenMfaConfiguration");
  if (!token.ok()) return token.error();
  if (const json* t = token.value()) {
    r.software_token_given = true;
    if (auto it = t->find("Enabled"); it != t->end() && !it->is_null()) {
      if (!it->is_boolean()) return BadType("SoftwareTokenMfaConfiguration.Enabled");
      r.software_token = it->get<bool>();
    }
  }

  auto email = OptionalObject(request, "EmailMfaConfiguration", "EmailMfaConfiguration");
  if (!email.ok()) return email.error();
  r.email = email.value();
  if (r.email) {
    if (auto e = CheckString(*r.email, "Message", "emailMfaConfiguration.message", 6, 20000, true))
      return *e;
    if (auto e = CheckString(*r.email, "Subject", "emailMfaConfiguration.subject", 1, 140))
      return *e;
  }

  auto web_authn = OptionalObject(request, "WebAuthnConfiguration", "WebAuthnConfiguration");
  if (!web_authn.ok()) return web_authn.error();
  r.web_authn = web_authn.value();
  if (r.web_authn) {
    if (auto e = CheckString(*r.web_authn, "RelyingPartyId", "webAuthnConfiguration.relyingPartyId",
                             1, 127))
      return *e;
    if (auto e = CheckEnum(*r.web_authn, "UserVerification",
                           "webAuthnConfiguration.userVerification", {"required", "preferred"})) {
      return *e;
    }
    if (auto e = CheckEnum(*r.web_authn, "FactorConfiguration",
                           "webAuthnConfiguration.factorConfiguration",
                           {"SINGLE_FACTOR", "MULTI_FACTOR_WITH_USER_VERIFICATION"})) {
      return *e;
    }
  }

  // Cognito's two refusals: OFF with a factor configured, ON/OPTIONAL with none. WebAuthn is not
  // an MFA factor here; it is accepted with any setting.
  const bool any_factor = r.sms || r.email || r.software_token;
  if (r.mfa_configuration == "OFF" && any_factor) {
    return InvalidParameter(
        "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.");
  }
  if (r.mfa_configuration != "OFF" && !any_factor) {
    return InvalidParameter(
        "Invalid MFA Configuration given. SMS MFA, Email MFA, or Software Token MFA must be "
        "enabled.");
  }
  return r;
}

// The pool configuration after `r`: every MFA field replaced, the rest untouched.
json ApplyMfaRequest(json config, const MfaRequest& r) {
  config["MfaConfiguration"] = r.mfa_configuration;
  json enabled = json::array();
  if (r.sms) {
    enabled.push_back("SMS_MFA");
    // The message is part of the SMS factor's configuration: replaced, or back to the default.
    if (r.sms->contains("SmsAuthenticationMessage") &&
        !(*r.sms)["SmsAuthenticationMessage"].is_null()) {
      config["SmsAuthenticationMessage"] = (*r.sms)["SmsAuthenticationMessage"];
    } else {
      config.erase("SmsAuthenticationMessage");
    }
    // The SNS settings are the pool's, which other SMS (verification codes) use too: kept unless
    // replaced.
    if (r.sms->contains("SmsConfiguration") && !(*r.sms)["SmsConfiguration"].is_null()) {
      config["SmsConfiguration"] = (*r.sms)["SmsConfiguration"];
    }
  }
  if (r.software_token) enabled.push_back("SOFTWARE_TOKEN_MFA");
  if (r.email) {
    enabled.push_back("EMAIL_OTP");
    config["EmailMfaConfiguration"] = *r.email;
  } else {
    config.erase("EmailMfaConfiguration");
  }
  config["EnabledMfas"] = enabled;
  if (r.web_authn) {
    config["WebAuthnConfiguration"] = *r.web_authn;
  } else {
    config.erase("WebAuthnConfiguration");
  }
  return config;
}

// The SetUserPoolMfaConfig / GetUserPoolMfaConfig response for a pool's configuration.
json MfaConfigView(const json& config) {
  const PoolSettings settings = ReadPoolSettings(config);
  json view = {
      {"MfaConfiguration", settings.mfa_configuration},
      {"SoftwareTokenMfaConfiguration", {{"Enabled", settings.software_token_mfa_enabled}}}};
  if (settings.sms_mfa_enabled) {
    json sms = json::object();
    if (auto it = config.find("SmsAuthenticationMessage"); it != config.end())
      sms["SmsAuthenticationMessage"] = *it;
    if (auto it = config.find("SmsConfiguration"); it != config.end())
      sms["SmsConfiguration"] = *it;
    view["SmsMfaConfiguration"] = sms;
  }
  if (settings.email_mfa_enabled) {
    view["EmailMfaConfiguration"] = config.value("EmailMfaConfiguration", json::object());
  }
  if (auto it = config.find("WebAuthnConfiguration"); it != config.end())
    view["WebAuthnConfiguration"] = *it;
  return view;
}

}  // namespace

Outcome<nlohmann::json> UserPoolService::SetUserPoolMfaConfig(const json& request,
                                                              const CallContext& ctx) {
  auto parsed = ParseMfaRequest(request);
  if (!parsed.ok()) return parsed.error();
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto pool = LoadPool(request);
    if (!pool.ok()) return pool.error();
    json config = ApplyMfaRequest(pool->config, parsed.value());
    if (config == pool->config) return MfaConfigView(config);
    auto appended =
        CommitPool(pool.value(), {MakeEvent(pool_events::kPoolUpdated, {{"config", config}})}, ctx);
    if (appended.ok()) return MfaConfigView(config);
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kConcurrentModification, "The user pool was modified concurrently.");
}

Outcome<nlohmann::json> UserPoolService::GetUserPoolMfaConfig(const json& request,
                                                              const CallContext&) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  return MfaConfigView(pool->config);
}

}  // namespace cognate
