// The parts of the EventStore port that both stores must implement alike — the vault,
// kAnyStreamVersion and WaitForEvents — run against RocksEventStore and the in-memory fake the
// engine tests use, so the fake cannot drift from the real store.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <memory>
#include <numeric>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "engine/ports/event_store.h"
#include "storage/rocks_event_store.h"
#include "tests/storage/store_test_util.h"
#include "tests/support/in_memory_event_store.h"

namespace cognate::storage {
namespace {

using testing::MakeAppend;
using testing::OpenStore;
using testing::TempDir;

class RocksHolder {
 public:
  RocksHolder() : store_(OpenStore(dir_.Sub("db"))) {}
  EventStore* store() { return store_.get(); }

 private:
  TempDir dir_;
  std::unique_ptr<RocksEventStore> store_;
};

class InMemoryHolder {
 public:
  EventStore* store() { return &store_; }

 private:
  cognate::testing::InMemoryEventStore store_;
};

template <typename Holder>
class EventStoreContractTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(holder_.store(), nullptr); }
  EventStore& store() { return *holder_.store(); }

  Result<AppendResult> AppendWithSecrets(const std::string& stream, uint64_t expected,
                                         std::vector<SecretWrite> secrets) {
    AppendRequest request = MakeAppend(stream, expected);
    request.secrets = std::move(secrets);
    return store().Append(std::move(request));
  }

  std::optional<std::string> Secret(const std::string& key) {
    Result<std::optional<std::string>> value = store().GetSecret(key);
    EXPECT_TRUE(value.ok()) << value.status().ToString();
    return value.ok() ? *value : std::nullopt;
  }

  Holder holder_;
};

using Stores = ::testing::Types<RocksHolder, InMemoryHolder>;
class StoreNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, RocksHolder> ? "Rocks" : "InMemory";
  }
};
TYPED_TEST_SUITE(EventStoreContractTest, Stores, StoreNames);

TYPED_TEST(EventStoreContractTest, Vault_PutReadDestroy) {
  EXPECT_FALSE(this->Secret("k/1").has_value());
  ASSERT_TRUE(this->AppendWithSecrets("user/1", 0, {{"k/1", "wrapped-1"}, {"k/2", "wrapped-2"}})
                  .ok());
  EXPECT_EQ(this->Secret("k/1"), "wrapped-1");
  EXPECT_EQ(this->Secret("k/2"), "wrapped-2");

  ASSERT_TRUE(this->AppendWithSecrets("user/1", 1, {{"k/1", std::nullopt}}).ok());
  EXPECT_FALSE(this->Secret("k/1").has_value());
  EXPECT_EQ(this->Secret("k/2"), "wrapped-2");
}

TYPED_TEST(EventStoreContractTest, Vault_WritesOfOneRequestApplyInOrder) {
  ASSERT_TRUE(this->AppendWithSecrets("s", 0, {{"a", "1"}, {"a", std::nullopt}, {"b", "1"},
                                               {"b", "2"}})
                  .ok());
  EXPECT_FALSE(this->Secret("a").has_value());
  EXPECT_EQ(this->Secret("b"), "2");
}

TYPED_TEST(EventStoreContractTest, Vault_RefusedAppendChangesNothing) {
  ASSERT_TRUE(this->AppendWithSecrets("user/1", 0, {{"k/1", "wrapped-1"}}).ok());

  // Version conflict: neither the destroy nor the put lands.
  Result<AppendResult> stale =
      this->AppendWithSecrets("user/1", 0, {{"k/1", std::nullopt}, {"k/2", "wrapped-2"}});
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted);
  EXPECT_EQ(this->Secret("k/1"), "wrapped-1");
  EXPECT_FALSE(this->Secret("k/2").has_value());

  // Claim conflict, likewise.
  AppendRequest claim = MakeAppend("user/2", 0);
  claim.claims.push_back({"name/x", "user/2"});
  ASSERT_TRUE(this->store().Append(std::move(claim)).ok());
  AppendRequest conflicting = MakeAppend("user/1", 1);
  conflicting.claims.push_back({"name/x", "user/1"});
  conflicting.secrets.push_back({"k/1", std::nullopt});
  EXPECT_EQ(this->store().Append(std::move(conflicting)).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(this->Secret("k/1"), "wrapped-1");
}

TYPED_TEST(EventStoreContractTest, Vault_EmptyKeyIsInvalid) {
  EXPECT_EQ(this->AppendWithSecrets("s", 0, {{"", "v"}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(this->store().LastSequence(), 0u);
  EXPECT_EQ(this->store().GetSecret("").status().code(), StatusCode::kInvalidArgument);
}

TYPED_TEST(EventStoreContractTest, AnyStreamVersion_AppendsAfterWhateverTheStreamHolds) {
  Result<AppendResult> first = this->store().Append(MakeAppend("refused/p", kAnyStreamVersion));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->stream_version, 1u);
  ASSERT_TRUE(this->store().Append(MakeAppend("refused/p", 1)).ok());
  Result<AppendResult> third = this->store().Append(MakeAppend("refused/p", kAnyStreamVersion));
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(third->stream_version, 3u);
  EXPECT_EQ(*this->store().StreamVersion("refused/p"), 3u);
  // Any other expected version is still checked.
  EXPECT_EQ(this->store().Append(MakeAppend("refused/p", 2)).status().code(),
            StatusCode::kAborted);
}

TYPED_TEST(EventStoreContractTest, AnyStreamVersion_ConcurrentAppendsAllSucceedGapFree) {
  constexpr int kThreads = 16;
  constexpr int kAppends = 200;
  std::atomic<int> failures{0};
  std::vector<std::vector<uint64_t>> versions(kThreads);
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kAppends; ++i) {
        Result<AppendResult> result = this->store().Append(
            MakeAppend("refused/pool", kAnyStreamVersion, std::to_string(t) + "/" +
                                                             std::to_string(i)));
        if (!result.ok()) {
          ++failures;
          continue;
        }
        versions[static_cast<size_t>(t)].push_back(result->stream_version);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);

  constexpr uint64_t kTotal = uint64_t{kThreads} * kAppends;
  std::vector<uint64_t> all;
  for (const std::vector<uint64_t>& v : versions) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  std::vector<uint64_t> expected(kTotal);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(all, expected);
  EXPECT_EQ(*this->store().StreamVersion("refused/pool"), kTotal);
  Result<std::vector<StoredEvent>> events = this->store().ReadStream("refused/pool", 1);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), kTotal);
  for (size_t i = 0; i < events->size(); ++i) {
    EXPECT_EQ((*events)[i].stream_version, i + 1);
    EXPECT_EQ((*events)[i].sequence, i + 1);
  }
}

TYPED_TEST(EventStoreContractTest, WaitForEvents_WokenByAnAppendFromAnotherThread) {
  ASSERT_TRUE(this->store().Append(MakeAppend("s", 0)).ok());
  std::atomic<bool> returned{false};
  uint64_t seen = 0;
  std::chrono::steady_clock::duration waited{};
  std::thread waiter([&] {
    const auto start = std::chrono::steady_clock::now();
    seen = this->store().WaitForEvents(1, std::chrono::seconds(60));
    waited = std::chrono::steady_clock::now() - start;
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(returned.load()) << "returned before any new event";
  ASSERT_TRUE(this->store().Append(MakeAppend("s", 1)).ok());
  waiter.join();
  EXPECT_EQ(seen, 2u);
  EXPECT_LT(waited, std::chrono::seconds(30)) << "woken by the timeout, not the append";
}

TYPED_TEST(EventStoreContractTest, WaitForEvents_TimeoutReturnsTheCurrentSequence) {
  ASSERT_TRUE(this->store().Append(MakeAppend("s", 0)).ok());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(this->store().WaitForEvents(1, std::chrono::milliseconds(100)), 1u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
}

TYPED_TEST(EventStoreContractTest, WaitForEvents_ReturnsAtOnceWhenAlreadyPast) {
  ASSERT_TRUE(this->store().Append(MakeAppend("s", 0)).ok());
  ASSERT_TRUE(this->store().Append(MakeAppend("s", 1)).ok());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(this->store().WaitForEvents(0, std::chrono::seconds(60)), 2u);
  EXPECT_EQ(this->store().WaitForEvents(1, std::chrono::milliseconds::max()), 2u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  // A zero or negative timeout is a non-blocking read.
  EXPECT_EQ(this->store().WaitForEvents(5, std::chrono::milliseconds(0)), 2u);
  EXPECT_EQ(this->store().WaitForEvents(5, std::chrono::milliseconds(-10)), 2u);
}

}  // namespace
}  // namespace cognate::storage
