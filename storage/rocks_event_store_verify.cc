// RocksEventStore: whole-store checks for `cognate verify` and `cognate replay` — the hash chain
// walk and the read-model digest. Both read one snapshot, so they may run during appends. A
// follower has no snapshots (RocksDB secondaries refuse iterators on one) and needs none: its
// data changes only in CatchUp, which the follower read lock holds off.
#include <rocksdb/db.h>
#include <rocksdb/snapshot.h>

#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>

#include "storage/event_codec.h"
#include "storage/keys.h"
#include "storage/rocks_event_store.h"
#include "storage/rocks_status.h"
#include "storage/sha256.h"

namespace cognate::storage {
namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// What the log says about one stream, and what the streams family says; compared at the end.
// `mix` folds the (version, sequence) pairs in version order; it catches bugs, not attackers
// (the hash chain is what makes the log tamper-evident).
struct StreamTally {
  uint64_t version = 0;
  uint64_t mix = 0;
};

void Fold(StreamTally& tally, uint64_t version, uint64_t sequence) {
  tally.version = version;
  tally.mix = SplitMix64(tally.mix ^ SplitMix64(sequence) ^ (version << 1));
}

// A snapshot of a primary store for as long as it lives; nothing on a follower.
class ConsistentRead {
 public:
  ConsistentRead(rocksdb::DB* db, bool follower) {
    if (!follower) snapshot_.emplace(db);
    options_.snapshot = follower ? nullptr : snapshot_->snapshot();
    options_.fill_cache = false;  // a full scan would only evict the working set
  }
  const rocksdb::ReadOptions& options() const { return options_; }

 private:
  std::optional<rocksdb::ManagedSnapshot> snapshot_;
  rocksdb::ReadOptions options_;
};

}  // namespace

Status RocksEventStore::VerifyChain(
    const std::function<void(uint64_t sequence, const std::string& problem)>& report) {
  size_t problems = 0;
  auto problem = [&](uint64_t sequence, const std::string& text) {
    ++problems;
    if (report) report(sequence, text);
  };
  std::shared_lock<std::shared_mutex> lock = FollowerReadLock();
  const ConsistentRead consistent(db_.get(), follower_);
  const rocksdb::ReadOptions& read_options = consistent.options();

  // Pass 1: the log itself.
  std::unordered_map<std::string, StreamTally> log_streams;
  uint64_t expected = 1;
  uint64_t last = 0;
  std::string prev_hash = GenesisHash();
  bool prev_known = true;  // false after an undecodable event: its hash is unknown
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, events_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::optional<uint64_t> sequence = DecodeBigEndian64(it->key().ToStringView());
    if (!sequence) {
      problem(0, "malformed event key");
      prev_known = false;
      continue;
    }
    const uint64_t seq = *sequence;
    if (seq != expected) problem(seq, "sequence gap: expected #" + std::to_string(expected));
    expected = seq + 1;
    last = seq;
    const std::string_view value = it->value().ToStringView();
    Result<StoredEvent> event = DecodeStoredEvent(value);
    if (!event.ok()) {
      problem(seq, "undecodable event: " + event.status().message());
      prev_known = false;
      continue;
    }
    if (event->sequence != seq) {
      problem(seq, "event records sequence #" + std::to_string(event->sequence));
    }
    if (prev_known && event->prev_hash != prev_hash) {
      problem(seq, "prev_hash is not the hash of the event before");
    }
    if (ChainHash(event->prev_hash, HashedFields(value)) != event->hash) {
      problem(seq, "hash does not match the event's content (altered event)");
    }
    StreamTally& tally = log_streams[event->stream];
    if (event->stream_version != tally.version + 1) {
      problem(seq, "stream " + event->stream + " jumps from version " +
                       std::to_string(tally.version) + " to " +
                       std::to_string(event->stream_version));
    }
    Fold(tally, event->stream_version, seq);
    prev_hash = event->hash;
    prev_known = true;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");

  // Pass 2: the meta head.
  auto read_meta = [&](const char* key, std::string* value) -> Result<bool> {
    rocksdb::Status s = db_->Get(read_options, meta_, key, value);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return FromRocks(s, std::string("reading meta ") + key);
    return true;
  };
  for (const char* key : {kMetaLastSequence, kMetaAppliedSequence}) {
    std::string value;
    Result<bool> found = read_meta(key, &value);
    if (!found.ok()) return found.status();
    std::optional<uint64_t> recorded = *found ? DecodeBigEndian64(value) : uint64_t{0};
    if (recorded != last) {
      problem(0, std::string("meta ") + key + " is not the last sequence #" + std::to_string(last));
    }
  }
  {
    std::string value;
    Result<bool> found = read_meta(kMetaLastHash, &value);
    if (!found.ok()) return found.status();
    if (!*found) value = GenesisHash();
    if (prev_known && value != prev_hash) problem(0, "meta last_hash is not the last event's hash");
  }

  // Pass 3: the streams family. Keys sort as `s`, `s\0<v1>`, `s\0<v2>`, ... so each stream's
  // version key and index entries are adjacent and checked as one group.
  std::string group_stream;
  bool in_group = false;
  std::optional<uint64_t> declared;
  StreamTally indexed;
  bool index_ok = true;
  auto finish_group = [&] {
    if (!in_group) return;
    StreamTally logged;
    if (auto found = log_streams.find(group_stream); found != log_streams.end()) {
      logged = found->second;
      log_streams.erase(found);
    }
    if (declared != logged.version) {
      problem(0, "stream " + group_stream + ": recorded version is not the log's " +
                     std::to_string(logged.version));
    }
    if (!index_ok || indexed.version != logged.version || indexed.mix != logged.mix) {
      problem(0, "stream " + group_stream + ": index disagrees with the log");
    }
  };
  it.reset(db_->NewIterator(read_options, streams_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    const size_t nul = key.find('\0');
    const std::string_view stream = key.substr(0, nul);
    if (!in_group || stream != group_stream) {
      finish_group();
      group_stream = std::string(stream);
      in_group = true;
      declared.reset();
      indexed = StreamTally();
      index_ok = true;
    }
    std::optional<uint64_t> number = DecodeBigEndian64(it->value().ToStringView());
    if (nul == std::string_view::npos) {
      declared = number;
      continue;
    }
    std::optional<uint64_t> version = DecodeBigEndian64(key.substr(nul + 1));
    if (!version || !number || *version != indexed.version + 1) {
      index_ok = false;
      continue;
    }
    Fold(indexed, *version, *number);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the streams family");
  finish_group();
  for (const auto& [stream, tally] : log_streams) {
    problem(0, "stream " + stream + " is in the log but not in the streams family");
  }

  if (problems == 0) return Status::Ok();
  return DataLossError(std::to_string(problems) + " problem(s) found in the log");
}

Result<std::string> RocksEventStore::ReadModelDigest() {
  std::shared_lock<std::shared_mutex> lock = FollowerReadLock();
  const ConsistentRead consistent(db_.get(), follower_);
  const rocksdb::ReadOptions& read_options = consistent.options();
  Sha256 sha;
  const std::pair<char, rocksdb::ColumnFamilyHandle*> families[] = {{'c', claims_}, {'r', rows_}};
  for (const auto& [tag, family] : families) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, family));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      sha.Update(std::string_view(&tag, 1));
      sha.Update(EncodeBigEndian64(it->key().size()));
      sha.Update(it->key().ToStringView());
      sha.Update(EncodeBigEndian64(it->value().size()));
      sha.Update(it->value().ToStringView());
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading read models");
  }
  return HexEncode(sha.Finish());
}

}  // namespace cognate::storage
