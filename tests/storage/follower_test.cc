// RocksEventStore opened as a follower of a store that a primary (here: in the same process)
// serves: it reads what the primary wrote, moves forward on CatchUp, verifies, and never writes.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/rocks_event_store.h"
#include "tests/storage/store_test_util.h"

namespace cognate::storage {
namespace {

using testing::MakeAppend;
using testing::OpenStore;
using testing::TempDir;

// Appends to stream "user/<n>" at `expected` with a row, a claim and a vault entry.
AppendRequest UserAppend(int n, uint64_t expected) {
  const std::string id = std::to_string(n);
  AppendRequest request = MakeAppend("user/" + id, expected, "{\"n\":" + id + "}");
  request.rows.push_back({"users", id, "v" + std::to_string(expected + 1)});
  request.claims.push_back({"name/" + id, "user/" + id});
  request.secrets.push_back({"key/" + id, "wrapped-" + id});
  return request;
}

class RocksFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    primary_ = OpenStore(dir_.Sub("db"));
    ASSERT_NE(primary_, nullptr);
    for (int n = 1; n <= 5; ++n) ASSERT_TRUE(primary_->Append(UserAppend(n, 0)).ok());
  }

  std::unique_ptr<RocksEventStore> OpenFollower() {
    RocksOptions options;
    options.path = dir_.Sub("db");
    options.follower_dir = dir_.Sub("follower/nested");  // created on open
    Result<std::unique_ptr<RocksEventStore>> follower = RocksEventStore::Open(options);
    EXPECT_TRUE(follower.ok()) << follower.status().ToString();
    return follower.ok() ? std::move(follower).value() : nullptr;
  }

  TempDir dir_;
  std::unique_ptr<RocksEventStore> primary_;
};

TEST_F(RocksFollowerTest, ReadsWhatThePrimaryWrote) {
  std::unique_ptr<RocksEventStore> follower = OpenFollower();
  ASSERT_NE(follower, nullptr);
  EXPECT_EQ(follower->LastSequence(), 5u);
  Result<std::vector<StoredEvent>> events = follower->ReadAll(1, 100);
  ASSERT_TRUE(events.ok());
  Result<std::vector<StoredEvent>> expected = primary_->ReadAll(1, 100);
  ASSERT_EQ(events->size(), 5u);
  for (size_t i = 0; i < events->size(); ++i) {
    EXPECT_EQ((*events)[i].hash, (*expected)[i].hash);
    EXPECT_EQ((*events)[i].payload, (*expected)[i].payload);
  }
  ASSERT_EQ(follower->ReadStream("user/3", 1)->size(), 1u);
  EXPECT_EQ(*follower->StreamVersion("user/3"), 1u);
  EXPECT_EQ(*follower->Get("users", "3"), "v1");
  EXPECT_EQ(follower->Scan("users", "", "", 10)->size(), 5u);
  EXPECT_EQ(*follower->ClaimOwner("name/3"), "user/3");
  EXPECT_EQ(*follower->GetSecret("key/3"), "wrapped-3");
  EXPECT_TRUE(follower->VerifyChain(nullptr).ok());
  EXPECT_EQ(*follower->ReadModelDigest(), *primary_->ReadModelDigest());
}

TEST_F(RocksFollowerTest, RefusesEveryWrite) {
  std::unique_ptr<RocksEventStore> follower = OpenFollower();
  ASSERT_NE(follower, nullptr);
  EXPECT_EQ(follower->Append(MakeAppend("user/1", 1)).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(follower->Append(MakeAppend("new", 0)).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(follower->Import({}, {}).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(follower->Sync().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(follower->LastSequence(), 5u);
  ASSERT_TRUE(follower->CatchUp().ok());
  EXPECT_EQ(*primary_->StreamVersion("new"), 0u);
  // And CatchUp is for followers only.
  EXPECT_EQ(primary_->CatchUp().code(), StatusCode::kFailedPrecondition);
}

TEST_F(RocksFollowerTest, MovesForwardOnlyOnCatchUp) {
  std::unique_ptr<RocksEventStore> follower = OpenFollower();
  ASSERT_NE(follower, nullptr);

  for (int n = 6; n <= 8; ++n) ASSERT_TRUE(primary_->Append(UserAppend(n, 0)).ok());
  AppendRequest update = UserAppend(1, 1);
  update.claims.clear();
  update.releases.push_back("name/1");
  update.secrets = {{"key/1", std::nullopt}};  // a destroy: the primary flushes the vault
  ASSERT_TRUE(primary_->Append(std::move(update)).ok());
  ASSERT_EQ(primary_->LastSequence(), 9u);

  // Not yet.
  EXPECT_EQ(follower->LastSequence(), 5u);
  EXPECT_EQ(follower->ReadAll(1, 100)->size(), 5u);
  EXPECT_EQ(*follower->Get("users", "1"), "v1");

  ASSERT_TRUE(follower->CatchUp().ok());
  EXPECT_EQ(follower->LastSequence(), 9u);
  Result<std::vector<StoredEvent>> events = follower->ReadAll(6, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ(events->back().hash, primary_->ReadAll(9, 1)->front().hash);
  EXPECT_EQ(*follower->Get("users", "1"), "v2");
  EXPECT_EQ(*follower->Get("users", "8"), "v1");
  EXPECT_FALSE(follower->ClaimOwner("name/1")->has_value());
  EXPECT_FALSE(follower->GetSecret("key/1")->has_value());
  EXPECT_EQ(*follower->StreamVersion("user/1"), 2u);
  EXPECT_TRUE(follower->VerifyChain(nullptr).ok());
  EXPECT_EQ(*follower->ReadModelDigest(), *primary_->ReadModelDigest());
}

TEST_F(RocksFollowerTest, WaitForEventsPollsThePrimary) {
  std::unique_ptr<RocksEventStore> follower = OpenFollower();
  ASSERT_NE(follower, nullptr);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    EXPECT_TRUE(primary_->Append(UserAppend(6, 0)).ok());
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(follower->WaitForEvents(5, std::chrono::seconds(60)), 6u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  writer.join();
  EXPECT_EQ(*follower->Get("users", "6"), "v1");
  // Nothing more: the timeout.
  EXPECT_EQ(follower->WaitForEvents(6, std::chrono::milliseconds(150)), 6u);
}

TEST_F(RocksFollowerTest, ConcurrentReadsAndCatchUpsStayConsistent) {
  std::unique_ptr<RocksEventStore> follower = OpenFollower();
  ASSERT_NE(follower, nullptr);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (uint64_t v = 1; v <= 60; ++v) {
      AppendRequest request = MakeAppend("user/1", v);
      std::string value = "v";  // not "v" + to_string(): GCC 12 -O2 warns falsely (-Wrestrict)
      value += std::to_string(v + 1);
      request.rows.push_back({"users", "1", value});
      EXPECT_TRUE(primary_->Append(std::move(request)).ok());
    }
    done = true;
  });
  std::thread catcher([&] {
    while (!done.load()) EXPECT_TRUE(follower->CatchUp().ok());
  });
  int verified = 0;
  while (!done.load() || verified == 0) {
    EXPECT_TRUE(follower->VerifyChain(nullptr).ok());
    ++verified;
  }
  writer.join();
  catcher.join();
  ASSERT_TRUE(follower->CatchUp().ok());
  EXPECT_EQ(follower->LastSequence(), 65u);
  EXPECT_TRUE(follower->VerifyChain(nullptr).ok());
  EXPECT_EQ(*follower->ReadModelDigest(), *primary_->ReadModelDigest());
}

TEST(RocksFollowerOpenTest, NeedsAStoreToFollow) {
  TempDir dir;
  RocksOptions options;
  options.path = dir.Sub("nothing");
  options.follower_dir = dir.Sub("follower");
  EXPECT_EQ(RocksEventStore::Open(options).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cognate::storage
