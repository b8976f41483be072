#include "engine/json/fast_parse.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "engine/utf8_sequence.h"

namespace cognate::json_parse {
namespace {

using nlohmann::json;

// Deeper documents are left to nlohmann (which parses without recursion), so the recursion here
// stays shallow whatever a client sends.
constexpr int kMaxDepth = 64;

// Eighteen decimal digits always fit in an int64_t, so accumulating them cannot overflow.
constexpr std::ptrdiff_t kMaxIntegerDigits = 18;

// String bytes that stand for themselves: printable ASCII other than the quote and the backslash.
constexpr std::array<bool, 256> kPlainStringByte = [] {
  std::array<bool, 256> plain{};
  for (size_t c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

constexpr uint64_t kEveryByte = 0x0101010101010101;
constexpr uint64_t kHighBits = 0x8080808080808080;

// Nonzero when some byte of `word` is below `bound` (at most 0x80). Only "some byte" is exact,
// not which one; that is all the scan below needs.
constexpr uint64_t AnyByteBelow(uint64_t word, uint64_t bound) {
  return (word - kEveryByte * bound) & ~word & kHighBits;
}

// Whether the eight bytes at `p` are all plain string bytes, tested at once: long strings (access
// tokens) are almost entirely plain, so they are scanned a word rather than a byte at a time.
bool EightPlainBytes(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  const uint64_t special = (word & kHighBits) | AnyByteBelow(word, 0x20) |
                           AnyByteBelow(word ^ (kEveryByte * '"'), 1) |
                           AnyByteBelow(word ^ (kEveryByte * '\\'), 1);
  return special == 0;
}

// The character a two-character escape stands for; '\0' for \u (left to nlohmann, which combines
// surrogate pairs) and for invalid escapes.
char Unescaped(char escape) {
  switch (escape) {
    case '"':
      return '"';
    case '\\':
      return '\\';
    case '/':
      return '/';
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    default:
      return '\0';
  }
}

// A recursive-descent parser over [p_, end_). Every Parse* returns false to decline, leaving the
// text to nlohmann; what it has built by then is thrown away.
class FastParser {
 public:
  explicit FastParser(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool ParseDocument(json& out) {
    SkipWhitespace();
    if (!ParseValue(out, 0)) return false;
    SkipWhitespace();
    return p_ == end_;
  }

 private:
  void SkipWhitespace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool Consume(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  bool ConsumeLiteral(std::string_view literal) {
    if (static_cast<size_t>(end_ - p_) < literal.size() ||
        std::memcmp(p_, literal.data(), literal.size()) != 0) {
      return false;
    }
    p_ += literal.size();
    return true;
  }

  // `depth` counts the containers enclosing this value.
  bool ParseValue(json& out, int depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return depth < kMaxDepth && ParseObject(out, depth + 1);
      case '[':
        return depth < kMaxDepth && ParseArray(out, depth + 1);
      case '"':
        ++p_;
        out = json(json::value_t::string);
        return ParseString(out.get_ref<json::string_t&>());
      case 't':
        out = true;
        return ConsumeLiteral("true");
      case 'f':
        out = false;
        return ConsumeLiteral("false");
      case 'n':
        out = nullptr;
        return ConsumeLiteral("null");
      default:
        return ParseInteger(out);
    }
  }

  bool ParseObject(json& out, int depth) {
    ++p_;  // '{'
    out = json(json::value_t::object);
    json::object_t& members = out.get_ref<json::object_t&>();
    SkipWhitespace();
    if (Consume('}')) return true;
    for (;;) {
      if (!Consume('"')) return false;
      std::string key;
      if (!ParseString(key)) return false;
      SkipWhitespace();
      if (!Consume(':')) return false;
      SkipWhitespace();
      // Parsing into the member's slot replaces any earlier value: the last of repeated keys wins,
      // as with nlohmann's parser.
      if (!ParseValue(members.try_emplace(std::move(key)).first->second, depth)) return false;
      SkipWhitespace();
      if (Consume('}')) return true;
      if (!Consume(',')) return false;
      SkipWhitespace();
    }
  }

  bool ParseArray(json& out, int depth) {
    ++p_;  // '['
    out = json(json::value_t::array);
    json::array_t& items = out.get_ref<json::array_t&>();
    SkipWhitespace();
    if (Consume(']')) return true;
    for (;;) {
      if (!ParseValue(items.emplace_back(), depth)) return false;
      SkipWhitespace();
      if (Consume(']')) return true;
      if (!Consume(',')) return false;
      SkipWhitespace();
    }
  }

  // -?(0|[1-9][0-9]*) of at most 18 digits: non-negative as number_unsigned and negative (-0
  // included) as number_integer, the types nlohmann gives them. Fractions, exponents and longer
  // integers are left to nlohmann.
  bool ParseInteger(json& out) {
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    const char* const digits = p_;
    uint64_t magnitude = 0;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') {
      magnitude = magnitude * 10 + static_cast<uint64_t>(*p_ - '0');
      ++p_;
    }
    const std::ptrdiff_t digit_count = p_ - digits;
    if (digit_count == 0 || digit_count > kMaxIntegerDigits) return false;
    if (digits[0] == '0' && digit_count > 1) return false;  // a leading zero is invalid JSON
    if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    if (negative) {
      out = -static_cast<json::number_integer_t>(magnitude);
    } else {
      out = static_cast<json::number_unsigned_t>(magnitude);
    }
    return true;
  }

  // The rest of a string whose opening quote has been consumed, decoded and appended to `out`.
  // Plain bytes and valid UTF-8 are appended a whole run at a time, never byte by byte.
  bool ParseString(std::string& out) {
    const char* run = p_;  // the first byte not yet appended
    for (;;) {
      while (end_ - p_ >= 8 && EightPlainBytes(p_)) p_ += 8;
      while (p_ != end_ && kPlainStringByte[static_cast<unsigned char>(*p_)]) ++p_;
      if (p_ == end_) return false;  // unterminated
      const auto byte = static_cast<unsigned char>(*p_);
      if (byte == '"') {
        out.append(run, static_cast<size_t>(p_ - run));
        ++p_;
        return true;
      }
      if (byte == '\\') {
        out.append(run, static_cast<size_t>(p_ - run));
        if (++p_ == end_) return false;
        const char unescaped = Unescaped(*p_);
        if (unescaped == '\0') return false;
        out.push_back(unescaped);
        run = ++p_;
        continue;
      }
      if (byte < 0x20) return false;  // control characters must be escaped
      const size_t sequence_length = Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p_),
                                                        static_cast<size_t>(end_ - p_));
      if (sequence_length == 0) return false;
      p_ += sequence_length;  // valid UTF-8 stays in the run
    }
  }

  const char* p_;
  const char* const end_;
};

}  // namespace

std::optional<nlohmann::json> TryParseFast(std::string_view text) {
  std::optional<json> value(std::in_place);
  if (!FastParser(text).ParseDocument(*value)) return std::nullopt;
  return value;
}

nlohmann::json ParseOrDiscarded(std::string_view text) {
  if (std::optional<json> value = TryParseFast(text)) return std::move(*value);
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace cognate::json_parse
