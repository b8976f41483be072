// Small decoders and encoders for Cognito's request/response documents, with Cognito's
// validation messages. Pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/domain_error.h"

namespace cognate::wire {

using json = nlohmann::json;

// A required string member of `request` with a length in [min_len, max_len].
Outcome<std::string> RequiredString(const json& request, const char* field, size_t min_len,
                                    size_t max_len);
// An optional string member ("" when absent); InvalidParameter if present but not a string.
Outcome<std::string> OptionalString(const json& request, const char* field);
// An optional boolean member.
Outcome<std::optional<bool>> OptionalBool(const json& request, const char* field);
// An optional integer member within [lo, hi].
Outcome<std::optional<int64_t>> OptionalInt(const json& request, const char* field, int64_t lo,
                                            int64_t hi);

// A string member of an AuthParameters / ChallengeResponses map ("" when absent or not a string).
std::string Param(const json& params, const char* name);

// A list of {"Name","Value"} attribute objects as a map; InvalidParameter on a malformed entry.
Outcome<std::map<std::string, std::string>> Attributes(const json& request, const char* field);

// Epoch seconds with millisecond fraction, as Cognito's timestamps are.
json Timestamp(int64_t ms);

// Replaces {####} with the code and {username} with the username.
std::string FillTemplate(const std::string& text, const std::string& code,
                         const std::string& username);

// Cognito's SRP "pool name": the pool id after '_'.
std::string SrpPoolName(const std::string& pool_id);

// "j***@e***" for an email, "+*******1234" for a phone number.
std::string MaskDestination(const std::string& medium, const std::string& destination);

// "SMS" for phone_number, "EMAIL" for email: how a code sent to `attribute` travels.
std::string MediumOf(const std::string& attribute);

// CodeDeliveryDetailsType for a code sent to `attribute`, whose value is `value`.
json CodeDeliveryDetails(const std::string& attribute, const std::string& value);

}  // namespace cognate::wire
