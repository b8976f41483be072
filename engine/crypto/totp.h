// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP, HMAC-SHA1) and the base32 text
// form (RFC 4648 §6) in which authenticator apps exchange their shared secret.
//
// All functions are pure and thread-safe. Cognito's software token MFA uses 6 digits, a 30 second
// period and SHA-1, which are the defaults here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace cognate::crypto {

inline constexpr int kTotpDigits = 6;
inline constexpr int kTotpPeriodSeconds = 30;

// RFC 4648 base32 (A-Z 2-7), uppercase and without '=' padding, as Cognito's SecretCode.
std::string Base32Encode(std::string_view bytes);

// Inverse of Base32Encode. Case-insensitive; '=' and ' ' are skipped wherever they occur (people
// paste secrets with spaces, and other encoders pad). Errors: kInvalidArgument on any other
// character outside the alphabet, or a length no encoder produces (1, 3 or 6 symbols past a
// multiple of 8).
Result<std::string> Base32Decode(std::string_view text);

// The TOTP code of `key` at `unix_seconds`: HOTP of the time step floor(unix_seconds / period),
// `digits` decimal digits, zero-padded. Times before the epoch count as step 0.
// Preconditions (programmer errors, asserted): 1 <= digits <= 9, period >= 1.
std::string TotpCode(std::string_view key, int64_t unix_seconds, int digits = kTotpDigits,
                     int period = kTotpPeriodSeconds);

// If `code` is the TOTP code of `key` for one of the time steps t-window .. t+window, where t is
// the step of `unix_seconds`, returns that step (when several match, the one nearest t, earlier
// first); otherwise nullopt. Every candidate is computed and compared in constant time. Callers
// record the returned step and refuse a later code whose step is not greater (RFC 6238 §5.2: a
// code is accepted once). Steps before 0 are never candidates. A code of the wrong length or
// with non-digits simply does not match. Preconditions as for TotpCode; window >= 0.
std::optional<int64_t> TotpMatch(std::string_view key, std::string_view code, int64_t unix_seconds,
                                 int window = 1, int digits = kTotpDigits,
                                 int period = kTotpPeriodSeconds);

}  // namespace cognate::crypto
