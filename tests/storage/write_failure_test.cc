// RocksEventStore when the disk fails: a failed WAL sync fails every append of that group with
// kUnavailable, later appends fail until reopen, and a reopen finds a consistent store.
#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/rocks_event_store.h"
#include "tests/storage/store_test_util.h"

namespace cognate::storage {
namespace {

using testing::MakeAppend;
using testing::TempDir;

// Fails Sync/Fsync of WAL files (*.log) while `fail_wal_sync` is set.
class FaultyFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultyFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultyFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = FileSystemWrapper::NewWritableFile(name, options, result, dbg);
    if (s.ok() && name.ends_with(".log")) {
      *result = std::make_unique<WalFile>(std::move(*result), this);
    }
    return s;
  }

  std::atomic<bool> fail_wal_sync{false};

 private:
  class WalFile : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    WalFile(std::unique_ptr<rocksdb::FSWritableFile> file, FaultyFileSystem* fs)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      if (fs_->fail_wal_sync) return rocksdb::IOStatus::IOError("injected WAL sync failure");
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      if (fs_->fail_wal_sync) return rocksdb::IOStatus::IOError("injected WAL sync failure");
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

   private:
    FaultyFileSystem* fs_;
  };
};

TEST(RocksEventStoreWriteFailure, FailsTheGroupWithUnavailableAndStaysConsistent) {
  TempDir dir;
  auto fs = std::make_shared<FaultyFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  RocksOptions options;
  options.path = dir.Sub("db");
  options.env = env.get();
  std::unique_ptr<RocksEventStore> store = std::move(RocksEventStore::Open(options)).value();

  AppendRequest first = MakeAppend("s", 0, "before");
  first.rows.push_back({"t", "s", "before"});
  ASSERT_TRUE(store->Append(first).ok());

  fs->fail_wal_sync = true;
  std::vector<std::thread> threads;
  std::atomic<int> unavailable{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      AppendRequest request = MakeAppend("f" + std::to_string(t), 0, "during");
      request.rows.push_back({"t", "f" + std::to_string(t), "during"});
      request.claims.push_back({"c" + std::to_string(t), "f"});
      Result<AppendResult> result = store->Append(std::move(request));
      if (!result.ok() && result.status().code() == StatusCode::kUnavailable) ++unavailable;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(unavailable.load(), 4);
  EXPECT_EQ(store->LastSequence(), 1u);

  // Even with the disk healthy again, the store refuses appends until it is reopened, because
  // it cannot know whether the failed group reached the WAL.
  fs->fail_wal_sync = false;
  EXPECT_EQ(store->Append(MakeAppend("s", 1)).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(**store->Get("t", "s"), "before");  // reads still work

  store.reset();
  store = std::move(RocksEventStore::Open(options)).value();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->VerifyChain(nullptr).ok());
  // Whatever of the failed group survived did so whole: each event with its row and claim.
  for (int t = 0; t < 4; ++t) {
    const std::string stream = "f" + std::to_string(t);
    const bool has_event = *store->StreamVersion(stream) == 1;
    EXPECT_EQ(store->Get("t", stream)->has_value(), has_event);
    EXPECT_EQ(store->ClaimOwner("c" + std::to_string(t))->has_value(), has_event);
  }
  Result<AppendResult> next = store->Append(MakeAppend("s", 1, "after"));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->first_sequence, store->LastSequence());
  EXPECT_TRUE(store->VerifyChain(nullptr).ok());
}

}  // namespace
}  // namespace cognate::storage
