#include "engine/service/wire.h"

namespace cognate::wire {
namespace {

DomainError MissingField(const char* field) {
  std::string lower = field;
  if (!lower.empty()) lower[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[0])));
  return Reject(ErrorCode::kInvalidParameter,
                "1 validation error detected: Value at '" + lower +
                    "' failed to satisfy constraint: Member must not be null");
}

}  // namespace

Outcome<std::string> RequiredString(const json& request, const char* field, size_t min_len,
                                    size_t max_len) {
  auto it = request.find(field);
  if (it == request.end() || it->is_null()) return MissingField(field);
  if (!it->is_string()) {
    return Reject(ErrorCode::kInvalidParameter, std::string("Invalid type for parameter ") + field);
  }
  const std::string& value = it->get_ref<const std::string&>();
  if (value.size() < min_len || value.size() > max_len) {
    std::string lower = field;
    lower[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[0])));
    return Reject(ErrorCode::kInvalidParameter,
                  "1 validation error detected: Value at '" + lower +
                      "' failed to satisfy constraint: Member must have length between " +
                      std::to_string(min_len) + " and " + std::to_string(max_len));
  }
  return value;
}

Outcome<std::string> OptionalString(const json& request, const char* field) {
  auto it = request.find(field);
  if (it == request.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return Reject(ErrorCode::kInvalidParameter, std::string("Invalid type for parameter ") + field);
  }
  return it->get<std::string>();
}

Outcome<std::optional<bool>> OptionalBool(const json& request, const char* field) {
  auto it = request.find(field);
  if (it == request.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) {
    return Reject(ErrorCode::kInvalidParameter, std::string("Invalid type for parameter ") + field);
  }
  return std::optional<bool>(it->get<bool>());
}

Outcome<std::optional<int64_t>> OptionalInt(const json& request, const char* field, int64_t lo,
                                            int64_t hi) {
  auto it = request.find(field);
  if (it == request.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer() || it->get<int64_t>() < lo || it->get<int64_t>() > hi) {
    std::string lower = field;
    lower[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[0])));
    return Reject(ErrorCode::kInvalidParameter,
                  "1 validation error detected: Value at '" + lower +
                      "' failed to satisfy constraint: Member must have value between " +
                      std::to_string(lo) + " and " + std::to_string(hi));
  }
  return std::optional<int64_t>(it->get<int64_t>());
}

std::string Param(const json& params, const char* name) {
  auto it = params.find(name);
  return it != params.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Outcome<std::map<std::string, std::string>> Attributes(const json& request, const char* field) {
  std::map<std::string, std::string> out;
  auto it = request.find(field);
  if (it == request.end() || it->is_null()) return out;
  if (!it->is_array()) {
    return Reject(ErrorCode::kInvalidParameter, std::string("Invalid type for parameter ") + field);
  }
  for (const auto& attr : *it) {
    if (!attr.is_object() || !attr.contains("Name") || !attr["Name"].is_string()) {
      return Reject(ErrorCode::kInvalidParameter, "Attribute name is missing.");
    }
    const std::string name = attr["Name"].get<std::string>();
    if (name.empty() || name.size() > 32) {
      return Reject(ErrorCode::kInvalidParameter, "Invalid attribute name: " + name);
    }
    std::string value;
    if (attr.contains("Value") && !attr["Value"].is_null()) {
      if (!attr["Value"].is_string()) {
        return Reject(ErrorCode::kInvalidParameter, "Invalid value for attribute " + name);
      }
      value = attr["Value"].get<std::string>();
    }
    if (value.size() > 2048) {
      return Reject(ErrorCode::kInvalidParameter, "Attribute value for " + name + " is too long.");
    }
    out[name] = value;
  }
  return out;
}

json Timestamp(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

std::string FillTemplate(const std::string& text, const std::string& code,
                         const std::string& username) {
  std::string out = text;
  for (auto [placeholder, value] : {std::pair<std::string, std::string>{"{####}", code},
                                    std::pair<std::string, std::string>{"{username}", username}}) {
    for (size_t pos = out.find(placeholder); pos != std::string::npos;
         pos = out.find(placeholder, pos + value.size())) {
      out.replace(pos, placeholder.size(), value);
    }
  }
  return out;
}

std::string SrpPoolName(const std::string& pool_id) {
  auto pos = pool_id.find('_');
  return pos == std::string::npos ? pool_id : pool_id.substr(pos + 1);
}

std::string MaskDestination(const std::string& medium, const std::string& destination) {
  if (destination.empty()) return destination;
  if (medium == "EMAIL") {
    auto at = destination.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= destination.size()) return "***";
    return destination.substr(0, 1) + "***@" + destination.substr(at + 1, 1) + "***";
  }
  if (destination.size() <= 5) return destination;
  std::string masked = "+";
  masked.append(destination.size() - 5, '*');
  masked.append(destination, destination.size() - 4);
  return masked;
}

std::string MediumOf(const std::string& attribute) { return attribute == "phone_number" ? "SMS" : "EMAIL"; }

json CodeDeliveryDetails(const std::string& attribute, const std::string& value) {
  const std::string medium = MediumOf(attribute);
  return {{"Destination", MaskDestination(medium, value)}, {"DeliveryMedium", medium}, {"AttributeName", attribute}};
}

}  // namespace cognate::wire
