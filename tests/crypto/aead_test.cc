#include "engine/crypto/aead.h"

#include <gtest/gtest.h>

#include <string>

#include "engine/crypto/random.h"

namespace cognate::crypto {
namespace {

const std::string kKey = RandomBytes(kAeadKeySize);

void ExpectDataLoss(const Result<std::string>& r) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
}

TEST(Aead, RoundTrip) {
  const std::string plaintext("key\x00\x01\xff", 6);
  const std::string sealed = Seal(kKey, plaintext, "user/pool/123");
  EXPECT_EQ(sealed.size(), plaintext.size() + kAeadOverhead);
  EXPECT_EQ(Open(kKey, sealed, "user/pool/123").value(), plaintext);
}

TEST(Aead, EmptyPlaintextAndAad) {
  const std::string sealed = Seal(kKey, "", "");
  EXPECT_EQ(sealed.size(), kAeadOverhead);
  EXPECT_EQ(Open(kKey, sealed, "").value(), "");
}

TEST(Aead, NonceIsFreshEachSeal) {
  const std::string a = Seal(kKey, "same", "aad");
  const std::string b = Seal(kKey, "same", "aad");
  EXPECT_NE(a.substr(0, kAeadNonceSize), b.substr(0, kAeadNonceSize));
  EXPECT_NE(a, b);
}

TEST(Aead, DetectsABitFlipAnywhere) {
  const std::string plaintext = "private key bytes";
  const std::string sealed = Seal(kKey, plaintext, "aad");
  const size_t nonce_byte = 3;
  const size_t ciphertext_byte = kAeadNonceSize + 5;
  const size_t tag_byte = sealed.size() - 1;
  for (size_t i : {nonce_byte, ciphertext_byte, tag_byte}) {
    std::string tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    ExpectDataLoss(Open(kKey, tampered, "aad"));
  }
  // Every byte, to be thorough (cheap).
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x80);
    EXPECT_FALSE(Open(kKey, tampered, "aad").ok()) << i;
  }
}

TEST(Aead, DetectsWrongAadWrongKeyAndTruncation) {
  const std::string sealed = Seal(kKey, "secret", "record-1");
  ExpectDataLoss(Open(kKey, sealed, "record-2"));
  ExpectDataLoss(Open(kKey, sealed, "record-1x"));
  ExpectDataLoss(Open(kKey, sealed, ""));
  ExpectDataLoss(Open(RandomBytes(kAeadKeySize), sealed, "record-1"));
  ExpectDataLoss(Open(kKey, sealed.substr(0, sealed.size() - 1), "record-1"));
  ExpectDataLoss(Open(kKey, sealed.substr(0, kAeadOverhead - 1), "record-1"));
  ExpectDataLoss(Open(kKey, "", "record-1"));
  ExpectDataLoss(Open(kKey, sealed + "x", "record-1"));
}

TEST(Aead, RejectsBadKeySize) {
  const std::string sealed = Seal(kKey, "secret", "");
  const Result<std::string> r = Open(kKey.substr(0, 16), sealed, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(AeadDeathTest, SealAbortsOnBadKeySize) { EXPECT_DEATH(Seal("short", "x", ""), "32-byte key"); }

TEST(Aead, LargePlaintext) {
  const std::string plaintext = RandomBytes(1 << 20);
  EXPECT_EQ(Open(kKey, Seal(kKey, plaintext, "big"), "big").value(), plaintext);
}

}  // namespace
}  // namespace cognate::crypto
