#include "api/log_replay.h"

#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/audit/projector.h"
#include "engine/projection.h"
#include "engine/trigger/trigger_events.h"

namespace cognate::api {
namespace {

constexpr size_t kBatchEvents = 4096;
constexpr size_t kMaxCachedRows = 200000;
// Users whose state the projector keeps between batches (a few KB each in memory).
constexpr size_t kMaxKeptUsers = 100000;

// The aggregate rows (pools, clients, groups, triggers) the replay has written, consulted before
// the target store: an event must see the writes of the events before it in its own batch (not
// imported yet), and a cache of recent rows spares the target's reads. Users' rows are the
// projector's (audit::LogProjector), and the other rows no fold reads back.
class ReplayedRows {
 public:
  explicit ReplayedRows(EventStore& target) : target_(target) {}

  Result<std::optional<std::string>> Get(const std::string& table, const std::string& key) {
    auto it = rows_.find(CacheKey(table, key));
    if (it != rows_.end()) return it->second;
    return target_.Get(table, key);
  }
  void Apply(const ProjectionWrites& writes) {
    for (const RowWrite& row : writes.rows) {
      if (IsReadBack(row.table)) rows_[CacheKey(row.table, row.key)] = row.value;
    }
  }
  // Called after each batch is imported. The rows stay as a cache of what the target holds (a
  // replay touches the same users' rows again and again) until there are too many.
  void Trim() {
    if (rows_.size() > kMaxCachedRows) rows_.clear();
  }

 private:
  static bool IsReadBack(const std::string& table) {
    return table == tables::kPools || table == tables::kClients || table == tables::kGroups ||
           table == tables::kTriggers;
  }

  // Table names never contain NUL, so "table\0key" names one row.
  static std::string CacheKey(const std::string& table, const std::string& key) {
    std::string joined;
    joined.reserve(table.size() + 1 + key.size());
    joined.append(table).push_back('\0');
    joined.append(key);
    return joined;
  }

  EventStore& target_;
  std::unordered_map<std::string, std::optional<std::string>> rows_;
};

}  // namespace

Result<LogReplay> ReplayLog(EventStore& source, uint64_t last, const audit::KeyLookup& keys,
                            storage::RocksEventStore& target, const std::function<void(uint64_t done)>& on_batch) {
  LogReplay replay;
  ReplayedRows replayed(target);
  audit::LogProjector projector(
      [&](const std::string& table, const std::string& key) { return replayed.Get(table, key); });
  Status status = audit::ForEachBatch(source, last, kBatchEvents, [&](std::vector<StoredEvent>& batch) -> Status {
    storage::ImportWrites writes;
    writes.entries.reserve(batch.size());
    for (const StoredEvent& stored : batch) {
      auto decoded = audit::DecodeEvent(stored, keys);
      auto projected = decoded.ok() ? projector.Project(stored, decoded->event)
                                    : Result<ProjectionWrites>(decoded.status());
      if (!projected.ok()) {
        std::string where = "#";  // built piecewise: "#" + to_string() trips a GCC 12 -Wrestrict false alarm
        where += std::to_string(stored.sequence);
        return Status(projected.status().code(), where + ": " + projected.status().message());
      }
      replayed.Apply(*projected);
      for (const Claim& claim : projected->claims) replay.touched_claims.insert(claim.key);
      for (const std::string& key : projected->releases) replay.touched_claims.insert(key);
      writes.entries.push_back(storage::ImportWrites::Entry{
          std::move(projected->releases), std::move(projected->claims), std::move(projected->rows), {}});
    }
    // Each user's row once, as of their last event in the batch: no event above wrote it.
    writes.entries.push_back(storage::ImportWrites::Entry{{}, {}, projector.TakeUserRows(), {}});
    if (Status imported = target.Import(batch, writes); !imported.ok()) {
      return Status(imported.code(), "writing the rebuilt store: " + imported.message());
    }
    replayed.Trim();
    projector.TrimUsers(kMaxKeptUsers);
    replay.events += batch.size();
    if (on_batch) on_batch(replay.events);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return replay;
}

}  // namespace cognate::api
