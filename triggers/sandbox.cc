#include "triggers/sandbox.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <utility>

#include <lua.hpp>

#include "engine/crypto/random.h"
#include "triggers/lua_json.h"
#include "triggers/lua_util.h"
#include "triggers/sandbox_state.h"
#include "triggers/utf8.h"

namespace cognate::triggers {
namespace {

using nlohmann::json;
using State = Sandbox::State;

constexpr const char* kChunkName = "=trigger";  // messages read "trigger:LINE: ..."
constexpr std::string_view kLocationPrefix = "trigger:";
constexpr size_t kMaxCachedChunks = 64;
constexpr size_t kMaxErrorBytes = 4 << 10;
constexpr size_t kMaxTracebackBytes = 4 << 10;
constexpr size_t kCollectAbove = 1 << 20;  // garbage left by a call that triggers a full GC

// "trigger:12: msg" → "msg", repeatedly (coroutine.wrap adds a second location).
std::string StripLocation(std::string_view message) {
  for (;;) {
    if (message.substr(0, kLocationPrefix.size()) != kLocationPrefix) break;
    size_t i = kLocationPrefix.size();
    const size_t digits = i;
    while (i < message.size() && message[i] >= '0' && message[i] <= '9') ++i;
    if (i == digits || message.substr(i, 2) != ": ") break;
    message.remove_prefix(i + 2);
  }
  return std::string(message);
}

// "trigger:3: 'end' expected near <eof>" → "line 3: 'end' expected near <eof>".
std::string FormatCompileError(std::string_view message) {
  if (message.substr(0, kLocationPrefix.size()) == kLocationPrefix) {
    const size_t colon = message.find(':', kLocationPrefix.size());
    if (colon != std::string_view::npos) {
      const std::string_view line =
          message.substr(kLocationPrefix.size(), colon - kLocationPrefix.size());
      std::string_view rest = message.substr(colon + 1);
      if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
      return "line " + std::string(line) + ": " + std::string(rest);
    }
  }
  return "line 1: " + std::string(message);
}

std::string Truncate(std::string text, size_t max_bytes) {
  if (text.size() > max_bytes) text.resize(max_bytes);
  return SanitizeUtf8(text);  // a cut through a multi-byte character becomes U+FFFD
}

int MessageHandler(lua_State* L) {
  State* state = StateOf(L);
  if (lua_type(L, 1) != LUA_TSTRING) {
    luaL_tolstring(L, 1, nullptr);  // __tostring, or "table: 0x...", "nil", ...
    lua_replace(L, 1);
  }
  luaL_traceback(L, L, nullptr, 1);
  size_t length = 0;
  const char* traceback = lua_tolstring(L, -1, &length);
  state->traceback.assign(traceback, std::min(length, kMaxTracebackBytes));
  lua_settop(L, 1);
  return 1;
}

// ---- one invocation (runs under lua_pcall) ----

// Pushes nothing; returns the registry reference of the compiled chunk, or LUA_NOREF after
// recording a compile error.
int ChunkFor(lua_State* L, State* state) {
  const size_t hash = std::hash<std::string_view>{}(state->source);
  auto found = state->chunks.find(*state->key);
  if (found != state->chunks.end()) {
    if (found->second.source_hash == hash && found->second.source_size == state->source.size()) {
      return found->second.ref;
    }
    luaL_unref(L, LUA_REGISTRYINDEX, found->second.ref);
    state->chunks.erase(found);
  }
  if (state->chunks.size() >= kMaxCachedChunks) {
    for (const auto& [key, chunk] : state->chunks) luaL_unref(L, LUA_REGISTRYINDEX, chunk.ref);
    state->chunks.clear();
  }
  const int status =
      luaL_loadbufferx(L, state->source.data(), state->source.size(), kChunkName, "t");
  if (status == LUA_ERRMEM) lua_error(L);  // the allocator has recorded the memory limit
  if (status != LUA_OK) {
    size_t length = 0;
    const char* message = lua_tolstring(L, -1, &length);
    state->early_failure = TriggerFailure::kCompile;
    state->early_message = message != nullptr ? FormatCompileError({message, length})
                                              : std::string("line 1: does not compile");
    lua_pop(L, 1);
    return LUA_NOREF;
  }
  const int ref = luaL_ref(L, LUA_REGISTRYINDEX);
  state->chunks.emplace(*state->key, State::Chunk{hash, state->source.size(), ref});
  return ref;
}

void Reseed(lua_State* L, const State* state) {
  lua_Integer seed[2];
  const std::string bytes = crypto::RandomBytes(sizeof seed);
  std::memcpy(seed, bytes.data(), sizeof seed);
  lua_rawgeti(L, LUA_REGISTRYINDEX, state->randomseed_ref);
  lua_pushinteger(L, seed[0]);
  lua_pushinteger(L, seed[1]);
  lua_call(L, 2, 0);
}

int InvokeMain(lua_State* L) {
  State* state = StateOf(L);
  Reseed(L, state);
  const int ref = ChunkFor(L, state);
  if (ref == LUA_NOREF) return 0;
  state->chunk_ref = ref;

  // A fresh _ENV for this call.
  lua_createtable(L, 0, 4);
  const int env = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, state->env_mt_ref);
  lua_setmetatable(L, env);
  lua_pushliteral(L, LUA_GNAME);
  lua_pushvalue(L, env);
  lua_rawset(L, env);

  // Run the chunk with it: it defines handler (and whatever else) as globals of this call.
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  lua_pushvalue(L, env);
  lua_setupvalue(L, -2, 1);  // a main chunk's only upvalue is _ENV
  lua_call(L, 0, 0);

  lua_pushliteral(L, "handler");
  if (lua_rawget(L, env) != LUA_TFUNCTION) {
    state->early_failure = TriggerFailure::kBadResponse;
    state->early_message = "the script does not define a global function handler(event)";
    return 0;
  }
  PushJson(L, *state->event, state->tags);
  lua_call(L, 1, 1);
  return 1;
}

}  // namespace

Sandbox::Sandbox(std::unique_ptr<State> state) : state_(std::move(state)) {}

Sandbox::~Sandbox() = default;

std::unique_ptr<Sandbox> Sandbox::Create() {
  auto state = std::make_unique<State>();
  state->L = lua_newstate(&Allocate, &state->budget);
  if (state->L == nullptr) return nullptr;
  lua_State* L = state->L;
  *static_cast<State**>(lua_getextraspace(L)) = state.get();
  lua_pushcfunction(L, &Guarded<OpenSandboxLibraries>);
  if (lua_pcall(L, 0, 0, 0) != LUA_OK) return nullptr;
  lua_gc(L, LUA_GCCOLLECT);
  state->collect_above = state->budget.used + kCollectAbove;
  return std::unique_ptr<Sandbox>(new Sandbox(std::move(state)));
}

Status Sandbox::Check(std::string_view source, size_t memory_bytes) {
  CallBudget budget;
  budget.memory_limit = memory_bytes;
  lua_State* L = lua_newstate(&Allocate, &budget);
  if (L == nullptr) return InternalError("cannot create a Lua state");
  *static_cast<State**>(lua_getextraspace(L)) = nullptr;
  const int status = luaL_loadbufferx(L, source.data(), source.size(), kChunkName, "t");
  Status result;
  if (status == LUA_ERRSYNTAX) {
    size_t length = 0;
    const char* message = lua_tolstring(L, -1, &length);
    result = InvalidArgumentError(FormatCompileError({message, length}));
  } else if (status != LUA_OK) {
    result = InvalidArgumentError("line 1: the script is too large to compile");
  }
  lua_close(L);
  return result;
}

size_t Sandbox::memory_in_use() const { return state_->budget.used; }

TriggerOutcome Sandbox::Run(const std::string& script_key, std::string_view source,
                            const nlohmann::json& event, const TriggerLimits& limits) {
  TriggerOutcome out;
  State& state = *state_;
  lua_State* L = state.L;
  CallBudget& budget = state.budget;
  reusable_ = false;

  state.key = &script_key;
  state.source = source;
  state.event = &event;
  state.call_memory_bytes = limits.memory_bytes;
  state.chunk_ref = LUA_NOREF;
  state.early_failure = TriggerFailure::kNone;
  state.early_message.clear();
  state.traceback.clear();
  state.log = &out.log_lines;
  state.messages = &out.messages;
  state.log_bytes = 0;
  state.log_truncated = false;

  budget.memory_limit =
      budget.used + std::min(limits.memory_bytes, std::numeric_limits<size_t>::max() - budget.used);
  budget.phase = CallBudget::Phase::kNormal;
  budget.instructions_used = 0;
  budget.instruction_limit = std::max<uint64_t>(limits.instructions, 1);
  budget.deadline_ms = static_cast<int64_t>(limits.deadline.count());
  budget.deadline = SteadyClock::now() + limits.deadline;
  budget.hit = LimitKind::kNone;

  lua_settop(L, 0);
  lua_sethook(L, &Hook, LUA_MASKCOUNT, kHookInterval);
  lua_pushcfunction(L, &Guarded<MessageHandler>);
  lua_pushcfunction(L, &Guarded<InvokeMain>);
  const int status = lua_pcall(L, 0, 1, 1);
  lua_sethook(L, nullptr, 0, 0);
  if (budget.phase == CallBudget::Phase::kRefused) budget.Hit(LimitKind::kMemory);
  const LimitKind hit =
      status == LUA_ERRMEM && budget.hit == LimitKind::kNone ? LimitKind::kMemory : budget.hit;
  // No more limits: what follows never runs script code (raw access only, no metamethods).
  budget.memory_limit = std::numeric_limits<size_t>::max();
  budget.instruction_limit = std::numeric_limits<uint64_t>::max();
  budget.deadline = SteadyClock::time_point::max();
  budget.phase = CallBudget::Phase::kNormal;

  bool internal_failure = false;
  try {
    if (hit != LimitKind::kNone) {
      out.failure = TriggerFailure::kLimit;
      out.error = LimitMessage(hit, budget);
    } else if (status != LUA_OK) {
      out.failure = TriggerFailure::kRaised;
      size_t length = 0;
      const char* message =
          lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &length) : nullptr;
      out.error = message != nullptr
                      ? Truncate(StripLocation({message, length}), kMaxErrorBytes)
                      : std::string("(error object is a ") + luaL_typename(L, -1) + " value)";
    } else if (state.early_failure != TriggerFailure::kNone) {
      out.failure = state.early_failure;
      out.error = state.early_message;
    } else if (lua_type(L, -1) != LUA_TTABLE) {
      out.failure = TriggerFailure::kBadResponse;
      out.error =
          std::string("handler returned a ") + luaL_typename(L, -1) + " value, not the event table";
    } else {
      std::string error;
      if (!LuaToJson(L, -1, state.tags, limits.memory_bytes, &out.event, &error)) {
        out.failure = TriggerFailure::kBadResponse;
        out.error = "handler returned a value that has no JSON form: " + error;
        out.event = nullptr;
      } else if (!out.event.is_object()) {
        out.failure = TriggerFailure::kBadResponse;
        out.error = "handler returned an array, not the event table";
        out.event = nullptr;
      }
    }
    if (out.failure == TriggerFailure::kRaised || out.failure == TriggerFailure::kLimit) {
      std::string line = "ERROR " + out.error;
      if (!state.traceback.empty()) line += "\n" + state.traceback;
      out.log_lines.push_back(SanitizeUtf8(line));
    }
  } catch (const std::exception& e) {
    internal_failure = true;
    out.failure = TriggerFailure::kLimit;
    out.error = std::string("internal error: ") + e.what();
    out.event = nullptr;
  }

  // Release this call's _ENV (the cached chunk's upvalue still points at it).
  if (state.chunk_ref != LUA_NOREF) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, state.chunk_ref);
    lua_pushnil(L);
    lua_setupvalue(L, -2, 1);
  }
  lua_settop(L, 0);
  state.log = nullptr;
  state.event = nullptr;
  state.key = nullptr;
  state.source = {};

  reusable_ = !internal_failure && out.failure != TriggerFailure::kRaised &&
              out.failure != TriggerFailure::kLimit;
  if (reusable_ && budget.used > state.collect_above) {
    lua_gc(L, LUA_GCCOLLECT);  // release what a large call left behind
    state.collect_above = budget.used + kCollectAbove;
  }
  return out;
}

}  // namespace cognate::triggers
