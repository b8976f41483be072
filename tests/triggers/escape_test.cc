// The escape suite: every way out of the sandbox we could think of. Each attempt must fail
// cleanly with the right failure, and the runner must then serve an ordinary trigger.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include "tests/triggers/trigger_test_support.h"

namespace cognate::triggers::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

class EscapeTest : public TriggerTest {
 protected:
  // Runs `body` inside handler(e) (followed by `return e`) and expects `failure`, then checks
  // that the runner is healthy.
  TriggerOutcome Expect(TriggerFailure failure, const std::string& body,
                        const TriggerLimits& limits = TriggerLimits{}) {
    const TriggerOutcome outcome =
        Run("function handler(e)\n" + body + "\nreturn e\nend", PreSignUpEvent(), limits);
    EXPECT_EQ(outcome.failure, failure) << body << "\n" << Describe(outcome);
    ExpectHealthy();
    return outcome;
  }

  TriggerLimits quick_deadline_ = [] {
    TriggerLimits limits;
    limits.deadline = std::chrono::milliseconds(500);
    return limits;
  }();

  void ExpectRaised(const std::string& body) { Expect(TriggerFailure::kRaised, body); }

  void ExpectLimit(const std::string& body, const std::string& message,
                   const TriggerLimits& limits = TriggerLimits{}) {
    const TriggerOutcome outcome = Expect(TriggerFailure::kLimit, body, limits);
    EXPECT_EQ(outcome.error, message) << body;
  }

  // Deep recursion ends either with Lua's stack error or with the memory limit; never a crash.
  void ExpectRaisedOrLimit(const std::string& body, const TriggerLimits& limits = TriggerLimits{}) {
    const TriggerOutcome outcome =
        Run("function handler(e)\n" + body + "\nreturn e\nend", PreSignUpEvent(), limits);
    EXPECT_TRUE(outcome.failure == TriggerFailure::kRaised ||
                outcome.failure == TriggerFailure::kLimit)
        << body << "\n"
        << Describe(outcome);
    ExpectHealthy();
  }
};

constexpr const char* kMemory = "memory limit exceeded";
constexpr const char* kInstructions = "instruction limit exceeded";

// ---- dangerous libraries are simply absent ----

TEST_F(EscapeTest, OsExecuteAndFriends) {
  ExpectRaised("os.execute('touch /tmp/cognate-escaped')");
  ExpectRaised("os.exit(1)");
  ExpectRaised("os.getenv('HOME')");
  ExpectRaised("os.remove('/tmp/x')");
  ExpectRaised("os.rename('/tmp/x', '/tmp/y')");
  ExpectRaised("os.tmpname()");
  ExpectRaised("os.setlocale('C')");
  EXPECT_EQ(Eval("(function() local n = 0 for k in pairs(os) do n = n + 1 end return n end)()"), 3);
}

TEST_F(EscapeTest, Io) {
  ExpectRaised("io.open('/etc/passwd')");
  ExpectRaised("io.popen('id')");
  ExpectRaised("io.write('x')");
}

TEST_F(EscapeTest, RequireAndPackage) {
  ExpectRaised("require('os')");
  ExpectRaised("package.loadlib('libc.so.6', 'system')");
  ExpectRaised("local f = package.searchers");
}

TEST_F(EscapeTest, LoadingCode) {
  ExpectRaised("load('return 1')()");
  ExpectRaised("loadstring('return 1')()");
  ExpectRaised("dofile('/etc/passwd')");
  ExpectRaised("loadfile('/etc/passwd')");
  // A hand-made binary chunk (string.dump is gone): there is no load to give it to...
  ExpectRaised(
      "local chunk = '\\27Lua\\84\\0\\25\\147\\13\\10\\26\\10\\4\\8\\8' load(chunk, 'x', 'b')");
  // ...and a binary chunk as the script itself is refused at compile time.
  const std::string binary("\x1bLua\x54\x00\x19\x93\r\n\x1a\n\x04\x08\x08xV\x00\x00", 20);
  TriggerOutcome outcome = runner_.Run("binary", binary, PreSignUpEvent(), {});
  EXPECT_EQ(outcome.failure, TriggerFailure::kCompile) << Describe(outcome);
  EXPECT_NE(outcome.error.find("binary chunk"), std::string::npos) << outcome.error;
  EXPECT_FALSE(runner_.Check(binary).ok());
  ExpectHealthy();
}

TEST_F(EscapeTest, StringDump) {
  ExpectRaised("string.dump(handler)");
  ExpectRaised("local s = ('x').dump(print)");
}

TEST_F(EscapeTest, Debug) {
  ExpectRaised("debug.sethook()");
  ExpectRaised("debug.getregistry()");
  ExpectRaised("debug.setmetatable('', nil)");
  ExpectRaised("debug.getupvalue(handler, 1)");
}

TEST_F(EscapeTest, CollectGarbageAndWarn) {
  ExpectRaised("collectgarbage('stop')");
  ExpectRaised("collectgarbage()");
  ExpectRaised("warn('@on')");
}

// ---- time and instructions ----

TEST_F(EscapeTest, InfiniteLoopHitsTheInstructionLimit) {
  ExpectLimit("while true do end", kInstructions);
  ExpectLimit("local i = 0 repeat i = i + 1 until false", kInstructions);
  ExpectLimit("local function f() return f() end f()", kInstructions);  // a tail call loops forever
}

TEST_F(EscapeTest, InstructionBudgetAndDeadlineAreIndependent) {
  // A small budget with a long deadline: the budget ends it, quickly.
  TriggerLimits small_budget;
  small_budget.instructions = 100'000;
  small_budget.deadline = std::chrono::seconds(60);
  auto start = steady_clock::now();
  ExpectLimit("while true do end", kInstructions, small_budget);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(10));

  // A huge budget with a short deadline: the deadline ends it, on time.
  TriggerLimits short_deadline;
  short_deadline.instructions = std::numeric_limits<uint64_t>::max();
  short_deadline.deadline = milliseconds(200);
  start = steady_clock::now();
  const TriggerOutcome outcome =
      Run("function handler(e) while true do end end", PreSignUpEvent(), short_deadline);
  const auto elapsed = steady_clock::now() - start;
  EXPECT_EQ(outcome.failure, TriggerFailure::kLimit) << Describe(outcome);
  EXPECT_EQ(outcome.error, "Task timed out after 0.20 seconds");
  EXPECT_GE(elapsed, milliseconds(200));
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_GE(outcome.duration_us, 200'000);
  ExpectHealthy();
}

TEST_F(EscapeTest, LoopInTheChunkBodyIsLimitedToo) {
  const TriggerOutcome outcome = Run("while true do end function handler(e) return e end");
  EXPECT_EQ(outcome.failure, TriggerFailure::kLimit) << Describe(outcome);
  ExpectHealthy();
}

TEST_F(EscapeTest, LoopInAMetamethodOrTostring) {
  ExpectLimit("print(setmetatable({}, {__tostring = function() while true do end end}))",
              kInstructions);
  ExpectLimit(
      "local t = setmetatable({}, {__index = function() while true do end end}) local _ = t.x",
      kInstructions);
  ExpectLimit("table.sort({3, 2, 1}, function(a, b) while true do end end)", kInstructions);
  ExpectLimit("('abc'):gsub('.', function() while true do end end)", kInstructions);
}

// ---- memory ----

TEST_F(EscapeTest, MemoryBombs) {
  ExpectLimit("local t = {} while true do t[#t + 1] = {} end", kMemory);
  ExpectLimit("local s = 'x' while true do s = s .. s end", kMemory);
  ExpectLimit("local t = {} local i = 0 while true do i = i + 1 t['key' .. i] = i end", kMemory);
  ExpectLimit(
      "local s = ('x'):rep(1000000) local t = {} for i = 1, 100 do t[i] = s end local _ = "
      "table.concat(t)",
      kMemory);
  TriggerLimits many_instructions;  // creating a coroutine is charged 1000 instructions
  many_instructions.instructions = 1'000'000'000'000;
  ExpectLimit("local u = {} while true do u[#u + 1] = coroutine.create(function() end) end",
              kMemory, many_instructions);
}

TEST_F(EscapeTest, HugeStringRep) {
  ExpectLimit("local s = string.rep('x', 1e9)", kMemory);
  ExpectRaised(
      "local s = ('x'):rep(2^40)");  // past Lua's 2 GiB string limit: "resulting string too large"
  ExpectLimit("local s = ('x'):rep(1e8, ',')", kMemory);
  ExpectRaised("local s = ('xx'):rep(math.maxinteger)");  // "resulting string too large"
  Expect(TriggerFailure::kNone, "local s = (''):rep(1e15) assert(s == '')");
}

TEST_F(EscapeTest, MemoryCapIsPerInvocationAndConfigurable) {
  TriggerLimits small;
  small.memory_bytes = 256 << 10;
  ExpectLimit("local s = ('x'):rep(1 << 20)", kMemory, small);
  Expect(TriggerFailure::kNone, "local s = ('x'):rep(1 << 20)");
  TriggerLimits large;
  large.memory_bytes = 64 << 20;
  Expect(TriggerFailure::kNone, "local s = ('x'):rep(16 << 20)",
         large);  // the buffer and the string
}

TEST_F(EscapeTest, GarbageDoesNotCountOnceCollected) {
  // Allocates far more than the cap in total, but never holds much at once.
  Expect(TriggerFailure::kNone, "for i = 1, 2000 do local s = ('x'):rep(100000) .. i end");
}

// ---- recursion ----

TEST_F(EscapeTest, DeepRecursion) {
  ExpectRaisedOrLimit("local function f(n) return f(n + 1) + 1 end f(1)");
  TriggerLimits roomy;
  roomy.memory_bytes = 512 << 20;
  ExpectRaisedOrLimit("local function f(n) return f(n + 1) + 1 end f(1)",
                      roomy);  // "stack overflow"
  // Recursion through C: metamethods, gsub callbacks, coroutines inside coroutines, tostring.
  ExpectRaisedOrLimit(
      "local t = setmetatable({}, {__index = function(t, k) return t[k] end}) local _ = t.x");
  ExpectRaisedOrLimit("local function f(s) return (s:gsub('.', f)) end f('x')");
  ExpectRaisedOrLimit("local function f() coroutine.wrap(f)() end f()");
  ExpectRaisedOrLimit(
      "local t = setmetatable({}, {__tostring = function(t) return tostring(t) end}) print(t)");
  Expect(TriggerFailure::kNone,
         "local function f() return pcall(f) end f()");  // caught at the bottom
  ExpectRaisedOrLimit("local t = setmetatable({}, {}) getmetatable(t).__index = t local _ = t.x");
}

// ---- coroutines ----

TEST_F(EscapeTest, CoroutinesStayUnderTheLimits) {
  ExpectLimit("coroutine.wrap(function() while true do end end)()", kInstructions);
  // The coroutine's error is caught by resume, but the limit still wins.
  ExpectLimit(
      "local co = coroutine.create(function() while true do end end) "
      "e.response.resumed = coroutine.resume(co)",
      kInstructions);
  // Many short coroutines, each under one hook interval: creating them is charged.
  ExpectLimit("while true do coroutine.wrap(function() for i = 1, 300 do end end)() end",
              kInstructions);
  ExpectLimit(
      "while true do coroutine.resume(coroutine.create(function() for i = 1, 300 do end end)) end",
      kInstructions);
  ExpectLimit(
      "local co = coroutine.wrap(function() local t = {} while true do t[#t + 1] = {} end end) "
      "co()",
      kMemory);
  ExpectRaised("coroutine.yield(1)");  // outside a coroutine
  TriggerLimits short_deadline;
  short_deadline.instructions = std::numeric_limits<uint64_t>::max();
  short_deadline.deadline = milliseconds(100);
  ExpectLimit(
      "local co = coroutine.create(function() while true do end end) coroutine.resume(co) "
      "while true do end",
      "Task timed out after 0.10 seconds", short_deadline);
}

// ---- catching the limit errors does not help ----

TEST_F(EscapeTest, PcallCannotSwallowTheInstructionLimit) {
  ExpectLimit("while true do pcall(function() while true do end end) end", kInstructions);
  ExpectLimit("local ok = pcall(function() while true do end end) e.response.caught = not ok",
              kInstructions);
  ExpectLimit("xpcall(function() while true do end end, function() while true do end end)",
              kInstructions);
  // Raising is slow (a C++ throw per error), so these may meet the deadline first.
  Expect(TriggerFailure::kLimit, "for i = 1, 1e9 do pcall(error, 'x') end", quick_deadline_);
  Expect(TriggerFailure::kLimit,
         "local function f() pcall(f) while true do pcall(function() while true do end end) end "
         "end f()",
         quick_deadline_);
}

TEST_F(EscapeTest, PcallCannotSwallowTheMemoryLimit) {
  ExpectLimit("local ok = pcall(string.rep, 'x', 1e9) e.response.ok = ok", kMemory);
  ExpectLimit("pcall(function() local t = {} while true do t[#t + 1] = {} end end)", kMemory);
  ExpectLimit("for i = 1, 100 do pcall(string.rep, 'x', 1e9) end", kMemory);
  ExpectLimit(
      "local co = coroutine.create(function() return ('x'):rep(1e9) end) coroutine.resume(co)",
      kMemory);
  ExpectLimit(
      "pcall(function() local t = {} while true do t[#t + 1] = {} end end) "
      "while true do local x = {} end",
      kMemory);
}

TEST_F(EscapeTest, PcallCannotSwallowTheDeadline) {
  TriggerLimits short_deadline;
  short_deadline.instructions = std::numeric_limits<uint64_t>::max();
  short_deadline.deadline = milliseconds(100);
  ExpectLimit("while true do pcall(function() while true do end end) end",
              "Task timed out after 0.10 seconds", short_deadline);
}

TEST_F(EscapeTest, HandlersThatLuaRunsWithHooksOff) {
  // After a hook error Lua runs an xpcall handler, and the __close handlers of a coroutine the
  // error killed, with hooks still off.
  ExpectLimit("xpcall(function() while true do end end, function() while true do end end)",
              kInstructions);
  ExpectLimit(
      "coroutine.wrap(function() xpcall(function() while true do end end, "
      "function() while true do end end) end)()",
      kInstructions);
  ExpectLimit(
      "local co = coroutine.wrap(function() "
      "local x <close> = setmetatable({}, {__close = function() while true do end end}) "
      "while true do end end) co()",
      kInstructions);
  ExpectLimit(
      "local co = coroutine.create(function() "
      "local x <close> = setmetatable({}, {__close = function() while true do end end}) "
      "while true do end end) coroutine.resume(co) coroutine.close(co)",
      kInstructions);
  ExpectLimit(
      "local co = coroutine.create(function() "
      "local x <close> = setmetatable({}, {__close = function() while true do end end}) "
      "local t = {} while true do t[#t + 1] = {} end end) coroutine.resume(co) coroutine.close(co)",
      kMemory);
  Expect(TriggerFailure::kLimit,
         "local x <close> = setmetatable({}, {__close = function() while true do end end}) "
         "error('boom')");
  // Without a limit, handlers and __close work as in Lua.
  EXPECT_EQ(Eval("select(2, xpcall(error, function(m) return 'handled: ' .. m end, 'oops', 0))"),
            "handled: oops");
  EXPECT_EQ(Eval("{xpcall(function(a, b) return a + b end, print, 1, 2)}"), json({true, 3}));
  EXPECT_EQ(Eval("(function() local closed = false "
                 "local co = coroutine.wrap(function() local x <close> = setmetatable({}, {__close "
                 "= function() closed = true end}) error('x') end) "
                 "pcall(co) return closed end)()"),
            true);
  EXPECT_EQ(Eval("(function() local co = coroutine.wrap(function(a) local b = coroutine.yield(a * "
                 "2) return a + b end) "
                 "return co(5) + co(1) end)()"),
            16);
  EXPECT_EQ(Eval("select(2, pcall(coroutine.wrap(function() end))) == nil"), true);
  EXPECT_EQ(Eval("(function() local co = coroutine.wrap(function() end) co() return select(2, "
                 "pcall(co)) end)()"),
            "cannot resume dead coroutine");  // called by pcall: no Lua location to add
}

// ---- metatable and global tricks ----

TEST_F(EscapeTest, FrozenLibraries) {
  ExpectRaised("string.rep = function() return 'pwned' end");
  ExpectRaised("rawset(string, 'rep', function() return 'pwned' end)");
  ExpectRaised("table.insert(string, 'x')");
  ExpectRaised("string.newthing = 1");
  ExpectRaised("cognate.null = 1");
  ExpectRaised("cognate.json.encode = nil");
  ExpectRaised("rawset(cognate.json, 'decode', nil)");
  ExpectRaised("setmetatable(cognate, {})");
  ExpectRaised("setmetatable(string, nil)");
  ExpectRaised("math.pi = 3");
  ExpectRaised("os.time = function() return 0 end");
  ExpectRaised("coroutine.wrap = nil");
  ExpectRaised("utf8.char = nil");
  ExpectRaised("local _, s = pairs(string) s.rep = nil");
  ExpectRaised("local it, s = pairs(string) local k, v = it(s, nil) rawset(s, k, nil)");
  ExpectRaised("table.move({1}, 1, 1, 1, math)");
  EXPECT_EQ(Eval("getmetatable(string)"), false);
  EXPECT_EQ(Eval("getmetatable(cognate)"), false);
  EXPECT_EQ(Eval("string.rep('a', 3) .. math.pi // 1"), "aaa3.0");
  EXPECT_EQ(Eval("cognate.null == cognate.json.null"), true);
}

TEST_F(EscapeTest, StringMetatable) {
  ExpectRaised("getmetatable('').__index.rep = function() return 'pwned' end");
  ExpectRaised("getmetatable('').__index = {}");
  ExpectRaised("rawset(getmetatable(''), '__index', {})");
  ExpectRaised("setmetatable('', {})");
  EXPECT_EQ(Eval("getmetatable('')"), false);
  EXPECT_EQ(Eval("('ab'):rep(2)"), "abab");
}

TEST_F(EscapeTest, EnvironmentTricks) {
  ExpectRaised("setmetatable(_ENV, {__index = function() return 'pwned' end})");
  ExpectRaised("setmetatable(_G, nil)");
  EXPECT_EQ(Eval("getmetatable(_ENV)"), false);
  // What a script does to its own globals stays in its own call.
  Expect(TriggerFailure::kNone, "_G.print = nil print = nil string = nil cognate = nil");
  Expect(TriggerFailure::kNone, "rawset(_ENV, 'tostring', function() return 'pwned' end)");
  EXPECT_EQ(Eval("tostring(1) .. type(print) .. type(string) .. type(cognate)"),
            "1functiontabletable");
  // Replacing _ENV locally only affects that chunk.
  Expect(TriggerFailure::kRaised, "local _ENV = {} print('x')");
}

TEST_F(EscapeTest, FinalizersAreRefused) {
  ExpectRaised("setmetatable({}, {__gc = function() while true do end end})");
  ExpectRaised("setmetatable({}, {__gc = true})");
  // Adding __gc afterwards does not make a table finalizable (Lua 5.4 semantics); harmless.
  Expect(TriggerFailure::kNone,
         "local mt = {} local t = setmetatable({}, mt) mt.__gc = function() while true do end end "
         "t = nil");
  ExpectHealthy();
}

TEST_F(EscapeTest, ArrayTagIsProtected) {
  json event = PreSignUpEvent();
  event["request"]["list"] = json::array();
  const TriggerOutcome outcome =
      Run("function handler(e) getmetatable(e.request.list).__index = function() return 'x' end "
          "return e end",
          event);
  EXPECT_EQ(outcome.failure, TriggerFailure::kRaised) << Describe(outcome);
  ExpectHealthy();
}

// ---- values that cannot leave ----

TEST_F(EscapeTest, ErrorWithATableValue) {
  const TriggerOutcome outcome = Expect(TriggerFailure::kRaised, "error({secret = 'x'})");
  EXPECT_EQ(outcome.error.rfind("table: ", 0), 0u) << outcome.error;
}

TEST_F(EscapeTest, ReturningAFunction) {
  const TriggerOutcome outcome = Run("function handler(e) return print end");
  EXPECT_EQ(outcome.failure, TriggerFailure::kBadResponse);
  ExpectHealthy();
}

// ---- C loops that never reach the hook ----

TEST_F(EscapeTest, PathologicalPatterns) {
  const auto start = steady_clock::now();
  ExpectLimit("local s = ('a'):rep(30000) local _ = s:find(('a*'):rep(30) .. 'b')", kInstructions);
  ExpectLimit("local s = ('a'):rep(100000) local _ = s:match('.-.-.-.-.-b')", kInstructions);
  ExpectLimit("local s = ('a'):rep(50000) local _ = s:gsub('.-.-.-x', '')", kInstructions);
  ExpectLimit("local s = ('a'):rep(50000) for w in s:gmatch('a*a*a*a*b') do end", kInstructions);
  ExpectLimit("local s = ('(('):rep(100000) local _ = s:match('%b()%b()')", kInstructions);
  ExpectLimit("local s = ('a'):rep(1 << 20) local _ = s:match('(.*)%1x')", kInstructions);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(30));
}

TEST_F(EscapeTest, TableLibraryLoops) {
  const auto start = steady_clock::now();
  ExpectRaised("table.move({}, 1, 1e15, 1, {})");  // too many elements
  ExpectLimit("table.move({}, 1, 5e7, 1, setmetatable({}, {__newindex = rawequal}))",
              kInstructions);
  ExpectRaised("table.concat(setmetatable({}, {__index = table.concat}), '', 1, 1e15)");
  ExpectLimit("table.concat(setmetatable({}, {__index = table.concat}), '', 1, 5e7)",
              kInstructions);
  ExpectRaised("table.remove(setmetatable({}, {__len = function() return 1e15 end}), 1)");
  ExpectRaised("table.insert(setmetatable({}, {__len = function() return 1e15 end}), 1, 'x')");
  ExpectRaised("table.sort(setmetatable({}, {__len = function() return 2^31 - 2 end}))");
  // A __len that answers differently the second time: the first answer is the one used.
  Expect(
      TriggerFailure::kNone,
      "local n = 0 local s = table.concat(setmetatable({}, {__len = function() n = n + 1 "
      "return n == 1 and 1 or 1e15 end, __index = function() return 'a' end})) assert(s == 'a')");
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(30));
}

TEST_F(EscapeTest, OsDateFormatBomb) {
  ExpectRaised("local s = os.date(('%c'):rep(1e6))");
  ExpectRaised("local s = os.date('%Ez')");
}

TEST_F(EscapeTest, JsonBombs) {
  const auto start = steady_clock::now();
  ExpectRaised("local t = {'x'} for i = 1, 40 do t = {t, t} end local s = cognate.json.encode(t)");
  ExpectRaised("local s = cognate.json.decode(('['):rep(1e6))");
  ExpectLimit("local s = '[' .. ('1,'):rep(4e6) .. '1]' local t = cognate.json.decode(s)", kMemory);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(30));
}

TEST_F(EscapeTest, StatesThatHitALimitAreNotReused) {
  ExpectHealthy();
  const uint64_t created = runner_.stats().states_created;
  const TriggerOutcome outcome = Run("function handler(e) while true do end end");
  ASSERT_EQ(outcome.failure, TriggerFailure::kLimit);
  EXPECT_GE(runner_.stats().states_discarded, 1u);
  ExpectHealthy();
  EXPECT_EQ(runner_.stats().states_created, created + 1);
}

}  // namespace
}  // namespace cognate::triggers::testing
