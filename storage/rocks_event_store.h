// RocksEventStore: the EventStore on an embedded RocksDB database (layout: storage/FORMAT.md).
//
// Appends are group-committed. A sequencer thread validates each queued append, in arrival
// order, against the committed state plus every append admitted before it, and adds the
// survivors to the open group; a committer thread writes each group (at most
// RocksOptions::max_batch_events events) as one synced WriteBatch holding the events, stream
// versions, claims, rows and the applied sequence; a notifier thread then wakes the group's
// callers. Callers are answered only after that write returns, so an acknowledged append is
// durable and visible to every read. One appender pays one fsync per append; many concurrent
// appenders share each fsync. After a group that destroyed a vault entry, a shredder thread
// flushes and compacts the vault family so the destroyed values leave the table files.
//
// A store opened with RocksOptions::follower_dir is a follower: a read-only view of a store
// another process serves, which moves forward only on CatchUp (see RocksOptions::follower_dir).
//
// All public methods are thread-safe and may run concurrently with each other. The destructor
// must not race with other calls; appends already queued when it runs still complete.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engine/ports/event_store.h"
#include "engine/status.h"
#include "storage/row_cache.h"

namespace rocksdb {
class ColumnFamilyHandle;
struct ColumnFamilyOptions;
class DB;
struct DBOptions;
class Env;
}  // namespace rocksdb

namespace cognate::storage {

struct RocksOptions {
  // Directory of the database. No default; required.
  std::string path;

  // Sync the WAL before acknowledging an append. Default: true. With false an acknowledged
  // append survives a process crash but not a power loss; only for stores that can be rebuilt.
  bool sync = true;

  // The most events one group commit writes. Default: 4096. A single request with more events
  // is still accepted and written in a group of its own.
  size_t max_batch_events = 4096;

  // Create the database when `path` holds none. Default: true. With false, Open fails with
  // kInvalidArgument when there is none.
  bool create_if_missing = true;

  // LRU block cache shared by all column families, in bytes. Default: 64 MiB.
  size_t block_cache_bytes = size_t{64} << 20;

  // Read-model rows kept in memory for Get (storage/row_cache.h), in bytes. Default: 64 MiB;
  // 0 turns it off. A follower keeps none: its rows move under it on CatchUp.
  size_t row_cache_bytes = size_t{64} << 20;

  // On a clean stop (destruction), flush the memtables when the live write-ahead log holds more
  // than this many bytes, so the next start does not replay it. Default: 32 MiB.
  uint64_t flush_on_stop_above_log_bytes = uint64_t{32} << 20;

  // RocksDB environment. Default: nullptr, meaning rocksdb::Env::Default(). Tests pass one that
  // injects I/O faults. Not owned; must outlive the store.
  rocksdb::Env* env = nullptr;

  // Default: empty (open as the primary, the only writer). When set, open the store at `path`,
  // which another process may be serving, as a follower: a RocksDB secondary instance that keeps
  // its own files (an info log) in this directory, created if missing. A follower sees the store
  // as it was at Open and moves forward only on CatchUp. Append and Import fail with
  // kFailedPrecondition; every read, VerifyChain and ReadModelDigest work. `sync`,
  // `max_batch_events` and `create_if_missing` are ignored (there must be a store at `path`).
  std::string follower_dir;
};

// What Import writes besides the events: the read-model and vault writes of the imported events,
// as a list of entries applied in order. Each entry is applied as Append applies one request:
// its releases, then its claims, then its rows, then its secrets. So one entry per replayed
// append (or per event) gives the same end state as the original appends: a release in one
// entry followed by a claim of the same key in a later entry ends claimed, and a claim followed
// by a later release ends released.
struct ImportWrites {
  struct Entry {
    std::vector<std::string> releases;
    std::vector<Claim> claims;
    std::vector<RowWrite> rows;
    std::vector<SecretWrite> secrets;
  };
  std::vector<Entry> entries;
};

class RocksEventStore final : public EventStore {
 public:
  // Opens (or creates) the store at options.path and starts its writer threads; or, with
  // options.follower_dir, opens it as a follower (no threads).
  // kInvalidArgument: bad options, or the database cannot be opened as configured.
  // kFailedPrecondition: written by a newer format version, or not a store of ours. kDataLoss:
  // the meta family disagrees with the log (last sequence or hash). kUnavailable: I/O error or
  // lock held (another process serves the store: open a follower).
  static Result<std::unique_ptr<RocksEventStore>> Open(const RocksOptions& options);

  // Stops the writer threads after every queued append has been answered; closes the database.
  ~RocksEventStore() override;

  // See EventStore. Also kInvalidArgument for a stream or table name that is empty or contains
  // \0, or an empty claim key, claim owner or release key. Within one request, releases apply
  // before claims are checked. After an I/O failure (kUnavailable: the outcome of that group is
  // unknown, it may or may not be on disk) every later append fails with kUnavailable until the
  // store is reopened, which re-reads the truth from disk. kFailedPrecondition on a follower
  // and while an Import runs.
  Result<AppendResult> Append(AppendRequest request) override;
  Result<std::vector<StoredEvent>> ReadStream(const std::string& stream,
                                              uint64_t from_version) override;
  Result<std::vector<StoredEvent>> ReadAll(uint64_t from_sequence, size_t max_count) override;
  Result<uint64_t> StreamVersion(const std::string& stream) override;
  // May briefly lag reads: rows of a group being acknowledged can be visible just before this
  // counter moves past them. On a follower: the applied_sequence read from meta at Open or the
  // last CatchUp, i.e. exactly the prefix of the log that the rows and claims it reads reflect.
  uint64_t LastSequence() override;
  Result<std::optional<std::string>> Get(const std::string& table, const std::string& key) override;
  Result<std::vector<Row>> Scan(const std::string& table, const std::string& prefix,
                                const std::string& start_after, size_t limit) override;
  Result<std::optional<std::string>> ClaimOwner(const std::string& key) override;
  Result<std::optional<std::string>> GetSecret(const std::string& key) override;
  // Wakes as soon as the committer publishes a later sequence (or an Import lands). On a follower
  // it polls instead: it calls CatchUp about every 100 ms until the sequence moves or the timeout
  // passes (a failing CatchUp is retried on the next poll).
  uint64_t WaitForEvents(uint64_t after_sequence, std::chrono::milliseconds timeout) override;

  // Lowercase hex SHA-256 over the claims and rows families in key order, read from one
  // consistent snapshot (input format in FORMAT.md). Two stores with equal read models have
  // equal digests, so `replay` can compare a rebuilt store with the live one. The vault is not
  // covered: it is not a read model (replay cannot rebuild it).
  Result<std::string> ReadModelDigest();

  // Walks the whole log from one snapshot and calls `report(sequence, problem)` for each problem:
  // a sequence gap, an undecodable event, a broken hash chain or altered event, a non-contiguous
  // stream version, a stream index or meta entry that disagrees with the log (sequence 0 when no
  // event is concerned). Ok if nothing was found, kDataLoss if something was, kUnavailable on
  // I/O error. `report` may be empty. Safe during appends (checks the snapshot only).
  //
  // On a follower, VerifyChain and ReadModelDigest read without a snapshot (RocksDB secondaries
  // refuse iterators on one); they are consistent all the same because a follower's data changes
  // only in CatchUp, which waits for them to finish (and they for it).
  Status VerifyChain(
      const std::function<void(uint64_t sequence, const std::string& problem)>& report);

  // Follower only (kFailedPrecondition otherwise): applies what the primary has written since
  // Open or the last CatchUp and reloads the head (LastSequence). Waits for reads in progress to
  // finish; reads wait for it. kDataLoss if the new head disagrees with the log.
  Status CatchUp();

  // Bulk load for rebuilding a store (`replay --into`): writes `events` byte-identically (each
  // with its own sequence, stream version, hashes), their stream index entries and stream
  // versions, `writes`, and the meta head, as one WriteBatch (synced when options.sync), without
  // the checks Append makes (expected versions, claim owners). Hashes are not recomputed and
  // stream versions not checked against the store: VerifyChain on the result checks both.
  // kFailedPrecondition: on a follower, while appends are in flight or another Import runs, or
  // unless events[0].sequence is LastSequence() + 1, the sequences are contiguous and each
  // event's prev_hash is the hash before it (the store's last hash for the first). Appends made
  // during an Import fail with kFailedPrecondition. kInvalidArgument: writes without events, or
  // an event or write no Append could have produced (bad names, empty keys, hash sizes).
  // kUnavailable: I/O error (then the store has failed, as after a failed append).
  Status Import(const std::vector<StoredEvent>& events, const ImportWrites& writes);

  // Syncs the WAL, making every write so far durable: an Import on a store opened with
  // sync = false is durable once this returns Ok. kFailedPrecondition on a follower.
  Status Sync();

  // Compacts every column family into its last level, so that the compactions a bulk Import
  // leaves owing are paid now rather than by the server that opens the store next. Blocks until
  // done. kFailedPrecondition on a follower.
  Status CompactAll();

 private:
  struct PendingAppend;
  struct Group;
  // A value decided by a group that may not be durable yet, with that group's id.
  template <typename T>
  struct Pinned {
    T value;
    uint64_t group_id;
  };

  RocksEventStore(const RocksOptions& options, std::unique_ptr<rocksdb::DB> db,
                  std::vector<rocksdb::ColumnFamilyHandle*> handles);

  // Open for options.follower_dir: the database as a RocksDB secondary, with every family it has.
  static Result<std::unique_ptr<RocksEventStore>> OpenFollower(
      const RocksOptions& options, rocksdb::DBOptions db_options,
      const rocksdb::ColumnFamilyOptions& family_options);
  // Fails unless every family of ours but the vault has a handle (a follower opens what exists).
  Status CheckFamilies() const;

  // Reads the meta family and checks it against the last event; sets the head. On a fresh
  // primary, writes the format version.
  Status LoadHead();
  void FlushLargeLogOnStop();
  // Sets last_sequence_ and wakes WaitForEvents.
  void PublishLastSequence(uint64_t sequence);
  // On a follower, a shared lock on catch_up_mu_ (so the read does not overlap a CatchUp);
  // otherwise an empty lock.
  std::shared_lock<std::shared_mutex> FollowerReadLock();

  // The shredder thread: after a destroy, flushes and compacts the vault family so destroyed
  // values leave the table files. RequestShred is cheap and never blocks on I/O.
  void RequestShred();
  void ShredderLoop();
  Status ShredVault();

  // Import's work once it has excluded appends.
  Status WriteImport(const std::vector<StoredEvent>& events, const ImportWrites& writes);

  // Three stages, each a thread: the sequencer fills the open group (validating each append,
  // assigning sequences and hashes) while the committer writes and syncs the group before it,
  // and the notifier answers the callers of the group before that. So validation, the fsync and
  // the wake-ups of consecutive groups overlap, and a group grows for as long as the disk is
  // busy.
  void SequencerLoop();
  void CommitterLoop();
  void NotifierLoop();
  // Sequencer: checks one append against the committed state plus every admitted append not yet
  // durable; on success adds its writes to `group` and records its effects.
  Status Admit(const PendingAppend& pending, Group& group);
  // Sequencer: adds the meta head to a group's batch before it is handed over.
  void Seal(Group& group);
  // Committer: writes the group (unless the store has failed) and settles its results.
  void Commit(Group& group);
  // Sequencer: the value as of all admitted appends, from the pending maps or the database.
  Result<uint64_t> CurrentStreamVersion(const std::string& stream);
  Result<std::optional<std::string>> CurrentClaimOwner(const std::string& key);
  // Sequencer: drops pending entries that are durable (the database now has them).
  void PrunePending();

  Result<uint64_t> CommittedStreamVersion(const std::string& stream);
  Result<std::optional<std::string>> CommittedClaimOwner(const std::string& key);

  const RocksOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // owned; destroyed before db_
  rocksdb::ColumnFamilyHandle* events_ = nullptr;
  rocksdb::ColumnFamilyHandle* streams_ = nullptr;
  rocksdb::ColumnFamilyHandle* claims_ = nullptr;
  rocksdb::ColumnFamilyHandle* rows_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* vault_ = nullptr;  // null only on a follower of an older store
  const bool follower_;
  RowCache row_cache_;

  // Published by the committer after each successful write; read without locks.
  std::atomic<uint64_t> last_sequence_{0};
  std::mutex head_mu_;               // only pairs with head_cv_ (see PublishLastSequence)
  std::condition_variable head_cv_;  // last_sequence_ moved
  // Follower: CatchUp holds it exclusively, reads shared.
  std::shared_mutex catch_up_mu_;
  std::atomic<uint64_t> durable_group_id_{0};  // every group up to this id is on disk
  // Set by the committer on the first failed write, never cleared: from then on the head the
  // sequencer holds may describe data that is not on disk, so every append fails until reopen.
  std::atomic<bool> failed_{false};

  // Sequencer thread only (and Open, before the threads start): the head after every admitted
  // append, and what admitted appends not yet durable changed.
  uint64_t next_sequence_ = 1;
  std::string prev_hash_;
  uint64_t next_group_id_ = 1;
  std::unordered_map<std::string, Pinned<uint64_t>> pending_versions_;
  std::unordered_map<std::string, Pinned<std::optional<std::string>>> pending_claims_;

  std::mutex mu_;
  std::condition_variable sequencer_cv_;  // queue_ grew, the committer went idle, or stopping_
  std::condition_variable committer_cv_;  // handoff_ was filled or committer_stop_ was set
  std::deque<std::unique_ptr<PendingAppend>> queue_;  // guarded by mu_
  std::unique_ptr<Group> handoff_;       // guarded by mu_: sealed, waiting for the committer
  bool committer_idle_ = true;           // guarded by mu_: no group being written or handed off
  bool stopping_ = false;                // guarded by mu_: no new appends are accepted
  bool committer_stop_ = false;          // guarded by mu_: the sequencer has handed off the last
  std::condition_variable notifier_cv_;  // answered_ grew or notifier_stop_ was set
  std::deque<std::unique_ptr<Group>> answered_;  // guarded by mu_: written, callers not yet woken
  bool notifier_stop_ = false;  // guarded by mu_: the committer has passed on the last
  Status failure_;              // guarded by mu_: why failed_ was set
  // guarded by mu_: appends queued or in a group not yet written. Import needs it at zero.
  size_t in_flight_ = 0;
  bool importing_ = false;  // guarded by mu_: an Import runs; appends are refused
  std::thread sequencer_;
  std::thread committer_;
  std::thread notifier_;

  std::mutex shred_mu_;
  std::condition_variable shred_cv_;
  bool shred_requested_ = false;  // guarded by shred_mu_: a destroy was written since last shred
  bool shred_stop_ = false;       // guarded by shred_mu_
  std::thread shredder_;
};

}  // namespace cognate::storage
