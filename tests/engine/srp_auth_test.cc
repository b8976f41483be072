// USER_SRP_AUTH: the PASSWORD_VERIFIER exchange, computed on the client side with the same
// functions amazon-cognito-identity-js agrees with (tests/crypto/srp_test.cc), and lockout.
#include <string>

#include <gtest/gtest.h>

#include "engine/crypto/encoding.h"
#include "engine/crypto/srp.h"
#include "engine/user/user_events.h"
#include "tests/support/engine_fixture.h"

namespace cognate::testing {
namespace {

class SrpAuthTest : public EngineTest {
 protected:
  void SetUp() override {
    pool_ = CreatePool({{"AutoVerifiedAttributes", {"email"}}});
    client_ = CreateClient(pool_, {{"ExplicitAuthFlows", {"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                                                          "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH"}}});
  }

  std::string PoolName() const { return pool_.substr(pool_.find('_') + 1); }

  Outcome<json> StartSrp(const std::string& client_id, const std::string& username) {
    client_ephemeral_ = crypto::SrpClientStart();
    return CallPublic(&UserPoolService::InitiateAuth,
                      {{"AuthFlow", "USER_SRP_AUTH"},
                       {"ClientId", client_id},
                       {"AuthParameters", {{"USERNAME", username}, {"SRP_A", client_ephemeral_.public_a_hex}}}});
  }

  // The client's answer to a PASSWORD_VERIFIER challenge, as amazon-cognito-identity-js makes it.
  json Answer(const json& challenge, const std::string& password, int64_t skew_seconds = 0) {
    const json& p = challenge["ChallengeParameters"];
    const std::string user_id = p.value("USER_ID_FOR_SRP", "");
    auto key = crypto::SrpClientSessionKey(PoolName(), user_id, password, p.value("SALT", ""), p.value("SRP_B", ""),
                                           client_ephemeral_);
    EXPECT_TRUE(key.ok());
    const std::string timestamp = crypto::FormatSrpTimestamp(clock_.NowMs() / 1000 + skew_seconds);
    auto block = crypto::Base64Decode(p.value("SECRET_BLOCK", ""));
    EXPECT_TRUE(block.ok());
    return {{"USERNAME", user_id},
            {"PASSWORD_CLAIM_SECRET_BLOCK", p.value("SECRET_BLOCK", "")},
            {"TIMESTAMP", timestamp},
            {"PASSWORD_CLAIM_SIGNATURE",
             crypto::SrpPasswordClaimSignature(key.ok() ? *key : "", PoolName(), user_id, block.ok() ? *block : "",
                                               timestamp)}};
  }

  Outcome<json> Respond(const json& challenge, const json& responses, bool with_session = true) {
    json request = {{"ClientId", client_}, {"ChallengeName", "PASSWORD_VERIFIER"}, {"ChallengeResponses", responses}};
    if (with_session) request["Session"] = challenge.value("Session", "");
    return CallPublic(&UserPoolService::RespondToAuthChallenge, request);
  }

  Outcome<json> SrpSignIn(const std::string& username, const std::string& password, bool with_session = true) {
    auto challenge = StartSrp(client_, username);
    if (!challenge.ok()) return challenge;
    return Respond(challenge.value(), Answer(challenge.value(), password), with_session);
  }

  // The payload of the last event appended (the fields this test reads are not personal).
  json LastEventData() { return json::parse(EventsSince(LastSequence() - 1).back().payload); }

  std::string pool_;
  std::string client_;
  crypto::SrpClientEphemeral client_ephemeral_;
};

TEST_F(SrpAuthTest, InitiateAuth_AnswersPasswordVerifierChallenge) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  const uint64_t mark = LastSequence();

  const json challenge = Ok(StartSrp(client_, "jane"));

  EXPECT_EQ(challenge.value("ChallengeName", ""), "PASSWORD_VERIFIER");
  const json& p = challenge["ChallengeParameters"];
  EXPECT_EQ(p.value("USERNAME", ""), "jane");
  EXPECT_EQ(p.value("USER_ID_FOR_SRP", ""), "jane");
  EXPECT_FALSE(p.value("SALT", "").empty());
  EXPECT_FALSE(p.value("SRP_B", "").empty());
  EXPECT_FALSE(p.value("SECRET_BLOCK", "").empty());
  ExpectNoEventsSince(mark);
}

TEST_F(SrpAuthTest, PasswordVerifier_IssuesTokensAndRecordsTheFlow) {
  const std::string sub = SignUpVerified(client_, "jane", {{"email", kEmail}});
  const uint64_t mark = LastSequence();

  const json result = Ok(SrpSignIn("jane", kPassword));

  ASSERT_TRUE(result.contains("AuthenticationResult"));
  EXPECT_EQ(JwtPayload(result["AuthenticationResult"].value("IdToken", "")).value("sub", ""), sub);
  ExpectEventsSince(mark, {user_events::kSignedIn});
  EXPECT_EQ(LastEventData().value("flow", ""), "USER_SRP_AUTH");
}

TEST_F(SrpAuthTest, PasswordVerifier_WorksWithoutSession) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  const json result = Ok(SrpSignIn("jane", kPassword, /*with_session=*/false));
  EXPECT_TRUE(result.contains("AuthenticationResult"));
}

TEST_F(SrpAuthTest, PasswordVerifier_SignsInByEmailAliasWithTheInternalUsername) {
  const std::string email_pool = CreatePool({{"UsernameAttributes", {"email"}}, {"AutoVerifiedAttributes", {"email"}}});
  pool_ = email_pool;
  client_ = CreateClient(pool_, {{"ExplicitAuthFlows", {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}});
  const std::string sub = SignUpVerified(client_, kEmail, {{"email", kEmail}});

  const json challenge = Ok(StartSrp(client_, kEmail));
  EXPECT_EQ(challenge["ChallengeParameters"].value("USER_ID_FOR_SRP", ""), sub);
  const json result = Ok(Respond(challenge, Answer(challenge, kPassword)));
  EXPECT_TRUE(result.contains("AuthenticationResult"));
}

TEST_F(SrpAuthTest, PasswordVerifier_WrongPasswordIsNotAuthorizedAndRecorded) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  const uint64_t mark = LastSequence();

  ExpectError(SrpSignIn("jane", kOtherPassword), ErrorCode::kNotAuthorized, "Incorrect username or password.");

  ExpectEventsSince(mark, {user_events::kSignInFailed});
}

TEST_F(SrpAuthTest, PasswordVerifier_AnAnswerSignsInOnce) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  const json challenge = Ok(StartSrp(client_, "jane"));
  const json answer = Answer(challenge, kPassword);
  EXPECT_TRUE(Ok(Respond(challenge, answer)).contains("AuthenticationResult"));
  ExpectError(Respond(challenge, answer), ErrorCode::kNotAuthorized, "Invalid session for the user, session is expired.");
  ExpectError(Respond(challenge, answer, /*with_session=*/false), ErrorCode::kNotAuthorized);
}

TEST_F(SrpAuthTest, InitiateAuth_RejectsAnSrpAOutsideTheGroup) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  const std::string n_hex = crypto::HexEncode(crypto::SrpModulus());
  for (const std::string& a : {std::string("0"), std::string("00"), n_hex, n_hex + "00", std::string("xyz")}) {
    ExpectError(CallPublic(&UserPoolService::InitiateAuth,
                           {{"AuthFlow", "USER_SRP_AUTH"}, {"ClientId", client_},
                            {"AuthParameters", {{"USERNAME", "jane"}, {"SRP_A", a}}}}),
                ErrorCode::kInvalidParameter);
  }
}

TEST_F(SrpAuthTest, PasswordVerifier_RejectsATamperedSecretBlock) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  json challenge = Ok(StartSrp(client_, "jane"));
  std::string block = challenge["ChallengeParameters"].value("SECRET_BLOCK", "");
  block[10] = block[10] == 'A' ? 'B' : 'A';
  challenge["ChallengeParameters"]["SECRET_BLOCK"] = block;

  ExpectError(Respond(challenge, Answer(challenge, kPassword)), ErrorCode::kNotAuthorized);
}

TEST_F(SrpAuthTest, PasswordVerifier_RejectsATimestampFarFromNow) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  const json challenge = Ok(StartSrp(client_, "jane"));
  ExpectError(Respond(challenge, Answer(challenge, kPassword, 3600)), ErrorCode::kNotAuthorized);
}

TEST_F(SrpAuthTest, PasswordVerifier_RejectsAnExpiredChallenge) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  const json challenge = Ok(StartSrp(client_, "jane"));
  clock_.AdvanceMinutes(4);
  ExpectError(Respond(challenge, Answer(challenge, kPassword)), ErrorCode::kNotAuthorized,
              "Invalid session for the user, session is expired.");
}

TEST_F(SrpAuthTest, PasswordVerifier_RejectsAChallengeMadeForAnotherClient) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  const std::string other = CreateClient(pool_, {{"ExplicitAuthFlows", {"ALLOW_USER_SRP_AUTH"}}});
  const json challenge = Ok(StartSrp(other, "jane"));
  ExpectError(Respond(challenge, Answer(challenge, kPassword)), ErrorCode::kNotAuthorized);
}

TEST_F(SrpAuthTest, InitiateAuth_NeedsAllowUserSrpAuth) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  const std::string other = CreateClient(pool_, {{"ExplicitAuthFlows", {"ALLOW_USER_PASSWORD_AUTH"}}});
  ExpectError(StartSrp(other, "jane"), ErrorCode::kInvalidParameter);
}

TEST_F(SrpAuthTest, InitiateAuth_UnknownUserIsUserNotFoundInLegacyMode) {
  ExpectError(StartSrp(client_, "nobody"), ErrorCode::kUserNotFound);
}

TEST_F(SrpAuthTest, InitiateAuth_UnknownUserGetsASimulatedChallengeWhenPreventingExistenceErrors) {
  client_ = CreateClient(pool_, {{"ExplicitAuthFlows", {"ALLOW_USER_SRP_AUTH"}}, {"PreventUserExistenceErrors", "ENABLED"}});
  const json first = Ok(StartSrp(client_, "nobody"));
  const json second = Ok(StartSrp(client_, "nobody"));

  EXPECT_EQ(first.value("ChallengeName", ""), "PASSWORD_VERIFIER");
  EXPECT_EQ(first["ChallengeParameters"].value("SALT", ""), second["ChallengeParameters"].value("SALT", ""));
  ExpectError(Respond(second, Answer(second, kPassword)), ErrorCode::kNotAuthorized, "Incorrect username or password.");
}

TEST_F(SrpAuthTest, PasswordVerifier_ForceChangePasswordUserGetsNewPasswordRequired) {
  CallOk(&UserPoolService::AdminCreateUser, {{"UserPoolId", pool_},
                                             {"Username", "jane"},
                                             {"TemporaryPassword", kPassword},
                                             {"MessageAction", "SUPPRESS"},
                                             {"UserAttributes", Attributes({{"email", kEmail}})}});
  const json result = Ok(SrpSignIn("jane", kPassword));
  EXPECT_EQ(result.value("ChallengeName", ""), "NEW_PASSWORD_REQUIRED");
}

TEST_F(SrpAuthTest, PasswordVerifier_UnconfirmedUserIsUserNotConfirmed) {
  SignUpUser(client_, "jane", {{"email", kEmail}});
  ExpectError(SrpSignIn("jane", kPassword), ErrorCode::kUserNotConfirmed);
}

TEST_F(SrpAuthTest, PasswordVerifier_VerifierFollowsAPasswordChange) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  CallOk(&UserPoolService::AdminSetUserPassword,
         {{"UserPoolId", pool_}, {"Username", "jane"}, {"Password", kOtherPassword}, {"Permanent", true}});
  ExpectError(SrpSignIn("jane", kPassword), ErrorCode::kNotAuthorized);
  EXPECT_TRUE(Ok(SrpSignIn("jane", kOtherPassword)).contains("AuthenticationResult"));
}

// ---- Lockout ----

TEST_F(SrpAuthTest, Lockout_FifthFailureLocksAndTheRightPasswordIsRefusedUntilItEnds) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  for (int i = 0; i < 4; ++i) ExpectError(PasswordAuth(client_, "jane", kOtherPassword), ErrorCode::kNotAuthorized);
  EXPECT_TRUE(Ok(PasswordAuth(client_, "jane", kPassword)).contains("AuthenticationResult"));  // four are free

  for (int i = 0; i < 5; ++i) ExpectError(PasswordAuth(client_, "jane", kOtherPassword), ErrorCode::kNotAuthorized);
  const json failed = LastEventData();
  EXPECT_EQ(failed.value("consecutive_failures", 0), 5);
  EXPECT_EQ(failed.value("locked_until_ms", int64_t{0}), clock_.NowMs() + 1000);

  const uint64_t mark = LastSequence();
  ExpectError(PasswordAuth(client_, "jane", kPassword), ErrorCode::kNotAuthorized, "Password attempts exceeded");
  ExpectError(SrpSignIn("jane", kPassword), ErrorCode::kNotAuthorized, "Password attempts exceeded");
  ExpectNoEventsSince(mark);  // refused while locked: no count, no longer lock

  clock_.AdvanceSeconds(2);
  EXPECT_TRUE(Ok(SrpSignIn("jane", kPassword)).contains("AuthenticationResult"));
  ExpectError(PasswordAuth(client_, "jane", kOtherPassword), ErrorCode::kNotAuthorized);
  EXPECT_EQ(LastEventData().value("consecutive_failures", 0), 1);
}

TEST_F(SrpAuthTest, Lockout_EachFurtherFailureDoublesTheLockUpToFifteenMinutes) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  int64_t expected_ms = 1000;
  for (int n = 1; n <= 16; ++n) {
    ExpectError(PasswordAuth(client_, "jane", kOtherPassword), ErrorCode::kNotAuthorized);
    const json failed = LastEventData();
    EXPECT_EQ(failed.value("consecutive_failures", 0), n);
    if (n < 5) {
      EXPECT_FALSE(failed.contains("locked_until_ms"));
      continue;
    }
    EXPECT_EQ(failed.value("locked_until_ms", int64_t{0}) - clock_.NowMs(), std::min<int64_t>(expected_ms, 15 * 60 * 1000));
    expected_ms *= 2;
    clock_.SetNowMs(failed.value("locked_until_ms", int64_t{0}));  // wait the lock out
  }
}

TEST_F(SrpAuthTest, Lockout_FailuresAreForgottenAfterAQuarterOfAnHour) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  for (int i = 0; i < 4; ++i) ExpectError(PasswordAuth(client_, "jane", kOtherPassword), ErrorCode::kNotAuthorized);
  clock_.AdvanceMinutes(16);
  ExpectError(PasswordAuth(client_, "jane", kOtherPassword), ErrorCode::kNotAuthorized);
  EXPECT_EQ(LastEventData().value("consecutive_failures", 0), 1);
}

TEST_F(SrpAuthTest, Lockout_ANewPasswordUnlocks) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  for (int i = 0; i < 6; ++i) ExpectError(PasswordAuth(client_, "jane", kOtherPassword), ErrorCode::kNotAuthorized);
  CallOk(&UserPoolService::AdminSetUserPassword,
         {{"UserPoolId", pool_}, {"Username", "jane"}, {"Password", kOtherPassword}, {"Permanent", true}});
  EXPECT_TRUE(Ok(PasswordAuth(client_, "jane", kOtherPassword)).contains("AuthenticationResult"));
}

}  // namespace
}  // namespace cognate::testing
