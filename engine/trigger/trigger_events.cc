#include "engine/trigger/trigger_events.h"

namespace cognate {

void to_json(nlohmann::json& j, const TriggerScript& s) {
  j = nlohmann::json{{"name", s.name},       {"script_version", s.script_version},
                     {"sha256", s.sha256},   {"source", s.source},
                     {"modified_at_ms", s.modified_at_ms}, {"version", s.version}};
}

void from_json(const nlohmann::json& j, TriggerScript& s) {
  s = TriggerScript{};
  s.exists = true;
  s.name = j.value("name", "");
  s.script_version = j.value("script_version", int64_t{0});
  s.sha256 = j.value("sha256", "");
  s.source = j.value("source", "");
  s.modified_at_ms = j.value("modified_at_ms", int64_t{0});
  s.version = j.value("version", uint64_t{0});
}

void EvolveTrigger(TriggerScript& s, const Event& e, int64_t at_ms) {
  s.version += 1;
  if (e.type == trigger_events::kDeployed) {
    s.exists = true;
    s.deleted = false;
    s.name = e.data.value("name", "");
    s.script_version = e.data.value("script_version", int64_t{0});
    s.sha256 = e.data.value("sha256", "");
    s.source = e.data.value("source", "");
    s.modified_at_ms = at_ms;
  } else if (e.type == trigger_events::kDeleted) {
    s.deleted = true;
  }
}

ProjectionWrites ProjectTrigger(const TriggerScript& after) {
  ProjectionWrites w;
  if (after.deleted) {
    w.Delete(tables::kTriggers, after.name);
  } else {
    w.Put(tables::kTriggers, after.name, nlohmann::json(after).dump());
  }
  return w;
}

}  // namespace cognate
