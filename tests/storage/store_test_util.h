// Helpers shared by the storage tests: a self-deleting temp directory, store opening, request
// builders, and raw RocksDB access for tests that must damage a store on purpose.
//
// Thread-compatible.
#pragma once

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/ports/event_store.h"
#include "storage/keys.h"
#include "storage/rocks_event_store.h"

namespace cognate::storage::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "cognate-storage-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::unique_ptr<RocksEventStore> OpenStore(const std::string& path, bool sync = true) {
  RocksOptions options;
  options.path = path;
  options.sync = sync;
  Result<std::unique_ptr<RocksEventStore>> store = RocksEventStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return nullptr;
  return std::move(store).value();
}

inline NewEvent MakeEvent(const std::string& type, const std::string& payload) {
  NewEvent event;
  event.type = type;
  event.schema_version = 1;
  event.occurred_at_ms = 1700000000000;
  event.actor = "test";
  event.payload = payload;
  return event;
}

// One event of type "test.happened" with `payload`.
inline AppendRequest MakeAppend(const std::string& stream, uint64_t expected_version,
                                const std::string& payload = "{}") {
  AppendRequest request;
  request.stream = stream;
  request.expected_version = expected_version;
  request.events.push_back(MakeEvent("test.happened", payload));
  return request;
}

// Raw access to the column families of a closed store, for damaging it on purpose.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const char* name : {"default", kEventsFamily, kStreamsFamily, kClaimsFamily, kRowsFamily,
                             kMetaFamily, kVaultFamily}) {
      descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles_, &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    db_.reset(db);
  }
  ~RawDb() {
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  rocksdb::DB* db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* events() { return handles_[1]; }
  rocksdb::ColumnFamilyHandle* streams() { return handles_[2]; }
  rocksdb::ColumnFamilyHandle* claims() { return handles_[3]; }
  rocksdb::ColumnFamilyHandle* rows() { return handles_[4]; }
  rocksdb::ColumnFamilyHandle* meta() { return handles_[5]; }
  rocksdb::ColumnFamilyHandle* vault() { return handles_[6]; }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace cognate::storage::testing
