// SHA-256, HMAC-SHA256 and constant-time comparison.
//
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cognate::crypto {

inline constexpr size_t kSha256Size = 32;

// SHA-256 of `data` as 32 raw bytes.
std::string Sha256(std::string_view data);

// SHA-256 of `data` as 64 lowercase hex characters.
std::string Sha256Hex(std::string_view data);

// HMAC-SHA256(key, message) as 32 raw bytes. Any key length is allowed (RFC 2104).
std::string HmacSha256(std::string_view key, std::string_view message);

// True iff a and b are equal. The time taken depends only on the lengths, never on where the
// contents differ (lengths are not secret: compare fixed-size digests or MACs).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace cognate::crypto
