// RowStateCache: a cached state is reused only while the row is byte-identical, so a changed row
// is parsed again and a missing row gives a blank state at the stream's version.
#include "engine/service/row_state_cache.h"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/in_memory_event_store.h"

namespace cognate {
namespace {

struct NamedState {
  std::string name;
  uint64_t version = 0;
};

void from_json(const nlohmann::json& j, NamedState& s) {
  s.name = j.value("name", "");
  s.version = j.value("version", uint64_t{0});
}

class RowStateCacheTest : public ::testing::Test {
 protected:
  // Appends one event to `stream` that writes (or, without a value, deletes) the row under `key`.
  void Write(const std::string& key, std::optional<std::string> row) {
    AppendRequest request;
    request.stream = "stream/" + key;
    request.expected_version = kAnyStreamVersion;
    NewEvent event;
    event.type = "test.written";
    event.payload = "{}";
    request.events.push_back(event);
    request.rows.push_back({"things", key, std::move(row)});
    ASSERT_TRUE(store_.Append(std::move(request)).ok());
  }

  std::shared_ptr<const NamedState> Load(const std::string& key) {
    auto state = cache_.Load(store_, "things", key, "stream/" + key);
    EXPECT_TRUE(state.ok()) << state.status().ToString();
    return state.ok() ? *state : nullptr;
  }

  testing::InMemoryEventStore store_;
  RowStateCache<NamedState> cache_{2};
};

TEST_F(RowStateCacheTest, ReusesTheParsedStateWhileTheRowIsUnchanged) {
  Write("a", R"({"name":"first","version":1})");
  auto first = Load("a");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->name, "first");
  EXPECT_EQ(Load("a").get(), first.get()) << "same bytes: the same parsed state";
}

TEST_F(RowStateCacheTest, AChangedRowIsParsedAgain) {
  Write("a", R"({"name":"first","version":1})");
  auto first = Load("a");
  Write("a", R"({"name":"second","version":2})");
  auto second = Load("a");
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->name, "second");
  EXPECT_EQ(second->version, 2u);
  EXPECT_EQ(first->name, "first") << "a state handed out earlier is not changed under its holder";
}

TEST_F(RowStateCacheTest, AMissingRowIsABlankStateAtTheStreamVersion) {
  Write("a", R"({"name":"first","version":1})");
  ASSERT_EQ(Load("a")->name, "first");
  Write("a", std::nullopt);  // the row deleted by a second event on the stream
  auto blank = Load("a");
  ASSERT_NE(blank, nullptr);
  EXPECT_EQ(blank->name, "");
  EXPECT_EQ(blank->version, 2u);
}

TEST_F(RowStateCacheTest, ForgetsADeletedRowsState) {
  Write("a", R"({"name":"first","version":1})");
  Write("b", R"({"name":"second","version":1})");
  Load("a");
  Load("b");
  EXPECT_EQ(cache_.size(), 2u);
  cache_.Forget("a");
  EXPECT_EQ(cache_.size(), 1u);
  Write("b", std::nullopt);
  Load("b");  // the row is gone: so is what was kept for it
  EXPECT_EQ(cache_.size(), 0u);
}

TEST_F(RowStateCacheTest, ACorruptRowIsDataLoss) {
  Write("a", "not json");
  auto state = cache_.Load(store_, "things", "a", "stream/a");
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.status().code(), StatusCode::kDataLoss);
}

TEST_F(RowStateCacheTest, PastItsBoundItStartsOverAndStaysCorrect) {
  for (const char* key : {"a", "b", "c", "d"}) Write(key, std::string(R"({"name":")") + key + R"("})");
  for (int round = 0; round < 2; ++round) {
    for (const char* key : {"a", "b", "c", "d"}) EXPECT_EQ(Load(key)->name, key);
  }
}

}  // namespace
}  // namespace cognate
