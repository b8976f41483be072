#include "engine/crypto/encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace cognate::crypto {
namespace {

// RFC 4648 §10 test vectors.
struct Vector {
  const char* plain;
  const char* base64;
  const char* base64url;
  const char* hex;
};
constexpr Vector kVectors[] = {
    {"", "", "", ""},
    {"f", "Zg==", "Zg", "66"},
    {"fo", "Zm8=", "Zm8", "666f"},
    {"foo", "Zm9v", "Zm9v", "666f6f"},
    {"foob", "Zm9vYg==", "Zm9vYg", "666f6f62"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE", "666f6f6261"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy", "666f6f626172"},
};

TEST(Encoding, Rfc4648Vectors) {
  for (const Vector& v : kVectors) {
    EXPECT_EQ(Base64Encode(v.plain), v.base64);
    EXPECT_EQ(Base64UrlEncode(v.plain), v.base64url);
    EXPECT_EQ(HexEncode(v.plain), v.hex);
    EXPECT_EQ(Base64Decode(v.base64).value(), v.plain);
    EXPECT_EQ(Base64UrlDecode(v.base64url).value(), v.plain);
    EXPECT_EQ(Base64UrlDecode(v.base64).value(), v.plain) << "padded base64url is accepted";
    EXPECT_EQ(HexDecode(v.hex).value(), v.plain);
  }
}

TEST(Encoding, Base64WithoutPaddingIsTheStandardAlphabetUnpadded) {
  for (const Vector& v : kVectors) {
    EXPECT_EQ(Base64EncodeNoPadding(v.plain),
              std::string(v.base64).substr(0, std::string(v.base64).find('=')));
  }
  EXPECT_EQ(Base64EncodeNoPadding(std::string("\xfb\xff\xbf", 3)), "+/+/");
  EXPECT_EQ(Base64DecodeNoPadding("Zm9vYg").value(), "foob");
  for (const char* bad : {"Zm9vYg==", "Zm9vYh", "Zm9vY", "-_-_", "Zm9v\n"}) {
    EXPECT_FALSE(Base64DecodeNoPadding(bad).ok()) << bad;
  }
}

TEST(Encoding, UrlAlphabetDiffersFromStandard) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64Encode(bytes), "+/+/");
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
  EXPECT_FALSE(Base64Decode("-_-_").ok());
  EXPECT_FALSE(Base64UrlDecode("+/+/").ok());
}

TEST(Encoding, RoundTripsEveryByteAndLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t len = 0; len <= all.size(); ++len) {
    const std::string data = all.substr(all.size() - len);
    EXPECT_EQ(Base64Decode(Base64Encode(data)).value(), data);
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(data)).value(), data);
    EXPECT_EQ(Base64DecodeNoPadding(Base64EncodeNoPadding(data)).value(), data);
    EXPECT_EQ(HexDecode(HexEncode(data)).value(), data);
  }
}

TEST(Encoding, HexIsLowercaseAndDecodesUppercase) {
  EXPECT_EQ(HexEncode("\xab\xcd\xef"), "abcdef");
  EXPECT_EQ(HexDecode("ABcdEF").value(), "\xab\xcd\xef");
}

TEST(Encoding, Base64RejectsInvalidInput) {
  for (const char* bad : {"Zg", "Zg=", "Zg=a", "Z===", "====", "Zm9v\n", "Zm9v YmFy",
                          "Zm9v!A==", "Zh==", "Zm9=", "Zm8==", "Zm9vYg==x"}) {
    const Result<std::string> r = Base64Decode(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

// The decoder reads whole quanta and then a 2- or 3-character tail: a bad character anywhere in
// either, and stray bits in either tail, must be refused.
TEST(Encoding, Base64RejectsABadCharacterAtEveryPosition) {
  for (std::string good : {"Zm9vYmFyYmF6", "Zm9vYmFyYg", "Zm9vYmFyYmE"}) {
    ASSERT_TRUE(Base64UrlDecode(good).ok()) << good;
    for (size_t i = 0; i < good.size(); ++i) {
      for (char bad : {'!', '=', '\0', '\xff', '+'}) {
        std::string text = good;
        text[i] = bad;
        EXPECT_FALSE(Base64UrlDecode(text).ok()) << good << " with a bad character at " << i;
      }
    }
  }
  EXPECT_EQ(Base64UrlDecode("Zm9vYmFyYg").value(), "foobarb");
  EXPECT_EQ(Base64UrlDecode("Zm9vYmFyYmE").value(), "foobarba");
  EXPECT_FALSE(Base64UrlDecode("Zm9vYmFyYh").ok());   // 4 stray bits
  EXPECT_FALSE(Base64UrlDecode("Zm9vYmFyYmF").ok());  // 2 stray bits
}

TEST(Encoding, Base64UrlRejectsInvalidInput) {
  for (const char* bad : {"Z", "Zg=", "Zg===", "Zm9v=", "Zh", "Zm9", "Zm+v", "Zm/v", "Zm9 v"}) {
    EXPECT_FALSE(Base64UrlDecode(bad).ok()) << bad;
  }
}

TEST(Encoding, HexRejectsInvalidInput) {
  for (const char* bad : {"0", "abc", "0g", "zz", " 00", "0x00"}) {
    EXPECT_FALSE(HexDecode(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace cognate::crypto
