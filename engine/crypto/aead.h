// AES-256-GCM authenticated encryption, used to keep secrets (RSA private keys, SRP verifiers,
// SRP state inside SECRET_BLOCK) encrypted under a 32-byte master key.
//
// Sealed format: nonce (12 random bytes) ‖ ciphertext (same length as the plaintext) ‖ tag (16).
// A fresh random nonce per Seal: keep well under 2^32 seals per key (NIST SP 800-38D §8.3).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace cognate::crypto {

inline constexpr size_t kAeadKeySize = 32;
inline constexpr size_t kAeadNonceSize = 12;
inline constexpr size_t kAeadTagSize = 16;
inline constexpr size_t kAeadOverhead = kAeadNonceSize + kAeadTagSize;

// Encrypts and authenticates `plaintext`, also authenticating (not encrypting) `aad`, e.g. the
// id of the record the secret belongs to, so that a sealed value cannot be moved to another
// record. Returns plaintext.size() + kAeadOverhead bytes.
// Precondition: key.size() == kAeadKeySize (the process aborts otherwise: validate configured
// keys when they are loaded).
std::string Seal(std::string_view key, std::string_view plaintext, std::string_view aad);

// Inverse of Seal with the same key and aad. Errors: kInvalidArgument if the key is not 32
// bytes; kDataLoss if `sealed` is too short or fails authentication (tampered, truncated, wrong
// key or wrong aad; the cases are deliberately indistinguishable).
Result<std::string> Open(std::string_view key, std::string_view sealed, std::string_view aad);

}  // namespace cognate::crypto
