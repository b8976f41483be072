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

void Read(RowCache& cache, const std::string& key, const std::optional<std::string>& value) {
  cache.InsertIfUnchanged(key, value, cache.Before(key));
}

TEST(RowCache, KeepsWhatWasReadUntilAWriteOfItsKey) {
  RowCache cache(1 << 20);
  EXPECT_EQ(Cached(cache, "k"), "(not cached)");
  Read(cache, "k", "v1");
  EXPECT_EQ(Cached(cache, "k"), "v1");
  cache.BeginWrite({"other"});
  cache.EndWrite({"other"});
  EXPECT_EQ(Cached(cache, "k"), "v1");
  cache.BeginWrite({"k"});
  EXPECT_EQ(Cached(cache, "k"), "(not cached)");
  cache.EndWrite({"k"});
  EXPECT_EQ(Cached(cache, "k"), "(not cached)");
}

TEST(RowCache, KeepsThatARowIsAbsent) {
  RowCache cache(1 << 20);
  Read(cache, "k", std::nullopt);
  EXPECT_EQ(Cached(cache, "k"), "(absent)");
}

TEST(RowCache, RefusesAValueReadBeforeOrDuringAWriteOfItsKey) {
  RowCache cache(1 << 20);
  const RowCache::Ticket before = cache.Before("k");
  cache.BeginWrite({"k"});
  cache.InsertIfUnchanged("k", "old", before);  // read before the write began
  EXPECT_EQ(Cached(cache, "k"), "(not cached)");
  Read(cache, "k", "either");  // read while it runs: old or new, so neither is kept
  EXPECT_EQ(Cached(cache, "k"), "(not cached)");
  const RowCache::Ticket during = cache.Before("k");
  cache.EndWrite({"k"});
  cache.InsertIfUnchanged("k", "either", during);
  EXPECT_EQ(Cached(cache, "k"), "(not cached)");
  Read(cache, "k", "new");
  EXPECT_EQ(Cached(cache, "k"), "new");
}

TEST(RowCache, AWriteHoldsBackOnlyItsOwnStripes) {
  RowCache cache(1 << 20);
  // Of many keys, most share no stripe with the one written, and those are still cached.
  cache.BeginWrite({"written"});
  int kept = 0;
  for (int i = 0; i < 100; ++i) {
    std::string key = "k";
    key += std::to_string(i);
    Read(cache, key, "v");
    if (Cached(cache, key) == "v") ++kept;
  }
  cache.EndWrite({"written"});
  EXPECT_GE(kept, 90);
}

TEST(RowCache, ABulkWriteDropsEverythingAndHoldsBackEveryRead) {
  RowCache cache(1 << 20);
  Read(cache, "a", "1");
  const RowCache::Ticket before = cache.Before("b");
  cache.BeginBulkWrite();
  EXPECT_EQ(Cached(cache, "a"), "(not cached)");
  Read(cache, "a", "2");
  EXPECT_EQ(Cached(cache, "a"), "(not cached)");
  cache.EndBulkWrite();
  cache.InsertIfUnchanged("b", "old", before);
  EXPECT_EQ(Cached(cache, "b"), "(not cached)");
  Read(cache, "a", "3");
  EXPECT_EQ(Cached(cache, "a"), "3");
}

TEST(RowCache, StartsAgainEmptyPastItsBudget) {
  RowCache cache(1000);
  const std::string value(300, 'x');
  Read(cache, "a", value);
  Read(cache, "b", value);
  EXPECT_LE(cache.bytes(), 1000u);
  EXPECT_EQ(Cached(cache, "a"), value);
  Read(cache, "c", value);  // past the budget
  EXPECT_EQ(Cached(cache, "a"), "(not cached)");
  EXPECT_EQ(Cached(cache, "c"), value);
  Read(cache, "huge", std::string(2000, 'y'));
  EXPECT_EQ(Cached(cache, "huge"), "(not cached)");
}

TEST(RowCache, AZeroBudgetKeepsNothing) {
  RowCache cache(0);
  Read(cache, "k", "v");
  EXPECT_EQ(Cached(cache, "k"), "(not cached)");
}

TEST(RowCache, ReplacingAValueKeepsTheCountOfBytes) {
  RowCache cache(1 << 20);
  Read(cache, "k", std::string(100, 'a'));
  const size_t one = cache.bytes();
  Read(cache, "k", std::string(100, 'b'));
  EXPECT_EQ(cache.bytes(), one);
}

}  // namespace
}  // namespace cognate::storage
