#include "engine/crypto/certificate.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>

#include "engine/crypto/rsa_key.h"

namespace cognate::crypto {
namespace {

constexpr int64_t kIssuedAt = 1800000000;  // 2027-01-15T08:00:00Z

// One key for the whole suite: generating RSA keys is slow.
const RsaKey& TestKey() {
  static const RsaKey key = [] {
    auto generated = RsaKey::Generate(2048);
    EXPECT_TRUE(generated.ok());
    return std::move(generated).value();
  }();
  return key;
}

TEST(Certificate, ParsesWithOpenSslAndCertifiesTheKey) {
  Result<std::string> der = SelfSignedCertificateDer(TestKey(), "us-east-1_Example", kIssuedAt);
  ASSERT_TRUE(der.ok()) << der.status().ToString();

  const unsigned char* p = reinterpret_cast<const unsigned char*>(der->data());
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der->size()));
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(p, reinterpret_cast<const unsigned char*>(der->data()) + der->size());
  unsigned char* spki = nullptr;
  const int spki_len = i2d_PUBKEY(X509_get0_pubkey(x), &spki);
  ASSERT_GT(spki_len, 0);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(spki), static_cast<size_t>(spki_len)),
            TestKey().PublicDer());
  OPENSSL_free(spki);
  EXPECT_EQ(X509_verify(x, X509_get0_pubkey(x)), 1);
  EXPECT_EQ(X509_get_signature_nid(x), NID_sha256WithRSAEncryption);
  EXPECT_EQ(X509_get_version(x), X509_VERSION_3);
  EXPECT_EQ(X509_check_ca(x), 0);
  X509_free(x);
}

TEST(Certificate, NamesThePoolAndIsValidForTenYears) {
  Result<std::string> der = SelfSignedCertificateDer(TestKey(), "us-east-1_Example", kIssuedAt);
  ASSERT_TRUE(der.ok());
  Result<CertificateInfo> info = ParseCertificateDer(*der);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->subject_cn, "us-east-1_Example");
  EXPECT_EQ(info->issuer_cn, "us-east-1_Example");
  EXPECT_EQ(info->public_key_der, TestKey().PublicDer());
  EXPECT_EQ(info->not_before_unix_seconds, kIssuedAt);
  EXPECT_EQ(info->not_after_unix_seconds, kIssuedAt + 3650LL * 86400);
  EXPECT_EQ(info->version, 3);
  EXPECT_TRUE(info->self_signed);
}

TEST(Certificate, EachCallHasItsOwnSerial) {
  Result<std::string> a = SelfSignedCertificateDer(TestKey(), "pool", kIssuedAt);
  Result<std::string> b = SelfSignedCertificateDer(TestKey(), "pool", kIssuedAt);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*a, *b);
}

TEST(Certificate, RefusesAPublicOnlyKeyAndBadArguments) {
  Result<RsaKey> public_only = RsaKey::FromPublicDer(TestKey().PublicDer());
  ASSERT_TRUE(public_only.ok());
  EXPECT_EQ(SelfSignedCertificateDer(*public_only, "pool", kIssuedAt).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(SelfSignedCertificateDer(TestKey(), "", kIssuedAt).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SelfSignedCertificateDer(TestKey(), std::string(65, 'x'), kIssuedAt).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SelfSignedCertificateDer(TestKey(), "pool", kIssuedAt, 0).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(Certificate, ParseRejectsGarbageAndTrailingBytes) {
  EXPECT_EQ(ParseCertificateDer("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCertificateDer("not a certificate").status().code(), StatusCode::kInvalidArgument);
  Result<std::string> der = SelfSignedCertificateDer(TestKey(), "pool", kIssuedAt);
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(ParseCertificateDer(*der + "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCertificateDer(der->substr(0, der->size() - 1)).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cognate::crypto
