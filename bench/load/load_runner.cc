// The closed loop as one event loop: every connection is a small state machine (connect → write →
// read → next) on one io_context run by the calling thread. A thread per connection made the
// generator pay a context switch per request, and at tens of thousands of requests a second it ran
// out of its core before the server did.
#include "bench/load/load_runner.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cognate::bench {

namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
using Timer = net::basic_waitable_timer<Clock, net::wait_traits<Clock>, Executor>;

constexpr auto kReconnectDelay = std::chrono::milliseconds(10);  // no hot spin on refusal
constexpr auto kWatchdogPeriod = std::chrono::milliseconds(50);

// The window every connection measures against; set once all connections have tried to connect.
struct Window {
  Clock::time_point start;
  Clock::time_point measure_from;
  Clock::time_point end;
};

struct ConnectionCounts {
  uint64_t requests = 0;
  uint64_t errors = 0;
  uint64_t transport_errors = 0;
  uint64_t connects = 0;
  std::vector<int64_t> latencies_ns;
  std::vector<std::string> error_samples;
};

std::string Truncate(std::string text, size_t limit) {
  if (text.size() > limit) {
    text.resize(limit);
    text += "...";
  }
  return text;
}

// Keeps the first `limit` distinct samples.
void AddSample(std::vector<std::string>& samples, std::string sample, size_t limit) {
  if (samples.size() >= limit) return;
  if (std::find(samples.begin(), samples.end(), sample) != samples.end()) return;
  samples.push_back(std::move(sample));
}

// The request as bytes on the wire: Host first, then the workload's headers, Content-Length when
// there is a body or the method expects one, keep-alive implied by HTTP/1.1.
void SerializeRequest(const Endpoint& endpoint, const HttpRequest& request, std::string& out) {
  out.clear();
  out += request.method;
  out += ' ';
  out += request.target;
  out += " HTTP/1.1\r\nHost: ";
  out += endpoint.authority;
  out += "\r\n";
  for (const auto& [name, value] : request.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!request.body.empty() || (request.method != "GET" && request.method != "HEAD")) {
    out += "Content-Length: ";
    out += std::to_string(request.body.size());
    out += "\r\n";
  }
  out += "\r\n";
  out += request.body;
}

class Connection {
 public:
  Connection(net::io_context& context, int index, const Endpoint& endpoint,
             const std::vector<tcp::endpoint>& resolved, const Workload& workload,
             const LoadOptions& options, const Window& window)
      : index_(index),
        endpoint_(endpoint),
        resolved_(resolved),
        workload_(workload),
        options_(options),
        window_(window),
        socket_(context.get_executor()),
        retry_timer_(context.get_executor()) {}

  // The first connect, before the window is set; `done` runs when it has succeeded or failed.
  template <typename Done>
  void ConnectFirst(Done done) {
    Connect([this, done](bool) mutable { done(); });
  }

  // Runs exchanges until the window ends.
  void Run() {
    running_ = true;
    StartExchange();
  }

  // Ends the connection's part in the run: what is in flight is dropped, uncounted.
  void Stop() {
    running_ = false;
    retry_timer_.cancel();
    Drop();
  }

  // Closes the socket when its pending connect, write or read is past its deadline.
  void CheckDeadline(Clock::time_point now) {
    if (deadline_ && now >= *deadline_) {
      deadline_.reset();
      beast::error_code ignored;
      socket_.close(ignored);  // the pending operation fails with operation_aborted
    }
  }

  ConnectionCounts& counts() { return counts_; }

 private:
  template <typename Then>
  void Connect(Then then) {
    deadline_ = Clock::now() + options_.request_timeout;
    net::async_connect(
        socket_, resolved_, [this, then](beast::error_code ec, const tcp::endpoint&) mutable {
          deadline_.reset();
          if (ec) {
            Drop();
            last_connect_error_ = "connect " + endpoint_.authority + ": " + ec.message();
            return then(false);
          }
          beast::error_code ignored;
          socket_.set_option(tcp::no_delay(true), ignored);
          connected_ = true;
          ++counts_.connects;
          then(true);
        });
  }

  void StartExchange() {
    if (!running_) return;
    if (Clock::now() >= window_.end) return Stop();
    if (!connected_) {
      return Connect([this](bool ok) {
        if (!running_) return;
        if (ok) return StartExchange();
        if (Clock::now() >= window_.measure_from) {
          ++counts_.transport_errors;
          NoteError(last_connect_error_);
        }
        retry_timer_.expires_after(kReconnectDelay);
        retry_timer_.async_wait([this](beast::error_code ec) {
          if (!ec) StartExchange();
        });
      });
    }
    // One exchange: Next's request, then follow-ups on this connection while each answer is 200
    // and the workload has another.
    step_ = 0;
    exchange_ = Status::Ok();
    HttpRequest request = workload_.Next(index_, sequence_, &state_);
    sent_ = Clock::now();
    Send(request);
  }

  void Send(const HttpRequest& request) {
    if (!connected_) {  // the server closed after the exchange's last answer: reconnect
      return Connect([this, request](bool ok) {
        if (!running_) return;
        if (!ok) return Finish(UnavailableError(last_connect_error_));
        Send(request);
      });
    }
    SerializeRequest(endpoint_, request, request_bytes_);
    deadline_ = Clock::now() + options_.request_timeout;
    net::async_write(socket_, net::buffer(request_bytes_), [this](beast::error_code ec, size_t) {
      if (ec) return Finish(UnavailableError("write: " + ec.message()));
      parser_.emplace();
      parser_->body_limit(64 * 1024 * 1024);
      http::async_read(socket_, buffer_, *parser_, [this](beast::error_code read_ec, size_t) {
        deadline_.reset();
        if (read_ec) return Finish(UnavailableError("read: " + read_ec.message()));
        OnResponse();
      });
    });
  }

  void OnResponse() {
    auto& message = parser_->get();
    response_.status = message.result_int();
    response_.body = std::move(message.body());
    if (!message.keep_alive()) Drop();
    const Clock::time_point received = Clock::now();
    if (response_.status == 200 && received <= window_.end) {
      Result<std::optional<HttpRequest>> follow_up =
          workload_.FollowUp(index_, sequence_, step_, response_, &state_);
      ++step_;
      if (!follow_up.ok()) {
        exchange_ = follow_up.status();
      } else if (follow_up->has_value()) {
        return Send(**follow_up);
      }
    }
    Finish(response_, received);
  }

  // A transport failure ends the exchange without a latency.
  void Finish(const Status& failure) {
    Drop();
    const Clock::time_point now = Clock::now();
    if (running_ && now <= window_.end && now >= window_.measure_from) {
      ++counts_.requests;
      ++counts_.transport_errors;
      NoteError(failure.message());
    }
    Next();
  }

  void Finish(const HttpResponse& response, Clock::time_point received) {
    if (received <= window_.end && received >= window_.measure_from) {
      ++counts_.requests;
      counts_.latencies_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(received - sent_).count());
      if (response.status != 200) {
        NoteError("HTTP " + std::to_string(response.status) + " " + response.body);
      } else if (!exchange_.ok()) {
        NoteError(exchange_.message());
      }
    }
    Next();
  }

  void Next() {
    ++sequence_;
    StartExchange();
  }

  void NoteError(std::string sample) {
    ++counts_.errors;
    AddSample(counts_.error_samples, Truncate(std::move(sample), 400), options_.max_error_samples);
  }

  void Drop() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    buffer_.consume(buffer_.size());
    connected_ = false;
    deadline_.reset();
  }

  const int index_;
  const Endpoint& endpoint_;
  const std::vector<tcp::endpoint>& resolved_;
  const Workload& workload_;
  const LoadOptions& options_;
  const Window& window_;

  Socket socket_;
  Timer retry_timer_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::optional<Clock::time_point> deadline_;
  bool connected_ = false;
  bool running_ = false;
  std::string last_connect_error_;

  uint64_t sequence_ = 0;
  int step_ = 0;
  ExchangeState state_;
  Status exchange_ = Status::Ok();
  std::string request_bytes_;
  HttpResponse response_;
  Clock::time_point sent_;

  ConnectionCounts counts_;
};

// Every kWatchdogPeriod, closes connections whose operation is past its deadline; ends the run
// (stops every connection) once the window is over.
void Watch(Timer& timer, std::vector<std::unique_ptr<Connection>>& connections,
           const Window& window) {
  timer.expires_after(kWatchdogPeriod);
  timer.async_wait([&timer, &connections, &window](beast::error_code ec) {
    if (ec) return;
    const Clock::time_point now = Clock::now();
    if (now >= window.end) {
      for (auto& connection : connections) connection->Stop();
      return;
    }
    for (auto& connection : connections) connection->CheckDeadline(now);
    Watch(timer, connections, window);
  });
}

}  // namespace

RunCounts RunLoad(const Endpoint& endpoint, const Workload& workload, const LoadOptions& options) {
  RunCounts counts;
  counts.op = std::string(OpName(workload.op()));
  counts.connections = options.connections;
  counts.warmup_s = std::chrono::duration<double>(options.warmup).count();
  counts.duration_s = std::chrono::duration<double>(options.duration).count();

  net::io_context context(1);
  std::vector<tcp::endpoint> resolved;
  {
    beast::error_code ec;
    tcp::resolver resolver(context);
    auto results = resolver.resolve(endpoint.host, endpoint.port, ec);
    if (ec) {
      counts.transport_errors = counts.errors = 1;
      counts.error_samples.push_back("resolve " + endpoint.host + ": " + ec.message());
      return counts;
    }
    resolved.assign(results.begin(), results.end());
  }

  Window window;
  std::vector<std::unique_ptr<Connection>> connections;
  for (int i = 0; i < options.connections; ++i) {
    connections.push_back(
        std::make_unique<Connection>(context, i, endpoint, resolved, workload, options, window));
  }
  // Connect everyone first (a failed connect is retried, and counted, in the run), then start.
  size_t pending = connections.size();
  for (auto& connection : connections) connection->ConnectFirst([&pending] { --pending; });
  while (pending > 0 && context.run_one() > 0) {
  }

  window.start = Clock::now();
  window.measure_from = window.start + options.warmup;
  window.end = window.measure_from + options.duration;
  Timer watchdog(context.get_executor());
  Watch(watchdog, connections, window);
  for (auto& connection : connections) connection->Run();
  context.restart();
  context.run();

  for (auto& connection : connections) {
    ConnectionCounts& c = connection->counts();
    counts.requests += c.requests;
    counts.errors += c.errors;
    counts.transport_errors += c.transport_errors;
    counts.reconnects += c.connects > 1 ? c.connects - 1 : 0;
    counts.latencies_ns.insert(counts.latencies_ns.end(), c.latencies_ns.begin(),
                               c.latencies_ns.end());
    for (std::string& sample : c.error_samples) {
      AddSample(counts.error_samples, std::move(sample), options.max_error_samples);
    }
  }
  return counts;
}

}  // namespace cognate::bench
