// The table library's loops (move, concat, insert, remove, sort) run in C, bounded only by
// integer arguments or by a __len metamethod. Each call here is charged its element count up
// front and refused past kMaxTableSpan; insert and remove are reimplemented so that the length
// is asked once; sort refuses tables with __len.
#include "triggers/lua_stdlib_guards.h"

#include <cstdint>

#include "triggers/lua_util.h"

namespace cognate::triggers {
namespace {

// Charges a loop over `first`..`last` (nothing when last < first).
void ChargeSpan(lua_State* L, lua_Integer first, lua_Integer last, const char* function) {
  if (last < first) return;
  const lua_Unsigned span = static_cast<lua_Unsigned>(last) - static_cast<lua_Unsigned>(first) + 1u;
  if (span > static_cast<lua_Unsigned>(kMaxTableSpan)) {
    luaL_error(L, "%s: too many elements", function);
  }
  ChargeSteps(L, static_cast<uint64_t>(span));
}

int Move(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  ChargeSpan(L, luaL_checkinteger(L, 2), luaL_checkinteger(L, 3), "table.move");
  return CallWrapped(L);
}

int Concat(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 4);
  const lua_Integer first = luaL_optinteger(L, 3, 1);
  if (lua_isnil(L, 4)) {
    // Decide the end once: a __len metamethod could answer differently when asked again.
    lua_pushinteger(L, luaL_len(L, 1));
    lua_replace(L, 4);
  }
  ChargeSpan(L, first, luaL_checkinteger(L, 4), "table.concat");
  return CallWrapped(L);
}

int Insert(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const lua_Integer size = luaL_len(L, 1);
  const lua_Integer end = static_cast<lua_Integer>(static_cast<lua_Unsigned>(size) + 1u);
  lua_Integer position = end;
  switch (lua_gettop(L)) {
    case 2:
      break;
    case 3: {
      position = luaL_checkinteger(L, 2);
      luaL_argcheck(L, static_cast<lua_Unsigned>(position) - 1u < static_cast<lua_Unsigned>(end), 2,
                    "position out of bounds");
      ChargeSpan(L, position + 1, end, "table.insert");
      for (lua_Integer i = end; i > position; i--) {  // shift up
        lua_geti(L, 1, i - 1);
        lua_seti(L, 1, i);
      }
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments to 'insert'");
  }
  lua_seti(L, 1, position);
  return 0;
}

int Remove(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const lua_Integer size = luaL_len(L, 1);
  lua_Integer position = luaL_optinteger(L, 2, size);
  if (position != size) {
    luaL_argcheck(L, static_cast<lua_Unsigned>(position) - 1u <= static_cast<lua_Unsigned>(size), 2,
                  "position out of bounds");
  }
  lua_geti(L, 1, position);  // the result
  ChargeSpan(L, position, size - 1, "table.remove");
  for (; position < size; position++) {  // shift down
    lua_geti(L, 1, position + 1);
    lua_seti(L, 1, position);
  }
  lua_pushnil(L);
  lua_seti(L, 1, position);
  return 1;
}

int Sort(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  if (luaL_getmetafield(L, 1, "__len") != LUA_TNIL) {
    return luaL_error(L, "table.sort: tables with a __len metamethod are not supported");
  }
  const auto size = static_cast<lua_Integer>(lua_rawlen(L, 1));
  ChargeSpan(L, 1, size, "table.sort");
  return CallWrapped(L);
}

}  // namespace

void InstallGuardedTableFunctions(lua_State* L, int index) {
  index = lua_absindex(L, index);
  WrapFunction(L, index, "move", &Guarded<Move>);
  WrapFunction(L, index, "concat", &Guarded<Concat>);
  WrapFunction(L, index, "sort", &Guarded<Sort>);
  SetFunction(L, index, "insert", &Guarded<Insert>);
  SetFunction(L, index, "remove", &Guarded<Remove>);
}

}  // namespace cognate::triggers
