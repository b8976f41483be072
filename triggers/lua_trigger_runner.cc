#include "triggers/lua_trigger_runner.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <thread>
#include <utility>

#include "triggers/sandbox.h"

namespace cognate::triggers {

LuaTriggerRunner::LuaTriggerRunner() : LuaTriggerRunner(Options{}) {}

LuaTriggerRunner::LuaTriggerRunner(const Options& options) : options_(options) {
  if (options_.max_idle_states == 0) {
    options_.max_idle_states = std::max<size_t>(4, 2 * std::thread::hardware_concurrency());
  }
}

LuaTriggerRunner::~LuaTriggerRunner() = default;

Status LuaTriggerRunner::Check(std::string_view source) const {
  try {
    return Sandbox::Check(source, options_.check_memory_bytes);
  } catch (const std::exception& e) {
    return InternalError(std::string("checking the script failed: ") + e.what());
  }
}

TriggerOutcome LuaTriggerRunner::Run(const std::string& script_key, std::string_view source,
                                     const nlohmann::json& event, const TriggerLimits& limits) {
  const auto start = std::chrono::steady_clock::now();
  TriggerOutcome outcome;
  try {
    std::unique_ptr<Sandbox> sandbox = Acquire();
    if (sandbox == nullptr) {
      outcome.failure = TriggerFailure::kLimit;
      outcome.error = "memory limit exceeded (cannot prepare a Lua state)";
    } else {
      outcome = sandbox->Run(script_key, source, event, limits);
      if (sandbox->reusable()) {
        Release(std::move(sandbox));
      } else {
        std::lock_guard<std::mutex> lock(mu_);
        ++discarded_;
      }
    }
  } catch (const std::exception& e) {
    outcome = TriggerOutcome{};
    outcome.failure = TriggerFailure::kLimit;
    outcome.error = std::string("internal error: ") + e.what();
  }
  outcome.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count();
  return outcome;
}

LuaTriggerRunner::Stats LuaTriggerRunner::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Stats{created_, discarded_, idle_.size()};
}

std::unique_ptr<Sandbox> LuaTriggerRunner::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Sandbox> sandbox = std::move(idle_.back());
      idle_.pop_back();
      return sandbox;
    }
  }
  std::unique_ptr<Sandbox> sandbox = Sandbox::Create();  // outside the lock: ~100 µs
  if (sandbox != nullptr) {
    std::lock_guard<std::mutex> lock(mu_);
    ++created_;
  }
  return sandbox;
}

void LuaTriggerRunner::Release(std::unique_ptr<Sandbox> sandbox) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < options_.max_idle_states) {
      idle_.push_back(std::move(sandbox));
      return;
    }
    ++discarded_;
  }
  // `sandbox` (if still owned) is closed here, outside the lock.
}

}  // namespace cognate::triggers
