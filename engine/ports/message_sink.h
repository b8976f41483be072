// MessageSink: where confirmation codes and temporary passwords are delivered (outbox, SMTP, ...).
// Delivery happens after the event that created the code is durable. Implementations are
// thread-safe and must not block for long: a slow transport queues.
#pragma once

#include <cstdint>
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

class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void Send(const OutgoingMessage& message) = 0;
};

}  // namespace cognate
