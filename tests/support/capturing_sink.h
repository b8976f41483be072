// CapturingSink: a MessageSink that records every OutgoingMessage for the test to inspect.
// Thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/ports/message_sink.h"

namespace cognate::testing {

class CapturingSink final : public MessageSink {
 public:
  void Send(const OutgoingMessage& message) override {
    std::lock_guard lock(mu_);
    messages_.push_back(message);
  }

  std::vector<OutgoingMessage> messages() const {
    std::lock_guard lock(mu_);
    return messages_;
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return messages_.size();
  }

  // The most recent message, if any.
  std::optional<OutgoingMessage> last() const {
    std::lock_guard lock(mu_);
    if (messages_.empty()) return std::nullopt;
    return messages_.back();
  }

  // The most recent message sent to `destination`, if any.
  std::optional<OutgoingMessage> LastTo(const std::string& destination) const {
    std::lock_guard lock(mu_);
    for (auto it = messages_.rbegin(); it != messages_.rend(); ++it) {
      if (it->destination == destination) return *it;
    }
    return std::nullopt;
  }

  void Clear() {
    std::lock_guard lock(mu_);
    messages_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<OutgoingMessage> messages_;
};

}  // namespace cognate::testing
