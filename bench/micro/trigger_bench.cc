// Micro-benchmarks of the Lua trigger runtime: what one trigger invocation adds to a request.
// Part of cognate-micro (bench/README.md):
//   build/release/bench/cognate-micro --benchmark_filter='Trigger|PrepareState'
#include <string>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "engine/ports/trigger_runner.h"
#include "triggers/lua_trigger_runner.h"
#include "triggers/sandbox.h"

namespace cognate::triggers {
namespace {

using nlohmann::json;

json PreSignUpEvent() {
  return {{"version", "1"},
          {"triggerSource", "PreSignUp_SignUp"},
          {"region", "us-east-1"},
          {"userPoolId", "us-east-1_BENCH"},
          {"userName", "alice"},
          {"callerContext", {{"awsSdkVersion", "aws-sdk-unknown-unknown"}, {"clientId", "c1"}}},
          {"request",
           {{"userAttributes", {{"email", "alice@example.com"}, {"name", "Alice"}}},
            {"validationData", nullptr},
            {"clientMetadata", json::object()}}},
          {"response",
           {{"autoConfirmUser", false}, {"autoVerifyEmail", false}, {"autoVerifyPhone", false}}}};
}

void RunScript(benchmark::State& state, LuaTriggerRunner& runner, const std::string& source) {
  const json event = PreSignUpEvent();
  const TriggerLimits limits;
  for (auto _ : state) {
    TriggerOutcome outcome = runner.Run("bench", source, event, limits);
    if (outcome.failure != TriggerFailure::kNone) state.SkipWithError(outcome.error.c_str());
    benchmark::DoNotOptimize(outcome);
  }
}

// The smallest useful trigger: one response field.
void BM_TrivialTrigger(benchmark::State& state) {
  static LuaTriggerRunner runner;
  RunScript(state, runner,
            "function handler(event) event.response.autoConfirmUser = true return event end");
}
BENCHMARK(BM_TrivialTrigger)->ThreadRange(1, 2)->UseRealTime();

// A realistic allow-list: a pattern match, a table lookup and a log line.
void BM_DomainAllowList(benchmark::State& state) {
  static LuaTriggerRunner runner;
  RunScript(state, runner, R"lua(
    local allowed = {["example.com"] = true, ["example.org"] = true}
    function handler(event)
      local domain = event.request.userAttributes.email:match("@(.+)$")
      if not allowed[domain] then error("Domain not allowed.") end
      event.response.autoConfirmUser = true
      event.response.autoVerifyEmail = true
      print("confirmed", event.userName, domain)
      return event
    end
  )lua");
}
BENCHMARK(BM_DomainAllowList);

// A trigger that raises: the state is discarded and a fresh one prepared on the next call.
void BM_RaisingTrigger(benchmark::State& state) {
  static LuaTriggerRunner runner;
  const json event = PreSignUpEvent();
  for (auto _ : state) {
    TriggerOutcome outcome =
        runner.Run("raise", "function handler(e) error('Domain not allowed.') end", event, {});
    benchmark::DoNotOptimize(outcome);
  }
}
BENCHMARK(BM_RaisingTrigger);

// Preparing a state (libraries opened and frozen): the cost the pool saves.
void BM_PrepareState(benchmark::State& state) {
  for (auto _ : state) {
    auto sandbox = Sandbox::Create();
    benchmark::DoNotOptimize(sandbox);
  }
}
BENCHMARK(BM_PrepareState);

}  // namespace
}  // namespace cognate::triggers
