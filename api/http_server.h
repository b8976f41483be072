// HttpServer: the HTTP/1.1 front door (Boost.Beast, modelled on Beast's advanced_server).
//
// One session per connection, each on one I/O thread's context: keep-alive, pipelining answered
// strictly in order (the next request is read only after the previous response is written), an
// idle timeout before every read and write, a fresh parser per request with a body limit (413,
// then close), 400 on malformed HTTP (then close), `Expect: 100-continue` honoured. Requests the
// handler calls blocking run on a separate thread pool; all others run inline on the I/O thread.
//
// The server sets Content-Length, Connection, Date and `Server: cognate`; everything else
// (x-amzn-RequestId, CORS, content types) is the handler's job. An exception escaping the handler
// becomes a 500 InternalErrorException.
//
// Streamed responses (HttpResponse::stream, e.g. a live event tail) go out chunked and always end
// the connection; the producer runs on the blocking pool, never on an I/O thread.
//
// Thread safety: HttpHandler methods are called concurrently from many threads. Start, Stop and
// Wait may be called from any thread except the server's own (an I/O or blocking-pool thread);
// Stop is idempotent. Boost does not leak into this header.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
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
  // Produces the next piece of a streamed response. Called repeatedly, one call at a time, on the
  // blocking pool; may block up to `max_wait` (HttpServerOptions::stream_max_wait) waiting for
  // data. Returns the next chunk to send, an empty string for "nothing yet" (nothing is written
  // and it is called again, so it should wait before returning one), or std::nullopt to end the
  // stream. A stream that may stay quiet for long should return heartbeats (e.g. SSE comments):
  // they keep proxies from timing out and let a vanished client be noticed. Throwing ends the
  // stream abruptly (no final chunk). Never called again once the client has gone (a failed
  // write, or the client closing its side) or the server is stopping; destroyed on a server
  // thread when the stream ends.
  using StreamProducer = std::function<std::optional<std::string>(std::chrono::milliseconds)>;

  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the response is streamed: the head goes out with `Transfer-Encoding: chunked` (no
  // Content-Length; HTTP/1.0 clients get the raw bytes, delimited by the close) and
  // `Connection: close`, then `body` if non-empty, then each chunk from `stream` as it is
  // produced, then the connection is closed. Ignored for 1xx, 204 and 304; a HEAD request gets
  // the head only and the producer is never called.
  StreamProducer stream;
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
  // Threads for requests the handler calls blocking, and for stream producers: each open stream
  // holds one while its producer waits, so size this above the expected number of streams.
  // Default 64.
  int blocking_threads = 64;
  // Largest request body accepted; larger gets 413 and the connection closed. Default 1 MiB.
  size_t body_limit = 1024 * 1024;
  // Largest request head (request line + headers); larger gets 431. Default 16 KiB.
  uint32_t header_limit = 16 * 1024;
  // Deadline for each read of a request and each write of a response (each chunk of a streamed
  // one); an idle keep-alive connection is closed after this long. Default 60 s.
  std::chrono::seconds idle_timeout{60};
  // The most a stream producer may block per call (its max_wait). Bounds how long Stop() and a
  // vanished client wait on an open stream. Default 1 s.
  std::chrono::milliseconds stream_max_wait{1000};
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

  // Graceful stop: stops accepting, closes every connection (idle and streaming ones included),
  // waits for requests and stream producer calls running on the blocking pool, and joins all
  // threads. Idempotent; blocks until done.
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
