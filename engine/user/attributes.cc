#include "engine/user/attributes.h"

#include <algorithm>
#include <cctype>

namespace cognate {
namespace {

const CustomAttribute* FindCustom(const PoolSettings& settings, const std::string& name) {
  for (const auto& c : settings.custom_attributes) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace

bool LooksLikeEmail(const std::string& value) {
  auto at = value.find('@');
  return at != std::string::npos && at > 0 && at + 1 < value.size() &&
         value.find('@', at + 1) == std::string::npos &&
         std::none_of(value.begin(), value.end(), [](unsigned char c) { return std::isspace(c); });
}

bool LooksLikePhoneNumber(const std::string& value) {
  return value.size() >= 3 && value.size() <= 16 && value[0] == '+' &&
         std::all_of(value.begin() + 1, value.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::optional<DomainError> CheckAttributeWrite(const PoolSettings& settings,
                                               const std::map<std::string, std::string>& attributes,
                                               bool creating, AttributeWriter writer) {
  for (const auto& [name, value] : attributes) {
    if (name == "sub") return InvalidParameter("Cannot modify an immutable attribute: sub");
    if (name.rfind("custom:", 0) == 0 || name.rfind("dev:custom:", 0) == 0) {
      const std::string custom_name = name.rfind("dev:", 0) == 0 ? name.substr(4) : name;
      const CustomAttribute* custom = FindCustom(settings, custom_name);
      if (!custom)
        return InvalidParameter("Attributes did not conform to the schema: Type for attribute {" +
                                name + "} could not be determined");
      if (!custom->mutable_ && !creating)
        return InvalidParameter("Cannot modify an immutable attribute: " + name);
      if (custom->developer_only && writer == AttributeWriter::kSelf) {
        return Reject(ErrorCode::kNotAuthorized, "A client attempted to write unauthorized attribute");
      }
      if (custom->max_length && static_cast<int64_t>(value.size()) > *custom->max_length) {
        return InvalidParameter("Attributes did not conform to the schema: " + name +
                                ": String must be no longer than " +
                                std::to_string(*custom->max_length) + " characters");
      }
      if (custom->min_length && static_cast<int64_t>(value.size()) < *custom->min_length) {
        return InvalidParameter("Attributes did not conform to the schema: " + name +
                                ": String must be no shorter than " +
                                std::to_string(*custom->min_length) + " characters");
      }
      if (custom->data_type == "Number") {
        char* end = nullptr;
        std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0')
          return InvalidParameter("Attributes did not conform to the schema: " + name +
                                  ": Number must be a number");
      }
      continue;
    }
    if (!IsStandardAttribute(name)) {
      return InvalidParameter("Attributes did not conform to the schema: Type for attribute {" +
                              name + "} could not be determined");
    }
    if ((name == "email_verified" || name == "phone_number_verified")) {
      // Only the pool's owner may vouch for an address; a user proves it with a code.
      if (writer == AttributeWriter::kSelf) {
        return Reject(ErrorCode::kNotAuthorized, "A client attempted to write unauthorized attribute");
      }
      if (value != "true" && value != "false")
        return InvalidParameter("Attributes did not conform to the schema: " + name +
                                ": Value must be true or false");
    }
    if (name == "email" && !value.empty() && !LooksLikeEmail(value))
      return InvalidParameter("Invalid email address format.");
    if (name == "phone_number" && !value.empty() && !LooksLikePhoneNumber(value))
      return InvalidParameter("Invalid phone number format.");
    if (name == "birthdate" && !value.empty() && value.size() != 10) {
      return InvalidParameter(
          "Attributes did not conform to the schema: birthdate: Invalid date format. Expected "
          "format: YYYY-MM-DD");
    }
  }
  return std::nullopt;
}

std::optional<DomainError> CheckRequiredAttributes(const PoolSettings& settings,
                                                   const std::map<std::string, std::string>& attributes) {
  for (const auto& required : settings.required_attributes) {
    auto it = attributes.find(required);
    if (it == attributes.end() || it->second.empty()) {
      return InvalidParameter("Attributes did not conform to the schema: " + required +
                              ": The attribute " + required + " is required");
    }
  }
  return std::nullopt;
}

Outcome<NewUserIdentity> NewIdentity(const PoolSettings& settings, const std::string& typed_username,
                                     const std::string& sub,
                                     std::map<std::string, std::string> attributes) {
  if (typed_username.empty() || typed_username.size() > 128 ||
      std::any_of(typed_username.begin(), typed_username.end(),
                  [](unsigned char c) { return std::isspace(c) || std::iscntrl(c); })) {
    return InvalidParameter(
        "1 validation error detected: Value at 'username' failed to satisfy constraint: Member "
        "must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+");
  }
  NewUserIdentity identity;
  if (!settings.username_attributes.empty()) {
    const bool email_ok = settings.username_attributes.count("email") && LooksLikeEmail(typed_username);
    const bool phone_ok = settings.username_attributes.count("phone_number") && LooksLikePhoneNumber(typed_username);
    if (!email_ok && !phone_ok) {
      if (settings.username_attributes.size() == 2)
        return InvalidParameter("Username should be either an email or a phone number.");
      return InvalidParameter(settings.username_attributes.count("email")
                                  ? "Username should be an email."
                                  : "Username should be a phone number.");
    }
    attributes[email_ok ? "email" : "phone_number"] = typed_username;
    identity.username = sub;
  } else {
    if (settings.alias_attributes.count("email") && LooksLikeEmail(typed_username)) {
      return InvalidParameter(
          "Username cannot be of email format, since user pool is configured for email alias.");
    }
    if (settings.alias_attributes.count("phone_number") && LooksLikePhoneNumber(typed_username)) {
      return InvalidParameter(
          "Username cannot be of phone number format, since user pool is configured for "
          "phone_number alias.");
    }
    identity.username = typed_username;
  }
  attributes["sub"] = sub;
  identity.attributes = std::move(attributes);
  return identity;
}

}  // namespace cognate
