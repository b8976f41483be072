// HttpServer: the HTTP/1.1 front door (Boost.Beast, modelled on Beast's advanced_server).
//
// One session per connection, each on its own strand: keep-alive, pipelining answered strictly in
// order (the next request is read only after the previous response is written), an idle timeout
// before every read and write, a fresh parser per request with a body limit (413, then close),
// 400 on malformed HTTP (then close), `Expect: 100-continue` honoured. Requests the handler calls
// blocking run on a separate thread pool; all others run inline on the I/O thread.
//
// The server sets Content-Length, Connection, Date and `Server: cognate`; everything else
// (x-amzn-RequestId, CORS, content types) is the handler's job. An exception escaping the handler
// becomes a 500 InternalErrorException.
//
// Thread safety: HttpHandler methods are called concurrently from many threads. Start, Stop and
// Wait may be called from any thread except the server's own (an I/O or blocking-pool thread);
// Stop is idempotent. Boost does not leak into this header.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/status.h"

namespace cognate::api {

struct HttpRequest {
  std::string method;                          // as sent, e.g. "POST"
  std::string target;                          // path + query, raw as sent
  std::map<std::string, std::string> headers;  // names lowercased; repeats joined with ','
  std::string body;
  std::string remote_address;  // peer IP, e.g. "127.0.0.1"
};

struct HttpResponse {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;

  // True if handling may block (disk sync, password hashing): such requests run on the blocking
  // pool, others inline on the I/O thread. Must be cheap and must not block.
  virtual bool IsBlocking(const HttpRequest& request) const = 0;

  // Must be thread-safe. Exceptions are caught and answered with 500 InternalErrorException.
  virtual HttpResponse Handle(const HttpRequest& request) = 0;
};

struct HttpServerOptions {
  // Address to bind: an IP literal or a host name. Default "127.0.0.1".
  std::string host = "127.0.0.1";
  // Port to bind; 0 picks an ephemeral port (see HttpServer::port()). Default 9230.
  uint16_t port = 9230;
  // Threads running the I/O loop and inline requests. Default: hardware cores (at least 1).
  int io_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Threads for requests the handler calls blocking. Default 64.
  int blocking_threads = 64;
  // Largest request body accepted; larger gets 413 and the connection closed. Default 1 MiB.
  size_t body_limit = 1024 * 1024;
  // Largest request head (request line + headers); larger gets 431. Default 16 KiB.
  uint32_t header_limit = 16 * 1024;
  // Deadline for each read of a request and each write of a response; an idle keep-alive
  // connection is closed after this long. Default 60 s.
  std::chrono::seconds idle_timeout{60};
  // Whether Start() installs SIGINT/SIGTERM handlers that make Wait() return. Default true.
  bool handle_signals = true;
};

class HttpServer {
 public:
  // `handler` must outlive the server.
  HttpServer(HttpServerOptions options, HttpHandler& handler);
  ~HttpServer();  // Stops if running.

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens, then starts the threads; returns once connections are being accepted.
  // kUnavailable if the address cannot be resolved or bound; kFailedPrecondition if called twice.
  Status Start();

  // The bound port (the actual one when options.port was 0); 0 before Start.
  uint16_t port() const;

  // Graceful stop: stops accepting, closes every connection (idle ones included), waits for
  // requests running on the blocking pool, and joins all threads. Idempotent; blocks until done.
  // Must not be called from a handler.
  void Stop();

  // Blocks until Stop() is called or SIGINT/SIGTERM arrives (if handle_signals), then stops the
  // server and returns.
  void Wait();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cognate::api
