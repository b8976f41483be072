// A tiny Beast HTTP client for the http tests: every operation has a deadline (10 s by default),
// so a misbehaving server fails a test instead of hanging it. Not thread-safe; one per thread.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace cognate::api::testing {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

using Response = http::response<http::string_body>;

class TestClient {
 public:
  explicit TestClient(uint16_t port, std::chrono::seconds deadline = std::chrono::seconds(10))
      : deadline_(deadline) {
    net::ip::tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
    connect_error_ = Run([&](auto done) {
      stream_.async_connect(endpoint, [done](beast::error_code ec) mutable { done(ec, 0); });
    });
  }

  beast::error_code connect_error() const { return connect_error_; }

  beast::error_code WriteRaw(std::string_view bytes) {
    return Run([&](auto done) { net::async_write(stream_, net::buffer(bytes), done); });
  }

  beast::error_code Send(http::request<http::string_body>& request) {
    request.prepare_payload();
    return Run([&](auto done) { http::async_write(stream_, request, done); });
  }

  beast::error_code Read(Response& response) {
    response = {};
    return Run([&](auto done) { http::async_read(stream_, buffer_, response, done); });
  }

  // Sends a request (Host set, keep-alive) and reads the response. Fails the caller's ASSERTs
  // through the returned error code.
  beast::error_code Roundtrip(http::verb method, std::string_view target, std::string body,
                              Response& response) {
    http::request<http::string_body> request(method, target, 11);
    request.set(http::field::host, "127.0.0.1");
    request.body() = std::move(body);
    if (auto ec = Send(request)) return ec;
    return Read(response);
  }

  // Reads whatever comes next; returns the error (http::error::end_of_stream / net::error::eof
  // when the server closed cleanly).
  beast::error_code ReadUntilClosed() {
    char scratch[4096];
    for (;;) {
      beast::error_code ec =
          Run([&](auto done) { stream_.async_read_some(net::buffer(scratch), done); });
      if (ec) return ec;
    }
  }

 private:
  template <typename Start>
  beast::error_code Run(Start&& start) {
    beast::error_code result = net::error::would_block;
    stream_.expires_after(deadline_);
    start([&result](beast::error_code ec, size_t) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  std::chrono::seconds deadline_;
  net::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
  beast::error_code connect_error_;
};

}  // namespace cognate::api::testing
