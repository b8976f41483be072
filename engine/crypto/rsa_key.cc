#include "engine/crypto/rsa_key.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "engine/crypto/encoding.h"
#include "engine/crypto/hash.h"
#include "engine/crypto/internal/openssl_util.h"

namespace cognate::crypto {

using internal::Bytes;
using internal::EvpPkeyPtr;
using internal::OpenSslError;

struct RsaKey::Impl {
  EvpPkeyPtr pkey;
  bool has_private = false;
  int bits = 0;
  std::string public_der;
  std::string kid;
  std::string n_b64url;
  std::string e_b64url;
};

namespace {

Result<std::string> BnParamBytes(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
    return InternalError(OpenSslError(std::string("cannot read RSA parameter ") + name));
  }
  internal::BnPtr bn(raw);
  std::string out(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

bool HasPrivateComponent(const EVP_PKEY* pkey) {
  BIGNUM* d = nullptr;
  const bool has = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_D, &d) == 1 && d != nullptr;
  BN_clear_free(d);
  ERR_clear_error();
  return has;
}

// Builds the immutable Impl, deriving everything that PublicJwk/Kid need once.
Result<std::shared_ptr<const RsaKey::Impl>> MakeImpl(EvpPkeyPtr pkey) {
  if (EVP_PKEY_is_a(pkey.get(), "RSA") != 1) return InvalidArgumentError("not an RSA key");
  auto impl = std::make_shared<RsaKey::Impl>();
  impl->bits = EVP_PKEY_get_bits(pkey.get());
  if (impl->bits < RsaKey::kMinBits || impl->bits > RsaKey::kMaxBits) {
    return InvalidArgumentError("RSA key size out of range");
  }
  impl->has_private = HasPrivateComponent(pkey.get());

  unsigned char* der = nullptr;
  const int der_len = i2d_PUBKEY(pkey.get(), &der);
  if (der_len <= 0) return InternalError(OpenSslError("cannot encode RSA public key"));
  impl->public_der.assign(reinterpret_cast<const char*>(der), static_cast<size_t>(der_len));
  OPENSSL_free(der);
  impl->kid = Base64Encode(Sha256(impl->public_der));

  Result<std::string> n = BnParamBytes(pkey.get(), OSSL_PKEY_PARAM_RSA_N);
  if (!n.ok()) return n.status();
  Result<std::string> e = BnParamBytes(pkey.get(), OSSL_PKEY_PARAM_RSA_E);
  if (!e.ok()) return e.status();
  impl->n_b64url = Base64UrlEncode(*n);
  impl->e_b64url = Base64UrlEncode(*e);
  impl->pkey = std::move(pkey);
  return std::shared_ptr<const RsaKey::Impl>(std::move(impl));
}

}  // namespace

Result<RsaKey> RsaKey::Generate(int bits) {
  if (bits < kMinBits || bits > kMaxBits) return InvalidArgumentError("RSA key size out of range");
  EvpPkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
  if (!pkey) return InternalError(OpenSslError("RSA key generation failed"));
  Result<std::shared_ptr<const Impl>> impl = MakeImpl(std::move(pkey));
  if (!impl.ok()) return impl.status();
  return RsaKey(std::move(*impl));
}

Result<RsaKey> RsaKey::FromPrivateDer(std::string_view der) {
  const unsigned char* p = Bytes(der);
  EvpPkeyPtr pkey(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
  if (!pkey) return InvalidArgumentError(OpenSslError("cannot parse RSA private key"));
  if (p != Bytes(der) + der.size()) return InvalidArgumentError("trailing bytes after private key");
  if (EVP_PKEY_is_a(pkey.get(), "RSA") != 1 || !HasPrivateComponent(pkey.get())) {
    return InvalidArgumentError("not an RSA private key");
  }
  Result<std::shared_ptr<const Impl>> impl = MakeImpl(std::move(pkey));
  if (!impl.ok()) return impl.status();
  return RsaKey(std::move(*impl));
}

Result<RsaKey> RsaKey::FromPublicDer(std::string_view der) {
  const unsigned char* p = Bytes(der);
  EvpPkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!pkey) return InvalidArgumentError(OpenSslError("cannot parse RSA public key"));
  if (p != Bytes(der) + der.size()) return InvalidArgumentError("trailing bytes after public key");
  Result<std::shared_ptr<const Impl>> impl = MakeImpl(std::move(pkey));
  if (!impl.ok()) return impl.status();
  return RsaKey(std::move(*impl));
}

Result<std::string> RsaKey::ToPrivateDer() const {
  if (!impl_->has_private) return FailedPreconditionError("RSA key has no private part");
  PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(impl_->pkey.get());
  if (p8 == nullptr) return InternalError(OpenSslError("cannot convert RSA key to PKCS#8"));
  unsigned char* der = nullptr;
  const int der_len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
  PKCS8_PRIV_KEY_INFO_free(p8);
  if (der_len <= 0) return InternalError(OpenSslError("cannot encode RSA private key"));
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(der_len));
  OPENSSL_clear_free(der, static_cast<size_t>(der_len));
  return out;
}

const std::string& RsaKey::PublicDer() const { return impl_->public_der; }

const std::string& RsaKey::Kid() const { return impl_->kid; }

nlohmann::json RsaKey::PublicJwk() const {
  // nlohmann::json objects keep keys sorted, which is also the order Cognito's JWKS shows.
  return nlohmann::json{{"alg", "RS256"}, {"e", impl_->e_b64url}, {"kid", impl_->kid},
                        {"kty", "RSA"},   {"n", impl_->n_b64url}, {"use", "sig"}};
}

bool RsaKey::has_private_key() const { return impl_->has_private; }

int RsaKey::bits() const { return impl_->bits; }

std::string RsaKey::SignRs256(std::string_view message) const {
  if (!impl_->has_private) {
    std::fprintf(stderr, "FATAL: RsaKey::SignRs256 on a public-only key\n");
    std::abort();
  }
  // A fresh context per call: EVP_PKEY is shared read-only, contexts are not shareable.
  internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  size_t sig_len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, internal::Sha256Md(), nullptr, impl_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_len, Bytes(message), message.size()) != 1) {
    std::fprintf(stderr, "%s\n", OpenSslError("FATAL: RS256 signing failed").c_str());
    std::abort();
  }
  std::string sig(sig_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
                     Bytes(message), message.size()) != 1) {
    std::fprintf(stderr, "%s\n", OpenSslError("FATAL: RS256 signing failed").c_str());
    std::abort();
  }
  sig.resize(sig_len);
  return sig;
}

bool RsaKey::VerifyRs256(std::string_view message, std::string_view signature) const {
  internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, internal::Sha256Md(), nullptr, impl_->pkey.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(message),
                       message.size()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

}  // namespace cognate::crypto
