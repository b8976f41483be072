#include "engine/audit/projector.h"

#include <string_view>

#include "engine/aggregate_row.h"
#include "engine/pool/pool_events.h"
#include "engine/pool/pool_state.h"
#include "engine/trigger/trigger_events.h"
#include "engine/user/user_events.h"
#include "engine/user/user_state.h"

namespace cognate::audit {
namespace {

// What a row-less state needs besides its version: nothing, for most aggregates.
template <typename State>
void Blank(State&, const std::string&) {}

// A user stream with events but no row is a deleted user (rows go only with the user). The
// service deletes and erases in one append, carrying the deleted state from the one event to the
// next; this gives the second event that same state.
template <>
void Blank(UserState& state, const std::string& row_key) {
  if (state.version == 0) return;
  const size_t slash = row_key.find('/');
  state.pool_id = row_key.substr(0, slash);
  state.sub = slash == std::string::npos ? "" : row_key.substr(slash + 1);
  state.exists = true;
  state.deleted = true;
}

// The state the service would have loaded before `stored` (engine/aggregate_row.h).
template <typename State>
Result<State> LoadBefore(const RowReader& rows, const char* table, const std::string& key,
                         const StoredEvent& stored) {
  auto row = rows(table, key);
  if (!row.ok()) return row.status();
  auto state = StateFromRow<State>(*row, table, key, stored.stream_version - 1);
  if (state.ok() && !row->has_value()) Blank(*state, key);
  return state;
}

template <typename State, typename EvolveFn, typename ProjectFn>
Result<ProjectionWrites> Fold(const RowReader& rows, const char* table, const std::string& key,
                              const StoredEvent& stored, const Event& event, EvolveFn evolve,
                              ProjectFn project) {
  auto state = LoadBefore<State>(rows, table, key, stored);
  if (!state.ok()) return state.status();
  State before = *state;
  State& after = *state;
  evolve(after, event, stored.occurred_at_ms);
  return project(before, after, event);
}

}  // namespace

const std::vector<std::string>& ReadModelTables() {
  static const std::vector<std::string> names = {tables::kPools,   tables::kClients, tables::kPoolClients,
                                                 tables::kUsers,   tables::kGroups,  tables::kMembers,
                                                 tables::kRefresh, tables::kOrigins, tables::kRevoked,
                                                 tables::kTriggers};
  return names;
}

Result<ProjectionWrites> ProjectStoredEvent(const StoredEvent& stored, const Event& event, const RowReader& rows) {
  const std::string_view stream = stored.stream;
  const size_t slash = stream.find('/');
  const std::string_view kind = stream.substr(0, slash);
  const std::string id = slash == std::string_view::npos ? "" : std::string(stream.substr(slash + 1));
  if (kind == "user") {
    // "user/<pool>/<sub>": the row key is "<pool>/<sub>".
    return Fold<UserState>(rows, tables::kUsers, id, stored, event, EvolveUser, ProjectUserEvent);
  }
  if (kind == "pool") {
    return Fold<PoolState>(rows, tables::kPools, id, stored, event, EvolvePool,
                           [](const PoolState&, const PoolState& after, const Event&) { return ProjectPool(after); });
  }
  if (kind == "client") {
    return Fold<ClientState>(rows, tables::kClients, id, stored, event, EvolveClient,
                             [](const ClientState&, const ClientState& after, const Event&) { return ProjectClient(after); });
  }
  if (kind == "group") {
    // "group/<pool>/<name>": the row key is "<pool>/<name>".
    return Fold<GroupState>(rows, tables::kGroups, id, stored, event, EvolveGroup,
                            [](const GroupState&, const GroupState& after, const Event&) { return ProjectGroup(after); });
  }
  if (kind == "trigger") {
    return Fold<TriggerScript>(rows, tables::kTriggers, id, stored, event, EvolveTrigger,
                               [](const TriggerScript&, const TriggerScript& after, const Event&) { return ProjectTrigger(after); });
  }
  if (kind == "refused") return ProjectionWrites{};
  return DataLossError("event #" + std::to_string(stored.sequence) + " is in stream " + stored.stream +
                       ", which no projection knows");
}

}  // namespace cognate::audit
