// The in-memory EventStore the engine tests run on must keep the port's contract
// (engine/ports/event_store.h); these tests pin the parts the engine relies on.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/in_memory_event_store.h"

namespace cognate::testing {
namespace {

AppendRequest Request(const std::string& stream, uint64_t expected, std::vector<std::string> types) {
  AppendRequest r;
  r.stream = stream;
  r.expected_version = expected;
  for (auto& t : types) r.events.push_back(NewEvent{t, 1, 1000, "test", "{}"});
  return r;
}

TEST(InMemoryEventStoreTest, Append_NumbersEventsGlobalAndPerStream) {
  InMemoryEventStore store;

  auto a = store.Append(Request("s/a", 0, {"x.one", "x.two"}));
  auto b = store.Append(Request("s/b", 0, {"x.three"}));
  auto c = store.Append(Request("s/a", 2, {"x.four"}));

  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->first_sequence, 1u);
  EXPECT_EQ(a->last_sequence, 2u);
  EXPECT_EQ(a->stream_version, 2u);
  EXPECT_EQ(b->first_sequence, 3u);
  EXPECT_EQ(b->stream_version, 1u);
  EXPECT_EQ(c->first_sequence, 4u);
  EXPECT_EQ(c->stream_version, 3u);
  EXPECT_EQ(store.LastSequence(), 4u);
  EXPECT_EQ(*store.StreamVersion("s/a"), 3u);
  EXPECT_EQ(*store.StreamVersion("s/none"), 0u);

  auto all = store.ReadAll(1, 100);
  ASSERT_EQ(all->size(), 4u);
  for (size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].sequence, i + 1);
    EXPECT_EQ((*all)[i].prev_hash, i == 0 ? std::string(32, '\0') : (*all)[i - 1].hash);
    EXPECT_EQ((*all)[i].hash.size(), 32u);
  }
  auto stream = store.ReadStream("s/a", 2);
  ASSERT_EQ(stream->size(), 2u);
  EXPECT_EQ((*stream)[0].type, "x.two");
  EXPECT_EQ((*stream)[1].type, "x.four");
  EXPECT_EQ(store.ReadAll(2, 2)->size(), 2u);
  EXPECT_TRUE(store.ReadStream("s/none", 1)->empty());
}

TEST(InMemoryEventStoreTest, Append_RejectsWrongExpectedVersionAndWritesNothing) {
  InMemoryEventStore store;
  ASSERT_TRUE(store.Append(Request("s", 0, {"x.one"})).ok());

  AppendRequest stale = Request("s", 0, {"x.two"});
  stale.rows.push_back(RowWrite{"t", "k", std::string("v")});
  stale.claims.push_back(Claim{"c", "me"});
  auto out = store.Append(stale);

  EXPECT_EQ(out.status().code(), StatusCode::kAborted);
  EXPECT_EQ(store.LastSequence(), 1u);
  EXPECT_FALSE(store.Get("t", "k")->has_value());
  EXPECT_FALSE(store.ClaimOwner("c")->has_value());
}

TEST(InMemoryEventStoreTest, Append_RejectsNoEvents) {
  InMemoryEventStore store;
  EXPECT_EQ(store.Append(Request("s", 0, {})).status().code(), StatusCode::kInvalidArgument);
}

TEST(InMemoryEventStoreTest, Claims_AreExclusiveToTheirOwnerUntilReleased) {
  InMemoryEventStore store;
  AppendRequest mine = Request("s/1", 0, {"x.claimed"});
  mine.claims.push_back(Claim{"u/jane", "owner-1"});
  ASSERT_TRUE(store.Append(mine).ok());

  // Another owner is refused with the key as the message, and nothing is written.
  AppendRequest theirs = Request("s/2", 0, {"x.claimed"});
  theirs.claims.push_back(Claim{"u/jane", "owner-2"});
  theirs.rows.push_back(RowWrite{"t", "k", std::string("v")});
  auto refused = store.Append(theirs);
  EXPECT_EQ(refused.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(refused.status().message(), "u/jane");
  EXPECT_EQ(store.LastSequence(), 1u);
  EXPECT_FALSE(store.Get("t", "k")->has_value());

  // The same owner may claim again.
  AppendRequest again = Request("s/1", 1, {"x.claimed"});
  again.claims.push_back(Claim{"u/jane", "owner-1"});
  EXPECT_TRUE(store.Append(again).ok());

  // Released, the key is free for anyone.
  AppendRequest release = Request("s/1", 2, {"x.released"});
  release.releases.push_back("u/jane");
  ASSERT_TRUE(store.Append(release).ok());
  EXPECT_FALSE(store.ClaimOwner("u/jane")->has_value());
  EXPECT_TRUE(store.Append(theirs).ok());
  EXPECT_EQ(**store.ClaimOwner("u/jane"), "owner-2");
}

TEST(InMemoryEventStoreTest, Claims_ReleasedAndClaimedInOneAppendMoveToTheNewOwner) {
  InMemoryEventStore store;
  AppendRequest first = Request("s/1", 0, {"x.claimed"});
  first.claims.push_back(Claim{"a/email/x", "owner-1"});
  ASSERT_TRUE(store.Append(first).ok());

  AppendRequest move = Request("s/1", 1, {"x.moved"});
  move.releases.push_back("a/email/x");
  move.claims.push_back(Claim{"a/email/y", "owner-1"});
  ASSERT_TRUE(store.Append(move).ok());

  EXPECT_FALSE(store.ClaimOwner("a/email/x")->has_value());
  EXPECT_EQ(**store.ClaimOwner("a/email/y"), "owner-1");
}

TEST(InMemoryEventStoreTest, Scan_ReturnsPrefixRowsInKeyOrderAfterStartAfter) {
  InMemoryEventStore store;
  AppendRequest r = Request("s", 0, {"x.rows"});
  for (const char* key : {"p/c", "p/a", "q/a", "p/b", "o/z"}) r.rows.push_back(RowWrite{"t", key, std::string(key)});
  ASSERT_TRUE(store.Append(r).ok());
  AppendRequest del = Request("s", 1, {"x.rows"});
  del.rows.push_back(RowWrite{"t", "p/b", std::nullopt});
  ASSERT_TRUE(store.Append(del).ok());

  auto keys = [&](const std::string& prefix, const std::string& after, size_t limit) {
    std::vector<std::string> out;
    auto rows = store.Scan("t", prefix, after, limit);
    for (const auto& row : *rows) out.push_back(row.key);
    return out;
  };
  EXPECT_EQ(keys("p/", "", 10), std::vector<std::string>({"p/a", "p/c"}));
  EXPECT_EQ(keys("p/", "p/a", 10), std::vector<std::string>({"p/c"}));
  EXPECT_EQ(keys("p/", "", 1), std::vector<std::string>({"p/a"}));
  EXPECT_EQ(keys("", "", 10), std::vector<std::string>({"o/z", "p/a", "p/c", "q/a"}));
  EXPECT_TRUE(keys("p/", "p/c", 10).empty());
  EXPECT_TRUE(keys("r/", "", 10).empty());
  EXPECT_EQ(**store.Get("t", "p/a"), "p/a");
  EXPECT_FALSE(store.Get("t", "p/b")->has_value());
}

TEST(InMemoryEventStoreTest, FailNextAppends_RefusesThatManyAppendsWithAborted) {
  InMemoryEventStore store;
  store.FailNextAppends(2);

  EXPECT_EQ(store.Append(Request("s", 0, {"x.one"})).status().code(), StatusCode::kAborted);
  EXPECT_EQ(store.Append(Request("s", 0, {"x.one"})).status().code(), StatusCode::kAborted);
  EXPECT_EQ(store.LastSequence(), 0u);
  EXPECT_TRUE(store.Append(Request("s", 0, {"x.one"})).ok());
  EXPECT_EQ(store.injected_failures(), 2);
  EXPECT_EQ(store.append_calls(), 3);
}

}  // namespace
}  // namespace cognate::testing
