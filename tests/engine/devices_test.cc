// Devices: NewDeviceMetadata with tracking on, ConfirmDevice, the device operations, and
// DEVICE_SRP_AUTH, where a remembered device stands in for MFA.
#include <string>

#include <gtest/gtest.h>

#include "engine/crypto/encoding.h"
#include "engine/crypto/random.h"
#include "engine/crypto/srp.h"
#include "engine/crypto/totp.h"
#include "engine/user/user_events.h"
#include "tests/support/engine_fixture.h"

namespace cognate::testing {
namespace {

class DevicesTest : public EngineTest {
 protected:
  void SetUp() override {
    pool_ = CreatePool({{"DeviceConfiguration", {{"ChallengeRequiredOnNewDevice", true},
                                                 {"DeviceOnlyRememberedOnUserPrompt", false}}}});
    client_ = CreatePasswordClient(pool_);
    SignUpConfirmed(pool_, client_, "jane");
  }

  // What a client keeps for a device it confirmed.
  struct Device {
    std::string key, group_key, password;
  };

  // Signs in (no device yet), confirms the device it is given, and returns it with the tokens.
  Device SignInAndConfirmDevice(json* result_out = nullptr) {
    const json result = SignIn(client_, "jane");
    const json metadata = result.value("NewDeviceMetadata", json::object());
    Device device{metadata.value("DeviceKey", ""), metadata.value("DeviceGroupKey", ""),
                  crypto::Base64Encode(crypto::RandomBytes(40))};
    EXPECT_FALSE(device.key.empty());
    const std::string salt = crypto::RandomBytes(16);
    const std::string verifier = crypto::ComputeSrpVerifier(device.group_key, device.key, device.password, salt);
    auto padded_verifier = crypto::HexDecode(crypto::SrpPadHex(verifier));
    auto padded_salt = crypto::HexDecode(crypto::SrpPadHex(salt));
    const json confirmed = CallOk(&UserPoolService::ConfirmDevice,
                                  {{"AccessToken", result.value("AccessToken", "")},
                                   {"DeviceKey", device.key},
                                   {"DeviceName", "Jane's laptop"},
                                   {"DeviceSecretVerifierConfig", {{"PasswordVerifier", crypto::Base64Encode(*padded_verifier)},
                                                                   {"Salt", crypto::Base64Encode(*padded_salt)}}}});
    EXPECT_EQ(confirmed.value("UserConfirmationNecessary", true), false);
    if (result_out) *result_out = result;
    return device;
  }

  Outcome<json> Respond(const std::string& challenge, const std::string& session, const json& responses) {
    return CallPublic(&UserPoolService::RespondToAuthChallenge,
                      {{"ClientId", client_}, {"ChallengeName", challenge}, {"Session", session}, {"ChallengeResponses", responses}});
  }

  // The password sign-in with DEVICE_KEY and the device's SRP exchange; the outcome of the last step.
  Outcome<json> DeviceSignIn(const Device& device, const std::string& device_password) {
    auto first = PasswordAuth(client_, "jane", kPassword, {{"DEVICE_KEY", device.key}});
    if (!first.ok()) return first;
    EXPECT_EQ(first->value("ChallengeName", ""), "DEVICE_SRP_AUTH");
    const crypto::SrpClientEphemeral ephemeral = crypto::SrpClientStart();
    auto verifier = Respond("DEVICE_SRP_AUTH", first->value("Session", ""),
                            {{"USERNAME", "jane"}, {"DEVICE_KEY", device.key}, {"SRP_A", ephemeral.public_a_hex}});
    if (!verifier.ok()) return verifier;
    EXPECT_EQ(verifier->value("ChallengeName", ""), "DEVICE_PASSWORD_VERIFIER");
    const json& p = verifier.value()["ChallengeParameters"];
    auto key = crypto::SrpClientSessionKey(device.group_key, device.key, device_password, p.value("SALT", ""),
                                           p.value("SRP_B", ""), ephemeral);
    EXPECT_TRUE(key.ok());
    const std::string timestamp = crypto::FormatSrpTimestamp(clock_.NowMs() / 1000);
    auto block = crypto::Base64Decode(p.value("SECRET_BLOCK", ""));
    EXPECT_TRUE(block.ok());
    return Respond("DEVICE_PASSWORD_VERIFIER", verifier->value("Session", ""),
                   {{"USERNAME", "jane"},
                    {"DEVICE_KEY", device.key},
                    {"PASSWORD_CLAIM_SECRET_BLOCK", p.value("SECRET_BLOCK", "")},
                    {"TIMESTAMP", timestamp},
                    {"PASSWORD_CLAIM_SIGNATURE", crypto::SrpPasswordClaimSignature(key.ok() ? *key : "", device.group_key,
                                                                                   device.key, block.ok() ? *block : "",
                                                                                   timestamp)}});
  }

  std::string pool_;
  std::string client_;
};

TEST_F(DevicesTest, SignIn_GivesNewDeviceMetadataAndConfirmDeviceRemembersIt) {
  json result;
  const Device device = SignInAndConfirmDevice(&result);

  const json listed = CallOk(&UserPoolService::AdminListDevices, {{"UserPoolId", pool_}, {"Username", "jane"}});
  ASSERT_EQ(listed["Devices"].size(), 1u);
  EXPECT_EQ(listed["Devices"][0].value("DeviceKey", ""), device.key);
  const json got = CallOk(&UserPoolService::GetDevice, {{"AccessToken", result.value("AccessToken", "")}, {"DeviceKey", device.key}});
  EXPECT_EQ(AttributeValue(got["Device"]["DeviceAttributes"], "device_name"), "Jane's laptop");
  EXPECT_EQ(AttributeValue(got["Device"]["DeviceAttributes"], "dev:device_remembered_status"), "remembered");
}

TEST_F(DevicesTest, DeviceSrp_SignsInWithTheDeviceAndRecordsIt) {
  const Device device = SignInAndConfirmDevice();
  const uint64_t mark = LastSequence();

  const json result = Ok(DeviceSignIn(device, device.password));

  ASSERT_TRUE(result.contains("AuthenticationResult"));
  EXPECT_FALSE(result["AuthenticationResult"].contains("NewDeviceMetadata"));
  ExpectEventsSince(mark, {user_events::kSignedIn});
  EXPECT_EQ(json::parse(EventsSince(mark).back().payload).value("device_key", ""), device.key);
}

TEST_F(DevicesTest, SignIn_AccessTokenCarriesTheDeviceKey) {
  json result;
  const Device device = SignInAndConfirmDevice(&result);
  EXPECT_EQ(JwtPayload(result.value("AccessToken", "")).value("device_key", ""), device.key);
  const json again = Ok(DeviceSignIn(device, device.password));
  EXPECT_EQ(JwtPayload(again["AuthenticationResult"].value("AccessToken", "")).value("device_key", ""), device.key);
}

TEST_F(DevicesTest, RememberedDeviceDoesNotStandInForMfaUnlessThePoolSaysSo) {
  CallOk(&UserPoolService::UpdateUserPool,
         {{"UserPoolId", pool_}, {"DeviceConfiguration", {{"ChallengeRequiredOnNewDevice", false}}}});
  const Device device = SignInAndConfirmDevice();
  CallOk(&UserPoolService::SetUserPoolMfaConfig,
         {{"UserPoolId", pool_}, {"MfaConfiguration", "OPTIONAL"},
          {"SmsMfaConfiguration", {{"SmsConfiguration", {{"SnsCallerArn", "arn:aws:iam::000000000000:role/sns"}}}}}});
  CallOk(&UserPoolService::AdminUpdateUserAttributes,
         {{"UserPoolId", pool_}, {"Username", "jane"}, {"UserAttributes", Attributes({{"phone_number", "+15555550123"}})}});
  CallOk(&UserPoolService::AdminSetUserMFAPreference,
         {{"UserPoolId", pool_}, {"Username", "jane"}, {"SMSMfaSettings", {{"Enabled", true}}}});
  EXPECT_EQ(Ok(PasswordAuth(client_, "jane", kPassword, {{"DEVICE_KEY", device.key}})).value("ChallengeName", ""),
            "SMS_MFA");
}

TEST_F(DevicesTest, DeviceSrp_WrongDeviceSecretIsRefused) {
  const Device device = SignInAndConfirmDevice();
  ExpectError(DeviceSignIn(device, "not-the-device-secret"), ErrorCode::kNotAuthorized, "Incorrect username or password.");
}

TEST_F(DevicesTest, RememberedDeviceSkipsMfaAndAForgottenOneDoesNot) {
  CallOk(&UserPoolService::SetUserPoolMfaConfig,
         {{"UserPoolId", pool_}, {"MfaConfiguration", "ON"}, {"SoftwareTokenMfaConfiguration", {{"Enabled", true}}}});
  // Jane sets up her app at her first sign-in under MFA ON.
  const json setup = Ok(PasswordAuth(client_, "jane", kPassword));
  ASSERT_EQ(setup.value("ChallengeName", ""), "MFA_SETUP");
  const json associated = CallOk(&UserPoolService::AssociateSoftwareToken, {{"Session", setup.value("Session", "")}});
  const std::string secret = *crypto::Base32Decode(associated.value("SecretCode", ""));
  const json verified = CallOk(&UserPoolService::VerifySoftwareToken,
                               {{"Session", associated.value("Session", "")},
                                {"UserCode", crypto::TotpCode(secret, clock_.NowMs() / 1000)}});
  const json first = Ok(Respond("MFA_SETUP", verified.value("Session", ""), {{"USERNAME", "jane"}}));
  const json metadata = first["AuthenticationResult"]["NewDeviceMetadata"];
  Device device{metadata.value("DeviceKey", ""), metadata.value("DeviceGroupKey", ""), "device-secret"};
  const std::string salt = crypto::RandomBytes(16);
  const std::string verifier = crypto::ComputeSrpVerifier(device.group_key, device.key, device.password, salt);
  CallOk(&UserPoolService::ConfirmDevice,
         {{"AccessToken", first["AuthenticationResult"].value("AccessToken", "")},
          {"DeviceKey", device.key},
          {"DeviceSecretVerifierConfig", {{"PasswordVerifier", crypto::Base64Encode(verifier)},
                                          {"Salt", crypto::Base64Encode(salt)}}}});

  EXPECT_TRUE(Ok(DeviceSignIn(device, device.password)).contains("AuthenticationResult"));

  CallOk(&UserPoolService::AdminUpdateDeviceStatus,
         {{"UserPoolId", pool_}, {"Username", "jane"}, {"DeviceKey", device.key}, {"DeviceRememberedStatus", "not_remembered"}});
  // Not remembered: MFA first, then the device proves itself (as amazon-cognito-identity-js expects).
  clock_.AdvanceSeconds(30);
  const json mfa = Ok(PasswordAuth(client_, "jane", kPassword, {{"DEVICE_KEY", device.key}}));
  ASSERT_EQ(mfa.value("ChallengeName", ""), "SOFTWARE_TOKEN_MFA");
  const json then = Ok(Respond("SOFTWARE_TOKEN_MFA", mfa.value("Session", ""),
                               {{"USERNAME", "jane"}, {"SOFTWARE_TOKEN_MFA_CODE", crypto::TotpCode(secret, clock_.NowMs() / 1000)}}));
  EXPECT_EQ(then.value("ChallengeName", ""), "DEVICE_SRP_AUTH");

  CallOk(&UserPoolService::AdminForgetDevice, {{"UserPoolId", pool_}, {"Username", "jane"}, {"DeviceKey", device.key}});
  EXPECT_EQ(CallOk(&UserPoolService::AdminListDevices, {{"UserPoolId", pool_}, {"Username", "jane"}})["Devices"].size(), 0u);
  const json unknown = Ok(PasswordAuth(client_, "jane", kPassword, {{"DEVICE_KEY", device.key}}));
  EXPECT_EQ(unknown.value("ChallengeName", ""), "SOFTWARE_TOKEN_MFA");
}

TEST_F(DevicesTest, ConfirmDevice_UnknownDeviceIsResourceNotFound) {
  const json result = SignIn(client_, "jane");
  ExpectError(CallPublic(&UserPoolService::ConfirmDevice,
                         {{"AccessToken", result.value("AccessToken", "")},
                          {"DeviceKey", "us-east-1_00000000-0000-0000-0000-000000000000"},
                          {"DeviceSecretVerifierConfig", {{"PasswordVerifier", "AAAA"}, {"Salt", "AAAA"}}}}),
              ErrorCode::kResourceNotFound);
}

TEST_F(DevicesTest, ListDevices_PagesAndUpdateDeviceStatusAndForgetDeviceWorkForTheUser) {
  const Device a = SignInAndConfirmDevice();
  json result;
  const Device b = SignInAndConfirmDevice(&result);
  const std::string token = result.value("AccessToken", "");

  const json page1 = CallOk(&UserPoolService::ListDevices, {{"AccessToken", token}, {"Limit", 1}});
  ASSERT_EQ(page1["Devices"].size(), 1u);
  ASSERT_TRUE(page1.contains("PaginationToken"));
  const json page2 = CallOk(&UserPoolService::ListDevices,
                            {{"AccessToken", token}, {"Limit", 1}, {"PaginationToken", page1["PaginationToken"]}});
  ASSERT_EQ(page2["Devices"].size(), 1u);
  EXPECT_NE(page1["Devices"][0]["DeviceKey"], page2["Devices"][0]["DeviceKey"]);
  EXPECT_FALSE(page2.contains("PaginationToken"));

  CallOk(&UserPoolService::UpdateDeviceStatus,
         {{"AccessToken", token}, {"DeviceKey", a.key}, {"DeviceRememberedStatus", "not_remembered"}});
  const json got = CallOk(&UserPoolService::AdminGetDevice, {{"UserPoolId", pool_}, {"Username", "jane"}, {"DeviceKey", a.key}});
  EXPECT_EQ(AttributeValue(got["Device"]["DeviceAttributes"], "dev:device_remembered_status"), "not_remembered");
  CallOk(&UserPoolService::ForgetDevice, {{"AccessToken", token}, {"DeviceKey", b.key}});
  ExpectError(CallPublic(&UserPoolService::GetDevice, {{"AccessToken", token}, {"DeviceKey", b.key}}), ErrorCode::kResourceNotFound);
}

}  // namespace
}  // namespace cognate::testing
