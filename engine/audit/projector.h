// Projector: the read-model writes of one logged event, computed from the log alone, exactly as
// the service computed them when it appended the event. `cognate replay` runs every event of the
// log through it and compares the result with the live read models.
//
// For each event it loads the aggregate's state the way the service does (the aggregate's row as
// the replay has built it so far, or a blank state at the stream's previous version when there is
// none), applies the same Evolve and projection functions, and returns their writes. Streams that
// fold into no state (refused/...) produce none.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/event.h"
#include "engine/ports/event_store.h"
#include "engine/projection.h"
#include "engine/status.h"

namespace cognate::audit {

// Reads a row as the replay has built it so far (the caller's pending writes included).
using RowReader = std::function<Result<std::optional<std::string>>(const std::string& table, const std::string& key)>;

// Every read-model table a projection writes.
const std::vector<std::string>& ReadModelTables();

// `event` is `stored` decoded (event_reader.h). kDataLoss for a stream the projector does not
// know or a row it cannot parse.
Result<ProjectionWrites> ProjectStoredEvent(const StoredEvent& stored, const Event& event, const RowReader& rows);

}  // namespace cognate::audit
