#include "api/admin_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdlib>
#include <map>

#include "api/server_files.h"
#include "api/sigv4.h"

namespace cognate::api {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

Result<AdminEndpoint> ResolveAdminEndpoint(const std::string& url, const std::string& admin_key) {
  AdminEndpoint endpoint;
  if (!url.empty()) endpoint.url = url;
  std::string key = admin_key;
  if (key.empty()) {
    if (const char* env = std::getenv("COGNATE_ADMIN_KEY"); env && *env) {
      key = env;
      key = key.substr(0, key.find(','));
    }
  }
  if (!key.empty()) {
    auto parsed = ParseAdminKey(key);
    if (!parsed.ok()) return parsed.status();
    endpoint.access_key_id = parsed->first;
    endpoint.secret_access_key = parsed->second;
  } else if (const char* id = std::getenv("AWS_ACCESS_KEY_ID"), *secret = std::getenv("AWS_SECRET_ACCESS_KEY");
             id && secret && *id && *secret) {
    endpoint.access_key_id = id;
    endpoint.secret_access_key = secret;
  } else {
    return InvalidArgumentError("no admin key: pass --admin-key ID:SECRET or set COGNATE_ADMIN_KEY");
  }
  return endpoint;
}

Result<nlohmann::json> CallAdmin(const AdminEndpoint& endpoint, const std::string& target,
                                 const nlohmann::json& body) {
  const std::string prefix = "http://";
  if (endpoint.url.rfind(prefix, 0) != 0) return InvalidArgumentError("the endpoint must be http://HOST:PORT");
  std::string authority = endpoint.url.substr(prefix.size());
  authority = authority.substr(0, authority.find('/'));
  const auto colon = authority.rfind(':');
  const std::string host = colon == std::string::npos ? authority : authority.substr(0, colon);
  const std::string port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  const std::string payload = body.dump();

  std::map<std::string, std::string> headers = {
      {"host", authority},
      {"content-type", "application/x-amz-json-1.1"},
      {"x-amz-target", target},
      {"x-amz-date", FormatAmzDate(std::chrono::system_clock::now())}};
  headers["authorization"] =
      SigV4Authorization("POST", "/", "", headers, payload, endpoint.access_key_id,
                         endpoint.secret_access_key, endpoint.region, "cognito-idp", headers["x-amz-date"]);
  try {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(tcp::resolver(io).resolve(host, port));
    http::request<http::string_body> request{http::verb::post, "/", 11};
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = payload;
    request.prepare_payload();
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    auto document = nlohmann::json::parse(response.body(), nullptr, false);
    if (response.result_int() != 200) {
      if (document.is_object()) {
        return Status(StatusCode::kFailedPrecondition,
                      document.value("__type", "Error") + ": " + document.value("message", response.body()));
      }
      return Status(StatusCode::kFailedPrecondition, "HTTP " + std::to_string(response.result_int()));
    }
    if (document.is_discarded()) return DataLossError("the server answered a body that is not JSON");
    return document;
  } catch (const std::exception& e) {
    return UnavailableError(std::string("cannot reach ") + endpoint.url + ": " + e.what());
  }
}

}  // namespace cognate::api
