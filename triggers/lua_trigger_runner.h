// LuaTriggerRunner: the TriggerRunner the server uses. Runs each invocation in a pooled
// Sandbox (sandbox.h): a prepared Lua 5.4 state with the libraries opened and frozen and the
// compiled chunks of the scripts it has run cached by script key. A state goes back to the pool
// after a clean call (its per-call _ENV dropped, so nothing a script set is visible to the next
// caller) and is discarded after a raised error or a limit.
//
// Thread-safe: Check and Run may be called from any number of threads; each call takes a state
// from a mutex-guarded free list (or builds one) and returns it afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/ports/trigger_runner.h"
#include "engine/status.h"

namespace cognate::triggers {

class Sandbox;

class LuaTriggerRunner final : public TriggerRunner {
 public:
  struct Options {
    // Idle states kept for reuse; 0 means twice the hardware threads, at least 4.
    size_t max_idle_states = 0;
    // Memory cap for Check's compilation (default 64 MiB).
    size_t check_memory_bytes = 64 << 20;
  };

  // Counters, for tests and diagnostics.
  struct Stats {
    uint64_t states_created = 0;
    uint64_t states_discarded = 0;
    size_t idle_states = 0;
  };

  LuaTriggerRunner();
  explicit LuaTriggerRunner(const Options& options);
  ~LuaTriggerRunner() override;
  LuaTriggerRunner(const LuaTriggerRunner&) = delete;
  LuaTriggerRunner& operator=(const LuaTriggerRunner&) = delete;

  Status Check(std::string_view source) const override;
  TriggerOutcome Run(const std::string& script_key, std::string_view source,
                     const nlohmann::json& event, const TriggerLimits& limits) override;

  Stats stats() const;

 private:
  std::unique_ptr<Sandbox> Acquire();
  void Release(std::unique_ptr<Sandbox> sandbox);

  Options options_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Sandbox>> idle_;  // guarded by mu_; the most recent last
  uint64_t created_ = 0;                        // guarded by mu_
  uint64_t discarded_ = 0;                      // guarded by mu_
};

}  // namespace cognate::triggers
