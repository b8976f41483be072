// How an aggregate's state is read back from its read-model row. The service loads state this way
// before deciding, and replay loads it the same way before re-projecting a logged event, so the
// two cannot drift apart.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/status.h"
#include "engine/json/fast_parse.h"

namespace cognate {

// The row parsed into State; without a row, a blank State at `stream_version`, so a re-created
// aggregate (a group of a deleted group's name) continues its stream. kDataLoss for a row that
// is not JSON.
template <typename State>
Result<State> StateFromRow(const std::optional<std::string>& row, const char* table, const std::string& key,
                           uint64_t stream_version) {
  State state;
  if (row.has_value()) {
    auto parsed = json_parse::ParseOrDiscarded(*row);
    if (parsed.is_discarded()) return DataLossError("corrupt row " + std::string(table) + "/" + key);
    state = parsed.get<State>();
    return state;
  }
  state.version = stream_version;
  return state;
}

}  // namespace cognate
