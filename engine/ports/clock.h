// Clock: the engine's only source of time; decided before an event is written, never replayed.
// Implementations are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

namespace cognate {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;  // milliseconds since the Unix epoch
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace cognate
