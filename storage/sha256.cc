#include "storage/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace cognate::storage {
namespace {

EVP_MD_CTX* Ctx(void* p) { return static_cast<EVP_MD_CTX*>(p); }

// OpenSSL fails these only on allocation failure or a broken build; there is nothing sensible to
// return to a caller in the middle of hashing, so stop loudly rather than chain a wrong hash.
void CheckOpenSsl(int ok) {
  if (ok != 1) std::abort();
}

// Fetched once: EVP_sha256() would make every restart of the digest (one per event appended)
// look the implementation up again, which costs more than hashing the event.
const EVP_MD* Sha256Md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) std::abort();
  CheckOpenSsl(EVP_DigestInit_ex(Ctx(ctx_), Sha256Md(), nullptr));
}

Sha256::~Sha256() { EVP_MD_CTX_free(Ctx(ctx_)); }

void Sha256::Update(std::string_view data) {
  CheckOpenSsl(EVP_DigestUpdate(Ctx(ctx_), data.data(), data.size()));
}

std::string Sha256::Finish() {
  std::string out(kSha256Size, '\0');
  unsigned int size = 0;
  CheckOpenSsl(EVP_DigestFinal_ex(Ctx(ctx_), reinterpret_cast<unsigned char*>(out.data()), &size));
  CheckOpenSsl(EVP_DigestInit_ex(Ctx(ctx_), Sha256Md(), nullptr));
  return out;
}

std::string Sha256Of(std::string_view data) {
  Sha256 sha;
  sha.Update(data);
  return sha.Finish();
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

}  // namespace cognate::storage
