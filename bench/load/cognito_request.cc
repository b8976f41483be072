#include "bench/load/cognito_request.h"

#include <chrono>
#include <map>
#include <utility>

#include "api/sigv4.h"

namespace cognate::bench {

namespace {

constexpr std::string_view kTargetPrefix = "AWSCognitoIdentityProviderService.";
constexpr std::string_view kContentType = "application/x-amz-json-1.1";
constexpr std::string_view kService = "cognito-idp";

}  // namespace

Result<AdminKey> ParseAdminKey(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return InvalidArgumentError("admin key must be ID:SECRET");
  }
  AdminKey key;
  key.access_key_id = std::string(text.substr(0, colon));
  key.secret_access_key = std::string(text.substr(colon + 1));
  return key;
}

HttpRequest CognitoRequest(const Endpoint& endpoint, std::string_view operation, std::string body,
                           const AdminKey* signer) {
  HttpRequest request;
  request.method = "POST";
  request.target = "/";
  std::string target = std::string(kTargetPrefix) + std::string(operation);
  if (signer != nullptr) {
    std::string amz_date = api::FormatAmzDate(std::chrono::system_clock::now());
    std::map<std::string, std::string> signed_headers = {
        {"content-type", std::string(kContentType)},
        {"host", endpoint.authority},
        {"x-amz-date", amz_date},
        {"x-amz-target", target},
    };
    std::string authorization = api::SigV4Authorization(
        request.method, request.target, "", signed_headers, body, signer->access_key_id,
        signer->secret_access_key, signer->region, kService, amz_date);
    request.headers.emplace_back("X-Amz-Date", std::move(amz_date));
    request.headers.emplace_back("Authorization", std::move(authorization));
  }
  request.headers.emplace_back("Content-Type", std::string(kContentType));
  request.headers.emplace_back("X-Amz-Target", std::move(target));
  request.body = std::move(body);
  return request;
}

Result<nlohmann::json> CallCognito(HttpClient& client, const Endpoint& endpoint,
                                   std::string_view operation, const nlohmann::json& body,
                                   const AdminKey* signer) {
  Result<HttpResponse> response =
      client.RoundTrip(CognitoRequest(endpoint, operation, body.dump(), signer));
  if (!response.ok()) {
    return Status(response.status().code(),
                  std::string(operation) + ": " + response.status().message());
  }
  if (response->status != 200) {
    return FailedPreconditionError(std::string(operation) + ": HTTP " +
                                   std::to_string(response->status) + " " + response->body);
  }
  nlohmann::json parsed = response->body.empty()
                              ? nlohmann::json::object()
                              : nlohmann::json::parse(response->body, nullptr, false);
  if (parsed.is_discarded()) {
    return InternalError(std::string(operation) + ": response is not JSON: " + response->body);
  }
  return parsed;
}

}  // namespace cognate::bench
