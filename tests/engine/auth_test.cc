// Sign-in: USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH, the NEW_PASSWORD_REQUIRED challenge,
// tokens and their claims, refresh, revocation and sign-out.
#include <string>

#include <gtest/gtest.h>

#include "engine/user/user_events.h"
#include "tests/support/engine_fixture.h"

namespace cognate::testing {
namespace {

class AuthTest : public EngineTest {
 protected:
  // A pool that auto-verifies email and a client allowing password sign-in and refresh.
  void SetUp() override {
    pool_ = CreatePool({{"AutoVerifiedAttributes", {"email"}}});
    client_ = CreatePasswordClient(pool_);
  }

  // Jane, confirmed with the emailed code (so her email is verified).
  std::string GivenJane() { return SignUpVerified(client_, "jane", {{"email", kEmail}}); }

  Outcome<json> Refresh(const std::string& refresh_token) {
    return CallPublic(&UserPoolService::InitiateAuth, {{"AuthFlow", "REFRESH_TOKEN_AUTH"},
                                                       {"ClientId", client_},
                                                       {"AuthParameters", {{"REFRESH_TOKEN", refresh_token}}}});
  }

  Outcome<json> GetUser(const std::string& access_token) {
    return CallPublic(&UserPoolService::GetUser, {{"AccessToken", access_token}});
  }

  // Jane created by an administrator with a temporary password; returns the challenge response.
  json GivenJaneMustChangePassword() {
    CallOk(&UserPoolService::AdminCreateUser, {{"UserPoolId", pool_},
                                               {"Username", "jane"},
                                               {"TemporaryPassword", kPassword},
                                               {"MessageAction", "SUPPRESS"},
                                               {"UserAttributes", Attributes({{"email", kEmail}})}});
    return Ok(PasswordAuth(client_, "jane", kPassword));
  }

  Outcome<json> RespondNewPassword(const std::string& session, const std::string& new_password) {
    return CallPublic(&UserPoolService::RespondToAuthChallenge,
                      {{"ClientId", client_},
                       {"ChallengeName", "NEW_PASSWORD_REQUIRED"},
                       {"Session", session},
                       {"ChallengeResponses", {{"USERNAME", "jane"}, {"NEW_PASSWORD", new_password}}}});
  }

  std::string pool_;
  std::string client_;
};

// ---- Password sign-in ----

TEST_F(AuthTest, InitiateAuth_UserPasswordAuthNeedsAllowUserPasswordAuth) {
  GivenJane();
  const std::string srp_only = CreateClient(pool_);  // default flows: no ALLOW_USER_PASSWORD_AUTH
  const uint64_t mark = LastSequence();

  auto out = PasswordAuth(srp_only, "jane", kPassword);

  ExpectError(out, ErrorCode::kInvalidParameter, "USER_PASSWORD_AUTH flow not enabled for this client");
  ExpectNoEventsSince(mark);
}

TEST_F(AuthTest, InitiateAuth_SignsInWithCognitoShapedTokens) {
  const std::string sub = GivenJane();
  const uint64_t mark = LastSequence();

  // When
  auto out = PasswordAuth(client_, "jane", kPassword);

  // Then
  ExpectEventsSince(mark, {"user.signed_in"});
  const json result = Ok(out)["AuthenticationResult"];
  EXPECT_EQ(result["TokenType"], "Bearer");
  EXPECT_EQ(result["ExpiresIn"], 3600);
  EXPECT_FALSE(result.value("RefreshToken", "").empty());

  const std::string issuer = std::string(kIssuerBase) + "/" + pool_;
  const json id = JwtPayload(result.value("IdToken", ""));
  EXPECT_EQ(id["token_use"], "id");
  EXPECT_EQ(id["aud"], client_);
  EXPECT_EQ(id["iss"], issuer);
  EXPECT_EQ(id["sub"], sub);
  EXPECT_EQ(id["cognito:username"], "jane");
  EXPECT_EQ(id["email"], kEmail);
  EXPECT_EQ(id["email_verified"], json(true)) << "email_verified must be a JSON boolean";
  EXPECT_EQ(id["auth_time"], clock_.NowMs() / 1000);
  EXPECT_EQ(id["iat"], clock_.NowMs() / 1000);
  EXPECT_EQ(id["exp"].get<int64_t>() - id["iat"].get<int64_t>(), 3600);

  const json access = JwtPayload(result.value("AccessToken", ""));
  EXPECT_EQ(access["token_use"], "access");
  EXPECT_EQ(access["client_id"], client_);
  EXPECT_EQ(access["scope"], "aws.cognito.signin.user.admin");
  EXPECT_EQ(access["username"], "jane");
  EXPECT_EQ(access["sub"], sub);
  EXPECT_EQ(access["iss"], issuer);
  EXPECT_FALSE(access.contains("aud"));
  EXPECT_EQ(access["origin_jti"], id["origin_jti"]);
  EXPECT_EQ(access["event_id"], id["event_id"]);
  EXPECT_NE(access["jti"], id["jti"]);
}

TEST_F(AuthTest, InitiateAuth_WrongPasswordIsNotAuthorizedAndRecordsSignInFailed) {
  GivenJane();
  const uint64_t mark = LastSequence();

  auto out = PasswordAuth(client_, "jane", kOtherPassword);

  ExpectError(out, ErrorCode::kNotAuthorized, "Incorrect username or password.");
  ExpectEventsSince(mark, {"user.sign_in.failed"});
}

TEST_F(AuthTest, InitiateAuth_UnknownUserIsUserNotFoundInLegacyMode) {
  const uint64_t mark = LastSequence();

  auto out = PasswordAuth(client_, "ghost", kPassword);

  ExpectError(out, ErrorCode::kUserNotFound, "User does not exist.");
  ExpectNoEventsSince(mark);
}

TEST_F(AuthTest, InitiateAuth_UnknownUserIsNotAuthorizedWhenPreventingUserExistenceErrors) {
  const std::string quiet = CreatePasswordClient(pool_, {{"PreventUserExistenceErrors", "ENABLED"}});
  const uint64_t mark = LastSequence();

  auto out = PasswordAuth(quiet, "ghost", kPassword);

  ExpectError(out, ErrorCode::kNotAuthorized, "Incorrect username or password.");
  ExpectNoEventsSince(mark);
}

TEST_F(AuthTest, InitiateAuth_UnconfirmedUserIsUserNotConfirmed) {
  SignUpUser(client_, "jane", {{"email", kEmail}});
  const uint64_t mark = LastSequence();

  auto out = PasswordAuth(client_, "jane", kPassword);

  ExpectError(out, ErrorCode::kUserNotConfirmed);
  ExpectNoEventsSince(mark);
}

TEST_F(AuthTest, InitiateAuth_DisabledUserIsNotAuthorized) {
  // Given Jane, disabled (a raw user.disabled event)
  const std::string sub = GivenJane();
  GivenUserEvents(pool_, sub, {MakeEvent(user_events::kDisabled, json::object())});
  const uint64_t mark = LastSequence();

  auto out = PasswordAuth(client_, "jane", kPassword);

  ExpectError(out, ErrorCode::kNotAuthorized, "User is disabled.");
  ExpectNoEventsSince(mark);
}

TEST_F(AuthTest, AdminInitiateAuth_SignsInWithAdminUserPasswordAuth) {
  GivenJane();
  const uint64_t mark = LastSequence();

  auto out = Call(&UserPoolService::AdminInitiateAuth,
                  {{"UserPoolId", pool_},
                   {"ClientId", client_},
                   {"AuthFlow", "ADMIN_USER_PASSWORD_AUTH"},
                   {"AuthParameters", {{"USERNAME", "jane"}, {"PASSWORD", kPassword}}}});

  EXPECT_TRUE(Ok(out).contains("AuthenticationResult"));
  ExpectEventsSince(mark, {"user.signed_in"});
}

TEST_F(AuthTest, InitiateAuth_VerifiesSecretHashForClientWithSecret) {
  GivenJane();
  const json created = CallOk(&UserPoolService::CreateUserPoolClient,
                              {{"UserPoolId", pool_},
                               {"ClientName", "server"},
                               {"GenerateSecret", true},
                               {"ExplicitAuthFlows", {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}});
  const std::string client = created["UserPoolClient"].value("ClientId", "");
  const std::string secret = created["UserPoolClient"].value("ClientSecret", "");
  const uint64_t mark = LastSequence();

  ExpectError(PasswordAuth(client, "jane", kPassword), ErrorCode::kNotAuthorized);
  ExpectError(PasswordAuth(client, "jane", kPassword, {{"SECRET_HASH", SecretHash("wrong", "jane", client)}}),
              ErrorCode::kNotAuthorized, "Unable to verify secret hash for client " + client);
  ExpectNoEventsSince(mark);

  Ok(PasswordAuth(client, "jane", kPassword, {{"SECRET_HASH", SecretHash(secret, "jane", client)}}));
  ExpectEventsSince(mark, {"user.signed_in"});
}

TEST_F(AuthTest, InitiateAuth_SignInSurvivesLostAppendRace) {
  // A concurrent write to the user's stream (another sign-in, say) makes the first append fail
  // with kAborted; the sign-in must decide again, not fail.
  GivenJane();
  const uint64_t mark = LastSequence();
  store_.FailNextAppends(1);

  auto out = PasswordAuth(client_, "jane", kPassword);

  EXPECT_TRUE(Ok(out).contains("AuthenticationResult"));
  EXPECT_EQ(store_.injected_failures(), 1);
  ExpectEventsSince(mark, {"user.signed_in"});
}

TEST_F(AuthTest, InitiateAuth_SignsInWithVerifiedEmailAliasOnly) {
  // Given a pool with an email alias, Jane (verified) and John (unverified email)
  const std::string pool = CreatePool({{"AliasAttributes", {"email"}}, {"AutoVerifiedAttributes", {"email"}}});
  const std::string client = CreatePasswordClient(pool);
  SignUpVerified(client, "jane", {{"email", kEmail}});
  SignUpConfirmed(pool, client, "john", {{"email", "john@example.com"}});

  // Then the verified alias signs in as Jane, the unverified one finds no user
  EXPECT_EQ(JwtPayload(SignIn(client, kEmail).value("AccessToken", ""))["username"], "jane");
  ExpectError(PasswordAuth(client, "john@example.com", kPassword), ErrorCode::kUserNotFound);
}

TEST_F(AuthTest, InitiateAuth_IgnoresCaseInCaseInsensitivePool) {
  const std::string pool = CreatePool({{"UsernameConfiguration", {{"CaseSensitive", false}}}});
  const std::string client = CreatePasswordClient(pool);
  SignUpConfirmed(pool, client, "Jane");

  const json tokens = SignIn(client, "JANE");

  EXPECT_FALSE(tokens.value("AccessToken", "").empty());
  ExpectError(CallPublic(&UserPoolService::SignUp,
                         {{"ClientId", client}, {"Username", "jane"}, {"Password", kPassword}}),
              ErrorCode::kUsernameExists);
}

// ---- NEW_PASSWORD_REQUIRED ----

TEST_F(AuthTest, InitiateAuth_ForceChangePasswordUserGetsNewPasswordRequiredChallenge) {
  CallOk(&UserPoolService::AdminCreateUser, {{"UserPoolId", pool_},
                                             {"Username", "jane"},
                                             {"TemporaryPassword", kPassword},
                                             {"MessageAction", "SUPPRESS"},
                                             {"UserAttributes", Attributes({{"email", kEmail}})}});
  const uint64_t mark = LastSequence();

  auto out = PasswordAuth(client_, "jane", kPassword);

  const json challenge = Ok(out);
  EXPECT_EQ(challenge.value("ChallengeName", ""), "NEW_PASSWORD_REQUIRED");
  EXPECT_FALSE(challenge.value("Session", "").empty());
  EXPECT_FALSE(challenge.contains("AuthenticationResult"));
  EXPECT_EQ(challenge["ChallengeParameters"].value("USER_ID_FOR_SRP", ""), "jane");
  ExpectNoEventsSince(mark);
}

TEST_F(AuthTest, RespondToAuthChallenge_NewPasswordIssuesTokensAndConfirms) {
  const json challenge = GivenJaneMustChangePassword();
  const uint64_t mark = LastSequence();

  auto out = RespondNewPassword(challenge.value("Session", ""), kOtherPassword);

  const json result = Ok(out)["AuthenticationResult"];
  EXPECT_FALSE(result.value("AccessToken", "").empty());
  EXPECT_FALSE(result.value("RefreshToken", "").empty());
  ExpectEventsSince(mark, {"user.password.changed", "user.signed_in"});
  EXPECT_EQ(AdminGetUser(pool_, "jane")["UserStatus"], "CONFIRMED");
  SignIn(client_, "jane", kOtherPassword);
  ExpectError(PasswordAuth(client_, "jane", kPassword), ErrorCode::kNotAuthorized);
}

TEST_F(AuthTest, RespondToAuthChallenge_RejectsExpiredSession) {
  const json challenge = GivenJaneMustChangePassword();
  clock_.Advance(3 * 60 * 1000 + 1000);
  const uint64_t mark = LastSequence();

  auto out = RespondNewPassword(challenge.value("Session", ""), kOtherPassword);

  ExpectError(out, ErrorCode::kNotAuthorized, "Invalid session for the user, session is expired.");
  ExpectNoEventsSince(mark);
  EXPECT_EQ(AdminGetUser(pool_, "jane")["UserStatus"], "FORCE_CHANGE_PASSWORD");
}

TEST_F(AuthTest, RespondToAuthChallenge_RejectsWeakNewPassword) {
  const json challenge = GivenJaneMustChangePassword();
  const uint64_t mark = LastSequence();

  auto out = RespondNewPassword(challenge.value("Session", ""), "short");

  ExpectError(out, ErrorCode::kInvalidPassword, "Password does not conform to policy: Password not long enough");
  ExpectNoEventsSince(mark);
}

TEST_F(AuthTest, InitiateAuth_ExpiredTemporaryPasswordIsNotAuthorized) {
  CallOk(&UserPoolService::AdminCreateUser, {{"UserPoolId", pool_},
                                             {"Username", "jane"},
                                             {"TemporaryPassword", kPassword},
                                             {"MessageAction", "SUPPRESS"}});
  clock_.AdvanceHours(7 * 24 + 1);  // TemporaryPasswordValidityDays defaults to 7
  const uint64_t mark = LastSequence();

  auto out = PasswordAuth(client_, "jane", kPassword);

  ExpectError(out, ErrorCode::kNotAuthorized,
              "Temporary password has expired and must be reset by an administrator.");
  ExpectNoEventsSince(mark);
}

TEST_F(AuthTest, RespondToAuthChallenge_SurvivesLostAppendRace) {
  const json challenge = GivenJaneMustChangePassword();
  const uint64_t mark = LastSequence();
  store_.FailNextAppends(1);

  auto out = RespondNewPassword(challenge.value("Session", ""), kOtherPassword);

  EXPECT_TRUE(Ok(out).contains("AuthenticationResult"));
  ExpectEventsSince(mark, {"user.password.changed", "user.signed_in"});
}

// ---- Refresh ----

TEST_F(AuthTest, InitiateAuth_RefreshTokenAuthIssuesTokensWithoutRefreshToken) {
  GivenJane();
  const json first = SignIn(client_, "jane");
  clock_.AdvanceMinutes(10);
  const uint64_t mark = LastSequence();

  auto out = Refresh(first.value("RefreshToken", ""));

  ExpectEventsSince(mark, {"user.tokens.refreshed"});
  const json result = Ok(out)["AuthenticationResult"];
  EXPECT_FALSE(result.contains("RefreshToken"));
  const json access = JwtPayload(result.value("AccessToken", ""));
  EXPECT_EQ(access["origin_jti"], JwtPayload(first.value("AccessToken", ""))["origin_jti"]);
  EXPECT_EQ(access["iat"], clock_.NowMs() / 1000);
  EXPECT_EQ(JwtPayload(result.value("IdToken", ""))["auth_time"],
            JwtPayload(first.value("IdToken", ""))["auth_time"]);
  EXPECT_EQ(Ok(GetUser(result.value("AccessToken", "")))["Username"], "jane");
}

TEST_F(AuthTest, InitiateAuth_RefreshSurvivesLostAppendRaces) {
  GivenJane();
  const json first = SignIn(client_, "jane");
  const uint64_t mark = LastSequence();
  store_.FailNextAppends(2);

  auto out = Refresh(first.value("RefreshToken", ""));

  EXPECT_TRUE(Ok(out).contains("AuthenticationResult"));
  EXPECT_EQ(store_.injected_failures(), 2);
  ExpectEventsSince(mark, {"user.tokens.refreshed"});
}

TEST_F(AuthTest, InitiateAuth_RejectsUnknownRefreshToken) {
  const uint64_t mark = LastSequence();

  ExpectError(Refresh("not-a-token-we-issued"), ErrorCode::kNotAuthorized, "Invalid Refresh Token");
  ExpectNoEventsSince(mark);
}

TEST_F(AuthTest, InitiateAuth_RejectsExpiredRefreshToken) {
  GivenJane();
  const json tokens = SignIn(client_, "jane");
  clock_.AdvanceHours(30 * 24);  // RefreshTokenValidity defaults to 30 days
  const uint64_t mark = LastSequence();

  ExpectError(Refresh(tokens.value("RefreshToken", "")), ErrorCode::kNotAuthorized, "Refresh Token has expired");
  ExpectNoEventsSince(mark);
}

TEST_F(AuthTest, InitiateAuth_RejectsRefreshTokenOfAnotherClient) {
  GivenJane();
  const json tokens = SignIn(client_, "jane");
  const std::string other = CreatePasswordClient(pool_);
  const uint64_t mark = LastSequence();

  auto out = CallPublic(&UserPoolService::InitiateAuth,
                        {{"AuthFlow", "REFRESH_TOKEN_AUTH"},
                         {"ClientId", other},
                         {"AuthParameters", {{"REFRESH_TOKEN", tokens.value("RefreshToken", "")}}}});

  ExpectError(out, ErrorCode::kNotAuthorized, "Invalid Refresh Token");
  ExpectNoEventsSince(mark);
}

TEST_F(AuthTest, GetTokensFromRefreshToken_IssuesTokensWithoutRefreshToken) {
  GivenJane();
  const json tokens = SignIn(client_, "jane");
  const uint64_t mark = LastSequence();

  auto out = CallPublic(&UserPoolService::GetTokensFromRefreshToken,
                        {{"ClientId", client_}, {"RefreshToken", tokens.value("RefreshToken", "")}});

  const json result = Ok(out)["AuthenticationResult"];
  EXPECT_FALSE(result.value("AccessToken", "").empty());
  EXPECT_FALSE(result.contains("RefreshToken"));
  ExpectEventsSince(mark, {"user.tokens.refreshed"});
}

TEST_F(AuthTest, GetUser_RejectsExpiredAccessToken) {
  GivenJane();
  const json tokens = SignIn(client_, "jane");
  clock_.AdvanceSeconds(3600);

  ExpectError(GetUser(tokens.value("AccessToken", "")), ErrorCode::kNotAuthorized, "Access Token has expired");
}

// A token's signature is checked once and remembered; everything else is checked on every call.
TEST_F(AuthTest, GetUser_ChecksExpiryOnEveryCallOfAnAlreadyVerifiedToken) {
  GivenJane();
  const std::string token = SignIn(client_, "jane").value("AccessToken", "");
  Ok(GetUser(token));
  Ok(GetUser(token));
  clock_.AdvanceSeconds(3600);

  ExpectError(GetUser(token), ErrorCode::kNotAuthorized, "Access Token has expired");
}

TEST_F(AuthTest, GetUser_RefusesAnAlteredCopyOfAnAlreadyVerifiedToken) {
  GivenJane();
  const std::string token = SignIn(client_, "jane").value("AccessToken", "");
  Ok(GetUser(token));

  std::string altered = token;
  altered[altered.size() - 5] = altered[altered.size() - 5] == 'A' ? 'B' : 'A';  // in the signature
  ExpectError(GetUser(altered), ErrorCode::kNotAuthorized, "Invalid Access Token");
  Ok(GetUser(token));
}

TEST_F(AuthTest, GetUser_RefusesAnAlreadyVerifiedTokenOfADeletedUserOrPool) {
  GivenJane();
  const std::string token = SignIn(client_, "jane").value("AccessToken", "");
  Ok(GetUser(token));

  CallOk(&UserPoolService::AdminDeleteUser, {{"UserPoolId", pool_}, {"Username", "jane"}});
  ExpectError(GetUser(token), ErrorCode::kNotAuthorized, "User does not exist.");

  GivenJane();
  const std::string again = SignIn(client_, "jane").value("AccessToken", "");
  Ok(GetUser(again));
  CallOk(&UserPoolService::DeleteUserPool, {{"UserPoolId", pool_}});
  ExpectError(GetUser(again), ErrorCode::kNotAuthorized, "Invalid Access Token");
}

// ---- Sign-out and revocation ----

TEST_F(AuthTest, GlobalSignOut_RevokesAccessAndRefreshTokens) {
  GivenJane();
  const json tokens = SignIn(client_, "jane");
  Ok(GetUser(tokens.value("AccessToken", "")));  // verified once before the sign-out
  const uint64_t mark = LastSequence();

  auto out = CallPublic(&UserPoolService::GlobalSignOut, {{"AccessToken", tokens.value("AccessToken", "")}});

  Ok(out);
  ExpectEventsSince(mark, {"user.signed_out"});
  ExpectError(GetUser(tokens.value("AccessToken", "")), ErrorCode::kNotAuthorized, "Access Token has been revoked");
  ExpectError(Refresh(tokens.value("RefreshToken", "")), ErrorCode::kNotAuthorized, "Refresh Token has been revoked");
}

TEST_F(AuthTest, GlobalSignOut_LeavesLaterSignInsValid) {
  GivenJane();
  const json before = SignIn(client_, "jane");
  Ok(CallPublic(&UserPoolService::GlobalSignOut, {{"AccessToken", before.value("AccessToken", "")}}));

  const json after = SignIn(client_, "jane");

  Ok(GetUser(after.value("AccessToken", "")));
  Ok(Refresh(after.value("RefreshToken", "")));
}

TEST_F(AuthTest, GlobalSignOut_SurvivesLostAppendRaces) {
  GivenJane();
  const json tokens = SignIn(client_, "jane");
  const uint64_t mark = LastSequence();
  store_.FailNextAppends(3);

  auto out = CallPublic(&UserPoolService::GlobalSignOut, {{"AccessToken", tokens.value("AccessToken", "")}});

  Ok(out);
  EXPECT_EQ(store_.injected_failures(), 3);
  ExpectEventsSince(mark, {"user.signed_out"});
}

TEST_F(AuthTest, AdminUserGlobalSignOut_RevokesTokens) {
  GivenJane();
  const json tokens = SignIn(client_, "jane");
  const uint64_t mark = LastSequence();

  Ok(Call(&UserPoolService::AdminUserGlobalSignOut, {{"UserPoolId", pool_}, {"Username", "jane"}}));

  ExpectEventsSince(mark, {"user.signed_out"});
  ExpectError(GetUser(tokens.value("AccessToken", "")), ErrorCode::kNotAuthorized);
  ExpectError(Refresh(tokens.value("RefreshToken", "")), ErrorCode::kNotAuthorized);
}

TEST_F(AuthTest, RevokeToken_RevokesRefreshTokenAndTheAccessTokensOfItsSignIn) {
  GivenJane();
  const json revoked = SignIn(client_, "jane");
  const json other = SignIn(client_, "jane");
  const uint64_t mark = LastSequence();

  auto out = CallPublic(&UserPoolService::RevokeToken,
                        {{"ClientId", client_}, {"Token", revoked.value("RefreshToken", "")}});

  Ok(out);
  ExpectEventsSince(mark, {"user.token.revoked"});
  ExpectError(Refresh(revoked.value("RefreshToken", "")), ErrorCode::kNotAuthorized, "Refresh Token has been revoked");
  ExpectError(GetUser(revoked.value("AccessToken", "")), ErrorCode::kNotAuthorized);
  // Another sign-in's tokens are untouched.
  Ok(GetUser(other.value("AccessToken", "")));
  Ok(Refresh(other.value("RefreshToken", "")));
}

TEST_F(AuthTest, RevokeToken_RejectsAccessToken) {
  GivenJane();
  const json tokens = SignIn(client_, "jane");
  const uint64_t mark = LastSequence();

  auto out = CallPublic(&UserPoolService::RevokeToken,
                        {{"ClientId", client_}, {"Token", tokens.value("AccessToken", "")}});

  ExpectError(out, ErrorCode::kUnsupportedTokenType);
  ExpectNoEventsSince(mark);
}

// ---- Password reset ----

TEST_F(AuthTest, AdminResetUserPassword_MakesSignInAnswerPasswordResetRequired) {
  GivenJane();
  sink_.Clear();
  const uint64_t mark = LastSequence();

  // When
  Ok(Call(&UserPoolService::AdminResetUserPassword, {{"UserPoolId", pool_}, {"Username", "jane"}}));

  // Then a reset code goes to the verified email, and the old password no longer signs in
  ExpectEventsSince(mark, {"user.password.reset_required", "user.code.sent"});
  ASSERT_EQ(sink_.size(), 1u);
  EXPECT_EQ(sink_.last()->destination, kEmail);
  EXPECT_EQ(AdminGetUser(pool_, "jane")["UserStatus"], "RESET_REQUIRED");
  const uint64_t reset = LastSequence();
  ExpectError(PasswordAuth(client_, "jane", kPassword), ErrorCode::kPasswordResetRequired,
              "Password reset required for the user");
  ExpectNoEventsSince(reset);
}

}  // namespace
}  // namespace cognate::testing
