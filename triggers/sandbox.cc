#include "triggers/sandbox.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <lua.hpp>

#include "engine/crypto/encoding.h"
#include "engine/crypto/hash.h"
#include "engine/crypto/random.h"
#include "triggers/lua_json.h"
#include "triggers/lua_stdlib_guards.h"
#include "triggers/lua_util.h"
#include "triggers/utf8.h"

namespace cognate::triggers {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kChunkName = "=trigger";  // messages read "trigger:LINE: ..."
constexpr std::string_view kLocationPrefix = "trigger:";
constexpr int kHookInterval = 1000;
constexpr size_t kMaxCachedChunks = 64;
constexpr size_t kMaxLogLines = 256;
constexpr size_t kMaxLogBytes = 64 << 10;
constexpr size_t kMaxLogLineBytes = 4 << 10;
constexpr size_t kMaxErrorBytes = 4 << 10;
constexpr size_t kMaxTracebackBytes = 4 << 10;
constexpr lua_Integer kMaxRandomBytes = 1024;
constexpr size_t kCollectAbove = 1 << 20;  // garbage left by a call that triggers a full GC
constexpr size_t kMaxOsDateFormat = 256;

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

void* Allocate(void* ud, void* block, size_t old_size, size_t new_size) noexcept {
  auto* budget = static_cast<CallBudget*>(ud);
  const size_t old_bytes = block != nullptr ? old_size : 0;  // else old_size is a type tag
  if (new_size == 0) {
    std::free(block);
    budget->used -= old_bytes;
    return nullptr;
  }
  if (new_size <= old_bytes) {
    void* smaller = std::realloc(block, new_size);
    if (smaller == nullptr) return nullptr;
    budget->used -= old_bytes - new_size;
    return smaller;
  }
  const size_t growth = new_size - old_bytes;
  const bool retry = budget->phase == CallBudget::Phase::kRefused &&
                     budget->refused_block == block && budget->refused_old_size == old_size &&
                     budget->refused_new_size == new_size;
  if (budget->hit == LimitKind::kMemory ||
      (budget->phase == CallBudget::Phase::kRefused && !retry)) {
    budget->Hit(LimitKind::kMemory);
    return nullptr;
  }
  const size_t room = budget->memory_limit - std::min(budget->used, budget->memory_limit);
  if (growth > room) {
    if (retry) {
      budget->Hit(LimitKind::kMemory);
    } else {
      budget->phase = CallBudget::Phase::kRefused;
      budget->refused_block = block;
      budget->refused_old_size = old_size;
      budget->refused_new_size = new_size;
    }
    return nullptr;
  }
  void* bigger = std::realloc(block, new_size);
  if (bigger == nullptr) return nullptr;
  budget->used += growth;
  budget->phase = CallBudget::Phase::kNormal;
  return bigger;
}

std::string LimitMessage(LimitKind kind, const CallBudget& budget) {
  switch (kind) {
    case LimitKind::kMemory:
      return "memory limit exceeded";
    case LimitKind::kInstructions:
      return "instruction limit exceeded";
    case LimitKind::kDeadline:
    case LimitKind::kNone: {
      char text[64];
      std::snprintf(text, sizeof text, "Task timed out after %.2f seconds",
                    static_cast<double>(budget.deadline_ms) / 1000.0);
      return text;
    }
  }
  return "limit exceeded";
}

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

}  // namespace

struct Sandbox::State {
  ~State() {
    if (L != nullptr) lua_close(L);
  }

  lua_State* L = nullptr;
  CallBudget budget;
  LuaJsonTags tags;
  int env_mt_ref = LUA_NOREF;
  size_t baseline = 0;  // bytes right after set-up

  struct Chunk {
    size_t source_hash;
    size_t source_size;
    int ref;
  };
  std::unordered_map<std::string, Chunk> chunks;

  // The current call.
  const std::string* key = nullptr;
  std::string_view source;
  const json* event = nullptr;
  size_t call_memory_bytes = 0;
  int chunk_ref = LUA_NOREF;
  TriggerFailure early_failure = TriggerFailure::kNone;  // kCompile / kBadResponse found in Lua
  std::string early_message;
  std::string traceback;
  std::vector<std::string>* log = nullptr;
  size_t log_bytes = 0;
  bool log_truncated = false;
  bool dirty = false;  // math.randomseed was called: the state must not serve anyone else

  void AppendLog(std::string line) {
    if (log == nullptr || log_truncated) return;
    if (log->size() >= kMaxLogLines || log_bytes + line.size() > kMaxLogBytes) {
      log->push_back("[log truncated]");
      log_truncated = true;
      return;
    }
    log_bytes += line.size();
    log->push_back(SanitizeUtf8(line));
  }
};

namespace {

using State = Sandbox::State;

State* StateOf(lua_State* L) { return *static_cast<State**>(lua_getextraspace(L)); }

void Hook(lua_State* L, lua_Debug* /*ar*/);

// Charges `steps` and raises the limit error when a limit is (or was already) exceeded.
void CheckBudget(lua_State* L, CallBudget& budget, uint64_t steps) {
  if (budget.hit == LimitKind::kNone) {
    budget.instructions_used += std::min(steps, std::numeric_limits<uint64_t>::max() -
                                                    budget.instructions_used);
    if (budget.instructions_used > budget.instruction_limit) {
      budget.Hit(LimitKind::kInstructions);
    } else if (SteadyClock::now() >= budget.deadline) {
      budget.Hit(LimitKind::kDeadline);
    } else {
      return;
    }
  }
  // From now on this thread fails at every instruction, so a pcall that catches the error
  // cannot get far.
  lua_sethook(L, &Hook, LUA_MASKCOUNT, 1);
  const std::string message = LimitMessage(budget.hit, budget);
  luaL_error(L, "%s", message.c_str());
}

void Hook(lua_State* L, lua_Debug* /*ar*/) {
  State* state = StateOf(L);
  CheckBudget(L, state->budget, kHookInterval);
}

// ---- frozen tables ----

int FrozenNewIndex(lua_State* L) { return luaL_error(L, "attempt to modify a read-only table"); }

int FrozenNext(lua_State* L) {
  lua_settop(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 2);
  if (lua_next(L, 3) != 0) return 2;
  lua_pushnil(L);
  return 1;
}

int FrozenPairs(lua_State* L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushcclosure(L, &Guarded<FrozenNext>, 1);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

// Pushes a read-only proxy of the table at `index`.
void PushFrozen(lua_State* L, int index) {
  index = lua_absindex(L, index);
  lua_newtable(L);
  lua_createtable(L, 0, 4);
  lua_pushvalue(L, index);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, &Guarded<FrozenNewIndex>);
  lua_setfield(L, -2, "__newindex");
  lua_pushvalue(L, index);
  lua_pushcclosure(L, &Guarded<FrozenPairs>, 1);
  lua_setfield(L, -2, "__pairs");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
}

bool IsFrozen(lua_State* L, int index) {
  if (!lua_getmetatable(L, index)) return false;
  lua_pushliteral(L, "__newindex");
  lua_rawget(L, -2);
  const bool frozen = lua_tocfunction(L, -1) == &Guarded<FrozenNewIndex>;
  lua_pop(L, 2);
  return frozen;
}

// ---- base library replacements ----

int SafeRawSet(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (IsFrozen(L, 1)) return luaL_error(L, "attempt to modify a read-only table");
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

int SafeSetMetatable(lua_State* L) {
  const int type = lua_type(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argexpected(L, type == LUA_TNIL || type == LUA_TTABLE, 2, "nil or table");
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) {
    return luaL_error(L, "cannot change a protected metatable");
  }
  if (type == LUA_TTABLE) {
    // Finalizers run with hooks off (and after the call), so they could loop forever.
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL) return luaL_error(L, "__gc metamethods are not allowed");
    lua_pop(L, 1);
  }
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

int Log(lua_State* L) {
  const int count = lua_gettop(L);
  std::string line;
  for (int i = 1; i <= count; ++i) {
    size_t length = 0;
    const char* text = luaL_tolstring(L, i, &length);
    if (i > 1 && line.size() < kMaxLogLineBytes) line += '\t';
    line.append(text, std::min(length, kMaxLogLineBytes - std::min(line.size(), kMaxLogLineBytes)));
    lua_pop(L, 1);
  }
  StateOf(L)->AppendLog(std::move(line));
  return 0;
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

// ---- os, math ----

int SafeDate(lua_State* L) {
  size_t length = 0;
  luaL_optlstring(L, 1, "%c", &length);
  if (length > kMaxOsDateFormat) return luaL_error(L, "os.date: format too long");
  return CallWrapped(L);
}

int SafeRandomSeed(lua_State* L) {
  StateOf(L)->dirty = true;
  return CallWrapped(L);
}

// ---- cognate ----

int JsonEncode(lua_State* L) {
  luaL_checkany(L, 1);
  State* state = StateOf(L);
  json value;
  std::string error;
  if (!LuaToJson(L, 1, state->tags, state->call_memory_bytes, &value, &error)) {
    return luaL_error(L, "cognate.json.encode: %s", error.c_str());
  }
  const std::string text = value.dump();
  lua_pushlstring(L, text.data(), text.size());
  return 1;
}

int JsonDecode(lua_State* L) {
  size_t length = 0;
  const char* text = luaL_checklstring(L, 1, &length);
  PushDecodedJson(L, {text, length}, StateOf(L)->tags);
  return 1;
}

int JsonArray(lua_State* L) {
  State* state = StateOf(L);
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  } else {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
  }
  if (lua_getmetatable(L, 1)) {
    const bool array = lua_topointer(L, -1) == state->tags.array_mt;
    lua_pop(L, 1);
    if (!array) return luaL_error(L, "cognate.json.array: the table already has a metatable");
    return 1;
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, state->tags.array_mt_ref);
  lua_setmetatable(L, 1);
  return 1;
}

int Sha256(lua_State* L) {
  size_t length = 0;
  const char* data = luaL_checklstring(L, 1, &length);
  const std::string hex = crypto::Sha256Hex({data, length});
  lua_pushlstring(L, hex.data(), hex.size());
  return 1;
}

int HmacSha256(lua_State* L) {
  size_t key_length = 0;
  size_t message_length = 0;
  const char* key = luaL_checklstring(L, 1, &key_length);
  const char* message = luaL_checklstring(L, 2, &message_length);
  const std::string hex =
      crypto::HexEncode(crypto::HmacSha256({key, key_length}, {message, message_length}));
  lua_pushlstring(L, hex.data(), hex.size());
  return 1;
}

int RandomBytes(lua_State* L) {
  const lua_Integer count = luaL_checkinteger(L, 1);
  luaL_argcheck(L, count >= 0 && count <= kMaxRandomBytes, 1, "must be between 0 and 1024");
  const std::string hex = crypto::HexEncode(crypto::RandomBytes(static_cast<size_t>(count)));
  lua_pushlstring(L, hex.data(), hex.size());
  return 1;
}

// ---- set-up ----

void SetFunction(lua_State* L, int table, const char* name, lua_CFunction function) {
  lua_pushcfunction(L, function);
  lua_setfield(L, table, name);
}

void WrapFunction(lua_State* L, int table, const char* name, lua_CFunction function) {
  lua_getfield(L, table, name);
  lua_pushcclosure(L, function, 1);
  lua_setfield(L, table, name);
}

// Sets globals[name] to a frozen proxy of the table on top of the stack, and pops it.
void PublishFrozen(lua_State* L, int globals, const char* name) {
  PushFrozen(L, -1);
  lua_setfield(L, globals, name);
  lua_pop(L, 1);
}

void OpenLibrary(lua_State* L, const char* name, lua_CFunction open) {
  luaL_requiref(L, name, open, 0);  // leaves the library table on the stack
}

int SetUp(lua_State* L) {
  State* state = StateOf(L);

  // Markers for JSON conversion.
  lua_createtable(L, 0, 1);
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  state->tags.array_mt = lua_topointer(L, -1);
  state->tags.array_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  state->tags.null = JsonNullSentinel();

  // Base library, trimmed. The real globals table is never handed to a script.
  luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
  const int globals = lua_gettop(L);
  for (const char* name : {"dofile", "loadfile", "load", "loadstring", "require",
                           "collectgarbage", "warn", LUA_GNAME}) {
    lua_pushnil(L);
    lua_setfield(L, globals, name);
  }
  SetFunction(L, globals, "print", &Guarded<Log>);
  SetFunction(L, globals, "rawset", &Guarded<SafeRawSet>);
  SetFunction(L, globals, "setmetatable", &Guarded<SafeSetMetatable>);

  // string: no dump; metered matching; the string metatable hidden.
  OpenLibrary(L, LUA_STRLIBNAME, luaopen_string);
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  InstallGuardedStringFunctions(L, -1);
  lua_pushliteral(L, "");
  if (lua_getmetatable(L, -1)) {
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  PublishFrozen(L, globals, LUA_STRLIBNAME);

  OpenLibrary(L, LUA_TABLIBNAME, luaopen_table);
  InstallGuardedTableFunctions(L, -1);
  PublishFrozen(L, globals, LUA_TABLIBNAME);

  // math: seeded from the CSPRNG; reseeding retires the state after the call.
  OpenLibrary(L, LUA_MATHLIBNAME, luaopen_math);
  {
    const std::string seed = crypto::RandomBytes(2 * sizeof(lua_Integer));
    lua_Integer parts[2];
    std::memcpy(parts, seed.data(), sizeof parts);
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, parts[0]);
    lua_pushinteger(L, parts[1]);
    lua_call(L, 2, 0);
  }
  WrapFunction(L, lua_gettop(L), "randomseed", &Guarded<SafeRandomSeed>);
  PublishFrozen(L, globals, LUA_MATHLIBNAME);

  OpenLibrary(L, LUA_UTF8LIBNAME, luaopen_utf8);
  PublishFrozen(L, globals, LUA_UTF8LIBNAME);

  OpenLibrary(L, LUA_COLIBNAME, luaopen_coroutine);
  PublishFrozen(L, globals, LUA_COLIBNAME);

  // os: time, clock and date only.
  OpenLibrary(L, LUA_OSLIBNAME, luaopen_os);
  const int full_os = lua_gettop(L);
  lua_createtable(L, 0, 3);
  for (const char* name : {"time", "clock", "date"}) {
    lua_getfield(L, full_os, name);
    lua_setfield(L, -2, name);
  }
  WrapFunction(L, lua_gettop(L), "date", &Guarded<SafeDate>);
  PublishFrozen(L, globals, LUA_OSLIBNAME);
  lua_pop(L, 1);  // the full os table (still in the registry's loaded table, out of reach)

  // cognate
  lua_createtable(L, 0, 8);
  const int cognate = lua_gettop(L);
  SetFunction(L, cognate, "log", &Guarded<Log>);
  SetFunction(L, cognate, "sha256", &Guarded<Sha256>);
  SetFunction(L, cognate, "hmac_sha256", &Guarded<HmacSha256>);
  SetFunction(L, cognate, "random_bytes", &Guarded<RandomBytes>);
  lua_pushlightuserdata(L, state->tags.null);
  lua_setfield(L, cognate, "null");
  lua_createtable(L, 0, 4);
  SetFunction(L, lua_gettop(L), "encode", &Guarded<JsonEncode>);
  SetFunction(L, lua_gettop(L), "decode", &Guarded<JsonDecode>);
  SetFunction(L, lua_gettop(L), "array", &Guarded<JsonArray>);
  lua_pushlightuserdata(L, state->tags.null);
  lua_setfield(L, -2, "null");
  PushFrozen(L, -1);
  lua_setfield(L, cognate, "json");
  lua_pop(L, 1);
  PublishFrozen(L, globals, "cognate");

  // The metatable of every call's _ENV: reads fall through to the globals, writes stay in _ENV.
  lua_createtable(L, 0, 2);
  lua_pushvalue(L, globals);
  lua_setfield(L, -2, "__index");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  state->env_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);

  lua_settop(L, 0);
  return 0;
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

int InvokeMain(lua_State* L) {
  State* state = StateOf(L);
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

void ChargeSteps(lua_State* L, uint64_t steps) {
  State* state = StateOf(L);
  if (state == nullptr) return;
  CheckBudget(L, state->budget, steps);
}

Sandbox::Sandbox(std::unique_ptr<State> state) : state_(std::move(state)) {}

Sandbox::~Sandbox() = default;

std::unique_ptr<Sandbox> Sandbox::Create() {
  auto state = std::make_unique<State>();
  state->L = lua_newstate(&Allocate, &state->budget);
  if (state->L == nullptr) return nullptr;
  lua_State* L = state->L;
  *static_cast<State**>(lua_getextraspace(L)) = state.get();
  lua_pushcfunction(L, &Guarded<SetUp>);
  if (lua_pcall(L, 0, 0, 0) != LUA_OK) return nullptr;
  lua_gc(L, LUA_GCCOLLECT);
  state->baseline = state->budget.used;
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
  state.log_bytes = 0;
  state.log_truncated = false;

  budget.memory_limit = budget.used + std::min(limits.memory_bytes,
                                               std::numeric_limits<size_t>::max() - budget.used);
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
  const LimitKind hit = status == LUA_ERRMEM && budget.hit == LimitKind::kNone
                            ? LimitKind::kMemory
                            : budget.hit;
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
      const char* message = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &length) : nullptr;
      out.error = message != nullptr
                      ? Truncate(StripLocation({message, length}), kMaxErrorBytes)
                      : std::string("(error object is a ") + luaL_typename(L, -1) + " value)";
    } else if (state.early_failure != TriggerFailure::kNone) {
      out.failure = state.early_failure;
      out.error = state.early_message;
    } else if (lua_type(L, -1) != LUA_TTABLE) {
      out.failure = TriggerFailure::kBadResponse;
      out.error = std::string("handler returned a ") + luaL_typename(L, -1) +
                  " value, not the event table";
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

  reusable_ = !internal_failure && !state.dirty && out.failure != TriggerFailure::kRaised &&
              out.failure != TriggerFailure::kLimit;
  if (reusable_ && budget.used > state.baseline + kCollectAbove) lua_gc(L, LUA_GCCOLLECT);
  return out;
}

}  // namespace cognate::triggers
