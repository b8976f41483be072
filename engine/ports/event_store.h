// EventStore: the durable, append-only event log and the read models derived from it.
//
// The log has one global, gap-free sequence (starting at 1); every event also belongs to a stream
// (for example "user/<poolId>/<sub>") with a per-stream version (starting at 1). An append names
// the stream version it expects, so two deciders that raced on the same state cannot both win.
//
// Read models are key/value rows grouped in named tables. They are written in the same atomic
// write as the events they derive from, together with the sequence number they have applied, so
// the log and the read models never disagree, even after a crash at any instant.
//
// Uniqueness claims (a username within a pool, an alias, a client id) are keys with an owner.
// An append whose claim is held by a different owner fails as a whole; releasing a claim frees it.
//
// The vault holds per-user personal-data keys ("crypto-shredding"): destroying a user's key makes
// the personal data in that user's events unreadable while the events, and the hash chain over
// them, stay. Vault entries are written atomically with events, like rows, but they are not a read
// model: replay cannot rebuild them from the log, by design.
//
// All methods are safe to call concurrently from any number of threads. Append blocks until the
// write is durable (synced); concurrent appends are group-committed into one synced write.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/status.h"

namespace cognate {

// An event the engine wants appended. `payload` is the event's encoded body (JSON text).
struct NewEvent {
  std::string type;          // "<aggregate>.<subject>.<past-tense>", e.g. "user.signed_up"
  int schema_version = 1;
  int64_t occurred_at_ms = 0;  // decided by the engine before the append, never by storage
  std::string actor;         // who acted: "user:<sub>", "admin:<key id>", "trigger:<name>", ...
  std::string payload;
};

// An event as stored, with its position and chain hash.
struct StoredEvent {
  uint64_t sequence = 0;        // global, gap-free, from 1
  std::string stream;
  uint64_t stream_version = 0;  // from 1 within the stream
  std::string type;
  int schema_version = 1;
  int64_t occurred_at_ms = 0;
  std::string actor;
  std::string payload;
  std::string prev_hash;        // raw 32 bytes: hash of the event before (32 zero bytes for #1)
  std::string hash;             // raw 32 bytes: see storage/FORMAT.md for what it covers
};

// A read-model row to put (value set) or delete (value empty optional).
struct RowWrite {
  std::string table;
  std::string key;
  std::optional<std::string> value;
};

// A uniqueness claim: `key` must be free or already owned by `owner`.
struct Claim {
  std::string key;
  std::string owner;
};

// A vault entry to put (value set) or destroy (value empty optional). Values are stored as given;
// callers store keys wrapped under a master key, so that a copy of the store alone reveals nothing.
struct SecretWrite {
  std::string key;
  std::optional<std::string> value;
};

// AppendRequest::expected_version for appends that must not race on the stream's version (audit
// streams many requests write to, e.g. "refused/<pool>"): the events go after whatever the stream
// holds when the append is admitted, so such appends never fail with kAborted.
inline constexpr uint64_t kAnyStreamVersion = UINT64_MAX;

struct AppendRequest {
  std::string stream;
  // The stream's current version the decision was made on; 0 means the stream must not exist;
  // kAnyStreamVersion means any version.
  uint64_t expected_version = 0;
  std::vector<NewEvent> events;       // at least one
  std::vector<Claim> claims;          // taken atomically with the events
  std::vector<std::string> releases;  // claim keys freed atomically with the events
  std::vector<RowWrite> rows;         // read-model rows written atomically with the events
  std::vector<SecretWrite> secrets;   // vault entries written atomically with the events, in order
};

struct AppendResult {
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  uint64_t stream_version = 0;  // the stream's version after the append
};

struct Row {
  std::string key;
  std::string value;
};

// Stream and table names: non-empty and without NUL (stores use NUL as a key separator).
inline bool IsValidStoreName(std::string_view name) {
  return !name.empty() && name.find('\0') == std::string_view::npos;
}

// The shape every store refuses with kInvalidArgument before looking at its state: no events,
// a bad stream or table name, an empty event type, claim key, owner, release key or secret key.
inline Status CheckAppendRequest(const AppendRequest& request) {
  if (request.events.empty()) return InvalidArgumentError("an append needs at least one event");
  if (!IsValidStoreName(request.stream)) {
    return InvalidArgumentError("stream name must be non-empty and without NUL");
  }
  for (const NewEvent& event : request.events) {
    if (event.type.empty()) return InvalidArgumentError("event type is empty");
  }
  for (const Claim& claim : request.claims) {
    if (claim.key.empty() || claim.owner.empty()) {
      return InvalidArgumentError("claim key and owner must be non-empty");
    }
  }
  for (const std::string& key : request.releases) {
    if (key.empty()) return InvalidArgumentError("release key is empty");
  }
  for (const RowWrite& row : request.rows) {
    if (!IsValidStoreName(row.table)) {
      return InvalidArgumentError("table name must be non-empty and without NUL");
    }
  }
  for (const SecretWrite& secret : request.secrets) {
    if (secret.key.empty()) return InvalidArgumentError("secret key is empty");
  }
  return Status::Ok();
}

class EventStore {
 public:
  EventStore() = default;
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;
  virtual ~EventStore() = default;

  // Appends atomically and returns once durable.
  // kAborted: the stream's version is not `expected_version` (nothing written).
  // kAlreadyExists: a claim is held by another owner; the message is the claim key.
  // kInvalidArgument: no events. kUnavailable/kInternal: I/O failure (nothing acknowledged).
  virtual Result<AppendResult> Append(AppendRequest request) = 0;

  // Events of one stream with version >= from_version, in order (empty if none).
  virtual Result<std::vector<StoredEvent>> ReadStream(const std::string& stream,
                                                      uint64_t from_version) = 0;

  // Up to `max_count` events with sequence >= from_sequence, in order.
  virtual Result<std::vector<StoredEvent>> ReadAll(uint64_t from_sequence, size_t max_count) = 0;

  // The stream's current version (0 if it has no events).
  virtual Result<uint64_t> StreamVersion(const std::string& stream) = 0;

  // The highest sequence written (0 for an empty log); read models have applied exactly this.
  virtual uint64_t LastSequence() = 0;

  // One read-model row; empty optional if absent.
  virtual Result<std::optional<std::string>> Get(const std::string& table,
                                                 const std::string& key) = 0;

  // Rows of `table` whose key starts with `prefix` and sorts after `start_after` (empty: from
  // the first), in key order, at most `limit`.
  virtual Result<std::vector<Row>> Scan(const std::string& table, const std::string& prefix,
                                        const std::string& start_after, size_t limit) = 0;

  // The owner of a claim key, empty optional if free.
  virtual Result<std::optional<std::string>> ClaimOwner(const std::string& key) = 0;

  // The vault value under `key` as written, empty optional if never written or destroyed.
  virtual Result<std::optional<std::string>> GetSecret(const std::string& key) = 0;

  // Blocks until LastSequence() > after_sequence or `timeout` has passed, and returns
  // LastSequence() then (so a result <= after_sequence means the wait timed out). For live tails.
  virtual uint64_t WaitForEvents(uint64_t after_sequence, std::chrono::milliseconds timeout) = 0;
};

}  // namespace cognate
