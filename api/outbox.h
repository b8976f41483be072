// Outbox: the default message sink. It keeps each user's recent messages in memory, newest
// first, so tests and operators can read codes with CognateAdmin.ListOutbox instead of a mail
// server. Messages are not events (the log holds codes only hashed) and do not survive a restart,
// as a delivered email would not come back either. Thread-safe.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/ports/message_sink.h"

namespace cognate::api {

class Outbox final : public MessageSink {
 public:
  // Keeps at most `per_user` messages for each user (default 20).
  explicit Outbox(size_t per_user = 20) : per_user_(per_user) {}

  void Send(const OutgoingMessage& message) override;

  // The user's messages, newest first.
  std::vector<OutgoingMessage> List(const std::string& user_pool_id, const std::string& username) const;

 private:
  const size_t per_user_;
  mutable std::mutex mu_;
  std::map<std::string, std::deque<OutgoingMessage>> by_user_;  // "<pool>/<username>"
};

}  // namespace cognate::api
