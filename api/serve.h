// `cognate serve`: opens the data directory, wires the real adapters into the engine and serves
// HTTP until SIGINT/SIGTERM.
#pragma once

#include <string>
#include <vector>

namespace cognate::api {

// Runs the server with the command line after "serve"; returns the process exit code.
int RunServe(const std::vector<std::string>& args);

}  // namespace cognate::api
