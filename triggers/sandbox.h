// Sandbox: one prepared Lua 5.4 state that runs trigger invocations under limits.
//
// What a script sees: the base library without dofile, loadfile, load, require, collectgarbage
// and warn (print logs into the outcome; setmetatable refuses __gc; rawset refuses the frozen
// tables); string without dump (find/match/gmatch/gsub/rep metered, lua_stdlib_guards.h); table
// (loops metered); math (reseeded from the CSPRNG at every call); utf8; coroutine; os with only
// time, clock and date; and `cognate`: log, json.encode, json.decode, json.array, json.null,
// sha256, hmac_sha256, random_bytes, null. No io, package, debug, os.execute/getenv/remove/exit...
// Library tables are read-only proxies (__newindex raises, __metatable hides the metatable, __pairs
// iterates without exposing the real table); the string metatable is hidden too. Only text chunks
// load. Finalizers (__gc) are refused because Lua runs them with hooks off; C functions that loop
// (pattern matching, the table library) charge their work to the instruction budget, and
// os.date formats are capped at 256 bytes.
//
// Coroutines are allowed: a new coroutine inherits the count hook of the thread that creates it,
// so the instruction budget and deadline apply inside it. A coroutine's own hook countdown may
// never reach zero, so creating one is charged one hook interval (1000 instructions) up front;
// the count stays an upper bound (and a script can create at most budget/1000 coroutines).
// xpcall, coroutine.wrap and coroutine.close are our own: Lua runs an xpcall message handler,
// and the __close handlers of a coroutine killed by a hook error, with hooks still disabled, so
// once a limit is hit those handlers are not run at all.
//
// Each invocation: the chunk (compiled once per state and script key, kept in the registry)
// runs with a fresh _ENV whose metatable reads through to the frozen globals, so globals the
// script sets live only for that call; then handler(event) runs under lua_pcall with a traceback
// message handler. Limits: a byte-counting allocator that refuses allocations past the cap (Lua
// then collects and retries once, then raises a memory error), and a count hook that checks the
// instruction budget and a steady-clock deadline every 1000 instructions. Once a limit is hit it
// stays hit for the rest of the call: the hook fires on every instruction and fails, the
// allocator refuses every growth, so a script that catches the error with pcall cannot go on,
// and the outcome is kLimit whatever the script returns.
//
// Not thread-safe: a Sandbox serves one call at a time (LuaTriggerRunner pools them).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/ports/trigger_runner.h"
#include "engine/status.h"

namespace cognate::triggers {

class Sandbox {
 public:
  // A state with the libraries opened and frozen; nullptr if it cannot be built (out of memory).
  static std::unique_ptr<Sandbox> Create();

  // Compiles `source` in a bare state capped at `memory_bytes`: OK, or kInvalidArgument with
  // "line N: message".
  static Status Check(std::string_view source, size_t memory_bytes);

  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Runs one invocation (see TriggerRunner::Run). Never throws. Leaves duration_us at 0.
  TriggerOutcome Run(const std::string& script_key, std::string_view source,
                     const nlohmann::json& event, const TriggerLimits& limits);

  // Whether the state may serve another call: false after a raised error, a limit or an
  // internal failure.
  bool reusable() const { return reusable_; }

  // Bytes the state currently holds (libraries, cached chunks, garbage not yet collected).
  size_t memory_in_use() const;

  struct State;  // defined in sandbox.cc; public only so that its C functions can name it

 private:
  explicit Sandbox(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
  bool reusable_ = true;
};

}  // namespace cognate::triggers
