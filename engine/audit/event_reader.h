// Reading events back for replay and audit: the payload parsed, the personal fields opened with
// the user's key (or named as erased when the key is gone), and the event upcast to the schema
// version the engine writes now. What Evolve and the projections see is therefore the event as
// the engine made it, whatever version wrote it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/audit/personal_data.h"
#include "engine/event.h"
#include "engine/ports/event_store.h"

namespace cognate::audit {

struct DecodedEvent {
  Event event;                      // current schema; personal fields present unless erased
  std::vector<std::string> erased;  // personal fields whose key has been destroyed
};

// Reads the log from sequence 1 to `up_to` a batch at a time (events past `up_to` left out) and
// hands each batch to `visit`, until `visit` returns a non-ok Status (returned) or a read fails.
// Always moves forward, even over a damaged log whose events name sequences out of order.
Status ForEachBatch(EventStore& store, uint64_t up_to, size_t batch_size,
                    const std::function<Status(std::vector<StoredEvent>& batch)>& visit);

// kDataLoss for a payload that is not a JSON object or a sealed box that does not open under an
// existing key; kFailedPrecondition for a schema this build cannot upcast.
Result<DecodedEvent> DecodeEvent(const StoredEvent& stored, const KeyLookup& keys);

// A KeyLookup over a store's vault, caching what it unwrapped (a replay meets the same user's key
// once per event of theirs). Not thread-safe.
class VaultKeys {
 public:
  VaultKeys(EventStore& store, const PersonalDataCipher& cipher) : store_(store), cipher_(cipher) {}

  std::optional<std::string> Get(const std::string& key_id);
  KeyLookup AsLookup() {
    return [this](const std::string& id) { return Get(id); };
  }

 private:
  EventStore& store_;
  const PersonalDataCipher& cipher_;
  std::unordered_map<std::string, std::optional<std::string>> cache_;
};

}  // namespace cognate::audit
