// A user's MFA: the authenticator app (AssociateSoftwareToken, VerifySoftwareToken), preferences,
// and the challenges after the password: SOFTWARE_TOKEN_MFA, SMS_MFA, SELECT_MFA_TYPE, MFA_SETUP.
#include <string>

#include <gtest/gtest.h>

#include "engine/crypto/totp.h"
#include "engine/user/user_events.h"
#include "tests/support/engine_fixture.h"

namespace cognate::testing {
namespace {

constexpr char kPhone[] = "+15555550123";
constexpr char kSnsRole[] = "arn:aws:iam::000000000000:role/sns";

class MfaTest : public EngineTest {
 protected:
  void SetUp() override {
    pool_ = CreatePool();
    client_ = CreatePasswordClient(pool_);
  }

  void SetPoolMfa(const std::string& mode, bool totp, bool sms) {
    json request = {{"UserPoolId", pool_}, {"MfaConfiguration", mode},
                    {"SoftwareTokenMfaConfiguration", {{"Enabled", totp}}}};
    if (sms) request["SmsMfaConfiguration"] = {{"SmsAuthenticationMessage", "Code {####}"},
                                               {"SmsConfiguration", {{"SnsCallerArn", kSnsRole}}}};
    CallOk(&UserPoolService::SetUserPoolMfaConfig, request);
  }

  // Jane, confirmed, with a phone number; signed in once for an access token.
  std::string GivenJane() {
    SignUpConfirmed(pool_, client_, "jane", {{"phone_number", kPhone}});
    return SignIn(client_, "jane").value("AccessToken", "");
  }

  // Associates and verifies an authenticator app; returns its secret (raw bytes).
  std::string GivenVerifiedApp(const std::string& access_token) {
    const json associated = CallOk(&UserPoolService::AssociateSoftwareToken, {{"AccessToken", access_token}});
    auto secret = crypto::Base32Decode(associated.value("SecretCode", ""));
    EXPECT_TRUE(secret.ok());
    const json verified = CallOk(&UserPoolService::VerifySoftwareToken,
                                 {{"AccessToken", access_token}, {"UserCode", Code(secret.ok() ? *secret : "")}});
    EXPECT_EQ(verified.value("Status", ""), "SUCCESS");
    return secret.ok() ? *secret : "";
  }

  std::string Code(const std::string& secret) { return crypto::TotpCode(secret, clock_.NowMs() / 1000); }

  void Prefer(const std::string& access_token, json settings) {
    settings["AccessToken"] = access_token;
    CallOk(&UserPoolService::SetUserMFAPreference, settings);
  }

  Outcome<json> Respond(const json& challenge, const json& responses) {
    return CallPublic(&UserPoolService::RespondToAuthChallenge, {{"ClientId", client_},
                                                                 {"ChallengeName", challenge.value("ChallengeName", "")},
                                                                 {"Session", challenge.value("Session", "")},
                                                                 {"ChallengeResponses", responses}});
  }

  std::string pool_;
  std::string client_;
};

TEST_F(MfaTest, VerifySoftwareToken_ProvesTheAppButDoesNotEnableIt) {
  const std::string token = GivenJane();
  GivenVerifiedApp(token);

  const json user = CallOk(&UserPoolService::GetUser, {{"AccessToken", token}});
  EXPECT_EQ(user["UserMFASettingList"], json::array());
  EXPECT_FALSE(user.contains("PreferredMfaSetting"));
}

TEST_F(MfaTest, VerifySoftwareToken_WrongCodeIsEnableSoftwareTokenMfaException) {
  const std::string token = GivenJane();
  CallOk(&UserPoolService::AssociateSoftwareToken, {{"AccessToken", token}});
  const uint64_t mark = LastSequence();
  ExpectError(CallPublic(&UserPoolService::VerifySoftwareToken, {{"AccessToken", token}, {"UserCode", "000000"}}),
              ErrorCode::kEnableSoftwareTokenMfa);
  ExpectNoEventsSince(mark);
}

TEST_F(MfaTest, VerifySoftwareToken_WithoutAssociationIsSoftwareTokenMfaNotFound) {
  const std::string token = GivenJane();
  ExpectError(CallPublic(&UserPoolService::VerifySoftwareToken, {{"AccessToken", token}, {"UserCode", "123456"}}),
              ErrorCode::kSoftwareTokenMfaNotFound);
}

TEST_F(MfaTest, SetUserMFAPreference_EnablingAnUnverifiedAppIsRefused) {
  SetPoolMfa("OPTIONAL", true, false);
  const std::string token = GivenJane();
  ExpectError(CallPublic(&UserPoolService::SetUserMFAPreference,
                         {{"AccessToken", token}, {"SoftwareTokenMfaSettings", {{"Enabled", true}}}}),
              ErrorCode::kInvalidParameter);
}

TEST_F(MfaTest, SignIn_SoftwareTokenChallengeThenTokensAndTheCodeWorksOnce) {
  SetPoolMfa("OPTIONAL", true, false);
  const std::string token = GivenJane();
  const std::string secret = GivenVerifiedApp(token);
  Prefer(token, {{"SoftwareTokenMfaSettings", {{"Enabled", true}, {"PreferredMfa", true}}}});
  const json user = CallOk(&UserPoolService::GetUser, {{"AccessToken", token}});
  EXPECT_EQ(user["UserMFASettingList"], json::array({"SOFTWARE_TOKEN_MFA"}));
  EXPECT_EQ(user.value("PreferredMfaSetting", ""), "SOFTWARE_TOKEN_MFA");

  const json challenge = Ok(PasswordAuth(client_, "jane", kPassword));
  ASSERT_EQ(challenge.value("ChallengeName", ""), "SOFTWARE_TOKEN_MFA");
  ExpectError(Respond(challenge, {{"USERNAME", "jane"}, {"SOFTWARE_TOKEN_MFA_CODE", OtherCode(Code(secret))}}),
              ErrorCode::kCodeMismatch);
  const uint64_t mark = LastSequence();
  const json result = Ok(Respond(challenge, {{"USERNAME", "jane"}, {"SOFTWARE_TOKEN_MFA_CODE", Code(secret)}}));
  ASSERT_TRUE(result.contains("AuthenticationResult"));
  ExpectEventsSince(mark, {user_events::kSignedIn});
  const json signed_in = json::parse(EventsSince(mark).back().payload);
  EXPECT_EQ(signed_in.value("mfa", ""), "SOFTWARE_TOKEN_MFA");
  EXPECT_EQ(signed_in.value("flow", ""), "USER_PASSWORD_AUTH");

  const json again = Ok(PasswordAuth(client_, "jane", kPassword));
  ExpectError(Respond(again, {{"USERNAME", "jane"}, {"SOFTWARE_TOKEN_MFA_CODE", Code(secret)}}), ErrorCode::kCodeMismatch);
  clock_.AdvanceSeconds(30);
  const json later = Ok(PasswordAuth(client_, "jane", kPassword));
  EXPECT_TRUE(Ok(Respond(later, {{"USERNAME", "jane"}, {"SOFTWARE_TOKEN_MFA_CODE", Code(secret)}})).contains("AuthenticationResult"));
}

TEST_F(MfaTest, SignIn_SmsChallengeSendsACodeToThePhone) {
  SetPoolMfa("OPTIONAL", false, true);
  const std::string token = GivenJane();
  Prefer(token, {{"SMSMfaSettings", {{"Enabled", true}}}});

  const json challenge = Ok(PasswordAuth(client_, "jane", kPassword));
  ASSERT_EQ(challenge.value("ChallengeName", ""), "SMS_MFA");
  EXPECT_EQ(challenge["ChallengeParameters"].value("CODE_DELIVERY_DELIVERY_MEDIUM", ""), "SMS");
  EXPECT_NE(challenge["ChallengeParameters"].value("CODE_DELIVERY_DESTINATION", ""), kPhone);
  const std::string code = LastCodeTo(kPhone);
  ASSERT_EQ(code.size(), 6u);
  ExpectError(Respond(challenge, {{"USERNAME", "jane"}, {"SMS_MFA_CODE", OtherCode(code)}}), ErrorCode::kCodeMismatch);
  EXPECT_TRUE(Ok(Respond(challenge, {{"USERNAME", "jane"}, {"SMS_MFA_CODE", code}})).contains("AuthenticationResult"));
  // The answered session does not sign in again.
  ExpectError(Respond(challenge, {{"USERNAME", "jane"}, {"SMS_MFA_CODE", code}}), ErrorCode::kNotAuthorized);
}

TEST_F(MfaTest, SignIn_SmsCodeExpires) {
  SetPoolMfa("OPTIONAL", false, true);
  const std::string token = GivenJane();
  Prefer(token, {{"SMSMfaSettings", {{"Enabled", true}}}});
  const json challenge = Ok(PasswordAuth(client_, "jane", kPassword));
  clock_.AdvanceMinutes(4);
  ExpectError(Respond(challenge, {{"USERNAME", "jane"}, {"SMS_MFA_CODE", LastCodeTo(kPhone)}}), ErrorCode::kNotAuthorized);
}

TEST_F(MfaTest, SignIn_BothEnabledWithoutPreferenceAsksToSelect) {
  SetPoolMfa("OPTIONAL", true, true);
  const std::string token = GivenJane();
  const std::string secret = GivenVerifiedApp(token);
  Prefer(token, {{"SMSMfaSettings", {{"Enabled", true}}}, {"SoftwareTokenMfaSettings", {{"Enabled", true}}}});

  const json select = Ok(PasswordAuth(client_, "jane", kPassword));
  ASSERT_EQ(select.value("ChallengeName", ""), "SELECT_MFA_TYPE");
  EXPECT_EQ(json::parse(select["ChallengeParameters"].value("MFAS_CAN_CHOOSE", "[]")),
            json::array({"SMS_MFA", "SOFTWARE_TOKEN_MFA"}));
  const json totp = Ok(Respond(select, {{"USERNAME", "jane"}, {"ANSWER", "SOFTWARE_TOKEN_MFA"}}));
  ASSERT_EQ(totp.value("ChallengeName", ""), "SOFTWARE_TOKEN_MFA");
  EXPECT_TRUE(Ok(Respond(totp, {{"USERNAME", "jane"}, {"SOFTWARE_TOKEN_MFA_CODE", Code(secret)}})).contains("AuthenticationResult"));
}

TEST_F(MfaTest, SignIn_MfaOnWithNothingSetUpAsksToSetUpAnApp) {
  SetPoolMfa("ON", true, false);
  SignUpConfirmed(pool_, client_, "jane");

  const json setup = Ok(PasswordAuth(client_, "jane", kPassword));
  ASSERT_EQ(setup.value("ChallengeName", ""), "MFA_SETUP");
  EXPECT_EQ(json::parse(setup["ChallengeParameters"].value("MFAS_CAN_SETUP", "[]")), json::array({"SOFTWARE_TOKEN_MFA"}));
  ExpectError(Respond(setup, {{"USERNAME", "jane"}}), ErrorCode::kInvalidParameter);  // not verified yet

  const json associated = CallOk(&UserPoolService::AssociateSoftwareToken, {{"Session", setup.value("Session", "")}});
  auto secret = crypto::Base32Decode(associated.value("SecretCode", ""));
  ASSERT_TRUE(secret.ok());
  const json verified = CallOk(&UserPoolService::VerifySoftwareToken,
                               {{"Session", associated.value("Session", "")}, {"UserCode", Code(*secret)}});
  EXPECT_EQ(verified.value("Status", ""), "SUCCESS");
  json answered = setup;
  answered["Session"] = verified.value("Session", "");
  const json result = Ok(Respond(answered, {{"USERNAME", "jane"}}));
  ASSERT_TRUE(result.contains("AuthenticationResult"));

  clock_.AdvanceSeconds(30);
  const json next = Ok(PasswordAuth(client_, "jane", kPassword));
  EXPECT_EQ(next.value("ChallengeName", ""), "SOFTWARE_TOKEN_MFA");
}

TEST_F(MfaTest, SignIn_MfaOnFallsBackToSmsForAUserWithAPhone) {
  SetPoolMfa("ON", true, true);
  SignUpConfirmed(pool_, client_, "jane", {{"phone_number", kPhone}});
  EXPECT_EQ(Ok(PasswordAuth(client_, "jane", kPassword)).value("ChallengeName", ""), "SMS_MFA");
}

TEST_F(MfaTest, SignIn_OptionalWithNothingEnabledAndOffIssueTokens) {
  SetPoolMfa("OPTIONAL", true, false);
  const std::string token = GivenJane();
  EXPECT_TRUE(Ok(PasswordAuth(client_, "jane", kPassword)).contains("AuthenticationResult"));
  GivenVerifiedApp(token);
  Prefer(token, {{"SoftwareTokenMfaSettings", {{"Enabled", true}, {"PreferredMfa", true}}}});
  SetPoolMfa("OFF", false, false);
  EXPECT_TRUE(Ok(PasswordAuth(client_, "jane", kPassword)).contains("AuthenticationResult"));
}

TEST_F(MfaTest, AdminSetUserMFAPreference_EnablesSmsAndAdminGetUserShowsIt) {
  SetPoolMfa("OPTIONAL", false, true);
  GivenJane();
  CallOk(&UserPoolService::AdminSetUserMFAPreference,
         {{"UserPoolId", pool_}, {"Username", "jane"}, {"SMSMfaSettings", {{"Enabled", true}, {"PreferredMfa", true}}}});
  const json user = AdminGetUser(pool_, "jane");
  EXPECT_EQ(user["UserMFASettingList"], json::array({"SMS_MFA"}));
  EXPECT_EQ(user.value("PreferredMfaSetting", ""), "SMS_MFA");
  EXPECT_EQ(user["MFAOptions"][0].value("DeliveryMedium", ""), "SMS");
}

TEST_F(MfaTest, AdminSetUserMFAPreference_SmsWithoutPhoneIsRefused) {
  SetPoolMfa("OPTIONAL", false, true);
  SignUpConfirmed(pool_, client_, "jane");
  const uint64_t mark = LastSequence();
  ExpectError(Call(&UserPoolService::AdminSetUserMFAPreference,
                   {{"UserPoolId", pool_}, {"Username", "jane"}, {"SMSMfaSettings", {{"Enabled", true}}}}),
              ErrorCode::kInvalidParameter);
  ExpectNoEventsSince(mark);
}

TEST_F(MfaTest, SignIn_WrongMfaCodesCountTowardLockout) {
  SetPoolMfa("OPTIONAL", true, false);
  const std::string token = GivenJane();
  const std::string secret = GivenVerifiedApp(token);
  Prefer(token, {{"SoftwareTokenMfaSettings", {{"Enabled", true}, {"PreferredMfa", true}}}});
  const json challenge = Ok(PasswordAuth(client_, "jane", kPassword));
  for (int i = 0; i < 5; ++i) {
    ExpectError(Respond(challenge, {{"USERNAME", "jane"}, {"SOFTWARE_TOKEN_MFA_CODE", OtherCode(Code(secret))}}),
                ErrorCode::kCodeMismatch);
  }
  ExpectError(Respond(challenge, {{"USERNAME", "jane"}, {"SOFTWARE_TOKEN_MFA_CODE", Code(secret)}}),
              ErrorCode::kNotAuthorized, "Password attempts exceeded");
}

TEST_F(MfaTest, NewPasswordRequired_IsFollowedByTheMfaTheUserMustSetUp) {
  SetPoolMfa("ON", true, false);
  CallOk(&UserPoolService::AdminCreateUser, {{"UserPoolId", pool_},
                                             {"Username", "jane"},
                                             {"TemporaryPassword", kPassword},
                                             {"MessageAction", "SUPPRESS"}});
  const json challenge = Ok(PasswordAuth(client_, "jane", kPassword));
  ASSERT_EQ(challenge.value("ChallengeName", ""), "NEW_PASSWORD_REQUIRED");

  const json next = Ok(Respond(challenge, {{"USERNAME", "jane"}, {"NEW_PASSWORD", kOtherPassword}}));

  EXPECT_EQ(next.value("ChallengeName", ""), "MFA_SETUP");
  EXPECT_EQ(AdminGetUser(pool_, "jane").value("UserStatus", ""), "CONFIRMED");  // the new password is kept
  EXPECT_EQ(Ok(PasswordAuth(client_, "jane", kOtherPassword)).value("ChallengeName", ""), "MFA_SETUP");
}

}  // namespace
}  // namespace cognate::testing
