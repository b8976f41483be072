// Password recovery: ForgotPassword sends a code to the verified email, ConfirmForgotPassword
// sets a new password with it (once), and AdminResetUserPassword requires it.
#include <gtest/gtest.h>

#include "tests/support/engine_fixture.h"

namespace cognate::testing {
namespace {

class PasswordRecoveryTest : public EngineTest {
 protected:
  void SetUp() override {
    pool_ = CreatePool({{"AutoVerifiedAttributes", {"email"}}});
    client_ = CreatePasswordClient(pool_);
  }
  Outcome<json> Forgot(const std::string& username) {
    return CallPublic(&UserPoolService::ForgotPassword, {{"ClientId", client_}, {"Username", username}});
  }
  Outcome<json> Confirm(const std::string& username, const std::string& code, const std::string& password) {
    return CallPublic(&UserPoolService::ConfirmForgotPassword,
                      {{"ClientId", client_}, {"Username", username}, {"ConfirmationCode", code}, {"Password", password}});
  }

  std::string pool_, client_;
};

TEST_F(PasswordRecoveryTest, ACodeToTheVerifiedEmailSetsANewPasswordOnce) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  const uint64_t mark = LastSequence();

  const json sent = Ok(Forgot("jane"));
  EXPECT_EQ(sent["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
  EXPECT_EQ(sent["CodeDeliveryDetails"]["AttributeName"], "email");
  EXPECT_EQ(sent["CodeDeliveryDetails"]["Destination"], "j***@e***");
  ExpectEventsSince(mark, {"user.code.sent"});
  const std::string code = LastCodeTo(kEmail);
  ASSERT_EQ(code.size(), 6u);

  Ok(Confirm("jane", code, kOtherPassword));
  SignIn(client_, "jane", kOtherPassword);
  ExpectError(PasswordAuth(client_, "jane", kPassword), ErrorCode::kNotAuthorized);
  ExpectError(Confirm("jane", code, kPassword), ErrorCode::kCodeMismatch);
}

TEST_F(PasswordRecoveryTest, AWrongCodeIsRecordedAndAnExpiredOneRefused) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  Ok(Forgot("jane"));
  const std::string code = LastCodeTo(kEmail);
  const uint64_t mark = LastSequence();
  ExpectError(Confirm("jane", OtherCode(code), kOtherPassword), ErrorCode::kCodeMismatch);
  ExpectEventsSince(mark, {"user.code.rejected"});

  clock_.AdvanceHours(2);
  const uint64_t later = LastSequence();
  ExpectError(Confirm("jane", code, kOtherPassword), ErrorCode::kExpiredCode);
  ExpectNoEventsSince(later);
  SignIn(client_, "jane", kPassword);
}

TEST_F(PasswordRecoveryTest, AWeakPasswordIsRefusedAndTheCodeStaysUsable) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  Ok(Forgot("jane"));
  const std::string code = LastCodeTo(kEmail);
  const uint64_t mark = LastSequence();
  ExpectError(Confirm("jane", code, "short"), ErrorCode::kInvalidPassword);
  ExpectNoEventsSince(mark);
  Ok(Confirm("jane", code, kOtherPassword));
}

TEST_F(PasswordRecoveryTest, NoVerifiedAddressMeansNoRecovery) {
  SignUpConfirmed(pool_, client_, "jane", {{"email", kEmail}});  // confirmed by an admin: email unverified
  const uint64_t mark = LastSequence();
  ExpectError(Forgot("jane"), ErrorCode::kInvalidParameter,
              "Cannot reset password for the user as there is no registered/verified email or phone_number");
  ExpectNoEventsSince(mark);
  ExpectError(Forgot("nobody"), ErrorCode::kUserNotFound);
}

TEST_F(PasswordRecoveryTest, AnAdministratorsResetIsCompletedWithTheCode) {
  SignUpVerified(client_, "jane", {{"email", kEmail}});
  CallOk(&UserPoolService::AdminResetUserPassword, {{"UserPoolId", pool_}, {"Username", "jane"}});
  EXPECT_EQ(AdminGetUser(pool_, "jane")["UserStatus"], "RESET_REQUIRED");
  ExpectError(PasswordAuth(client_, "jane", kPassword), ErrorCode::kPasswordResetRequired);

  Ok(Confirm("jane", LastCodeTo(kEmail), kOtherPassword));
  EXPECT_EQ(AdminGetUser(pool_, "jane")["UserStatus"], "CONFIRMED");
  SignIn(client_, "jane", kOtherPassword);
}

}  // namespace
}  // namespace cognate::testing
