// TryParseFast against nlohmann::json::parse itself: whatever the fast path accepts must be the
// value nlohmann builds (number types included), and whatever nlohmann rejects the fast path must
// decline. Hand-written cases cover each construct and its edges; a seeded differential fuzz
// covers their combinations and the invalid texts one byte away from valid ones.
#include "engine/json/fast_parse.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace cognate::json_parse {
namespace {

using nlohmann::json;
using namespace std::string_view_literals;

// The text with non-printable bytes as \xNN, for failure messages.
std::string Printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out.push_back(c);
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof(escaped), "\\x%02X", byte);
      out += escaped;
    }
  }
  return out;
}

// Equal values of equal types all the way down: json's operator== alone treats 0u and 0 (and
// 1 and 1.0) as equal, and the fast path must not change a number's type.
bool Identical(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
      if (ia.key() != ib.key() || !Identical(ia.value(), ib.value())) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!Identical(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

json Nlohmann(std::string_view text) {
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

std::string Concat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const std::string_view part : parts) out += part;
  return out;
}

// TryParseFast on a copy of `text` in a buffer of exactly its size, with no terminator after it,
// so that a sanitizer build catches any read past the end.
std::optional<json> TryParseFastExact(std::string_view text) {
  const std::vector<char> buffer(text.begin(), text.end());
  return TryParseFast(std::string_view(buffer.data(), buffer.size()));
}

// The invariant: an accepted text has nlohmann's value; a text nlohmann rejects is declined.
::testing::AssertionResult AgreesWithNlohmann(std::string_view text) {
  const json reference = Nlohmann(text);
  const std::optional<json> fast = TryParseFastExact(text);
  if (!fast.has_value()) return ::testing::AssertionSuccess();
  if (reference.is_discarded()) {
    return ::testing::AssertionFailure() << "accepted what nlohmann rejects: " << Printable(text);
  }
  if (!Identical(*fast, reference)) {
    return ::testing::AssertionFailure()
           << "for " << Printable(text) << " built " << fast->dump() << " (" << fast->type_name()
           << "), nlohmann built " << reference.dump() << " (" << reference.type_name() << ")";
  }
  return ::testing::AssertionSuccess();
}

// The invariant, and the fast path did decide: for the inputs it exists for.
::testing::AssertionResult AcceptedAsNlohmann(std::string_view text) {
  if (!TryParseFastExact(text).has_value()) {
    return ::testing::AssertionFailure() << "declined " << Printable(text);
  }
  if (Nlohmann(text).is_discarded()) {
    return ::testing::AssertionFailure() << "nlohmann rejects " << Printable(text);
  }
  return AgreesWithNlohmann(text);
}

// The invariant, for a text the fast path leaves to nlohmann.
::testing::AssertionResult Declined(std::string_view text) {
  if (TryParseFastExact(text).has_value()) {
    return ::testing::AssertionFailure() << "accepted " << Printable(text);
  }
  return ::testing::AssertionSuccess();
}

// Invalid JSON: nlohmann rejects it (checked, so the case means what it says) and so does the
// fast path.
::testing::AssertionResult RejectedByBoth(std::string_view text) {
  if (!Nlohmann(text).is_discarded()) {
    return ::testing::AssertionFailure() << "nlohmann accepts " << Printable(text);
  }
  return Declined(text);
}

// Valid JSON the fast path leaves to nlohmann.
::testing::AssertionResult LeftToNlohmann(std::string_view text) {
  if (Nlohmann(text).is_discarded()) {
    return ::testing::AssertionFailure() << "nlohmann rejects " << Printable(text);
  }
  return Declined(text);
}

// A JWT-shaped access token: 1,050 base64url characters in three dot-separated segments.
std::string AccessTokenLike() {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string token;
  for (size_t i = 0; i < 1050; ++i) {
    token.push_back(i == 80 || i == 707 ? '.' : kAlphabet[(i * 37 + 11) % kAlphabet.size()]);
  }
  return token;
}

TEST(FastJsonParse, AcceptsGetUserBody) {
  const std::string token = AccessTokenLike();
  const std::string body = R"({"AccessToken":")" + token + R"("})";
  ASSERT_TRUE(AcceptedAsNlohmann(body));
  EXPECT_EQ(TryParseFast(body)->at("AccessToken").get<std::string>(), token);
}

TEST(FastJsonParse, AcceptsEventPayload) {
  const std::string body =
      R"({"username":"alice","attributes":[{"Name":"email","Value":"a@example.com"},)"
      R"({"Name":"email_verified","Value":"true"},{"Name":"name","Value":"Alice )"
      "\xC3\x89"
      R"(mile"}],)"
      R"("groups":["readers","writers"],"at":1763900000123,"offset":-42,"enabled":true,)"
      R"("deleted":false,"previous":null,"meta":{"source":"admin","retries":0,"tags":[]}})";
  ASSERT_TRUE(AcceptedAsNlohmann(body));
  const json value = *TryParseFast(body);
  EXPECT_EQ(value["at"].get<uint64_t>(), 1763900000123u);
  EXPECT_EQ(value["attributes"][2]["Value"].get<std::string>(), "Alice \xC3\x89mile");
}

TEST(FastJsonParse, AcceptsEveryKindOfValue) {
  for (const std::string_view text :
       {"true", "false", "null", "0", "7", "-7", "\"\"", "\"text\"", "{}", "[]", "[{}]",
        "{\"a\":[]}", "[true,false,null,0,\"s\",[],{}]", "{\"a\":{\"b\":{\"c\":[1,[2,[3]]]}}}",
        "\"\x7f\""}) {
    EXPECT_TRUE(AcceptedAsNlohmann(text));
  }
}

TEST(FastJsonParse, NumberTypesAreNlohmanns) {
  // Non-negative integers are number_unsigned and negative ones number_integer; nlohmann parses
  // -0 as number_integer 0.
  EXPECT_TRUE(TryParseFast("0")->is_number_unsigned());
  EXPECT_TRUE(TryParseFast("42")->is_number_unsigned());
  EXPECT_FALSE(TryParseFast("-0")->is_number_unsigned());
  EXPECT_TRUE(TryParseFast("-0")->is_number_integer());
  EXPECT_FALSE(TryParseFast("-42")->is_number_unsigned());
  EXPECT_EQ(TryParseFast("-42")->get<int64_t>(), -42);
  for (const std::string_view text : {"0", "-0", "1", "-1", "10", "-10", "[0,-0,5]"}) {
    EXPECT_TRUE(AcceptedAsNlohmann(text));
  }
}

TEST(FastJsonParse, IntegersOfUpTo18Digits) {
  EXPECT_TRUE(AcceptedAsNlohmann("999999999999999999"));
  EXPECT_TRUE(AcceptedAsNlohmann("-999999999999999999"));
  EXPECT_TRUE(AcceptedAsNlohmann("100000000000000000"));
  EXPECT_EQ(TryParseFast("999999999999999999")->get<uint64_t>(), 999999999999999999u);
  EXPECT_EQ(TryParseFast("-999999999999999999")->get<int64_t>(), -999999999999999999);
  // Longer integers, including ones beyond 64 bits that nlohmann makes floats, are nlohmann's.
  EXPECT_TRUE(LeftToNlohmann("1000000000000000000"));
  EXPECT_TRUE(LeftToNlohmann("-1000000000000000000"));
  EXPECT_TRUE(LeftToNlohmann("18446744073709551615"));
  EXPECT_TRUE(LeftToNlohmann("18446744073709551616"));
  EXPECT_TRUE(LeftToNlohmann("-9223372036854775809"));
  EXPECT_TRUE(LeftToNlohmann("[1,12345678901234567890]"));
}

TEST(FastJsonParse, FloatsAreLeftToNlohmann) {
  for (const std::string_view text :
       {"1.0", "-0.0", "0.5", "1e5", "1E5", "1e-5", "-1.5e+10", "{\"x\":3.25}", "[1,2.0]"}) {
    EXPECT_TRUE(LeftToNlohmann(text));
  }
}

TEST(FastJsonParse, MalformedNumbersAreRejected) {
  for (const std::string_view text :
       {"-", "+1", "01", "-01", "00", "1.", ".5", "1e", "--1", "0x10", "[-]", "1-"}) {
    EXPECT_TRUE(RejectedByBoth(text));
  }
}

TEST(FastJsonParse, WhitespaceBetweenEveryToken) {
  EXPECT_TRUE(AcceptedAsNlohmann(
      " \t\n\r{ \t\n\r\"a\" \t\n\r: \t\n\r[ \t\n\r1 \t\n\r, \t\n\rtrue \t\n\r] \t\n\r, "
      "\"b\"\r:\n\"c\"\t} \t\n\r"));
  EXPECT_TRUE(AcceptedAsNlohmann("\n\n42\n\n"));
  EXPECT_TRUE(AcceptedAsNlohmann("[ ]"));
  EXPECT_TRUE(AcceptedAsNlohmann("{\n}"));
  // Only space, tab, line feed and carriage return are JSON whitespace.
  for (const std::string_view text : {"", " ", "\t\n\r ", "\v{}", "{}\f", "[\v1]",
                                      "\xC2\xA0"
                                      "1"}) {
    EXPECT_TRUE(RejectedByBoth(text));
  }
}

TEST(FastJsonParse, TrailingTextIsRejected) {
  for (const std::string_view text :
       {"{} x", "[1]]", "1 2", "{}{}", "truex", "true false", "\"a\"\"b\"", "{\"a\":1}}", "[1],",
        "nul", "tru", "nulll", "True", "NULL"}) {
    EXPECT_TRUE(RejectedByBoth(text));
  }
  // nlohmann stops at a NUL byte as if the text ended there; the fast path leaves such texts to it.
  EXPECT_TRUE(LeftToNlohmann(std::string_view("{}\0x", 4)));
}

TEST(FastJsonParse, MalformedStructureIsRejected) {
  for (const std::string_view text : {"[",         "]",          "{",         "}",
                                      ",",         ":",          "[1,]",      "[,1]",
                                      "[1 2]",     "{\"a\":1,}", "{\"a\" 1}", "{\"a\":}",
                                      "{a:1}",     "{1:1}",      "{\"a\",1}", "{\"a\":1 \"b\":2}",
                                      "[\"a\":1]", "{\"a\"}",    "\"abc",     "[\"abc]",
                                      "'a'",       "[1,,2]"}) {
    EXPECT_TRUE(RejectedByBoth(text));
  }
}

TEST(FastJsonParse, LastOfDuplicateKeysWins) {
  for (const std::string_view text :
       {"{\"a\":1,\"a\":2}", "{\"a\":{\"x\":[1,2]},\"b\":0,\"a\":\"s\"}",
        "{\"a\":\"s\",\"a\":{\"y\":1},\"a\":[3]}", "[{\"k\":true,\"k\":false}]"}) {
    EXPECT_TRUE(AcceptedAsNlohmann(text));
  }
  EXPECT_EQ(*TryParseFast("{\"a\":1,\"a\":2}"), json::parse("{\"a\":2}"));
  EXPECT_EQ(*TryParseFast("{\"a\":{\"x\":1},\"a\":[3]}"), json::parse("{\"a\":[3]}"));
}

TEST(FastJsonParse, ObjectKeysAreDecodedStrings) {
  EXPECT_TRUE(AcceptedAsNlohmann(R"({"a\nb":1,"\"":2,"\\\/":3,")"
                                 "\xC3\xA9"
                                 R"(":4})"));
  EXPECT_TRUE(LeftToNlohmann(R"({"\u0041":3})"));
  EXPECT_EQ(TryParseFast(R"({"a\nb":1})")->begin().key(), "a\nb");
}

TEST(FastJsonParse, TwoCharacterEscapesAreDecoded) {
  const std::optional<json> value = TryParseFast(R"("q\" b\\ s\/ \b\f\n\r\t end")");
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(value->get<std::string>(), "q\" b\\ s/ \b\f\n\r\t end");
  for (const std::string_view text :
       {R"("\"")", R"("\\")", R"("\/")", R"("\b")", R"("\f")", R"("\n")", R"("\r")", R"("\t")",
        R"("\\\\\"\"")", R"(["a\"b","\\"])", R"("plain then an escape at the very end\n")"}) {
    EXPECT_TRUE(AcceptedAsNlohmann(text));
  }
}

TEST(FastJsonParse, UnicodeEscapesAreLeftToNlohmann) {
  for (const std::string_view text :
       {R"("\u0041")", R"("\u00e9")", R"("\ud83d\ude00")", R"({"k":"a\u0000b"})"}) {
    EXPECT_TRUE(LeftToNlohmann(text));
  }
  for (const std::string_view text : {R"("\u12")", R"("\uZZZZ")", R"("\ud83d")", R"("\x41")",
                                      R"("\a")", R"("\)", R"("\")", R"("\ ")", R"("\U0041")"}) {
    EXPECT_TRUE(RejectedByBoth(text));
  }
}

TEST(FastJsonParse, ControlCharactersInStringsAreRejected) {
  for (int byte = 0; byte < 0x20; ++byte) {
    const std::string control(1, static_cast<char>(byte));
    const std::string text = Concat({"\"ab", control, "cd\""});
    EXPECT_TRUE(RejectedByBoth(text)) << "byte " << byte;
    // Also where the word-at-a-time scan sees it.
    const std::string long_text = Concat({"\"0123456789abcdef", control, "0123456789\""});
    EXPECT_TRUE(RejectedByBoth(long_text)) << "byte " << byte;
  }
}

TEST(FastJsonParse, WellFormedUtf8IsAccepted) {
  for (const std::string_view sequence :
       {"\xC2\x80", "\xDF\xBF", "\xC3\xA9", "\xE0\xA0\x80", "\xE1\x80\x80", "\xEC\xBF\xBF",
        "\xED\x80\x80", "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF", "\xE2\x82\xAC",
        "\xF0\x90\x80\x80", "\xF0\x9F\x98\x80", "\xF1\x80\x80\x80", "\xF3\xBF\xBF\xBF",
        "\xF4\x80\x80\x80", "\xF4\x8F\xBF\xBF"}) {
    for (const std::string& text :
         {Concat({"\"", sequence, "\""}), Concat({"\"ab", sequence, "cd\""}),
          Concat({"{\"", sequence, "\":\"0123456789", sequence, "0123456789\"}"})}) {
      EXPECT_TRUE(AcceptedAsNlohmann(text));
    }
  }
  const std::optional<json> value = TryParseFast("\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(value->get<std::string>(), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
}

TEST(FastJsonParse, IllFormedUtf8IsRejected) {
  for (const std::string_view sequence : {
           "\x80",
           "\xBF",  // continuation bytes without a lead
           "\xC0\x80",
           "\xC0\xAF",
           "\xC1\xBF",  // overlong two-byte forms
           "\xE0\x80\x80",
           "\xE0\x9F\xBF",  // overlong three-byte forms
           "\xED\xA0\x80",
           "\xED\xBF\xBF",  // UTF-16 surrogates
           "\xF0\x80\x80\x80",
           "\xF0\x8F\xBF\xBF",  // overlong four-byte forms
           "\xF4\x90\x80\x80",
           "\xF5\x80\x80\x80",
           "\xF7\xBF\xBF\xBF",
           "\xF8\x88\x80\x80\x80",
           "\xFE",
           "\xFF",
           "\xC2",
           "\xC2\x41",
           "\xC2\xC0",
           "\xE1\x80",
           "\xE1\x80\x41",
           "\xE1\x41\x80",  // cut off or interrupted
           "\xF1\x80\x80",
           "\xF1\x80\x80\x41",
           "\xF1\x41\x80\x80",
           "\xDF\x22",
       }) {
    EXPECT_TRUE(RejectedByBoth(Concat({"\"", sequence, "\""}))) << Printable(sequence);
    EXPECT_TRUE(RejectedByBoth(Concat({"[\"0123456789abcdef", sequence, "0123456789abcdef\"]"})))
        << Printable(sequence);
    // Cut off by the end of the text itself.
    EXPECT_TRUE(RejectedByBoth(Concat({"\"", sequence}))) << Printable(sequence);
  }
}

TEST(FastJsonParse, UnterminatedStringsAreRejected) {
  for (const std::string_view text : {"\"", "\"abc", "\"0123456789abcdef0123456789", "{\"key",
                                      "{\"key\":\"value", "[\"a\\\"]", "\"\xC3\xA9"}) {
    EXPECT_TRUE(RejectedByBoth(text));
  }
}

std::string Nested(int depth, std::string_view open, std::string_view close,
                   std::string_view innermost) {
  std::string text;
  for (int i = 0; i < depth; ++i) text += open;
  text += innermost;
  for (int i = 0; i < depth; ++i) text += close;
  return text;
}

TEST(FastJsonParse, NestingUpTo64Levels) {
  EXPECT_TRUE(AcceptedAsNlohmann(Nested(64, "[", "]", "1")));
  EXPECT_TRUE(AcceptedAsNlohmann(Nested(64, "[", "]", "")));
  EXPECT_TRUE(AcceptedAsNlohmann(Nested(64, "{\"k\":", "}", "null")));
  EXPECT_TRUE(AcceptedAsNlohmann(Nested(32, "{\"k\":[", "]}", "\"deep\"")));
  // Deeper documents are nlohmann's, whether or not they are valid.
  EXPECT_TRUE(LeftToNlohmann(Nested(65, "[", "]", "1")));
  EXPECT_TRUE(LeftToNlohmann(Nested(65, "{\"k\":", "}", "null")));
  EXPECT_TRUE(LeftToNlohmann(Nested(10000, "[", "]", "")));
  EXPECT_TRUE(RejectedByBoth(Nested(65, "[", "]", "1") + "]"));
  EXPECT_TRUE(RejectedByBoth(Nested(64, "[", "]", "1") + "]"));
}

TEST(FastJsonParse, ParseOrDiscardedMatchesNlohmann) {
  for (const std::string_view text :
       {"{\"AccessToken\":\"abc.def.ghi\"}", "[1,2,3]", "1.5", "\"\\u00e9\"",
        "12345678901234567890", "", "{", "[1,]", "\"\xC0\x80\"", "{\"a\":1}x"}) {
    const json parsed = ParseOrDiscarded(text);
    const json reference = Nlohmann(text);
    if (reference.is_discarded()) {
      EXPECT_TRUE(parsed.is_discarded()) << Printable(text);
    } else {
      EXPECT_TRUE(Identical(parsed, reference)) << Printable(text);
    }
  }
  EXPECT_TRUE(Identical(ParseOrDiscarded(Nested(100, "[", "]", "0")),
                        Nlohmann(Nested(100, "[", "]", "0"))));
}

// ---- differential fuzz ----

void AppendUtf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// Random JSON values and their texts. With `fast_path_only`, values stay within what the fast path
// must accept once dumped: integers of at most 18 digits, no floats, and no control characters
// other than those nlohmann dumps as two-character escapes (it writes the rest as \u00XX).
class RandomJson {
 public:
  explicit RandomJson(uint32_t seed) : rng_(seed) {}

  std::mt19937& rng() { return rng_; }

  int Uniform(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }

  json Value(bool fast_path_only, int depth = 0) {
    // Containers are likely near the top and impossible past a few levels.
    const int container_weight = depth == 0 ? 8 : depth < 4 ? 3 : 0;
    const int pick = Uniform(0, 9 + container_weight);
    if (pick >= 10)
      return pick % 2 == 0 ? Object(fast_path_only, depth) : Array(fast_path_only, depth);
    switch (pick) {
      case 0:
        return nullptr;
      case 1:
        return Uniform(0, 1) == 1;
      case 2:
        return Uniform(-1000, 1000);
      case 3:
        return LargeInteger(fast_path_only);
      case 4:
        if (!fast_path_only) return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
        return Uniform(0, 9);
      default:
        return String(fast_path_only);
    }
  }

  // `value` dumped, with random whitespace around its structural characters and '/' sometimes
  // escaped as "\/" (which nlohmann never writes).
  std::string Text(const json& value) {
    const int indent = Uniform(-1, 2);
    const std::string dumped = value.dump(indent);
    std::string text = Whitespace();
    bool in_string = false;
    for (size_t i = 0; i < dumped.size(); ++i) {
      const char c = dumped[i];
      if (in_string) {
        if (c == '\\') {
          text.push_back(c);
          text.push_back(dumped[++i]);
          continue;
        }
        if (c == '/' && Uniform(0, 1) == 1) {
          text += "\\/";
          continue;
        }
        if (c == '"') in_string = false;
        text.push_back(c);
        continue;
      }
      if (c == '"') {
        in_string = true;
        text.push_back(c);
        continue;
      }
      const bool structural = c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':';
      if (structural) text += Whitespace();
      text.push_back(c);
      if (structural) text += Whitespace();
    }
    return text + Whitespace();
  }

 private:
  json Object(bool fast_path_only, int depth) {
    json object = json::object();
    const int members = Uniform(0, 5);
    for (int i = 0; i < members; ++i) {
      // Short keys from a small alphabet sometimes repeat; the value given last is the one kept.
      std::string key = Uniform(0, 3) == 0 ? std::string(1, static_cast<char>('a' + Uniform(0, 2)))
                                           : String(fast_path_only);
      object[std::move(key)] = Value(fast_path_only, depth + 1);
    }
    return object;
  }

  json Array(bool fast_path_only, int depth) {
    json array = json::array();
    const int items = Uniform(0, 5);
    for (int i = 0; i < items; ++i) array.push_back(Value(fast_path_only, depth + 1));
    return array;
  }

  json LargeInteger(bool fast_path_only) {
    const int64_t limit = fast_path_only ? 999999999999999999 : INT64_MAX;
    const int64_t magnitude = std::uniform_int_distribution<int64_t>(0, limit)(rng_);
    if (!fast_path_only && Uniform(0, 3) == 0) {
      return std::uniform_int_distribution<uint64_t>(0, UINT64_MAX)(rng_);
    }
    return Uniform(0, 1) == 1 ? -magnitude : magnitude;
  }

  std::string String(bool fast_path_only) {
    std::string out;
    const int pieces = Uniform(0, 24);
    for (int i = 0; i < pieces; ++i) {
      const int kind = Uniform(0, 19);
      if (kind < 12) {
        out.push_back(static_cast<char>(Uniform(0x20, 0x7E)));
      } else if (kind < 14) {
        constexpr std::string_view kEscaped = "\"\\/\b\f\n\r\t";
        out.push_back(
            kEscaped[static_cast<size_t>(Uniform(0, static_cast<int>(kEscaped.size()) - 1))]);
      } else if (kind < 16) {
        AppendUtf8(out, static_cast<uint32_t>(Uniform(0x80, 0x7FF)));
      } else if (kind < 18) {
        int code_point = Uniform(0x800, 0xFFFF - 0x800);
        if (code_point >= 0xD800) code_point += 0x800;  // skip the surrogates
        AppendUtf8(out, static_cast<uint32_t>(code_point));
      } else if (kind < 19) {
        AppendUtf8(out, static_cast<uint32_t>(Uniform(0x10000, 0x10FFFF)));
      } else if (!fast_path_only) {
        out.push_back(static_cast<char>(Uniform(0x00, 0x1F)));
      }
    }
    return out;
  }

  std::string Whitespace() {
    if (Uniform(0, 3) != 0) return "";
    constexpr std::string_view kWhitespace = " \t\n\r";
    std::string out;
    for (int n = Uniform(1, 3); n > 0; --n)
      out.push_back(kWhitespace[static_cast<size_t>(Uniform(0, 3))]);
    return out;
  }

  std::mt19937 rng_;
};

// Texts of random values: 2,000 the fast path must accept and 300 with floats, big integers and
// \u escapes that it may leave to nlohmann.
struct FuzzCorpus {
  std::vector<std::string> within_fast_path;
  std::vector<std::string> beyond_fast_path;
};

FuzzCorpus MakeCorpus(RandomJson& random) {
  FuzzCorpus corpus;
  for (int i = 0; i < 2000; ++i) corpus.within_fast_path.push_back(random.Text(random.Value(true)));
  for (int i = 0; i < 300; ++i) corpus.beyond_fast_path.push_back(random.Text(random.Value(false)));
  return corpus;
}

TEST(FastJsonParse, FuzzRandomDocumentsAreAccepted) {
  RandomJson random(20251123);
  const FuzzCorpus corpus = MakeCorpus(random);
  for (const std::string& text : corpus.within_fast_path) {
    ASSERT_TRUE(AcceptedAsNlohmann(text));
  }
  int declined = 0;
  for (const std::string& text : corpus.beyond_fast_path) {
    ASSERT_FALSE(Nlohmann(text).is_discarded()) << Printable(text);
    ASSERT_TRUE(AgreesWithNlohmann(text));
    if (!TryParseFast(text).has_value()) ++declined;
  }
  EXPECT_GT(declined, 0);  // the generator did reach past the fast path
}

TEST(FastJsonParse, FuzzMutatedDocumentsAgreeWithNlohmann) {
  RandomJson random(20251124);
  const FuzzCorpus corpus = MakeCorpus(random);
  std::vector<const std::string*> sources;
  for (const std::string& text : corpus.within_fast_path) sources.push_back(&text);
  for (const std::string& text : corpus.beyond_fast_path) sources.push_back(&text);

  // Bytes that make the interesting mistakes: structure, number and literal characters, escapes,
  // control characters and UTF-8 lead and continuation bytes.
  constexpr std::string_view kInteresting =
      "{}[],:\"\\/ \t\n\r0123456789-+.eEtrufalsn\x00\x01\x1F\x7F\x80\xBF\xC0\xC1\xC2\xDF\xE0\xED\xEF\xF0\xF4\xF5\xFF"sv;
  const auto random_byte = [&]() {
    if (random.Uniform(0, 1) == 0) return static_cast<char>(random.Uniform(0, 255));
    return kInteresting[static_cast<size_t>(
        random.Uniform(0, static_cast<int>(kInteresting.size()) - 1))];
  };

  int fast_accepted = 0;
  int nlohmann_rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text =
        *sources[static_cast<size_t>(random.Uniform(0, static_cast<int>(sources.size()) - 1))];
    for (int mutations = random.Uniform(1, 3); mutations > 0; --mutations) {
      const auto at = [&]() {
        return static_cast<size_t>(random.Uniform(0, static_cast<int>(text.size())));
      };
      switch (random.Uniform(0, 4)) {
        case 0:
        case 1:
          if (!text.empty()) text[at() % text.size()] = random_byte();
          break;
        case 2:
          text.insert(at(), 1, random_byte());
          break;
        case 3:
          if (!text.empty()) text.erase(at() % text.size(), 1);
          break;
        default:
          text.resize(at());
          break;
      }
    }
    ASSERT_TRUE(AgreesWithNlohmann(text));
    if (TryParseFast(text).has_value()) ++fast_accepted;
    if (Nlohmann(text).is_discarded()) ++nlohmann_rejected;
  }
  // Both outcomes occurred often, so the invariant was tested on both sides.
  EXPECT_GT(fast_accepted, 1000);
  EXPECT_GT(nlohmann_rejected, 5000);
}

}  // namespace
}  // namespace cognate::json_parse
