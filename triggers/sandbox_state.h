// Internals shared by the files of the sandbox (sandbox.cc, sandbox_limits.cc,
// sandbox_libraries.cc): the per-state data that every C function reaches through
// lua_getextraspace, and the limit machinery. Not for use outside triggers/.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <lua.hpp>
#include <nlohmann/json.hpp>

#include "engine/ports/trigger_runner.h"
#include "triggers/lua_json.h"
#include "triggers/sandbox.h"

namespace cognate::triggers {

using SteadyClock = std::chrono::steady_clock;

// The count hook fires every this many VM instructions.
inline constexpr int kHookInterval = 1000;

enum class LimitKind { kNone, kMemory, kInstructions, kDeadline };

// What one invocation may spend; also the allocator's `ud`. Outside a call nothing is limited.
struct CallBudget {
  // Memory. After a refusal Lua may run an emergency collection and retry the very same request
  // once; any other growth request in between means the refusal stood (an error was raised).
  enum class Phase { kNormal, kRefused };
  size_t used = 0;
  size_t memory_limit = std::numeric_limits<size_t>::max();
  Phase phase = Phase::kNormal;
  const void* refused_block = nullptr;
  size_t refused_old_size = 0;
  size_t refused_new_size = 0;

  // Instructions and time.
  uint64_t instructions_used = 0;
  uint64_t instruction_limit = std::numeric_limits<uint64_t>::max();
  SteadyClock::time_point deadline = SteadyClock::time_point::max();
  int64_t deadline_ms = 0;

  // The first limit hit during the call; sticky until the next call.
  LimitKind hit = LimitKind::kNone;

  void Hit(LimitKind kind) {
    if (hit == LimitKind::kNone) hit = kind;
  }
};

struct Sandbox::State {
  ~State() {
    if (L != nullptr) lua_close(L);
  }

  lua_State* L = nullptr;
  CallBudget budget;
  LuaJsonTags tags;
  int env_mt_ref = LUA_NOREF;
  int randomseed_ref = LUA_NOREF;  // math.randomseed, reseeded from the CSPRNG at every call
  size_t collect_above = 0;        // a full GC after a call once the state holds more than this

  struct Chunk {
    size_t source_hash;
    size_t source_size;
    int ref;
  };
  std::unordered_map<std::string, Chunk> chunks;

  // The current call.
  const std::string* key = nullptr;
  std::string_view source;
  const nlohmann::json* event = nullptr;
  size_t call_memory_bytes = 0;
  int chunk_ref = LUA_NOREF;
  TriggerFailure early_failure = TriggerFailure::kNone;  // kCompile / kBadResponse found in Lua
  std::string early_message;
  std::string traceback;
  std::vector<std::string>* log = nullptr;
  std::vector<nlohmann::json>* messages = nullptr;  // cognate.send_message, this call
  size_t log_bytes = 0;
  bool log_truncated = false;

  // Adds a log line, within the per-call caps (sandbox_libraries.cc).
  void AppendLog(std::string line);
};

// The sandbox whose state `L` (any of its threads) belongs to; nullptr for a bare state.
inline Sandbox::State* StateOf(lua_State* L) {
  return *static_cast<Sandbox::State**>(lua_getextraspace(L));
}

// ---- sandbox_limits.cc ----

// The lua_Alloc of every sandbox state; `ud` is its CallBudget. Refuses growth past the cap.
void* Allocate(void* ud, void* block, size_t old_size, size_t new_size) noexcept;

// The count hook: charges kHookInterval instructions and checks the deadline.
void Hook(lua_State* L, lua_Debug* ar);

// Charges `steps` and raises the limit error when a limit is (or was already) exceeded.
void CheckBudget(lua_State* L, CallBudget& budget, uint64_t steps);

// The outcome's message for a limit ("memory limit exceeded", "Task timed out after 5.00 seconds").
std::string LimitMessage(LimitKind kind, const CallBudget& budget);

// A limit was hit, or a memory refusal is still pending: the call is doomed.
bool LimitPending(const Sandbox::State* state);

// Raises the limit error (a memory limit if nothing else was hit first).
[[noreturn]] void RaiseLimit(lua_State* L, Sandbox::State* state);

// ---- sandbox_libraries.cc ----

// Opens the libraries a script sees, trimmed and frozen, and prepares the state's markers and
// _ENV metatable. A lua_CFunction run once per state under lua_pcall.
int OpenSandboxLibraries(lua_State* L);

}  // namespace cognate::triggers
