// CognitoApi: the HTTP handler for Cognito's JSON 1.1 protocol and the discovery documents.
//
// POST on any path dispatches on X-Amz-Target ("AWSCognitoIdentityProviderService.<Op>" or
// "CognateAdmin.<Op>"); operations Cognito authenticates with IAM need a SigV4 signature made
// with one of the admin keys; public and access-token operations need none. GET serves
// /<poolId>/.well-known/jwks.json and /<poolId>/.well-known/openid-configuration. OPTIONS answers
// CORS preflights. Thread-safe.
#pragma once

#include <map>
#include <string>

#include "api/http_server.h"
#include "api/outbox.h"
#include "engine/service/user_pool_service.h"

namespace cognate::api {

class CognitoApi final : public HttpHandler {
 public:
  // `admin_keys` maps access key ids to secrets. `service` and `outbox` must outlive this.
  CognitoApi(UserPoolService& service, const Outbox* outbox,
             std::map<std::string, std::string> admin_keys);

  bool IsBlocking(const HttpRequest& request) const override;
  HttpResponse Handle(const HttpRequest& request) override;

 private:
  HttpResponse HandleOperation(const HttpRequest& request);
  HttpResponse HandleGet(const HttpRequest& request);
  HttpResponse ListOutbox(const nlohmann::json& body);

  UserPoolService& service_;
  const Outbox* outbox_;
  std::map<std::string, std::string> admin_keys_;
};

}  // namespace cognate::api
