// Compact JWS tokens signed with RS256, shaped like Cognito's ID and access tokens.
//
// The header is always exactly {"kid":"<kid>","alg":"RS256"} (that key order, no spaces). These
// functions check structure and signatures only: callers check exp, iss, token_use, aud and
// revocation. Pure functions; thread-safe (RsaKey allows concurrent use).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "engine/crypto/rsa_key.h"
#include "engine/status.h"

namespace cognate::crypto {

// Tokens longer than this are rejected before any decoding.
inline constexpr size_t kMaxJwtSize = 64 * 1024;

// base64url(header) "." base64url(payload.dump()) "." base64url(RS256 signature).
// Strings in `payload` that are not valid UTF-8 are written with U+FFFD replacements.
// Preconditions: payload.is_object(); key.has_private_key() (the process aborts otherwise).
std::string SignJwtRs256(const RsaKey& key, const nlohmann::json& payload);

// Verifies `token` against `key` (public-only keys work) and returns its payload object.
// Errors: kInvalidArgument if the token is malformed (not three base64url parts, header or
// payload not a JSON object, too long or too deeply nested); kUnauthenticated if alg is not
// "RS256", the header has a "crit" member, kid is not key.Kid(), or the signature is wrong.
Result<nlohmann::json> VerifyJwtRs256(const RsaKey& key, std::string_view token);

// Decodes without verifying: {"header": {...}, "payload": {...}}, e.g. to pick the key by
// header.kid before VerifyJwtRs256. Never trust the payload of an unverified token.
// Errors: kInvalidArgument as for VerifyJwtRs256.
Result<nlohmann::json> DecodeJwtUnverified(std::string_view token);

}  // namespace cognate::crypto
