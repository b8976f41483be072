// RocksEventStore: the vault. Entries are written by the append path like rows; this file reads
// them and erases destroyed ones from the table files (FORMAT.md, "Vault and erasure").
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <cstdio>
#include <mutex>

#include "storage/rocks_event_store.h"
#include "storage/rocks_status.h"

namespace cognate::storage {

Result<std::optional<std::string>> RocksEventStore::GetSecret(const std::string& key) {
  if (key.empty()) return InvalidArgumentError("secret key is empty");
  std::shared_lock<std::shared_mutex> lock = FollowerReadLock();
  // Only a follower of a store last served by a build without the vault lacks the family.
  if (vault_ == nullptr) return std::optional<std::string>();
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), vault_, key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "reading the vault");
  return std::optional<std::string>(std::move(value));
}

void RocksEventStore::RequestShred() {
  {
    std::lock_guard<std::mutex> lock(shred_mu_);
    shred_requested_ = true;
  }
  shred_cv_.notify_one();
}

void RocksEventStore::ShredderLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(shred_mu_);
      shred_cv_.wait(lock, [this] { return shred_requested_ || shred_stop_; });
      // A request made before the stop is still served: the destroy it follows is acknowledged.
      if (!shred_requested_) return;
      // Cleared before the work, so destroys written during it get a round of their own.
      shred_requested_ = false;
    }
    if (Status s = ShredVault(); !s.ok()) {
      // Not fatal: the entries are deleted (reads never see them), only their bytes linger, and
      // the next destroy retries for them too.
      std::fprintf(stderr, "cognate storage: erasing destroyed vault entries failed: %s\n",
                   s.ToString().c_str());
    }
  }
}

Status RocksEventStore::ShredVault() {
  // The flush moves the tombstones from the memtable into a table file; the compaction then
  // merges every vault file down to the bottom level, where a tombstone and the values it shadows
  // are dropped together, and deletes the old files. Only the small vault family is touched.
  rocksdb::FlushOptions flush;
  flush.wait = true;
  rocksdb::Status s = db_->Flush(flush, vault_);
  if (!s.ok()) return FromRocks(s, "flushing the vault");
  rocksdb::CompactRangeOptions compact;
  // Other families' compactions may run meanwhile: stalling them could stall appends.
  compact.exclusive_manual_compaction = false;
  // Rewrite files already at the bottom too: a value that a snapshot (a running VerifyChain)
  // protected during an earlier round may still sit there next to its tombstone.
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  s = db_->CompactRange(compact, vault_, nullptr, nullptr);
  if (!s.ok()) return FromRocks(s, "compacting the vault");
  return Status::Ok();
}

}  // namespace cognate::storage
