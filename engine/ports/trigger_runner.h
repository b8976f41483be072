// TriggerRunner: runs a user's trigger script (Cognito's Lambda triggers, as Lua) on an event.
// The engine sees only this interface; triggers/ implements it on a sandboxed Lua runtime.
// Implementations are thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/status.h"

namespace cognate {

// Per invocation. Exceeding any limit fails the call with TriggerFailure::kLimit.
struct TriggerLimits {
  size_t memory_bytes = 16 << 20;              // default 16 MiB
  uint64_t instructions = 10'000'000;          // default ten million VM instructions
  std::chrono::milliseconds deadline{5000};    // default 5 s, as Cognito waits for a Lambda
};

enum class TriggerFailure {
  kNone,
  kRaised,       // the script called error()
  kLimit,        // memory, instructions or deadline
  kBadResponse,  // returned something that is not the event table or cannot become JSON
  kCompile,      // the source does not compile
};

struct TriggerOutcome {
  TriggerFailure failure = TriggerFailure::kNone;
  std::string error;  // the error() message as Cognito shows it, or the limit that was hit
  nlohmann::json event;  // the returned event (only `response` matters to callers)
  std::vector<std::string> log_lines;
  int64_t duration_us = 0;
};

class TriggerRunner {
 public:
  virtual ~TriggerRunner() = default;

  // Compiles without running: kInvalidArgument with "line N: message" on a syntax error.
  virtual Status Check(std::string_view source) const = 0;

  // Runs `handler(event)` of the script. `script_key` names source and version, for caching
  // the compiled chunk. Thread-safe.
  virtual TriggerOutcome Run(const std::string& script_key, std::string_view source,
                             const nlohmann::json& event, const TriggerLimits& limits) = 0;
};

}  // namespace cognate
