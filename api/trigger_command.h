// `cognate trigger`: deploy and inspect trigger scripts on a running server (put, get, list,
// delete), and run a script locally against an event file (test).
#pragma once

#include <string>
#include <vector>

namespace cognate::api {

// The command line after "trigger"; returns the process exit code.
int RunTriggerCommand(const std::vector<std::string>& args);

}  // namespace cognate::api
