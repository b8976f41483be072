#include "engine/audit/projector.h"

#include <algorithm>
#include <string_view>
#include <utility>

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

Result<ProjectionWrites> LogProjector::Project(const StoredEvent& stored, const Event& event) {
  const std::string_view stream = stored.stream;
  constexpr std::string_view kUserPrefix = "user/";
  if (stream.substr(0, kUserPrefix.size()) == kUserPrefix) {
    return FoldUserEvent(std::string(stream.substr(kUserPrefix.size())), stored, event);
  }
  return ProjectStoredEvent(stored, event, rows_);
}

Result<ProjectionWrites> LogProjector::FoldUserEvent(const std::string& row_key, const StoredEvent& stored,
                                                        const Event& event) {
  auto it = users_.find(row_key);
  if (it == users_.end()) {
    auto loaded = LoadBefore<UserState>(rows_, tables::kUsers, row_key, stored);
    if (!loaded.ok()) return loaded.status();
    it = users_.emplace(row_key, KeptUser{std::move(loaded).value(), false}).first;
  }
  KeptUser& kept = it->second;
  // ProjectUserEventExceptRow reads only these two of the state before (user_events.h): copying
  // them rather than the whole state is most of what folding in memory saves.
  UserState before;
  before.login_keys = kept.state.login_keys;
  before.groups = kept.state.groups;
  EvolveUser(kept.state, event, stored.occurred_at_ms);
  ProjectionWrites writes = ProjectUserEventExceptRow(before, kept.state, event);
  // From here on, the state as the next event would read it from the row just written.
  if (kept.state.deleted) {
    UserState blank;
    blank.version = kept.state.version;
    Blank(blank, row_key);
    kept.state = std::move(blank);
  } else {
    kept.state.exists = true;  // from_json's value: the row does not hold it
  }
  if (!kept.changed) {
    kept.changed = true;
    changed_.push_back(&it->first);
  }
  return writes;
}

std::vector<RowWrite> LogProjector::TakeUserRows() {
  // In key order, so that a batch is the same on every run.
  std::sort(changed_.begin(), changed_.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
  std::vector<RowWrite> rows;
  rows.reserve(changed_.size());
  for (const std::string* key : changed_) {
    KeptUser& kept = users_.at(*key);
    kept.changed = false;
    rows.push_back(UserRow(kept.state));
  }
  changed_.clear();
  return rows;
}

void LogProjector::TrimUsers(size_t max_users) {
  if (users_.size() <= max_users || !changed_.empty()) return;
  users_.clear();
}

}  // namespace cognate::audit
