#include "engine/crypto/hash.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <random>
#include <string>

#include "engine/crypto/encoding.h"

namespace cognate::crypto {
namespace {

TEST(Hash, Sha256KnownAnswers) {
  // FIPS 180-2 examples.
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string raw = Sha256("abc");
  EXPECT_EQ(raw.size(), kSha256Size);
  EXPECT_EQ(HexEncode(raw), Sha256Hex("abc"));
}

TEST(Hash, HmacSha256Rfc4231) {
  // Test case 1.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: key shorter than the block.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: key longer than the block.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Hash, HmacWithEmptyKeyAndMessage) {
  // Computed with Python's hmac module.
  EXPECT_EQ(HexEncode(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

// HmacSha256 pads the key itself; OpenSSL's HMAC() is the reference, at every key length around
// the 64-byte block (where padding turns into hashing the key) and message lengths around it.
TEST(Hash, HmacSha256AgreesWithOpenSslAtEveryKeyLengthAroundTheBlock) {
  std::mt19937 random(20261124);
  auto bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(random() & 0xff);
    return s;
  };
  for (size_t key_size : {size_t{0}, size_t{1}, size_t{31}, size_t{32}, size_t{63}, size_t{64}, size_t{65},
                          size_t{127}, size_t{128}, size_t{200}}) {
    for (size_t message_size : {size_t{0}, size_t{1}, size_t{55}, size_t{56}, size_t{64}, size_t{1000}}) {
      const std::string key = bytes(key_size);
      const std::string message = bytes(message_size);
      unsigned char expected[32];
      unsigned int len = 0;
      static const unsigned char kEmpty = 0;
      ASSERT_NE(HMAC(EVP_sha256(), key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data()),
                     static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
                     message.size(), expected, &len),
                nullptr);
      EXPECT_EQ(HmacSha256(key, message), std::string(reinterpret_cast<const char*>(expected), len))
          << "key " << key_size << " bytes, message " << message_size << " bytes";
    }
  }
}

TEST(Hash, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace cognate::crypto
