// HttpClient: one HTTP/1.1 keep-alive connection to the endpoint under test, for cognate-load.
//
// Every network operation (resolve excepted) runs under a deadline, so a stuck server fails a
// request instead of hanging the generator. RoundTrip writes exactly one request and reads exactly
// one response; when the response says `Connection: close`, or anything fails, the connection is
// dropped and the next call reconnects. Boost stays in http_client.cc.
//
// Thread safety: none; use one HttpClient per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/status.h"

namespace cognate::bench {

// Where the server listens, from a URL "http://HOST[:PORT][/]".
struct Endpoint {
  std::string host;       // as written in the URL, e.g. "127.0.0.1"
  std::string port;       // e.g. "9230"; "80" when the URL has none
  std::string authority;  // the Host header value, e.g. "127.0.0.1:9230"
};

// kInvalidArgument for anything but http:// with an optional "/" path (no https, no query).
Result<Endpoint> ParseEndpoint(std::string_view url);

struct HttpRequest {
  std::string method = "POST";
  std::string target = "/";
  // Sent as given, after Host (which the client always sets to the endpoint's authority).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  unsigned status = 0;
  std::string body;
};

class HttpClient {
 public:
  // `timeout` bounds each connect, each write of a request and each read of a response.
  HttpClient(Endpoint endpoint, std::chrono::milliseconds timeout);
  ~HttpClient();

  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Connects if not connected. kUnavailable if the name does not resolve, the connection is
  // refused, or the deadline passes.
  Status Connect();

  // Sends `request` and reads one response (any status). Connects first if needed. kUnavailable
  // on any transport failure (the connection is then closed; the next call reconnects).
  Result<HttpResponse> RoundTrip(const HttpRequest& request);

  bool connected() const;
  // Successful connects so far (the first one included).
  uint64_t connects() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cognate::bench
