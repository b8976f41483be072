#include "tests/support/in_memory_event_store.h"

#include <algorithm>
#include <utility>

#include "engine/crypto/hash.h"

namespace cognate::testing {
namespace {

// Length-prefixed field, so that the hashed bytes are unambiguous.
void AppendField(std::string& out, const std::string& field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

std::string HashedFields(const StoredEvent& e) {
  std::string fields;
  AppendField(fields, std::to_string(e.sequence));
  AppendField(fields, e.stream);
  AppendField(fields, std::to_string(e.stream_version));
  AppendField(fields, e.type);
  AppendField(fields, std::to_string(e.schema_version));
  AppendField(fields, std::to_string(e.occurred_at_ms));
  AppendField(fields, e.actor);
  AppendField(fields, e.payload);
  return fields;
}


}  // namespace

Result<AppendResult> InMemoryEventStore::Append(AppendRequest request) {
  std::lock_guard lock(mu_);
  ++append_calls_;
  if (Status s = CheckAppendRequest(request); !s.ok()) return s;
  if (fail_next_ > 0) {
    --fail_next_;
    ++injected_failures_;
    return AbortedError("injected by InMemoryEventStore::FailNextAppends");
  }

  auto stream_it = streams_.find(request.stream);
  const uint64_t current = stream_it == streams_.end() ? 0 : stream_it->second.size();
  if (request.expected_version != kAnyStreamVersion && current != request.expected_version) {
    return AbortedError("stream " + request.stream + " is at version " + std::to_string(current) +
                        ", expected " + std::to_string(request.expected_version));
  }

  // Claims: this request's releases apply first, then its claims in order, then the store.
  std::map<std::string, std::optional<std::string>> mine;
  for (const std::string& key : request.releases) mine[key] = std::nullopt;
  for (const Claim& claim : request.claims) {
    std::optional<std::string> owner;
    if (auto it = mine.find(claim.key); it != mine.end()) {
      owner = it->second;
    } else if (auto held = claims_.find(claim.key); held != claims_.end()) {
      owner = held->second;
    }
    if (owner.has_value() && *owner != claim.owner) return AlreadyExistsError(claim.key);
    mine[claim.key] = claim.owner;
  }

  // Admitted: nothing below can fail.
  AppendResult result;
  uint64_t version = current;
  std::vector<uint64_t>& stream = streams_[request.stream];
  for (NewEvent& e : request.events) {
    StoredEvent stored;
    stored.sequence = events_.size() + 1;
    stored.stream = request.stream;
    stored.stream_version = ++version;
    stored.type = std::move(e.type);
    stored.schema_version = e.schema_version;
    stored.occurred_at_ms = e.occurred_at_ms;
    stored.actor = std::move(e.actor);
    stored.payload = std::move(e.payload);
    stored.prev_hash = events_.empty() ? std::string(crypto::kSha256Size, '\0') : events_.back().hash;
    stored.hash = crypto::Sha256(stored.prev_hash + HashedFields(stored));
    if (result.first_sequence == 0) result.first_sequence = stored.sequence;
    result.last_sequence = stored.sequence;
    stream.push_back(stored.sequence);
    events_.push_back(std::move(stored));
  }
  result.stream_version = version;
  for (const std::string& key : request.releases) claims_.erase(key);
  for (const Claim& claim : request.claims) claims_[claim.key] = claim.owner;
  for (RowWrite& row : request.rows) {
    if (row.value.has_value()) {
      tables_[row.table][row.key] = std::move(*row.value);
    } else if (auto table = tables_.find(row.table); table != tables_.end()) {
      table->second.erase(row.key);
    }
  }
  for (SecretWrite& secret : request.secrets) {
    if (secret.value.has_value()) {
      vault_[secret.key] = std::move(*secret.value);
    } else {
      vault_.erase(secret.key);
    }
  }
  appended_.notify_all();
  return result;
}

Result<std::vector<StoredEvent>> InMemoryEventStore::ReadStream(const std::string& stream,
                                                                uint64_t from_version) {
  if (!IsValidStoreName(stream)) return InvalidArgumentError("stream name must be non-empty and without NUL");
  std::lock_guard lock(mu_);
  std::vector<StoredEvent> out;
  auto it = streams_.find(stream);
  if (it == streams_.end()) return out;
  const uint64_t first = from_version == 0 ? 1 : from_version;
  for (uint64_t v = first; v <= it->second.size(); ++v) {
    out.push_back(events_[it->second[v - 1] - 1]);
  }
  return out;
}

Result<std::vector<StoredEvent>> InMemoryEventStore::ReadAll(uint64_t from_sequence, size_t max_count) {
  std::lock_guard lock(mu_);
  std::vector<StoredEvent> out;
  const uint64_t first = from_sequence == 0 ? 1 : from_sequence;
  for (uint64_t s = first; s <= events_.size() && out.size() < max_count; ++s) {
    out.push_back(events_[s - 1]);
  }
  return out;
}

Result<uint64_t> InMemoryEventStore::StreamVersion(const std::string& stream) {
  if (!IsValidStoreName(stream)) return InvalidArgumentError("stream name must be non-empty and without NUL");
  std::lock_guard lock(mu_);
  auto it = streams_.find(stream);
  return it == streams_.end() ? uint64_t{0} : static_cast<uint64_t>(it->second.size());
}

uint64_t InMemoryEventStore::LastSequence() {
  std::lock_guard lock(mu_);
  return events_.size();
}

Result<std::optional<std::string>> InMemoryEventStore::Get(const std::string& table,
                                                           const std::string& key) {
  if (!IsValidStoreName(table)) return InvalidArgumentError("table name must be non-empty and without NUL");
  std::lock_guard lock(mu_);
  auto t = tables_.find(table);
  if (t == tables_.end()) return std::optional<std::string>();
  auto row = t->second.find(key);
  if (row == t->second.end()) return std::optional<std::string>();
  return std::optional<std::string>(row->second);
}

Result<std::vector<Row>> InMemoryEventStore::Scan(const std::string& table, const std::string& prefix,
                                                  const std::string& start_after, size_t limit) {
  if (!IsValidStoreName(table)) return InvalidArgumentError("table name must be non-empty and without NUL");
  std::lock_guard lock(mu_);
  std::vector<Row> out;
  auto t = tables_.find(table);
  if (t == tables_.end()) return out;
  auto it = start_after.empty() ? t->second.lower_bound(prefix) : t->second.upper_bound(start_after);
  if (!start_after.empty() && start_after < prefix) it = t->second.lower_bound(prefix);
  for (; it != t->second.end() && out.size() < limit; ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    out.push_back(Row{it->first, it->second});
  }
  return out;
}

Result<std::optional<std::string>> InMemoryEventStore::ClaimOwner(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = claims_.find(key);
  if (it == claims_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Result<std::optional<std::string>> InMemoryEventStore::GetSecret(const std::string& key) {
  if (key.empty()) return InvalidArgumentError("secret key is empty");
  std::lock_guard lock(mu_);
  auto it = vault_.find(key);
  if (it == vault_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

uint64_t InMemoryEventStore::WaitForEvents(uint64_t after_sequence,
                                           std::chrono::milliseconds timeout) {
  // Clamped so that the deadline cannot overflow the clock.
  timeout = std::clamp(timeout, std::chrono::milliseconds(0),
                       std::chrono::milliseconds(std::chrono::hours(24 * 365)));
  std::unique_lock lock(mu_);
  appended_.wait_for(lock, timeout, [&] { return events_.size() > after_sequence; });
  return events_.size();
}

void InMemoryEventStore::FailNextAppends(int n) {
  std::lock_guard lock(mu_);
  fail_next_ = n;
}

int InMemoryEventStore::injected_failures() const {
  std::lock_guard lock(mu_);
  return injected_failures_;
}

int InMemoryEventStore::append_calls() const {
  std::lock_guard lock(mu_);
  return append_calls_;
}

}  // namespace cognate::testing
