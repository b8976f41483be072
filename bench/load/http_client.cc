// HttpClient on Beast: a tcp_stream driven by a private io_context, one operation at a time, each
// under the stream's expiry (the pattern of tests/http/test_client.h).
#include "bench/load/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>

namespace cognate::bench {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

Result<Endpoint> ParseEndpoint(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return InvalidArgumentError("endpoint must start with http:// (got '" + std::string(url) + "')");
  }
  std::string_view rest = url.substr(kScheme.size());
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    if (rest.substr(slash) != "/") {
      return InvalidArgumentError("endpoint must not have a path: '" + std::string(url) + "'");
    }
    rest = rest.substr(0, slash);
  }
  Endpoint endpoint;
  std::string_view host = rest;
  std::string_view port = "80";
  if (!rest.empty() && rest.front() == '[') {  // [v6]:port
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return InvalidArgumentError("bad IPv6 literal in endpoint");
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgumentError("bad endpoint authority");
      port = after.substr(1);
    }
  } else if (size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  unsigned port_number = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (host.empty() || ec != std::errc() || end != port.data() + port.size() || port_number == 0 ||
      port_number > 65535) {
    return InvalidArgumentError("bad host or port in endpoint '" + std::string(url) + "'");
  }
  endpoint.host = std::string(host);
  endpoint.port = std::string(port);
  endpoint.authority = std::string(rest);
  return endpoint;
}

class HttpClient::Impl {
 public:
  Impl(Endpoint endpoint, std::chrono::milliseconds timeout)
      : endpoint_(std::move(endpoint)), timeout_(timeout) {}

  Status Connect() {
    if (connected_) return Status::Ok();
    if (resolved_.empty()) {
      beast::error_code ec;
      auto results = resolver_.resolve(endpoint_.host, endpoint_.port, ec);
      if (ec) return UnavailableError("resolve " + endpoint_.host + ": " + ec.message());
      resolved_.assign(results.begin(), results.end());
    }
    beast::error_code ec = Run([&](auto done) {
      stream_.async_connect(resolved_, [done](beast::error_code e, const tcp::endpoint&) mutable {
        done(e);
      });
    });
    if (ec) {
      Drop();
      return UnavailableError("connect " + endpoint_.authority + ": " + ec.message());
    }
    beast::error_code ignored;
    stream_.socket().set_option(tcp::no_delay(true), ignored);
    connected_ = true;
    ++connects_;
    return Status::Ok();
  }

  Result<HttpResponse> RoundTrip(const HttpRequest& request) {
    if (Status s = Connect(); !s.ok()) return s;

    http::request<http::string_body> wire(http::string_to_verb(request.method), request.target,
                                          11);
    wire.set(http::field::host, endpoint_.authority);
    for (const auto& [name, value] : request.headers) wire.set(name, value);
    wire.keep_alive(true);
    wire.body() = request.body;
    wire.prepare_payload();

    beast::error_code ec = Run([&](auto done) {
      http::async_write(stream_, wire, [done](beast::error_code e, size_t) mutable { done(e); });
    });
    if (ec) {
      Drop();
      return UnavailableError("write: " + ec.message());
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    ec = Run([&](auto done) {
      http::async_read(stream_, buffer_, parser,
                       [done](beast::error_code e, size_t) mutable { done(e); });
    });
    if (ec) {
      Drop();
      return UnavailableError("read: " + ec.message());
    }
    auto& message = parser.get();
    HttpResponse response;
    response.status = message.result_int();
    response.body = std::move(message.body());
    if (!message.keep_alive()) Drop();
    return response;
  }

  bool connected() const { return connected_; }
  uint64_t connects() const { return connects_; }

 private:
  // Starts one asynchronous operation and runs the io_context until it completes or the stream's
  // deadline cancels it (then the error is beast::error::timeout).
  template <typename Start>
  beast::error_code Run(Start&& start) {
    beast::error_code result = net::error::would_block;
    stream_.expires_after(timeout_);
    start([&result](beast::error_code ec) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  void Drop() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    buffer_.consume(buffer_.size());
    connected_ = false;
  }

  Endpoint endpoint_;
  std::chrono::milliseconds timeout_;
  net::io_context ioc_;
  tcp::resolver resolver_{ioc_};
  std::vector<tcp::endpoint> resolved_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
  bool connected_ = false;
  uint64_t connects_ = 0;
};

HttpClient::HttpClient(Endpoint endpoint, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(endpoint), timeout)) {}
HttpClient::~HttpClient() = default;

Status HttpClient::Connect() { return impl_->Connect(); }
Result<HttpResponse> HttpClient::RoundTrip(const HttpRequest& request) {
  return impl_->RoundTrip(request);
}
bool HttpClient::connected() const { return impl_->connected(); }
uint64_t HttpClient::connects() const { return impl_->connects(); }

}  // namespace cognate::bench
