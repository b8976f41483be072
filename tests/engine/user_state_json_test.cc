// UserStateJson against the text it stands in for, nlohmann::json(state).dump(): a user's row
// must come out byte for byte the same whichever wrote it, or replay's digests and every stored
// row would change. Hand-written states cover each field and escape; a seeded fuzz covers random
// states, strings of every byte class included.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "engine/json/json_text.h"
#include "engine/user/user_state.h"

namespace cognate {
namespace {

std::string Dumped(const UserState& state) { return nlohmann::json(state).dump(); }

UserState FullUser() {
  UserState s;
  s.exists = true;
  s.pool_id = "us-east-1_AbC123";
  s.sub = "0f8e6c1a-8b39-4c52-9d1e-2a7b3c4d5e6f";
  s.username = "jane";
  s.status = "CONFIRMED";
  s.enabled = false;
  s.attributes = {{"email", "jane@example.com"}, {"email_verified", "true"}, {"sub", s.sub}};
  s.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
  s.srp_salt = "00ff";
  s.srp_verifier_sealed = "c2VhbGVk";
  s.temporary_password_expires_at_ms = 1764547200000;
  s.pending_code = PendingCode{"signup", "email", "abcdef", 1764547300000};
  s.login_keys = {"us-east-1_AbC123/username/jane", "us-east-1_AbC123/email/jane@example.com"};
  s.unverified_attributes = {{"email", "new@example.com"}};
  s.groups = {{"admins", "g-1"}, {"Readers", "g-2"}};
  s.created_at_ms = 1;
  s.modified_at_ms = -2;
  s.signed_out_version = 18446744073709551615ULL;
  s.failed_sign_ins = 3;
  s.last_failed_sign_in_ms = 4;
  s.locked_until_ms = 5;
  s.sms_mfa_enabled = true;
  s.software_token_mfa_enabled = true;
  s.preferred_mfa = "SOFTWARE_TOKEN_MFA";
  s.totp_secret_sealed = "dG90cA";
  s.totp_pending_sealed = "cGVuZA";
  s.totp_last_step = 58817000;
  DeviceState device;
  device.key = "us-east-1_d3v1c3";
  device.group_key = "-group";
  device.name = "Firefox";
  device.status = "remembered";
  device.confirmed = true;
  device.srp_salt = "0a";
  device.srp_verifier_sealed = "dmVy";
  device.created_at_ms = 6;
  device.modified_at_ms = 7;
  device.last_authenticated_at_ms = 8;
  s.devices[device.key] = device;
  s.devices["us-east-1_other"] = DeviceState{};
  s.version = 42;
  return s;
}

TEST(UserStateJson, IsDumpOfABlankUser) {
  EXPECT_EQ(UserStateJson(UserState{}), Dumped(UserState{}));
}

TEST(UserStateJson, IsDumpOfAUserWithEveryField) {
  const UserState user = FullUser();
  EXPECT_EQ(UserStateJson(user), Dumped(user));
}

TEST(UserStateJson, EscapesAsDumpDoes) {
  UserState user = FullUser();
  std::string every_byte_below_0x80;
  for (int c = 1; c < 0x80; ++c) every_byte_below_0x80.push_back(static_cast<char>(c));
  every_byte_below_0x80.push_back('\0');
  user.attributes["custom:all"] = every_byte_below_0x80;
  user.attributes["name"] = "Zoë 日本 😀 \"quoted\" back\\slash /slash";
  user.attributes["tab\tkey\x01"] = "v";
  user.login_keys.push_back("line\nbreak");
  user.devices["k"].name = "\x7f\x1f";
  EXPECT_EQ(UserStateJson(user), Dumped(user));
}

TEST(UserStateJson, ThrowsAsDumpDoesOnTextThatIsNotUtf8) {
  for (const std::string bad : {"\xff", "\xc3", "\xed\xa0\x80", "ok\xc0\xaf"}) {
    UserState user = FullUser();
    user.attributes["name"] = bad;
    EXPECT_THROW(Dumped(user), nlohmann::json::type_error);
    EXPECT_THROW(UserStateJson(user), nlohmann::json::type_error);
    user = FullUser();
    user.devices["k"].name = bad;  // nested objects report it too
    EXPECT_THROW(UserStateJson(user), nlohmann::json::type_error);
  }
}

// Strings drawn from every byte class dump() treats apart: plain ASCII, the escaped ones, DEL,
// and multi-byte UTF-8 of each length.
std::string RandomText(std::mt19937& rng) {
  static const char* const kPieces[] = {"a",  "Z",  "0",  "\"", "\\",   "/",    "\n",
                                        "\r", "\t", "\b", "\f", "\x01", "\x1f", "\x7f",
                                        "é",  "€",  "😀",  " ",  "@",    "+"};
  std::string text;
  const size_t length = rng() % 12;
  for (size_t i = 0; i < length; ++i) text += kPieces[rng() % std::size(kPieces)];
  return text;
}

TEST(UserStateJson, IsDumpOfRandomUsers) {
  std::mt19937 rng(20261124);
  auto number = [&] { return static_cast<int64_t>(rng()) - static_cast<int64_t>(rng()) * 4096; };
  for (int round = 0; round < 2000; ++round) {
    UserState s;
    s.pool_id = RandomText(rng);
    s.sub = RandomText(rng);
    s.username = RandomText(rng);
    s.status = RandomText(rng);
    s.enabled = rng() % 2 == 0;
    for (size_t i = rng() % 6; i > 0; --i) s.attributes[RandomText(rng)] = RandomText(rng);
    for (size_t i = rng() % 3; i > 0; --i)
      s.unverified_attributes[RandomText(rng)] = RandomText(rng);
    for (size_t i = rng() % 3; i > 0; --i) s.groups[RandomText(rng)] = RandomText(rng);
    for (size_t i = rng() % 3; i > 0; --i) s.login_keys.push_back(RandomText(rng));
    s.password_hash = RandomText(rng);
    s.srp_salt = RandomText(rng);
    s.srp_verifier_sealed = RandomText(rng);
    s.temporary_password_expires_at_ms = number();
    if (rng() % 2 == 0)
      s.pending_code = PendingCode{RandomText(rng), RandomText(rng), RandomText(rng), number()};
    s.created_at_ms = number();
    s.modified_at_ms = number();
    s.signed_out_version = static_cast<uint64_t>(rng()) << 32 | rng();
    s.failed_sign_ins = static_cast<int>(rng() % 100) - 50;
    s.last_failed_sign_in_ms = number();
    s.locked_until_ms = number();
    s.sms_mfa_enabled = rng() % 2 == 0;
    s.software_token_mfa_enabled = rng() % 2 == 0;
    s.preferred_mfa = RandomText(rng);
    s.totp_secret_sealed = RandomText(rng);
    s.totp_pending_sealed = RandomText(rng);
    s.totp_last_step = number();
    for (size_t i = rng() % 3; i > 0; --i) {
      DeviceState d;
      d.key = RandomText(rng);
      d.group_key = RandomText(rng);
      d.name = RandomText(rng);
      d.status = RandomText(rng);
      d.confirmed = rng() % 2 == 0;
      d.srp_salt = RandomText(rng);
      d.srp_verifier_sealed = RandomText(rng);
      d.created_at_ms = number();
      d.modified_at_ms = number();
      d.last_authenticated_at_ms = number();
      s.devices[RandomText(rng)] = d;
    }
    s.version = static_cast<uint64_t>(rng()) << 20;
    ASSERT_EQ(UserStateJson(s), Dumped(s)) << "round " << round;
  }
}

TEST(JsonText, IntegersAtTheirLimitsAreWrittenAsDumpWritesThem) {
  for (const int64_t value : {INT64_MIN, int64_t{-1}, int64_t{0}, INT64_MAX}) {
    std::string out;
    json_text::AppendInt(out, value);
    EXPECT_EQ(out, nlohmann::json(value).dump());
  }
  std::string out;
  json_text::AppendUint(out, UINT64_MAX);
  EXPECT_EQ(out, nlohmann::json(UINT64_MAX).dump());
}

}  // namespace
}  // namespace cognate
