// CognitoApi: the HTTP handler for Cognito's JSON 1.1 protocol and the discovery documents.
//
// POST on any path dispatches on X-Amz-Target ("AWSCognitoIdentityProviderService.<Op>" or
// "CognateAdmin.<Op>"); operations Cognito authenticates with IAM need a SigV4 signature made
// with one of the admin keys; public and access-token operations need none. GET serves
// /<poolId>/.well-known/jwks.json and /<poolId>/.well-known/openid-configuration. OPTIONS answers
// CORS preflights. CognateAdmin.QueryEvents pages through the log and CognateAdmin.TailEvents
// streams it as it grows (engine/audit/event_feed.h). Thread-safe.
#pragma once

#include <map>
#include <string>

#include "api/http_server.h"
#include "api/outbox.h"
#include "engine/audit/event_feed.h"
#include "engine/service/user_pool_service.h"

namespace cognate::api {

class CognitoApi final : public HttpHandler {
 public:
  // `admin_keys` maps access key ids to secrets. `service`, `outbox` and `feed` must outlive
  // this; without a feed, CognateAdmin.QueryEvents and TailEvents are unknown operations.
  CognitoApi(UserPoolService& service, const Outbox* outbox,
             std::map<std::string, std::string> admin_keys, audit::EventFeed* feed = nullptr);

  bool IsBlocking(const HttpRequest& request) const override;
  HttpResponse Handle(const HttpRequest& request) override;

 private:
  HttpResponse HandleOperation(const HttpRequest& request);
  HttpResponse HandleGet(const HttpRequest& request);
  HttpResponse ListOutbox(const nlohmann::json& body);
  // CognateAdmin.TailEvents: a streamed response of JSON lines, or server-sent events when the
  // client accepts text/event-stream (resumable with Last-Event-ID).
  HttpResponse TailEvents(const HttpRequest& request, nlohmann::json body);

  UserPoolService& service_;
  const Outbox* outbox_;
  std::map<std::string, std::string> admin_keys_;
  audit::EventFeed* feed_;
};

}  // namespace cognate::api
