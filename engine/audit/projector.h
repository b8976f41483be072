// Projector: the read-model writes of one logged event, computed from the log alone, exactly as
// the service computed them when it appended the event. `cognate replay` runs every event of the
// log through it and compares the result with the live read models.
//
// For each event it loads the aggregate's state the way the service does (the aggregate's row as
// the replay has built it so far, or a blank state at the stream's previous version when there is
// none), applies the same Evolve and projection functions, and returns their writes. Streams that
// fold into no state (refused/...) produce none.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/event.h"
#include "engine/ports/event_store.h"
#include "engine/projection.h"
#include "engine/status.h"
#include "engine/user/user_state.h"

namespace cognate::audit {

// Reads a row as the replay has built it so far (the caller's pending writes included).
using RowReader = std::function<Result<std::optional<std::string>>(const std::string& table, const std::string& key)>;

// Every read-model table a projection writes.
const std::vector<std::string>& ReadModelTables();

// `event` is `stored` decoded (event_reader.h). kDataLoss for a stream the projector does not
// know or a row it cannot parse.
Result<ProjectionWrites> ProjectStoredEvent(const StoredEvent& stored, const Event& event, const RowReader& rows);

// Projects a whole log in order with the writes ProjectStoredEvent makes one event at a time, but
// keeps each user's state in memory from one of their events to the next, and holds back the
// users' own rows: TakeUserRows gives each changed user's row once, as of their last event. A
// replay so parses a user's row once instead of once per event, and writes it once per batch.
//
// The state kept is what reading the row back would give (from_json is exact for every field the
// row holds; a deleted user reads back as the blank ProjectStoredEvent makes), so the writes are
// those of ProjectStoredEvent over rows written after every event.
class LogProjector {
 public:
  // `rows` reads rows as the replay has written them so far; it is asked for a user's row only
  // the first time that user is met, or again after TrimUsers.
  explicit LogProjector(RowReader rows) : rows_(std::move(rows)) {}

  // ProjectStoredEvent's writes for `stored`, less the users_v1 row of a user's event.
  Result<ProjectionWrites> Project(const StoredEvent& stored, const Event& event);

  // The users_v1 row (put or delete) of every user changed since the last call, in key order.
  std::vector<RowWrite> TakeUserRows();

  // Forgets the users kept once there are more than `max_users`. Call it only after the rows
  // TakeUserRows gave are where `rows` reads them.
  void TrimUsers(size_t max_users);

 private:
  struct KeptUser {
    UserState state;
    bool changed = false;
  };

  Result<ProjectionWrites> FoldUserEvent(const std::string& row_key, const StoredEvent& stored,
                                            const Event& event);

  RowReader rows_;
  std::unordered_map<std::string, KeptUser> users_;  // row key -> state after its last event
  std::vector<const std::string*> changed_;          // keys of users_ changed since TakeUserRows
};

}  // namespace cognate::audit
