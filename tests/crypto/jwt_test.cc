#include "engine/crypto/jwt.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/crypto/encoding.h"
#include "engine/crypto/hash.h"
#include "engine/crypto/rsa_key.h"

namespace cognate::crypto {
namespace {

using nlohmann::json;

// Key generation is slow; the suite shares two keys.
class JwtTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = new RsaKey(RsaKey::Generate().value());
    other_key_ = new RsaKey(RsaKey::Generate().value());
  }
  static void TearDownTestSuite() {
    delete key_;
    delete other_key_;
  }

  static const RsaKey& key() { return *key_; }
  static const RsaKey& other_key() { return *other_key_; }

  static RsaKey* key_;
  static RsaKey* other_key_;
};

RsaKey* JwtTest::key_ = nullptr;
RsaKey* JwtTest::other_key_ = nullptr;

json SamplePayload() {
  return json{{"sub", "5f1c2b3a-0000-4000-8000-000000000001"},
              {"iss", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI"},
              {"token_use", "access"},
              {"cognito:groups", json::array({"admins", "ünïcödé"})},
              {"exp", 1736244303},
              {"iat", 1736240703}};
}

std::vector<std::string> SplitToken(const std::string& token) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot = token.find('.'); dot != std::string::npos; dot = token.find('.', start)) {
    parts.push_back(token.substr(start, dot - start));
    start = dot + 1;
  }
  parts.push_back(token.substr(start));
  return parts;
}

void ExpectCode(const Result<json>& r, StatusCode code) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), code) << r.status().ToString();
}

TEST_F(JwtTest, KidIsBase64OfSha256OfSubjectPublicKeyInfo) {
  EXPECT_EQ(key().Kid().size(), 44u);
  EXPECT_EQ(key().Kid(), Base64Encode(Sha256(key().PublicDer())));
  EXPECT_NE(key().Kid(), other_key().Kid());
  EXPECT_EQ(key().bits(), 2048);
  EXPECT_TRUE(key().has_private_key());
}

TEST_F(JwtTest, JwkHasCognitoShape) {
  const json jwk = key().PublicJwk();
  EXPECT_EQ(jwk.dump().rfind(R"({"alg":"RS256","e":"AQAB","kid":)", 0), 0u) << jwk.dump();
  EXPECT_EQ(jwk["kid"], key().Kid());
  EXPECT_EQ(jwk["kty"], "RSA");
  EXPECT_EQ(jwk["use"], "sig");
  EXPECT_EQ(jwk.size(), 6u);
  const std::string n = Base64UrlDecode(jwk["n"].get<std::string>()).value();
  EXPECT_EQ(n.size(), 256u);
  EXPECT_NE(static_cast<unsigned char>(n[0]) & 0x80, 0) << "minimal big-endian, no sign byte";
  EXPECT_EQ(jwk["n"].get<std::string>().find('='), std::string::npos);
}

// Rebuilds a public key from the JWK's n and e with OpenSSL directly and checks that it is the
// same key (same SubjectPublicKeyInfo).
TEST_F(JwtTest, JwkDecodesBackToTheSameModulus) {
  const json jwk = key().PublicJwk();
  const std::string n = Base64UrlDecode(jwk["n"].get<std::string>()).value();
  const std::string e = Base64UrlDecode(jwk["e"].get<std::string>()).value();
  EXPECT_EQ(e, std::string("\x01\x00\x01", 3));

  BIGNUM* n_bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                           static_cast<int>(n.size()), nullptr);
  BIGNUM* e_bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                           static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  ASSERT_EQ(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n_bn), 1);
  ASSERT_EQ(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e_bn), 1);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* pkey = nullptr;
  ASSERT_EQ(EVP_PKEY_fromdata_init(ctx), 1);
  ASSERT_EQ(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params), 1);
  unsigned char* der = nullptr;
  const int der_len = i2d_PUBKEY(pkey, &der);
  ASSERT_GT(der_len, 0);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(der), static_cast<size_t>(der_len)),
            key().PublicDer());
  OPENSSL_free(der);
  EVP_PKEY_free(pkey);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(n_bn);
  BN_free(e_bn);
}

TEST_F(JwtTest, PrivateDerRoundTrips) {
  const std::string der = key().ToPrivateDer().value();
  const RsaKey restored = RsaKey::FromPrivateDer(der).value();
  EXPECT_EQ(restored.Kid(), key().Kid());
  EXPECT_EQ(restored.PublicJwk(), key().PublicJwk());
  EXPECT_EQ(restored.ToPrivateDer().value(), der);
  // A token from the restored key verifies under the original and vice versa.
  EXPECT_TRUE(VerifyJwtRs256(key(), SignJwtRs256(restored, SamplePayload())).ok());
  EXPECT_TRUE(VerifyJwtRs256(restored, SignJwtRs256(key(), SamplePayload())).ok());
}

TEST_F(JwtTest, FromPrivateDerRejectsGarbage) {
  const std::string der = key().ToPrivateDer().value();
  EXPECT_EQ(RsaKey::FromPrivateDer("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RsaKey::FromPrivateDer("not der").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RsaKey::FromPrivateDer(der.substr(0, der.size() - 1)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RsaKey::FromPrivateDer(der + "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RsaKey::FromPrivateDer(key().PublicDer()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RsaKey::Generate(1024).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(JwtTest, PublicOnlyKeyVerifiesButCannotExport) {
  const RsaKey pub = RsaKey::FromPublicDer(key().PublicDer()).value();
  EXPECT_FALSE(pub.has_private_key());
  EXPECT_EQ(pub.Kid(), key().Kid());
  EXPECT_EQ(pub.PublicJwk(), key().PublicJwk());
  EXPECT_EQ(pub.ToPrivateDer().status().code(), StatusCode::kFailedPrecondition);
  const json payload = VerifyJwtRs256(pub, SignJwtRs256(key(), SamplePayload())).value();
  EXPECT_EQ(payload, SamplePayload());
  EXPECT_EQ(RsaKey::FromPublicDer(key().PublicDer() + "x").status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(JwtTest, SignThenVerifyReturnsThePayload) {
  const std::string token = SignJwtRs256(key(), SamplePayload());
  const Result<json> payload = VerifyJwtRs256(key(), token);
  ASSERT_TRUE(payload.ok()) << payload.status().ToString();
  EXPECT_EQ(*payload, SamplePayload());
}

TEST_F(JwtTest, HeaderIsExactlyKidThenAlg) {
  const std::vector<std::string> parts = SplitToken(SignJwtRs256(key(), SamplePayload()));
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(Base64UrlDecode(parts[0]).value(),
            "{\"kid\":\"" + key().Kid() + "\",\"alg\":\"RS256\"}");
  for (const std::string& part : parts) EXPECT_EQ(part.find('='), std::string::npos);
  EXPECT_EQ(Base64UrlDecode(parts[2]).value().size(), 256u);
}

TEST_F(JwtTest, DecodeUnverifiedGivesHeaderAndPayload) {
  const Result<json> decoded = DecodeJwtUnverified(SignJwtRs256(key(), SamplePayload()));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ((*decoded)["header"]["kid"], key().Kid());
  EXPECT_EQ((*decoded)["header"]["alg"], "RS256");
  EXPECT_EQ((*decoded)["payload"], SamplePayload());
  ExpectCode(DecodeJwtUnverified("a.b"), StatusCode::kInvalidArgument);
}

TEST_F(JwtTest, RejectsTamperedPayload) {
  std::vector<std::string> parts = SplitToken(SignJwtRs256(key(), SamplePayload()));
  json changed = SamplePayload();
  changed["cognito:groups"] = json::array({"admins", "superusers"});
  const std::string forged = parts[0] + "." + Base64UrlEncode(changed.dump()) + "." + parts[2];
  ExpectCode(VerifyJwtRs256(key(), forged), StatusCode::kUnauthenticated);
}

TEST_F(JwtTest, RejectsTamperedSignature) {
  const std::string token = SignJwtRs256(key(), SamplePayload());
  const size_t sig_start = token.rfind('.') + 1;
  std::string forged = token;
  char& c = forged[sig_start + 10];
  c = c == 'A' ? 'B' : 'A';
  ExpectCode(VerifyJwtRs256(key(), forged), StatusCode::kUnauthenticated);
  // Signature from another key with our kid.
  std::vector<std::string> parts = SplitToken(token);
  const std::string other_sig = Base64UrlEncode(other_key().SignRs256(parts[0] + "." + parts[1]));
  ExpectCode(VerifyJwtRs256(key(), parts[0] + "." + parts[1] + "." + other_sig),
             StatusCode::kUnauthenticated);
  ExpectCode(VerifyJwtRs256(key(), parts[0] + "." + parts[1] + "."), StatusCode::kUnauthenticated);
}

TEST_F(JwtTest, RejectsKidMismatch) {
  ExpectCode(VerifyJwtRs256(key(), SignJwtRs256(other_key(), SamplePayload())),
             StatusCode::kUnauthenticated);
}

TEST_F(JwtTest, RejectsOtherAlgorithms) {
  const std::string payload_b64 = Base64UrlEncode(SamplePayload().dump());
  const std::string kid = key().Kid();
  for (const std::string& header :
       {R"({"alg":"none","kid":")" + kid + "\"}", R"({"alg":"HS256","kid":")" + kid + "\"}",
        R"({"alg":"RS512","kid":")" + kid + "\"}", R"({"kid":")" + kid + "\"}",
        R"({"alg":["RS256"],"kid":")" + kid + "\"}",
        R"({"kid":")" + kid + R"(","alg":"RS256","crit":["exp"]})"}) {
    const std::string signing_input = Base64UrlEncode(header) + "." + payload_b64;
    const std::string token = signing_input + "." + Base64UrlEncode(key().SignRs256(signing_input));
    ExpectCode(VerifyJwtRs256(key(), token), StatusCode::kUnauthenticated);
  }
}

TEST_F(JwtTest, RejectsMalformedTokens) {
  const std::string token = SignJwtRs256(key(), SamplePayload());
  for (const std::string& bad : {
           std::string(""),
           std::string("."),
           std::string(".."),
           std::string("a.b"),
           token + ".x",
           token + "=",
           "!" + token,
           std::string(kMaxJwtSize + 1, 'a'),
           Base64UrlEncode("[1]") + "." + Base64UrlEncode("{}") + ".AAAA",
           Base64UrlEncode("{") + "." + Base64UrlEncode("{}") + ".AAAA",
       }) {
    ExpectCode(VerifyJwtRs256(key(), bad), StatusCode::kInvalidArgument);
  }
}

TEST_F(JwtTest, RejectsDeeplyNestedJson) {
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  const std::string header =
      "{\"kid\":\"" + key().Kid() + "\",\"alg\":\"RS256\",\"x\":" + deep + "}";
  const std::string token = Base64UrlEncode(header) + "." + Base64UrlEncode("{}") + ".AAAA";
  ExpectCode(DecodeJwtUnverified(token), StatusCode::kInvalidArgument);
  ExpectCode(VerifyJwtRs256(key(), token), StatusCode::kInvalidArgument);
}

TEST_F(JwtTest, PayloadMustBeAnObject) {
  const std::string header = "{\"kid\":\"" + key().Kid() + "\",\"alg\":\"RS256\"}";
  const std::string signing_input = Base64UrlEncode(header) + "." + Base64UrlEncode("[1,2]");
  const std::string token = signing_input + "." + Base64UrlEncode(key().SignRs256(signing_input));
  ExpectCode(VerifyJwtRs256(key(), token), StatusCode::kInvalidArgument);
}

TEST_F(JwtTest, InvalidUtf8InPayloadIsReplacedNotThrown) {
  const json payload = {{"name", std::string("bad\xff")}};
  const Result<json> back = VerifyJwtRs256(key(), SignJwtRs256(key(), payload));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)["name"], "bad\xef\xbf\xbd");
}

TEST_F(JwtTest, ConcurrentSigningOnOneKey) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 25; ++i) {
        json payload = SamplePayload();
        payload["jti"] = std::to_string(t) + "-" + std::to_string(i);
        const Result<json> back = VerifyJwtRs256(key(), SignJwtRs256(key(), payload));
        ASSERT_TRUE(back.ok());
        EXPECT_EQ(*back, payload);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
}

}  // namespace
}  // namespace cognate::crypto
