// RocksEventStore as a follower: a RocksDB secondary instance on a store another process serves,
// for offline commands (verify, replay, audit) that must work while the server runs.
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <filesystem>
#include <mutex>
#include <system_error>

#include "storage/rocks_event_store.h"
#include "storage/rocks_status.h"

namespace cognate::storage {

Result<std::unique_ptr<RocksEventStore>> RocksEventStore::OpenFollower(
    const RocksOptions& options, rocksdb::DBOptions db_options,
    const rocksdb::ColumnFamilyOptions& family_options) {
  std::error_code error;
  if (!std::filesystem::exists(std::filesystem::path(options.path) / "CURRENT", error)) {
    return InvalidArgumentError("no store to follow at " + options.path);
  }
  std::filesystem::create_directories(options.follower_dir, error);
  if (error) {
    return UnavailableError("creating follower directory " + options.follower_dir + ": " +
                            error.message());
  }
  db_options.create_if_missing = false;
  db_options.create_missing_column_families = false;
  // Required of secondaries: every table file stays open, so one the primary deletes after a
  // compaction stays readable until CatchUp moves past it.
  db_options.max_open_files = -1;

  // Whatever families the primary has (a store last served before the vault has none).
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, options.path, &names);
  if (!s.ok()) return FromRocks(s, "listing the column families of " + options.path);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) descriptors.emplace_back(name, family_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  s = rocksdb::DB::OpenAsSecondary(db_options, options.path, options.follower_dir, descriptors,
                                   &handles, &raw_db);
  if (!s.ok()) return FromRocks(s, "opening " + options.path + " as a follower");

  std::unique_ptr<RocksEventStore> store(
      new RocksEventStore(options, std::unique_ptr<rocksdb::DB>(raw_db), std::move(handles)));
  if (Status families = store->CheckFamilies(); !families.ok()) return families;
  if (Status head = store->LoadHead(); !head.ok()) return head;
  return store;
}

Status RocksEventStore::CatchUp() {
  if (!follower_) return FailedPreconditionError("CatchUp is for a store opened as a follower");
  std::unique_lock<std::shared_mutex> lock(catch_up_mu_);
  rocksdb::Status s = db_->TryCatchUpWithPrimary();
  if (!s.ok()) return FromRocks(s, "catching up with the primary");
  return LoadHead();
}

}  // namespace cognate::storage
