#include "engine/audit/event_reader.h"

#include <algorithm>

#include "engine/audit/upcasters.h"
#include "engine/json/fast_parse.h"

namespace cognate::audit {

Result<DecodedEvent> DecodeEvent(const StoredEvent& stored, const KeyLookup& keys) {
  DecodedEvent decoded;
  decoded.event.type = stored.type;
  decoded.event.schema_version = stored.schema_version;
  decoded.event.data = json_parse::ParseOrDiscarded(stored.payload);
  if (!decoded.event.data.is_object()) {
    return DataLossError("event #" + std::to_string(stored.sequence) + " has a payload that is not a JSON object");
  }
  auto erased = OpenSealed(stored.type, decoded.event.data, keys);
  if (!erased.ok()) {
    return DataLossError("event #" + std::to_string(stored.sequence) + ": " + erased.status().message());
  }
  decoded.erased = std::move(erased).value();
  if (Status upcast = Upcast(decoded.event); !upcast.ok()) {
    return Status(upcast.code(), "event #" + std::to_string(stored.sequence) + ": " + upcast.message());
  }
  return decoded;
}

Status ForEachBatch(EventStore& store, uint64_t up_to, size_t batch_size,
                    const std::function<Status(std::vector<StoredEvent>& batch)>& visit) {
  for (uint64_t from = 1; from <= up_to;) {
    auto batch = store.ReadAll(from, batch_size);
    if (!batch.ok()) return batch.status();
    if (batch->empty()) break;
    const uint64_t next = std::max(from + 1, batch->back().sequence + 1);
    while (!batch->empty() && batch->back().sequence > up_to) batch->pop_back();
    if (Status visited = visit(*batch); !visited.ok()) return visited;
    from = next;
  }
  return Status::Ok();
}

std::optional<std::string> VaultKeys::Get(const std::string& key_id) {
  if (key_id.empty()) return std::nullopt;
  if (auto it = cache_.find(key_id); it != cache_.end()) return it->second;
  std::optional<std::string> key;
  auto wrapped = store_.GetSecret(key_id);
  if (wrapped.ok() && wrapped->has_value()) {
    auto unwrapped = cipher_.UnwrapKey(key_id, **wrapped);
    if (unwrapped.ok()) key = std::move(unwrapped).value();
  }
  cache_.emplace(key_id, key);
  return key;
}

}  // namespace cognate::audit
