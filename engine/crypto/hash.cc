#include "engine/crypto/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "engine/crypto/encoding.h"
#include "engine/crypto/internal/openssl_util.h"

namespace cognate::crypto {
namespace {

// SHA-256 and HMAC cannot fail short of memory exhaustion inside OpenSSL; treat that as fatal
// rather than hand callers a digest they might compare against.
[[noreturn]] void Fatal(const char* what) {
  std::fprintf(stderr, "%s\n", internal::OpenSslError(std::string("FATAL: ") + what).c_str());
  std::abort();
}

}  // namespace

std::string Sha256(std::string_view data) {
  std::string out(kSha256Size, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                 EVP_sha256(), nullptr) != 1 ||
      len != kSha256Size) {
    Fatal("SHA-256 failed");
  }
  return out;
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

std::string HmacSha256(std::string_view key, std::string_view message) {
  if (key.size() > INT_MAX) {
    // RFC 2104 hashes keys longer than the block size first; doing it here is equivalent and
    // keeps the length within HMAC()'s int.
    return HmacSha256(Sha256(key), message);
  }
  std::string out(kSha256Size, '\0');
  unsigned int len = 0;
  // HMAC() treats a null key as "reuse the previous key"; always pass a real pointer.
  static const unsigned char kEmpty = 0;
  const unsigned char* key_ptr = key.empty() ? &kEmpty : internal::Bytes(key);
  if (HMAC(EVP_sha256(), key_ptr, static_cast<int>(key.size()), internal::Bytes(message),
           message.size(), reinterpret_cast<unsigned char*>(out.data()), &len) == nullptr ||
      len != kSha256Size) {
    Fatal("HMAC-SHA256 failed");
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace cognate::crypto
