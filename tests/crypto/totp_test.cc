#include "engine/crypto/totp.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace cognate::crypto {
namespace {

constexpr char kRfcKey[] = "12345678901234567890";  // RFC 4226 / RFC 6238 SHA-1 seed

TEST(Base32, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(Base32Encode(""), "");
  EXPECT_EQ(Base32Encode("f"), "MY");
  EXPECT_EQ(Base32Encode("fo"), "MZXQ");
  EXPECT_EQ(Base32Encode("foo"), "MZXW6");
  EXPECT_EQ(Base32Encode("foob"), "MZXW6YQ");
  EXPECT_EQ(Base32Encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
}

TEST(Base32, DecodesRfc4648VectorsPaddedOrNot) {
  EXPECT_EQ(*Base32Decode(""), "");
  EXPECT_EQ(*Base32Decode("MY======"), "f");
  EXPECT_EQ(*Base32Decode("MZXQ===="), "fo");
  EXPECT_EQ(*Base32Decode("MZXW6==="), "foo");
  EXPECT_EQ(*Base32Decode("MZXW6YQ="), "foob");
  EXPECT_EQ(*Base32Decode("MZXW6YTB"), "fooba");
  EXPECT_EQ(*Base32Decode("MZXW6YTBOI======"), "foobar");
  EXPECT_EQ(*Base32Decode("MZXW6YTBOI"), "foobar");
}

TEST(Base32, DecodeIsCaseInsensitiveAndSkipsSpaces) {
  EXPECT_EQ(*Base32Decode("mzxw 6ytb oi"), "foobar");
  EXPECT_EQ(*Base32Decode("MzXw6YtBoI"), "foobar");
}

TEST(Base32, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t len = 0; len <= all.size(); len += 7) {
    const std::string bytes = all.substr(0, len);
    Result<std::string> back = Base32Decode(Base32Encode(bytes));
    ASSERT_TRUE(back.ok()) << len;
    EXPECT_EQ(*back, bytes);
  }
}

TEST(Base32, DecodeRejectsBadInput) {
  EXPECT_EQ(Base32Decode("MZXW1").status().code(), StatusCode::kInvalidArgument);  // '1'
  EXPECT_EQ(Base32Decode("MZ8W").status().code(), StatusCode::kInvalidArgument);   // '8'
  EXPECT_EQ(Base32Decode("MZ-W").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Base32Decode("MZ\nW").status().code(), StatusCode::kInvalidArgument);
  // Lengths no encoder writes: 1, 3 and 6 symbols past a multiple of 8.
  EXPECT_EQ(Base32Decode("M").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Base32Decode("MZX").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Base32Decode("MZXW6Y").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Base32Decode("MZXW6YTBM").status().code(), StatusCode::kInvalidArgument);
}

TEST(Totp, Rfc4226HotpVectors) {
  // Appendix D, counters 0..9: a one-second period makes the time the counter.
  const char* const kExpected[] = {"755224", "287082", "359152", "969429", "338314",
                                   "254676", "287922", "162583", "399871", "520489"};
  for (int64_t counter = 0; counter < 10; ++counter) {
    EXPECT_EQ(TotpCode(kRfcKey, counter, 6, 1), kExpected[counter]) << counter;
  }
}

TEST(Totp, Rfc6238Sha1Vectors) {
  // Appendix B, SHA-1 rows: 8 digits, 30 second period.
  EXPECT_EQ(TotpCode(kRfcKey, 59, 8), "94287082");
  EXPECT_EQ(TotpCode(kRfcKey, 1111111109, 8), "07081804");
  EXPECT_EQ(TotpCode(kRfcKey, 1111111111, 8), "14050471");
  EXPECT_EQ(TotpCode(kRfcKey, 1234567890, 8), "89005924");
  EXPECT_EQ(TotpCode(kRfcKey, 2000000000, 8), "69279037");
  EXPECT_EQ(TotpCode(kRfcKey, 20000000000, 8), "65353130");
}

TEST(Totp, DefaultsAreSixDigitsAndThirtySeconds) {
  // The low six digits of the eight-digit code: the truncated value is reduced mod 10^digits.
  EXPECT_EQ(TotpCode(kRfcKey, 59), "287082");
  EXPECT_EQ(TotpCode(kRfcKey, 1111111109), "081804");
  EXPECT_EQ(TotpCode(kRfcKey, 30), TotpCode(kRfcKey, 59));
  EXPECT_NE(TotpCode(kRfcKey, 29), TotpCode(kRfcKey, 30));
}

TEST(Totp, TimesBeforeTheEpochAreStepZero) {
  EXPECT_EQ(TotpCode(kRfcKey, -100), TotpCode(kRfcKey, 0));
}

TEST(TotpMatch, ReturnsTheMatchedStep) {
  const int64_t now = 1111111111;  // step 37037037
  EXPECT_EQ(TotpMatch(kRfcKey, TotpCode(kRfcKey, now), now), 37037037);
  EXPECT_EQ(TotpMatch(kRfcKey, "14050471", now, 1, 8), 37037037);
}

TEST(TotpMatch, AcceptsNeighbouringStepsWithinTheWindow) {
  const int64_t now = 1111111111;
  EXPECT_EQ(TotpMatch(kRfcKey, TotpCode(kRfcKey, now - 30), now), 37037036);
  EXPECT_EQ(TotpMatch(kRfcKey, TotpCode(kRfcKey, now + 30), now), 37037038);
  EXPECT_EQ(TotpMatch(kRfcKey, TotpCode(kRfcKey, now - 60), now), std::nullopt);
  EXPECT_EQ(TotpMatch(kRfcKey, TotpCode(kRfcKey, now + 60), now), std::nullopt);
  EXPECT_EQ(TotpMatch(kRfcKey, TotpCode(kRfcKey, now - 60), now, 2), 37037035);
  EXPECT_EQ(TotpMatch(kRfcKey, TotpCode(kRfcKey, now - 30), now, 0), std::nullopt);
}

TEST(TotpMatch, NeverConsidersNegativeSteps) {
  // At step 0 the window reaches back to -1, which does not exist.
  EXPECT_EQ(TotpMatch(kRfcKey, TotpCode(kRfcKey, 0), 10), 0);
  EXPECT_EQ(TotpMatch(kRfcKey, TotpCode(kRfcKey, 30), 10), 1);
}

TEST(TotpMatch, RejectsWrongCodesAndMalformedInput) {
  const int64_t now = 1234567890;
  const std::string good = TotpCode(kRfcKey, now);
  std::string wrong = good;
  wrong[0] = wrong[0] == '9' ? '0' : static_cast<char>(wrong[0] + 1);
  EXPECT_EQ(TotpMatch(kRfcKey, wrong, now, 0), std::nullopt);
  EXPECT_EQ(TotpMatch(kRfcKey, "", now), std::nullopt);
  EXPECT_EQ(TotpMatch(kRfcKey, good.substr(0, 5), now), std::nullopt);
  EXPECT_EQ(TotpMatch(kRfcKey, good + "0", now), std::nullopt);
  EXPECT_EQ(TotpMatch(kRfcKey, "abcdef", now), std::nullopt);
  EXPECT_EQ(TotpMatch("another key", good, now, 0), std::nullopt);
}

TEST(TotpMatch, WorksWithABase32Secret) {
  // What an authenticator app does with a SecretCode: decode, then compute.
  const std::string secret = Base32Encode(kRfcKey);
  EXPECT_EQ(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  Result<std::string> key = Base32Decode(secret);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(TotpCode(*key, 59, 8), "94287082");
}

}  // namespace
}  // namespace cognate::crypto
