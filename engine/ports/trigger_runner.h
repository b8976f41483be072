// TriggerRunner: runs a user's trigger script (Cognito's Lambda triggers, written in Lua) on one
// event and reports what it returned, what it logged and how it failed.
//
// The engine owns this interface; triggers/ implements it (LuaTriggerRunner) and api/ wires it in.
// Nothing here names Lua. A script defines a global function `handler(event)` that receives
// Cognito's event (JSON objects as tables, arrays as sequences, null as `cognate.null`) and
// returns the event with `response` filled in; only `response` matters to callers.
//
// Implementations are thread-safe: Check and Run may be called concurrently from any thread.
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

// Per-invocation limits. Exceeding any of them fails the invocation with kLimit; the runner
// stays healthy for the next call.
struct TriggerLimits {
  // Bytes the script may allocate on top of the prepared state (default 16 MiB). Counts every
  // allocation the interpreter makes, garbage included until it is collected.
  size_t memory_bytes = 16 << 20;
  // Lua VM instructions (default 10 million, roughly 30–100 ms of plain Lua on one core).
  // Checked every 1000 instructions; pattern-matching steps and the loops of the table library
  // count as instructions too. 0 behaves as 1.
  uint64_t instructions = 10'000'000;
  // Wall-clock deadline measured on a monotonic clock from the start of the invocation
  // (default 5 s, as long as Cognito waits for a Lambda).
  std::chrono::milliseconds deadline{5000};
};

enum class TriggerFailure {
  kNone,
  kRaised,       // the script raised an error (error(...) or a runtime error)
  kLimit,        // memory, instruction or deadline limit exceeded
  kBadResponse,  // no handler, or it returned something that is not a JSON-able event table
  kCompile,      // the script does not compile
};

struct TriggerOutcome {
  TriggerFailure failure = TriggerFailure::kNone;
  // kRaised: the error message as Cognito would show it, without Lua's "chunk:line:" prefix (a
  // non-string error value is shown as tostring(value)). kLimit: which limit was hit
  // ("memory limit exceeded", "instruction limit exceeded", "Task timed out after 5.00 seconds").
  // kBadResponse: what was wrong with the returned value. kCompile: "line N: message".
  std::string error;
  // The event the handler returned (kNone only; null otherwise). Only `response` matters.
  nlohmann::json event;
  // What the script printed (print, cognate.log), one entry per call, capped in count and size.
  // On kRaised/kLimit the last line is "ERROR <message>" followed by a Lua traceback when one
  // could be taken.
  std::vector<std::string> log_lines;
  // Messages the script asked to send with cognate.send_message, in order, each
  // {"medium": "EMAIL"|"SMS", "subject", "body", "code"}; the caller delivers them to the user.
  std::vector<nlohmann::json> messages;
  // Wall-clock time the invocation took, in microseconds.
  int64_t duration_us = 0;
};

class TriggerRunner {
 public:
  virtual ~TriggerRunner() = default;

  // Compiles `source` without running it. OK if it compiles; kInvalidArgument with
  // "line N: message" on a syntax error (and for a binary chunk, which is never accepted).
  virtual Status Check(std::string_view source) const = 0;

  // Runs the chunk `source` and then `handler(event)` in a fresh sandboxed environment under
  // `limits`. `script_key` identifies source and version (e.g. "name@version" or a sha256): the
  // compiled chunk is cached under it; a key seen again with different source is recompiled.
  // Never throws and never lets a script crash or stall the process; every failure is reported
  // in the outcome.
  virtual TriggerOutcome Run(const std::string& script_key, std::string_view source,
                             const nlohmann::json& event, const TriggerLimits& limits) = 0;
};

}  // namespace cognate
