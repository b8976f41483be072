// UTF-8 well-formedness, for strings that leave the sandbox as JSON (responses, logs, errors).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace cognate::triggers {

// True if `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view text);

// `text` with every ill-formed sequence replaced by U+FFFD (one per offending byte).
std::string SanitizeUtf8(std::string_view text);

}  // namespace cognate::triggers
