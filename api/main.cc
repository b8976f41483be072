// The cognate executable: `cognate serve` runs the server; other subcommands work offline on a
// data directory.
#include <iostream>
#include <string>
#include <vector>

#include "api/serve.h"
#include "api/trigger_command.h"

namespace {

const char kUsage[] =
    "usage: cognate <command> [options]\n"
    "commands:\n"
    "  serve     serve the Cognito-compatible API (cognate serve --help)\n"
    "  trigger   deploy, inspect and try out Lua trigger scripts (cognate trigger --help)\n";

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
  std::cerr << "cognate: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
