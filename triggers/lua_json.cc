#include "triggers/lua_json.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "triggers/utf8.h"

namespace cognate::triggers {
namespace {

using nlohmann::json;

constexpr size_t kValueCost = 16;  // bytes charged per JSON value against the output budget
char null_sentinel_address;

// Lua → JSON, raw access only. Failure leaves `error_` and the path (innermost first).
class ToJsonConverter {
 public:
  ToJsonConverter(lua_State* L, const LuaJsonTags& tags, size_t max_bytes)
      : L_(L), tags_(tags), budget_(max_bytes) {}

  bool Convert(int index, int depth, json* out) {
    switch (lua_type(L_, index)) {
      case LUA_TBOOLEAN:
        *out = lua_toboolean(L_, index) != 0;
        return Charge(kValueCost);
      case LUA_TNUMBER:
        if (lua_isinteger(L_, index)) {
          *out = static_cast<int64_t>(lua_tointeger(L_, index));
        } else {
          const double number = static_cast<double>(lua_tonumber(L_, index));
          if (!std::isfinite(number)) return Fail("NaN and infinities have no JSON form");
          *out = number;
        }
        return Charge(kValueCost);
      case LUA_TSTRING: {
        size_t length = 0;
        const char* text = lua_tolstring(L_, index, &length);
        if (!IsValidUtf8({text, length})) return Fail("a string that is not valid UTF-8");
        if (!Charge(kValueCost + length)) return false;
        *out = std::string(text, length);
        return true;
      }
      case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L_, index) != tags_.null) return Fail("cannot convert a userdata");
        *out = nullptr;
        return Charge(kValueCost);
      case LUA_TTABLE:
        return ConvertTable(lua_absindex(L_, index), depth, out);
      default:
        return Fail(std::string("cannot convert a ") + luaL_typename(L_, index));
    }
  }

  std::string Message() const {
    std::string where = "$";
    for (auto it = path_.rbegin(); it != path_.rend(); ++it) where += *it;
    return where + ": " + error_;
  }

 private:
  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  bool Charge(size_t bytes) {
    if (bytes > budget_) return Fail("the value is too large");
    budget_ -= bytes;
    return true;
  }

  bool IsTaggedArray(int index) {
    if (!lua_getmetatable(L_, index)) return false;
    const bool tagged = lua_topointer(L_, -1) == tags_.array_mt;
    lua_pop(L_, 1);
    return tagged;
  }

  bool ConvertTable(int index, int depth, json* out) {
    if (depth >= kMaxJsonDepth) return Fail("nesting deeper than 64 levels");
    const void* self = lua_topointer(L_, index);
    for (const void* open : on_path_) {
      if (open == self) return Fail("a table that contains itself");
    }
    if (!lua_checkstack(L_, 4)) return Fail("out of stack space");
    if (!Charge(kValueCost)) return false;

    size_t count = 0;
    bool all_strings = true;
    bool sequence_keys = true;
    lua_Integer max_key = 0;
    lua_pushnil(L_);
    while (lua_next(L_, index) != 0) {
      ++count;
      const int key_type = lua_type(L_, -2);
      if (key_type == LUA_TSTRING) {
        sequence_keys = false;
      } else if (key_type == LUA_TNUMBER && lua_isinteger(L_, -2)) {
        all_strings = false;
        const lua_Integer key = lua_tointeger(L_, -2);
        if (key < 1) sequence_keys = false;
        if (key > max_key) max_key = key;
      } else {
        all_strings = false;
        sequence_keys = false;
      }
      lua_pop(L_, 1);
    }

    if (count == 0) {
      *out = IsTaggedArray(index) ? json::array() : json::object();
      return true;
    }
    on_path_.push_back(self);
    if (sequence_keys && static_cast<size_t>(max_key) == count) {
      *out = json::array();
      out->get_ref<json::array_t&>().reserve(count);
      for (lua_Integer i = 1; i <= max_key; ++i) {
        lua_rawgeti(L_, index, i);
        json item;
        const bool ok = Convert(-1, depth + 1, &item);
        lua_pop(L_, 1);
        if (!ok) {
          path_.push_back("[" + std::to_string(i - 1) + "]");
          return false;
        }
        out->push_back(std::move(item));
      }
    } else if (all_strings) {
      *out = json::object();
      lua_pushnil(L_);
      while (lua_next(L_, index) != 0) {
        size_t key_length = 0;
        const char* key = lua_tolstring(L_, -2, &key_length);
        std::string name(key, key_length);
        if (!IsValidUtf8(name)) return Fail("a key that is not valid UTF-8");
        json item;
        if (!Charge(key_length) || !Convert(-1, depth + 1, &item)) {
          path_.push_back("." + name);
          return false;  // the caller restores the stack
        }
        (*out)[std::move(name)] = std::move(item);
        lua_pop(L_, 1);
      }
    } else {
      return Fail("a table whose keys are neither all strings nor exactly 1..n");
    }
    on_path_.pop_back();
    return true;
  }

  lua_State* L_;
  const LuaJsonTags& tags_;
  size_t budget_;
  std::vector<const void*> on_path_;
  std::vector<std::string> path_;
  std::string error_;
};

void PushValue(lua_State* L, const json& value, const LuaJsonTags& tags, int depth) {
  switch (value.type()) {
    case json::value_t::null:
      lua_pushlightuserdata(L, tags.null);
      return;
    case json::value_t::boolean:
      lua_pushboolean(L, value.get<bool>() ? 1 : 0);
      return;
    case json::value_t::number_integer:
      lua_pushinteger(L, static_cast<lua_Integer>(value.get<int64_t>()));
      return;
    case json::value_t::number_unsigned: {
      const uint64_t number = value.get<uint64_t>();
      if (number <= static_cast<uint64_t>(std::numeric_limits<lua_Integer>::max())) {
        lua_pushinteger(L, static_cast<lua_Integer>(number));
      } else {
        lua_pushnumber(L, static_cast<lua_Number>(number));
      }
      return;
    }
    case json::value_t::number_float:
      lua_pushnumber(L, static_cast<lua_Number>(value.get<double>()));
      return;
    case json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      lua_pushlstring(L, text.data(), text.size());
      return;
    }
    case json::value_t::array: {
      if (depth >= kMaxJsonDepth)
        luaL_error(L, "JSON nesting deeper than %d levels", kMaxJsonDepth);
      luaL_checkstack(L, 4, "JSON nesting");
      lua_createtable(L, static_cast<int>(std::min<size_t>(value.size(), 1 << 16)), 0);
      lua_Integer index = 1;
      for (const auto& item : value) {
        PushValue(L, item, tags, depth + 1);
        lua_rawseti(L, -2, index++);
      }
      lua_rawgeti(L, LUA_REGISTRYINDEX, tags.array_mt_ref);
      lua_setmetatable(L, -2);
      return;
    }
    case json::value_t::object: {
      if (depth >= kMaxJsonDepth)
        luaL_error(L, "JSON nesting deeper than %d levels", kMaxJsonDepth);
      luaL_checkstack(L, 4, "JSON nesting");
      lua_createtable(L, 0, static_cast<int>(std::min<size_t>(value.size(), 1 << 16)));
      for (const auto& [key, item] : value.items()) {
        lua_pushlstring(L, key.data(), key.size());
        PushValue(L, item, tags, depth + 1);
        lua_rawset(L, -3);
      }
      return;
    }
    case json::value_t::binary:
    case json::value_t::discarded:
      luaL_error(L, "cannot convert a binary or discarded JSON value");
      return;
  }
}

// SAX handler building the Lua value directly on the stack.
class LuaSax {
 public:
  LuaSax(lua_State* L, const LuaJsonTags& tags) : L_(L), tags_(tags) {}

  bool null() {
    lua_pushlightuserdata(L_, tags_.null);
    return Added();
  }
  bool boolean(bool value) {
    lua_pushboolean(L_, value ? 1 : 0);
    return Added();
  }
  bool number_integer(json::number_integer_t value) {
    lua_pushinteger(L_, static_cast<lua_Integer>(value));
    return Added();
  }
  bool number_unsigned(json::number_unsigned_t value) {
    if (value <= static_cast<uint64_t>(std::numeric_limits<lua_Integer>::max())) {
      lua_pushinteger(L_, static_cast<lua_Integer>(value));
    } else {
      lua_pushnumber(L_, static_cast<lua_Number>(value));
    }
    return Added();
  }
  bool number_float(json::number_float_t value, const json::string_t& /*text*/) {
    lua_pushnumber(L_, static_cast<lua_Number>(value));
    return Added();
  }
  bool string(json::string_t& value) {
    lua_pushlstring(L_, value.data(), value.size());
    return Added();
  }
  bool binary(json::binary_t& /*value*/) {
    error_ = "binary values are not supported";
    return false;
  }
  bool start_object(size_t /*elements*/) { return Open(false); }
  bool key(json::string_t& name) {
    lua_pushlstring(L_, name.data(), name.size());
    return true;
  }
  bool end_object() { return Close(); }
  bool start_array(size_t /*elements*/) { return Open(true); }
  bool end_array() { return Close(); }
  bool parse_error(size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& e) {
    error_ = e.what();
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  bool Open(bool array) {
    if (containers_.size() >= static_cast<size_t>(kMaxJsonDepth)) {
      error_ = "nesting deeper than 64 levels";
      return false;
    }
    luaL_checkstack(L_, 4, "JSON nesting");
    lua_newtable(L_);
    if (array) {
      lua_rawgeti(L_, LUA_REGISTRYINDEX, tags_.array_mt_ref);
      lua_setmetatable(L_, -2);
    }
    containers_.push_back(array ? 1 : 0);
    return true;
  }

  bool Close() {
    containers_.pop_back();
    return Added();
  }

  // Stores the value on top of the stack into the enclosing container, if any.
  bool Added() {
    if (containers_.empty()) return true;
    lua_Integer& next_index = containers_.back();
    if (next_index > 0) {
      lua_rawseti(L_, -2, next_index);
      ++next_index;
    } else {
      lua_rawset(L_, -3);  // [table, key, value]
    }
    return true;
  }

  lua_State* L_;
  const LuaJsonTags& tags_;
  std::vector<lua_Integer> containers_;  // per open container: 0 = object, else next array index
  std::string error_;
};

}  // namespace

void* JsonNullSentinel() { return &null_sentinel_address; }

void PushJson(lua_State* L, const nlohmann::json& value, const LuaJsonTags& tags) {
  PushValue(L, value, tags, 0);
}

void PushDecodedJson(lua_State* L, std::string_view text, const LuaJsonTags& tags) {
  const int top = lua_gettop(L);
  LuaSax sax(L, tags);
  if (!json::sax_parse(text.begin(), text.end(), &sax)) {
    lua_settop(L, top);
    luaL_error(L, "invalid JSON: %s", sax.error().c_str());
  }
}

bool LuaToJson(lua_State* L, int index, const LuaJsonTags& tags, size_t max_bytes,
               nlohmann::json* out, std::string* error) {
  const int top = lua_gettop(L);
  ToJsonConverter converter(L, tags, max_bytes);
  const bool ok = converter.Convert(lua_absindex(L, index), 0, out);
  lua_settop(L, top);
  if (!ok) *error = converter.Message();
  return ok;
}

}  // namespace cognate::triggers
