// The libraries a trigger script sees: Lua's base, string, table, math, utf8, coroutine and a
// slice of os, trimmed and frozen (sandbox.h says exactly what is left), plus `cognate`.
#include <algorithm>
#include <string>
#include <utility>

#include <lua.hpp>

#include "engine/crypto/encoding.h"
#include "engine/crypto/hash.h"
#include "engine/crypto/random.h"
#include "triggers/lua_json.h"
#include "triggers/lua_stdlib_guards.h"
#include "triggers/lua_util.h"
#include "triggers/sandbox_state.h"
#include "triggers/utf8.h"

namespace cognate::triggers {

using nlohmann::json;
using State = Sandbox::State;

namespace {

constexpr size_t kMaxLogLines = 256;
constexpr size_t kMaxLogBytes = 64 << 10;
constexpr size_t kMaxLogLineBytes = 4 << 10;
constexpr lua_Integer kMaxRandomBytes = 1024;
constexpr size_t kMaxOsDateFormat = 256;

}  // namespace

void Sandbox::State::AppendLog(std::string line) {
  if (log == nullptr || log_truncated) return;
  if (log->size() >= kMaxLogLines || log_bytes + line.size() > kMaxLogBytes) {
    log->push_back("[log truncated]");
    log_truncated = true;
    return;
  }
  log_bytes += line.size();
  log->push_back(SanitizeUtf8(line));
}

namespace {

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

// cognate.send_message{medium = "EMAIL" | "SMS", subject = ..., body = ..., code = ...}: asks the
// server to deliver a message to the user the event is about (a one-time code of a custom
// challenge, say). Only the body is required; at most kMaxMessages per call.
constexpr size_t kMaxMessages = 4;
constexpr size_t kMaxMessageBytes = 20000;

int SendMessage(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  State* state = StateOf(L);
  if (state->messages == nullptr) return luaL_error(L, "send_message is not available here");
  if (state->messages->size() >= kMaxMessages) return luaL_error(L, "too many messages in one call");
  auto field = [&](const char* name, bool required) -> std::string {
    lua_getfield(L, 1, name);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      if (required) luaL_error(L, "send_message needs a %s", name);
      return std::string();
    }
    size_t length = 0;
    const char* text = lua_tolstring(L, -1, &length);
    if (text == nullptr) luaL_error(L, "send_message: %s must be a string", name);
    if (length > kMaxMessageBytes) luaL_error(L, "send_message: %s is too long", name);
    std::string value(text, length);
    lua_pop(L, 1);
    return value;
  };
  std::string medium = field("medium", false);
  if (medium.empty()) medium = "EMAIL";
  if (medium != "EMAIL" && medium != "SMS") return luaL_error(L, "send_message: medium must be EMAIL or SMS");
  json message = {{"medium", medium},
                  {"subject", SanitizeUtf8(field("subject", false))},
                  {"body", SanitizeUtf8(field("body", true))},
                  {"code", SanitizeUtf8(field("code", false))}};
  state->messages->push_back(std::move(message));
  return 0;
}

// ---- code that Lua could run with hooks off ----
//
// Lua disables hooks while a hook runs and, when the hook raises (our limit error), turns them
// back on only where a pcall catches the error. Two kinds of script code can run in between:
// the message handler of an xpcall (called by lua_error before unwinding) and the __close
// handlers of a coroutine that died of the error (run when it is closed). Once a limit is hit,
// neither runs: the handler is skipped and closing such a coroutine raises the limit again.

int GuardedHandler(lua_State* L) {
  if (LimitPending(StateOf(L))) return 1;  // the error object, untouched
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

int FinishXpcall(lua_State* L, int status, lua_KContext extra) {
  if (status != LUA_OK && status != LUA_YIELD) {
    lua_pushboolean(L, 0);
    lua_pushvalue(L, -2);  // the error object
    return 2;
  }
  return lua_gettop(L) - static_cast<int>(extra);  // true and the results
}

// xpcall(f, handler, ...), with the handler wrapped in GuardedHandler.
int SafeXpcall(lua_State* L) {
  const int count = lua_gettop(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, &Guarded<GuardedHandler>, 1);
  lua_replace(L, 2);
  lua_pushboolean(L, 1);
  lua_pushvalue(L, 1);
  lua_rotate(L, 3, 2);  // [f, handler, true, f, args...]
  const int status = lua_pcallk(L, count - 2, LUA_MULTRET, 2, 2, &FinishXpcall);
  return FinishXpcall(L, status, 2);
}

// Resumes `co` with the top `count` values of L. Returns the number of results moved to L, or
// -1 with the error object moved to L.
int ResumeCoroutine(lua_State* L, lua_State* co, int count) {
  if (!lua_checkstack(co, count)) {
    lua_pushliteral(L, "too many arguments to resume");
    return -1;
  }
  if (lua_status(co) == LUA_OK && lua_gettop(co) == 0) {
    lua_pushliteral(L, "cannot resume dead coroutine");
    return -1;
  }
  lua_xmove(L, co, count);
  int results = 0;
  const int status = lua_resume(co, L, count, &results);
  if (status == LUA_OK || status == LUA_YIELD) {
    if (!lua_checkstack(L, results + 1)) {
      lua_pop(co, results);
      lua_pushliteral(L, "too many results to resume");
      return -1;
    }
    lua_xmove(co, L, results);
    return results;
  }
  lua_xmove(co, L, 1);
  return -1;
}

// The function coroutine.wrap returns: resumes, and propagates errors with the location added.
int WrappedCoroutine(lua_State* L) {
  lua_State* co = lua_tothread(L, lua_upvalueindex(1));
  const int results = ResumeCoroutine(L, co, lua_gettop(L));
  if (results >= 0) return results;
  int status = lua_status(co);
  if (status != LUA_OK && status != LUA_YIELD) {  // the coroutine died
    if (LimitPending(StateOf(L))) RaiseLimit(L, StateOf(L));
    status = lua_resetthread(co);  // close its to-be-closed variables (hooks are on)
    lua_xmove(co, L, 1);
  }
  if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
  }
  return lua_error(L);
}

int SafeCoroutineWrap(lua_State* L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  ChargeSteps(L, kHookInterval);     // see SafeCoroutineCreate
  lua_State* co = lua_newthread(L);  // inherits this thread's count hook
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  lua_pushcclosure(L, &Guarded<WrappedCoroutine>, 1);
  return 1;
}

// A coroutine counts its own instructions towards the next hook tick, so up to one hook
// interval of its work is never seen by the hook. Creating one is charged that much up front,
// which keeps the instruction count an upper bound.
int SafeCoroutineCreate(lua_State* L) {
  ChargeSteps(L, kHookInterval);
  return CallWrapped(L);
}

int SafeCoroutineClose(lua_State* L) {
  if (LimitPending(StateOf(L))) RaiseLimit(L, StateOf(L));
  return CallWrapped(L);
}

// ---- os, math ----

int SafeDate(lua_State* L) {
  size_t length = 0;
  luaL_optlstring(L, 1, "%c", &length);
  if (length > kMaxOsDateFormat) return luaL_error(L, "os.date: format too long");
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

// Sets globals[name] to a frozen proxy of the table on top of the stack, and pops it.
void PublishFrozen(lua_State* L, int globals, const char* name) {
  PushFrozen(L, -1);
  lua_setfield(L, globals, name);
  lua_pop(L, 1);
}

void OpenLibrary(lua_State* L, const char* name, lua_CFunction open) {
  luaL_requiref(L, name, open, 0);  // leaves the library table on the stack
}

}  // namespace

int OpenSandboxLibraries(lua_State* L) {
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
  for (const char* name : {"dofile", "loadfile", "load", "loadstring", "require", "collectgarbage",
                           "warn", LUA_GNAME}) {
    lua_pushnil(L);
    lua_setfield(L, globals, name);
  }
  SetFunction(L, globals, "print", &Guarded<Log>);
  SetFunction(L, globals, "rawset", &Guarded<SafeRawSet>);
  SetFunction(L, globals, "setmetatable", &Guarded<SafeSetMetatable>);
  SetFunction(L, globals, "xpcall", &Guarded<SafeXpcall>);

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

  // math: reseeded from the CSPRNG at the start of every call (InvokeMain), so what one call
  // sees of the generator, or seeds it with, tells nothing about another call.
  OpenLibrary(L, LUA_MATHLIBNAME, luaopen_math);
  lua_getfield(L, -1, "randomseed");
  state->randomseed_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  PublishFrozen(L, globals, LUA_MATHLIBNAME);

  OpenLibrary(L, LUA_UTF8LIBNAME, luaopen_utf8);
  PublishFrozen(L, globals, LUA_UTF8LIBNAME);

  OpenLibrary(L, LUA_COLIBNAME, luaopen_coroutine);
  SetFunction(L, lua_gettop(L), "wrap", &Guarded<SafeCoroutineWrap>);
  WrapFunction(L, lua_gettop(L), "create", &Guarded<SafeCoroutineCreate>);
  WrapFunction(L, lua_gettop(L), "close", &Guarded<SafeCoroutineClose>);
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
  lua_pop(L, 1);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);  // drop the full os table entirely
  lua_pushnil(L);
  lua_setfield(L, -2, LUA_OSLIBNAME);
  lua_pop(L, 1);

  // cognate
  lua_createtable(L, 0, 8);
  const int cognate = lua_gettop(L);
  SetFunction(L, cognate, "log", &Guarded<Log>);
  SetFunction(L, cognate, "send_message", &Guarded<SendMessage>);
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

}  // namespace cognate::triggers
