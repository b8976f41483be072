// The offline commands on a data directory, each safe while a server runs on it:
//   cognate verify  — the log is whole: gap-free, chained, every event decodes;
//   cognate replay  — every read model rebuilt from the log alone equals the live one;
//   cognate audit   — the events that answer a question, or a user as they stood at a moment.
// Each takes the command line after its name and returns the process exit code (0 fine, 1 a
// problem found, 2 a usage error).
#pragma once

#include <string>
#include <vector>

namespace cognate::api {

int RunVerifyCommand(const std::vector<std::string>& args);
int RunReplayCommand(const std::vector<std::string>& args);
int RunAuditCommand(const std::vector<std::string>& args);

}  // namespace cognate::api
