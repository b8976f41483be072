// Self-signed X.509 certificates for a pool's RSA keys (the SAML signing certificate that
// GetSigningCertificate returns), and a reader for the fields callers and tests check.
//
// All functions are thread-safe: they share no state (the serial number comes from the system's
// random source).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/crypto/rsa_key.h"
#include "engine/status.h"

namespace cognate::crypto {

// Ten years, as Cognito's signing certificates are valid for.
inline constexpr int64_t kCertificateValidityDays = 3650;

// An X.509 v3 certificate in DER for `key`'s public key, signed with `key` itself
// (sha256WithRSAEncryption): subject and issuer CN=<common_name>, a random positive 127-bit
// serial, valid from `not_before_unix_seconds` for `validity_days`, with basicConstraints
// CA:FALSE, keyUsage digitalSignature (critical) and a subjectKeyIdentifier. Every call makes a
// new serial, so callers that want a stable certificate store the result.
// Errors: kFailedPrecondition for a public-only key; kInvalidArgument for an empty or over-long
// (> 64 bytes) common name or a non-positive validity; kInternal on OpenSSL failure.
Result<std::string> SelfSignedCertificateDer(const RsaKey& key, std::string_view common_name,
                                             int64_t not_before_unix_seconds,
                                             int64_t validity_days = kCertificateValidityDays);

// What ParseCertificateDer reads from a certificate.
struct CertificateInfo {
  std::string public_key_der;  // SubjectPublicKeyInfo, comparable with RsaKey::PublicDer()
  std::string subject_cn;
  std::string issuer_cn;
  int64_t not_before_unix_seconds = 0;
  int64_t not_after_unix_seconds = 0;
  int version = 0;           // 3 for X.509 v3
  bool self_signed = false;  // the signature verifies with the certificate's own public key
};

// Parses a DER certificate. Errors: kInvalidArgument if it does not parse or has trailing bytes.
Result<CertificateInfo> ParseCertificateDer(std::string_view der);

}  // namespace cognate::crypto
