// Attribute verification: a code to the user's own email (GetUserAttributeVerificationCode) and
// the code typed back (VerifyUserAttribute) mark it verified, once.
#include <gtest/gtest.h>

#include "tests/support/engine_fixture.h"

namespace cognate::testing {
namespace {

class AttributeVerificationTest : public EngineTest {
 protected:
  void SetUp() override {
    pool_ = CreatePool({{"AutoVerifiedAttributes", {"email"}}, {"AliasAttributes", {"email"}}});
    client_ = CreatePasswordClient(pool_);
    SignUpConfirmed(pool_, client_, "jane", {{"email", kEmail}});  // confirmed by an admin: email unverified
    access_ = SignIn(client_, "jane")["AccessToken"];
  }
  Outcome<json> SendCode(const std::string& attribute) {
    return CallPublic(&UserPoolService::GetUserAttributeVerificationCode,
                      {{"AccessToken", access_}, {"AttributeName", attribute}});
  }
  Outcome<json> Verify(const std::string& attribute, const std::string& code) {
    return CallPublic(&UserPoolService::VerifyUserAttribute,
                      {{"AccessToken", access_}, {"AttributeName", attribute}, {"Code", code}});
  }
  std::optional<std::string> Attr(const std::string& name) {
    return AttributeValue(AdminGetUser(pool_, "jane")["UserAttributes"], name);
  }

  std::string pool_, client_, access_;
};

TEST_F(AttributeVerificationTest, TheEmailedCodeVerifiesTheEmailAndMakesItAnAlias) {
  EXPECT_NE(Attr("email_verified"), "true");
  ExpectError(Call(&UserPoolService::AdminGetUser, {{"UserPoolId", pool_}, {"Username", kEmail}}),
              ErrorCode::kUserNotFound);  // an alias only once verified

  const json sent = Ok(SendCode("email"));
  EXPECT_EQ(sent["CodeDeliveryDetails"]["AttributeName"], "email");
  const std::string code = LastCodeTo(kEmail);
  const uint64_t mark = LastSequence();
  ExpectError(Verify("email", OtherCode(code)), ErrorCode::kCodeMismatch);
  ExpectEventsSince(mark, {"user.code.rejected"});

  Ok(Verify("email", code));
  EXPECT_EQ(Attr("email_verified"), "true");
  EXPECT_EQ(Call(&UserPoolService::AdminGetUser, {{"UserPoolId", pool_}, {"Username", kEmail}}).ok(), true)
      << "the verified email now signs in as an alias";
  ExpectError(Verify("email", code), ErrorCode::kCodeMismatch);  // spent
}

TEST_F(AttributeVerificationTest, OnlyAnEmailOrPhoneTheUserHasCanBeVerified) {
  const uint64_t mark = LastSequence();
  ExpectError(SendCode("name"), ErrorCode::kInvalidParameter);
  ExpectError(SendCode("phone_number"), ErrorCode::kInvalidParameter);
  ExpectNoEventsSince(mark);
}

TEST_F(AttributeVerificationTest, AnExpiredCodeIsRefused) {
  Ok(SendCode("email"));
  const std::string code = LastCodeTo(kEmail);
  clock_.AdvanceHours(25);
  access_ = SignIn(client_, "jane")["AccessToken"];
  ExpectError(Verify("email", code), ErrorCode::kExpiredCode);
  EXPECT_NE(Attr("email_verified"), "true");
}

TEST_F(AttributeVerificationTest, ChangingTheEmailSendsACodeToTheNewAddress) {
  const json out = CallOk(&UserPoolService::UpdateUserAttributes,
                          {{"AccessToken", access_}, {"UserAttributes", Attributes({{"email", "new@example.com"}})}});
  ASSERT_EQ(out["CodeDeliveryDetailsList"].size(), 1u);
  EXPECT_EQ(out["CodeDeliveryDetailsList"][0]["AttributeName"], "email");
  EXPECT_EQ(Attr("email"), "new@example.com");
  EXPECT_EQ(Attr("email_verified"), "false");
  Ok(Verify("email", LastCodeTo("new@example.com")));
  EXPECT_EQ(Attr("email_verified"), "true");
}

TEST_F(AttributeVerificationTest, WithVerifyBeforeUpdateTheOldEmailStaysUntilTheNewOneIsVerified) {
  Ok(Verify("email", (Ok(SendCode("email")), LastCodeTo(kEmail))));
  CallOk(&UserPoolService::UpdateUserPool,
         {{"UserPoolId", pool_}, {"AutoVerifiedAttributes", {"email"}},
          {"UserAttributeUpdateSettings", {{"AttributesRequireVerificationBeforeUpdate", {"email"}}}}});

  CallOk(&UserPoolService::UpdateUserAttributes,
         {{"AccessToken", access_}, {"UserAttributes", Attributes({{"email", "new@example.com"}})}});
  EXPECT_EQ(Attr("email"), kEmail);
  EXPECT_EQ(Attr("email_verified"), "true");
  EXPECT_TRUE(Call(&UserPoolService::AdminGetUser, {{"UserPoolId", pool_}, {"Username", kEmail}}).ok())
      << "the old address still signs in";

  Ok(Verify("email", LastCodeTo("new@example.com")));
  EXPECT_EQ(Attr("email"), "new@example.com");
  EXPECT_EQ(Attr("email_verified"), "true");
  EXPECT_TRUE(Call(&UserPoolService::AdminGetUser, {{"UserPoolId", pool_}, {"Username", "new@example.com"}}).ok());
  ExpectError(Call(&UserPoolService::AdminGetUser, {{"UserPoolId", pool_}, {"Username", kEmail}}), ErrorCode::kUserNotFound);
}

}  // namespace
}  // namespace cognate::testing
