// Requests in Cognito's JSON 1.1 protocol for cognate-load: POST / with
// `X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`, optionally SigV4-signed with an admin
// key (service "cognito-idp"), the way the AWS SDKs send them; and a checked call for set-up.
//
// All functions are thread-safe (no shared state).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "bench/load/http_client.h"
#include "engine/status.h"

namespace cognate::bench {

// An access key pair, "ID:SECRET" on the command line.
struct AdminKey {
  std::string access_key_id;
  std::string secret_access_key;
  std::string region = "us-east-1";
};

// kInvalidArgument unless `text` is "ID:SECRET" with both parts non-empty.
Result<AdminKey> ParseAdminKey(std::string_view text);

// A JSON 1.1 request for `operation` (e.g. "SignUp") with `body`. When `signer` is not null the
// request carries x-amz-date and an Authorization header signed over content-type, host,
// x-amz-date and x-amz-target, dated now; `endpoint.authority` must be the Host the client sends.
HttpRequest CognitoRequest(const Endpoint& endpoint, std::string_view operation, std::string body,
                           const AdminKey* signer);

// Sends CognitoRequest(...) and parses a 200 answer's JSON body. A non-200 answer is
// kFailedPrecondition with "<Op>: HTTP <status> <body>"; a transport failure keeps its
// kUnavailable; a body that is not JSON is kInternal.
Result<nlohmann::json> CallCognito(HttpClient& client, const Endpoint& endpoint,
                                   std::string_view operation, const nlohmann::json& body,
                                   const AdminKey* signer);

}  // namespace cognate::bench
