// RocksEventStore::Import and Sync: bulk loading a log read from another store (`replay --into`).
// A million events go through here, so the loop reuses its buffers rather than allocating per
// event.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/event_codec.h"
#include "storage/keys.h"
#include "storage/rocks_event_store.h"
#include "storage/rocks_status.h"

namespace cognate::storage {
namespace {

// The writes no Append could have made (CheckAppendRequest's rules for the same fields).
Status CheckImportWrites(const ImportWrites& writes) {
  for (const ImportWrites::Entry& entry : writes.entries) {
    for (const std::string& key : entry.releases) {
      if (key.empty()) return InvalidArgumentError("release key is empty");
    }
    for (const Claim& claim : entry.claims) {
      if (claim.key.empty() || claim.owner.empty()) {
        return InvalidArgumentError("claim key and owner must be non-empty");
      }
    }
    for (const RowWrite& row : entry.rows) {
      if (!IsValidName(row.table)) {
        return InvalidArgumentError("table name must be non-empty and without NUL");
      }
    }
    for (const SecretWrite& secret : entry.secrets) {
      if (secret.key.empty()) return InvalidArgumentError("secret key is empty");
    }
  }
  return Status::Ok();
}

}  // namespace

Status RocksEventStore::Import(const std::vector<StoredEvent>& events,
                               const ImportWrites& writes) {
  if (follower_) return FailedPreconditionError("store opened as a follower");
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return UnavailableError("the store is closing");
    if (importing_) return FailedPreconditionError("another import is in progress");
    if (in_flight_ > 0) return FailedPreconditionError("appends are in flight; import needs none");
    // From here until it is cleared no append is accepted, and none is in flight, so the
    // sequencer is idle and its head (next_sequence_, prev_hash_) is ours to read and move.
    importing_ = true;
  }
  Status status = WriteImport(events, writes);
  {
    std::lock_guard<std::mutex> lock(mu_);
    importing_ = false;
  }
  return status;
}

Status RocksEventStore::WriteImport(const std::vector<StoredEvent>& events,
                                    const ImportWrites& writes) {
  if (failed_.load()) return UnavailableError("the store has failed; reopen it");
  if (events.empty()) {
    if (!writes.entries.empty()) return InvalidArgumentError("an import with writes needs events");
    return Status::Ok();
  }
  if (Status s = CheckImportWrites(writes); !s.ok()) return s;

  rocksdb::WriteBatch batch;
  rocksdb::Status s;
  std::string value;  // reused for every event
  std::string key;    // reused for every index and row key
  uint64_t expected = next_sequence_;
  const std::string* prev_hash = &prev_hash_;
  std::vector<std::pair<std::string_view, uint64_t>> stream_versions;  // per event, in log order
  stream_versions.reserve(events.size());
  for (const StoredEvent& event : events) {
    if (event.sequence != expected) {
      return FailedPreconditionError("cannot import event #" + std::to_string(event.sequence) +
                                     ": the next sequence is #" + std::to_string(expected));
    }
    if (event.prev_hash != *prev_hash) {
      return FailedPreconditionError("cannot import event #" + std::to_string(event.sequence) +
                                     ": its prev_hash is not the hash of the event before");
    }
    if (event.hash.size() != kHashSize || !IsValidName(event.stream) ||
        event.stream_version == 0) {
      return InvalidArgumentError("event #" + std::to_string(event.sequence) +
                                  " has a bad hash size, stream name or stream version");
    }
    EncodeStoredEventTo(event, &value);
    s = batch.Put(events_, EventKey(event.sequence), value);
    AssignStreamIndexKey(&key, event.stream, event.stream_version);
    if (s.ok()) s = batch.Put(streams_, key, EncodeBigEndian64(event.sequence));
    if (!s.ok()) return FromRocks(s, "building the import batch");
    stream_versions.emplace_back(event.stream, event.stream_version);
    prev_hash = &event.hash;
    ++expected;
  }
  // Each stream's version key once, with its last event's version (an Append writes it once per
  // request): sorted, as the store inserts sorted keys fastest.
  std::stable_sort(stream_versions.begin(), stream_versions.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < stream_versions.size() && s.ok(); ++i) {
    const bool last_of_stream =
        i + 1 == stream_versions.size() || stream_versions[i + 1].first != stream_versions[i].first;
    if (last_of_stream) {
      s = batch.Put(streams_, stream_versions[i].first, EncodeBigEndian64(stream_versions[i].second));
    }
  }
  if (!s.ok()) return FromRocks(s, "building the import batch");

  bool destroys_secret = false;
  for (const ImportWrites::Entry& entry : writes.entries) {
    for (size_t i = 0; i < entry.releases.size() && s.ok(); ++i) {
      s = batch.Delete(claims_, entry.releases[i]);
    }
    for (size_t i = 0; i < entry.claims.size() && s.ok(); ++i) {
      s = batch.Put(claims_, entry.claims[i].key, entry.claims[i].owner);
    }
    for (size_t i = 0; i < entry.rows.size() && s.ok(); ++i) {
      const RowWrite& row = entry.rows[i];
      AssignRowKey(&key, row.table, row.key);
      s = row.value.has_value() ? batch.Put(rows_, key, *row.value) : batch.Delete(rows_, key);
    }
    for (size_t i = 0; i < entry.secrets.size() && s.ok(); ++i) {
      const SecretWrite& secret = entry.secrets[i];
      destroys_secret = destroys_secret || !secret.value.has_value();
      s = secret.value.has_value() ? batch.Put(vault_, secret.key, *secret.value)
                                   : batch.Delete(vault_, secret.key);
    }
    if (!s.ok()) return FromRocks(s, "building the import batch");
  }

  const uint64_t last_sequence = expected - 1;
  const std::string last = EncodeBigEndian64(last_sequence);
  s = batch.Put(meta_, kMetaLastSequence, last);
  if (s.ok()) s = batch.Put(meta_, kMetaLastHash, *prev_hash);
  if (s.ok()) s = batch.Put(meta_, kMetaAppliedSequence, last);
  if (!s.ok()) return FromRocks(s, "building the import batch");

  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  s = db_->Write(write_options, &batch);
  if (!s.ok()) {
    // As in Commit: whether the batch is on disk is unknown, so the head we hold may be wrong.
    Status failure = UnavailableError("writing an import failed; reopen the store: " + s.ToString());
    std::lock_guard<std::mutex> lock(mu_);
    failure_ = failure;
    failed_.store(true);
    return failure;
  }
  next_sequence_ = expected;
  prev_hash_ = *prev_hash;
  PublishLastSequence(last_sequence);
  if (destroys_secret) RequestShred();
  return Status::Ok();
}

Status RocksEventStore::Sync() {
  if (follower_) return FailedPreconditionError("store opened as a follower");
  rocksdb::Status s = db_->FlushWAL(/*sync=*/true);
  if (!s.ok()) return FromRocks(s, "syncing the write-ahead log");
  return Status::Ok();
}

Status RocksEventStore::CompactAll() {
  if (follower_) return FailedPreconditionError("store opened as a follower");
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    rocksdb::Status s = db_->CompactRange(rocksdb::CompactRangeOptions(), handle, nullptr, nullptr);
    if (!s.ok()) return FromRocks(s, "compacting " + handle->GetName());
  }
  return Status::Ok();
}

}  // namespace cognate::storage
