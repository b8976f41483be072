#include "engine/audit/user_history.h"

#include <set>

#include "engine/audit/event_query.h"
#include "engine/audit/event_reader.h"
#include "engine/user/user_events.h"

namespace cognate::audit {

Result<UserAsOf> FoldUserAsOf(EventStore& store, const KeyLookup& keys, const std::string& pool_id,
                              const std::string& sub, int64_t at_ms) {
  auto events = store.ReadStream(UserStream(pool_id, sub), 1);
  if (!events.ok()) return events.status();
  UserAsOf result;
  std::set<std::string> erased;
  for (const StoredEvent& stored : *events) {
    if (stored.occurred_at_ms > at_ms) break;
    auto decoded = DecodeEvent(stored, keys);
    if (!decoded.ok()) return decoded.status();
    erased.insert(decoded->erased.begin(), decoded->erased.end());
    EvolveUser(result.state, decoded->event, stored.occurred_at_ms);
    result.last_sequence = stored.sequence;
  }
  result.erased.assign(erased.begin(), erased.end());
  return result;
}

nlohmann::json UserAsOfJson(const UserAsOf& user, int64_t at_ms) {
  const UserState& s = user.state;
  nlohmann::json out = {{"as_of", FormatIsoTime(at_ms)}, {"exists", s.exists && !s.deleted}};
  if (!s.exists) return out;
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& [name, uid] : s.groups) groups.push_back(name);
  out.update({{"username", s.username},
              {"sub", s.sub},
              {"status", s.status},
              {"enabled", s.enabled},
              {"deleted", s.deleted},
              {"attributes", s.attributes},
              {"groups", groups},
              {"mfa", {{"enabled", nlohmann::json::array()}, {"preferred", nullptr}}},
              {"devices", nlohmann::json::array()},
              {"created", FormatIsoTime(s.created_at_ms)},
              {"modified", FormatIsoTime(s.modified_at_ms)},
              {"stream_version", s.version},
              {"last_sequence", user.last_sequence}});
  if (!user.erased.empty()) out["erased"] = user.erased;
  return out;
}

}  // namespace cognate::audit
