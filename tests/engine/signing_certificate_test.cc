// GetSigningCertificate: one certificate per pool, made on the first call and returned unchanged
// afterwards, also by a service started again over the same log.
#include <gtest/gtest.h>

#include <string>

#include "engine/crypto/certificate.h"
#include "engine/crypto/encoding.h"
#include "engine/crypto/hash.h"
#include "tests/support/engine_fixture.h"

namespace cognate::testing {
namespace {

using SigningCertificateTest = EngineTest;

TEST_F(SigningCertificateTest, FirstCallIssuesASelfSignedCertificateForThePool) {
  const std::string pool = CreatePool();
  const uint64_t mark = LastSequence();

  json out = CallOk(&UserPoolService::GetSigningCertificate, {{"UserPoolId", pool}});

  ExpectEventsSince(mark, {"userpool.signing_certificate.issued"});
  Result<std::string> der = crypto::Base64Decode(out["Certificate"].get<std::string>());
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  Result<crypto::CertificateInfo> info = crypto::ParseCertificateDer(*der);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->subject_cn, pool);
  EXPECT_TRUE(info->self_signed);
  EXPECT_EQ(info->version, 3);
  EXPECT_EQ(info->not_before_unix_seconds, clock_.NowMs() / 1000);
  EXPECT_EQ(info->not_after_unix_seconds - info->not_before_unix_seconds, 3650LL * 86400);

  // Its key is the pool's own SAML key, not one of the token signing keys.
  auto jwks = service_.Jwks(pool);
  ASSERT_TRUE(jwks.ok());
  const std::string kid = crypto::Base64Encode(crypto::Sha256(info->public_key_der));
  const json document = json::parse(jwks.value());
  ASSERT_EQ(document["keys"].size(), 2u);
  for (const auto& key : document["keys"]) EXPECT_NE(key["kid"], kid);
}

TEST_F(SigningCertificateTest, LaterCallsReturnTheSameCertificate) {
  const std::string pool = CreatePool();
  json first = CallOk(&UserPoolService::GetSigningCertificate, {{"UserPoolId", pool}});
  clock_.AdvanceHours(24 * 400);
  const uint64_t mark = LastSequence();

  json second = CallOk(&UserPoolService::GetSigningCertificate, {{"UserPoolId", pool}});

  ExpectNoEventsSince(mark);
  EXPECT_EQ(second, first);
}

TEST_F(SigningCertificateTest, SurvivesARestart) {
  const std::string pool = CreatePool();
  json first = CallOk(&UserPoolService::GetSigningCertificate, {{"UserPoolId", pool}});

  ServiceOptions options;
  options.region = kRegion;
  options.issuer_base = kIssuerBase;
  options.master_key = kMasterKey;
  UserPoolService restarted(store_, clock_, hasher_, sink_, options);
  auto again =
      restarted.GetSigningCertificate({{"UserPoolId", pool}}, CallContext{kAdminActor, "", "", ""});

  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value(), first);
}

TEST_F(SigningCertificateTest, EachPoolHasItsOwn) {
  const std::string a = CreatePool();
  const std::string b = CreatePool();

  json cert_a = CallOk(&UserPoolService::GetSigningCertificate, {{"UserPoolId", a}});
  json cert_b = CallOk(&UserPoolService::GetSigningCertificate, {{"UserPoolId", b}});

  EXPECT_NE(cert_a, cert_b);
}

TEST_F(SigningCertificateTest, UnknownPoolIsResourceNotFound) {
  ExpectError(
      Call(&UserPoolService::GetSigningCertificate, {{"UserPoolId", "us-east-1_nosuchpol"}}),
      ErrorCode::kResourceNotFound, "User pool us-east-1_nosuchpol does not exist.");
  ExpectError(Call(&UserPoolService::GetSigningCertificate, json::object()),
              ErrorCode::kInvalidParameter);
}

}  // namespace
}  // namespace cognate::testing
