// Rebuilding read models from the log alone: the loop `cognate replay` runs, shared with the
// replay benchmark so the benchmark measures exactly what the command does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "engine/audit/event_reader.h"
#include "engine/ports/event_store.h"
#include "engine/status.h"
#include "storage/rocks_event_store.h"

namespace cognate::api {

struct LogReplay {
  // Every claim key an event claimed or released, for naming a difference in claims later.
  std::set<std::string> touched_claims;
  uint64_t events = 0;
};

// Reads `source`'s log from sequence 1 to `last` in batches, decodes each event (personal fields
// opened with `keys`), projects it the way the service did, and imports the events with their
// rows and claims into `target`, a fresh store. `on_batch`, when set, hears the events done so
// far after each batch. The target is not synced: the caller does that once, at the end. An
// error names the event it stopped at.
Result<LogReplay> ReplayLog(EventStore& source, uint64_t last, const audit::KeyLookup& keys,
                            storage::RocksEventStore& target, const std::function<void(uint64_t done)>& on_batch = {});

}  // namespace cognate::api
