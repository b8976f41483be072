// RocksEventStore::Import: copying a store through ReadAll + Import gives a byte-identical log
// and equal read models that later appends continue; and Import refuses anything that would not
// continue the target's chain.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/rocks_event_store.h"
#include "tests/storage/store_test_util.h"

namespace cognate::storage {
namespace {

using testing::MakeAppend;
using testing::MakeEvent;
using testing::OpenStore;
using testing::TempDir;

// A source store and, for every append made to it, its writes and last sequence: what a replay
// would compute from the events.
struct Source {
  std::unique_ptr<RocksEventStore> store;
  std::vector<ImportWrites::Entry> writes;
  std::vector<uint64_t> last_sequences;

  void Append(AppendRequest request) {
    ImportWrites::Entry entry{request.releases, request.claims, request.rows, request.secrets};
    Result<AppendResult> result = store->Append(std::move(request));
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    writes.push_back(std::move(entry));
    last_sequences.push_back(result->last_sequence);
  }
};

// A few hundred events over 40 streams: single and multi-event appends, rows put and deleted,
// claims taken, moved and released, vault entries put and destroyed.
void Populate(Source& source) {
  std::vector<uint64_t> versions(40, 0);
  for (int i = 0; i < 260; ++i) {
    const size_t s = static_cast<size_t>(i * 7 % 40);
    const std::string id = std::to_string(s);
    AppendRequest request = MakeAppend("user/" + id, versions[s], "{\"i\":" + std::to_string(i) + "}");
    if (i % 5 == 0) request.events.push_back(MakeEvent("user.updated", std::to_string(i)));
    request.events.back().occurred_at_ms += i;
    request.rows.push_back({"users", id, "state " + std::to_string(i)});
    if (i % 11 == 0) request.rows.push_back({"sessions", id, std::nullopt});
    if (i % 3 == 0) request.rows.push_back({"sessions", id, std::string("s") + std::to_string(i)});
    if (versions[s] == 0) {
      request.claims.push_back({"sub/" + id, "user/" + id});
      request.secrets.push_back({"key/" + id, "wrapped-" + id});
    } else if (i % 4 == 0) {
      request.releases.push_back("sub/" + id);
      request.claims.push_back({"sub/" + id, "user/" + id});  // released and retaken in one
    }
    if (i % 13 == 0 && versions[s] > 0) request.secrets.push_back({"key/" + id, std::nullopt});
    if (i % 17 == 0) request.claims.push_back({"alias/" + std::to_string(i), "user/" + id});
    if (i % 17 == 1 && i > 17) request.releases.push_back("alias/" + std::to_string(i - 18));
    versions[s] += request.events.size();
    source.Append(std::move(request));
  }
}

// Copies `source` into `target` in chunks of whole appends, as a replay would.
void CopyByImport(const Source& source, RocksEventStore& target, size_t appends_per_chunk) {
  uint64_t next = target.LastSequence() + 1;
  for (size_t first = 0; first < source.writes.size(); first += appends_per_chunk) {
    const size_t end = std::min(first + appends_per_chunk, source.writes.size());
    const uint64_t last = source.last_sequences[end - 1];
    Result<std::vector<StoredEvent>> events =
        source.store->ReadAll(next, static_cast<size_t>(last - next + 1));
    ASSERT_TRUE(events.ok());
    ImportWrites writes;
    writes.entries.assign(source.writes.begin() + static_cast<std::ptrdiff_t>(first),
                          source.writes.begin() + static_cast<std::ptrdiff_t>(end));
    Status s = target.Import(*events, writes);
    ASSERT_TRUE(s.ok()) << s.ToString();
    next = last + 1;
  }
}

std::vector<std::string> Hashes(const Result<std::vector<StoredEvent>>& events) {
  std::vector<std::string> out;
  if (!events.ok()) return out;
  for (const StoredEvent& event : *events) out.push_back(event.hash);
  return out;
}

void ExpectSameEvents(RocksEventStore& a, RocksEventStore& b) {
  Result<std::vector<StoredEvent>> x = a.ReadAll(1, 100000);
  Result<std::vector<StoredEvent>> y = b.ReadAll(1, 100000);
  ASSERT_TRUE(x.ok() && y.ok());
  ASSERT_EQ(x->size(), y->size());
  for (size_t i = 0; i < x->size(); ++i) {
    const StoredEvent& e = (*x)[i];
    const StoredEvent& f = (*y)[i];
    EXPECT_TRUE(e.sequence == f.sequence && e.stream == f.stream &&
                e.stream_version == f.stream_version && e.type == f.type &&
                e.schema_version == f.schema_version && e.occurred_at_ms == f.occurred_at_ms &&
                e.actor == f.actor && e.payload == f.payload && e.prev_hash == f.prev_hash &&
                e.hash == f.hash)
        << "event #" << e.sequence;
  }
}

class RocksImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_.store = OpenStore(dir_.Sub("source"), /*sync=*/false);
    ASSERT_NE(source_.store, nullptr);
    Populate(source_);
    target_ = OpenStore(dir_.Sub("target"), /*sync=*/false);
    ASSERT_NE(target_, nullptr);
  }

  TempDir dir_;
  Source source_;
  std::unique_ptr<RocksEventStore> target_;
};

TEST_F(RocksImportTest, CopyIsIdenticalAndVerifies) {
  CopyByImport(source_, *target_, 16);
  ASSERT_TRUE(target_->Sync().ok());
  const uint64_t last = source_.store->LastSequence();
  ASSERT_GT(last, 300u);
  EXPECT_EQ(target_->LastSequence(), last);
  ExpectSameEvents(*source_.store, *target_);
  Status verified = target_->VerifyChain([](uint64_t sequence, const std::string& problem) {
    ADD_FAILURE() << "#" << sequence << ": " << problem;
  });
  EXPECT_TRUE(verified.ok()) << verified.ToString();
  EXPECT_EQ(*target_->ReadModelDigest(), *source_.store->ReadModelDigest());
  for (int s = 0; s < 40; ++s) {
    const std::string id = std::to_string(s);
    EXPECT_EQ(*target_->StreamVersion("user/" + id), *source_.store->StreamVersion("user/" + id));
    EXPECT_EQ(Hashes(target_->ReadStream("user/" + id, 1)),
              Hashes(source_.store->ReadStream("user/" + id, 1)))
        << id;
    EXPECT_EQ(*target_->GetSecret("key/" + id), *source_.store->GetSecret("key/" + id)) << id;
  }
}

TEST_F(RocksImportTest, CopyContinuesTheChainAfterReopen) {
  CopyByImport(source_, *target_, 1000);
  ASSERT_TRUE(target_->Sync().ok());
  target_.reset();
  target_ = OpenStore(dir_.Sub("target"));
  ASSERT_NE(target_, nullptr);
  const uint64_t last = source_.store->LastSequence();
  ASSERT_EQ(target_->LastSequence(), last);

  const uint64_t version = *target_->StreamVersion("user/3");
  Result<AppendResult> appended = target_->Append(MakeAppend("user/3", version));
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  EXPECT_EQ(appended->first_sequence, last + 1);
  EXPECT_EQ(appended->stream_version, version + 1);
  EXPECT_EQ(target_->ReadAll(last + 1, 1)->front().prev_hash,
            source_.store->ReadAll(last, 1)->front().hash);
  // Claims came across: another owner still cannot take one.
  AppendRequest claim = MakeAppend("user/3", version + 1);
  claim.claims.push_back({"sub/4", "user/3"});
  EXPECT_EQ(target_->Append(std::move(claim)).status().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(target_->VerifyChain(nullptr).ok());
}

// A bulk import ends with CompactAll: the store reads, verifies and appends the same afterwards.
TEST_F(RocksImportTest, CompactAllKeepsEverything) {
  CopyByImport(source_, *target_, 16);
  ASSERT_TRUE(target_->Sync().ok());
  const std::string digest = *target_->ReadModelDigest();
  ASSERT_TRUE(target_->CompactAll().ok());
  ExpectSameEvents(*source_.store, *target_);
  EXPECT_EQ(*target_->ReadModelDigest(), digest);
  EXPECT_TRUE(target_->VerifyChain(nullptr).ok());
  const uint64_t version = *target_->StreamVersion("user/3");
  EXPECT_TRUE(target_->Append(MakeAppend("user/3", version)).ok());
}

TEST_F(RocksImportTest, ImportAfterAppendsThenAppendAgain) {
  // The target's first append is identical to the source's (same event, same hash), so the
  // source's log from #2 on continues it.
  Source fresh;
  fresh.store = OpenStore(dir_.Sub("fresh"), /*sync=*/false);
  ASSERT_NE(fresh.store, nullptr);
  fresh.Append(MakeAppend("a", 0, "1"));
  fresh.Append(MakeAppend("a", 1, "2"));
  fresh.Append(MakeAppend("a", 2, "3"));
  ASSERT_TRUE(target_->Append(MakeAppend("a", 0, "1")).ok());

  Result<std::vector<StoredEvent>> rest = fresh.store->ReadAll(2, 10);
  ASSERT_TRUE(rest.ok());
  ASSERT_TRUE(target_->Import(*rest, {}).ok());
  EXPECT_EQ(target_->LastSequence(), 3u);
  EXPECT_EQ(*target_->StreamVersion("a"), 3u);
  // The store must not remember "a" at version 1 from its own append.
  Result<AppendResult> next = target_->Append(MakeAppend("a", 3, "4"));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->first_sequence, 4u);
  EXPECT_EQ(target_->Append(MakeAppend("a", 1, "x")).status().code(), StatusCode::kAborted);
  EXPECT_TRUE(target_->VerifyChain(nullptr).ok());
}

TEST_F(RocksImportTest, EntriesApplyInOrder) {
  Result<std::vector<StoredEvent>> events = source_.store->ReadAll(1, 3);
  ASSERT_TRUE(events.ok());
  ImportWrites writes;
  writes.entries.resize(4);
  writes.entries[0].claims.push_back({"taken-then-released", "x"});
  writes.entries[0].releases.push_back("released-then-taken");
  writes.entries[0].rows.push_back({"t", "put-then-deleted", std::string("1")});
  writes.entries[0].secrets.push_back({"destroyed-then-put", std::nullopt});
  writes.entries[1].releases.push_back("taken-then-released");
  writes.entries[1].claims.push_back({"released-then-taken", "y"});
  writes.entries[1].rows.push_back({"t", "put-then-deleted", std::nullopt});
  writes.entries[1].secrets.push_back({"destroyed-then-put", "v"});
  // Within one entry releases come before claims, as in an append.
  writes.entries[2].claims.push_back({"same-entry", "z"});
  writes.entries[2].releases.push_back("same-entry");
  ASSERT_TRUE(target_->Import(*events, writes).ok());
  EXPECT_FALSE(target_->ClaimOwner("taken-then-released")->has_value());
  EXPECT_EQ(*target_->ClaimOwner("released-then-taken"), "y");
  EXPECT_EQ(*target_->ClaimOwner("same-entry"), "z");
  EXPECT_FALSE(target_->Get("t", "put-then-deleted")->has_value());
  EXPECT_EQ(*target_->GetSecret("destroyed-then-put"), "v");
}

TEST_F(RocksImportTest, RefusesWhatDoesNotContinueTheChain) {
  Result<std::vector<StoredEvent>> events = source_.store->ReadAll(1, 10);
  ASSERT_TRUE(events.ok());
  auto expect_refused = [&](std::vector<StoredEvent> batch, StatusCode code) {
    ImportWrites writes;
    writes.entries.emplace_back().rows.push_back({"t", "k", std::string("v")});
    EXPECT_EQ(target_->Import(batch, writes).code(), code);
    // Nothing written.
    EXPECT_EQ(target_->LastSequence(), 0u);
    EXPECT_TRUE(target_->ReadAll(1, 10)->empty());
    EXPECT_FALSE(target_->Get("t", "k")->has_value());
  };
  // Not starting at LastSequence() + 1.
  expect_refused({events->begin() + 1, events->end()}, StatusCode::kFailedPrecondition);
  // A gap.
  std::vector<StoredEvent> gap = *events;
  gap.erase(gap.begin() + 4);
  expect_refused(gap, StatusCode::kFailedPrecondition);
  // A prev_hash that is not the hash before.
  std::vector<StoredEvent> forked = *events;
  forked[6].prev_hash[0] = static_cast<char>(forked[6].prev_hash[0] ^ 1);
  expect_refused(forked, StatusCode::kFailedPrecondition);
  // Bad hash size, bad stream name.
  std::vector<StoredEvent> bad = *events;
  bad.back().hash.pop_back();
  expect_refused(bad, StatusCode::kInvalidArgument);
  bad = *events;
  bad[2].stream.clear();
  expect_refused(bad, StatusCode::kInvalidArgument);
  // Writes without events.
  expect_refused({}, StatusCode::kInvalidArgument);
  // A bad write.
  ImportWrites bad_writes;
  bad_writes.entries.emplace_back().claims.push_back({"k", ""});
  EXPECT_EQ(target_->Import(*events, bad_writes).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(target_->LastSequence(), 0u);

  // After all that, the right batch still goes in.
  ASSERT_TRUE(target_->Import(*events, {}).ok());
  EXPECT_EQ(target_->LastSequence(), 10u);
  // And the same events again do not (they no longer continue the chain).
  EXPECT_EQ(target_->Import(*events, {}).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(target_->VerifyChain(nullptr).ok());
}

TEST_F(RocksImportTest, WakesWaiters) {
  Result<std::vector<StoredEvent>> events = source_.store->ReadAll(1, 5);
  ASSERT_TRUE(events.ok());
  uint64_t seen = 0;
  const auto start = std::chrono::steady_clock::now();
  std::thread waiter([&] { seen = target_->WaitForEvents(0, std::chrono::seconds(60)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(target_->Import(*events, {}).ok());
  waiter.join();
  EXPECT_EQ(seen, 5u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

}  // namespace
}  // namespace cognate::storage
