// Small RAII and error helpers shared by the OpenSSL-backed files of engine/crypto.
//
// Private to engine/crypto: only .cc files in this folder include it, so OpenSSL headers never
// leak into the rest of the engine. Everything here is stateless apart from OpenSSL's per-thread
// error queue, which OpenSslError() drains for the calling thread only; thread-safe.
#pragma once

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace cognate::crypto::internal {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct EvpCipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
// Secrets live in BIGNUMs, so they are cleared on release.
struct BnDeleter {
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
struct BnCtxDeleter {
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
};

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter>;
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, EvpCipherCtxDeleter>;
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxDeleter>;

// `what` followed by the reason of the most recent OpenSSL error of this thread. Drains the
// thread's error queue so that a stale entry never shows up in an unrelated later message.
inline std::string OpenSslError(const std::string& what) {
  unsigned long code = ERR_peek_last_error();
  std::string message = what;
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    message += ": ";
    message += buf;
  }
  ERR_clear_error();
  return message;
}

// Stops the process: `what` failed inside OpenSSL, which happens only when it cannot allocate
// memory or the installation is broken. Callers must not be handed a result they might trust.
[[noreturn]] inline void Fatal(const std::string& what) {
  std::fprintf(stderr, "%s\n", OpenSslError("FATAL: " + what).c_str());
  std::abort();
}

// The algorithms of the hot paths, fetched from the default provider once per process (the
// objects are immutable and shared by all threads). Passing EVP_sha256() or EVP_aes_256_gcm()
// instead makes every Init look the implementation up again, which costs more than hashing a
// short message. A provider without them is a broken installation: stop loudly.
[[noreturn]] inline void FatalFetch(const char* name) {
  Fatal(std::string("cannot fetch ") + name);
}
inline const EVP_MD* Sha256Md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) FatalFetch("SHA256");
  return md;
}
inline const EVP_CIPHER* Aes256GcmCipher() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (cipher == nullptr) FatalFetch("AES-256-GCM");
  return cipher;
}

// The bytes of `s` as OpenSSL wants them.
inline const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace cognate::crypto::internal
