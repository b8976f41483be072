// HttpServer on Boost.Beast: one io_context per I/O thread, each run by that thread alone. The
// listener lives on the first and deals connections out round-robin; a connection's Session lives
// on its context for good, so its handlers never run concurrently and need no strand. A session
// runs read header → (100 Continue) → read body → handle → write, one request at a time, so
// pipelined requests are answered in order. Blocking requests hop to the blocking pool and are
// posted back to the session's context to write. A response goes out as one gather write of a
// head written by hand (WriteResponseHead) and the body.
//
// Deadlines: each read and write gets one (Session::ArmDeadline), kept by a single timer per
// session that is re-armed only when it fires early, not per operation.
//
// A streamed response ends the session's request loop: head → body → (producer call on the
// blocking pool → chunk write on the session's context)… → last chunk → close. At most one
// producer call is out at a time, and the I/O threads only ever write what it returned.
//
// Shutdown: Stop() marks the server stopping (under sessions_mu_, so no session can register
// afterwards without noticing), closes the acceptor and every registered session on their contexts,
// waits for those closes, drains the blocking pool (a producer call in flight returns within
// stream_max_wait, and none is started once stopping), then stops the io_contexts and joins
// their threads.
#include "api/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <exception>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "api/http_response_head.h"

namespace cognate::api {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
using Timer = net::basic_waitable_timer<std::chrono::steady_clock,
                                        net::wait_traits<std::chrono::steady_clock>, Executor>;

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kInternalErrorBody =
    R"({"__type":"InternalErrorException","message":"Internal error"})";
// After an error response we read and discard what the client is still sending (so the kernel
// does not answer it with a RST that could destroy our response) for at most this long / much.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kMaxLingerBytes = 8 * 1024 * 1024;
constexpr auto kStopCloseTimeout = std::chrono::seconds(5);
// Read size while watching a streaming connection for the client leaving.
constexpr size_t kWatchReadBytes = 4 * 1024;

void Log(const char* what, std::string_view detail) {
  std::fprintf(stderr, "cognate http: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
}

// IMF-fixdate of the current second, cached per thread.
std::string_view HttpDateNow() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local std::time_t cached_second = -1;
  thread_local char text[40];
  thread_local size_t length = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    int n = std::snprintf(text, sizeof(text), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                          kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900,
                          tm.tm_hour, tm.tm_min, tm.tm_sec);
    length = n > 0 ? static_cast<size_t>(n) : 0;
    cached_second = now;
  }
  return {text, length};
}

// 1xx, 204 and 304 carry no body.
bool StatusHasNoBody(unsigned status) {
  return status / 100 == 1 || status == 204 || status == 304;
}

HttpResponse InternalErrorResponse() {
  HttpResponse response;
  response.status = 500;
  response.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
  response.headers.emplace_back("x-amzn-ErrorType", "InternalErrorException:");
  response.body = std::string(kInternalErrorBody);
  return response;
}

const beast::error_category& HttpErrorCategory() {
  return http::make_error_code(http::error::end_of_stream).category();
}

// Counts outstanding close operations during Stop().
class Countdown {
 public:
  explicit Countdown(size_t count) : count_(count) {}
  void Done() {
    std::lock_guard<std::mutex> lock(mu_);
    if (count_ > 0 && --count_ == 0) cv_.notify_all();
  }
  void WaitFor(std::chrono::steady_clock::duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [this] { return count_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t count_;
};

}  // namespace

// ---- HttpServer::Impl -------------------------------------------------------------------------

class HttpServer::Impl {
 public:
  class Session;

  Impl(HttpServerOptions options, HttpHandler& handler)
      : options_(std::move(options)),
        handler_(handler),
        contexts_(MakeContexts(std::max(1, options_.io_threads))),
        acceptor_(contexts_.front()->get_executor()),
        accept_retry_timer_(contexts_.front()->get_executor()) {}

  ~Impl() { Stop(); }

  Status Start();
  uint16_t port() const { return port_; }
  void Stop();
  void Wait();

  // Session bookkeeping. Register returns false once the server is stopping.
  bool Register(const std::shared_ptr<Session>& session);
  void Unregister(Session* session);

  const HttpServerOptions& options() const { return options_; }
  HttpHandler& handler() { return handler_; }
  net::thread_pool& blocking_pool() { return *blocking_pool_; }
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

 private:
  // Each context is run by one thread only, which lets asio skip its locking on that thread.
  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(int count) {
    std::vector<std::unique_ptr<net::io_context>> contexts;
    for (int i = 0; i < count; ++i) contexts.push_back(std::make_unique<net::io_context>(1));
    return contexts;
  }

  void DoAccept();
  void OnAccept(beast::error_code ec, Socket socket);
  void RequestStop();

  const HttpServerOptions options_;
  HttpHandler& handler_;

  // Declared before contexts_: sessions destroyed along with an io_context unregister here.
  std::mutex sessions_mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
  std::atomic<bool> stopping_{false};

  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
  bool stop_requested_ = false;

  std::mutex stop_mu_;  // serialises Start/Stop
  bool started_ = false;
  bool stopped_ = false;
  std::atomic<uint16_t> port_{0};

  std::optional<net::thread_pool> blocking_pool_;
  std::vector<std::thread> threads_;

  std::vector<std::unique_ptr<net::io_context>> contexts_;  // one per I/O thread
  std::vector<net::executor_work_guard<Executor>> work_;
  size_t next_context_ = 0;  // the listener's: where the next connection goes
  net::basic_socket_acceptor<tcp, Executor> acceptor_;  // on the first context
  Timer accept_retry_timer_;                             // same context
  std::optional<net::signal_set> signals_;               // same context
};

// ---- Session ----------------------------------------------------------------------------------

class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket&& socket, Impl& server)
      : socket_(std::move(socket)), deadline_timer_(socket_.get_executor()), server_(server) {}

  ~Session() { server_.Unregister(this); }

  void Start() {
    net::dispatch(socket_.get_executor(),
                  beast::bind_front_handler(&Session::OnStart, shared_from_this()));
  }

  // Closes the connection on the session's context, then calls done->Done().
  void Close(std::shared_ptr<Countdown> done) {
    net::post(socket_.get_executor(), [self = shared_from_this(), done = std::move(done)] {
      self->CloseNow();
      done->Done();
    });
  }

 private:
  using Clock = std::chrono::steady_clock;

  // ---- deadlines: one timer per session, re-armed lazily ----

  // Gives the operation about to start `timeout` to complete; when it passes first, the socket is
  // closed and the operation fails. The timer is only touched when it is idle or due too late.
  void ArmDeadline(Clock::duration timeout) {
    deadline_ = Clock::now() + timeout;
    if (timer_armed_ && timer_due_ <= deadline_) return;  // it fires first and re-arms itself
    SetTimer(deadline_);
  }

  // The operation that armed the deadline completed.
  void ClearDeadline() { deadline_ = Clock::time_point::max(); }

  void SetTimer(Clock::time_point due) {
    timer_armed_ = true;
    timer_due_ = due;
    const uint64_t generation = ++timer_generation_;
    deadline_timer_.expires_at(due);  // a wait set before is cancelled: its generation is stale
    deadline_timer_.async_wait([weak = weak_from_this(), generation](beast::error_code ec) {
      auto self = weak.lock();  // the timer of a destroyed session must not touch it
      if (!self || ec || generation != self->timer_generation_) return;
      self->OnTimer();
    });
  }

  void OnTimer() {
    timer_armed_ = false;
    if (deadline_ == Clock::time_point::max() || !socket_.is_open()) return;
    if (Clock::now() < deadline_) return SetTimer(deadline_);
    CloseNow();  // the pending read or write fails with operation_aborted
  }

  void OnStart() {
    if (!server_.Register(shared_from_this())) {
      CloseNow();
      return;
    }
    beast::error_code ec;
    tcp::endpoint peer = socket_.remote_endpoint(ec);
    if (!ec) remote_address_ = peer.address().to_string();
    socket_.set_option(tcp::no_delay(true), ec);
    DoReadHeader();
  }

  void DoReadHeader() {
    parser_.emplace();
    parser_->body_limit(static_cast<std::uint64_t>(server_.options().body_limit));
    parser_->header_limit(server_.options().header_limit);
    ArmDeadline(server_.options().idle_timeout);
    http::async_read_header(socket_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnReadHeader, shared_from_this()));
  }

  void OnReadHeader(beast::error_code ec, size_t /*bytes*/) {
    ClearDeadline();
    if (ec) return OnReadError(ec);
    if (parser_->is_done()) return Dispatch();
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
      ArmDeadline(server_.options().idle_timeout);
      net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                       beast::bind_front_handler(&Session::OnContinueWritten, shared_from_this()));
      return;
    }
    DoReadBody();
  }

  void OnContinueWritten(beast::error_code ec, size_t /*bytes*/) {
    ClearDeadline();
    if (ec) return CloseNow();
    DoReadBody();
  }

  void DoReadBody() {
    ArmDeadline(server_.options().idle_timeout);
    http::async_read(socket_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnReadBody, shared_from_this()));
  }

  void OnReadBody(beast::error_code ec, size_t /*bytes*/) {
    ClearDeadline();
    if (ec) return OnReadError(ec);
    Dispatch();
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream) {  // clean close between requests
      beast::error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
      return CloseNow();
    }
    if (ec == http::error::body_limit) {
      return SendError(413, "Request body too large");
    }
    if (ec == http::error::header_limit) {
      return SendError(431, "Request header fields too large");
    }
    if (ec.category() == HttpErrorCategory() && ec != http::error::partial_message) {
      return SendError(400, "Bad request");
    }
    CloseNow();  // timeout, reset, aborted, or the peer left mid-message
  }

  // Turns the parsed message into request_ and runs the handler inline or on the blocking pool.
  void Dispatch() {
    auto& message = parser_->get();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    head_ = message.method() == http::verb::head;

    request_.method.assign(message.method_string());
    request_.target.assign(message.target());
    request_.headers.clear();
    for (const auto& field : message) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      });
      auto [it, inserted] = request_.headers.try_emplace(std::move(name), field.value());
      if (!inserted) {
        it->second.push_back(',');
        it->second.append(field.value());
      }
    }
    request_.body = std::move(message.body());
    request_.remote_address = remote_address_;

    bool blocking = false;
    try {
      blocking = server_.handler().IsBlocking(request_);
    } catch (const std::exception& e) {
      Log("IsBlocking threw", e.what());
      return Send(InternalErrorResponse());
    } catch (...) {
      Log("IsBlocking threw", "unknown exception");
      return Send(InternalErrorResponse());
    }
    if (!blocking) return Send(Invoke());

    // request_ is not touched on the session's context until the response is written, so the
    // pool thread may read it; posting back to the context orders the response write after Handle.
    net::post(server_.blocking_pool(), [self = shared_from_this()]() mutable {
      HttpResponse response = self->Invoke();
      auto executor = self->socket_.get_executor();
      net::post(executor, [self = std::move(self), response = std::move(response)]() mutable {
        self->Send(std::move(response));
      });
    });
  }

  HttpResponse Invoke() {
    try {
      return server_.handler().Handle(request_);
    } catch (const std::exception& e) {
      Log("handler threw", e.what());
    } catch (...) {
      Log("handler threw", "unknown exception");
    }
    return InternalErrorResponse();
  }

  void Send(HttpResponse&& response) {
    unsigned status = response.status;
    if (status < 100 || status > 999) status = 500;
    if (response.stream && !StatusHasNoBody(status)) return StartStream(status, response);
    bool close = !keep_alive_ || server_.stopping();
    Write(status, response.headers, std::move(response.body), close, /*linger=*/false);
  }

  // Answers a request we could not parse, then closes (after draining what the client still sends).
  void SendError(unsigned status, std::string_view text) {
    static const std::vector<std::pair<std::string, std::string>> kHeaders = {
        {"Content-Type", "text/plain"}};
    version_ = 11;
    head_ = false;
    Write(status, kHeaders, std::string(text), /*close=*/true, /*linger=*/true);
  }

  void Write(unsigned status, const std::vector<std::pair<std::string, std::string>>& headers,
             std::string&& body, bool close, bool linger) {
    body_ = StatusHasNoBody(status) ? std::string() : std::move(body);
    WriteResponseHead({.status = status,
                       .version = version_,
                       .headers = &headers,
                       .date = HttpDateNow(),
                       .content_length = body_.size(),
                       .close = close},
                      head_text_);
    if (head_) body_.clear();  // Content-Length stays that of the GET body
    close_after_write_ = close;
    linger_after_write_ = linger;

    ArmDeadline(server_.options().idle_timeout);
    const std::array<net::const_buffer, 2> buffers = {net::buffer(head_text_), net::buffer(body_)};
    net::async_write(socket_, buffers,
                     beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t /*bytes*/) {
    ClearDeadline();
    body_ = std::string();  // a large body is not kept while the connection idles
    if (ec) return CloseNow();
    if (linger_after_write_) return StartLinger();
    if (close_after_write_) {
      beast::error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
      return CloseNow();
    }
    DoReadHeader();
  }

  void StartLinger() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    buffer_.consume(buffer_.size());
    lingered_ = 0;
    ArmDeadline(kLingerTime);
    DoLinger();
  }

  void DoLinger() {
    socket_.async_read_some(buffer_.prepare(16 * 1024),
                            beast::bind_front_handler(&Session::OnLinger, shared_from_this()));
  }

  void OnLinger(beast::error_code ec, size_t bytes) {
    ClearDeadline();
    lingered_ += bytes;
    if (ec || lingered_ > kMaxLingerBytes) return CloseNow();
    DoLinger();
  }

  void CloseNow() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    ClearDeadline();
    deadline_timer_.cancel();
  }

  // ---- streamed responses (all on the session's context, except the producer call) ----

  void StartStream(unsigned status, HttpResponse& response) {
    producer_ = std::move(response.stream);
    if (StreamOver()) return EndStream();
    chunked_ = version_ >= 11;  // HTTP/1.0 has no chunked coding: the close ends the body

    stream_head_.emplace();
    auto& head = *stream_head_;
    head.result(status);
    head.version(version_);
    for (const auto& [name, value] : response.headers) head.insert(name, value);
    if (head.find(http::field::server) == head.end()) head.set(http::field::server, "cognate");
    if (head.find(http::field::date) == head.end()) head.set(http::field::date, HttpDateNow());
    head.erase(http::field::content_length);
    head.erase(http::field::transfer_encoding);
    if (chunked_) head.chunked(true);
    head.keep_alive(false);
    if (!head_) chunk_ = std::move(response.body);
    stream_serializer_.emplace(head);

    ArmDeadline(server_.options().idle_timeout);
    http::async_write_header(
        socket_, *stream_serializer_,
        beast::bind_front_handler(&Session::OnStreamHeadWritten, shared_from_this()));
    WatchForClose();
  }

  // The client has nothing more to send (the stream ends the connection), so a read completing
  // with EOF or an error means it has gone; without this, a quiet stream would only notice at its
  // next write. This read has no deadline (only the chunk writes do). Anything the client does
  // send is discarded.
  void WatchForClose() {
    socket_.async_read_some(
        buffer_.prepare(kWatchReadBytes),
        beast::bind_front_handler(&Session::OnWatch, shared_from_this()));
  }

  void OnWatch(beast::error_code ec, size_t /*bytes*/) {
    if (ec) return EndStream();
    WatchForClose();
  }

  void OnStreamHeadWritten(beast::error_code ec, size_t /*bytes*/) {
    ClearDeadline();
    stream_serializer_.reset();
    stream_head_.reset();
    if (ec || StreamOver()) return EndStream();
    if (head_) return FinishStream();
    if (!chunk_.empty()) return WriteChunk();
    PollProducer();
  }

  // Runs one producer call on the blocking pool, then continues on the session's context. The
  // producer travels with the call, so exactly one thread holds it at any time.
  void PollProducer() {
    if (StreamOver()) return EndStream();
    net::post(
        server_.blocking_pool(),
        [self = shared_from_this(), executor = socket_.get_executor(),
         producer = std::move(producer_), max_wait = server_.options().stream_max_wait]() mutable {
          std::optional<std::string> chunk;
          bool failed = true;
          try {
            chunk = producer(max_wait);
            failed = false;
          } catch (const std::exception& e) {
            Log("stream producer threw", e.what());
          } catch (...) {
            Log("stream producer threw", "unknown exception");
          }
          net::post(executor, [self = std::move(self), producer = std::move(producer),
                               chunk = std::move(chunk), failed]() mutable {
            self->OnProduced(std::move(producer), std::move(chunk), failed);
          });
        });
  }

  void OnProduced(HttpResponse::StreamProducer producer, std::optional<std::string> chunk,
                  bool failed) {
    producer_ = std::move(producer);
    if (failed || StreamOver()) return EndStream();  // a throw: no last chunk, so it reads as cut
    if (!chunk) return WriteLastChunk();
    if (chunk->empty()) return PollProducer();
    chunk_ = std::move(*chunk);
    WriteChunk();
  }

  void WriteChunk() {
    ArmDeadline(server_.options().idle_timeout);  // per chunk, so long streams live
    auto on_written = beast::bind_front_handler(&Session::OnChunkWritten, shared_from_this());
    if (chunked_) {
      net::async_write(socket_, http::make_chunk(net::buffer(chunk_)), std::move(on_written));
    } else {
      net::async_write(socket_, net::buffer(chunk_), std::move(on_written));
    }
  }

  void OnChunkWritten(beast::error_code ec, size_t /*bytes*/) {
    ClearDeadline();
    chunk_.clear();
    if (ec) return EndStream();  // the client went away, stalled past the deadline, or Stop
    PollProducer();
  }

  void WriteLastChunk() {
    producer_ = nullptr;
    if (!chunked_) return FinishStream();
    ArmDeadline(server_.options().idle_timeout);
    net::async_write(socket_, http::make_chunk_last(),
                     beast::bind_front_handler(&Session::OnLastChunkWritten, shared_from_this()));
  }

  void OnLastChunkWritten(beast::error_code ec, size_t /*bytes*/) {
    ClearDeadline();
    if (ec) return EndStream();
    FinishStream();
  }

  // A complete stream: FIN after the last byte, then close.
  void FinishStream() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    EndStream();
  }

  // Idempotent. While a producer call is out producer_ is empty; the producer is dropped when the
  // call comes back and sees the stream over.
  void EndStream() {
    stream_ended_ = true;
    producer_ = nullptr;
    CloseNow();
  }

  bool StreamOver() { return stream_ended_ || server_.stopping() || !socket_.is_open(); }

  Socket socket_;
  Timer deadline_timer_;
  Clock::time_point deadline_ = Clock::time_point::max();  // of the read or write in flight
  Clock::time_point timer_due_;
  bool timer_armed_ = false;
  uint64_t timer_generation_ = 0;
  Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpRequest request_;
  std::string head_text_;  // the response being written: head
  std::string body_;       // and body
  std::string remote_address_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
  bool close_after_write_ = false;
  bool linger_after_write_ = false;
  size_t lingered_ = 0;

  // Streamed response state.
  std::optional<http::response<http::empty_body>> stream_head_;
  std::optional<http::response_serializer<http::empty_body>> stream_serializer_;
  HttpResponse::StreamProducer producer_;
  std::string chunk_;  // being written
  bool chunked_ = true;
  bool stream_ended_ = false;
};

// ---- HttpServer::Impl methods -------------------------------------------------------------------

Status HttpServer::Impl::Start() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (started_ || stopped_) return FailedPreconditionError("HttpServer::Start called twice");

  beast::error_code ec;
  tcp::endpoint endpoint;
  net::ip::address address = net::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options_.port);
  } else {
    tcp::resolver resolver(*contexts_.front());
    auto results =
        resolver.resolve(options_.host, std::to_string(options_.port), tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return UnavailableError("cannot resolve " + options_.host + ": " + ec.message());
    }
    endpoint = results.begin()->endpoint();
  }
  std::string where = options_.host + ":" + std::to_string(options_.port);

  auto fail = [&](const char* step) {
    Status status = UnavailableError(std::string(step) + " " + where + ": " + ec.message());
    beast::error_code ignored;
    acceptor_.close(ignored);
    return status;
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("set reuse_address");
  acceptor_.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  port_ = acceptor_.local_endpoint(ec).port();

  blocking_pool_.emplace(static_cast<size_t>(std::max(1, options_.blocking_threads)));
  for (auto& context : contexts_) work_.push_back(net::make_work_guard(*context));
  if (options_.handle_signals) {
    signals_.emplace(acceptor_.get_executor(), SIGINT, SIGTERM);
    signals_->async_wait([this](beast::error_code signal_ec, int /*signal*/) {
      if (!signal_ec) RequestStop();
    });
  }
  net::dispatch(acceptor_.get_executor(), [this] { DoAccept(); });

  threads_.reserve(contexts_.size());
  for (auto& context : contexts_) {
    threads_.emplace_back([context = context.get()] {
      for (;;) {
        try {
          context->run();
          return;
        } catch (const std::exception& e) {
          Log("I/O thread caught", e.what());
        }
      }
    });
  }
  started_ = true;
  return Status::Ok();
}

void HttpServer::Impl::DoAccept() {
  net::io_context& context = *contexts_[next_context_];
  next_context_ = (next_context_ + 1) % contexts_.size();
  acceptor_.async_accept(context.get_executor(), beast::bind_front_handler(&Impl::OnAccept, this));
}

void HttpServer::Impl::OnAccept(beast::error_code ec, Socket socket) {
  if (!acceptor_.is_open() || stopping()) return;
  if (ec) {
    if (ec == net::error::operation_aborted) return;
    Log("accept failed", ec.message());  // e.g. out of file descriptors: back off briefly
    accept_retry_timer_.expires_after(std::chrono::milliseconds(50));
    accept_retry_timer_.async_wait([this](beast::error_code timer_ec) {
      if (!timer_ec) DoAccept();
    });
    return;
  }
  std::make_shared<Session>(std::move(socket), *this)->Start();
  DoAccept();
}

bool HttpServer::Impl::Register(const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(sessions_mu_);
  if (stopping_.load(std::memory_order_relaxed)) return false;
  sessions_.emplace(session.get(), session);
  return true;
}

void HttpServer::Impl::Unregister(Session* session) {
  std::lock_guard<std::mutex> lock(sessions_mu_);
  sessions_.erase(session);
}

void HttpServer::Impl::RequestStop() {
  std::lock_guard<std::mutex> lock(wait_mu_);
  stop_requested_ = true;
  wait_cv_.notify_all();
}

void HttpServer::Impl::Stop() {
  RequestStop();
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  if (!started_) return;

  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> sessions_lock(sessions_mu_);
    stopping_.store(true, std::memory_order_relaxed);
    sessions.reserve(sessions_.size());
    for (auto& [ptr, weak] : sessions_) {
      if (auto session = weak.lock()) sessions.push_back(std::move(session));
    }
  }
  auto closed = std::make_shared<Countdown>(sessions.size() + 1);
  net::post(acceptor_.get_executor(), [this, closed] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_timer_.cancel();
    if (signals_) signals_->cancel(ignored);
    closed->Done();
  });
  for (auto& session : sessions) session->Close(closed);
  sessions.clear();  // outside sessions_mu_: the last reference may destroy a session here
  closed->WaitFor(kStopCloseTimeout);

  blocking_pool_->join();  // requests already on the pool finish; their writes fail fast
  work_.clear();
  for (auto& context : contexts_) context->stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

void HttpServer::Impl::Wait() {
  {
    std::unique_lock<std::mutex> lock(wait_mu_);
    wait_cv_.wait(lock, [this] { return stop_requested_; });
  }
  Stop();
}

// ---- HttpServer ---------------------------------------------------------------------------------

HttpServer::HttpServer(HttpServerOptions options, HttpHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop() { impl_->Stop(); }
void HttpServer::Wait() { impl_->Wait(); }

}  // namespace cognate::api
