// RsaKey: an RSA key pair (or public key) for RS256 token signing, with its JWK and kid.
//
// An RsaKey is immutable after construction and cheap to copy (copies share the parsed key).
// All const methods, including concurrent SignRs256 calls on the same key, are thread-safe.
// A moved-from RsaKey may only be destroyed or assigned to.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace cognate::crypto {

class RsaKey {
 public:
  // Smallest modulus accepted by Generate and the parsers.
  static constexpr int kMinBits = 2048;
  static constexpr int kMaxBits = 16384;

  // A fresh key pair with public exponent 65537.
  // Errors: kInvalidArgument if bits is outside [kMinBits, kMaxBits]; kInternal on OpenSSL failure.
  static Result<RsaKey> Generate(int bits = 2048);

  // Parses a private key in DER: PKCS#8 PrivateKeyInfo or traditional PKCS#1 RSAPrivateKey.
  // Errors: kInvalidArgument if it does not parse, has trailing bytes, is not RSA or is smaller
  // than kMinBits.
  static Result<RsaKey> FromPrivateDer(std::string_view der);

  // Parses a public key in DER SubjectPublicKeyInfo form (what PublicDer returns). The result
  // can verify but not sign. Errors as for FromPrivateDer.
  static Result<RsaKey> FromPublicDer(std::string_view der);

  // The private key as unencrypted PKCS#8 DER (FromPrivateDer reads it back). Seal it before
  // storing. Errors: kFailedPrecondition for a public-only key; kInternal on OpenSSL failure.
  Result<std::string> ToPrivateDer() const;

  // SubjectPublicKeyInfo DER of the public key.
  const std::string& PublicDer() const;

  // Key id: standard base64 (padded, 44 characters) of SHA-256(PublicDer()).
  const std::string& Kid() const;

  // {"alg":"RS256","e":…,"kid":…,"kty":"RSA","n":…,"use":"sig"}, with n and e the big-endian
  // minimal unsigned encodings in base64url without padding.
  nlohmann::json PublicJwk() const;

  bool has_private_key() const;
  int bits() const;

  // RSASSA-PKCS1-v1_5 with SHA-256 over `message`. Precondition: has_private_key() (the process
  // aborts otherwise, as it does if OpenSSL fails to sign, which needs memory exhaustion).
  std::string SignRs256(std::string_view message) const;

  // True iff `signature` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of `message`.
  bool VerifyRs256(std::string_view message, std::string_view signature) const;

  struct Impl;  // opaque; defined in rsa_key.cc

 private:
  explicit RsaKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

  std::shared_ptr<const Impl> impl_;
};

}  // namespace cognate::crypto
