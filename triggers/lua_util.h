// Small pieces shared by the C functions of the trigger sandbox.
//
// We link Debian's C++ build of Lua 5.4 (lua5.4-c++): there lua_error throws a C++ exception
// (a `lua_longjmp*`) and Lua's protected calls catch everything. Two rules follow for every
// lua_CFunction of ours:
//   * Lua's own exception must pass through untouched (it is how errors reach lua_pcall);
//   * no other C++ exception may escape into the VM (Lua would catch it with a bogus status).
// Guarded<F> enforces both: it rethrows Lua's exception and turns anything else into a Lua
// error. Destructors of locals run either way, which is the point of the C++ build.
#pragma once

#include <cstddef>
#include <cstdint>

#include <lua.hpp>

namespace cognate::triggers {

// True while handling an exception thrown by lua_error (only meaningful inside a catch block).
bool IsLuaException() noexcept;

// Writes a short description of the exception being handled into `buffer` (NUL-terminated).
void DescribeCurrentException(char* buffer, size_t size) noexcept;

// Wraps a lua_CFunction so that only Lua's own exceptions leave it.
template <lua_CFunction F>
int Guarded(lua_State* L) {
  char message[256];
  try {
    return F(L);
  } catch (...) {
    if (IsLuaException()) throw;
    DescribeCurrentException(message, sizeof message);
  }
  return luaL_error(L, "internal error: %s", message);
}

// table[name] = function (the table at index `table`, an absolute index).
void SetFunction(lua_State* L, int table, const char* name, lua_CFunction function);

// table[name] = a C closure of `function` whose upvalue 1 is the previous table[name].
void WrapFunction(lua_State* L, int table, const char* name, lua_CFunction function);

// For a C closure whose upvalue 1 is the library function it wraps: calls that function with the
// current arguments (a real call: library functions may read their own upvalues) and returns
// the number of its results, which are left on the stack.
int CallWrapped(lua_State* L);

// Charges `steps` units of work done inside a C function (a pattern-matching step, one element
// moved by table.move, ...) to the running invocation's instruction budget and checks the
// deadline. Raises the limit error (a Lua error) when a limit is exceeded. Defined by the
// sandbox; a state that is not a sandbox (e.g. in unit tests of a library) is never charged.
void ChargeSteps(lua_State* L, uint64_t steps);

}  // namespace cognate::triggers
