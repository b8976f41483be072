// Pool and client settings: validating and normalising the Cognito configuration documents
// (CreateUserPool / UpdateUserPool, CreateUserPoolClient / UpdateUserPoolClient), and typed
// views of the parts that change behaviour. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/domain_error.h"

namespace cognate {

struct PasswordPolicy {
  int minimum_length = 8;
  bool require_uppercase = true;
  bool require_lowercase = true;
  bool require_numbers = true;
  bool require_symbols = true;
  int temporary_password_validity_days = 7;
};

struct CustomAttribute {
  std::string name;  // with the "custom:" prefix
  std::string data_type = "String";
  bool mutable_ = true;
  bool developer_only = false;
  std::optional<int64_t> min_length, max_length;
  std::optional<double> min_value, max_value;
};

// What a pool's configuration means for the engine's decisions.
struct PoolSettings {
  PasswordPolicy password_policy;
  std::set<std::string> username_attributes;  // email, phone_number
  std::set<std::string> alias_attributes;     // email, phone_number, preferred_username
  std::set<std::string> auto_verified;        // email, phone_number
  // UserAttributeUpdateSettings: a new value of these waits for its verification code before it
  // replaces the old one.
  std::set<std::string> verify_before_update;
  std::set<std::string> required_attributes;  // standard attributes required at sign-up
  std::vector<CustomAttribute> custom_attributes;
  bool case_sensitive = true;
  bool admin_create_user_only = false;
  std::string email_verification_subject = "Your verification code";
  std::string email_verification_message = "Your verification code is {####}. ";
  std::string sms_verification_message = "Your verification code is {####}. ";
  std::string invite_email_subject = "Your temporary password";
  std::string invite_email_message = "Your username is {username} and temporary password is {####}. ";
  std::string invite_sms_message = "Your username is {username} and temporary password is {####}. ";

  // MFA: MfaConfiguration, and the factors SetUserPoolMfaConfig enabled. A pool never given
  // SetUserPoolMfaConfig has SMS MFA exactly when it has an SmsConfiguration (how CreateUserPool
  // and UpdateUserPool turn it on) and no other factor.
  std::string mfa_configuration = "OFF";  // OFF, ON or OPTIONAL
  bool sms_mfa_enabled = false;
  bool software_token_mfa_enabled = false;
  bool email_mfa_enabled = false;
  std::string sms_authentication_message = "Your authentication code is {####}. ";
  std::string email_mfa_subject = "Your authentication code";             // Cognate's default
  std::string email_mfa_message = "Your authentication code is {####}. ";  // Cognate's default

  // Devices (DeviceConfiguration): tracked when the pool has a DeviceConfiguration at all.
  bool device_tracking = false;
  bool challenge_required_on_new_device = false;
  bool device_only_remembered_on_user_prompt = false;
};

PoolSettings ReadPoolSettings(const nlohmann::json& config);

// Validates a CreateUserPool request body and returns the configuration to store: the given
// fields plus Cognito's defaults (password policy, schema, MFA off, ...).
Outcome<nlohmann::json> NormalizeNewPoolConfig(const nlohmann::json& request);

// Applies an UpdateUserPool request: settable fields replace the stored ones (Cognito resets
// omitted updatable fields to their defaults); fixed ones (schema, username/alias attributes)
// are kept.
Outcome<nlohmann::json> ApplyPoolUpdate(const nlohmann::json& current, const nlohmann::json& request);

// Checks a user pool tag map (UserPoolTags, TagResource's Tags): at most 50 tags, keys of 1 to
// 128 characters, string values of at most 256. `path` names the member in the message
// ("userPoolTags", "tags").
std::optional<DomainError> CheckPoolTags(const nlohmann::json& tags, const std::string& path);
inline constexpr size_t kMaxPoolTags = 50;

// Checks a password against the policy; the message is Cognito's, which words SignUp's
// refusal ("Password did not conform with policy: ...") differently from the other operations'
// ("Password does not conform to policy: ...").
enum class PasswordCheckWording { kSetPassword, kSignUp };
std::optional<DomainError> CheckPassword(const PasswordPolicy& policy, const std::string& password,
                                         PasswordCheckWording wording = PasswordCheckWording::kSetPassword);

// The pool's schema as DescribeUserPool's SchemaAttributes.
nlohmann::json SchemaAttributes(const nlohmann::json& config);

// Standard attribute names (without custom:).
bool IsStandardAttribute(const std::string& name);

struct TokenValidity {
  int64_t access_seconds = 3600;
  int64_t id_seconds = 3600;
  int64_t refresh_seconds = 30LL * 24 * 3600;
  int64_t auth_session_seconds = 180;
};

// What a client's configuration means for the engine's decisions.
struct ClientSettings {
  std::set<std::string> explicit_auth_flows;
  TokenValidity validity;
  bool prevent_user_existence_errors = false;  // ENABLED
  bool enable_token_revocation = true;
  std::optional<std::set<std::string>> read_attributes;   // unset: all readable
  std::optional<std::set<std::string>> write_attributes;  // unset: all writable
};

ClientSettings ReadClientSettings(const nlohmann::json& config);

// Validates a CreateUserPoolClient / UpdateUserPoolClient body and returns the stored config.
Outcome<nlohmann::json> NormalizeClientConfig(const nlohmann::json& request);

}  // namespace cognate
