// Trigger scripts: the Lua sources that stand in for Cognito's Lambda functions, one stream per
// name ("trigger/<name>"). Each deployment is an event carrying the whole source, so a script
// version can always be read back for audit, even after it is replaced or deleted.
#pragma once

#include <cstdint>
#include <string>

#include "engine/event.h"
#include "engine/projection.h"

namespace cognate {

namespace trigger_events {
inline constexpr char kDeployed[] = "trigger.deployed";
inline constexpr char kDeleted[] = "trigger.deleted";
}  // namespace trigger_events

namespace tables {
inline constexpr char kTriggers[] = "triggers_v1";  // name -> TriggerScript
}  // namespace tables

struct TriggerScript {
  bool exists = false;
  bool deleted = false;
  std::string name;
  int64_t script_version = 0;  // 1, 2, ... per deployment of this name
  std::string sha256;          // hex of the source
  std::string source;
  int64_t modified_at_ms = 0;
  uint64_t version = 0;        // stream version
};

void to_json(nlohmann::json& j, const TriggerScript& s);
void from_json(const nlohmann::json& j, TriggerScript& s);

inline std::string TriggerStream(const std::string& name) { return "trigger/" + name; }

void EvolveTrigger(TriggerScript& state, const Event& event, int64_t at_ms);
ProjectionWrites ProjectTrigger(const TriggerScript& after);

}  // namespace cognate
