// The metered string functions (find, match, gmatch, gsub, rep) keep Lua 5.4's semantics, and
// the guarded table functions keep theirs.
#include <gtest/gtest.h>

#include <string>

#include "tests/triggers/trigger_test_support.h"

namespace cognate::triggers::testing {
namespace {

// Evaluates a Lua expression list packed into an array: {expr}.
#define EXPECT_LUA(expression, expected) \
  EXPECT_EQ(Eval("{" expression "}"), json(expected)) << expression

TEST_F(TriggerTest, FindPlainAndPatterns) {
  EXPECT_LUA("('hello world'):find('o w')", json({5, 7}));
  EXPECT_LUA("('hello world'):find('o', 6)", json({8, 8}));
  EXPECT_LUA("('hello'):find('l+')", json({3, 4}));
  EXPECT_LUA("('a.b'):find('.', 1, true)", json({2, 2}));
  EXPECT_LUA("('hello'):find('')", json({1, 0}));
  EXPECT_LUA("('hello'):find('', 10)", json::object());
  EXPECT_LUA("('hello'):find('xyz')", json::object());
  EXPECT_LUA("('hello'):find('(l)(l)')", json({3, 4, "l", "l"}));
  EXPECT_LUA("('hello'):find('l', -2)", json({4, 4}));
  EXPECT_LUA("('key = value'):find('^(%w+)%s*=%s*(%w+)$')", json({1, 11, "key", "value"}));
}

TEST_F(TriggerTest, MatchClassesSetsAndQuantifiers) {
  EXPECT_LUA("('alice@example.com'):match('@(.+)$')", json({"example.com"}));
  EXPECT_LUA("('  trim me  '):match('^%s*(.-)%s*$')", json({"trim me"}));
  EXPECT_LUA("('abc123def'):match('%d+')", json({"123"}));
  EXPECT_LUA("('abc123def'):match('%a+', 4)", json({"def"}));
  EXPECT_LUA("('x=1, y=22'):match('y=(%d+)')", json({"22"}));
  EXPECT_LUA("('[tag]'):match('%[(.-)%]')", json({"tag"}));
  EXPECT_LUA("('a-b_c'):match('[%w_%-]+')", json({"a-b_c"}));
  EXPECT_LUA("('Hello'):match('[^%l]')", json({"H"}));
  EXPECT_LUA("('2024-05-06'):match('(%d+)-(%d+)-(%d+)')", json({"2024", "05", "06"}));
  EXPECT_LUA("('aaa'):match('a-b')", json::object());
  EXPECT_LUA("('aaab'):match('a-b')", json({"aaab"}));
  EXPECT_LUA("('color colour'):match('colou?r', 2)", json({"colour"}));
  EXPECT_LUA("('hello'):match('()ll()')", json({3, 5}));
  EXPECT_LUA("('f(a(b)c)d'):match('%b()')", json({"(a(b)c)"}));
  EXPECT_LUA("('THE (quick) fox'):find('%f[%a]%a+%f[%A]', 5)", json({6, 10}));
  EXPECT_LUA("('hello hello'):match('(h%a+) %1')", json({"hello"}));
  EXPECT_LUA("('x]y'):match('[]]')", json({"]"}));
  EXPECT_LUA("('a^b'):match('%^b')", json({"^b"}));
  EXPECT_LUA("('$5'):match('%$(%d)')", json({"5"}));
  EXPECT_LUA("('end$'):match('d$')", json::object());
  EXPECT_LUA("('a$b'):match('a$b')", json({"a$b"}));
  EXPECT_LUA("('abc'):match('^(a)(b)(c)$')", json({"a", "b", "c"}));
  EXPECT_LUA("('0x1F'):match('^0[xX](%x+)$')", json({"1F"}));
  EXPECT_LUA("('tab\\there'):match('%c')", json({"\t"}));
  EXPECT_LUA("('a,b;c'):match('%p')", json({","}));
  EXPECT_LUA("('ABCdef'):match('%u+')", json({"ABC"}));
}

TEST_F(TriggerTest, GmatchIteratesLikeLua) {
  EXPECT_LUA(
      "(function() local t = {} for w in ('one two  three'):gmatch('%a+') do t[#t+1] = w end "
      "return table.unpack(t) end)()",
      json({"one", "two", "three"}));
  EXPECT_LUA(
      "(function() local t = {} for k, v in ('a=1, b=2'):gmatch('(%w+)=(%w+)') do t[#t+1] = k .. v "
      "end return table.unpack(t) end)()",
      json({"a1", "b2"}));
  EXPECT_LUA("(function() local n = 0 for _ in ('abc'):gmatch('') do n = n + 1 end return n end)()",
             json({4}));
  EXPECT_LUA(
      "(function() local t = {} for w in ('abc'):gmatch('x*') do t[#t+1] = '<' .. w .. '>' end "
      "return table.concat(t) end)()",
      json({"<><><><>"}));
  EXPECT_LUA(
      "(function() local t = {} for w in ('hello world'):gmatch('%a+', 3) do t[#t+1] = w end "
      "return table.unpack(t) end)()",
      json({"llo", "world"}));
}

TEST_F(TriggerTest, GsubReplacementsLikeLua) {
  EXPECT_LUA("('hello world'):gsub('o', '0')", json({"hell0 w0rld", 2}));
  EXPECT_LUA("('hello world'):gsub('(%w+)', '<%1>')", json({"<hello> <world>", 2}));
  EXPECT_LUA("('hello'):gsub('', '-')", json({"-h-e-l-l-o-", 6}));
  EXPECT_LUA("('abc'):gsub('%w', '%0%0')", json({"aabbcc", 3}));
  EXPECT_LUA("('abc'):gsub('b', '%%')", json({"a%c", 1}));
  EXPECT_LUA("('hello world'):gsub('o', '0', 1)", json({"hell0 world", 1}));
  EXPECT_LUA("('$name is $age'):gsub('%$(%w+)', {name = 'Bob', age = 42})", json({"Bob is 42", 2}));
  EXPECT_LUA("('$name $missing'):gsub('%$(%w+)', {name = 'Bob'})", json({"Bob $missing", 2}));
  EXPECT_LUA("('1 2 3'):gsub('%d', function(d) return d * 2 end)", json({"2 4 6", 3}));
  EXPECT_LUA("('keep'):gsub('e', function() return false end)", json({"keep", 2}));
  EXPECT_LUA("('abc'):gsub('^a', 'X')", json({"Xbc", 1}));
  EXPECT_LUA("('aaa'):gsub('^a', 'X')", json({"Xaa", 1}));
  EXPECT_LUA("('hello'):gsub('()l', '%1')", json({"he34o", 2}));
  EXPECT_LUA("('abc'):gsub('x*', '-')", json({"-a-b-c-", 4}));
  EXPECT_LUA("('hello world'):gsub('(o)', string.upper)", json({"hellO wOrld", 2}));
}

TEST_F(TriggerTest, PatternErrorsAreLuaErrors) {
  const char* bad[] = {"('x'):match('%')",
                       "('x'):match('[a')",
                       "('x'):match('(x')",
                       "('x'):match('x)')",
                       "('x'):match('%1')",
                       "('x'):match('%f')",
                       "('x'):match('%b')",
                       "('x'):gsub('x', '%2')",
                       "('x'):gsub('x', '%z')",
                       "('x'):gsub('x', true)",
                       "('x'):gsub('x', function() return {} end)",
                       "('x'):rep(40):match(('(x)'):rep(40))",
                       "('x'):rep(300):match(('x?'):rep(300))"};
  for (const char* expression : bad) {
    const TriggerOutcome outcome =
        Run(std::string("function handler(e) local _ = ") + expression + " return e end");
    EXPECT_EQ(outcome.failure, TriggerFailure::kRaised) << expression << ": " << Describe(outcome);
  }
  ExpectHealthy();
}

TEST_F(TriggerTest, RepLikeLua) {
  EXPECT_LUA("('ab'):rep(3)", json({"ababab"}));
  EXPECT_LUA("('ab'):rep(3, ',')", json({"ab,ab,ab"}));
  EXPECT_LUA("('ab'):rep(0)", json({""}));
  EXPECT_LUA("('ab'):rep(-1)", json({""}));
  EXPECT_LUA("(''):rep(1e15)", json({""}));  // no 1e15-iteration loop
  EXPECT_LUA("(''):rep(3, '-')", json({"--"}));
}

TEST_F(TriggerTest, TableFunctionsLikeLua) {
  EXPECT_LUA(
      "(function() local t = {1, 2, 3} table.insert(t, 4) table.insert(t, 1, 0) return "
      "table.unpack(t) end)()",
      json({0, 1, 2, 3, 4}));
  EXPECT_LUA(
      "(function() local t = {1, 2, 3} local r = table.remove(t, 1) return r, #t, t[1] end)()",
      json({1, 2, 2}));
  EXPECT_LUA("(function() local t = {1, 2, 3} return table.remove(t), #t end)()", json({3, 2}));
  EXPECT_LUA("(function() local t = {} return table.remove(t) end)()", json::object());
  EXPECT_LUA("(function() local t = {3, 1, 2} table.sort(t) return table.unpack(t) end)()",
             json({1, 2, 3}));
  EXPECT_LUA(
      "(function() local t = {3, 1, 2} table.sort(t, function(a, b) return a > b end) return "
      "table.unpack(t) end)()",
      json({3, 2, 1}));
  EXPECT_LUA("table.concat({'a', 'b', 'c'}, '-', 2)", json({"b-c"}));
  EXPECT_LUA("table.concat({'a', 'b', 'c'}, '-', 2, 2)", json({"b"}));
  EXPECT_LUA("table.unpack(table.move({1, 2, 3}, 1, 3, 2))", json({1, 1, 2, 3}));
  EXPECT_LUA("table.unpack(table.move({1, 2, 3}, 1, 3, 1, {}))", json({1, 2, 3}));
  EXPECT_LUA("table.pack(1, 2).n", json({2}));
  const TriggerOutcome outcome = Run("function handler(e) table.insert({}, 5, 'x') end");
  EXPECT_EQ(outcome.failure, TriggerFailure::kRaised);
  EXPECT_NE(outcome.error.find("position out of bounds"), std::string::npos) << outcome.error;
  EXPECT_EQ(Run("function handler(e) table.insert({}, 1, 2, 3) end").error,
            "wrong number of arguments to 'insert'");
}

}  // namespace
}  // namespace cognate::triggers::testing
