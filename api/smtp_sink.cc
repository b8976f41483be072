#include "api/smtp_sink.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include "api/smtp_message.h"
#include "engine/crypto/encoding.h"

namespace cognate::api {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr size_t kMaxReplyLine = 4096;   // bytes buffered while looking for the end of a line
constexpr int kMaxReplyLines = 100;      // lines of one multi-line reply

bool IsIpAddress(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// ---- one SMTP conversation ----

struct Reply {
  int code = 0;
  std::vector<std::string> lines;  // the text after "NNN-" / "NNN "

  // "550 mailbox unavailable": the code and the text, lines joined by spaces, at most 300 bytes.
  std::string ToString() const {
    std::string text = std::to_string(code);
    for (const auto& line : lines) {
      if (!line.empty()) text += " " + line;
    }
    if (text.size() > 300) text.resize(300);
    return text;
  }
};

struct Extensions {
  bool starttls = false;
  std::set<std::string> auth;  // mechanisms, upper case
};

struct Outcome {
  bool delivered = false;
  bool permanent = false;  // a retry cannot help
  std::string error;
};

Outcome Failed(std::string error, bool permanent = false) { return {false, permanent, std::move(error)}; }

// What one asynchronous operation left behind. Shared with its handler, so an operation that is
// abandoned (a resolve that outlives its timeout) completes into memory that still exists.
struct OpState {
  bool done = false;
  boost::system::error_code ec;
};

// One connection: connect, talk, close. Lives on the worker thread; every wait goes through
// Await, which bounds it by the I/O timeout and by the sink's stop deadline.
class Session {
 public:
  Session(asio::io_context& io, ssl::context& tls, const SmtpConfig& config, const SmtpSinkOptions& options,
          std::string helo_name, std::function<SteadyClock::time_point()> stop_deadline)
      : io_(io),
        config_(config),
        options_(options),
        helo_name_(std::move(helo_name)),
        stop_deadline_(std::move(stop_deadline)),
        resolver_(io),
        stream_(io, tls) {}

  ~Session() { Abort(); }

  Outcome Deliver(const std::string& to, const std::string& data);

 private:
  template <typename Initiate>
  Status Await(const std::string& what, bool on_socket, Initiate&& initiate);
  Status Connect();
  Status Handshake();
  Status Write(std::string_view bytes, const std::string& what);
  Status ReadLine(std::string& line);
  Result<Reply> ReadReply();
  Result<Reply> Command(const std::string& line, const std::string& what);
  Result<Extensions> Hello();
  // Nothing when authenticated, else why not.
  std::optional<Outcome> Authenticate(const Extensions& extensions);
  void Abort();

  asio::io_context& io_;
  const SmtpConfig& config_;
  const SmtpSinkOptions& options_;
  const std::string helo_name_;
  const std::function<SteadyClock::time_point()> stop_deadline_;
  tcp::resolver resolver_;
  ssl::stream<tcp::socket> stream_;
  bool tls_ = false;
  std::string in_;  // received bytes not yet consumed
};

template <typename Initiate>
Status Session::Await(const std::string& what, bool on_socket, Initiate&& initiate) {
  auto state = std::make_shared<OpState>();
  initiate([state](const boost::system::error_code& ec, auto&&...) {
    state->ec = ec;
    state->done = true;
  });
  const auto op_deadline = SteadyClock::now() + options_.io_timeout;
  io_.restart();
  while (!state->done) {
    const auto deadline = std::min(op_deadline, stop_deadline_());
    const auto now = SteadyClock::now();
    if (now >= deadline) break;
    // Short slices, so that a Stop() is noticed within one.
    io_.run_one_for(std::min<SteadyClock::duration>(deadline - now, std::chrono::milliseconds(50)));
    if (io_.stopped() && !state->done) break;  // out of work: cannot happen with an operation pending
  }
  if (!state->done) {
    const bool stopping = SteadyClock::now() >= stop_deadline_();
    Abort();
    // Closing the socket completes its operations at once; they must finish before the stream
    // they use goes away. An abandoned resolve finishes into `state` whenever it likes.
    if (on_socket) {
      io_.restart();
      while (!state->done && io_.run_one() > 0) {
      }
    }
    return UnavailableError(what + (stopping ? ": abandoned, the sink is stopping" : ": timed out"));
  }
  if (state->ec) return UnavailableError(what + ": " + state->ec.message());
  return Status::Ok();
}

void Session::Abort() {
  boost::system::error_code ignored;
  resolver_.cancel();
  stream_.next_layer().close(ignored);
}

Status Session::Connect() {
  std::string where = config_.host;
  where += ':';
  where += std::to_string(config_.port);
  std::vector<tcp::endpoint> endpoints;
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(config_.host, ec);
  if (!ec) {
    endpoints.emplace_back(address, config_.port);
  } else {
    auto results = std::make_shared<tcp::resolver::results_type>();
    Status resolved = Await("resolving " + config_.host, false, [&](auto handler) {
      resolver_.async_resolve(config_.host, std::to_string(config_.port),
                              [results, handler](const boost::system::error_code& e,
                                                 tcp::resolver::results_type found) mutable {
                                *results = std::move(found);
                                handler(e);
                              });
    });
    if (!resolved.ok()) return resolved;
    for (const auto& entry : *results) endpoints.push_back(entry.endpoint());
    if (endpoints.empty()) return UnavailableError("resolving " + config_.host + ": no address");
  }
  return Await("connecting to " + where, true,
               [&](auto handler) { asio::async_connect(stream_.next_layer(), endpoints, handler); });
}

Status Session::Handshake() {
  if (config_.tls_verify) {
    stream_.set_verify_mode(ssl::verify_peer);
    stream_.set_verify_callback(ssl::host_name_verification(config_.host));
  } else {
    stream_.set_verify_mode(ssl::verify_none);
  }
  if (!IsIpAddress(config_.host)) SSL_set_tlsext_host_name(stream_.native_handle(), config_.host.c_str());
  Status shaken = Await("TLS handshake", true, [&](auto handler) {
    stream_.async_handshake(ssl::stream_base::client, handler);
  });
  if (shaken.ok()) tls_ = true;
  return shaken;
}

Status Session::Write(std::string_view bytes, const std::string& what) {
  return Await(what, true, [&](auto handler) {
    if (tls_) {
      asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), handler);
    } else {
      asio::async_write(stream_.next_layer(), asio::buffer(bytes.data(), bytes.size()), handler);
    }
  });
}

Status Session::ReadLine(std::string& line) {
  if (in_.find('\n') == std::string::npos) {
    Status read = Await("reading a reply", true, [&](auto handler) {
      if (tls_) {
        asio::async_read_until(stream_, asio::dynamic_buffer(in_, kMaxReplyLine), '\n', handler);
      } else {
        asio::async_read_until(stream_.next_layer(), asio::dynamic_buffer(in_, kMaxReplyLine), '\n', handler);
      }
    });
    if (!read.ok()) return in_.size() >= kMaxReplyLine ? UnavailableError("reply line too long") : read;
  }
  const size_t end = in_.find('\n');
  if (end == std::string::npos) return UnavailableError("reading a reply: incomplete line");
  line = in_.substr(0, end);
  in_.erase(0, end + 1);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return Status::Ok();
}

Result<Reply> Session::ReadReply() {
  Reply reply;
  for (int i = 0; i < kMaxReplyLines; ++i) {
    std::string line;
    if (Status read = ReadLine(line); !read.ok()) return read;
    const bool well_formed = line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
                             std::isdigit(static_cast<unsigned char>(line[1])) &&
                             std::isdigit(static_cast<unsigned char>(line[2])) &&
                             (line.size() == 3 || line[3] == ' ' || line[3] == '-');
    const int code = well_formed ? std::stoi(line.substr(0, 3)) : 0;
    if (!well_formed || (i > 0 && code != reply.code)) {
      if (line.size() > 80) line.resize(80);
      return UnavailableError("malformed reply: " + line);
    }
    reply.code = code;
    reply.lines.push_back(line.size() > 4 ? line.substr(4) : "");
    if (line.size() == 3 || line[3] == ' ') return reply;
  }
  std::string problem = "reply of more than ";
  problem += std::to_string(kMaxReplyLines);
  problem += " lines";
  return UnavailableError(problem);
}

Result<Reply> Session::Command(const std::string& line, const std::string& what) {
  if (Status sent = Write(line + "\r\n", "sending " + what); !sent.ok()) return sent;
  return ReadReply();
}

Result<Extensions> Session::Hello() {
  auto ehlo = Command("EHLO " + helo_name_, "EHLO");
  if (!ehlo.ok()) return ehlo.status();
  Extensions extensions;
  if (ehlo->code != 250) {
    auto helo = Command("HELO " + helo_name_, "HELO");
    if (!helo.ok()) return helo.status();
    if (helo->code != 250) return UnavailableError("HELO: " + helo->ToString());
    return extensions;
  }
  for (size_t i = 1; i < ehlo->lines.size(); ++i) {
    std::string line = ehlo->lines[i];
    std::transform(line.begin(), line.end(), line.begin(),
                   [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
    if (line == "STARTTLS") extensions.starttls = true;
    if (line.rfind("AUTH", 0) == 0 && line.size() > 4 && (line[4] == ' ' || line[4] == '=')) {
      for (size_t start = 5; start < line.size();) {
        size_t end = line.find(' ', start);
        if (end == std::string::npos) end = line.size();
        if (end > start) extensions.auth.insert(line.substr(start, end - start));
        start = end + 1;
      }
    }
  }
  return extensions;
}

std::optional<Outcome> Session::Authenticate(const Extensions& extensions) {
  // A 5xx (bad credentials, mechanism refused) is not worth retrying.
  auto refused = [](const Reply& reply) { return Failed("AUTH: " + reply.ToString(), reply.code >= 500); };
  if (extensions.auth.count("PLAIN")) {
    std::string token;
    token += '\0';
    token += config_.user;
    token += '\0';
    token += config_.password;
    auto reply = Command("AUTH PLAIN " + crypto::Base64Encode(token), "AUTH PLAIN");
    if (!reply.ok()) return Failed(reply.status().message());
    if (reply->code != 235) return refused(*reply);
    return std::nullopt;
  }
  if (extensions.auth.count("LOGIN")) {
    auto reply = Command("AUTH LOGIN", "AUTH LOGIN");
    if (!reply.ok()) return Failed(reply.status().message());
    if (reply->code != 334) return refused(*reply);
    reply = Command(crypto::Base64Encode(config_.user), "the user name");
    if (!reply.ok()) return Failed(reply.status().message());
    if (reply->code != 334) return refused(*reply);
    reply = Command(crypto::Base64Encode(config_.password), "the password");
    if (!reply.ok()) return Failed(reply.status().message());
    if (reply->code != 235) return refused(*reply);
    return std::nullopt;
  }
  std::string offered;
  for (const auto& mechanism : extensions.auth) offered += (offered.empty() ? "" : " ") + mechanism;
  return Failed(offered.empty() ? std::string("the server offers no AUTH")
                                : "the server offers neither AUTH PLAIN nor AUTH LOGIN (only " + offered + ")",
                true);
}

Outcome Session::Deliver(const std::string& to, const std::string& data) {
  if (Status connected = Connect(); !connected.ok()) return Failed(connected.message());
  if (config_.tls == SmtpTls::kImplicit) {
    if (Status shaken = Handshake(); !shaken.ok()) return Failed(shaken.message());
  }
  auto greeting = ReadReply();
  if (!greeting.ok()) return Failed(greeting.status().message());
  if (greeting->code != 220) return Failed("greeting: " + greeting->ToString());
  auto extensions = Hello();
  if (!extensions.ok()) return Failed(extensions.status().message());

  const bool want_tls = config_.tls == SmtpTls::kStartTlsRequired || config_.tls == SmtpTls::kStartTlsOptional;
  if (!tls_ && want_tls && extensions->starttls) {
    auto reply = Command("STARTTLS", "STARTTLS");
    if (!reply.ok()) return Failed(reply.status().message());
    if (reply->code != 220) return Failed("STARTTLS: " + reply->ToString());
    // Anything the server sent after its 220 came in plain text and must not be taken as if it
    // had come over TLS (CVE-2011-0411 and kin).
    if (!in_.empty()) return Failed("plain-text data after the STARTTLS reply");
    if (Status shaken = Handshake(); !shaken.ok()) return Failed(shaken.message());
    extensions = Hello();
    if (!extensions.ok()) return Failed(extensions.status().message());
  } else if (!tls_ && config_.tls == SmtpTls::kStartTlsRequired) {
    return Failed("the server does not offer STARTTLS (starttls=required)");
  }

  if (!config_.user.empty()) {
    // starttls=optional must not become a way to send the password in clear text when someone
    // strips STARTTLS from the server's answer; starttls=off says it is fine.
    if (!tls_ && config_.tls != SmtpTls::kOff) {
      return Failed("not sending credentials without TLS: the server did not offer STARTTLS "
                    "(starttls=off allows it)");
    }
    if (auto refusal = Authenticate(*extensions)) return *refusal;
  }

  // Refusals from here on are final when permanent (5xx), retried when transient (4xx).
  auto step = [&](const std::string& line, const std::string& what, int expected) -> std::optional<Outcome> {
    auto reply = Command(line, what);
    if (!reply.ok()) return Failed(reply.status().message());
    if (reply->code != expected) return Failed(reply->ToString(), reply->code >= 500);
    return std::nullopt;
  };
  if (auto failed = step("MAIL FROM:<" + config_.from + ">", "MAIL FROM", 250)) return *failed;
  auto rcpt = Command("RCPT TO:<" + to + ">", "RCPT TO");
  if (!rcpt.ok()) return Failed(rcpt.status().message());
  if (rcpt->code != 250 && rcpt->code != 251) return Failed(rcpt->ToString(), rcpt->code >= 500);
  if (auto failed = step("DATA", "DATA", 354)) return *failed;
  if (Status sent = Write(data, "sending the message"); !sent.ok()) return Failed(sent.message());
  auto accepted = ReadReply();
  if (!accepted.ok()) return Failed(accepted.status().message());
  if (accepted->code != 250) return Failed(accepted->ToString(), accepted->code >= 500);

  // The message is the server's now; how QUIT goes does not matter.
  Command("QUIT", "QUIT").IgnoreError();
  return {true, false, ""};
}

std::string DefaultHeloName() {
  boost::system::error_code ec;
  std::string name = asio::ip::host_name(ec);
  return ec || !IsHostName(name) ? std::string("localhost") : name;
}

}  // namespace

SmtpSink::SmtpSink(SmtpConfig config, DeliveryObserver observer, MessageSink* also, SmtpSinkOptions options)
    : config_(std::move(config)), observer_(std::move(observer)), also_(also), options_(std::move(options)) {
  worker_ = std::thread([this] { Run(); });
}

SmtpSink::~SmtpSink() { Stop(); }

void SmtpSink::Send(const OutgoingMessage& message) {
  if (also_) also_->Send(message);
  std::string refusal;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    if (message.delivery_medium == "EMAIL" && queue_.size() < options_.queue_limit) {
      queue_.push_back({message, 0, Clock::now(), ""});
    } else {
      if (message.delivery_medium == "SMS") refusal = "no SMS transport configured";
      else if (message.delivery_medium != "EMAIL") refusal = "no transport for " + message.delivery_medium;
      else refusal = "the SMTP queue is full: message dropped";
      // Reports wait in a queue of their own, also bounded; past it the failure is only logged.
      if (reports_.size() < std::max<size_t>(options_.queue_limit, 1024)) {
        reports_.push_back({message, DeliveryReport{false, 0, true, refusal}});
        refusal.clear();
      }
    }
  }
  wake_.notify_one();
  if (!refusal.empty()) std::cerr << "smtp: a message for pool " << message.user_pool_id << " lost: " << refusal << "\n";
}

void SmtpSink::Stop() {
  std::lock_guard stop_lock(stop_mu_);
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      stop_deadline_.store((Clock::now() + options_.stop_drain).time_since_epoch().count());
    }
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

SmtpSink::Clock::time_point SmtpSink::StopDeadline() const {
  return Clock::time_point(Clock::duration(stop_deadline_.load()));
}

void SmtpSink::Notify(const OutgoingMessage& message, const DeliveryReport& report) {
  if (report.final && !report.delivered && report.attempts > 0) {
    std::cerr << "smtp: gave up on a message for pool " << message.user_pool_id << " after " << report.attempts
              << " attempt(s): " << report.error << "\n";
  }
  if (!observer_) return;
  try {
    observer_(message, report);
  } catch (const std::exception& e) {
    std::cerr << "smtp: the delivery observer failed: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "smtp: the delivery observer failed\n";
  }
}

void SmtpSink::Run() {
  asio::io_context io;
  ssl::context tls(ssl::context::tls_client);
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (config_.tls_verify) {
    boost::system::error_code ec;
    tls.set_default_verify_paths(ec);
    if (ec) std::cerr << "smtp: cannot load the system's trusted certificates: " << ec.message() << "\n";
  }
  const std::string helo_name = options_.helo_name.empty() ? DefaultHeloName() : options_.helo_name;
  std::unique_lock lock(mu_);
  for (;;) {
    while (!reports_.empty()) {
      Report report = std::move(reports_.front());
      reports_.pop_front();
      lock.unlock();
      Notify(report.message, report.report);
      lock.lock();
    }
    const auto now = Clock::now();
    if (stopping_ && now >= StopDeadline()) break;
    auto ready = std::find_if(queue_.begin(), queue_.end(), [&](const Pending& p) { return p.due <= now; });
    if (ready == queue_.end()) {
      if (stopping_) break;  // what is left waits out a retry delay: abandoned
      if (queue_.empty()) {
        wake_.wait(lock);
      } else {
        const auto next = std::min_element(queue_.begin(), queue_.end(),
                                           [](const Pending& a, const Pending& b) { return a.due < b.due; });
        wake_.wait_until(lock, next->due);
      }
      continue;
    }
    Pending item = std::move(*ready);
    queue_.erase(ready);
    lock.unlock();

    Outcome outcome;
    if (!IsPlainMailAddress(item.message.destination)) {
      outcome = Failed("invalid recipient address", true);
    } else {
      if (item.data.empty()) item.data = ComposeSmtpData(config_, item.message);
      Session session(io, tls, config_, options_, helo_name, [this] { return StopDeadline(); });
      outcome = session.Deliver(item.message.destination, item.data);
    }
    ++item.attempts;
    const bool exhausted = static_cast<size_t>(item.attempts) > options_.retry_delays.size();
    lock.lock();
    DeliveryReport report{outcome.delivered, item.attempts,
                          outcome.delivered || outcome.permanent || exhausted || stopping_, outcome.error};
    lock.unlock();
    Notify(item.message, report);
    lock.lock();
    if (!report.final) {
      item.due = Clock::now() + options_.retry_delays[static_cast<size_t>(item.attempts) - 1];
      queue_.push_back(std::move(item));
    }
  }
  if (!queue_.empty()) {
    std::cerr << "smtp: stopped with " << queue_.size() << " message(s) undelivered\n";
  }
  queue_.clear();
  reports_.clear();
}

}  // namespace cognate::api
