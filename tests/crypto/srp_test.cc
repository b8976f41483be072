#include "engine/crypto/srp.h"

#include <gtest/gtest.h>

#include <cctype>
#include <ctime>
#include <string>

#include "engine/crypto/encoding.h"
#include "engine/crypto/hash.h"
#include "engine/crypto/random.h"

namespace cognate::crypto {
namespace {

// RFC 3526 §4, copied independently of the module.
constexpr char kRfc3526Prime3072[] =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404"
    "DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7"
    "ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF"
    "5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE"
    "3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA05"
    "10"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4"
    "C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B20"
    "0C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFF"
    "FF";

constexpr char kPoolName[] = "AbCdEfGhI";
constexpr char kUserId[] = "7c8d9e0f-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
constexpr char kPassword[] = "Correct horse battery staple!1";
constexpr char kTimestamp[] = "Tue Jan 7 09:05:03 UTC 2025";

TEST(Srp, ModulusIsRfc3526Group15) {
  EXPECT_EQ(SrpModulus(), HexDecode(kRfc3526Prime3072).value());
  EXPECT_EQ(SrpModulus().size(), kSrpModulusSize);
}

TEST(Srp, MultiplierIsHashOfPaddedNAndUnpaddedG) {
  const std::string n = HexDecode(kRfc3526Prime3072).value();
  const std::string expected = Sha256(std::string(1, '\0') + n + std::string(1, '\x02'));
  EXPECT_EQ(SrpMultiplier(), expected);
  // The value amazon-cognito-identity-js 6.3.21 computes for `k`.
  EXPECT_EQ(HexEncode(SrpMultiplier()),
            "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6");
}

TEST(Srp, PadHexAndToHexFollowTheClients) {
  EXPECT_EQ(SrpPadHex(""), "00");
  EXPECT_EQ(SrpPadHex(std::string(3, '\0')), "00");
  EXPECT_EQ(SrpPadHex("\x7f"), "7f");
  EXPECT_EQ(SrpPadHex("\x80"), "0080");
  EXPECT_EQ(SrpPadHex(std::string("\x00\x01\x23", 3)), "0123");
  EXPECT_EQ(SrpPadHex(std::string("\x00\xab", 2)), "00ab");
  EXPECT_EQ(SrpPadHex("\x0a\xbc"), "0abc");
  EXPECT_EQ(SrpToHex(""), "0");
  EXPECT_EQ(SrpToHex(std::string("\x00\x0a\xbc", 3)), "abc");
  EXPECT_EQ(SrpToHex("\xff\x01"), "ff01");
}

// Every expected value below was computed by the real amazon-cognito-identity-js 6.3.21
// AuthenticationHelper (client side: A, K, signature) and by an independent BigInt computation
// of v and B, from these inputs.
struct KnownAnswer {
  std::string salt = Sha256("cognate-srp-kat-salt").substr(0, 16);
  std::string secret_a = Sha256("cognate-srp-kat-a0") + Sha256("cognate-srp-kat-a1") +
                         Sha256("cognate-srp-kat-a2") + Sha256("cognate-srp-kat-a3");
  std::string secret_b = Sha256("cognate-srp-kat-b");
  std::string secret_block = (Sha256("block0") + Sha256("block1")).substr(0, 50);
};

TEST(Srp, MatchesAmazonCognitoIdentityJs) {
  const KnownAnswer kat;
  EXPECT_EQ(HexEncode(kat.salt), "a9c23c5c803ab3ba33632592ad3b15f6");
  EXPECT_EQ(SrpPadHex(kat.salt), "00a9c23c5c803ab3ba33632592ad3b15f6");
  EXPECT_EQ(Base64Encode(kat.secret_block),
            "PaKJLTeCPZKY4dUBHX3PqvLZ2abUZemb4zr1vh2HwSuaWcX4IpqrVen4VRc++USFqrg=");

  const std::string verifier = ComputeSrpVerifier(kPoolName, kUserId, kPassword, kat.salt);
  EXPECT_EQ(verifier.size(), kSrpModulusSize);
  EXPECT_EQ(Sha256Hex(verifier),
            "9280e9adb315a06fa7eb5297b56e6f0a68a28da8c4519b23d011b3d0e6276e96");

  const SrpClientEphemeral client = SrpClientStartWithSecret(kat.secret_a);
  EXPECT_EQ(client.public_a_hex.substr(0, 16), "b6595803248c5c31");
  EXPECT_EQ(Sha256Hex(client.public_a_hex),
            "213516e244d38316fed06989a93f006f25fe33207553fc87a6a5e83b1ea1d665");

  const SrpServerEphemeral server = SrpServerStartWithSecret(verifier, kat.secret_b).value();
  EXPECT_EQ(Sha256Hex(server.public_b),
            "ffbf9617b2f96507f8eb4dab14ffcc330f21ae4d76f286176851c2be8bc4d8b5");

  const std::string expected_key = HexDecode("e107a1d2db828448e2026143be650e45").value();
  EXPECT_EQ(
      SrpServerSessionKey(client.public_a_hex, server.secret_b, server.public_b, verifier).value(),
      expected_key);
  EXPECT_EQ(SrpClientSessionKey(kPoolName, kUserId, kPassword, SrpPadHex(kat.salt),
                                SrpToHex(server.public_b), client)
                .value(),
            expected_key);

  EXPECT_EQ(
      SrpPasswordClaimSignature(expected_key, kPoolName, kUserId, kat.secret_block, kTimestamp),
      "k2Yud1h3hOfnrOSISCEEyVIlp0++05F9+wVdkyuEQDM=");
  EXPECT_TRUE(CheckSrpPasswordClaimSignature(expected_key, kPoolName, kUserId, kat.secret_block,
                                             kTimestamp,
                                             "k2Yud1h3hOfnrOSISCEEyVIlp0++05F9+wVdkyuEQDM="));
}

TEST(Srp, FullHandshakeAgrees) {
  const std::string salt = RandomBytes(16);
  const std::string verifier = ComputeSrpVerifier(kPoolName, kUserId, kPassword, salt);
  const SrpClientEphemeral client = SrpClientStart();
  EXPECT_EQ(client.secret_a.size(), 128u);
  const SrpServerEphemeral server = SrpServerStart(verifier).value();
  EXPECT_EQ(server.secret_b.size(), 32u);
  EXPECT_EQ(server.public_b.size(), kSrpModulusSize);

  const std::string secret_block = RandomBytes(64);
  const std::string client_key = SrpClientSessionKey(kPoolName, kUserId, kPassword, SrpPadHex(salt),
                                                     SrpToHex(server.public_b), client)
                                     .value();
  const std::string server_key =
      SrpServerSessionKey(client.public_a_hex, server.secret_b, server.public_b, verifier).value();
  EXPECT_EQ(client_key.size(), kSrpSessionKeySize);
  EXPECT_EQ(client_key, server_key);

  const std::string signature =
      SrpPasswordClaimSignature(client_key, kPoolName, kUserId, secret_block, kTimestamp);
  EXPECT_EQ(signature.size(), 44u);
  EXPECT_TRUE(CheckSrpPasswordClaimSignature(server_key, kPoolName, kUserId, secret_block,
                                             kTimestamp, signature));
  // The signature covers every input.
  EXPECT_FALSE(CheckSrpPasswordClaimSignature(server_key, kPoolName, kUserId, secret_block,
                                              "Tue Jan 7 09:05:04 UTC 2025", signature));
  EXPECT_FALSE(CheckSrpPasswordClaimSignature(server_key, kPoolName, kUserId, secret_block + "x",
                                              kTimestamp, signature));
  EXPECT_FALSE(CheckSrpPasswordClaimSignature(server_key, "OtherPool", kUserId, secret_block,
                                              kTimestamp, signature));
  EXPECT_FALSE(CheckSrpPasswordClaimSignature(server_key, kPoolName, kUserId, secret_block,
                                              kTimestamp, "not base64"));
}

TEST(Srp, VerifySrpPasswordClaimChecksAWholeAnswerFromTheSavedBOrOneComputedAgain) {
  const std::string salt = RandomBytes(16);
  const std::string verifier = ComputeSrpVerifier(kPoolName, kUserId, kPassword, salt);
  const SrpClientEphemeral client = SrpClientStart();
  const SrpServerEphemeral server = SrpServerStart(verifier).value();
  const std::string block = Base64Encode(RandomBytes(64));
  auto answer = [&](const std::string& password) {
    const std::string key = SrpClientSessionKey(kPoolName, kUserId, password, SrpPadHex(salt),
                                                SrpToHex(server.public_b), client)
                                .value();
    return SrpPasswordClaimSignature(key, kPoolName, kUserId, Base64Decode(block).value(), kTimestamp);
  };

  // With B as saved, and with B computed again from v and b (an empty public_b).
  for (const std::string& public_b : {server.public_b, std::string()}) {
    EXPECT_TRUE(VerifySrpPasswordClaim(verifier, server.secret_b, public_b, client.public_a_hex, kPoolName,
                                       kUserId, block, kTimestamp, answer(kPassword)));
    EXPECT_FALSE(VerifySrpPasswordClaim(verifier, server.secret_b, public_b, client.public_a_hex, kPoolName,
                                        kUserId, block, kTimestamp, answer("wrong password")));
    EXPECT_FALSE(VerifySrpPasswordClaim(verifier, server.secret_b, public_b, "0", kPoolName, kUserId, block,
                                        kTimestamp, answer(kPassword)));
    EXPECT_FALSE(VerifySrpPasswordClaim(verifier, server.secret_b, public_b, client.public_a_hex, kPoolName,
                                        kUserId, "not base64!", kTimestamp, answer(kPassword)));
  }
  // A B other than the one the client answered, or out of range, fails.
  const std::string other_b = SrpServerStart(verifier).value().public_b;
  EXPECT_FALSE(VerifySrpPasswordClaim(verifier, server.secret_b, other_b, client.public_a_hex, kPoolName, kUserId,
                                      block, kTimestamp, answer(kPassword)));
  EXPECT_FALSE(VerifySrpPasswordClaim(verifier, server.secret_b, SrpModulus(), client.public_a_hex, kPoolName,
                                      kUserId, block, kTimestamp, answer(kPassword)));
}

TEST(Srp, HexInputsAreCaseAndZeroPaddingInsensitive) {
  const std::string salt = RandomBytes(16);
  const std::string verifier = ComputeSrpVerifier(kPoolName, kUserId, kPassword, salt);
  const SrpClientEphemeral client = SrpClientStart();
  const SrpServerEphemeral server = SrpServerStart(verifier).value();
  const std::string key =
      SrpServerSessionKey(client.public_a_hex, server.secret_b, server.public_b, verifier).value();
  std::string upper = client.public_a_hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(SrpServerSessionKey("000" + upper, server.secret_b, server.public_b, verifier).value(),
            key);
  EXPECT_EQ(SrpClientSessionKey(kPoolName, kUserId, kPassword, HexEncode(salt),
                                HexEncode(server.public_b), client)
                .value(),
            key);
}

TEST(Srp, WrongPasswordGivesADifferentSignature) {
  const std::string salt = RandomBytes(16);
  const std::string verifier = ComputeSrpVerifier(kPoolName, kUserId, kPassword, salt);
  const SrpClientEphemeral client = SrpClientStart();
  const SrpServerEphemeral server = SrpServerStart(verifier).value();
  const std::string secret_block = RandomBytes(64);
  const std::string client_key =
      SrpClientSessionKey(kPoolName, kUserId, "wrong password", SrpPadHex(salt),
                          SrpToHex(server.public_b), client)
          .value();
  const std::string server_key =
      SrpServerSessionKey(client.public_a_hex, server.secret_b, server.public_b, verifier).value();
  EXPECT_NE(client_key, server_key);
  const std::string signature =
      SrpPasswordClaimSignature(client_key, kPoolName, kUserId, secret_block, kTimestamp);
  EXPECT_NE(signature,
            SrpPasswordClaimSignature(server_key, kPoolName, kUserId, secret_block, kTimestamp));
  EXPECT_FALSE(CheckSrpPasswordClaimSignature(server_key, kPoolName, kUserId, secret_block,
                                              kTimestamp, signature));
}

TEST(Srp, VerifierChecksPasswords) {
  const std::string salt = RandomBytes(16);
  const std::string verifier = ComputeSrpVerifier(kPoolName, kUserId, kPassword, salt);
  EXPECT_TRUE(CheckPasswordAgainstVerifier(kPoolName, kUserId, kPassword, salt, verifier));
  // Leading zeros (e.g. a padHex form) are the same integer.
  EXPECT_TRUE(CheckPasswordAgainstVerifier(kPoolName, kUserId, kPassword, salt,
                                           std::string(1, '\0') + verifier));
  EXPECT_FALSE(CheckPasswordAgainstVerifier(kPoolName, kUserId, "wrong", salt, verifier));
  EXPECT_FALSE(CheckPasswordAgainstVerifier(kPoolName, "other-user", kPassword, salt, verifier));
  EXPECT_FALSE(CheckPasswordAgainstVerifier("OtherPool", kUserId, kPassword, salt, verifier));
  EXPECT_FALSE(
      CheckPasswordAgainstVerifier(kPoolName, kUserId, kPassword, RandomBytes(16), verifier));
  EXPECT_FALSE(CheckPasswordAgainstVerifier(kPoolName, kUserId, kPassword, salt, ""));
  EXPECT_FALSE(CheckPasswordAgainstVerifier(kPoolName, kUserId, kPassword, salt, SrpModulus()));
  // The salt is an integer: a leading zero byte does not change x (clients parse SALT as hex).
  const std::string zero_led_salt = std::string(1, '\0') + salt.substr(1);
  EXPECT_EQ(ComputeSrpVerifier(kPoolName, kUserId, kPassword, zero_led_salt),
            ComputeSrpVerifier(kPoolName, kUserId, kPassword, zero_led_salt.substr(1)));
}

TEST(Srp, ServerRejectsDegenerateA) {
  const std::string salt = RandomBytes(16);
  const std::string verifier = ComputeSrpVerifier(kPoolName, kUserId, kPassword, salt);
  const SrpServerEphemeral server = SrpServerStart(verifier).value();
  const std::string n_hex = HexEncode(SrpModulus());
  for (const std::string& a_hex :
       {std::string("0"), std::string("000"), n_hex, n_hex + "00", std::string(""),
        std::string("xyz"), std::string("-5"), std::string("0x10"), std::string(" 10"),
        std::string(5000, 'f')}) {
    const Result<std::string> r =
        SrpServerSessionKey(a_hex, server.secret_b, server.public_b, verifier);
    ASSERT_FALSE(r.ok()) << a_hex;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << a_hex;
  }
}

TEST(Srp, ServerRejectsBadStoredValues) {
  EXPECT_EQ(SrpServerStart("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SrpServerStart(std::string(10, '\0')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SrpServerStart(SrpModulus()).status().code(), StatusCode::kInvalidArgument);
  const std::string verifier = ComputeSrpVerifier(kPoolName, kUserId, kPassword, "salt");
  EXPECT_EQ(SrpServerStartWithSecret(verifier, std::string(32, '\0')).status().code(),
            StatusCode::kInvalidArgument);
  const SrpServerEphemeral server = SrpServerStart(verifier).value();
  const SrpClientEphemeral client = SrpClientStart();
  EXPECT_FALSE(SrpServerSessionKey(client.public_a_hex, "", server.public_b, verifier).ok());
  EXPECT_FALSE(SrpServerSessionKey(client.public_a_hex, server.secret_b, "", verifier).ok());
  EXPECT_FALSE(SrpServerSessionKey(client.public_a_hex, server.secret_b, server.public_b, "").ok());
}

TEST(Srp, ClientRejectsDegenerateB) {
  const SrpClientEphemeral client = SrpClientStart();
  const std::string n_hex = HexEncode(SrpModulus());
  for (const std::string& b_hex : {std::string("0"), n_hex, std::string("zz")}) {
    EXPECT_FALSE(SrpClientSessionKey(kPoolName, kUserId, kPassword, "abcd", b_hex, client).ok())
        << b_hex;
  }
}

TEST(SrpTimestamp, FormatsLikeTheClients) {
  EXPECT_EQ(FormatSrpTimestamp(1736240703), "Tue Jan 7 09:05:03 UTC 2025");
  EXPECT_EQ(FormatSrpTimestamp(0), "Thu Jan 1 00:00:00 UTC 1970");
  EXPECT_EQ(FormatSrpTimestamp(951782400), "Tue Feb 29 00:00:00 UTC 2000");
  EXPECT_EQ(FormatSrpTimestamp(1767225599), "Wed Dec 31 23:59:59 UTC 2025");
}

TEST(SrpTimestamp, ParsesPaddedAndUnpaddedDays) {
  EXPECT_EQ(ParseSrpTimestamp("Tue Jan 7 09:05:03 UTC 2025").value(), 1736240703);
  EXPECT_EQ(ParseSrpTimestamp("Tue Jan 07 09:05:03 UTC 2025").value(), 1736240703);
  EXPECT_EQ(ParseSrpTimestamp("Tue Jan  7 09:05:03 UTC 2025").value(), 1736240703);
  EXPECT_EQ(ParseSrpTimestamp("Wed Dec 31 23:59:59 UTC 2025").value(), 1767225599);
  for (std::time_t t :
       {std::time_t{0}, std::time_t{951782400}, std::time_t{1736240703}, std::time_t{4102444799}}) {
    EXPECT_EQ(ParseSrpTimestamp(FormatSrpTimestamp(t)).value(), t);
  }
}

TEST(SrpTimestamp, RejectsMalformed) {
  for (const char* bad :
       {"", "Tue Jan 7 09:05:03 UTC", "Tue Jan 7 09:05:03 GMT 2025", "Tue Jan 7 9:05:03 UTC 2025",
        "Tue Jan 7 09:05 UTC 2025", "Tue Jan 32 09:05:03 UTC 2025", "Tue Feb 30 09:05:03 UTC 2025",
        "Tue Jan 007 09:05:03 UTC 2025", "Tue Jan 7 24:00:00 UTC 2025",
        "Tue Jan 7 09:60:03 UTC 2025", "Tue Jan 7 09:05:60 UTC 2025", "Tue Jan 7 09:05:03 UTC 25",
        "Tue Jan 7 09:05:03 UTC 2025 extra", "Tues Jan 7 09:05:03 UTC 2025",
        "Tue January 7 09:05:03 UTC 2025", "tue jan 7 09:05:03 UTC 2025",
        "Tue Jan 0 09:05:03 UTC 2025", "Tue Jan -7 09:05:03 UTC 2025",
        "Tue Jan 7 09:0a:03 UTC 2025"}) {
    const Result<std::time_t> r = ParseSrpTimestamp(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

}  // namespace
}  // namespace cognate::crypto
