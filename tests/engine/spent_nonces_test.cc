#include "engine/service/spent_nonces.h"

#include <gtest/gtest.h>

#include <string>

namespace cognate {
namespace {

TEST(SpentNonces, ANonceIsSpentOnceUntilItExpires) {
  SpentNonces spent;
  EXPECT_TRUE(spent.Spend("a", /*expires_at_ms=*/100, /*now_ms=*/0));
  EXPECT_FALSE(spent.Spend("a", 100, 50));
  EXPECT_FALSE(spent.Spend("a", 100, 100));  // expires after its last millisecond
  EXPECT_TRUE(spent.Spend("b", 200, 100));
  EXPECT_TRUE(spent.Spend("a", 300, 101));  // expired, so dropped, and new again
  EXPECT_FALSE(spent.Spend("a", 300, 150));
}

TEST(SpentNonces, DropsOnlyTheExpired) {
  SpentNonces spent;
  for (int i = 0; i < 1000; ++i) {
    std::string nonce = "n";  // built piecewise: "n" + to_string() trips a GCC 12 -Wrestrict false alarm
    nonce += std::to_string(i);
    ASSERT_TRUE(spent.Spend(nonce, /*expires_at_ms=*/i, 0));
  }
  EXPECT_EQ(spent.size(), 1000u);
  EXPECT_TRUE(spent.Spend("late", 5000, /*now_ms=*/500));  // 0..499 expired
  EXPECT_EQ(spent.size(), 501u);
  EXPECT_FALSE(spent.Spend("n500", 500, 500));
  EXPECT_TRUE(spent.Spend("n499", 600, 500));
}

TEST(SpentNonces, NoncesWithTheSameExpiryAreKeptApart) {
  SpentNonces spent;
  EXPECT_TRUE(spent.Spend("x", 10, 0));
  EXPECT_TRUE(spent.Spend("y", 10, 0));
  EXPECT_FALSE(spent.Spend("y", 10, 5));
  EXPECT_TRUE(spent.Spend("z", 20, 11));  // both expire together
  EXPECT_EQ(spent.size(), 1u);
}

}  // namespace
}  // namespace cognate
