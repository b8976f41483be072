// RocksEventStore, one thread at a time: appends and reads, optimistic concurrency, claims,
// rows, reopening, and the verification helpers. Real RocksDB in a temp dir.
#include "storage/rocks_event_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "storage/event_codec.h"
#include "storage/keys.h"
#include "tests/storage/store_test_util.h"

namespace cognate::storage {
namespace {

using testing::MakeAppend;
using testing::MakeEvent;
using testing::OpenStore;
using testing::RawDb;
using testing::TempDir;

std::vector<uint64_t> Sequences(const std::vector<StoredEvent>& events) {
  std::vector<uint64_t> out;
  for (const StoredEvent& e : events) out.push_back(e.sequence);
  return out;
}

std::vector<std::string> Keys(const std::vector<Row>& rows) {
  std::vector<std::string> out;
  for (const Row& r : rows) out.push_back(r.key);
  return out;
}

// Problems VerifyChain reports, as (sequence, text).
std::vector<std::pair<uint64_t, std::string>> Problems(RocksEventStore& store, Status* status) {
  std::vector<std::pair<uint64_t, std::string>> problems;
  *status = store.VerifyChain(
      [&](uint64_t sequence, const std::string& text) { problems.emplace_back(sequence, text); });
  return problems;
}

class RocksEventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore(dir_.Sub("db"));
    ASSERT_NE(store_, nullptr);
  }

  void Reopen() {
    store_.reset();
    store_ = OpenStore(dir_.Sub("db"));
    ASSERT_NE(store_, nullptr);
  }

  AppendResult MustAppend(AppendRequest request) {
    Result<AppendResult> result = store_->Append(std::move(request));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : AppendResult{};
  }

  TempDir dir_;
  std::unique_ptr<RocksEventStore> store_;
};

TEST_F(RocksEventStoreTest, EmptyStore) {
  EXPECT_EQ(store_->LastSequence(), 0u);
  EXPECT_EQ(*store_->StreamVersion("s"), 0u);
  EXPECT_TRUE(store_->ReadAll(1, 10)->empty());
  EXPECT_TRUE(store_->ReadStream("s", 1)->empty());
  EXPECT_FALSE(store_->Get("t", "k")->has_value());
  EXPECT_FALSE(store_->ClaimOwner("k")->has_value());
  EXPECT_TRUE(store_->VerifyChain(nullptr).ok());
}

TEST_F(RocksEventStoreTest, AppendThenReadBack) {
  AppendRequest request = MakeAppend("user/p/1", 0, R"({"n":1})");
  NewEvent second = MakeEvent("user.signed_in", R"({"n":2})");
  second.schema_version = 3;
  second.occurred_at_ms = -5;
  second.actor = "user:1";
  request.events.push_back(second);
  AppendResult result = MustAppend(request);
  EXPECT_EQ(result.first_sequence, 1u);
  EXPECT_EQ(result.last_sequence, 2u);
  EXPECT_EQ(result.stream_version, 2u);
  EXPECT_EQ(store_->LastSequence(), 2u);
  EXPECT_EQ(*store_->StreamVersion("user/p/1"), 2u);

  Result<std::vector<StoredEvent>> events = store_->ReadStream("user/p/1", 1);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  const StoredEvent& a = (*events)[0];
  const StoredEvent& b = (*events)[1];
  EXPECT_EQ(a.sequence, 1u);
  EXPECT_EQ(a.stream, "user/p/1");
  EXPECT_EQ(a.stream_version, 1u);
  EXPECT_EQ(a.type, "test.happened");
  EXPECT_EQ(a.payload, R"({"n":1})");
  EXPECT_EQ(a.prev_hash, std::string(32, '\0'));
  EXPECT_EQ(a.hash.size(), 32u);
  EXPECT_EQ(b.sequence, 2u);
  EXPECT_EQ(b.stream_version, 2u);
  EXPECT_EQ(b.type, "user.signed_in");
  EXPECT_EQ(b.schema_version, 3);
  EXPECT_EQ(b.occurred_at_ms, -5);
  EXPECT_EQ(b.actor, "user:1");
  EXPECT_EQ(b.prev_hash, a.hash);

  Result<std::vector<StoredEvent>> from_two = store_->ReadStream("user/p/1", 2);
  ASSERT_TRUE(from_two.ok());
  EXPECT_EQ(Sequences(*from_two), std::vector<uint64_t>{2});
  EXPECT_TRUE(store_->ReadStream("user/p/1", 3)->empty());
  EXPECT_TRUE(store_->ReadStream("user/p", 1)->empty());  // a prefix is not the stream
}

TEST_F(RocksEventStoreTest, SequenceIsGlobalAndGapFreeAcrossStreams) {
  MustAppend(MakeAppend("a", 0));
  MustAppend(MakeAppend("b", 0));
  AppendResult third = MustAppend(MakeAppend("a", 1));
  EXPECT_EQ(third.first_sequence, 3u);
  EXPECT_EQ(third.stream_version, 2u);
  MustAppend(MakeAppend("a/x", 0));

  Result<std::vector<StoredEvent>> all = store_->ReadAll(1, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Sequences(*all), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(Sequences(*store_->ReadAll(2, 2)), (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(Sequences(*store_->ReadAll(0, 1)), (std::vector<uint64_t>{1}));
  EXPECT_TRUE(store_->ReadAll(5, 10)->empty());
  EXPECT_TRUE(store_->ReadAll(1, 0)->empty());
  EXPECT_EQ(Sequences(*store_->ReadStream("a", 0)), (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(Sequences(*store_->ReadStream("b", 1)), (std::vector<uint64_t>{2}));
}

TEST_F(RocksEventStoreTest, ExpectedVersionConflict_AbortsAndWritesNothing) {
  MustAppend(MakeAppend("s", 0));
  AppendRequest stale = MakeAppend("s", 0, "stale");
  stale.claims.push_back({"name/bob", "s"});
  stale.rows.push_back({"users", "bob", "row"});
  Result<AppendResult> result = store_->Append(stale);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kAborted);
  EXPECT_EQ(store_->LastSequence(), 1u);
  EXPECT_EQ(*store_->StreamVersion("s"), 1u);
  EXPECT_FALSE(store_->ClaimOwner("name/bob")->has_value());
  EXPECT_FALSE(store_->Get("users", "bob")->has_value());

  stale.expected_version = 5;  // ahead of the stream is a conflict too
  EXPECT_EQ(store_->Append(stale).status().code(), StatusCode::kAborted);
  stale.expected_version = 1;
  EXPECT_EQ(MustAppend(stale).first_sequence, 2u);
}

TEST_F(RocksEventStoreTest, InvalidRequestsAreRejected) {
  AppendRequest no_events = MakeAppend("s", 0);
  no_events.events.clear();
  EXPECT_EQ(store_->Append(no_events).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Append(MakeAppend("", 0)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Append(MakeAppend(std::string("a\0b", 3), 0)).status().code(),
            StatusCode::kInvalidArgument);
  AppendRequest bad_table = MakeAppend("s", 0);
  bad_table.rows.push_back({"", "k", "v"});
  EXPECT_EQ(store_->Append(bad_table).status().code(), StatusCode::kInvalidArgument);
  AppendRequest bad_claim = MakeAppend("s", 0);
  bad_claim.claims.push_back({"k", ""});
  EXPECT_EQ(store_->Append(bad_claim).status().code(), StatusCode::kInvalidArgument);
  AppendRequest no_type = MakeAppend("s", 0);
  no_type.events[0].type.clear();
  EXPECT_EQ(store_->Append(no_type).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->LastSequence(), 0u);
}

TEST_F(RocksEventStoreTest, ClaimTakenByOtherOwner_RejectsTheWholeRequest) {
  AppendRequest first = MakeAppend("user/1", 0);
  first.claims.push_back({"name/bob", "user/1"});
  MustAppend(first);

  AppendRequest second = MakeAppend("user/2", 0);
  second.claims.push_back({"email/b@x", "user/2"});
  second.claims.push_back({"name/bob", "user/2"});
  second.rows.push_back({"users", "2", "row"});
  second.releases.push_back("something/else");
  Result<AppendResult> result = store_->Append(second);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(result.status().message(), "name/bob");

  EXPECT_EQ(store_->LastSequence(), 1u);
  EXPECT_EQ(*store_->StreamVersion("user/2"), 0u);
  EXPECT_FALSE(store_->ClaimOwner("email/b@x")->has_value());
  EXPECT_FALSE(store_->Get("users", "2")->has_value());
  EXPECT_EQ(**store_->ClaimOwner("name/bob"), "user/1");
}

TEST_F(RocksEventStoreTest, SameOwnerMayClaimAgain) {
  AppendRequest first = MakeAppend("user/1", 0);
  first.claims.push_back({"name/bob", "user/1"});
  MustAppend(first);
  AppendRequest again = MakeAppend("user/1", 1);
  again.claims.push_back({"name/bob", "user/1"});
  MustAppend(again);
  EXPECT_EQ(**store_->ClaimOwner("name/bob"), "user/1");
}

TEST_F(RocksEventStoreTest, ReleaseThenReclaimByAnotherOwner) {
  AppendRequest take = MakeAppend("user/1", 0);
  take.claims.push_back({"name/bob", "user/1"});
  MustAppend(take);
  AppendRequest release = MakeAppend("user/1", 1);
  release.releases.push_back("name/bob");
  MustAppend(release);
  EXPECT_FALSE(store_->ClaimOwner("name/bob")->has_value());

  AppendRequest retake = MakeAppend("user/2", 0);
  retake.claims.push_back({"name/bob", "user/2"});
  MustAppend(retake);
  EXPECT_EQ(**store_->ClaimOwner("name/bob"), "user/2");
}

TEST_F(RocksEventStoreTest, ReleasesApplyBeforeClaimsInOneRequest) {
  AppendRequest take = MakeAppend("user/1", 0);
  take.claims.push_back({"name/bob", "user/1"});
  MustAppend(take);
  AppendRequest both = MakeAppend("user/1", 1);
  both.releases.push_back("name/bob");
  both.claims.push_back({"name/bob", "user/1"});
  MustAppend(both);
  EXPECT_EQ(**store_->ClaimOwner("name/bob"), "user/1");
}

TEST_F(RocksEventStoreTest, DuplicateClaimWithinOneRequestByTwoOwnersIsRejected) {
  AppendRequest request = MakeAppend("user/1", 0);
  request.claims.push_back({"k", "a"});
  request.claims.push_back({"k", "b"});
  EXPECT_EQ(store_->Append(request).status().code(), StatusCode::kAlreadyExists);
  EXPECT_FALSE(store_->ClaimOwner("k")->has_value());
}

TEST_F(RocksEventStoreTest, RowsPutDeleteGetScan) {
  AppendRequest request = MakeAppend("s", 0);
  for (const char* key : {"a2", "a1", "b1", "a3", "a"}) {
    request.rows.push_back({"t", key, std::string("v-") + key});
  }
  request.rows.push_back({"u", "a1", "other table"});
  request.rows.push_back({"t2", "a1", "prefix of the table name"});
  MustAppend(request);

  EXPECT_EQ(**store_->Get("t", "a1"), "v-a1");
  EXPECT_EQ(**store_->Get("u", "a1"), "other table");
  EXPECT_FALSE(store_->Get("t", "zz")->has_value());

  EXPECT_EQ(Keys(*store_->Scan("t", "", "", 100)),
            (std::vector<std::string>{"a", "a1", "a2", "a3", "b1"}));
  EXPECT_EQ(Keys(*store_->Scan("t", "a", "", 100)),
            (std::vector<std::string>{"a", "a1", "a2", "a3"}));
  EXPECT_EQ(Keys(*store_->Scan("t", "a", "a1", 100)), (std::vector<std::string>{"a2", "a3"}));
  EXPECT_EQ(Keys(*store_->Scan("t", "a", "a15", 100)), (std::vector<std::string>{"a2", "a3"}));
  EXPECT_EQ(Keys(*store_->Scan("t", "a1", "", 100)), (std::vector<std::string>{"a1"}));
  EXPECT_EQ(Keys(*store_->Scan("t", "a", "", 2)), (std::vector<std::string>{"a", "a1"}));
  EXPECT_EQ(Keys(*store_->Scan("t", "b", "a", 100)), (std::vector<std::string>{"b1"}));
  EXPECT_TRUE(store_->Scan("t", "a", "a3", 100)->empty());
  EXPECT_TRUE(store_->Scan("t", "a", "", 0)->empty());
  EXPECT_TRUE(store_->Scan("t", "c", "", 100)->empty());
  std::vector<Row> rows = *store_->Scan("t", "a", "a", 1);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].key, "a1");
  EXPECT_EQ(rows[0].value, "v-a1");

  AppendRequest update = MakeAppend("s", 1);
  update.rows.push_back({"t", "a2", std::nullopt});
  update.rows.push_back({"t", "a1", "new"});
  MustAppend(update);
  EXPECT_FALSE(store_->Get("t", "a2")->has_value());
  EXPECT_EQ(**store_->Get("t", "a1"), "new");
  EXPECT_EQ(Keys(*store_->Scan("t", "a", "", 100)), (std::vector<std::string>{"a", "a1", "a3"}));
}

// Get keeps what it read, absent rows included (storage/row_cache.h); an append's rows must still
// be what the next Get sees.
TEST_F(RocksEventStoreTest, AGetSeesTheRowsOfEveryAppendBeforeIt) {
  EXPECT_FALSE(store_->Get("t", "k")->has_value());
  EXPECT_FALSE(store_->Get("t", "k")->has_value());
  AppendRequest put = MakeAppend("s", 0);
  put.rows.push_back({"t", "k", "1"});
  MustAppend(put);
  EXPECT_EQ(**store_->Get("t", "k"), "1");
  EXPECT_EQ(**store_->Get("t", "k"), "1");
  AppendRequest remove = MakeAppend("s", 1);
  remove.rows.push_back({"t", "k", std::nullopt});
  MustAppend(remove);
  EXPECT_FALSE(store_->Get("t", "k")->has_value());
  Reopen();
  EXPECT_FALSE(store_->Get("t", "k")->has_value());
}

TEST_F(RocksEventStoreTest, LaterRowWriteInOneRequestWins) {
  AppendRequest request = MakeAppend("s", 0);
  request.rows.push_back({"t", "k", "first"});
  request.rows.push_back({"t", "k", std::nullopt});
  request.rows.push_back({"t", "k", "last"});
  MustAppend(request);
  EXPECT_EQ(**store_->Get("t", "k"), "last");
}

TEST_F(RocksEventStoreTest, ReopenPreservesEverythingAndContinuesTheChain) {
  AppendRequest first = MakeAppend("a", 0, "one");
  first.claims.push_back({"k", "a"});
  first.rows.push_back({"t", "a", "row"});
  MustAppend(first);
  MustAppend(MakeAppend("b", 0, "two"));
  const std::string last_hash = store_->ReadAll(2, 1)->at(0).hash;
  const std::string digest = *store_->ReadModelDigest();

  Reopen();
  EXPECT_EQ(store_->LastSequence(), 2u);
  EXPECT_EQ(*store_->StreamVersion("a"), 1u);
  EXPECT_EQ(**store_->ClaimOwner("k"), "a");
  EXPECT_EQ(**store_->Get("t", "a"), "row");
  EXPECT_EQ(store_->ReadStream("b", 1)->at(0).payload, "two");
  EXPECT_EQ(*store_->ReadModelDigest(), digest);

  AppendResult next = MustAppend(MakeAppend("a", 1, "three"));
  EXPECT_EQ(next.first_sequence, 3u);
  EXPECT_EQ(next.stream_version, 2u);
  EXPECT_EQ(store_->ReadAll(3, 1)->at(0).prev_hash, last_hash);
  Status status;
  EXPECT_TRUE(Problems(*store_, &status).empty());
  EXPECT_TRUE(status.ok()) << status.ToString();
}

// Table files (.sst) in a store's directory.
int TableFiles(const std::string& path) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    if (entry.path().extension() == ".sst") ++count;
  }
  return count;
}

// A clean stop flushes the memtables only when the log has grown past the threshold: a small log
// stays as it is (replaying it is cheap), a large one is flushed so the next start replays nothing.
TEST(RocksEventStoreStopTest, FlushesOnlyALargeLog) {
  TempDir dir;
  auto write_and_stop = [&](const std::string& path, uint64_t threshold) {
    RocksOptions options;
    options.path = path;
    options.flush_on_stop_above_log_bytes = threshold;
    Result<std::unique_ptr<RocksEventStore>> store = RocksEventStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int i = 0; i < 20; ++i) {
      AppendRequest request = MakeAppend("s", static_cast<uint64_t>(i), std::string(1000, 'x'));
      request.rows.push_back({"t", "k" + std::to_string(i), "row"});
      ASSERT_TRUE((*store)->Append(std::move(request)).ok());
    }
  };
  write_and_stop(dir.Sub("small"), 1 << 20);
  EXPECT_EQ(TableFiles(dir.Sub("small")), 0) << "20 KiB of log is under 1 MiB: left to replay";
  write_and_stop(dir.Sub("large"), 4 << 10);
  EXPECT_GT(TableFiles(dir.Sub("large")), 0) << "20 KiB of log is over 4 KiB: flushed";

  // Both reopen with everything.
  for (const char* name : {"small", "large"}) {
    std::unique_ptr<RocksEventStore> store = OpenStore(dir.Sub(name));
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->LastSequence(), 20u) << name;
    EXPECT_EQ(**store->Get("t", "k19"), "row") << name;
  }
}

TEST_F(RocksEventStoreTest, VerifyChainDetectsATamperedEvent) {
  for (int i = 0; i < 5; ++i) MustAppend(MakeAppend("s", static_cast<uint64_t>(i), "p"));
  store_.reset();
  {
    RawDb raw(dir_.Sub("db"));
    std::string value;
    ASSERT_TRUE(raw.db()->Get({}, raw.events(), EventKey(3), &value).ok());
    Result<StoredEvent> event = DecodeStoredEvent(value);
    ASSERT_TRUE(event.ok());
    event->payload = R"({"admin":true})";  // keeps the old hashes: the content no longer fits
    ASSERT_TRUE(raw.db()->Put({}, raw.events(), EventKey(3), EncodeStoredEvent(*event)).ok());
  }
  Reopen();
  Status status;
  auto problems = Problems(*store_, &status);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].first, 3u);
  EXPECT_NE(problems[0].second.find("hash"), std::string::npos) << problems[0].second;
}

TEST_F(RocksEventStoreTest, VerifyChainDetectsARemovedEventAndARewrittenChain) {
  for (int i = 0; i < 5; ++i) MustAppend(MakeAppend("s", static_cast<uint64_t>(i), "p"));
  store_.reset();
  {
    RawDb raw(dir_.Sub("db"));
    ASSERT_TRUE(raw.db()->Delete({}, raw.events(), EventKey(2)).ok());
  }
  Reopen();
  Status status;
  std::set<uint64_t> reported;
  for (const auto& [sequence, text] : Problems(*store_, &status)) reported.insert(sequence);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_TRUE(reported.count(3)) << "gap and broken link at #3";
  EXPECT_TRUE(reported.count(0)) << "the stream index still names #2";

  // A forger who recomputes the tampered event's hash still breaks the link to the next one.
  store_.reset();
  {
    RawDb raw(dir_.Sub("db"));
    std::string value;
    ASSERT_TRUE(raw.db()->Get({}, raw.events(), EventKey(4), &value).ok());
    StoredEvent event = *DecodeStoredEvent(value);
    event.payload = "forged";
    NewEvent tail{event.type, event.schema_version, event.occurred_at_ms, event.actor,
                  event.payload};
    event.hash =
        ChainHash(event.prev_hash, EncodeEventFields(event.sequence, event.stream,
                                                     event.stream_version, EncodeEventTail(tail)));
    ASSERT_TRUE(raw.db()->Put({}, raw.events(), EventKey(4), EncodeStoredEvent(event)).ok());
  }
  Reopen();
  reported.clear();
  for (const auto& [sequence, text] : Problems(*store_, &status)) reported.insert(sequence);
  EXPECT_TRUE(reported.count(5)) << "#5's prev_hash no longer matches #4";
}

TEST_F(RocksEventStoreTest, VerifyChainDetectsAnUndecodableEvent) {
  for (int i = 0; i < 3; ++i) MustAppend(MakeAppend("s", static_cast<uint64_t>(i), "p"));
  store_.reset();
  {
    RawDb raw(dir_.Sub("db"));
    ASSERT_TRUE(raw.db()->Put({}, raw.events(), EventKey(2), "garbage").ok());
  }
  Reopen();
  Status status;
  std::set<uint64_t> reported;
  for (const auto& [sequence, text] : Problems(*store_, &status)) reported.insert(sequence);
  EXPECT_TRUE(reported.count(2));
  EXPECT_EQ(store_->ReadAll(1, 10).status().code(), StatusCode::kDataLoss);
}

TEST_F(RocksEventStoreTest, OpenRefusesAHeadThatDisagreesWithTheLog) {
  for (int i = 0; i < 3; ++i) MustAppend(MakeAppend("s", static_cast<uint64_t>(i), "p"));
  store_.reset();
  {
    RawDb raw(dir_.Sub("db"));
    ASSERT_TRUE(raw.db()->Delete({}, raw.events(), EventKey(3)).ok());
  }
  RocksOptions options;
  options.path = dir_.Sub("db");
  Result<std::unique_ptr<RocksEventStore>> reopened = RocksEventStore::Open(options);
  EXPECT_EQ(reopened.status().code(), StatusCode::kDataLoss);
}

TEST_F(RocksEventStoreTest, OpenRejectsBadOptions) {
  RocksOptions options;
  EXPECT_EQ(RocksEventStore::Open(options).status().code(), StatusCode::kInvalidArgument);
  options.path = dir_.Sub("missing");
  options.create_if_missing = false;
  EXPECT_EQ(RocksEventStore::Open(options).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(RocksEventStoreTest, SecondOpenOfTheSameDirectoryIsUnavailable) {
  RocksOptions options;
  options.path = dir_.Sub("db");
  EXPECT_EQ(RocksEventStore::Open(options).status().code(), StatusCode::kUnavailable);
}

TEST(ReadModelDigest, DependsOnContentNotOnHistory) {
  TempDir dir;
  std::unique_ptr<RocksEventStore> one = OpenStore(dir.Sub("one"), /*sync=*/false);
  std::unique_ptr<RocksEventStore> two = OpenStore(dir.Sub("two"), /*sync=*/false);
  ASSERT_TRUE(one && two);
  EXPECT_EQ(*one->ReadModelDigest(), *two->ReadModelDigest());

  AppendRequest a = MakeAppend("s", 0);
  a.rows.push_back({"t", "x", "1"});
  a.rows.push_back({"t", "y", "2"});
  a.claims.push_back({"c", "s"});
  ASSERT_TRUE(one->Append(a).ok());

  // The same rows and claim reached by a different path: other order, a detour via a release.
  AppendRequest b1 = MakeAppend("other", 0);
  b1.rows.push_back({"t", "y", "2"});
  b1.claims.push_back({"c", "s"});
  b1.claims.push_back({"tmp", "s"});
  ASSERT_TRUE(two->Append(b1).ok());
  EXPECT_NE(*one->ReadModelDigest(), *two->ReadModelDigest());
  AppendRequest b2 = MakeAppend("other", 1);
  b2.rows.push_back({"t", "x", "1"});
  b2.releases.push_back("tmp");
  ASSERT_TRUE(two->Append(b2).ok());
  EXPECT_EQ(*one->ReadModelDigest(), *two->ReadModelDigest());

  // Moving a byte between key and value changes the digest.
  AppendRequest c = MakeAppend("s", 1);
  c.rows.push_back({"t", "x", std::nullopt});
  c.rows.push_back({"t", "x1", ""});
  ASSERT_TRUE(one->Append(c).ok());
  AppendRequest d = MakeAppend("other", 2);
  d.rows.push_back({"t", "x", std::nullopt});
  d.rows.push_back({"t", "x", "1"});
  ASSERT_TRUE(two->Append(d).ok());
  EXPECT_NE(*one->ReadModelDigest(), *two->ReadModelDigest());
}

}  // namespace
}  // namespace cognate::storage
