// Helpers shared by the trigger tests: a Cognito-shaped event and a fixture around one
// LuaTriggerRunner.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/ports/trigger_runner.h"
#include "triggers/lua_trigger_runner.h"

namespace cognate::triggers::testing {

using nlohmann::json;

inline json PreSignUpEvent() {
  return {{"version", "1"},
          {"triggerSource", "PreSignUp_SignUp"},
          {"region", "us-east-1"},
          {"userPoolId", "us-east-1_TEST"},
          {"userName", "alice"},
          {"callerContext", {{"awsSdkVersion", "aws-sdk-unknown-unknown"}, {"clientId", "c1"}}},
          {"request",
           {{"userAttributes", {{"email", "alice@example.com"}}},
            {"validationData", nullptr},
            {"clientMetadata", json::object()}}},
          {"response",
           {{"autoConfirmUser", false}, {"autoVerifyEmail", false}, {"autoVerifyPhone", false}}}};
}

inline const char* FailureName(TriggerFailure failure) {
  switch (failure) {
    case TriggerFailure::kNone:
      return "kNone";
    case TriggerFailure::kRaised:
      return "kRaised";
    case TriggerFailure::kLimit:
      return "kLimit";
    case TriggerFailure::kBadResponse:
      return "kBadResponse";
    case TriggerFailure::kCompile:
      return "kCompile";
  }
  return "?";
}

inline std::string Describe(const TriggerOutcome& outcome) {
  std::string text = std::string(FailureName(outcome.failure)) + " error=\"" + outcome.error + "\"";
  for (const auto& line : outcome.log_lines) text += "\n  log: " + line;
  return text;
}

class TriggerTest : public ::testing::Test {
 protected:
  // Runs `source` under a key derived from it.
  TriggerOutcome Run(const std::string& source, const json& event = PreSignUpEvent(),
                     const TriggerLimits& limits = TriggerLimits{}) {
    return runner_.Run("test#" + std::to_string(std::hash<std::string>{}(source)), source, event,
                       limits);
  }

  // The value of a Lua expression, returned through response.value.
  json Eval(const std::string& expression) {
    const TriggerOutcome outcome =
        Run("function handler(event) event.response.value = (" + expression + ") return event end");
    EXPECT_EQ(outcome.failure, TriggerFailure::kNone) << expression << ": " << Describe(outcome);
    if (outcome.failure != TriggerFailure::kNone) return json();
    return outcome.event["response"].value("value", json());
  }

  // The runner still serves an ordinary trigger.
  void ExpectHealthy() {
    const TriggerOutcome outcome =
        Run("function handler(event)\n"
            "  event.response.autoConfirmUser = event.request.userAttributes.email:match('@(.+)$') "
            "== 'example.com'\n"
            "  event.response.rep = string.rep('ab', 2)\n"
            "  return event\n"
            "end");
    ASSERT_EQ(outcome.failure, TriggerFailure::kNone) << Describe(outcome);
    EXPECT_EQ(outcome.event["response"]["autoConfirmUser"], true);
    EXPECT_EQ(outcome.event["response"]["rep"], "abab");
  }

  LuaTriggerRunner runner_;
};

}  // namespace cognate::triggers::testing
