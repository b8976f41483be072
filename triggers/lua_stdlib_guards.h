// Replacements for the parts of Lua's string and table libraries whose C loops can run for a
// long time without executing a single VM instruction (so without ever reaching the count hook):
//
//   string.find/match/gmatch/gsub  pattern matching backtracks:
//   ("a"):rep(3e4):find(("a*"):rep(30).."b")
//                                  runs for hours. Ours implement Lua 5.4's pattern language and
//                                  charge each matching step to the instruction budget.
//   string.rep("", 1e15)           an empty piece repeated 1e15 times loops without allocating.
//   table.move/concat/insert/remove/sort
//                                  loops bounded only by integer arguments or by a __len
//                                  metamethod (table.move({}, 1, 1e15, 1, {}) allocates nothing).
//                                  Ours charge the element count up front and refuse __len
//                                  results past kMaxTableSpan.
//
// Work is charged with ChargeSteps (lua_util.h), which raises the sandbox's limit error.
// lua_string_guards.cc has the string functions, lua_table_guards.cc the table ones. Install on
// a state whose string/table library tables are at the given stack indices.
#pragma once

#include <lua.hpp>

namespace cognate::triggers {

// Most elements one table-library call may touch.
inline constexpr lua_Integer kMaxTableSpan = lua_Integer{1} << 26;

// Replaces find, match, gmatch, gsub and rep in the string library table at `index`.
void InstallGuardedStringFunctions(lua_State* L, int index);

// Wraps move, concat, insert, remove and sort in the table library table at `index`.
void InstallGuardedTableFunctions(lua_State* L, int index);

}  // namespace cognate::triggers
