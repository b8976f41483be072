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
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace cognate::api::testing {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

using Response = http::response<http::string_body>;

// True when a read ended because the server closed the connection (cleanly or with a reset).
inline bool IsConnectionClosed(beast::error_code ec) {
  return ec == net::error::eof || ec == net::error::connection_reset ||
         ec == http::error::end_of_stream;
}

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

  // Streamed (chunked) responses, read as they arrive: ReadStreamHead reads the head, then each
  // NextChunk returns one whole chunk, or std::nullopt once the last chunk has been read.
  beast::error_code ReadStreamHead() {
    stream_parser_.emplace();
    stream_parser_->body_limit(boost::none);
    chunks_.clear();
    partial_.clear();
    on_chunk_body_ = [this](std::uint64_t remain, std::string_view body, beast::error_code&) {
      partial_.append(body);
      if (remain == body.size()) {  // this piece completes the chunk
        chunks_.push_back(std::move(partial_));
        partial_.clear();
      }
      return body.size();
    };
    stream_parser_->on_chunk_body(on_chunk_body_);
    return Run(
        [&](auto done) { http::async_read_header(stream_, buffer_, *stream_parser_, done); });
  }

  const http::response_header<>& stream_head() const { return stream_parser_->get().base(); }

  beast::error_code NextChunk(std::optional<std::string>& chunk) {
    while (chunks_.empty()) {
      if (stream_parser_->is_done()) {
        chunk.reset();
        return {};
      }
      if (auto ec = Run(
              [&](auto done) { http::async_read_some(stream_, buffer_, *stream_parser_, done); })) {
        return ec;
      }
    }
    chunk = std::move(chunks_.front());
    chunks_.pop_front();
    return {};
  }

  // Closes the connection abruptly (as a client that goes away would).
  void Close() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

  // Reads whatever comes next, appending it to `received` if given; returns the error
  // (http::error::end_of_stream / net::error::eof when the server closed cleanly).
  beast::error_code ReadUntilClosed(std::string* received = nullptr) {
    char scratch[4096];
    for (;;) {
      size_t n = 0;
      beast::error_code ec = Run([&](auto done) {
        stream_.async_read_some(net::buffer(scratch),
                                [&n, done](beast::error_code e, size_t bytes) mutable {
                                  n = bytes;
                                  done(e, bytes);
                                });
      });
      if (received) received->append(scratch, n);
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

  std::optional<http::response_parser<http::string_body>> stream_parser_;
  std::function<size_t(std::uint64_t, std::string_view, beast::error_code&)> on_chunk_body_;
  std::deque<std::string> chunks_;
  std::string partial_;
};

}  // namespace cognate::api::testing
