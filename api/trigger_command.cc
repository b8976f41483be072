#include "api/trigger_command.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "api/admin_client.h"
#include "engine/ports/trigger_runner.h"
#include "triggers/lua_trigger_runner.h"

namespace cognate::api {
namespace {

const char kTriggerUsage[] =
    "usage: cognate trigger put NAME FILE.lua   [--endpoint URL] [--admin-key ID:SECRET]\n"
    "       cognate trigger get NAME            [--endpoint URL] [--admin-key ID:SECRET]\n"
    "       cognate trigger list                [--endpoint URL] [--admin-key ID:SECRET]\n"
    "       cognate trigger delete NAME         [--endpoint URL] [--admin-key ID:SECRET]\n"
    "       cognate trigger test FILE.lua EVENT.json\n"
    "The admin key defaults to COGNATE_ADMIN_KEY, then AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY;\n"
    "the endpoint to http://127.0.0.1:9230. `test` runs the script here, in the same sandbox and\n"
    "limits as the server, and prints the event it returns.\n";

bool ReadWholeFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream contents;
  contents << in.rdbuf();
  out = contents.str();
  return true;
}

int Fail(const std::string& message) {
  std::cerr << "cognate trigger: " << message << "\n";
  return 1;
}

int RunLocally(const std::string& script_path, const std::string& event_path) {
  std::string source, event_text;
  if (!ReadWholeFile(script_path, source)) return Fail("cannot read " + script_path);
  if (!ReadWholeFile(event_path, event_text)) return Fail("cannot read " + event_path);
  auto event = nlohmann::json::parse(event_text, nullptr, false);
  if (event.is_discarded() || !event.is_object()) return Fail(event_path + " is not a JSON object");
  triggers::LuaTriggerRunner runner;
  if (Status compiled = runner.Check(source); !compiled.ok()) return Fail(compiled.message());
  TriggerOutcome outcome = runner.Run("local#" + script_path, source, event, TriggerLimits{});
  for (const auto& line : outcome.log_lines) std::cerr << "log: " << line << "\n";
  std::cerr << "duration: " << outcome.duration_us << " us\n";
  switch (outcome.failure) {
    case TriggerFailure::kNone:
      std::cout << outcome.event.dump(2) << "\n";
      return 0;
    case TriggerFailure::kRaised:
      return Fail("UserLambdaValidationException: failed with error " + outcome.error + ".");
    case TriggerFailure::kLimit:
      return Fail("UnexpectedLambdaException: " + outcome.error);
    case TriggerFailure::kBadResponse:
      return Fail("InvalidLambdaResponseException: " + outcome.error);
    case TriggerFailure::kCompile:
      return Fail("the script does not compile: " + outcome.error);
  }
  return 1;
}

}  // namespace

int RunTriggerCommand(const std::vector<std::string>& args) {
  std::vector<std::string> positional;
  std::string url, admin_key;
  for (size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "--endpoint" || args[i] == "--admin-key") && i + 1 < args.size()) {
      std::string& target = args[i] == "--endpoint" ? url : admin_key;
      target = args[++i];
    } else if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kTriggerUsage;
      return 0;
    } else {
      positional.push_back(args[i]);
    }
  }
  if (positional.empty()) {
    std::cerr << kTriggerUsage;
    return 2;
  }
  const std::string verb = positional[0];
  if (verb == "test") {
    if (positional.size() != 3) {
      std::cerr << kTriggerUsage;
      return 2;
    }
    return RunLocally(positional[1], positional[2]);
  }

  nlohmann::json body;
  std::string target;
  if (verb == "put" && positional.size() == 3) {
    std::string source;
    if (!ReadWholeFile(positional[2], source)) return Fail("cannot read " + positional[2]);
    target = "CognateAdmin.PutTrigger";
    body = {{"Name", positional[1]}, {"Source", source}};
  } else if ((verb == "get" || verb == "delete") && positional.size() == 2) {
    target = verb == "get" ? "CognateAdmin.GetTrigger" : "CognateAdmin.DeleteTrigger";
    body = {{"Name", positional[1]}};
  } else if (verb == "list" && positional.size() == 1) {
    target = "CognateAdmin.ListTriggers";
    body = nlohmann::json::object();
  } else {
    std::cerr << kTriggerUsage;
    return 2;
  }
  auto endpoint = ResolveAdminEndpoint(url, admin_key);
  if (!endpoint.ok()) return Fail(endpoint.status().message());
  auto result = CallAdmin(endpoint.value(), target, body);
  if (!result.ok()) return Fail(result.status().message());
  std::cout << result->dump(2) << "\n";
  return 0;
}

}  // namespace cognate::api
