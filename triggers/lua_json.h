// JSON ⇄ Lua conversions for trigger events and for cognate.json.encode/decode.
//
// JSON → Lua: objects become tables with string keys; arrays become sequences tagged with the
// state's array metatable (so that an empty array goes back out as []); null becomes the
// `cognate.null` sentinel (a light userdata); integers stay integers (lua_Integer), other
// numbers become floats (an unsigned integer above 2^63-1 too).
//
// Lua → JSON: a table is an array if its keys are exactly 1..n (n ≥ 1), an object if all its
// keys are strings; an empty table is [] when tagged as an array and {} otherwise. Integers stay
// integers, floats stay floats (NaN and infinities are refused), strings must be valid UTF-8,
// `cognate.null` becomes null. Anything else (functions, other userdata, threads, mixed or
// non-string keys, cycles, nesting deeper than kMaxJsonDepth, output larger than the byte
// budget) is refused with a message naming the path. Metamethods are never consulted (raw
// access only), so no script code runs during the conversion back.
//
// Thread-compatible: each call works on one lua_State, which must not be used concurrently.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <lua.hpp>
#include <nlohmann/json.hpp>

namespace cognate::triggers {

inline constexpr int kMaxJsonDepth = 64;

// How a state marks arrays and null. The array metatable lives in the registry under
// `array_mt_ref`; `array_mt` is lua_topointer of it.
struct LuaJsonTags {
  int array_mt_ref = LUA_NOREF;
  const void* array_mt = nullptr;
  void* null = nullptr;
};

// The sentinel every state uses for JSON null (a light userdata with this address).
void* JsonNullSentinel();

// Pushes `value` onto the stack. Raises Lua errors (memory, nesting deeper than kMaxJsonDepth):
// call it in protected mode.
void PushJson(lua_State* L, const nlohmann::json& value, const LuaJsonTags& tags);

// Parses `text` and pushes the value. Raises a Lua error on invalid JSON (with nlohmann's
// message), on nesting deeper than kMaxJsonDepth and on memory exhaustion. Builds the Lua value
// directly (SAX), so the interpreter's memory cap covers it.
void PushDecodedJson(lua_State* L, std::string_view text, const LuaJsonTags& tags);

// Converts the value at `index` to JSON without raising Lua errors or calling metamethods.
// Returns false with `*error` set when the value cannot be represented; `max_bytes` bounds the
// output (string bytes plus 16 per value). May throw std::bad_alloc.
bool LuaToJson(lua_State* L, int index, const LuaJsonTags& tags, size_t max_bytes,
               nlohmann::json* out, std::string* error);

}  // namespace cognate::triggers
