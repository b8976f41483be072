// RocksEventStore::Import and Sync: bulk loading a log read from another store (`replay --into`).
// A million events go through here, so the loop reuses its buffers rather than allocating per
// event.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <mutex>

#include "storage/event_codec.h"
#include "storage/keys.h"
#include "storage/rocks_event_store.h"
#include "storage/rocks_status.h"
#include "storage/sorted_writes.h"

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
  uint64_t expected = next_sequence_;
  const std::string* prev_hash = &prev_hash_;
  // The log's own keys rise with the sequence; every other family's go through SortedWrites.
  SortedWrites stream_keys(streams_), claims(claims_), rows(rows_), secrets(vault_);
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
    if (!s.ok()) return FromRocks(s, "building the import batch");
    stream_keys.PutCopy(StreamIndexKey(event.stream, event.stream_version), EncodeBigEndian64(event.sequence));
    // Rewritten by each of the stream's events: the last one stays.
    stream_keys.PutCopy(event.stream, EncodeBigEndian64(event.stream_version));
    prev_hash = &event.hash;
    ++expected;
  }

  bool destroys_secret = false;
  for (const ImportWrites::Entry& entry : writes.entries) {
    for (const std::string& key : entry.releases) claims.Delete(key);
    for (const Claim& claim : entry.claims) claims.Put(claim.key, claim.owner);
    for (const RowWrite& row : entry.rows) {
      if (row.value.has_value()) {
        rows.Put(RowKey(row.table, row.key), *row.value);
      } else {
        rows.Delete(RowKey(row.table, row.key));
      }
    }
    for (const SecretWrite& secret : entry.secrets) {
      destroys_secret = destroys_secret || !secret.value.has_value();
      if (secret.value.has_value()) {
        secrets.Put(secret.key, *secret.value);
      } else {
        secrets.Delete(secret.key);
      }
    }
  }
  for (SortedWrites* family : {&stream_keys, &claims, &rows, &secrets}) {
    if (s = family->AddTo(batch); !s.ok()) return FromRocks(s, "building the import batch");
  }

  const uint64_t last_sequence = expected - 1;
  const std::string last = EncodeBigEndian64(last_sequence);
  s = batch.Put(meta_, kMetaLastSequence, last);
  if (s.ok()) s = batch.Put(meta_, kMetaLastHash, *prev_hash);
  if (s.ok()) s = batch.Put(meta_, kMetaAppliedSequence, last);
  if (!s.ok()) return FromRocks(s, "building the import batch");

  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  row_cache_.BeginBulkWrite();
  s = db_->Write(write_options, &batch);
  row_cache_.EndBulkWrite();
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
