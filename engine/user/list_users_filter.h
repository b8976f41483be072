// The ListUsers `Filter` expression: `AttributeName Operator "Value"`, one attribute per filter.
//
// Operator `=` is an exact match, `^=` a prefix match. Searchable attributes: username, email,
// phone_number, name, given_name, family_name, preferred_username, cognito:user_status, status,
// sub (custom attributes are not searchable). Whitespace around tokens is optional; the value is in
// double quotes, with `\"` and `\\` as the only escapes. An empty (or all-blank) filter means no
// filter. Pure functions on values; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace cognate::engine {

struct ListUsersFilter {
  std::string attribute;  // one of the searchable names above, as written
  bool prefix = false;    // true for ^=
  std::string value;      // unescaped
};

// nullopt for an empty filter. kInvalidArgument with "Error while parsing filter." for a syntax
// error, or "Invalid search attribute: <name>" for an attribute that cannot be searched.
Result<std::optional<ListUsersFilter>> ParseListUsersFilter(std::string_view filter);

// Whether a user's value for filter.attribute matches. cognito:user_status compares
// case-insensitively (as Cognito does); every other attribute is case-sensitive.
bool MatchesFilter(const ListUsersFilter& filter, std::string_view attribute_value);

}  // namespace cognate::engine
