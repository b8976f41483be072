// SigV4 verification against AWS's published aws-sig-v4-test-suite vectors (transcribed as data),
// a request captured from botocore 1.43.11, and every error the verifier can answer.
#include "api/sigv4.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace cognate::api {
namespace {

using std::chrono::system_clock;

constexpr char kAccessKey[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kSuiteDate[] = "20150830T123600Z";
constexpr char kSuiteHost[] = "example.amazonaws.com";

system_clock::time_point SuiteTime() {
  using namespace std::chrono;
  return system_clock::time_point(sys_days(year{2015} / 8 / 30)) + hours(12) + minutes(36);
}

std::optional<std::string> Lookup(std::string_view key) {
  if (key == kAccessKey) return std::string(kSecret);
  return std::nullopt;
}

// One test-suite case: the request as the server would see it (lowercase header names, raw path
// and query) and the published Authorization header.
struct SuiteCase {
  const char* name;
  const char* method;
  std::string path;
  std::string query;
  std::map<std::string, std::string> extra_headers;  // besides host and x-amz-date
  std::string body;
  const char* signed_headers;
  const char* signature;
};

constexpr char kStsToken[] =
    "AQoDYXdzEPT//////////"
    "wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIe"
    "oIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/"
    "kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq"
    "5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+"
    "scqKmlzm8FDrypNC"
    "9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

const std::vector<SuiteCase>& SuiteCases() {
  static const std::vector<SuiteCase> cases = {
      {"get-vanilla",
       "GET",
       "/",
       "",
       {},
       "",
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-query-order-key-case",
       "GET",
       "/",
       "Param2=value2&Param1=value1",
       {},
       "",
       "host;x-amz-date",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-utf8-query",
       "GET",
       "/",
       "\xe1\x88\xb4=bar",
       {},
       "",
       "host;x-amz-date",
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-header-value-trim",
       "GET",
       "/",
       "",
       {{"my-header1", " value1"}, {"my-header2", " \"a   b   c\""}},
       "",
       "host;my-header1;my-header2;x-amz-date",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-header-key-duplicate",
       "GET",
       "/",
       "",
       {{"my-header1", "value2,value2,value1"}},
       "",
       "host;my-header1;x-amz-date",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-unreserved",
       "GET",
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       "",
       {},
       "",
       "host;x-amz-date",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-utf8",
       "GET",
       "/\xe1\x88\xb4",
       "",
       {},
       "",
       "host;x-amz-date",
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"normalize-path/get-space",
       "GET",
       "/example space/",
       "",
       {},
       "",
       "host;x-amz-date",
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
      {"normalize-path/get-slashes",
       "GET",
       "//example//",
       "",
       {},
       "",
       "host;x-amz-date",
       "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
      {"normalize-path/get-slash-dot-slash",
       "GET",
       "/./",
       "",
       {},
       "",
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"normalize-path/get-relative-relative",
       "GET",
       "/example1/example2/../..",
       "",
       {},
       "",
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"post-vanilla",
       "POST",
       "/",
       "",
       {},
       "",
       "host;x-amz-date",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-vanilla-query",
       "POST",
       "/",
       "Param1=value1",
       {},
       "",
       "host;x-amz-date",
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
      {"post-header-key-sort",
       "POST",
       "/",
       "",
       {{"my-header1", "value1"}},
       "",
       "host;my-header1;x-amz-date",
       "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
      {"post-header-value-case",
       "POST",
       "/",
       "",
       {{"my-header1", "VALUE1"}},
       "",
       "host;my-header1;x-amz-date",
       "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
      {"post-x-www-form-urlencoded",
       "POST",
       "/",
       "",
       {{"content-type", "application/x-www-form-urlencoded"}},
       "Param1=value1",
       "content-type;host;x-amz-date",
       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
      {"post-x-www-form-urlencoded-parameters",
       "POST",
       "/",
       "",
       {{"content-type", "application/x-www-form-urlencoded; charset=utf8"}},
       "Param1=value1",
       "content-type;host;x-amz-date",
       "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
      {"post-sts-token/post-sts-header-before",
       "POST",
       "/",
       "",
       {{"x-amz-security-token", kStsToken}},
       "",
       "host;x-amz-date;x-amz-security-token",
       "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"},
  };
  return cases;
}

std::string SuiteAuthorization(const SuiteCase& c) {
  return std::string(
             "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
             "aws4_request, SignedHeaders=") +
         c.signed_headers + ", Signature=" + c.signature;
}

std::map<std::string, std::string> SuiteHeaders(const SuiteCase& c) {
  std::map<std::string, std::string> headers = c.extra_headers;
  headers["host"] = kSuiteHost;
  headers["x-amz-date"] = kSuiteDate;
  return headers;
}

SigV4Request MakeRequest(const std::string& method, const std::string& path,
                         const std::string& query,
                         const std::map<std::string, std::string>& headers, std::string_view body) {
  SigV4Request r;
  r.method = method;
  r.path = path;
  r.query = query;
  r.headers = &headers;
  r.body = body;
  return r;
}

TEST(SigV4Suite, VerifiesPublishedSignatures) {
  for (const SuiteCase& c : SuiteCases()) {
    SCOPED_TRACE(c.name);
    auto headers = SuiteHeaders(c);
    headers["authorization"] = SuiteAuthorization(c);
    auto result =
        VerifySigV4(MakeRequest(c.method, c.path, c.query, headers, c.body), Lookup, SuiteTime());
    ASSERT_TRUE(result.ok()) << result.status().message();
    EXPECT_EQ(result->access_key_id, "AKIDEXAMPLE");
    EXPECT_EQ(result->region, "us-east-1");
    EXPECT_EQ(result->service, "service");
  }
}

TEST(SigV4Suite, SignerReproducesPublishedAuthorization) {
  for (const SuiteCase& c : SuiteCases()) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(SigV4Authorization(c.method, c.path, c.query, SuiteHeaders(c), c.body, kAccessKey,
                                 kSecret, "us-east-1", "service", kSuiteDate),
              SuiteAuthorization(c));
  }
}

TEST(SigV4Suite, SessionTokenIsReported) {
  const SuiteCase& c = SuiteCases().back();
  ASSERT_EQ(std::string(c.name), "post-sts-token/post-sts-header-before");
  auto headers = SuiteHeaders(c);
  headers["authorization"] = SuiteAuthorization(c);
  auto result = VerifySigV4(MakeRequest("POST", "/", "", headers, ""), Lookup, SuiteTime());
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->session_token, kStsToken);
}

// Captured from botocore 1.43.11 (aws-cli's engine): cognito-idp ListUsers against
// --endpoint-url http://127.0.0.1:9230, as it went on the wire.
TEST(SigV4Botocore, VerifiesCapturedCognitoRequest) {
  const std::string body =
      R"({"UserPoolId": "us-east-1_AbCdEf123", "Filter": "email ^= \"a\"", "Limit": 10})";
  std::map<std::string, std::string> headers = {
      {"host", "127.0.0.1:9230"},
      {"x-amz-target", "AWSCognitoIdentityProviderService.ListUsers"},
      {"content-type", "application/x-amz-json-1.1"},
      {"user-agent",
       "Botocore/1.43.11 ua/2.1 os/linux#6.18.44-fc-v657 md/arch#x86_64 lang/python#3.11.7 "
       "md/pyimpl#CPython m/b,Z,D,N,e cfg/retry-mode#legacy"},
      {"x-amz-date", "20261123T005559Z"},
      {"authorization",
       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/us-east-1/cognito-idp/aws4_request, "
       "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
       "Signature=064233358d510dee4383ce25efe363870fd37a878010a0844f289e6de39b73b0"},
      {"amz-sdk-invocation-id", "686fd2b1-e17d-49d2-a17a-f66d1b28621a"},
      {"amz-sdk-request", "attempt=1"},
      {"content-length", "78"},
  };
  using namespace std::chrono;
  auto now = system_clock::time_point(sys_days(year{2026} / 11 / 23)) + minutes(56);
  auto result = VerifySigV4(MakeRequest("POST", "/", "", headers, body), Lookup, now);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->service, "cognito-idp");
  EXPECT_EQ(result->region, "us-east-1");

  // Our signer, given the headers botocore signs, produces the same header.
  std::map<std::string, std::string> to_sign = {
      {"content-type", headers["content-type"]}, {"host", headers["host"]},
      {"x-amz-date", headers["x-amz-date"]},     {"x-amz-target", headers["x-amz-target"]},
      {"user-agent", headers["user-agent"]},  // never signed
  };
  EXPECT_EQ(SigV4Authorization("POST", "/", "", to_sign, body, kAccessKey, kSecret, "us-east-1",
                               "cognito-idp", "20261123T005559Z"),
            headers["authorization"]);
}

// ---- errors ------------------------------------------------------------------------------------

class SigV4Errors : public ::testing::Test {
 protected:
  // A freshly signed botocore-shaped cognito-idp request at the suite time.
  void SetUp() override {
    headers_ = {{"host", "cognito-idp.us-east-1.amazonaws.com"},
                {"content-type", "application/x-amz-json-1.1"},
                {"x-amz-target", "AWSCognitoIdentityProviderService.AdminGetUser"},
                {"x-amz-date", kSuiteDate}};
    body_ = R"({"UserPoolId":"us-east-1_abc","Username":"bob"})";
    Sign(kSecret);
  }
  void Sign(const std::string& secret) {
    headers_.erase("authorization");
    headers_["authorization"] = SigV4Authorization("POST", "/", "", headers_, body_, kAccessKey,
                                                   secret, "us-east-1", "cognito-idp", kSuiteDate);
  }
  Result<SigV4Result> Verify(system_clock::time_point now = SuiteTime()) {
    return VerifySigV4(MakeRequest("POST", "/", "", headers_, body_), Lookup, now);
  }
  void ExpectError(const Result<SigV4Result>& result, const std::string& name) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(SigV4ErrorName(result.status()), name) << result.status().message();
  }

  std::map<std::string, std::string> headers_;
  std::string body_;
};

TEST_F(SigV4Errors, CorrectlySignedRequestPasses) {
  auto result = Verify();
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->access_key_id, kAccessKey);
  EXPECT_EQ(result->service, "cognito-idp");
  EXPECT_EQ(result->session_token, "");
}

TEST_F(SigV4Errors, WrongSecretIsInvalidSignature) {
  Sign("not-the-secret");
  auto result = Verify();
  ExpectError(result, "InvalidSignatureException");
  EXPECT_EQ(result.status().message(),
            "InvalidSignatureException: The request signature we calculated does not match the "
            "signature you provided. Check your AWS Secret Access Key and signing method. Consult "
            "the service documentation for details.");
}

TEST_F(SigV4Errors, UnknownAccessKeyIsUnrecognizedClient) {
  std::string& auth = headers_["authorization"];
  auth.replace(auth.find("AKIDEXAMPLE"), 11, "AKIDUNKNOWN");
  auto result = Verify();
  ExpectError(result, "UnrecognizedClientException");
  EXPECT_EQ(SigV4ErrorMessage(result.status()),
            "The security token included in the request is invalid.");
}

TEST_F(SigV4Errors, MissingAuthorizationIsMissingAuthenticationToken) {
  headers_.erase("authorization");
  auto result = Verify();
  ExpectError(result, "MissingAuthenticationTokenException");
  EXPECT_EQ(result.status().message(),
            "MissingAuthenticationTokenException: Missing Authentication Token");
  auto no_headers = VerifySigV4(SigV4Request{}, Lookup, SuiteTime());
  ExpectError(no_headers, "MissingAuthenticationTokenException");
}

TEST_F(SigV4Errors, ExpiredDateIsInvalidSignature) {
  auto result = Verify(SuiteTime() + std::chrono::minutes(16));
  ExpectError(result, "InvalidSignatureException");
  EXPECT_EQ(SigV4ErrorMessage(result.status()),
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z "
            "(20150830T125200Z - 15 min.)");
}

TEST_F(SigV4Errors, FutureDateIsInvalidSignature) {
  auto result = Verify(SuiteTime() - std::chrono::minutes(16));
  ExpectError(result, "InvalidSignatureException");
  EXPECT_EQ(SigV4ErrorMessage(result.status()),
            "Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z "
            "(20150830T122000Z + 15 min.)");
}

TEST_F(SigV4Errors, DateWithinSkewPasses) {
  EXPECT_TRUE(Verify(SuiteTime() + std::chrono::minutes(14)).ok());
  EXPECT_TRUE(Verify(SuiteTime() - std::chrono::minutes(14)).ok());
  ExpectError(VerifySigV4(MakeRequest("POST", "/", "", headers_, body_), Lookup,
                          SuiteTime() + std::chrono::minutes(6), std::chrono::minutes(5)),
              "InvalidSignatureException");
}

TEST_F(SigV4Errors, TamperedBodyIsInvalidSignature) {
  body_ = R"({"UserPoolId":"us-east-1_abc","Username":"eve"})";
  ExpectError(Verify(), "InvalidSignatureException");
}

TEST_F(SigV4Errors, TamperedSignedHeaderIsInvalidSignature) {
  headers_["x-amz-target"] = "AWSCognitoIdentityProviderService.AdminDeleteUser";
  ExpectError(Verify(), "InvalidSignatureException");
}

TEST_F(SigV4Errors, UnsignedHeaderMayChange) {
  headers_["user-agent"] = "anything";
  EXPECT_TRUE(Verify().ok());
}

TEST_F(SigV4Errors, ContentSha256MustMatchBody) {
  headers_["x-amz-content-sha256"] = Sha256Hex(body_);
  Sign(kSecret);
  EXPECT_TRUE(Verify().ok());
  body_ += " ";
  ExpectError(Verify(), "InvalidSignatureException");
}

TEST_F(SigV4Errors, UnsignedPayloadOnlyWhenDeclared) {
  headers_["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
  Sign(kSecret);
  body_ = "anything at all";
  EXPECT_TRUE(Verify().ok());
}

TEST_F(SigV4Errors, DateHeaderInsteadOfXAmzDate) {
  headers_.erase("x-amz-date");
  headers_["date"] = "Sun, 30 Aug 2015 12:36:00 GMT";
  Sign(kSecret);
  auto result = Verify();
  EXPECT_TRUE(result.ok()) << result.status().message();
}

TEST_F(SigV4Errors, MissingDateIsIncompleteSignature) {
  headers_.erase("x-amz-date");
  ExpectError(Verify(), "IncompleteSignatureException");
}

TEST_F(SigV4Errors, MalformedDateIsIncompleteSignature) {
  headers_["x-amz-date"] = "2015-08-30T12:36:00Z";
  ExpectError(Verify(), "IncompleteSignatureException");
}

TEST_F(SigV4Errors, ScopeDateMustMatchRequestDate) {
  headers_["x-amz-date"] = "20150831T000100Z";
  auto result = Verify(SuiteTime() + std::chrono::hours(11) + std::chrono::minutes(25));
  ExpectError(result, "InvalidSignatureException");
  EXPECT_NE(result.status().message().find("Date in Credential scope does not match"),
            std::string::npos);
}

TEST_F(SigV4Errors, MalformedAuthorizationIsIncompleteSignature) {
  const std::string good = headers_["authorization"];
  for (std::string bad : {
           std::string("AWS4-HMAC-SHA256"),
           std::string("Bearer abc"),
           std::string("AWS4-HMAC-SHA512") + good.substr(16),
           good.substr(0, good.find(", Signature=")),
           std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/aws4_request, "
                       "SignedHeaders=host;x-amz-date, Signature=00"),
           std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/cognito-idp/"
                       "aws5_request, SignedHeaders=host;x-amz-date, Signature=00"),
           std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/cognito-idp/"
                       "aws4_request, SignedHeaders=, Signature=00"),
       }) {
    SCOPED_TRACE(bad);
    headers_["authorization"] = bad;
    ExpectError(Verify(), "IncompleteSignatureException");
  }
}

TEST_F(SigV4Errors, HostMustBeSigned) {
  headers_["authorization"] =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/cognito-idp/aws4_request, "
      "SignedHeaders=content-type;x-amz-date, Signature=00";
  ExpectError(Verify(), "IncompleteSignatureException");
}

TEST_F(SigV4Errors, TruncatedSignatureIsInvalidSignature) {
  std::string& auth = headers_["authorization"];
  auth.pop_back();
  ExpectError(Verify(), "InvalidSignatureException");
}

// ---- building blocks ---------------------------------------------------------------------------

TEST(SigV4Canonical, Uri) {
  EXPECT_EQ(CanonicalUri(""), "/");
  EXPECT_EQ(CanonicalUri("/"), "/");
  EXPECT_EQ(CanonicalUri("//"), "/");
  EXPECT_EQ(CanonicalUri("/a/./b/../c"), "/a/c");
  EXPECT_EQ(CanonicalUri("/a/b/"), "/a/b/");
  EXPECT_EQ(CanonicalUri("/../.."), "/");
  EXPECT_EQ(CanonicalUri("/example%20space"), "/example%2520space");
  EXPECT_EQ(CanonicalUri("/a:b@c"), "/a%3Ab%40c");
}

TEST(SigV4Canonical, QueryString) {
  EXPECT_EQ(CanonicalQueryString(""), "");
  EXPECT_EQ(CanonicalQueryString("b=2&a=1&a=0"), "a=0&a=1&b=2");
  EXPECT_EQ(CanonicalQueryString("Param1"), "Param1=");
  EXPECT_EQ(CanonicalQueryString("a%2fb=c d"), "a%2Fb=c%20d");
  EXPECT_EQ(CanonicalQueryString("x=%7e&y=~"), "x=~&y=~");
  EXPECT_EQ(CanonicalQueryString("p=a+b"), "p=a%2Bb");
}

TEST(SigV4Canonical, Sha256OfEmptyString) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SigV4Canonical, FormatAmzDate) { EXPECT_EQ(FormatAmzDate(SuiteTime()), kSuiteDate); }

TEST(SigV4Canonical, ErrorNameAndMessageSplit) {
  Status s(StatusCode::kUnauthenticated, "InvalidSignatureException: Signature expired: x");
  EXPECT_EQ(SigV4ErrorName(s), "InvalidSignatureException");
  EXPECT_EQ(SigV4ErrorMessage(s), "Signature expired: x");
  Status plain(StatusCode::kInternal, "no prefix here: at all");
  EXPECT_EQ(SigV4ErrorName(plain), "");
  EXPECT_EQ(SigV4ErrorMessage(plain), "no prefix here: at all");
}

}  // namespace
}  // namespace cognate::api
