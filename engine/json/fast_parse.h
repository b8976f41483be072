// A fast parser for the JSON shapes requests actually carry, in front of nlohmann::json::parse.
//
// nlohmann's lexer appends strings one character at a time, which made parsing the largest single
// cost of a small request (a GetUser body is little more than a 1 KB access token). This parser
// copies runs of plain string bytes at once and builds exactly the value nlohmann would build. It
// handles objects, arrays, strings without \u escapes, integers of up to 18 digits, true, false
// and null; for anything else (floats, big integers, \u escapes, deep nesting, invalid JSON) it
// declines and nlohmann decides.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace cognate::json_parse {

// The value of `text` if the fast path accepts it: then it is identical (value and number types)
// to what nlohmann::json::parse(text, nullptr, false) returns. std::nullopt means "not decided
// here": invalid JSON, or valid JSON the fast path leaves to nlohmann. Never throws.
std::optional<nlohmann::json> TryParseFast(std::string_view text);

// TryParseFast, else nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false): invalid
// input gives a discarded value, exactly as that call does.
nlohmann::json ParseOrDiscarded(std::string_view text);

}  // namespace cognate::json_parse
