#include "engine/json/json_text.h"

#include <charconv>

#include "engine/utf8_sequence.h"

namespace cognate::json_text {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// The escape of a byte below 0x20, " or \ as dump() writes it.
void AppendEscaped(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default: {
      const char escape[] = {'\\', 'u', '0', '0', kHexDigits[c >> 4], kHexDigits[c & 0x0f]};
      out.append(escape, sizeof escape);
    }
  }
}

bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

}  // namespace

bool AppendString(std::string& out, std::string_view text) {
  out.push_back('"');
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t run = 0;  // start of the bytes not yet copied
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c >= 0x80) {
      const size_t length = Utf8SequenceLength(s + i, n - i);
      if (length == 0) return false;
      i += length;
    } else if (NeedsEscape(c)) {
      out.append(text.data() + run, i - run);
      AppendEscaped(out, c);
      run = ++i;
    } else {
      ++i;
    }
  }
  out.append(text.data() + run, n - run);
  out.push_back('"');
  return true;
}

void AppendInt(std::string& out, int64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

void AppendUint(std::string& out, uint64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

bool AppendStringMap(std::string& out, const std::map<std::string, std::string>& map) {
  ObjectText object(out);
  for (const auto& [key, value] : map) object.String(key, value);
  return object.Close();
}

std::string& ObjectText::Key(std::string_view key) {
  if (!first_) out_.push_back(',');
  first_ = false;
  ok_ = AppendString(out_, key) && ok_;
  out_.push_back(':');
  return out_;
}

}  // namespace cognate::json_text
