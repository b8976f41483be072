// Sign-up and confirmation: SignUp, ConfirmSignUp, ResendConfirmationCode, AdminCreateUser,
// AdminConfirmSignUp.
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/engine_fixture.h"

namespace cognate::testing {
namespace {

class SignUpTest : public EngineTest {
 protected:
  // A pool that auto-verifies email, and a public client of it.
  void GivenEmailVerifyingPool(const json& pool_extra = json::object()) {
    json extra = {{"AutoVerifiedAttributes", {"email"}}};
    extra.update(pool_extra);
    pool_ = CreatePool(extra);
    client_ = CreatePasswordClient(pool_);
  }

  Outcome<json> SignUp(const std::string& username, const std::string& password,
                       const std::map<std::string, std::string>& attributes = {{"email", kEmail}},
                       const json& extra = json::object()) {
    json request = {{"ClientId", client_}, {"Username", username}, {"Password", password},
                    {"UserAttributes", Attributes(attributes)}};
    request.update(extra);
    return CallPublic(&UserPoolService::SignUp, request);
  }

  Outcome<json> Confirm(const std::string& username, const std::string& code) {
    return CallPublic(&UserPoolService::ConfirmSignUp,
                      {{"ClientId", client_}, {"Username", username}, {"ConfirmationCode", code}});
  }

  std::string pool_;
  std::string client_;
};

// ---- SignUp ----

TEST_F(SignUpTest, SignUp_AppendsSignedUpAndSendsCodeToAutoVerifiedEmail) {
  GivenEmailVerifyingPool();
  const uint64_t mark = LastSequence();

  auto out = SignUp("jane", kPassword);

  ExpectEventsSince(mark, {"user.signed_up"});
  const json response = Ok(out);
  EXPECT_EQ(response["UserConfirmed"], false);
  EXPECT_FALSE(response.value("UserSub", "").empty());
  EXPECT_EQ(response["CodeDeliveryDetails"],
            json({{"Destination", "j***@e***"}, {"DeliveryMedium", "EMAIL"}, {"AttributeName", "email"}}));
  ASSERT_EQ(sink_.size(), 1u);
  const OutgoingMessage message = *sink_.last();
  EXPECT_EQ(message.user_pool_id, pool_);
  EXPECT_EQ(message.username, "jane");
  EXPECT_EQ(message.destination, kEmail);
  EXPECT_EQ(message.delivery_medium, "EMAIL");
  EXPECT_EQ(message.code.size(), 6u);
  EXPECT_NE(message.body.find(message.code), std::string::npos) << message.body;
  EXPECT_EQ(message.created_at_ms, clock_.NowMs());
  EXPECT_EQ(AdminGetUser(pool_, "jane")["UserStatus"], "UNCONFIRMED");
}

TEST_F(SignUpTest, SignUp_SendsNoCodeWhenNothingIsAutoVerified) {
  pool_ = CreatePool();
  client_ = CreateClient(pool_);
  const uint64_t mark = LastSequence();

  auto out = SignUp("jane", kPassword);

  ExpectEventsSince(mark, {"user.signed_up"});
  EXPECT_FALSE(Ok(out).contains("CodeDeliveryDetails"));
  EXPECT_EQ(sink_.size(), 0u);
}

TEST_F(SignUpTest, SignUp_RejectsTakenUsername) {
  GivenEmailVerifyingPool();
  SignUpUser(client_, "jane", {{"email", kEmail}});
  const uint64_t mark = LastSequence();

  auto out = SignUp("jane", kPassword, {{"email", "other@example.com"}});

  ExpectError(out, ErrorCode::kUsernameExists, "User already exists");
  ExpectNoEventsSince(mark);
}

TEST_F(SignUpTest, SignUp_RejectsPasswordBreakingEachPolicyRuleWithCognitosMessage) {
  GivenEmailVerifyingPool();
  const uint64_t mark = LastSequence();
  // Cognito's SignUp says "did not conform with policy" (the password-change operations say
  // "does not conform to policy").
  const struct {
    const char* password;
    const char* message;
  } cases[] = {
      {"Sh0rt!", "Password did not conform with policy: Password not long enough"},
      {"NOLOWER-1", "Password did not conform with policy: Password must have lowercase characters"},
      {"noupper-1", "Password did not conform with policy: Password must have uppercase characters"},
      {"NoNumber-x", "Password did not conform with policy: Password must have numeric characters"},
      {"NoSymbol1x", "Password did not conform with policy: Password must have symbol characters"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.password);
    ExpectError(SignUp("jane", c.password), ErrorCode::kInvalidPassword, c.message);
  }
  ExpectNoEventsSince(mark);
  EXPECT_EQ(sink_.size(), 0u);
}

TEST_F(SignUpTest, SignUp_RejectsUnknownAttribute) {
  GivenEmailVerifyingPool();
  const uint64_t mark = LastSequence();

  auto out = SignUp("jane", kPassword, {{"email", kEmail}, {"favourite_colour", "green"}});

  ExpectError(out, ErrorCode::kInvalidParameter);
  ExpectNoEventsSince(mark);
}

TEST_F(SignUpTest, SignUp_RejectsSelfSetEmailVerified) {
  // Only verification (or an administrator) may mark an email verified; Cognito answers
  // NotAuthorizedException "A client attempted to write unauthorized attribute".
  GivenEmailVerifyingPool();
  const uint64_t mark = LastSequence();

  auto out = SignUp("jane", kPassword, {{"email", kEmail}, {"email_verified", "true"}});

  ExpectError(out, ErrorCode::kNotAuthorized, "A client attempted to write unauthorized attribute");
  ExpectNoEventsSince(mark);
}

TEST_F(SignUpTest, SignUp_InEmailUsernamePoolUsesSubAsUsernameAndEmailSignsIn) {
  GivenEmailVerifyingPool({{"UsernameAttributes", {"email"}}});
  const uint64_t mark = LastSequence();

  // When
  const json response = Ok(SignUp(kEmail, kPassword, {}));

  // Then the internal username is the sub, and the email finds and signs in the user
  ExpectEventsSince(mark, {"user.signed_up"});
  const std::string sub = response.value("UserSub", "");
  const json user = AdminGetUser(pool_, kEmail);
  EXPECT_EQ(user["Username"], sub);
  EXPECT_EQ(AttributeValue(user["UserAttributes"], "email"), kEmail);
  Ok(Confirm(kEmail, LastCodeTo(kEmail)));
  const json tokens = SignIn(client_, kEmail);
  EXPECT_EQ(JwtPayload(tokens.value("AccessToken", ""))["username"], sub);
}

TEST_F(SignUpTest, SignUp_InEmailUsernamePoolRejectsTakenEmail) {
  GivenEmailVerifyingPool({{"UsernameAttributes", {"email"}}});
  SignUpUser(client_, kEmail);
  const uint64_t mark = LastSequence();

  ExpectError(SignUp(kEmail, kPassword, {}), ErrorCode::kUsernameExists,
              "An account with the given email already exists.");
  ExpectNoEventsSince(mark);
}

TEST_F(SignUpTest, SignUp_InEmailUsernamePoolRejectsNonEmailUsername) {
  GivenEmailVerifyingPool({{"UsernameAttributes", {"email"}}});
  const uint64_t mark = LastSequence();

  ExpectError(SignUp("jane", kPassword, {}), ErrorCode::kInvalidParameter, "Username should be an email.");
  ExpectNoEventsSince(mark);
}

TEST_F(SignUpTest, SignUp_RequiresSecretHashForClientWithSecret) {
  GivenEmailVerifyingPool();
  client_ = CreateClient(pool_, {{"GenerateSecret", true}});
  const uint64_t mark = LastSequence();

  auto out = SignUp("jane", kPassword);

  ExpectError(out, ErrorCode::kNotAuthorized,
              "Client " + client_ + " is configured for secret but secret was not received");
  ExpectNoEventsSince(mark);
}

TEST_F(SignUpTest, SignUp_VerifiesSecretHash) {
  GivenEmailVerifyingPool();
  const json client = CallOk(&UserPoolService::CreateUserPoolClient,
                             {{"UserPoolId", pool_}, {"ClientName", "server"}, {"GenerateSecret", true}});
  client_ = client["UserPoolClient"].value("ClientId", "");
  const std::string secret = client["UserPoolClient"].value("ClientSecret", "");
  const uint64_t mark = LastSequence();

  // A hash made with another secret, or for another username, is refused.
  ExpectError(SignUp("jane", kPassword, {{"email", kEmail}}, {{"SecretHash", SecretHash("wrong", "jane", client_)}}),
              ErrorCode::kNotAuthorized, "Unable to verify secret hash for client " + client_);
  ExpectError(SignUp("jane", kPassword, {{"email", kEmail}}, {{"SecretHash", SecretHash(secret, "john", client_)}}),
              ErrorCode::kNotAuthorized);
  ExpectNoEventsSince(mark);

  // The right one is accepted.
  Ok(SignUp("jane", kPassword, {{"email", kEmail}}, {{"SecretHash", SecretHash(secret, "jane", client_)}}));
  ExpectEventsSince(mark, {"user.signed_up"});
}

TEST_F(SignUpTest, SignUp_ConcurrentSignUpsOfOneUsernameHaveOneWinner) {
  GivenEmailVerifyingPool();
  const uint64_t mark = LastSequence();
  constexpr int kThreads = 6;
  std::vector<std::optional<Outcome<json>>> outcomes(kThreads);

  // When several callers sign up "jane" at once
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        outcomes[static_cast<size_t>(i)].emplace(
            SignUp("jane", kPassword, {{"email", "jane" + std::to_string(i) + "@example.com"}}));
      });
    }
    for (auto& t : threads) t.join();
  }

  // Then exactly one wins and the others are told the name is taken
  int winners = 0;
  for (const auto& o : outcomes) {
    if (o->ok()) {
      ++winners;
    } else {
      ExpectError(*o, ErrorCode::kUsernameExists);
    }
  }
  EXPECT_EQ(winners, 1);
  ExpectEventsSince(mark, {"user.signed_up"});
}

// ---- ConfirmSignUp ----

TEST_F(SignUpTest, ConfirmSignUp_WithRightCodeConfirmsAndVerifiesEmail) {
  GivenEmailVerifyingPool();
  SignUpUser(client_, "jane", {{"email", kEmail}});
  const uint64_t mark = LastSequence();

  auto out = Confirm("jane", LastCodeTo(kEmail));

  Ok(out);
  ExpectEventsSince(mark, {"user.confirmed"});
  const json user = AdminGetUser(pool_, "jane");
  EXPECT_EQ(user["UserStatus"], "CONFIRMED");
  EXPECT_EQ(AttributeValue(user["UserAttributes"], "email_verified"), "true");
}

TEST_F(SignUpTest, ConfirmSignUp_WrongCodeIsCodeMismatchAndOnlyRecordsTheRejection) {
  GivenEmailVerifyingPool();
  SignUpUser(client_, "jane", {{"email", kEmail}});
  const uint64_t mark = LastSequence();

  auto out = Confirm("jane", OtherCode(LastCodeTo(kEmail)));

  ExpectError(out, ErrorCode::kCodeMismatch, "Invalid verification code provided, please try again.");
  ExpectEventsSince(mark, {"user.code.rejected"});
  EXPECT_EQ(AdminGetUser(pool_, "jane")["UserStatus"], "UNCONFIRMED");
}

TEST_F(SignUpTest, ConfirmSignUp_RejectsExpiredCode) {
  GivenEmailVerifyingPool();
  SignUpUser(client_, "jane", {{"email", kEmail}});
  const std::string code = LastCodeTo(kEmail);
  clock_.AdvanceHours(25);
  const uint64_t mark = LastSequence();

  auto out = Confirm("jane", code);

  ExpectError(out, ErrorCode::kExpiredCode);
  ExpectNoEventsSince(mark);
  EXPECT_EQ(AdminGetUser(pool_, "jane")["UserStatus"], "UNCONFIRMED");
}

TEST_F(SignUpTest, ConfirmSignUp_RejectsConfirmingTwice) {
  GivenEmailVerifyingPool();
  SignUpUser(client_, "jane", {{"email", kEmail}});
  const std::string code = LastCodeTo(kEmail);
  Ok(Confirm("jane", code));
  const uint64_t mark = LastSequence();

  auto out = Confirm("jane", code);

  ExpectError(out, ErrorCode::kNotAuthorized, "User cannot be confirmed. Current status is CONFIRMED");
  ExpectNoEventsSince(mark);
}

TEST_F(SignUpTest, ConfirmSignUp_UnknownUserIsUserNotFound) {
  GivenEmailVerifyingPool();
  const uint64_t mark = LastSequence();

  ExpectError(Confirm("ghost", "123456"), ErrorCode::kUserNotFound);
  ExpectNoEventsSince(mark);
}

TEST_F(SignUpTest, ConfirmSignUp_UnknownUserIsCodeMismatchWhenPreventingUserExistenceErrors) {
  GivenEmailVerifyingPool();
  client_ = CreatePasswordClient(pool_, {{"PreventUserExistenceErrors", "ENABLED"}});
  const uint64_t mark = LastSequence();

  ExpectError(Confirm("ghost", "123456"), ErrorCode::kCodeMismatch,
              "Invalid verification code provided, please try again.");
  ExpectNoEventsSince(mark);
}

TEST_F(SignUpTest, ConfirmSignUp_SurvivesLostAppendRaces) {
  GivenEmailVerifyingPool();
  SignUpUser(client_, "jane", {{"email", kEmail}});
  const uint64_t mark = LastSequence();
  store_.FailNextAppends(2);

  auto out = Confirm("jane", LastCodeTo(kEmail));

  Ok(out);
  EXPECT_EQ(store_.injected_failures(), 2);
  ExpectEventsSince(mark, {"user.confirmed"});
}

TEST_F(SignUpTest, ConfirmSignUp_RejectsEmailAliasVerifiedByAnotherUser) {
  // Given an email-alias pool where Jane has verified jane@example.com, and John signed up
  // with the same email (allowed while it is unverified)
  GivenEmailVerifyingPool({{"AliasAttributes", {"email"}}});
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  SignUpUser(client_, "john", {{"email", kEmail}});
  const uint64_t mark = LastSequence();

  // When John confirms, which would verify the email Jane's alias holds
  auto out = Confirm("john", LastCodeTo(kEmail));

  // Then
  ExpectError(out, ErrorCode::kAliasExists, "An account with the given email already exists.");
  ExpectNoEventsSince(mark);
  EXPECT_EQ(AdminGetUser(pool_, "john")["UserStatus"], "UNCONFIRMED");
}

// ---- ResendConfirmationCode ----

TEST_F(SignUpTest, ResendConfirmationCode_InvalidatesThePreviousCode) {
  GivenEmailVerifyingPool();
  SignUpUser(client_, "jane", {{"email", kEmail}});
  const std::string old_code = LastCodeTo(kEmail);
  const uint64_t mark = LastSequence();

  // When (a fresh code may repeat the old one with odds 1e-6: ask again then)
  std::string new_code = old_code;
  std::vector<std::string> sent;
  for (int i = 0; i < 3 && new_code == old_code; ++i) {
    sent.push_back("user.code.sent");
    const json out = CallOk(&UserPoolService::ResendConfirmationCode, {{"ClientId", client_}, {"Username", "jane"}});
    EXPECT_EQ(out["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    new_code = LastCodeTo(kEmail);
  }
  ASSERT_NE(new_code, old_code);

  // Then
  ExpectEventsSince(mark, sent);
  const uint64_t resent = LastSequence();
  ExpectError(Confirm("jane", old_code), ErrorCode::kCodeMismatch);
  ExpectEventsSince(resent, {"user.code.rejected"});
  Ok(Confirm("jane", new_code));
  EXPECT_EQ(AdminGetUser(pool_, "jane")["UserStatus"], "CONFIRMED");
}

// ---- AdminCreateUser ----

TEST_F(SignUpTest, AdminCreateUser_CreatesForceChangePasswordUserAndInvitesWithTemporaryPassword) {
  GivenEmailVerifyingPool();
  const uint64_t mark = LastSequence();

  auto out = Call(&UserPoolService::AdminCreateUser,
                  {{"UserPoolId", pool_},
                   {"Username", "jane"},
                   {"UserAttributes", Attributes({{"email", kEmail}})},
                   {"DesiredDeliveryMediums", {"EMAIL"}}});

  // Then
  ExpectEventsSince(mark, {"user.created"});
  const json user = Ok(out)["User"];
  EXPECT_EQ(user["Username"], "jane");
  EXPECT_EQ(user["UserStatus"], "FORCE_CHANGE_PASSWORD");
  EXPECT_EQ(user["Enabled"], true);
  ASSERT_EQ(sink_.size(), 1u);
  const OutgoingMessage invite = *sink_.last();
  EXPECT_EQ(invite.destination, kEmail);
  EXPECT_EQ(invite.delivery_medium, "EMAIL");
  EXPECT_FALSE(invite.code.empty());
  EXPECT_NE(invite.body.find(invite.code), std::string::npos) << invite.body;
  EXPECT_NE(invite.body.find("jane"), std::string::npos) << invite.body;
  // The temporary password it carries is the user's password.
  const json challenge = Ok(PasswordAuth(client_, "jane", invite.code));
  EXPECT_EQ(challenge.value("ChallengeName", ""), "NEW_PASSWORD_REQUIRED");
}

TEST_F(SignUpTest, AdminCreateUser_SuppressSendsNothing) {
  GivenEmailVerifyingPool();
  const uint64_t mark = LastSequence();

  auto out = Call(&UserPoolService::AdminCreateUser,
                  {{"UserPoolId", pool_},
                   {"Username", "jane"},
                   {"TemporaryPassword", kPassword},
                   {"MessageAction", "SUPPRESS"},
                   {"UserAttributes", Attributes({{"email", kEmail}})},
                   {"DesiredDeliveryMediums", {"EMAIL"}}});

  Ok(out);
  ExpectEventsSince(mark, {"user.created"});
  EXPECT_EQ(sink_.size(), 0u);
}

TEST_F(SignUpTest, AdminCreateUser_RejectsTakenUsername) {
  GivenEmailVerifyingPool();
  SignUpUser(client_, "jane", {{"email", kEmail}});
  const uint64_t mark = LastSequence();

  auto out = Call(&UserPoolService::AdminCreateUser, {{"UserPoolId", pool_}, {"Username", "jane"}});

  ExpectError(out, ErrorCode::kUsernameExists, "User account already exists");
  ExpectNoEventsSince(mark);
}

TEST_F(SignUpTest, AdminCreateUser_ResendReplacesTheTemporaryPassword) {
  GivenEmailVerifyingPool();
  const json create = {{"UserPoolId", pool_},
                       {"Username", "jane"},
                       {"UserAttributes", Attributes({{"email", kEmail}})},
                       {"DesiredDeliveryMediums", {"EMAIL"}}};
  CallOk(&UserPoolService::AdminCreateUser, create);
  const std::string first = LastCodeTo(kEmail);
  const uint64_t mark = LastSequence();

  // When
  json resend = create;
  resend["MessageAction"] = "RESEND";
  Ok(Call(&UserPoolService::AdminCreateUser, resend));

  // Then
  ExpectEventsSince(mark, {"user.password.changed"});
  const std::string second = LastCodeTo(kEmail);
  ASSERT_NE(second, first);
  ExpectError(PasswordAuth(client_, "jane", first), ErrorCode::kNotAuthorized);
  EXPECT_EQ(Ok(PasswordAuth(client_, "jane", second)).value("ChallengeName", ""), "NEW_PASSWORD_REQUIRED");
}

// ---- AdminConfirmSignUp ----

TEST_F(SignUpTest, AdminConfirmSignUp_ConfirmsUnconfirmedUser) {
  GivenEmailVerifyingPool();
  SignUpUser(client_, "jane", {{"email", kEmail}});
  const uint64_t mark = LastSequence();

  auto out = Call(&UserPoolService::AdminConfirmSignUp, {{"UserPoolId", pool_}, {"Username", "jane"}});

  Ok(out);
  ExpectEventsSince(mark, {"user.confirmed"});
  const json user = AdminGetUser(pool_, "jane");
  EXPECT_EQ(user["UserStatus"], "CONFIRMED");
  // An administrator's confirmation verifies no attribute.
  EXPECT_NE(AttributeValue(user["UserAttributes"], "email_verified"), "true");
  SignIn(client_, "jane");
}

TEST_F(SignUpTest, AdminConfirmSignUp_RejectsConfirmedUser) {
  GivenEmailVerifyingPool();
  SignUpConfirmed(pool_, client_, "jane", {{"email", kEmail}});
  const uint64_t mark = LastSequence();

  ExpectError(Call(&UserPoolService::AdminConfirmSignUp, {{"UserPoolId", pool_}, {"Username", "jane"}}),
              ErrorCode::kNotAuthorized);
  ExpectNoEventsSince(mark);
}

}  // namespace
}  // namespace cognate::testing
