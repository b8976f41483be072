// The cognate executable: `cognate serve` runs the server; other subcommands work offline on a
// data directory.
#include <iostream>
#include <string>
#include <vector>

#include "api/log_commands.h"
#include "api/serve.h"
#include "api/trigger_command.h"
#include "engine/audit/event_catalog.h"

namespace {

const char kUsage[] =
    "usage: cognate <command> [options]\n"
    "commands:\n"
    "  serve     serve the Cognito-compatible API (cognate serve --help)\n"
    "  trigger   deploy, inspect and try out Lua trigger scripts (cognate trigger --help)\n"
    "  verify    check that the log is whole: gap-free, hash-chained, every event readable\n"
    "  replay    rebuild every read model from the log and compare it with the live one\n"
    "  audit     query the log: what happened to whom, when, from where; a user as of a time\n"
    "  events-doc  print the event catalogue (the reference part of docs/events.md)\n"
    "verify, replay and audit read a data directory (--data, default ./data), also while a\n"
    "server runs on it.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "serve") return cognate::api::RunServe(args);
  if (command == "trigger") return cognate::api::RunTriggerCommand(args);
  if (command == "verify") return cognate::api::RunVerifyCommand(args);
  if (command == "replay") return cognate::api::RunReplayCommand(args);
  if (command == "audit") return cognate::api::RunAuditCommand(args);
  if (command == "events-doc") {
    std::cout << cognate::audit::RenderEventsMarkdown();
    return 0;
  }
  std::cerr << "cognate: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
