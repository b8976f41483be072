#include "engine/pool/pool_settings.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace cognate {
namespace {

using json = nlohmann::json;

constexpr std::array<std::string_view, 20> kStandardAttributes = {
    "sub",      "name",          "given_name",   "family_name",           "middle_name",
    "nickname", "preferred_username", "profile", "picture",               "website",
    "email",    "email_verified", "gender",      "birthdate",             "zoneinfo",
    "locale",   "phone_number",  "phone_number_verified", "address",      "updated_at"};

constexpr std::string_view kSymbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

std::optional<DomainError> CheckEnumList(const json& request, const char* field,
                                         const std::set<std::string>& allowed) {
  auto it = request.find(field);
  if (it == request.end()) return std::nullopt;
  if (!it->is_array()) return InvalidParameter(std::string(field) + " must be a list.");
  for (const auto& v : *it) {
    if (!v.is_string() || !allowed.count(v.get<std::string>())) {
      return InvalidParameter(std::string("1 validation error detected: Value at '") + field +
                              "' failed to satisfy constraint: Member must satisfy enum value set");
    }
  }
  return std::nullopt;
}

std::optional<DomainError> CheckIntRange(const json& obj, const char* field, int64_t lo, int64_t hi,
                                         const std::string& path) {
  auto it = obj.find(field);
  if (it == obj.end()) return std::nullopt;
  if (!it->is_number_integer() || it->get<int64_t>() < lo || it->get<int64_t>() > hi) {
    return InvalidParameter("1 validation error detected: Value at '" + path +
                            "' failed to satisfy constraint: Member must have value between " +
                            std::to_string(lo) + " and " + std::to_string(hi));
  }
  return std::nullopt;
}

json DefaultPasswordPolicy() {
  return json{{"MinimumLength", 8},
              {"RequireUppercase", true},
              {"RequireLowercase", true},
              {"RequireNumbers", true},
              {"RequireSymbols", true},
              {"TemporaryPasswordValidityDays", 7}};
}

json StandardSchemaEntry(std::string_view name) {
  json e = {{"Name", std::string(name)},
            {"AttributeDataType", "String"},
            {"DeveloperOnlyAttribute", false},
            {"Mutable", true},
            {"Required", false},
            {"StringAttributeConstraints", {{"MinLength", "0"}, {"MaxLength", "2048"}}}};
  if (name == "sub") {
    e["Mutable"] = false;
    e["Required"] = true;
    e["StringAttributeConstraints"] = {{"MinLength", "1"}, {"MaxLength", "2048"}};
  } else if (name == "email_verified" || name == "phone_number_verified") {
    e["AttributeDataType"] = "Boolean";
    e.erase("StringAttributeConstraints");
  } else if (name == "updated_at") {
    e["AttributeDataType"] = "Number";
    e.erase("StringAttributeConstraints");
    e["NumberAttributeConstraints"] = {{"MinValue", "0"}};
  } else if (name == "birthdate") {
    e["StringAttributeConstraints"] = {{"MinLength", "10"}, {"MaxLength", "10"}};
  }
  return e;
}

// Validates the Schema list of CreateUserPool and returns the full SchemaAttributes.
Outcome<json> BuildSchema(const json& request) {
  json schema = json::array();
  for (auto name : kStandardAttributes) schema.push_back(StandardSchemaEntry(name));
  auto it = request.find("Schema");
  if (it == request.end()) return schema;
  if (!it->is_array()) return InvalidParameter("Schema must be a list.");
  int custom_count = 0;
  for (const auto& attr : *it) {
    if (!attr.is_object() || !attr.contains("Name") || !attr["Name"].is_string()) {
      return InvalidParameter("Schema attributes need a Name.");
    }
    std::string name = attr["Name"].get<std::string>();
    if (name.empty() || name.size() > 20) {
      return InvalidParameter(
          "1 validation error detected: Value at 'schema.member.name' failed to satisfy "
          "constraint: Member must have length less than or equal to 20");
    }
    std::string type = attr.value("AttributeDataType", "String");
    if (type != "String" && type != "Number" && type != "DateTime" && type != "Boolean") {
      return InvalidParameter("Invalid AttributeDataType for attribute " + name);
    }
    auto standard = std::find(kStandardAttributes.begin(), kStandardAttributes.end(), name);
    if (standard != kStandardAttributes.end()) {
      // A standard attribute: only Required and Mutable can be chosen.
      for (auto& entry : schema) {
        if (entry["Name"] == name) {
          if (attr.contains("Required")) entry["Required"] = attr.value("Required", false);
          if (attr.contains("Mutable")) entry["Mutable"] = attr.value("Mutable", true);
          if (attr.contains("StringAttributeConstraints")) entry["StringAttributeConstraints"] = attr["StringAttributeConstraints"];
        }
      }
      continue;
    }
    if (attr.value("Required", false)) {
      return InvalidParameter("Required custom attributes are not supported currently.");
    }
    if (++custom_count > 50)
      return InvalidParameter("A user pool can have at most 50 custom attributes.");
    json entry = {{"Name", "custom:" + name},
                  {"AttributeDataType", type},
                  {"DeveloperOnlyAttribute", attr.value("DeveloperOnlyAttribute", false)},
                  {"Mutable", attr.value("Mutable", true)},
                  {"Required", false}};
    if (type == "String") {
      entry["StringAttributeConstraints"] =
          attr.value("StringAttributeConstraints", json::object());
    } else if (type == "Number") {
      entry["NumberAttributeConstraints"] =
          attr.value("NumberAttributeConstraints", json::object());
    }
    schema.push_back(entry);
  }
  return schema;
}

std::optional<DomainError> ValidatePolicies(const json& request) {
  auto it = request.find("Policies");
  if (it == request.end()) return std::nullopt;
  if (!it->is_object()) return InvalidParameter("Policies must be an object.");
  auto pp = it->find("PasswordPolicy");
  if (pp == it->end()) return std::nullopt;
  if (!pp->is_object()) return InvalidParameter("PasswordPolicy must be an object.");
  if (auto e = CheckIntRange(*pp, "MinimumLength", 6, 99, "policies.passwordPolicy.minimumLength")) return e;
  if (auto e = CheckIntRange(*pp, "TemporaryPasswordValidityDays", 0, 365, "policies.passwordPolicy.temporaryPasswordValidityDays")) return e;
  if (auto e = CheckIntRange(*pp, "PasswordHistorySize", 0, 24, "policies.passwordPolicy.passwordHistorySize")) return e;
  for (const char* flag : {"RequireUppercase", "RequireLowercase", "RequireNumbers", "RequireSymbols"}) {
    if (pp->contains(flag) && !(*pp)[flag].is_boolean())
      return InvalidParameter(std::string(flag) + " must be a boolean.");
  }
  return std::nullopt;
}

std::optional<DomainError> ValidateUpdatable(const json& request) {
  if (auto e = ValidatePolicies(request)) return e;
  if (auto e = CheckEnumList(request, "AutoVerifiedAttributes", {"email", "phone_number"})) return e;
  if (auto it = request.find("MfaConfiguration"); it != request.end()) {
    if (!it->is_string() || (*it != "OFF" && *it != "ON" && *it != "OPTIONAL")) {
      return InvalidParameter(
          "1 validation error detected: Value at 'mfaConfiguration' failed to satisfy constraint: "
          "Member must satisfy enum value set: [OFF, ON, OPTIONAL]");
    }
  }
  if (auto it = request.find("DeletionProtection"); it != request.end()) {
    if (!it->is_string() || (*it != "ACTIVE" && *it != "INACTIVE")) {
      return InvalidParameter(
          "1 validation error detected: Value at 'deletionProtection' failed to satisfy "
          "constraint: Member must satisfy enum value set: [ACTIVE, INACTIVE]");
    }
  }
  if (auto it = request.find("LambdaConfig"); it != request.end() && !it->is_object()) {
    return InvalidParameter("LambdaConfig must be an object.");
  }
  if (auto it = request.find("UserPoolTags"); it != request.end()) {
    if (auto e = CheckPoolTags(*it, "userPoolTags")) return e;
  }
  return std::nullopt;
}

// Fields UpdateUserPool may set; omitted ones return to their defaults, as in Cognito.
constexpr std::array<std::string_view, 18> kUpdatableFields = {
    "Policies", "DeletionProtection", "LambdaConfig", "AutoVerifiedAttributes",
    "SmsVerificationMessage", "EmailVerificationMessage", "EmailVerificationSubject",
    "VerificationMessageTemplate", "SmsAuthenticationMessage", "UserAttributeUpdateSettings",
    "MfaConfiguration", "DeviceConfiguration", "EmailConfiguration", "SmsConfiguration",
    "UserPoolTags", "AdminCreateUserConfig", "UserPoolAddOns", "AccountRecoverySetting"};

void ApplyDefaults(json& config) {
  if (!config.contains("Policies")) config["Policies"] = json::object();
  json& policies = config["Policies"];
  json pp = DefaultPasswordPolicy();
  if (policies.contains("PasswordPolicy")) pp.update(policies["PasswordPolicy"]);
  policies["PasswordPolicy"] = pp;
  if (!policies.contains("SignInPolicy")) policies["SignInPolicy"] = {{"AllowedFirstAuthFactors", json::array({"PASSWORD"})}};
  if (!config.contains("DeletionProtection")) config["DeletionProtection"] = "INACTIVE";
  if (!config.contains("LambdaConfig")) config["LambdaConfig"] = json::object();
  if (!config.contains("MfaConfiguration")) config["MfaConfiguration"] = "OFF";
  if (!config.contains("VerificationMessageTemplate")) {
    config["VerificationMessageTemplate"] = {{"DefaultEmailOption", "CONFIRM_WITH_CODE"}};
  }
  for (const char* msg : {"SmsVerificationMessage", "EmailVerificationMessage"}) {
    if (config.contains(msg)) config["VerificationMessageTemplate"][msg == std::string("SmsVerificationMessage") ? "SmsMessage" : "EmailMessage"] = config[msg];
  }
  if (config.contains("EmailVerificationSubject")) {
    config["VerificationMessageTemplate"]["EmailSubject"] = config["EmailVerificationSubject"];
  }
  if (!config.contains("EmailConfiguration")) config["EmailConfiguration"] = {{"EmailSendingAccount", "COGNITO_DEFAULT"}};
  json admin = {{"AllowAdminCreateUserOnly", false}, {"UnusedAccountValidityDays", 7}};
  if (config.contains("AdminCreateUserConfig")) admin.update(config["AdminCreateUserConfig"]);
  config["AdminCreateUserConfig"] = admin;
  if (!config.contains("UserPoolTags")) config["UserPoolTags"] = json::object();
  if (!config.contains("UserAttributeUpdateSettings")) {
    config["UserAttributeUpdateSettings"] = {{"AttributesRequireVerificationBeforeUpdate", json::array()}};
  }
  if (!config.contains("AccountRecoverySetting")) {
    config["AccountRecoverySetting"] = {{"RecoveryMechanisms", json::array({{{"Priority", 1}, {"Name", "verified_email"}}, {{"Priority", 2}, {"Name", "verified_phone_number"}}})}};
  }
}

// Length in characters, as Cognito's limits count them (UTF-8 continuation bytes do not count).
size_t Utf8Length(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool HasChar(const std::string& s, int (*pred)(int)) {
  return std::any_of(s.begin(), s.end(), [&](unsigned char c) { return pred(c) != 0; });
}

}  // namespace

bool IsStandardAttribute(const std::string& name) {
  return std::find(kStandardAttributes.begin(), kStandardAttributes.end(), name) !=
         kStandardAttributes.end();
}

Outcome<json> NormalizeNewPoolConfig(const json& request) {
  if (!request.contains("PoolName") || !request["PoolName"].is_string()) {
    return InvalidParameter(
        "1 validation error detected: Value at 'poolName' failed to satisfy constraint: Member "
        "must not be null");
  }
  const std::string name = request["PoolName"].get<std::string>();
  if (name.empty() || name.size() > 128) {
    return InvalidParameter(
        "1 validation error detected: Value at 'poolName' failed to satisfy constraint: Member "
        "must have length between 1 and 128");
  }
  if (auto e = ValidateUpdatable(request)) return *e;
  if (auto e = CheckEnumList(request, "UsernameAttributes", {"email", "phone_number"})) return *e;
  if (auto e = CheckEnumList(request, "AliasAttributes", {"email", "phone_number", "preferred_username"})) return *e;
  if (request.contains("UsernameAttributes") && request.contains("AliasAttributes") &&
      !request["UsernameAttributes"].empty() && !request["AliasAttributes"].empty()) {
    return InvalidParameter(
        "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool");
  }
  auto schema = BuildSchema(request);
  if (!schema.ok()) return schema.error();

  json config = json::object();
  config["Name"] = name;
  for (const char* field : {"UsernameAttributes", "AliasAttributes", "UsernameConfiguration"}) {
    if (request.contains(field)) config[field] = request[field];
  }
  for (auto field : kUpdatableFields) {
    std::string f(field);
    if (request.contains(f)) config[f] = request[f];
  }
  config["SchemaAttributes"] = schema.value();
  ApplyDefaults(config);
  return config;
}

Outcome<json> ApplyPoolUpdate(const json& current, const json& request) {
  if (auto e = ValidateUpdatable(request)) return *e;
  json config = json::object();
  // The factors SetUserPoolMfaConfig enabled are not UpdateUserPool fields; an update keeps them.
  for (const char* kept : {"Name", "UsernameAttributes", "AliasAttributes", "UsernameConfiguration", "SchemaAttributes",
                           "EnabledMfas", "EmailMfaConfiguration", "WebAuthnConfiguration"}) {
    if (current.contains(kept)) config[kept] = current[kept];
  }
  for (auto field : kUpdatableFields) {
    std::string f(field);
    if (request.contains(f)) config[f] = request[f];
  }
  // Tags are managed by the tagging operations too; an update without them keeps them.
  if (!request.contains("UserPoolTags") && current.contains("UserPoolTags")) {
    config["UserPoolTags"] = current["UserPoolTags"];
  }
  ApplyDefaults(config);
  return config;
}

PoolSettings ReadPoolSettings(const json& config) {
  PoolSettings s;
  const json pp = config.value("Policies", json::object()).value("PasswordPolicy", json::object());
  s.password_policy.minimum_length = pp.value("MinimumLength", 8);
  s.password_policy.require_uppercase = pp.value("RequireUppercase", true);
  s.password_policy.require_lowercase = pp.value("RequireLowercase", true);
  s.password_policy.require_numbers = pp.value("RequireNumbers", true);
  s.password_policy.require_symbols = pp.value("RequireSymbols", true);
  s.password_policy.temporary_password_validity_days = pp.value("TemporaryPasswordValidityDays", 7);
  for (const auto& v : config.value("UsernameAttributes", json::array())) s.username_attributes.insert(v.get<std::string>());
  for (const auto& v : config.value("AliasAttributes", json::array())) s.alias_attributes.insert(v.get<std::string>());
  for (const auto& v : config.value("AutoVerifiedAttributes", json::array())) s.auto_verified.insert(v.get<std::string>());
  for (const auto& v : config.value("UserAttributeUpdateSettings", json::object())
                           .value("AttributesRequireVerificationBeforeUpdate", json::array())) {
    if (v.is_string()) s.verify_before_update.insert(v.get<std::string>());
  }
  for (const auto& attr : config.value("SchemaAttributes", json::array())) {
    const std::string name = attr.value("Name", "");
    if (name.rfind("custom:", 0) == 0) {
      CustomAttribute c;
      c.name = name;
      c.data_type = attr.value("AttributeDataType", "String");
      c.mutable_ = attr.value("Mutable", true);
      c.developer_only = attr.value("DeveloperOnlyAttribute", false);
      auto sc = attr.value("StringAttributeConstraints", json::object());
      auto to_int = [](const json& v) -> std::optional<int64_t> {
        try {
          if (v.is_string()) return std::stoll(v.get<std::string>());
          if (v.is_number()) return v.get<int64_t>();
        } catch (...) {
        }
        return std::nullopt;
      };
      if (sc.contains("MinLength")) c.min_length = to_int(sc["MinLength"]);
      if (sc.contains("MaxLength")) c.max_length = to_int(sc["MaxLength"]);
      s.custom_attributes.push_back(c);
    } else if (attr.value("Required", false) && name != "sub") {
      s.required_attributes.insert(name);
    }
  }
  if (auto it = config.find("UsernameConfiguration"); it != config.end() && it->is_object()) {
    s.case_sensitive = it->value("CaseSensitive", true);
  }
  const json admin = config.value("AdminCreateUserConfig", json::object());
  s.admin_create_user_only = admin.value("AllowAdminCreateUserOnly", false);
  if (auto invite = admin.find("InviteMessageTemplate"); invite != admin.end() && invite->is_object()) {
    s.invite_email_subject = invite->value("EmailSubject", s.invite_email_subject);
    s.invite_email_message = invite->value("EmailMessage", s.invite_email_message);
    s.invite_sms_message = invite->value("SMSMessage", s.invite_sms_message);
  }
  const json vmt = config.value("VerificationMessageTemplate", json::object());
  s.email_verification_subject = vmt.value("EmailSubject", config.value("EmailVerificationSubject", s.email_verification_subject));
  s.email_verification_message = vmt.value("EmailMessage", config.value("EmailVerificationMessage", s.email_verification_message));
  s.sms_verification_message = vmt.value("SmsMessage", config.value("SmsVerificationMessage", s.sms_verification_message));

  s.mfa_configuration = config.value("MfaConfiguration", s.mfa_configuration);
  if (auto enabled = config.find("EnabledMfas"); enabled != config.end() && enabled->is_array()) {
    for (const auto& factor : *enabled) {
      if (factor == "SMS_MFA") s.sms_mfa_enabled = true;
      if (factor == "SOFTWARE_TOKEN_MFA") s.software_token_mfa_enabled = true;
      if (factor == "EMAIL_OTP") s.email_mfa_enabled = true;
    }
  } else {
    s.sms_mfa_enabled = config.contains("SmsConfiguration");
  }
  s.sms_authentication_message = config.value("SmsAuthenticationMessage", s.sms_authentication_message);
  if (auto email = config.find("EmailMfaConfiguration"); email != config.end() && email->is_object()) {
    s.email_mfa_subject = email->value("Subject", s.email_mfa_subject);
    s.email_mfa_message = email->value("Message", s.email_mfa_message);
  }
  if (auto device = config.find("DeviceConfiguration"); device != config.end() && device->is_object()) {
    s.device_tracking = true;
    s.challenge_required_on_new_device = device->value("ChallengeRequiredOnNewDevice", false);
    s.device_only_remembered_on_user_prompt = device->value("DeviceOnlyRememberedOnUserPrompt", false);
  }
  return s;
}

std::optional<DomainError> CheckPoolTags(const json& tags, const std::string& path) {
  if (!tags.is_object()) return InvalidParameter("Invalid type for parameter " + path);
  if (tags.size() > kMaxPoolTags) {
    std::string message = "1 validation error detected: Value at '";
    message += path;
    message += "' failed to satisfy constraint: Member must have at most ";
    message += std::to_string(kMaxPoolTags);
    message += " tags";
    return InvalidParameter(message);
  }
  for (const auto& [key, value] : tags.items()) {
    const size_t key_length = Utf8Length(key);
    if (key_length < 1 || key_length > 128) {
      return InvalidParameter(
          "1 validation error detected: Value at '" + path +
          "' failed to satisfy constraint: Map keys must satisfy constraint: [Member must "
          "have length less than or equal to 128, Member must have length greater than or "
          "equal to 1]");
    }
    if (!value.is_string())
      return InvalidParameter("Invalid type for parameter " + path + "." + key);
    if (Utf8Length(value.get_ref<const std::string&>()) > 256) {
      return InvalidParameter(
          "1 validation error detected: Value at '" + path +
          "' failed to satisfy constraint: Map value must satisfy constraint: [Member must "
          "have length less than or equal to 256, Member must have length greater than or "
          "equal to 0]");
    }
  }
  return std::nullopt;
}

std::optional<DomainError> CheckPassword(const PasswordPolicy& policy, const std::string& password,
                                         PasswordCheckWording wording) {
  const char* prefix = wording == PasswordCheckWording::kSignUp ? "Password did not conform with policy: "
                                                                : "Password does not conform to policy: ";
  auto fail = [prefix](const std::string& why) {
    return Reject(ErrorCode::kInvalidPassword, prefix + why);
  };
  if (password.size() > 256) return fail("Password must have length less than or equal to 256");
  if (!password.empty() && (std::isspace(static_cast<unsigned char>(password.front())) ||
                            std::isspace(static_cast<unsigned char>(password.back())))) {
    return Reject(ErrorCode::kInvalidParameter, "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$");
  }
  if (static_cast<int>(password.size()) < policy.minimum_length) return fail("Password not long enough");
  if (policy.require_lowercase && !HasChar(password, ::islower)) return fail("Password must have lowercase characters");
  if (policy.require_uppercase && !HasChar(password, ::isupper)) return fail("Password must have uppercase characters");
  if (policy.require_numbers && !HasChar(password, ::isdigit)) return fail("Password must have numeric characters");
  if (policy.require_symbols &&
      std::none_of(password.begin(), password.end(), [](char c) { return kSymbols.find(c) != std::string_view::npos; })) {
    return fail("Password must have symbol characters");
  }
  return std::nullopt;
}

json SchemaAttributes(const json& config) { return config.value("SchemaAttributes", json::array()); }

namespace {

int64_t UnitSeconds(const std::string& unit) {
  if (unit == "seconds") return 1;
  if (unit == "minutes") return 60;
  if (unit == "hours") return 3600;
  return 86400;  // days
}

}  // namespace

ClientSettings ReadClientSettings(const json& config) {
  ClientSettings s;
  for (const auto& f : config.value("ExplicitAuthFlows", json::array())) {
    std::string flow = f.get<std::string>();
    // Legacy names are the same permissions under older spellings.
    if (flow == "ADMIN_NO_SRP_AUTH") flow = "ALLOW_ADMIN_USER_PASSWORD_AUTH";
    if (flow == "USER_PASSWORD_AUTH") flow = "ALLOW_USER_PASSWORD_AUTH";
    if (flow == "CUSTOM_AUTH_FLOW_ONLY") flow = "ALLOW_CUSTOM_AUTH";
    s.explicit_auth_flows.insert(flow);
  }
  const json units = config.value("TokenValidityUnits", json::object());
  if (config.contains("AccessTokenValidity")) {
    s.validity.access_seconds = config["AccessTokenValidity"].get<int64_t>() * UnitSeconds(units.value("AccessToken", "hours"));
  }
  if (config.contains("IdTokenValidity")) {
    s.validity.id_seconds = config["IdTokenValidity"].get<int64_t>() * UnitSeconds(units.value("IdToken", "hours"));
  }
  int64_t refresh = config.value("RefreshTokenValidity", int64_t{30});
  if (refresh == 0) refresh = 30;
  s.validity.refresh_seconds = refresh * UnitSeconds(units.value("RefreshToken", "days"));
  s.validity.auth_session_seconds = config.value("AuthSessionValidity", int64_t{3}) * 60;
  s.prevent_user_existence_errors = config.value("PreventUserExistenceErrors", "LEGACY") == "ENABLED";
  s.enable_token_revocation = config.value("EnableTokenRevocation", true);
  if (config.contains("ReadAttributes")) s.read_attributes = config["ReadAttributes"].get<std::set<std::string>>();
  if (config.contains("WriteAttributes")) s.write_attributes = config["WriteAttributes"].get<std::set<std::string>>();
  return s;
}

Outcome<json> NormalizeClientConfig(const json& request) {
  if (!request.contains("ClientName") || !request["ClientName"].is_string()) {
    return InvalidParameter(
        "1 validation error detected: Value at 'clientName' failed to satisfy constraint: Member "
        "must not be null");
  }
  const std::string name = request["ClientName"].get<std::string>();
  if (name.empty() || name.size() > 128) {
    return InvalidParameter(
        "1 validation error detected: Value at 'clientName' failed to satisfy constraint: Member "
        "must have length between 1 and 128");
  }
  if (auto e = CheckEnumList(request, "ExplicitAuthFlows",
                             {"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH",
                              "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                              "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"})) {
    return *e;
  }
  if (auto e = CheckEnumList(request, "AllowedOAuthFlows", {"code", "implicit", "client_credentials"})) return *e;
  if (auto it = request.find("PreventUserExistenceErrors"); it != request.end()) {
    if (!it->is_string() || (*it != "LEGACY" && *it != "ENABLED")) {
      return InvalidParameter(
          "1 validation error detected: Value at 'preventUserExistenceErrors' failed to satisfy "
          "constraint: Member must satisfy enum value set: [LEGACY, ENABLED]");
    }
  }
  const json units = request.value("TokenValidityUnits", json::object());
  for (const char* u : {"AccessToken", "IdToken", "RefreshToken"}) {
    if (units.contains(u)) {
      const auto& v = units[u];
      if (!v.is_string() || (v != "seconds" && v != "minutes" && v != "hours" && v != "days")) {
        return InvalidParameter(std::string("Invalid TokenValidityUnits for ") + u);
      }
    }
  }
  auto seconds = [&](const char* field, const char* unit_field, const char* default_unit) -> std::optional<int64_t> {
    if (!request.contains(field)) return std::nullopt;
    if (!request[field].is_number_integer()) return -1;
    return request[field].get<int64_t>() * UnitSeconds(units.value(unit_field, default_unit));
  };
  if (auto s = seconds("AccessTokenValidity", "AccessToken", "hours"); s && (*s < 300 || *s > 86400)) {
    return InvalidParameter("Invalid range for token validity.");
  }
  if (auto s = seconds("IdTokenValidity", "IdToken", "hours"); s && (*s < 300 || *s > 86400)) {
    return InvalidParameter("Invalid range for token validity.");
  }
  if (auto s = seconds("RefreshTokenValidity", "RefreshToken", "days"); s && *s != 0 && (*s < 3600 || *s > 315360000)) {
    return InvalidParameter("Invalid range for token validity.");
  }
  if (auto e = CheckIntRange(request, "AuthSessionValidity", 3, 15, "authSessionValidity")) return *e;
  if (auto flows = request.find("ExplicitAuthFlows"); flows != request.end()) {
    bool legacy = false, modern = false;
    for (const auto& f : *flows) (f.get<std::string>().rfind("ALLOW_", 0) == 0 ? modern : legacy) = true;
    if (legacy && modern) {
      return InvalidParameter("ExplicitAuthFlow cannot have both ALLOW_XXX and legacy values. ");
    }
  }

  json config = json::object();
  config["ClientName"] = name;
  for (const char* field : {"RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity", "TokenValidityUnits",
                            "ReadAttributes", "WriteAttributes", "ExplicitAuthFlows", "SupportedIdentityProviders",
                            "CallbackURLs", "LogoutURLs", "DefaultRedirectURI", "AllowedOAuthFlows",
                            "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient", "AnalyticsConfiguration",
                            "PreventUserExistenceErrors", "EnableTokenRevocation",
                            "EnablePropagateAdditionalUserContextData", "AuthSessionValidity"}) {
    if (request.contains(field)) config[field] = request[field];
  }
  if (!config.contains("RefreshTokenValidity") || config["RefreshTokenValidity"] == 0) config["RefreshTokenValidity"] = 30;
  if (!config.contains("ExplicitAuthFlows")) {
    config["ExplicitAuthFlows"] = json::array({"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"});
  }
  if (!config.contains("AllowedOAuthFlowsUserPoolClient")) config["AllowedOAuthFlowsUserPoolClient"] = false;
  if (!config.contains("PreventUserExistenceErrors")) config["PreventUserExistenceErrors"] = "LEGACY";
  if (!config.contains("EnableTokenRevocation")) config["EnableTokenRevocation"] = true;
  if (!config.contains("EnablePropagateAdditionalUserContextData")) config["EnablePropagateAdditionalUserContextData"] = false;
  if (!config.contains("AuthSessionValidity")) config["AuthSessionValidity"] = 3;
  return config;
}

}  // namespace cognate
