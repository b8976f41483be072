#include "engine/crypto/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine/crypto/encoding.h"
#include "engine/crypto/internal/openssl_util.h"

namespace cognate::crypto {
namespace {

// SHA-256 and HMAC cannot fail short of memory exhaustion inside OpenSSL; that is fatal rather
// than a digest handed to callers who might compare against it.
using internal::Fatal;

}  // namespace

std::string Sha256(std::string_view data) {
  std::string out(kSha256Size, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                 internal::Sha256Md(), nullptr) != 1 ||
      len != kSha256Size) {
    Fatal("SHA-256 failed");
  }
  return out;
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

// RFC 2104 over the fetched SHA-256: H((K ^ opad) || H((K ^ ipad) || message)), K being the key
// zero-padded to a block, or its digest if it is longer. OpenSSL's HMAC() computes the same but
// looks the digest up by name on every call, which took six times as long for a short message.
std::string HmacSha256(std::string_view key, std::string_view message) {
  constexpr size_t kBlockSize = 64;
  std::array<unsigned char, kBlockSize> block{};
  if (key.size() > kBlockSize) {
    std::string digest = Sha256(key);
    std::memcpy(block.data(), digest.data(), digest.size());
    OPENSSL_cleanse(digest.data(), digest.size());
  } else if (!key.empty()) {
    std::memcpy(block.data(), key.data(), key.size());
  }
  std::array<unsigned char, kBlockSize> pad;
  std::string out(kSha256Size, '\0');
  auto* digest = reinterpret_cast<unsigned char*>(out.data());
  unsigned int len = 0;
  internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  bool ok = ctx != nullptr;
  constexpr unsigned char kInnerPad = 0x36, kOuterPad = 0x5c;
  for (const unsigned char mask : {kInnerPad, kOuterPad}) {
    for (size_t i = 0; i < kBlockSize; ++i) pad[i] = static_cast<unsigned char>(block[i] ^ mask);
    // The inner pass hashes the message; the outer one, the inner digest.
    const std::string_view text = mask == kInnerPad ? message : std::string_view(out);
    ok = ok && EVP_DigestInit_ex(ctx.get(), internal::Sha256Md(), nullptr) == 1 &&
         EVP_DigestUpdate(ctx.get(), pad.data(), pad.size()) == 1 &&
         EVP_DigestUpdate(ctx.get(), text.data(), text.size()) == 1 &&
         EVP_DigestFinal_ex(ctx.get(), digest, &len) == 1 && len == kSha256Size;
  }
  OPENSSL_cleanse(block.data(), block.size());
  OPENSSL_cleanse(pad.data(), pad.size());
  if (!ok) Fatal("HMAC-SHA256 failed");
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace cognate::crypto
