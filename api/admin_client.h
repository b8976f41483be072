// AdminClient: a small synchronous client for a running server's SigV4-signed operations, used
// by the `cognate` subcommands that talk to a server (`cognate trigger put`, ...). Not for hot
// paths: one connection per call.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "engine/status.h"

namespace cognate::api {

struct AdminEndpoint {
  std::string url = "http://127.0.0.1:9230";  // http://HOST:PORT
  std::string access_key_id;
  std::string secret_access_key;
  std::string region = "us-east-1";
};

// Fills an endpoint from flags' values (empty = not given), then COGNATE_ADMIN_KEY, then
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. kInvalidArgument if no key is found.
Result<AdminEndpoint> ResolveAdminEndpoint(const std::string& url, const std::string& admin_key);

// POSTs `body` with X-Amz-Target `target`, signed; returns the response document. A non-200
// answer becomes a Status whose message is "<__type>: <message>".
Result<nlohmann::json> CallAdmin(const AdminEndpoint& endpoint, const std::string& target,
                                 const nlohmann::json& body);

}  // namespace cognate::api
