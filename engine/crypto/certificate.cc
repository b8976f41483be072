#include "engine/crypto/certificate.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>

#include "engine/crypto/internal/openssl_util.h"
#include "engine/crypto/random.h"

namespace cognate::crypto {
namespace {

using internal::Bytes;
using internal::EvpPkeyPtr;
using internal::OpenSslError;

struct X509Deleter {
  void operator()(X509* p) const { X509_free(p); }
};
struct X509ExtensionDeleter {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct Asn1TimeDeleter {
  void operator()(ASN1_TIME* p) const { ASN1_TIME_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, X509ExtensionDeleter>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, Asn1TimeDeleter>;

constexpr size_t kMaxCommonName = 64;  // ub-common-name (RFC 5280)
constexpr size_t kSerialBytes = 16;

// The private key as an EVP_PKEY that OpenSSL can sign with. RsaKey keeps its EVP_PKEY to
// itself, so the key goes through its PKCS#8 form, which is wiped afterwards.
Result<EvpPkeyPtr> SigningKeyOf(const RsaKey& key) {
  Result<std::string> der = key.ToPrivateDer();
  if (!der.ok()) return der.status();
  const unsigned char* p = Bytes(*der);
  EvpPkeyPtr pkey(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der->size())));
  OPENSSL_cleanse(der->data(), der->size());
  if (!pkey) return InternalError(OpenSslError("cannot load RSA private key"));
  return pkey;
}

// A random positive serial number of at most 127 bits (RFC 5280 §4.1.2.2: at most 20 octets,
// positive, unpredictable).
Status SetRandomSerial(X509* x) {
  std::string bytes = RandomBytes(kSerialBytes);
  bytes[0] = static_cast<char>((static_cast<unsigned char>(bytes[0]) & 0x7f) | 0x01);
  internal::BnPtr bn(BN_bin2bn(Bytes(bytes), static_cast<int>(bytes.size()), nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x)) == nullptr) {
    return InternalError(OpenSslError("cannot set certificate serial"));
  }
  return Status::Ok();
}

Status AddExtension(X509* x, X509V3_CTX* ctx, int nid, const char* value) {
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(x, ext.get(), -1) != 1) {
    return InternalError(OpenSslError("cannot add certificate extension"));
  }
  return Status::Ok();
}

// The first CN of `name`, as UTF-8; "" if none.
std::string CommonName(const X509_NAME* name) {
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return "";
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return "";
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

// Seconds since the epoch of an ASN.1 time.
Result<int64_t> UnixSeconds(const ASN1_TIME* t) {
  Asn1TimePtr epoch(ASN1_TIME_set(nullptr, 0));
  int days = 0;
  int seconds = 0;
  if (!epoch || ASN1_TIME_diff(&days, &seconds, epoch.get(), t) != 1) {
    return InvalidArgumentError(OpenSslError("unreadable certificate time"));
  }
  return int64_t{days} * 86400 + seconds;
}

}  // namespace

Result<std::string> SelfSignedCertificateDer(const RsaKey& key, std::string_view common_name,
                                             int64_t not_before_unix_seconds,
                                             int64_t validity_days) {
  if (!key.has_private_key()) return FailedPreconditionError("RSA key has no private part");
  if (common_name.empty() || common_name.size() > kMaxCommonName) {
    return InvalidArgumentError("certificate common name must be 1 to 64 bytes");
  }
  if (validity_days <= 0) return InvalidArgumentError("certificate validity must be positive");
  Result<EvpPkeyPtr> pkey = SigningKeyOf(key);
  if (!pkey.ok()) return pkey.status();

  X509Ptr x(X509_new());
  if (!x || X509_set_version(x.get(), X509_VERSION_3) != 1) {
    return InternalError(OpenSslError("cannot create certificate"));
  }
  if (Status serial = SetRandomSerial(x.get()); !serial.ok()) return serial;

  X509_NAME* name = X509_get_subject_name(x.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, Bytes(common_name),
                                 static_cast<int>(common_name.size()), -1, 0) != 1 ||
      X509_set_issuer_name(x.get(), name) != 1) {
    return InternalError(OpenSslError("cannot set certificate name"));
  }

  const auto not_before = static_cast<time_t>(not_before_unix_seconds);
  const auto not_after = static_cast<time_t>(not_before_unix_seconds + validity_days * 86400);
  if (ASN1_TIME_set(X509_getm_notBefore(x.get()), not_before) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(x.get()), not_after) == nullptr) {
    return InternalError(OpenSslError("cannot set certificate validity"));
  }
  if (X509_set_pubkey(x.get(), pkey->get()) != 1) {
    return InternalError(OpenSslError("cannot set certificate public key"));
  }

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                                   std::pair{NID_key_usage, "critical,digitalSignature"},
                                   std::pair{NID_subject_key_identifier, "hash"}}) {
    if (Status added = AddExtension(x.get(), &ctx, nid, value); !added.ok()) return added;
  }

  if (X509_sign(x.get(), pkey->get(), EVP_sha256()) <= 0) {
    return InternalError(OpenSslError("cannot sign certificate"));
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_X509(x.get(), &der);
  if (der_len <= 0) return InternalError(OpenSslError("cannot encode certificate"));
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(der_len));
  OPENSSL_free(der);
  return out;
}

Result<CertificateInfo> ParseCertificateDer(std::string_view der) {
  const unsigned char* p = Bytes(der);
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) return InvalidArgumentError(OpenSslError("cannot parse certificate"));
  if (p != Bytes(der) + der.size()) return InvalidArgumentError("trailing bytes after certificate");

  CertificateInfo info;
  EVP_PKEY* pkey = X509_get0_pubkey(x.get());
  if (pkey == nullptr)
    return InvalidArgumentError(OpenSslError("certificate has no usable public key"));
  unsigned char* spki = nullptr;
  const int spki_len = i2d_PUBKEY(pkey, &spki);
  if (spki_len <= 0) return InternalError(OpenSslError("cannot encode certificate public key"));
  info.public_key_der.assign(reinterpret_cast<const char*>(spki), static_cast<size_t>(spki_len));
  OPENSSL_free(spki);

  info.subject_cn = CommonName(X509_get_subject_name(x.get()));
  info.issuer_cn = CommonName(X509_get_issuer_name(x.get()));
  Result<int64_t> not_before = UnixSeconds(X509_get0_notBefore(x.get()));
  if (!not_before.ok()) return not_before.status();
  Result<int64_t> not_after = UnixSeconds(X509_get0_notAfter(x.get()));
  if (!not_after.ok()) return not_after.status();
  info.not_before_unix_seconds = *not_before;
  info.not_after_unix_seconds = *not_after;
  info.version = static_cast<int>(X509_get_version(x.get())) + 1;
  info.self_signed = X509_verify(x.get(), pkey) == 1;
  ERR_clear_error();
  return info;
}

}  // namespace cognate::crypto
