// RocksEventStore under concurrent appends: group commit keeps the sequence gap-free, and
// racing deciders on one stream or one claim have exactly one winner.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <numeric>
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

TEST(RocksEventStoreConcurrency, DistinctStreamsAllSucceedWithGapFreeSequences) {
  TempDir dir;
  std::unique_ptr<RocksEventStore> store = OpenStore(dir.Sub("db"));
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 16;
  constexpr int kAppends = 150;
  std::vector<std::vector<uint64_t>> sequences(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string stream = "s" + std::to_string(t);
      for (int i = 0; i < kAppends; ++i) {
        AppendRequest request = MakeAppend(stream, static_cast<uint64_t>(i), std::to_string(i));
        request.rows.push_back({"last", stream, std::to_string(i)});
        request.claims.push_back({stream + "/" + std::to_string(i), stream});
        Result<AppendResult> result = store->Append(std::move(request));
        if (!result.ok() || result->stream_version != static_cast<uint64_t>(i) + 1) {
          ++failures;
          return;
        }
        sequences[static_cast<size_t>(t)].push_back(result->first_sequence);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);

  std::vector<uint64_t> all;
  for (const auto& s : sequences) all.insert(all.end(), s.begin(), s.end());
  std::sort(all.begin(), all.end());
  std::vector<uint64_t> expected(all.size());
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(all, expected);
  EXPECT_EQ(store->LastSequence(), uint64_t{kThreads} * kAppends);
  for (int t = 0; t < kThreads; ++t) {
    const std::string stream = "s" + std::to_string(t);
    EXPECT_EQ(*store->StreamVersion(stream), uint64_t{kAppends});
    EXPECT_EQ(**store->Get("last", stream), std::to_string(kAppends - 1));
    // Each thread's own sequences rise with its versions.
    EXPECT_TRUE(std::is_sorted(sequences[static_cast<size_t>(t)].begin(),
                               sequences[static_cast<size_t>(t)].end()));
  }
  EXPECT_TRUE(store->VerifyChain(nullptr).ok());
}

TEST(RocksEventStoreConcurrency, SameStreamSameExpectedVersionHasExactlyOneWinnerPerRound) {
  TempDir dir;
  std::unique_ptr<RocksEventStore> store = OpenStore(dir.Sub("db"));
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8;
  constexpr int kRounds = 40;
  std::vector<std::atomic<int>> winners(kRounds);
  std::vector<std::atomic<int>> conflicts(kRounds);
  std::atomic<int> other_errors{0};
  std::barrier sync_point(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        sync_point.arrive_and_wait();  // everyone decides on version `round`
        Result<AppendResult> result =
            store->Append(MakeAppend("contended", static_cast<uint64_t>(round), std::to_string(t)));
        if (result.ok()) {
          ++winners[static_cast<size_t>(round)];
        } else if (result.status().code() == StatusCode::kAborted) {
          ++conflicts[static_cast<size_t>(round)];
        } else {
          ++other_errors;
        }
        sync_point.arrive_and_wait();  // the round is over for everyone
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(other_errors.load(), 0);
  for (int round = 0; round < kRounds; ++round) {
    EXPECT_EQ(winners[static_cast<size_t>(round)].load(), 1) << "round " << round;
    EXPECT_EQ(conflicts[static_cast<size_t>(round)].load(), kThreads - 1) << "round " << round;
  }
  EXPECT_EQ(*store->StreamVersion("contended"), uint64_t{kRounds});
  EXPECT_EQ(store->LastSequence(), uint64_t{kRounds});
  EXPECT_TRUE(store->VerifyChain(nullptr).ok());
}

TEST(RocksEventStoreConcurrency, SameClaimFromManyOwnersHasExactlyOneWinnerPerRound) {
  TempDir dir;
  std::unique_ptr<RocksEventStore> store = OpenStore(dir.Sub("db"));
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8;
  constexpr int kRounds = 40;
  std::vector<std::atomic<int>> winners(kRounds);
  std::atomic<int> wrong_errors{0};
  std::barrier sync_point(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string owner = "user/" + std::to_string(t);
      for (int round = 0; round < kRounds; ++round) {
        const std::string key = "name/" + std::to_string(round);
        // Each owner appends to its own stream, so only the claim can conflict.
        AppendRequest request = MakeAppend(owner + "/" + std::to_string(round), 0, "claim " + key);
        request.claims.push_back({key, owner});
        request.rows.push_back({"owners", key, owner});
        sync_point.arrive_and_wait();
        Result<AppendResult> result = store->Append(std::move(request));
        if (result.ok()) {
          ++winners[static_cast<size_t>(round)];
        } else if (result.status().code() != StatusCode::kAlreadyExists ||
                   result.status().message() != key) {
          ++wrong_errors;
        }
        sync_point.arrive_and_wait();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong_errors.load(), 0);
  for (int round = 0; round < kRounds; ++round) {
    EXPECT_EQ(winners[static_cast<size_t>(round)].load(), 1) << "round " << round;
    const std::string key = "name/" + std::to_string(round);
    // The row written with the winning claim names the claim's owner.
    EXPECT_EQ(**store->ClaimOwner(key), **store->Get("owners", key));
  }
  EXPECT_EQ(store->LastSequence(), uint64_t{kRounds});
}

TEST(RocksEventStoreConcurrency, GroupsRespectMaxBatchEventsAndStillTakeLargerAppends) {
  TempDir dir;
  RocksOptions options;
  options.path = dir.Sub("db");
  options.max_batch_events = 2;  // every 3-event append is larger than a whole group
  Result<std::unique_ptr<RocksEventStore>> opened = RocksEventStore::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  RocksEventStore& store = **opened;
  constexpr int kThreads = 8;
  constexpr uint64_t kAppends = 20;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string stream = "big" + std::to_string(t);
      for (uint64_t i = 0; i < kAppends; ++i) {
        AppendRequest request = MakeAppend(stream, 3 * i);
        request.events.push_back(request.events[0]);
        request.events.push_back(request.events[0]);
        Result<AppendResult> result = store.Append(std::move(request));
        if (!result.ok() || result->last_sequence != result->first_sequence + 2) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store.LastSequence(), kThreads * kAppends * 3);
  EXPECT_TRUE(store.VerifyChain(nullptr).ok());
}

TEST(RocksEventStoreConcurrency, ReadsDuringAppendsSeeWholeGroupsOnly) {
  TempDir dir;
  std::unique_ptr<RocksEventStore> store = OpenStore(dir.Sub("db"));
  ASSERT_NE(store, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<int> bad_reads{0};
  std::thread reader([&] {
    while (!stop.load()) {
      // Every event has its row: a read that finds the event's stream version must find the
      // row written with it.
      uint64_t version = *store->StreamVersion("w0");
      std::optional<std::string> row = *store->Get("rows", "w0");
      if (version > 0 && (!row || std::stoull(*row) < version)) ++bad_reads;
      Result<std::vector<StoredEvent>> all = store->ReadAll(1, 1000000);
      if (!all.ok()) ++bad_reads;
      for (size_t i = 0; all.ok() && i < all->size(); ++i) {
        if ((*all)[i].sequence != i + 1) ++bad_reads;
      }
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      const std::string stream = "w" + std::to_string(t);
      for (uint64_t i = 0; i < 100; ++i) {
        AppendRequest request = MakeAppend(stream, i);
        request.rows.push_back({"rows", stream, std::to_string(i + 1)});
        Result<AppendResult> result = store->Append(std::move(request));
        EXPECT_TRUE(result.ok());
        // After Append returns, its effects are visible.
        EXPECT_EQ(*store->StreamVersion(stream), i + 1);
        EXPECT_GE(store->LastSequence(), result->last_sequence);
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  stop = true;
  reader.join();
  EXPECT_EQ(bad_reads.load(), 0);
}

// Rows are served from the store's row cache once read: a read that begins after an append was
// acknowledged must see that append's row, never one the cache kept from before it.
TEST(RocksEventStoreConcurrency, ARowReadAfterAnAcknowledgedAppendIsNeverOlder) {
  TempDir dir;
  std::unique_ptr<RocksEventStore> store = OpenStore(dir.Sub("db"), /*sync=*/false);
  ASSERT_NE(store, nullptr);
  std::atomic<uint64_t> acknowledged{0};
  std::atomic<bool> stop{false};
  std::atomic<int> stale_reads{0};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        const uint64_t at_least = acknowledged.load();
        Result<std::optional<std::string>> row = store->Get("rows", "hot");
        ++reads;
        if (!row.ok() || (at_least > 0 && (!row->has_value() || std::stoull(**row) < at_least))) ++stale_reads;
      }
    });
  }
  for (uint64_t i = 0; i < 2000; ++i) {
    AppendRequest request = MakeAppend("writer", i);
    // Every other append deletes the row and puts it back in one request, so that deletions go
    // through the cache too.
    if (i % 2 == 1) request.rows.push_back({"rows", "hot", std::nullopt});
    request.rows.push_back({"rows", "hot", std::to_string(i + 1)});
    ASSERT_TRUE(store->Append(std::move(request)).ok());
    acknowledged = i + 1;
  }
  stop = true;
  for (std::thread& reader : readers) reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(stale_reads.load(), 0);
  EXPECT_EQ(**store->Get("rows", "hot"), "2000");
}

}  // namespace
}  // namespace cognate::storage
