// SmtpSink: a message sink that delivers EMAIL messages to an SMTP server (a local relay or a
// provider's submission port), configured by a URL:
//
//   smtp://[user:password@]host[:port][?starttls=required|optional|off&from=addr@x&tls_verify=on]
//   smtps://[user:password@]host[:port][?from=addr@x&tls_verify=on]
//
// Send only queues (a bounded queue) and returns; one background thread delivers the queue in
// order, one SMTP connection per message: EHLO (HELO when refused), STARTTLS, AUTH PLAIN (LOGIN
// when only that is offered) when the URL has credentials, MAIL FROM, RCPT TO, DATA, QUIT. Every
// network wait is bounded by SmtpSinkOptions::io_timeout.
//
// TLS. smtps:// speaks TLS from the first byte. smtp:// with starttls=optional (the default)
// upgrades when the server offers STARTTLS and stays plain otherwise; required refuses to go on
// without it; off never upgrades. The server's certificate is NOT verified by default, because
// the usual server is a relay on localhost or a test server with a self-signed certificate:
// tls_verify=on checks the chain against the system's trust store and the name against the host.
// Credentials are sent only over TLS, unless starttls=off says plain text is acceptable.
//
// Outcomes. A failure to connect, a timeout, a TLS failure or a 4xx reply is retried after the
// delays of SmtpSinkOptions::retry_delays (one attempt more than there are delays); a 5xx reply
// to AUTH, MAIL, RCPT or DATA is permanent. The observer hears of every failed attempt and of the
// delivery, from the worker thread. SMS messages cannot go over SMTP: they are reported failed
// at once ("no SMS transport configured"). A message that does not fit in the queue is dropped
// and reported failed.
//
// Tee. Every message is first handed, synchronously, to `also` (the outbox), so operators and
// tests can still read codes with CognateAdmin.ListOutbox.
//
// Thread safety: Send and Stop may be called from any thread, concurrently. The observer and
// `also` must outlive the sink, or at least its Stop().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "api/smtp_config.h"
#include "engine/ports/message_sink.h"
#include "engine/status.h"

namespace cognate::api {

struct SmtpSinkOptions {
  // Messages waiting for delivery, retries included, at most (default 10,000); more are dropped.
  size_t queue_limit = 10000;
  // The wait before each retry; a message gets retry_delays.size() + 1 attempts in all
  // (default 1 s, 2 s, 4 s, 8 s: five attempts).
  std::vector<std::chrono::milliseconds> retry_delays = {
      std::chrono::seconds(1), std::chrono::seconds(2), std::chrono::seconds(4),
      std::chrono::seconds(8)};
  // Longest wait for any one network step: resolve, connect, handshake, a reply (default 10 s).
  std::chrono::milliseconds io_timeout = std::chrono::seconds(10);
  // How long Stop() goes on delivering messages that are due before it abandons the rest
  // (default 2 s). Messages waiting out a retry delay are abandoned at once.
  std::chrono::milliseconds stop_drain = std::chrono::seconds(2);
  // The name this side gives in EHLO/HELO (default: empty, meaning this machine's host name).
  std::string helo_name;
};

class SmtpSink final : public MessageSink {
 public:
  // Starts the delivery thread. `observer` may be empty; `also` may be null.
  SmtpSink(SmtpConfig config, DeliveryObserver observer = {}, MessageSink* also = nullptr,
           SmtpSinkOptions options = {});
  // Stop().
  ~SmtpSink() override;

  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;


  // Hands the message to `also`, then queues it (EMAIL) or queues its failure report (SMS, or
  // when the queue is full). Never waits for the network. After Stop() it only hands on.
  void Send(const OutgoingMessage& message) override;

  // Delivers what is due for at most options.stop_drain, abandons the rest without a report,
  // and joins the thread. A message whose attempt fails meanwhile is reported final. Prompt:
  // retry delays are not waited out and a network wait ends at the drain's end. Idempotent.
  void Stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct Pending {
    OutgoingMessage message;
    int attempts = 0;
    Clock::time_point due;  // not to be tried before
    std::string data;       // the DATA payload, composed at the first attempt
  };
  struct Report {
    OutgoingMessage message;
    DeliveryReport report;
  };

  void Run();
  void Notify(const OutgoingMessage& message, const DeliveryReport& report);
  // The moment the worker must give up (Clock::time_point::max() until Stop()).
  Clock::time_point StopDeadline() const;

  const SmtpConfig config_;
  const DeliveryObserver observer_;
  MessageSink* const also_;
  const SmtpSinkOptions options_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;   // guarded by mu_; in order of arrival (retries go to the back)
  std::deque<Report> reports_;  // guarded by mu_; failures decided outside the worker
  bool stopping_ = false;       // guarded by mu_
  std::atomic<Clock::rep> stop_deadline_{Clock::time_point::max().time_since_epoch().count()};
  std::mutex stop_mu_;          // serialises Stop()
  std::thread worker_;
};

}  // namespace cognate::api
