#include "triggers/lua_trigger_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "tests/triggers/trigger_test_support.h"

namespace cognate::triggers::testing {
namespace {

TEST_F(TriggerTest, HandlerFillsTheResponse) {
  const TriggerOutcome outcome = Run(R"lua(
    function handler(event)
      local domain = event.request.userAttributes.email:match("@(.+)$")
      if domain == "example.com" then
        event.response.autoConfirmUser = true
        event.response.autoVerifyEmail = true
      end
      return event
    end
  )lua");
  ASSERT_EQ(outcome.failure, TriggerFailure::kNone) << Describe(outcome);
  EXPECT_EQ(outcome.event["response"]["autoConfirmUser"], true);
  EXPECT_EQ(outcome.event["response"]["autoVerifyEmail"], true);
  EXPECT_EQ(outcome.event["response"]["autoVerifyPhone"], false);
  EXPECT_EQ(outcome.event["userName"], "alice");
  EXPECT_GT(outcome.duration_us, 0);
}

TEST_F(TriggerTest, ErrorBecomesRaisedWithExactlyTheMessage) {
  const TriggerOutcome outcome = Run(R"lua(
    function handler(event)
      error("Domain not allowed.")
    end
  )lua");
  EXPECT_EQ(outcome.failure, TriggerFailure::kRaised);
  EXPECT_EQ(outcome.error, "Domain not allowed.");
  EXPECT_TRUE(outcome.event.is_null());
  ASSERT_FALSE(outcome.log_lines.empty());
  EXPECT_EQ(outcome.log_lines.back().rfind("ERROR Domain not allowed.\nstack traceback:", 0), 0u)
      << outcome.log_lines.back();
}

TEST_F(TriggerTest, ErrorMessagesLoseOnlyTheLocation) {
  EXPECT_EQ(Run("function handler(e) error('plain', 0) end").error, "plain");
  EXPECT_EQ(Run("local function check() error('from a helper', 2) end\n"
                "function handler(e) check() end")
                .error,
            "from a helper");
  EXPECT_EQ(Run("function handler(e) return e.nothing.here end").error,
            "attempt to index a nil value (field 'nothing')");
  EXPECT_EQ(Run("function handler(e) error('trigger:99: kept as text after a location') end").error,
            "kept as text after a location");
  EXPECT_EQ(Run("function handler(e) coroutine.wrap(function() error('inner') end)() end").error,
            "inner");
}

TEST_F(TriggerTest, NonStringErrorValuesShowAsTostring) {
  TriggerOutcome outcome = Run("function handler(e) error({code = 1}) end");
  EXPECT_EQ(outcome.failure, TriggerFailure::kRaised);
  EXPECT_EQ(outcome.error.rfind("table: 0x", 0), 0u) << outcome.error;
  outcome =
      Run("function handler(e) error(setmetatable({}, {__tostring = function() return 'custom' "
          "end})) end");
  EXPECT_EQ(outcome.error, "custom");
  EXPECT_EQ(Run("function handler(e) error(42) end").error, "42");
  EXPECT_EQ(Run("function handler(e) error() end").error, "nil");
  EXPECT_EQ(Run("function handler(e) error(true) end").error, "true");
}

TEST_F(TriggerTest, LogLinesAreCaptured) {
  const TriggerOutcome outcome = Run(R"lua(
    print("loading")
    function handler(event)
      print("user", event.userName, 42, 1.5, true, nil)
      cognate.log("hello", "world")
      return event
    end
  )lua");
  ASSERT_EQ(outcome.failure, TriggerFailure::kNone) << Describe(outcome);
  EXPECT_EQ(outcome.log_lines, (std::vector<std::string>{
                                   "loading", "user\talice\t42\t1.5\ttrue\tnil", "hello\tworld"}));
}

TEST_F(TriggerTest, LogIsCapped) {
  const TriggerOutcome outcome = Run(R"lua(
    function handler(event)
      for i = 1, 10000 do print(("x"):rep(100)) end
      print(("y"):rep(100000))
      return event
    end
  )lua");
  ASSERT_EQ(outcome.failure, TriggerFailure::kNone) << Describe(outcome);
  EXPECT_LE(outcome.log_lines.size(), 257u);
  EXPECT_EQ(outcome.log_lines.back(), "[log truncated]");
  const TriggerOutcome long_line = Run("function handler(e) print(('y'):rep(100000)) return e end");
  ASSERT_EQ(long_line.log_lines.size(), 1u);
  EXPECT_EQ(long_line.log_lines[0].size(), 4096u);
}

TEST_F(TriggerTest, LogLinesAreValidUtf8) {
  const TriggerOutcome outcome = Run("function handler(e) print('bad \\xff byte') return e end");
  ASSERT_EQ(outcome.log_lines.size(), 1u);
  EXPECT_EQ(outcome.log_lines[0], "bad \xEF\xBF\xBD byte");
}

TEST_F(TriggerTest, GlobalsDoNotLeakBetweenInvocations) {
  const std::string counter = R"lua(
    counter = (counter or 0) + 1
    function handler(event)
      calls = (calls or 0) + 1
      event.response.counter = counter
      event.response.calls = calls
      _G.viaG = true
      return event
    end
  )lua";
  for (int i = 0; i < 5; ++i) {
    const TriggerOutcome outcome = Run(counter);
    ASSERT_EQ(outcome.failure, TriggerFailure::kNone) << Describe(outcome);
    EXPECT_EQ(outcome.event["response"]["counter"], 1);
    EXPECT_EQ(outcome.event["response"]["calls"], 1);
  }
  // Another script on the same (reused) state sees none of them.
  const TriggerOutcome other = Run(R"lua(
    function handler(event)
      event.response.leaked = counter ~= nil or calls ~= nil or viaG ~= nil or rawget(_G, "counter") ~= nil
      return event
    end
  )lua");
  ASSERT_EQ(other.failure, TriggerFailure::kNone) << Describe(other);
  EXPECT_EQ(other.event["response"]["leaked"], false);
  EXPECT_EQ(runner_.stats().states_created, 1u);  // all on one reused state
  EXPECT_EQ(runner_.stats().states_discarded, 0u);
}

TEST_F(TriggerTest, FailedStatesAreDiscarded) {
  EXPECT_EQ(Run("function handler(e) error('x') end").failure, TriggerFailure::kRaised);
  EXPECT_EQ(runner_.stats().states_discarded, 1u);
  ExpectHealthy();
  EXPECT_EQ(runner_.stats().states_created, 2u);
}

TEST_F(TriggerTest, RandomSeedsDoNotCarryOver) {
  const std::string seeded =
      "function handler(e) math.randomseed(42) e.response.r = math.random(1 << 40) return e end";
  const std::string unseeded =
      "function handler(e) e.response.r = math.random(1 << 40) return e end";
  const json first = Run(seeded).event["response"]["r"];
  EXPECT_EQ(Run(seeded).event["response"]["r"], first);  // seeding works within a call
  // The next call on the same state starts from a fresh CSPRNG seed, not from 42.
  EXPECT_NE(Run(unseeded).event["response"]["r"], first);
  EXPECT_NE(Run(unseeded).event["response"]["r"], Run(unseeded).event["response"]["r"]);
  EXPECT_EQ(runner_.stats().states_created, 1u);
}

TEST_F(TriggerTest, MissingOrBadHandlerIsABadResponse) {
  TriggerOutcome outcome = Run("local function handler(e) return e end");
  EXPECT_EQ(outcome.failure, TriggerFailure::kBadResponse);
  EXPECT_EQ(outcome.error, "the script does not define a global function handler(event)");
  EXPECT_EQ(Run("handler = 42").failure, TriggerFailure::kBadResponse);
  EXPECT_EQ(Run("function handler(e) end").failure, TriggerFailure::kBadResponse);
  EXPECT_EQ(Run("function handler(e) return 'ok' end").failure, TriggerFailure::kBadResponse);
  EXPECT_EQ(Run("function handler(e) return {1, 2} end").failure, TriggerFailure::kBadResponse);
  outcome = Run("function handler(e) return function() end end");
  EXPECT_EQ(outcome.failure, TriggerFailure::kBadResponse);
  EXPECT_EQ(outcome.error, "handler returned a function value, not the event table");
  outcome = Run("function handler(e) e.response.f = print return e end");
  EXPECT_EQ(outcome.failure, TriggerFailure::kBadResponse);
  EXPECT_EQ(
      outcome.error,
      "handler returned a value that has no JSON form: $.response.f: cannot convert a function");
  // A bad response does not retire the state.
  EXPECT_EQ(runner_.stats().states_discarded, 0u);
  ExpectHealthy();
}

TEST_F(TriggerTest, AnotherTableIsAcceptedAsTheEvent) {
  const TriggerOutcome outcome =
      Run("function handler(e) return {response = {autoConfirmUser = true}} end");
  ASSERT_EQ(outcome.failure, TriggerFailure::kNone) << Describe(outcome);
  EXPECT_EQ(outcome.event, json({{"response", {{"autoConfirmUser", true}}}}));
}

TEST_F(TriggerTest, CompileErrorsNameTheLine) {
  TriggerOutcome outcome = Run("function handler(event)\n  return event\n");
  EXPECT_EQ(outcome.failure, TriggerFailure::kCompile);
  EXPECT_EQ(outcome.error, "line 3: 'end' expected (to close 'function' at line 1) near <eof>");

  Status status = runner_.Check("local x = \n\n = 3");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "line 3: unexpected symbol near '='");
  EXPECT_TRUE(runner_.Check("function handler(e) return e end").ok());
  EXPECT_EQ(runner_.Check(std::string("\x1bLua\x54\x00", 6)).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(runner_.Check("").ok());
}

TEST_F(TriggerTest, ChecksDoNotRunTheScript) {
  EXPECT_TRUE(runner_.Check("while true do end").ok());
}

TEST_F(TriggerTest, SameKeyWithNewSourceIsRecompiled) {
  const json event = PreSignUpEvent();
  TriggerOutcome first =
      runner_.Run("k", "function handler(e) e.response.v = 1 return e end", event, {});
  TriggerOutcome second =
      runner_.Run("k", "function handler(e) e.response.v = 2 return e end", event, {});
  TriggerOutcome again =
      runner_.Run("k", "function handler(e) e.response.v = 2 return e end", event, {});
  EXPECT_EQ(first.event["response"]["v"], 1);
  EXPECT_EQ(second.event["response"]["v"], 2);
  EXPECT_EQ(again.event["response"]["v"], 2);
}

TEST_F(TriggerTest, ManyScriptsOnOneState) {
  for (int i = 0; i < 150; ++i) {  // more than the per-state chunk cache holds
    const TriggerOutcome outcome =
        Run("function handler(e) e.response.v = " + std::to_string(i) + " return e end");
    ASSERT_EQ(outcome.failure, TriggerFailure::kNone) << Describe(outcome);
    EXPECT_EQ(outcome.event["response"]["v"], i);
  }
  EXPECT_EQ(runner_.stats().states_created, 1u);
}

TEST_F(TriggerTest, CognateLibrary) {
  EXPECT_EQ(Eval("cognate.sha256('abc')"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Eval("cognate.hmac_sha256('Jefe', 'what do ya want for nothing?')"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const json random = Eval("cognate.random_bytes(16)");
  ASSERT_TRUE(random.is_string());
  EXPECT_EQ(random.get<std::string>().size(), 32u);
  EXPECT_NE(random, Eval("cognate.random_bytes(16)"));
  EXPECT_EQ(Eval("cognate.random_bytes(0)"), "");
  EXPECT_EQ(Run("function handler(e) cognate.random_bytes(1025) end").failure,
            TriggerFailure::kRaised);
  EXPECT_EQ(Eval("cognate.null == cognate.json.null"), true);
  EXPECT_EQ(Eval("type(cognate.null)"), "userdata");
}

TEST_F(TriggerTest, StandardLibrariesThatRemain) {
  EXPECT_EQ(Eval("('Hello'):upper() .. string.format('%03d', 7)"), "HELLO007");
  EXPECT_EQ(Eval("table.concat({1, 2, 3}, ',')"), "1,2,3");
  EXPECT_EQ(Eval("math.floor(3.7) + math.maxinteger // math.maxinteger"), 4);
  EXPECT_EQ(Eval("utf8.len('héllo')"), 5);
  EXPECT_EQ(Eval("os.date('!%Y-%m-%d', 0)"), "1970-01-01");
  EXPECT_EQ(Eval("type(os.time()) == 'number' and type(os.clock()) == 'number'"), true);
  EXPECT_EQ(Eval("math.random(1, 1) + math.random(5, 5)"), 6);
  EXPECT_EQ(Eval("select('#', 1, 2, 3)"), 3);
  EXPECT_EQ(Eval("tostring(tonumber('0x10'))"), "16");
  EXPECT_EQ(Eval("(function() local co = coroutine.wrap(function(a) local b = coroutine.yield(a + "
                 "1) return b * 2 end) return co(1) + co(10) end)()"),
            22);
  EXPECT_EQ(Eval("(function() local t = {} for k in pairs(string) do t[#t + 1] = k end return #t > "
                 "10 end)()"),
            true);
  EXPECT_EQ(Eval("(function() local ok = pcall(error, 'x') return ok end)()"), false);
  EXPECT_EQ(Eval("(function() local t = setmetatable({}, {__index = function(t, k) return k .. '!' "
                 "end}) return t.hi end)()"),
            "hi!");
  EXPECT_EQ(Eval("_VERSION"), "Lua 5.4");
  EXPECT_EQ(Eval("type(_G) == 'table' and _G.print == print"), true);
}

TEST_F(TriggerTest, ConcurrentInvocations) {
  constexpr int kThreads = 8;
  LuaTriggerRunner::Options options;
  options.max_idle_states = kThreads;
  LuaTriggerRunner runner(options);
  constexpr int kCallsPerThread = 200;
  const std::string source = R"lua(
    function handler(event)
      seen = (seen or 0) + 1
      event.response.echo = event.request.clientMetadata.n * 2
      event.response.seen = seen
      return event
    end
  )lua";
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        json event = PreSignUpEvent();
        const int n = t * 100000 + i;
        event["request"]["clientMetadata"]["n"] = n;
        const TriggerOutcome outcome = runner.Run("concurrent", source, event, {});
        if (outcome.failure != TriggerFailure::kNone ||
            outcome.event["response"]["echo"] != 2 * n || outcome.event["response"]["seen"] != 1) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(runner.stats().states_created, static_cast<uint64_t>(kThreads));
}

// Not a pass/fail check: prints what a trivial trigger costs (see bench/micro/trigger_bench.cc).
TEST_F(TriggerTest, PerInvocationOverhead) {
  const std::string source =
      "function handler(event) event.response.autoConfirmUser = true return event end";
  const json event = PreSignUpEvent();
  for (int i = 0; i < 200; ++i) (void)runner_.Run("trivial", source, event, {});
  constexpr int kCalls = 20000;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kCalls; ++i) {
    const TriggerOutcome outcome = runner_.Run("trivial", source, event, {});
    ASSERT_EQ(outcome.failure, TriggerFailure::kNone);
  }
  const double total_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ trivial PreSignUp trigger: %.2f us per call over %d calls ]\n", total_us / kCalls,
              kCalls);
}

}  // namespace
}  // namespace cognate::triggers::testing
