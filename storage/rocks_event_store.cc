// RocksEventStore: opening, and the append path (the sequencer, committer and notifier
// threads). Reads are in rocks_event_store_reads.cc, VerifyChain and ReadModelDigest in
// rocks_event_store_verify.cc, the vault's shredder in rocks_event_store_vault.cc, followers in
// rocks_event_store_follower.cc, Import in rocks_event_store_import.cc.
#include "storage/rocks_event_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/transaction_log.h>
#include <rocksdb/write_batch.h>

#include <future>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "storage/event_codec.h"
#include "storage/keys.h"
#include "storage/rocks_status.h"

namespace cognate::storage {

// One caller's append. Owned by the queue, then by its group; the caller keeps only the future.
struct RocksEventStore::PendingAppend {
  AppendRequest request;
  std::vector<std::string> tails;  // EncodeEventTail of each event, done on the caller's thread
  std::optional<Result<AppendResult>> result;  // decided by the sequencer, final by the committer
  std::promise<Result<AppendResult>> done;
};

// Appends written together in one synced batch, in arrival order (rejected ones included, so
// that they are answered no earlier than the appends they lost to).
struct RocksEventStore::Group {
  uint64_t id = 0;
  std::vector<std::unique_ptr<PendingAppend>> members;
  size_t events = 0;           // events of all members, bounded by max_batch_events
  size_t admitted = 0;         // members whose writes are in `batch`
  uint64_t last_sequence = 0;  // the head after this group, if admitted > 0
  std::string last_hash;
  bool destroys_secret = false;  // an admitted member destroys a vault entry
  bool written = false;          // the batch is on disk (set by the committer)
  rocksdb::WriteBatch batch;
  std::vector<std::string> row_keys;  // the rows `batch` writes (RowKey), for the row cache
};

namespace {

// Our column families, which Open passes after "default" (creating any that are missing, so a
// store from before the vault gets an empty one).
constexpr const char* kFamilies[] = {kEventsFamily, kStreamsFamily, kClaimsFamily, kRowsFamily,
                                     kMetaFamily,   kVaultFamily};

}  // namespace

Result<std::unique_ptr<RocksEventStore>> RocksEventStore::Open(const RocksOptions& options) {
  if (options.path.empty()) return InvalidArgumentError("RocksOptions.path is empty");
  if (options.max_batch_events == 0) {
    return InvalidArgumentError("RocksOptions.max_batch_events must be positive");
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  if (options.env != nullptr) db_options.env = options.env;
  // Small column families (meta, the vault) rarely fill a memtable and so would pin every log
  // file; capping the log makes RocksDB flush them, which bounds what a start after a crash
  // replays (about 3 s) instead of gigabytes.
  db_options.max_total_wal_size = 256ull << 20;

  rocksdb::BlockBasedTableOptions table_options;
  table_options.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  // Validation probes stream versions and claims that mostly do not exist yet (new users);
  // bloom filters answer those misses without reading blocks.
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions family_options;
  family_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));
  if (!options.follower_dir.empty()) return OpenFollower(options, db_options, family_options);

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, family_options);
  for (const char* name : kFamilies) descriptors.emplace_back(name, family_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw_db);
  if (!s.ok()) return FromRocks(s, "opening " + options.path);

  std::unique_ptr<RocksEventStore> store(
      new RocksEventStore(options, std::unique_ptr<rocksdb::DB>(raw_db), std::move(handles)));
  if (Status families = store->CheckFamilies(); !families.ok()) return families;
  if (store->vault_ == nullptr) return InternalError("the vault family was not opened");
  if (Status head = store->LoadHead(); !head.ok()) return head;
  store->sequencer_ = std::thread(&RocksEventStore::SequencerLoop, store.get());
  store->committer_ = std::thread(&RocksEventStore::CommitterLoop, store.get());
  store->notifier_ = std::thread(&RocksEventStore::NotifierLoop, store.get());
  store->shredder_ = std::thread(&RocksEventStore::ShredderLoop, store.get());
  return store;
}

RocksEventStore::RocksEventStore(const RocksOptions& options, std::unique_ptr<rocksdb::DB> db,
                                 std::vector<rocksdb::ColumnFamilyHandle*> handles)
    : options_(options),
      db_(std::move(db)),
      handles_(std::move(handles)),
      follower_(!options.follower_dir.empty()),
      row_cache_(follower_ ? 0 : options.row_cache_bytes) {
  const std::pair<const char*, rocksdb::ColumnFamilyHandle**> ours[] = {
      {kEventsFamily, &events_}, {kStreamsFamily, &streams_}, {kClaimsFamily, &claims_},
      {kRowsFamily, &rows_},     {kMetaFamily, &meta_},       {kVaultFamily, &vault_}};
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    for (const auto& [name, member] : ours) {
      if (handle->GetName() == name) *member = handle;
    }
  }
}

Status RocksEventStore::CheckFamilies() const {
  for (const auto* handle : {events_, streams_, claims_, rows_, meta_}) {
    if (handle == nullptr) {
      return FailedPreconditionError("not a cognate store: a column family is missing in " +
                                     options_.path);
    }
  }
  return Status::Ok();
}

RocksEventStore::~RocksEventStore() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  sequencer_cv_.notify_one();
  // The sequencer hands off everything queued, then tells the committer to stop after it, which
  // tells the notifier to stop after answering the last group.
  if (sequencer_.joinable()) sequencer_.join();
  if (committer_.joinable()) committer_.join();
  if (notifier_.joinable()) notifier_.join();
  // Last, so that a shred the last groups asked for still runs.
  {
    std::lock_guard<std::mutex> lock(shred_mu_);
    shred_stop_ = true;
  }
  shred_cv_.notify_one();
  if (shredder_.joinable()) shredder_.join();
  FlushLargeLogOnStop();
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  // Close reports only errors of background work that is being abandoned; the WAL is synced.
  db_->Close().PermitUncheckedError();
}

// A clean stop with a large log flushes it, so the next start opens in milliseconds however much
// was written. A small one is left: replaying it takes milliseconds, while flushing every column
// family at every stop would litter level 0 with tiny table files. (A read-only or follower store
// answers NotSupported, which is fine.)
void RocksEventStore::FlushLargeLogOnStop() {
  rocksdb::VectorLogPtr log_files;
  if (!db_->GetSortedWalFiles(log_files).ok()) return;
  uint64_t log_bytes = 0;
  for (const std::unique_ptr<rocksdb::LogFile>& file : log_files) {
    if (file->Type() == rocksdb::kAliveLogFile) log_bytes += file->SizeFileBytes();
  }
  if (log_bytes > options_.flush_on_stop_above_log_bytes) {
    db_->Flush(rocksdb::FlushOptions(), handles_).PermitUncheckedError();
  }
}

Status RocksEventStore::LoadHead() {
  const rocksdb::ReadOptions read_options;
  std::string format;
  rocksdb::Status s = db_->Get(read_options, meta_, kMetaFormatVersion, &format);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading format version");
  const bool fresh = s.IsNotFound();

  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, events_));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "reading the last event");

  if (fresh) {
    if (it->Valid()) return DataLossError("events present but no format_version in meta");
    // A follower of a store whose primary has not written it yet just sees an empty store.
    if (!follower_) {
      rocksdb::WriteOptions write_options;
      write_options.sync = options_.sync;
      const std::string version(1, static_cast<char>(kFormatVersion));
      s = db_->Put(write_options, meta_, kMetaFormatVersion, version);
      if (!s.ok()) return FromRocks(s, "writing format version");
    }
    next_sequence_ = 1;
    prev_hash_ = GenesisHash();
    PublishLastSequence(0);
    return Status::Ok();
  }
  if (format.size() != 1 || static_cast<uint8_t>(format[0]) != kFormatVersion) {
    return FailedPreconditionError("unsupported storage format version (this build reads " +
                                   std::to_string(kFormatVersion) + ")");
  }

  // Absent (an empty log) reads as 0.
  auto read_sequence = [&](const char* key) -> Result<uint64_t> {
    std::string value;
    rocksdb::Status status = db_->Get(read_options, meta_, key, &value);
    if (status.IsNotFound()) return uint64_t{0};
    if (!status.ok()) return FromRocks(status, std::string("reading ") + key);
    std::optional<uint64_t> decoded = DecodeBigEndian64(value);
    if (!decoded) return DataLossError(std::string("malformed meta ") + key);
    return *decoded;
  };
  Result<uint64_t> last_sequence = read_sequence(kMetaLastSequence);
  if (!last_sequence.ok()) return last_sequence.status();
  // Written in the same batch as last_sequence; a follower reports it as its LastSequence.
  Result<uint64_t> applied_sequence = read_sequence(kMetaAppliedSequence);
  if (!applied_sequence.ok()) return applied_sequence.status();
  // A primary refuses to append after damage; a follower only reads, so it opens anyway and
  // leaves the reporting to VerifyChain (that is what `cognate verify` opens it for).
  auto damaged = [&](std::string what) -> Status {
    return follower_ ? Status::Ok() : DataLossError(std::move(what));
  };
  if (*applied_sequence != *last_sequence) {
    if (Status s2 = damaged("meta applied_sequence disagrees with last_sequence"); !s2.ok()) return s2;
  }
  std::string value;
  std::string last_hash = GenesisHash();
  s = db_->Get(read_options, meta_, kMetaLastHash, &value);
  if (s.ok()) {
    last_hash = value;
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "reading last_hash");
  }

  // The meta head and the last event are written in the same batch, so they agree unless the
  // database was altered behind our back; appending after such a change would fork the chain.
  if (!it->Valid()) {
    if (*last_sequence != 0) {
      if (Status s2 = damaged("meta names events but the log is empty"); !s2.ok()) return s2;
    }
  } else {
    std::optional<uint64_t> sequence = DecodeBigEndian64(it->key().ToStringView());
    Result<StoredEvent> event = DecodeStoredEvent(it->value().ToStringView());
    if (!sequence || !event.ok()) {
      if (Status s2 = damaged("the last event is malformed"); !s2.ok()) return s2;
    } else if (*sequence != *last_sequence || event->hash != last_hash) {
      if (Status s2 = damaged("meta last_sequence/last_hash disagree with the last event #" + std::to_string(*sequence));
          !s2.ok()) {
        return s2;
      }
    }
  }
  next_sequence_ = *last_sequence + 1;
  prev_hash_ = std::move(last_hash);
  PublishLastSequence(*applied_sequence);
  return Status::Ok();
}

void RocksEventStore::PublishLastSequence(uint64_t sequence) {
  last_sequence_.store(sequence, std::memory_order_release);
  // Taking the mutex between the store and the notify closes the window in which a waiter has
  // checked the old value but is not yet waiting (it would miss this notification).
  { std::lock_guard<std::mutex> lock(head_mu_); }
  head_cv_.notify_all();
}

Result<AppendResult> RocksEventStore::Append(AppendRequest request) {
  if (follower_) return FailedPreconditionError("store opened as a follower");
  if (Status s = CheckAppendRequest(request); !s.ok()) return s;
  auto pending = std::make_unique<PendingAppend>();
  pending->tails.reserve(request.events.size());
  for (const NewEvent& event : request.events) pending->tails.push_back(EncodeEventTail(event));
  pending->request = std::move(request);
  std::future<Result<AppendResult>> done = pending->done.get_future();
  bool wake_sequencer = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return UnavailableError("the store is closing");
    if (importing_) return FailedPreconditionError("an import is in progress");
    ++in_flight_;
    // The sequencer sleeps only on an empty queue or a full group (the committer wakes it for
    // the latter), so only an arrival into an empty queue needs to wake it; waking it for every
    // append would cost a context switch per append.
    wake_sequencer = queue_.empty();
    queue_.push_back(std::move(pending));
  }
  if (wake_sequencer) sequencer_cv_.notify_one();
  return done.get();
}

void RocksEventStore::SequencerLoop() {
  auto open = std::make_unique<Group>();
  open->id = next_group_id_++;
  for (;;) {
    std::vector<std::unique_ptr<PendingAppend>> taken;
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto has_room = [&] {
        return open->members.empty() || open->events < options_.max_batch_events;
      };
      sequencer_cv_.wait(lock, [&] {
        return (!queue_.empty() && has_room()) || (!open->members.empty() && committer_idle_) ||
               (stopping_ && queue_.empty() && open->members.empty());
      });
      if (!open->members.empty() && committer_idle_) {
        // The disk is free: hand the open group over now rather than let it grow.
        Seal(*open);
        handoff_ = std::move(open);
        committer_idle_ = false;
        committer_cv_.notify_one();
        open = std::make_unique<Group>();
        open->id = next_group_id_++;
      } else if (stopping_ && queue_.empty() && open->members.empty()) {
        committer_stop_ = true;
        committer_cv_.notify_one();
        return;
      }
      size_t events = open->events;
      while (!queue_.empty()) {
        const size_t count = queue_.front()->request.events.size();
        if ((!open->members.empty() || !taken.empty()) &&
            events + count > options_.max_batch_events) {
          break;
        }
        events += count;
        taken.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (open->members.empty()) PrunePending();
    for (std::unique_ptr<PendingAppend>& pending : taken) {
      const uint64_t first_sequence = next_sequence_;
      Status s = failed_.load() ? UnavailableError("the store has failed; reopen it")
                                : Admit(*pending, *open);
      if (s.ok()) {
        pending->result.emplace(AppendResult{first_sequence, next_sequence_ - 1,
                                             pending_versions_[pending->request.stream].value});
        ++open->admitted;
        open->last_sequence = next_sequence_ - 1;
        open->last_hash = prev_hash_;
      } else {
        pending->result.emplace(std::move(s));
      }
      open->events += pending->request.events.size();
      open->members.push_back(std::move(pending));
    }
  }
}

void RocksEventStore::Seal(Group& group) {
  if (group.admitted == 0) return;
  const std::string last_sequence = EncodeBigEndian64(group.last_sequence);
  // These three Puts cannot fail: the keys and values are tiny.
  group.batch.Put(meta_, kMetaLastSequence, last_sequence).PermitUncheckedError();
  group.batch.Put(meta_, kMetaLastHash, group.last_hash).PermitUncheckedError();
  // Read models are written in this same batch, so they have applied exactly the log's head.
  group.batch.Put(meta_, kMetaAppliedSequence, last_sequence).PermitUncheckedError();
}

void RocksEventStore::CommitterLoop() {
  for (;;) {
    std::unique_ptr<Group> group;
    {
      std::unique_lock<std::mutex> lock(mu_);
      committer_cv_.wait(lock, [this] { return handoff_ != nullptr || committer_stop_; });
      if (handoff_ == nullptr) {
        notifier_stop_ = true;
        notifier_cv_.notify_one();
        return;
      }
      group = std::move(handoff_);
    }
    Commit(*group);
    {
      std::lock_guard<std::mutex> lock(mu_);
      committer_idle_ = true;
      in_flight_ -= group->members.size();
      answered_.push_back(std::move(group));
    }
    sequencer_cv_.notify_one();
    notifier_cv_.notify_one();
  }
}

void RocksEventStore::NotifierLoop() {
  for (;;) {
    std::deque<std::unique_ptr<Group>> groups;
    {
      std::unique_lock<std::mutex> lock(mu_);
      notifier_cv_.wait(lock, [this] { return !answered_.empty() || notifier_stop_; });
      if (answered_.empty()) return;
      groups.swap(answered_);
    }
    bool shred = false;
    for (std::unique_ptr<Group>& group : groups) {
      for (std::unique_ptr<PendingAppend>& pending : group->members) {
        pending->done.set_value(std::move(*pending->result));
      }
      shred = shred || (group->written && group->destroys_secret);
    }
    // After the wake-ups: erasing is not part of any append's latency.
    if (shred) RequestShred();
  }
}

void RocksEventStore::Commit(Group& group) {
  Status failure;
  if (failed_.load()) {
    std::lock_guard<std::mutex> lock(mu_);
    failure = failure_;
  } else if (group.admitted > 0) {
    row_cache_.BeginWrite(group.row_keys);
    rocksdb::WriteOptions write_options;
    write_options.sync = options_.sync;
    rocksdb::Status s = db_->Write(write_options, &group.batch);
    row_cache_.EndWrite(group.row_keys);
    if (s.ok()) {
      group.written = true;
      PublishLastSequence(group.last_sequence);
    } else {
      // Whether the batch reached the disk is unknown (the WAL may hold it even though the
      // sync failed), and the sequencer has already built later groups on top of it: refuse
      // everything from here on until a reopen reads the truth back from disk.
      failure = UnavailableError("writing the log failed; reopen the store: " + s.ToString());
      std::lock_guard<std::mutex> lock(mu_);
      failure_ = failure;
      failed_.store(true);
    }
  }
  if (!failure.ok()) {
    for (std::unique_ptr<PendingAppend>& pending : group.members) pending->result.emplace(failure);
    return;
  }
  durable_group_id_.store(group.id, std::memory_order_release);
}

Status RocksEventStore::Admit(const PendingAppend& pending, Group& group) {
  const AppendRequest& request = pending.request;

  Result<uint64_t> current = CurrentStreamVersion(request.stream);
  if (!current.ok()) return current.status();
  uint64_t version = *current;
  if (request.expected_version != kAnyStreamVersion && version != request.expected_version) {
    return AbortedError("stream " + request.stream + " is at version " + std::to_string(version) +
                        ", expected " + std::to_string(request.expected_version));
  }

  // Claims are checked against this request's own releases and claims first (releases apply
  // before claims), then against the current state. nullptr: free.
  std::unordered_map<std::string_view, const std::string*> mine;
  for (const std::string& key : request.releases) mine[key] = nullptr;
  for (const Claim& claim : request.claims) {
    std::optional<std::string> owner;
    if (auto it = mine.find(claim.key); it != mine.end()) {
      if (it->second != nullptr) owner = *it->second;
    } else {
      Result<std::optional<std::string>> current_owner = CurrentClaimOwner(claim.key);
      if (!current_owner.ok()) return current_owner.status();
      owner = std::move(*current_owner);
    }
    if (owner.has_value() && *owner != claim.owner) return AlreadyExistsError(claim.key);
    mine[claim.key] = &claim.owner;
  }

  // Admitted: add to the batch. A WriteBatch only fails on absurd sizes (> 4 GiB); the save
  // point keeps a request that trips it from leaving half of itself in the group.
  group.batch.SetSavePoint();
  uint64_t sequence = next_sequence_;
  std::string prev_hash = prev_hash_;
  rocksdb::Status s;
  for (size_t i = 0; i < request.events.size() && s.ok(); ++i) {
    ++version;
    std::string fields = EncodeEventFields(sequence, request.stream, version, pending.tails[i]);
    std::string hash = ChainHash(prev_hash, fields);
    s = group.batch.Put(events_, EventKey(sequence), EncodeStoredValue(fields, prev_hash, hash));
    if (s.ok()) {
      s = group.batch.Put(streams_, StreamIndexKey(request.stream, version),
                          EncodeBigEndian64(sequence));
    }
    prev_hash = std::move(hash);
    ++sequence;
  }
  if (s.ok()) s = group.batch.Put(streams_, request.stream, EncodeBigEndian64(version));
  for (size_t i = 0; i < request.releases.size() && s.ok(); ++i) {
    s = group.batch.Delete(claims_, request.releases[i]);
  }
  for (size_t i = 0; i < request.claims.size() && s.ok(); ++i) {
    s = group.batch.Put(claims_, request.claims[i].key, request.claims[i].owner);
  }
  std::vector<std::string> row_keys;
  row_keys.reserve(request.rows.size());
  for (size_t i = 0; i < request.rows.size() && s.ok(); ++i) {
    const RowWrite& row = request.rows[i];
    row_keys.push_back(RowKey(row.table, row.key));
    s = row.value.has_value() ? group.batch.Put(rows_, row_keys.back(), *row.value)
                              : group.batch.Delete(rows_, row_keys.back());
  }
  bool destroys_secret = false;
  for (size_t i = 0; i < request.secrets.size() && s.ok(); ++i) {
    const SecretWrite& secret = request.secrets[i];
    destroys_secret = destroys_secret || !secret.value.has_value();
    s = secret.value.has_value() ? group.batch.Put(vault_, secret.key, *secret.value)
                                 : group.batch.Delete(vault_, secret.key);
  }
  if (!s.ok()) {
    group.batch.RollbackToSavePoint().PermitUncheckedError();
    return FromRocks(s, "building the write batch");
  }
  group.batch.PopSavePoint().PermitUncheckedError();
  group.destroys_secret = group.destroys_secret || destroys_secret;
  for (std::string& key : row_keys) group.row_keys.push_back(std::move(key));

  next_sequence_ = sequence;
  prev_hash_ = std::move(prev_hash);
  pending_versions_[request.stream] = {version, group.id};
  for (const std::string& key : request.releases) {
    pending_claims_[key] = {std::nullopt, group.id};
  }
  for (const Claim& claim : request.claims) pending_claims_[claim.key] = {claim.owner, group.id};
  return Status::Ok();
}

Result<uint64_t> RocksEventStore::CurrentStreamVersion(const std::string& stream) {
  if (auto it = pending_versions_.find(stream); it != pending_versions_.end()) {
    return it->second.value;
  }
  return CommittedStreamVersion(stream);
}

Result<std::optional<std::string>> RocksEventStore::CurrentClaimOwner(const std::string& key) {
  if (auto it = pending_claims_.find(key); it != pending_claims_.end()) return it->second.value;
  return CommittedClaimOwner(key);
}

void RocksEventStore::PrunePending() {
  const uint64_t durable = durable_group_id_.load(std::memory_order_acquire);
  auto is_durable = [durable](const auto& entry) { return entry.second.group_id <= durable; };
  std::erase_if(pending_versions_, is_durable);
  std::erase_if(pending_claims_, is_durable);
}

Result<uint64_t> RocksEventStore::CommittedStreamVersion(const std::string& stream) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), streams_, stream, &value);
  if (s.IsNotFound()) return uint64_t{0};
  if (!s.ok()) return FromRocks(s, "reading version of stream " + stream);
  std::optional<uint64_t> version = DecodeBigEndian64(value);
  if (!version) return DataLossError("malformed version of stream " + stream);
  return *version;
}

Result<std::optional<std::string>> RocksEventStore::CommittedClaimOwner(const std::string& key) {
  std::string owner;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), claims_, key, &owner);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "reading claim " + key);
  return std::optional<std::string>(std::move(owner));
}

}  // namespace cognate::storage
