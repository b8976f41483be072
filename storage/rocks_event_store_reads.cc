// RocksEventStore: the read side. Every read goes straight to RocksDB, whose reads are
// thread-safe; a group's batch becomes visible atomically, so a read never sees part of one.
// On a follower each read holds off CatchUp, which changes the data under the reader.
#include <rocksdb/db.h>

#include <algorithm>
#include <memory>

#include "storage/event_codec.h"
#include "storage/keys.h"
#include "storage/rocks_event_store.h"
#include "storage/rocks_status.h"

namespace cognate::storage {

Result<std::vector<StoredEvent>> RocksEventStore::ReadStream(const std::string& stream,
                                                             uint64_t from_version) {
  if (!IsValidName(stream)) {
    return InvalidArgumentError("stream name must be non-empty and without NUL");
  }
  std::shared_lock<std::shared_mutex> lock = FollowerReadLock();
  const rocksdb::ReadOptions read_options;
  const std::string prefix = StreamIndexPrefix(stream);
  std::vector<std::string> event_keys;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, streams_));
  for (it->Seek(StreamIndexKey(stream, std::max<uint64_t>(from_version, 1)));
       it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::optional<uint64_t> sequence = DecodeBigEndian64(it->value().ToStringView());
    if (!sequence) return DataLossError("malformed stream index entry of " + stream);
    event_keys.push_back(EventKey(*sequence));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading stream " + stream);
  if (event_keys.empty()) return std::vector<StoredEvent>();

  // Index entries are written in the same batch as their events, so each one found has its
  // event; a missing one is damage, not a race.
  std::vector<rocksdb::Slice> keys(event_keys.begin(), event_keys.end());
  std::vector<rocksdb::ColumnFamilyHandle*> families(keys.size(), events_);
  std::vector<std::string> values;
  std::vector<rocksdb::Status> statuses = db_->MultiGet(read_options, families, keys, &values);
  std::vector<StoredEvent> events;
  events.reserve(values.size());
  uint64_t expected_version = std::max<uint64_t>(from_version, 1);
  for (size_t i = 0; i < values.size(); ++i) {
    if (!statuses[i].ok()) {
      if (statuses[i].IsNotFound()) return DataLossError("stream index names a missing event");
      return FromRocks(statuses[i], "reading stream " + stream);
    }
    Result<StoredEvent> event = DecodeStoredEvent(values[i]);
    if (!event.ok()) return event.status();
    if (event->stream != stream || event->stream_version != expected_version) {
      return DataLossError("stream index of " + stream + " disagrees with the log");
    }
    ++expected_version;
    events.push_back(std::move(*event));
  }
  return events;
}

Result<std::vector<StoredEvent>> RocksEventStore::ReadAll(uint64_t from_sequence,
                                                          size_t max_count) {
  std::vector<StoredEvent> events;
  if (max_count == 0) return events;
  std::shared_lock<std::shared_mutex> lock = FollowerReadLock();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events_));
  for (it->Seek(EventKey(std::max<uint64_t>(from_sequence, 1)));
       it->Valid() && events.size() < max_count; it->Next()) {
    Result<StoredEvent> event = DecodeStoredEvent(it->value().ToStringView());
    if (!event.ok()) return event.status();
    events.push_back(std::move(*event));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  return events;
}

Result<uint64_t> RocksEventStore::StreamVersion(const std::string& stream) {
  if (!IsValidName(stream)) {
    return InvalidArgumentError("stream name must be non-empty and without NUL");
  }
  std::shared_lock<std::shared_mutex> lock = FollowerReadLock();
  return CommittedStreamVersion(stream);
}

uint64_t RocksEventStore::LastSequence() { return last_sequence_.load(std::memory_order_acquire); }

uint64_t RocksEventStore::WaitForEvents(uint64_t after_sequence,
                                        std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  // A follower learns of new events only by catching up, so it polls at this pace.
  constexpr std::chrono::milliseconds kFollowerPoll(100);
  // Clamped so that the deadline cannot overflow the clock.
  timeout = std::clamp(timeout, std::chrono::milliseconds(0),
                       std::chrono::milliseconds(std::chrono::hours(24 * 365)));
  const Clock::time_point deadline = Clock::now() + timeout;
  auto arrived = [&] { return LastSequence() > after_sequence; };
  for (;;) {
    // A failed CatchUp changes nothing; the next poll tries again.
    if (follower_) CatchUp().IgnoreError();
    std::unique_lock<std::mutex> lock(head_mu_);
    const Clock::time_point until =
        follower_ ? std::min(deadline, Clock::now() + kFollowerPoll) : deadline;
    if (head_cv_.wait_until(lock, until, arrived) || Clock::now() >= deadline) {
      return LastSequence();
    }
  }
}

Result<std::optional<std::string>> RocksEventStore::Get(const std::string& table,
                                                        const std::string& key) {
  if (!IsValidName(table))
    return InvalidArgumentError("table name must be non-empty and without NUL");
  std::shared_lock<std::shared_mutex> lock = FollowerReadLock();
  const std::string row_key = RowKey(table, key);
  std::optional<std::string> row;
  if (row_cache_.Lookup(row_key, &row)) return row;
  const RowCache::Ticket ticket = row_cache_.Before(row_key);
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), rows_, row_key, &value);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading row of " + table);
  if (s.ok()) row = std::move(value);
  row_cache_.InsertIfUnchanged(row_key, row, ticket);
  return row;
}

Result<std::vector<Row>> RocksEventStore::Scan(const std::string& table, const std::string& prefix,
                                               const std::string& start_after, size_t limit) {
  if (!IsValidName(table))
    return InvalidArgumentError("table name must be non-empty and without NUL");
  std::vector<Row> rows;
  if (limit == 0) return rows;
  std::shared_lock<std::shared_mutex> lock = FollowerReadLock();
  const std::string full_prefix = RowKey(table, prefix);
  const size_t table_part = table.size() + 1;
  // Start at the later of the prefix and start_after; start_after itself is skipped below.
  const std::string& start = std::max(prefix, start_after);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), rows_));
  for (it->Seek(RowKey(table, start)); it->Valid() && it->key().starts_with(full_prefix);
       it->Next()) {
    std::string_view key = it->key().ToStringView().substr(table_part);
    if (!start_after.empty() && key == start_after) continue;
    rows.push_back(Row{std::string(key), it->value().ToString()});
    if (rows.size() == limit) break;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scanning " + table);
  return rows;
}

Result<std::optional<std::string>> RocksEventStore::ClaimOwner(const std::string& key) {
  std::shared_lock<std::shared_mutex> lock = FollowerReadLock();
  return CommittedClaimOwner(key);
}

std::shared_lock<std::shared_mutex> RocksEventStore::FollowerReadLock() {
  if (!follower_) return {};
  return std::shared_lock<std::shared_mutex>(catch_up_mu_);
}

}  // namespace cognate::storage
