// MessageSink: where confirmation codes and temporary passwords are delivered (outbox, SMTP, ...).
// Delivery happens after the event that created the code is durable. Implementations are
// thread-safe and must not block for long: a slow transport queues.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace cognate {

struct OutgoingMessage {
  std::string user_pool_id;
  std::string username;        // the internal username
  std::string destination;     // email address or phone number, unmasked
  std::string delivery_medium; // "EMAIL" or "SMS"
  std::string subject;
  std::string body;
  std::string code;            // the code or temporary password the body carries
  int64_t created_at_ms = 0;
};

// What became of one message, reported by sinks that deliver asynchronously.
struct DeliveryReport {
  bool delivered = false;
  int attempts = 0;    // tries made so far
  bool final = false;  // no more retries will follow
  std::string error;   // the last failure ("" when delivered), e.g. "550 mailbox unavailable"
};
using DeliveryObserver = std::function<void(const OutgoingMessage&, const DeliveryReport&)>;

class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void Send(const OutgoingMessage& message) = 0;
};

}  // namespace cognate
