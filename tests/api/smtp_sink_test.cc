// SmtpSink: the URL it is configured by, and delivery against a scripted SMTP server on a
// loopback port: envelope, headers and dot-stuffing of what arrives, AUTH PLAIN, retries after a
// 4xx or a refused connection, a 5xx as final, SMS as undeliverable, and a prompt stop when the
// server never answers.
#include "api/smtp_sink.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include "engine/crypto/encoding.h"
#include "tests/support/capturing_sink.h"

namespace cognate::api {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;

// ---- ParseSmtpUrl ----

TEST(SmtpUrl, DefaultsFromHostAlone) {
  auto config = ParseSmtpUrl("smtp://mail.example.com");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->host, "mail.example.com");
  EXPECT_EQ(config->port, 25);
  EXPECT_EQ(config->tls, SmtpTls::kStartTlsOptional);
  EXPECT_FALSE(config->tls_verify);
  EXPECT_EQ(config->user, "");
  EXPECT_EQ(config->from, "no-reply@mail.example.com");
}

TEST(SmtpUrl, CredentialsArePercentDecoded) {
  auto config = ParseSmtpUrl(
      "smtp://us%40er:p%3Ass%40w%25@127.0.0.1:2525?starttls=required&from=codes%40example.com");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->user, "us@er");
  EXPECT_EQ(config->password, "p:ss@w%");
  EXPECT_EQ(config->host, "127.0.0.1");
  EXPECT_EQ(config->port, 2525);
  EXPECT_EQ(config->tls, SmtpTls::kStartTlsRequired);
  EXPECT_EQ(config->from, "codes@example.com");
}

TEST(SmtpUrl, SmtpsIsImplicitTlsOnPort465) {
  auto config = ParseSmtpUrl("smtps://u:p@smtp.example.com/?tls_verify=on");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->tls, SmtpTls::kImplicit);
  EXPECT_EQ(config->port, 465);
  EXPECT_TRUE(config->tls_verify);
}

TEST(SmtpUrl, OffAndIpv6) {
  auto config = ParseSmtpUrl("smtp://[::1]:2526?starttls=off&tls_verify=off");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->host, "::1");
  EXPECT_EQ(config->port, 2526);
  EXPECT_EQ(config->tls, SmtpTls::kOff);
  EXPECT_EQ(config->from, "no-reply@[IPv6:::1]");
}

TEST(SmtpUrl, RejectsWhatItCannotMean) {
  for (const char* url : {"http://mail.example.com", "mail.example.com", "smtp://", "smtp://:25",
                          "smtp://h:0", "smtp://h:65536", "smtp://h:2x", "smtp://h:", "smtp://user@h",
                          "smtp://:pw@h", "smtp://u:p%zz@h", "smtp://u:p%4@h", "smtp://h?starttls=maybe",
                          "smtp://h?unknown=1", "smtps://h?starttls=required", "smtp://h?from=nobody",
                          "smtp://h?from=a%0D%0Ab@c", "smtp://h?tls_verify=yes", "smtp://h/path",
                          "smtp://h#frag", "smtp://::1:25", "smtp://[::1", "smtp://[zz]:25",
                          "smtp://h?starttls=off&starttls=required", "smtp://bad host"}) {
    auto config = ParseSmtpUrl(url);
    EXPECT_FALSE(config.ok()) << url;
    if (!config.ok()) {
      EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument) << url;
    }
  }
}

// ---- a scripted SMTP server ----

struct Script {
  bool silent = false;                     // accept connections, never say a word
  bool offer_auth = false;                 // EHLO lists AUTH PLAIN LOGIN
  std::string rcpt_reply = "250 OK";
  std::vector<std::string> data_replies;   // to the end of DATA, one per message; then 250
};

struct Received {
  std::string mail_from;
  std::string rcpt_to;
  std::string data;  // as sent, dot-stuffed, without the terminating "." line
  std::string auth;  // the decoded AUTH PLAIN token
};

// One thread, one connection at a time, blocking I/O; the sink is its only client.
class ScriptedSmtpServer {
 public:
  explicit ScriptedSmtpServer(Script script)
      : script_(std::move(script)), acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Loop(); });
  }

  ~ScriptedSmtpServer() {
    stop_ = true;
    // Wakes the blocking accept with a connection of our own.
    asio::io_context io;
    tcp::socket poke(io);
    boost::system::error_code ec;
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
  }

  uint16_t port() const { return port_; }

  std::vector<Received> received() const {
    std::lock_guard lock(mu_);
    return received_;
  }
  int connections() const { return connections_.load(); }

 private:
  void Loop() {
    while (!stop_) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stop_) return;
      ++connections_;
      Serve(socket);
    }
  }

  bool ReadLine(tcp::socket& socket, std::string& buffer, std::string& line) {
    boost::system::error_code ec;
    const size_t n = asio::read_until(socket, asio::dynamic_buffer(buffer), "\r\n", ec);
    if (ec) return false;
    line = buffer.substr(0, n - 2);
    buffer.erase(0, n);
    return true;
  }

  void Serve(tcp::socket& socket) {
    std::string buffer;
    std::string line;
    if (script_.silent) {
      while (ReadLine(socket, buffer, line)) {
      }
      return;
    }
    auto say = [&](const std::string& text) {
      boost::system::error_code ec;
      asio::write(socket, asio::buffer(text + "\r\n"), ec);
    };
    say("220 scripted ESMTP");
    Received message;
    while (ReadLine(socket, buffer, line)) {
      const std::string verb = line.substr(0, line.find(' '));
      if (verb == "EHLO") {
        say("250-scripted greets you");
        say("250-PIPELINING");
        if (script_.offer_auth) say("250-AUTH PLAIN LOGIN");
        say("250 8BITMIME");
      } else if (verb == "AUTH") {
        auto token = crypto::Base64Decode(line.substr(line.rfind(' ') + 1));
        message.auth = token.ok() ? *token : "?";
        say("235 2.7.0 Authentication successful");
      } else if (verb == "MAIL") {
        message.mail_from = line;
        say("250 OK");
      } else if (verb == "RCPT") {
        message.rcpt_to = line;
        say(script_.rcpt_reply);
      } else if (verb == "DATA") {
        say("354 go ahead");
        std::string data;
        while (ReadLine(socket, buffer, line) && line != ".") data += line + "\r\n";
        message.data = data;
        std::string reply = "250 OK queued";
        {
          std::lock_guard lock(mu_);
          if (data_count_ < script_.data_replies.size()) reply = script_.data_replies[data_count_];
          ++data_count_;
          if (reply[0] == '2') received_.push_back(message);
        }
        say(reply);
      } else if (verb == "QUIT") {
        say("221 bye");
        return;
      } else {
        say("500 what?");
      }
    }
  }

  const Script script_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  size_t data_count_ = 0;
  std::vector<Received> received_;
  std::thread thread_;
};

// Collects the observer's reports.
class Reports {
 public:
  DeliveryObserver Observer() {
    return [this](const OutgoingMessage& message, const DeliveryReport& report) {
      std::lock_guard lock(mu_);
      reports_.push_back(report);
      destinations_.push_back(message.destination);
      changed_.notify_all();
    };
  }

  // Waits (up to 10 s) for at least `n` reports and returns all there are.
  std::vector<DeliveryReport> WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, std::chrono::seconds(10), [&] { return reports_.size() >= n; });
    return reports_;
  }

  std::vector<DeliveryReport> Now() {
    std::lock_guard lock(mu_);
    return reports_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<DeliveryReport> reports_;
  std::vector<std::string> destinations_;
};

SmtpConfig Config(uint16_t port, const std::string& query = "starttls=off", const std::string& credentials = "") {
  std::string url = "smtp://" + credentials;
  url += "127.0.0.1:";
  url += std::to_string(port);
  url += "?" + query;
  auto config = ParseSmtpUrl(url);
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  return config.ok() ? *config : SmtpConfig{};
}

SmtpSinkOptions FastOptions(std::vector<milliseconds> retry_delays = {milliseconds(50), milliseconds(50)}) {
  SmtpSinkOptions options;
  options.retry_delays = std::move(retry_delays);
  options.io_timeout = std::chrono::seconds(5);
  options.stop_drain = milliseconds(200);
  options.helo_name = "test.invalid";
  return options;
}

OutgoingMessage Email(const std::string& to = "alice@example.com") {
  OutgoingMessage m;
  m.user_pool_id = "us-east-1_Test";
  m.username = "alice";
  m.destination = to;
  m.delivery_medium = "EMAIL";
  m.subject = "Your verification code";
  m.body = "Hello alice,\n.a line that starts with a dot\n..and two\nYour code is 123456.\n";
  m.code = "123456";
  m.created_at_ms = 1700000000000;  // Tue, 14 Nov 2023 22:13:20 +0000
  return m;
}

// ---- delivery ----

TEST(SmtpSink, DeliversWithEnvelopeHeadersAndDotStuffing) {
  ScriptedSmtpServer server({});
  Reports reports;
  testing::CapturingSink outbox;
  SmtpSink sink(Config(server.port()), reports.Observer(), &outbox, FastOptions());
  sink.Send(Email());
  EXPECT_EQ(outbox.size(), 1u) << "handed on synchronously";

  const auto seen = reports.WaitFor(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].delivered) << seen[0].error;
  EXPECT_TRUE(seen[0].final);
  EXPECT_EQ(seen[0].attempts, 1);
  EXPECT_EQ(seen[0].error, "");

  const auto mail = server.received();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].mail_from, "MAIL FROM:<no-reply@127.0.0.1>");
  EXPECT_EQ(mail[0].rcpt_to, "RCPT TO:<alice@example.com>");
  EXPECT_EQ(mail[0].auth, "");
  const std::string& data = mail[0].data;
  EXPECT_NE(data.find("Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"), std::string::npos) << data;
  EXPECT_NE(data.find("From: no-reply@127.0.0.1\r\n"), std::string::npos) << data;
  EXPECT_NE(data.find("To: alice@example.com\r\n"), std::string::npos) << data;
  EXPECT_NE(data.find("Subject: Your verification code\r\n"), std::string::npos) << data;
  EXPECT_TRUE(std::regex_search(data, std::regex("\r\nMessage-ID: <[0-9a-f]{32}@127\\.0\\.0\\.1>\r\n"))) << data;
  EXPECT_NE(data.find("MIME-Version: 1.0\r\n"), std::string::npos) << data;
  EXPECT_NE(data.find("Content-Type: text/plain; charset=UTF-8\r\n"), std::string::npos) << data;
  EXPECT_NE(data.find("Content-Transfer-Encoding: 7bit\r\n"), std::string::npos) << data;
  EXPECT_NE(data.find("\r\n\r\nHello alice,\r\n..a line that starts with a dot\r\n...and two\r\n"
                      "Your code is 123456.\r\n"),
            std::string::npos)
      << data;
  EXPECT_EQ(data.find('\n'), data.find("\r\n") + 1) << "CRLF line endings";
}

TEST(SmtpSink, NonAsciiSubjectIsAnEncodedWordAndBodyQuotedPrintable) {
  ScriptedSmtpServer server({});
  Reports reports;
  SmtpSink sink(Config(server.port(), "starttls=optional&from=codes%40example.com"), reports.Observer(), nullptr,
                FastOptions());
  OutgoingMessage m = Email();
  m.subject = "Votre code ✓";
  m.body = "Café: 123456 = ok\n";
  sink.Send(m);
  ASSERT_TRUE(reports.WaitFor(1).at(0).delivered);
  const auto mail = server.received();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].mail_from, "MAIL FROM:<codes@example.com>");
  const std::string& data = mail[0].data;
  EXPECT_NE(data.find("Subject: =?UTF-8?B?" + crypto::Base64Encode("Votre code ✓") + "?=\r\n"), std::string::npos)
      << data;
  EXPECT_NE(data.find("Content-Transfer-Encoding: quoted-printable\r\n"), std::string::npos) << data;
  EXPECT_NE(data.find("\r\n\r\nCaf=C3=A9: 123456 =3D ok\r\n"), std::string::npos) << data;
}

TEST(SmtpSink, SendsAuthPlainWhenGivenCredentials) {
  Script script;
  script.offer_auth = true;
  ScriptedSmtpServer server(script);
  Reports reports;
  SmtpSink sink(Config(server.port(), "starttls=off", "alice:s3cr%40t@"), reports.Observer(), nullptr,
                FastOptions());
  sink.Send(Email());
  const auto seen = reports.WaitFor(1);
  ASSERT_TRUE(seen.at(0).delivered) << seen[0].error;
  const auto mail = server.received();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].auth, std::string("\0alice\0s3cr@t", 13));
}

TEST(SmtpSink, KeepsCredentialsOffPlainTextUnlessTold) {
  Script script;
  script.offer_auth = true;
  ScriptedSmtpServer server(script);
  Reports reports;
  SmtpSink sink(Config(server.port(), "starttls=optional", "alice:secret@"), reports.Observer(), nullptr,
                FastOptions({}));
  sink.Send(Email());
  const auto seen = reports.WaitFor(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].delivered);
  EXPECT_TRUE(seen[0].final);
  EXPECT_NE(seen[0].error.find("without TLS"), std::string::npos) << seen[0].error;
  EXPECT_TRUE(server.received().empty());
}

TEST(SmtpSink, RetriesAfterA4xxReply) {
  Script script;
  script.data_replies = {"451 4.3.0 try again later"};
  ScriptedSmtpServer server(script);
  Reports reports;
  SmtpSink sink(Config(server.port()), reports.Observer(), nullptr, FastOptions());
  sink.Send(Email());
  const auto seen = reports.WaitFor(2);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen[0].delivered);
  EXPECT_FALSE(seen[0].final);
  EXPECT_EQ(seen[0].attempts, 1);
  EXPECT_EQ(seen[0].error, "451 4.3.0 try again later");
  EXPECT_TRUE(seen[1].delivered);
  EXPECT_TRUE(seen[1].final);
  EXPECT_EQ(seen[1].attempts, 2);
  EXPECT_EQ(server.received().size(), 1u);
}

TEST(SmtpSink, A5xxToRcptIsFinal) {
  Script script;
  script.rcpt_reply = "550 mailbox unavailable";
  ScriptedSmtpServer server(script);
  Reports reports;
  SmtpSink sink(Config(server.port()), reports.Observer(), nullptr, FastOptions());
  sink.Send(Email());
  const auto seen = reports.WaitFor(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].delivered);
  EXPECT_TRUE(seen[0].final);
  EXPECT_EQ(seen[0].attempts, 1);
  EXPECT_EQ(seen[0].error, "550 mailbox unavailable");
  std::this_thread::sleep_for(milliseconds(200));  // well past the 50 ms retry delay
  EXPECT_EQ(reports.Now().size(), 1u);
  EXPECT_EQ(server.connections(), 1);
}

TEST(SmtpSink, RetriesARefusedConnectionThenGivesUp) {
  uint16_t port = 0;
  {
    asio::io_context io;
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  Reports reports;
  SmtpSink sink(Config(port), reports.Observer(), nullptr, FastOptions());
  sink.Send(Email());
  const auto seen = reports.WaitFor(3);
  ASSERT_EQ(seen.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(seen[i].delivered);
    EXPECT_EQ(seen[i].attempts, i + 1);
    EXPECT_EQ(seen[i].final, i == 2);
    EXPECT_NE(seen[i].error.find("connecting to 127.0.0.1:"), std::string::npos) << seen[i].error;
  }
}

TEST(SmtpSink, SendReturnsAtOnceAndStopIsPromptWhenTheServerIsSilent) {
  Script script;
  script.silent = true;
  ScriptedSmtpServer server(script);
  Reports reports;
  SmtpSinkOptions options = FastOptions();
  options.io_timeout = std::chrono::seconds(30);
  auto sink = std::make_unique<SmtpSink>(Config(server.port()), reports.Observer(), nullptr, options);

  const auto before_send = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) sink->Send(Email());
  EXPECT_LT(std::chrono::steady_clock::now() - before_send, milliseconds(500));

  std::this_thread::sleep_for(milliseconds(100));  // the worker is now waiting for a greeting
  EXPECT_EQ(server.connections(), 1);
  const auto before_stop = std::chrono::steady_clock::now();
  sink->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before_stop, std::chrono::seconds(2));
  const auto seen = reports.Now();
  ASSERT_EQ(seen.size(), 1u) << "only the message in flight is reported; the queue is abandoned";
  EXPECT_FALSE(seen[0].delivered);
  EXPECT_TRUE(seen[0].final);
  sink.reset();
}

TEST(SmtpSink, SmsIsReportedUndeliverableButStillTeed) {
  Reports reports;
  testing::CapturingSink outbox;
  SmtpSink sink(Config(9), reports.Observer(), &outbox, FastOptions());
  OutgoingMessage sms = Email("+15555550100");
  sms.delivery_medium = "SMS";
  sink.Send(sms);
  const auto seen = reports.WaitFor(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].delivered);
  EXPECT_TRUE(seen[0].final);
  EXPECT_EQ(seen[0].attempts, 0);
  EXPECT_EQ(seen[0].error, "no SMS transport configured");
  EXPECT_EQ(outbox.size(), 1u);
}

TEST(SmtpSink, DropsAndReportsWhatDoesNotFitTheQueue) {
  Reports reports;
  SmtpSinkOptions options = FastOptions();
  options.queue_limit = 0;
  SmtpSink sink(Config(9), reports.Observer(), nullptr, options);
  sink.Send(Email());
  const auto seen = reports.WaitFor(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].final);
  EXPECT_FALSE(seen[0].delivered);
  EXPECT_NE(seen[0].error.find("queue is full"), std::string::npos) << seen[0].error;
}

TEST(SmtpSink, RefusesAnAddressThatCouldInjectCommands) {
  Reports reports;
  SmtpSink sink(Config(9), reports.Observer(), nullptr, FastOptions());
  sink.Send(Email("alice@example.com>\r\nRCPT TO:<mallory@example.com"));
  const auto seen = reports.WaitFor(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].final);
  EXPECT_EQ(seen[0].error, "invalid recipient address");
}

}  // namespace
}  // namespace cognate::api
