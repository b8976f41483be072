// JSON ⇄ Lua conversions, observed through scripts: the event going in, the event coming back,
// and cognate.json.encode/decode.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "tests/triggers/trigger_test_support.h"
#include "triggers/utf8.h"

namespace cognate::triggers::testing {
namespace {

constexpr const char* kEcho = "function handler(event) return event end";

TEST_F(TriggerTest, EventRoundTripsUnchanged) {
  json event = PreSignUpEvent();
  event["request"]["nested"] = {
      {"object", {{"a", {{"b", {{"c", "deep"}}}}}}},
      {"array", {1, "two", 3.5, nullptr, true, json::array(), json::object(), {{"k", "v"}}}},
      {"empty_array", json::array()},
      {"empty_object", json::object()},
      {"null", nullptr},
      {"integers",
       {0, -1, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}},
      {"floats", {0.5, -2.25, 1e300, 3.0}},
      {"unicode", "héllo wörld ✓ 日本語 😀"},
      {"escapes", "quote\" backslash\\ newline\n nul"},
      {"key with spaces and ✓", "ok"}};
  event["request"]["nested"]["escapes"] = std::string("with\0nul", 8);
  const TriggerOutcome outcome = Run(kEcho, event);
  ASSERT_EQ(outcome.failure, TriggerFailure::kNone) << Describe(outcome);
  EXPECT_EQ(outcome.event, event);
  EXPECT_EQ(outcome.event.dump(), event.dump());
  // Integers stay integers and floats stay floats (3.0 included).
  EXPECT_TRUE(outcome.event["request"]["nested"]["integers"][2].is_number_integer());
  EXPECT_TRUE(outcome.event["request"]["nested"]["floats"][3].is_number_float());
  EXPECT_TRUE(outcome.event["request"]["nested"]["empty_array"].is_array());
  EXPECT_TRUE(outcome.event["request"]["nested"]["empty_object"].is_object());
}

TEST_F(TriggerTest, LargeUnsignedBecomesAFloat) {
  json event = PreSignUpEvent();
  event["request"]["big"] = std::numeric_limits<uint64_t>::max();
  const TriggerOutcome outcome = Run(kEcho, event);
  ASSERT_EQ(outcome.failure, TriggerFailure::kNone) << Describe(outcome);
  EXPECT_TRUE(outcome.event["request"]["big"].is_number_float());
  EXPECT_DOUBLE_EQ(outcome.event["request"]["big"].get<double>(), 18446744073709551616.0);
}

TEST_F(TriggerTest, ScriptSeesTablesSequencesAndNull) {
  json event = PreSignUpEvent();
  event["request"]["groups"] = {"admins", "users"};
  event["request"]["none"] = json::array();
  const TriggerOutcome outcome = Run(R"lua(
    function handler(event)
      local r = event.request
      event.response.count = #r.groups
      event.response.second = r.groups[2]
      event.response.isNull = r.validationData == cognate.null
      event.response.emptyLength = #r.none
      table.insert(r.groups, "third")
      event.response.groups = r.groups
      return event
    end
  )lua",
                                     event);
  ASSERT_EQ(outcome.failure, TriggerFailure::kNone) << Describe(outcome);
  EXPECT_EQ(outcome.event["response"]["count"], 2);
  EXPECT_EQ(outcome.event["response"]["second"], "users");
  EXPECT_EQ(outcome.event["response"]["isNull"], true);
  EXPECT_EQ(outcome.event["response"]["emptyLength"], 0);
  EXPECT_EQ(outcome.event["response"]["groups"], json({"admins", "users", "third"}));
}

TEST_F(TriggerTest, ScriptTablesBecomeArraysOrObjects) {
  EXPECT_EQ(Eval("{1, 2, 3}"), json({1, 2, 3}));
  EXPECT_EQ(Eval("{a = 1, b = {c = true}}"), json({{"a", 1}, {"b", {{"c", true}}}}));
  EXPECT_EQ(Eval("{}"), json::object());
  EXPECT_EQ(Eval("cognate.json.array()"), json::array());
  EXPECT_EQ(Eval("cognate.json.array({'x'})"), json({"x"}));
  EXPECT_EQ(Eval("cognate.json.decode('[]')"), json::array());
  EXPECT_EQ(Eval("{cognate.null, 1}"), json({nullptr, 1}));
  EXPECT_EQ(Eval("cognate.null"), json(nullptr));
  EXPECT_EQ(Eval("{[1] = 'a', [2] = 'b'}"), json({"a", "b"}));
  EXPECT_EQ(Eval("{['1'] = 'string key'}"), json({{"1", "string key"}}));
}

TEST_F(TriggerTest, NumbersKeepTheirKind) {
  EXPECT_TRUE(Eval("7 // 2").is_number_integer());
  EXPECT_EQ(Eval("7 // 2"), 3);
  EXPECT_TRUE(Eval("7 / 2").is_number_float());
  EXPECT_EQ(Eval("7 / 2"), 3.5);
  EXPECT_TRUE(Eval("2.0").is_number_float());
  EXPECT_TRUE(Eval("math.maxinteger").is_number_integer());
  EXPECT_EQ(Eval("math.mininteger"), std::numeric_limits<int64_t>::min());
}

TEST_F(TriggerTest, UnconvertibleResponsesAreBadResponses) {
  const char* cases[] = {
      "e.response.x = function() end",
      "e.response.x = coroutine.create(function() end)",
      "e.response.x = 0/0",
      "e.response.x = math.huge",
      "e.response.x = {1, 2, nil, 4}",
      "e.response.x = {[1] = 'a', [3] = 'c'}",
      "e.response.x = {1, 2, a = 3}",
      "e.response.x = {[true] = 1}",
      "e.response.x = {[1.5] = 1}",
      "e.response.x = {[0] = 1}",
      "e.response.x = 'bad \\xff utf8'",
      "e.response[{}] = 1",
      "local t = {} t.self = t e.response.x = t",
      "local t = {} for i = 1, 100 do t = {t} end e.response.x = t",
  };
  for (const char* body : cases) {
    const TriggerOutcome outcome =
        Run(std::string("function handler(e) ") + body + " return e end");
    EXPECT_EQ(outcome.failure, TriggerFailure::kBadResponse) << body << ": " << Describe(outcome);
  }
  ExpectHealthy();
}

TEST_F(TriggerTest, SharedSubtablesAreFineButExplosionsAreNot) {
  // The same table twice is not a cycle.
  EXPECT_EQ(Eval("(function() local t = {1} return {a = t, b = t} end)()"),
            json({{"a", {1}}, {"b", {1}}}));
  // 2^40 references to one table: refused by the output budget, quickly.
  const auto start = std::chrono::steady_clock::now();
  const TriggerOutcome outcome =
      Run("function handler(e) local t = {'x'} for i = 1, 40 do t = {t, t} end e.response.x = t "
          "return e end");
  EXPECT_EQ(outcome.failure, TriggerFailure::kBadResponse);
  EXPECT_NE(outcome.error.find("too large"), std::string::npos) << outcome.error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(TriggerTest, JsonEncodeAndDecode) {
  EXPECT_EQ(Eval("cognate.json.encode({a = {1, 2}, b = cognate.null, c = 'x', d = 1.5, e = {}})"),
            R"({"a":[1,2],"b":null,"c":"x","d":1.5,"e":{}})");
  EXPECT_EQ(Eval("cognate.json.encode('✓')"), "\"✓\"");
  EXPECT_EQ(Eval("cognate.json.decode('{\"a\":[1,2.5,null,{\"b\":\"✓\"}],\"c\":true}')"),
            json({{"a", {1, 2.5, nullptr, {{"b", "✓"}}}}, {"c", true}}));
  EXPECT_EQ(Eval("cognate.json.decode('[1, 2]')[2]"), 2);
  EXPECT_EQ(Eval("cognate.json.decode('{\"a\":null}').a == cognate.null"), true);
  EXPECT_EQ(Eval("cognate.json.decode('42')"), 42);
  EXPECT_EQ(Eval("cognate.json.decode(cognate.json.encode({x = {y = {1, {}}}})).x.y[1]"), 1);
  EXPECT_EQ(Eval("select(2, pcall(cognate.json.decode, '{bad')):match('^invalid JSON: ') ~= nil"),
            true);

  TriggerOutcome outcome = Run("function handler(e) cognate.json.decode('{\"a\":') end");
  EXPECT_EQ(outcome.failure, TriggerFailure::kRaised);
  EXPECT_EQ(outcome.error.rfind("invalid JSON: ", 0), 0u) << outcome.error;
  outcome = Run("function handler(e) cognate.json.encode({f = print}) end");
  EXPECT_EQ(outcome.failure, TriggerFailure::kRaised);
  EXPECT_EQ(outcome.error, "cognate.json.encode: $.f: cannot convert a function");
  outcome = Run("function handler(e) cognate.json.decode(('['):rep(100000)) end");
  EXPECT_EQ(outcome.failure, TriggerFailure::kRaised);
  EXPECT_NE(outcome.error.find("nesting"), std::string::npos) << outcome.error;
  outcome = Run("function handler(e) cognate.json.array(string) end");
  EXPECT_EQ(outcome.failure, TriggerFailure::kRaised);
  ExpectHealthy();
}

TEST(Utf8, ValidationAndSanitizing) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x9C"));          // truncated
  EXPECT_EQ(SanitizeUtf8("a\xFF"
                         "b\xE2\x9C"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(SanitizeUtf8("ok \xE2\x9C\x93"), "ok \xE2\x9C\x93");
}

}  // namespace
}  // namespace cognate::triggers::testing
