#include "engine/crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>

#include "engine/crypto/internal/openssl_util.h"
#include "engine/crypto/random.h"

namespace cognate::crypto {
namespace {

using internal::Bytes;
using internal::Fatal;

// EVP_*Update take an int length; feed long inputs in pieces.
constexpr size_t kMaxChunk = INT_MAX / 2;

bool EncryptUpdate(EVP_CIPHER_CTX* ctx, unsigned char* out, std::string_view in) {
  while (!in.empty()) {
    const size_t n = std::min(in.size(), kMaxChunk);
    int written = 0;
    if (EVP_EncryptUpdate(ctx, out, &written, Bytes(in), static_cast<int>(n)) != 1) return false;
    if (out != nullptr) out += written;
    in.remove_prefix(n);
  }
  return true;
}

bool DecryptUpdate(EVP_CIPHER_CTX* ctx, unsigned char* out, std::string_view in) {
  while (!in.empty()) {
    const size_t n = std::min(in.size(), kMaxChunk);
    int written = 0;
    if (EVP_DecryptUpdate(ctx, out, &written, Bytes(in), static_cast<int>(n)) != 1) return false;
    if (out != nullptr) out += written;
    in.remove_prefix(n);
  }
  return true;
}

}  // namespace

std::string Seal(std::string_view key, std::string_view plaintext, std::string_view aad) {
  if (key.size() != kAeadKeySize) {
    std::fprintf(stderr, "FATAL: crypto::Seal needs a %zu-byte key, got %zu\n", kAeadKeySize,
                 key.size());
    std::abort();
  }
  std::string out = RandomBytes(kAeadNonceSize);
  out.resize(plaintext.size() + kAeadOverhead);
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  unsigned char* ciphertext = nonce + kAeadNonceSize;
  unsigned char* tag = ciphertext + plaintext.size();

  internal::EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) Fatal("EVP_CIPHER_CTX_new failed");
  // GCM's default IV length is 12 bytes, which is what we use.
  if (EVP_EncryptInit_ex(ctx.get(), internal::Aes256GcmCipher(), nullptr, Bytes(key), nonce) != 1 ||
      !EncryptUpdate(ctx.get(), nullptr, aad) || !EncryptUpdate(ctx.get(), ciphertext, plaintext)) {
    Fatal("AES-256-GCM encryption failed");
  }
  int final_len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), tag, &final_len) != 1 || final_len != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAeadTagSize), tag) !=
          1) {
    Fatal("AES-256-GCM finalisation failed");
  }
  return out;
}

Result<std::string> Open(std::string_view key, std::string_view sealed, std::string_view aad) {
  if (key.size() != kAeadKeySize) return InvalidArgumentError("AEAD key must be 32 bytes");
  if (sealed.size() < kAeadOverhead) return DataLossError("sealed value is truncated");
  const std::string_view nonce = sealed.substr(0, kAeadNonceSize);
  const std::string_view ciphertext = sealed.substr(kAeadNonceSize, sealed.size() - kAeadOverhead);
  std::string tag(sealed.substr(sealed.size() - kAeadTagSize));

  internal::EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return InternalError(internal::OpenSslError("EVP_CIPHER_CTX_new failed"));
  std::string plaintext(ciphertext.size(), '\0');
  auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
  if (EVP_DecryptInit_ex(ctx.get(), internal::Aes256GcmCipher(), nullptr, Bytes(key), Bytes(nonce)) != 1 ||
      !DecryptUpdate(ctx.get(), nullptr, aad) || !DecryptUpdate(ctx.get(), out, ciphertext) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAeadTagSize),
                          tag.data()) != 1) {
    return InternalError(internal::OpenSslError("AES-256-GCM decryption failed"));
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), out + ciphertext.size(), &final_len) != 1) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    ERR_clear_error();
    return DataLossError("sealed value failed authentication");
  }
  return plaintext;
}

}  // namespace cognate::crypto
