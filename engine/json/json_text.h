// Writing JSON text directly, byte for byte as nlohmann::json::dump() writes the same value.
//
// A user's row is written on every change of the user, sign-ins and refreshes included, and again
// for every user a replay rebuilds. Building an nlohmann value only to dump it cost more than the
// rest of projecting the event; writing the text straight from the state does not.
//
// What dump() does, and so what these do: object keys in byte order (nlohmann keeps objects in a
// std::map), no spaces, integers in decimal, strings with " \ and control characters escaped
// (\b \f \n \r \t by name, the others as \u00xx) and every other byte, UTF-8 included, as it is.
// dump() throws on a string that is not valid UTF-8; AppendString reports it instead, so that the
// caller can leave that case to dump() and throw exactly as it did.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace cognate::json_text {

// Appends `text` as a JSON string. False if `text` is not valid UTF-8 (`out` is then unspecified).
bool AppendString(std::string& out, std::string_view text);

void AppendInt(std::string& out, int64_t value);
void AppendUint(std::string& out, uint64_t value);
inline void AppendBool(std::string& out, bool value) { out += value ? "true" : "false"; }

// An object of strings; std::map's order is dump()'s key order. False as AppendString.
bool AppendStringMap(std::string& out, const std::map<std::string, std::string>& map);

// The members of one object, written in the order given: the caller gives the keys in byte
// order, as dump() would write them. Close() reports whether every string was valid UTF-8.
class ObjectText {
 public:
  explicit ObjectText(std::string& out) : out_(out) { out_.push_back('{'); }

  // Writes `"key":` (after a comma unless first) and returns the output for the value.
  std::string& Key(std::string_view key);

  ObjectText& String(std::string_view key, std::string_view value) {
    ok_ = AppendString(Key(key), value) && ok_;
    return *this;
  }
  ObjectText& Int(std::string_view key, int64_t value) {
    AppendInt(Key(key), value);
    return *this;
  }
  ObjectText& Uint(std::string_view key, uint64_t value) {
    AppendUint(Key(key), value);
    return *this;
  }
  ObjectText& Bool(std::string_view key, bool value) {
    AppendBool(Key(key), value);
    return *this;
  }
  ObjectText& StringMap(std::string_view key, const std::map<std::string, std::string>& map) {
    ok_ = AppendStringMap(Key(key), map) && ok_;
    return *this;
  }
  // For values the caller writes itself after Key(): records whether they were valid.
  void Check(bool valid) { ok_ = valid && ok_; }

  // Closes the object; false if a string in it was not valid UTF-8.
  bool Close() {
    out_.push_back('}');
    return ok_;
  }

 private:
  std::string& out_;
  bool first_ = true;
  bool ok_ = true;
};

}  // namespace cognate::json_text
