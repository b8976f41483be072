// End to end: a request signed with SigV4Authorization travels through HttpServer and is verified
// by a handler with VerifySigV4, the way the Cognito router will do it.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

#include "api/http_server.h"
#include "api/sigv4.h"
#include "tests/http/test_client.h"

namespace cognate::api {
namespace {

namespace http = boost::beast::http;

class VerifyingHandler : public HttpHandler {
 public:
  bool IsBlocking(const HttpRequest&) const override { return false; }
  HttpResponse Handle(const HttpRequest& request) override {
    size_t q = request.target.find('?');
    SigV4Request sig;
    sig.method = request.method;
    sig.path = request.target.substr(0, q);
    sig.query = q == std::string::npos ? "" : request.target.substr(q + 1);
    sig.headers = &request.headers;
    sig.body = request.body;
    auto result = VerifySigV4(
        sig,
        [](std::string_view key) -> std::optional<std::string> {
          if (key == "AKIDTEST") return std::string("secret/key+1");
          return std::nullopt;
        },
        std::chrono::system_clock::now());
    HttpResponse response;
    if (result.ok()) {
      response.body = result->access_key_id + " " + result->service;
    } else {
      response.status = 400;
      response.body = SigV4ErrorName(result.status());
    }
    return response;
  }
};

TEST(SignedRequest, VerifiesThroughTheServer) {
  VerifyingHandler handler;
  HttpServerOptions options;
  options.port = 0;
  options.handle_signals = false;
  HttpServer server(options, handler);
  ASSERT_TRUE(server.Start().ok());

  std::string host = "127.0.0.1:" + std::to_string(server.port());
  std::string body = R"({"UserPoolId":"us-east-1_abc","Username":"bob"})";
  std::string amz_date = FormatAmzDate(std::chrono::system_clock::now());
  std::map<std::string, std::string> signed_headers = {
      {"content-type", "application/x-amz-json-1.1"},
      {"host", host},
      {"x-amz-date", amz_date},
      {"x-amz-target", "AWSCognitoIdentityProviderService.AdminGetUser"},
  };
  std::string authorization =
      SigV4Authorization("POST", "/", "a=1", signed_headers, body, "AKIDTEST", "secret/key+1",
                         "us-east-1", "cognito-idp", amz_date);

  auto send = [&](const std::string& auth, std::string request_body) {
    http::request<http::string_body> request(http::verb::post, "/?a=1", 11);
    for (const auto& [name, value] : signed_headers) request.set(name, value);
    request.set("User-Agent", "test");
    if (!auth.empty()) request.set(http::field::authorization, auth);
    request.body() = std::move(request_body);
    testing::TestClient client(server.port());
    testing::Response response;
    EXPECT_FALSE(client.Send(request));
    EXPECT_FALSE(client.Read(response));
    return response;
  };

  auto ok = send(authorization, body);
  EXPECT_EQ(ok.result_int(), 200u);
  EXPECT_EQ(ok.body(), "AKIDTEST cognito-idp");

  auto tampered = send(authorization, body + " ");
  EXPECT_EQ(tampered.body(), "InvalidSignatureException");

  auto unsigned_request = send("", body);
  EXPECT_EQ(unsigned_request.body(), "MissingAuthenticationTokenException");
  server.Stop();
}

}  // namespace
}  // namespace cognate::api
