// Byte-to-text encodings: base64 (RFC 4648 §4), base64url (§5) and hex.
//
// All functions are pure and thread-safe. Encoders take arbitrary bytes in a string_view and
// never fail. Decoders are strict: they accept exactly the canonical form described on each
// function and return kInvalidArgument for anything else (a bad character, wrong padding,
// whitespace, a length no encoder produces, or non-zero unused bits in the last character).
#pragma once

#include <string>
#include <string_view>

#include "engine/status.h"

namespace cognate::crypto {

// Standard alphabet (A-Z a-z 0-9 + /), padded with '=' to a multiple of 4 characters.
std::string Base64Encode(std::string_view data);

// Inverse of Base64Encode. The input must be padded (length a multiple of 4).
Result<std::string> Base64Decode(std::string_view text);

// Standard alphabet without '=' padding (as in PHC password hash strings).
std::string Base64EncodeNoPadding(std::string_view data);

// Inverse of Base64EncodeNoPadding. Padding is rejected.
Result<std::string> Base64DecodeNoPadding(std::string_view text);

// URL-safe alphabet (A-Z a-z 0-9 - _), without padding (as in JWTs and JWKs).
std::string Base64UrlEncode(std::string_view data);

// Inverse of Base64UrlEncode. Accepts the text with or without '=' padding; when padding is
// present it must be complete (length a multiple of 4).
Result<std::string> Base64UrlDecode(std::string_view text);

// Lowercase hex, two characters per byte.
std::string HexEncode(std::string_view data);

// Inverse of HexEncode. Accepts upper- and lowercase digits; the length must be even.
Result<std::string> HexDecode(std::string_view text);

}  // namespace cognate::crypto
