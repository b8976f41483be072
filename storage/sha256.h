// Sha256: incremental SHA-256 over OpenSSL EVP, plus lowercase hex encoding.
//
// A Sha256 object is thread-compatible (one thread at a time); HexEncode is thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cognate::storage {

inline constexpr size_t kSha256Size = 32;

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // The 32-byte raw digest of everything updated so far; the object restarts empty afterwards.
  std::string Finish();

 private:
  void* ctx_;  // EVP_MD_CTX*, kept opaque so that OpenSSL headers stay out of this header
};

// SHA-256 of one buffer, raw 32 bytes.
std::string Sha256Of(std::string_view data);

// Lowercase hex, two characters per byte.
std::string HexEncode(std::string_view bytes);

}  // namespace cognate::storage
