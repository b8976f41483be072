// FakeClock: a Clock the test sets and advances; never moves on its own. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

#include "engine/ports/clock.h"

namespace cognate::testing {

class FakeClock final : public Clock {
 public:
  // 2023-11-14T22:13:20Z: a fixed, realistic instant.
  static constexpr int64_t kDefaultStartMs = 1'700'000'000'000;

  explicit FakeClock(int64_t now_ms = kDefaultStartMs) : now_ms_(now_ms) {}

  int64_t NowMs() const override { return now_ms_.load(); }
  void SetNowMs(int64_t now_ms) { now_ms_.store(now_ms); }
  void Advance(int64_t ms) { now_ms_.fetch_add(ms); }
  void AdvanceSeconds(int64_t s) { Advance(s * 1000); }
  void AdvanceMinutes(int64_t m) { Advance(m * 60 * 1000); }
  void AdvanceHours(int64_t h) { Advance(h * 3600 * 1000); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace cognate::testing
