#include "triggers/lua_util.h"

#include <cxxabi.h>

#include <cstdio>
#include <exception>
#include <typeinfo>

// The type Lua's C++ build throws (ldo.c: LUAI_THROW throws a `struct lua_longjmp*`). Only its
// type identity is used here.
struct lua_longjmp;

namespace cognate::triggers {

bool IsLuaException() noexcept {
  const std::type_info* type = abi::__cxa_current_exception_type();
  return type != nullptr && *type == typeid(lua_longjmp*);
}

void DescribeCurrentException(char* buffer, size_t size) noexcept {
  if (size == 0) return;
  buffer[0] = '\0';
  try {
    throw;
  } catch (const std::exception& e) {
    std::snprintf(buffer, size, "%s", e.what());
  } catch (...) {
    std::snprintf(buffer, size, "%s", "unknown exception");
  }
}

void SetFunction(lua_State* L, int table, const char* name, lua_CFunction function) {
  lua_pushcfunction(L, function);
  lua_setfield(L, table, name);
}

void WrapFunction(lua_State* L, int table, const char* name, lua_CFunction function) {
  lua_getfield(L, table, name);
  lua_pushcclosure(L, function, 1);
  lua_setfield(L, table, name);
}

int CallWrapped(lua_State* L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

}  // namespace cognate::triggers
