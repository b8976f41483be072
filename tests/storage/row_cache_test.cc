#include "storage/row_cache.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace cognate::storage {
namespace {

std::string Cached(const RowCache& cache, const std::string& key) {
  std::optional<std::string> value;
  if (!cache.Lookup(key, &value)) return "(not cached)";
  return value ? *value : "(absent)";
}

TEST(RowCache, KeepsWhatWasReadUntilAWriteForgetsIt) {
  RowCache cache(1 << 20);
  EXPECT_EQ(Cached(cache, "k"), "(not cached)");
  cache.InsertIfUnchanged("k", "v1", cache.Generation());
  EXPECT_EQ(Cached(cache, "k"), "v1");
  cache.Forget({"other"});
  EXPECT_EQ(Cached(cache, "k"), "v1");
  cache.Forget({"k"});
  EXPECT_EQ(Cached(cache, "k"), "(not cached)");
}

TEST(RowCache, KeepsThatARowIsAbsent) {
  RowCache cache(1 << 20);
  cache.InsertIfUnchanged("k", std::nullopt, cache.Generation());
  EXPECT_EQ(Cached(cache, "k"), "(absent)");
  cache.Forget({"k"});  // a write that puts it
  EXPECT_EQ(Cached(cache, "k"), "(not cached)");
}

TEST(RowCache, DropsAValueReadBeforeAWrite) {
  RowCache cache(1 << 20);
  const uint64_t read_at = cache.Generation();
  cache.Forget({"unrelated"});  // any write may have changed what the read saw
  cache.InsertIfUnchanged("k", "old", read_at);
  EXPECT_EQ(Cached(cache, "k"), "(not cached)");
  cache.InsertIfUnchanged("k", "new", cache.Generation());
  EXPECT_EQ(Cached(cache, "k"), "new");
}

TEST(RowCache, StartsAgainEmptyPastItsBudget) {
  RowCache cache(1000);
  const std::string value(300, 'x');
  cache.InsertIfUnchanged("a", value, cache.Generation());
  cache.InsertIfUnchanged("b", value, cache.Generation());
  EXPECT_LE(cache.bytes(), 1000u);
  EXPECT_EQ(Cached(cache, "a"), value);
  cache.InsertIfUnchanged("c", value, cache.Generation());  // past the budget
  EXPECT_EQ(Cached(cache, "a"), "(not cached)");
  EXPECT_EQ(Cached(cache, "c"), value);
  cache.InsertIfUnchanged("huge", std::string(2000, 'y'), cache.Generation());
  EXPECT_EQ(Cached(cache, "huge"), "(not cached)");
}

TEST(RowCache, AZeroBudgetKeepsNothing) {
  RowCache cache(0);
  cache.InsertIfUnchanged("k", "v", cache.Generation());
  EXPECT_EQ(Cached(cache, "k"), "(not cached)");
}

TEST(RowCache, ReplacingAValueKeepsTheCountOfBytes) {
  RowCache cache(1 << 20);
  cache.InsertIfUnchanged("k", std::string(100, 'a'), cache.Generation());
  const size_t one = cache.bytes();
  cache.InsertIfUnchanged("k", std::string(100, 'b'), cache.Generation());
  EXPECT_EQ(cache.bytes(), one);
  cache.Clear();
  EXPECT_EQ(cache.bytes(), 0u);
}

}  // namespace
}  // namespace cognate::storage
