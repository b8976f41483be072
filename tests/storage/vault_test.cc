// RocksEventStore's vault beyond the port contract: it survives reopening, stays out of the
// read-model digest, is created in stores that predate it, and a destroyed value leaves the
// table files.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "storage/keys.h"
#include "storage/rocks_event_store.h"
#include "tests/storage/store_test_util.h"

namespace cognate::storage {
namespace {

using testing::MakeAppend;
using testing::OpenStore;
using testing::TempDir;

AppendRequest WithSecret(const std::string& stream, uint64_t expected, const std::string& key,
                         std::optional<std::string> value) {
  AppendRequest request = MakeAppend(stream, expected);
  request.secrets.push_back({key, std::move(value)});
  return request;
}

std::optional<std::string> Secret(RocksEventStore& store, const std::string& key) {
  Result<std::optional<std::string>> value = store.GetSecret(key);
  EXPECT_TRUE(value.ok()) << value.status().ToString();
  return value.ok() ? *value : std::nullopt;
}

// The database's table files (*.sst) that contain `needle`. WAL segments are not searched: a
// destroyed value may legitimately live on there (FORMAT.md, "Vault and erasure").
std::vector<std::string> TableFilesContaining(const std::string& dir, const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".sst") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) found.push_back(entry.path().filename());
  }
  return found;
}

// Polls `condition` for up to 20 s: the shredder runs in the background.
template <typename Condition>
bool Eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST(RocksVaultTest, SurvivesReopen) {
  TempDir dir;
  {
    std::unique_ptr<RocksEventStore> store = OpenStore(dir.Sub("db"));
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Append(WithSecret("user/1", 0, "k/1", "wrapped-1")).ok());
    ASSERT_TRUE(store->Append(WithSecret("user/2", 0, "k/2", "wrapped-2")).ok());
    ASSERT_TRUE(store->Append(WithSecret("user/2", 1, "k/2", std::nullopt)).ok());
  }
  std::unique_ptr<RocksEventStore> store = OpenStore(dir.Sub("db"));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Secret(*store, "k/1"), "wrapped-1");
  EXPECT_FALSE(Secret(*store, "k/2").has_value());
}

TEST(RocksVaultTest, NotPartOfTheReadModelDigest) {
  TempDir dir;
  std::unique_ptr<RocksEventStore> store = OpenStore(dir.Sub("db"));
  ASSERT_NE(store, nullptr);
  AppendRequest first = MakeAppend("user/1", 0);
  first.rows.push_back({"users", "1", std::string("row")});
  first.claims.push_back({"name/1", "user/1"});
  ASSERT_TRUE(store->Append(std::move(first)).ok());
  const std::string before = *store->ReadModelDigest();

  ASSERT_TRUE(store->Append(WithSecret("user/1", 1, "k/1", "wrapped-1")).ok());
  EXPECT_EQ(*store->ReadModelDigest(), before);
  ASSERT_TRUE(store->Append(WithSecret("user/1", 2, "k/1", std::nullopt)).ok());
  EXPECT_EQ(*store->ReadModelDigest(), before);

  // The digest is not blind: a row change moves it.
  AppendRequest row = MakeAppend("user/1", 3);
  row.rows.push_back({"users", "1", std::string("changed")});
  ASSERT_TRUE(store->Append(std::move(row)).ok());
  EXPECT_NE(*store->ReadModelDigest(), before);
}

TEST(RocksVaultTest, DestroyedValueLeavesTheTableFiles) {
  TempDir dir;
  const std::string db = dir.Sub("db");
  std::unique_ptr<RocksEventStore> store = OpenStore(db);
  ASSERT_NE(store, nullptr);
  const std::string marker = "wrapped-key-3f9c2a71-marker";
  AppendRequest put = MakeAppend("user/1", 0);
  put.secrets.push_back({"k/victim", marker});
  put.secrets.push_back({"k/other", "wrapped-other"});
  ASSERT_TRUE(store->Append(std::move(put)).ok());

  // Destroying another key flushes the vault: the live value is now in a table file, which
  // shows that the search below can see it.
  ASSERT_TRUE(store->Append(WithSecret("user/2", 0, "k/other", std::nullopt)).ok());
  ASSERT_TRUE(Eventually([&] { return !TableFilesContaining(db, marker).empty(); }))
      << "a destroy did not flush the vault";
  EXPECT_EQ(Secret(*store, "k/victim"), marker);

  ASSERT_TRUE(store->Append(WithSecret("user/1", 1, "k/victim", std::nullopt)).ok());
  EXPECT_FALSE(Secret(*store, "k/victim").has_value());
  EXPECT_TRUE(Eventually([&] { return TableFilesContaining(db, marker).empty(); }))
      << "still in " << ::testing::PrintToString(TableFilesContaining(db, marker));
}

TEST(RocksVaultTest, StoreWithoutAVaultGetsOneOnOpen) {
  TempDir dir;
  const std::string db = dir.Sub("db");
  {
    std::unique_ptr<RocksEventStore> store = OpenStore(db);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Append(MakeAppend("s", 0)).ok());
  }
  {
    // Turn it into a store written before the vault existed.
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const char* name : {"default", kEventsFamily, kStreamsFamily, kClaimsFamily,
                             kRowsFamily, kMetaFamily, kVaultFamily}) {
      descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), db, descriptors, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> owned(raw);
    ASSERT_TRUE(owned->DropColumnFamily(handles.back()).ok());
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
      ASSERT_TRUE(owned->DestroyColumnFamilyHandle(handle).ok());
    }
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), db, &names).ok());
    ASSERT_EQ(std::count(names.begin(), names.end(), kVaultFamily), 0);
  }
  std::unique_ptr<RocksEventStore> store = OpenStore(db);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->LastSequence(), 1u);
  EXPECT_FALSE(Secret(*store, "k").has_value());
  ASSERT_TRUE(store->Append(WithSecret("s", 1, "k", "v")).ok());
  EXPECT_EQ(Secret(*store, "k"), "v");
}

}  // namespace
}  // namespace cognate::storage
