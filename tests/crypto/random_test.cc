#include "engine/crypto/random.h"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace cognate::crypto {
namespace {

TEST(Random, BytesHaveTheRequestedLengthAndDiffer) {
  EXPECT_EQ(RandomBytes(0), "");
  const std::string a = RandomBytes(32);
  const std::string b = RandomBytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(RandomBytes(100000).size(), 100000u);
}

TEST(Random, StringUsesOnlyTheAlphabet) {
  const std::string alphabet = "abcXYZ019-_";
  const std::string s = RandomString(1000, alphabet);
  ASSERT_EQ(s.size(), 1000u);
  for (char c : s) EXPECT_NE(alphabet.find(c), std::string::npos) << c;
  EXPECT_EQ(RandomString(5, "q"), "qqqqq");
  EXPECT_EQ(RandomString(0, "ab"), "");
}

TEST(Random, StringCoversTheAlphabetEvenly) {
  // 60000 draws from 3 symbols: each count has mean 20000 and standard deviation ~115, so the
  // ±2000 band fails only for a broken sampler, never by chance.
  const std::string s = RandomString(60000, "abc");
  std::array<int, 3> counts{};
  for (char c : s) ++counts[static_cast<size_t>(c - 'a')];
  for (int count : counts) {
    EXPECT_GT(count, 18000);
    EXPECT_LT(count, 22000);
  }
}

TEST(Random, StringAcceptsAFullByteAlphabet) {
  std::string alphabet;
  for (int i = 0; i < 256; ++i) alphabet.push_back(static_cast<char>(i));
  EXPECT_EQ(RandomString(64, alphabet).size(), 64u);
}

TEST(Random, DigitsAreDecimal) {
  for (int i = 0; i < 100; ++i) {
    const std::string code = RandomDigits(6);
    ASSERT_EQ(code.size(), 6u);
    for (char c : code) EXPECT_TRUE(c >= '0' && c <= '9') << code;
  }
}

TEST(Random, UuidV4IsCanonical) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewUuidV4();
    ASSERT_EQ(id.size(), 36u);
    for (size_t j = 0; j < id.size(); ++j) {
      if (j == 8 || j == 13 || j == 18 || j == 23) {
        EXPECT_EQ(id[j], '-') << id;
      } else {
        EXPECT_TRUE((id[j] >= '0' && id[j] <= '9') || (id[j] >= 'a' && id[j] <= 'f')) << id;
      }
    }
    EXPECT_EQ(id[14], '4') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Random, ThreadsNeverDrawTheSameBytes) {
  // Small draws come from per-thread buffers: no two threads (and no two draws) may repeat.
  constexpr int kThreads = 4;
  constexpr int kDraws = 2000;
  std::vector<std::vector<std::string>> drawn(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&drawn, t] {
      for (int i = 0; i < kDraws; ++i) {
        drawn[t].push_back(i % 3 == 0 ? RandomBytes(16) : NewUuidV4());
        if (i % 100 == 0) drawn[t].push_back(RandomBytes(1000));  // past the buffer, interleaved
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> seen;
  size_t total = 0;
  for (const auto& draws : drawn) {
    total += draws.size();
    seen.insert(draws.begin(), draws.end());
  }
  EXPECT_EQ(seen.size(), total);
}

TEST(Random, EveryDrawSizeAroundTheBufferIsFilled) {
  // A draw that does not fit the buffer's rest refills it; the bytes must still look random
  // (an all-zero 64-byte draw would mean the copy missed).
  for (size_t n : {1u, 7u, 63u, 64u, 65u, 511u, 512u, 513u}) {
    for (int i = 0; i < 20; ++i) {
      const std::string bytes = RandomBytes(n);
      ASSERT_EQ(bytes.size(), n);
      if (n >= 32) {
        EXPECT_NE(bytes, std::string(n, '\0')) << n;
      }
    }
  }
}

}  // namespace
}  // namespace cognate::crypto
