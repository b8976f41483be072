// Users: GetUser, AdminGetUser, attribute updates and deletions, deleting users, enabling and
// disabling, administrator-set passwords, and ListUsers with filters and paging.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/engine_fixture.h"

namespace cognate::testing {
namespace {

class UserTest : public EngineTest {
 protected:
  void SetUp() override {
    pool_ = CreatePool({{"AutoVerifiedAttributes", {"email"}},
                        {"Schema", {{{"Name", "email"}, {"Required", true}},
                                    {{"Name", "tenant"}, {"AttributeDataType", "String"}, {"Mutable", false}}}}});
    client_ = CreatePasswordClient(pool_);
  }

  // Jane, with her email verified by the emailed code.
  std::string GivenJane() {
    return SignUpVerified(client_, "jane", {{"email", kEmail}, {"name", "Jane Doe"}, {"custom:tenant", "acme"}});
  }

  Outcome<json> UpdateAttributes(const std::string& username, const std::map<std::string, std::string>& attributes) {
    return Call(&UserPoolService::AdminUpdateUserAttributes,
                {{"UserPoolId", pool_}, {"Username", username}, {"UserAttributes", Attributes(attributes)}});
  }

  json Attrs(const std::string& username) { return AdminGetUser(pool_, username)["UserAttributes"]; }

  // A user created by an administrator, without messages.
  void AdminCreate(const std::string& username, const std::string& email) {
    CallOk(&UserPoolService::AdminCreateUser, {{"UserPoolId", pool_},
                                               {"Username", username},
                                               {"TemporaryPassword", kPassword},
                                               {"MessageAction", "SUPPRESS"},
                                               {"UserAttributes", Attributes({{"email", email}})}});
  }

  static std::set<std::string> Usernames(const json& users) {
    std::set<std::string> names;
    for (const auto& u : users) names.insert(u.value("Username", ""));
    return names;
  }

  std::string pool_;
  std::string client_;
};

// ---- Reading ----

TEST_F(UserTest, GetUser_ReturnsTheTokensUserAndAttributes) {
  const std::string sub = GivenJane();
  const json tokens = SignIn(client_, "jane");
  const uint64_t mark = LastSequence();

  auto out = CallPublic(&UserPoolService::GetUser, {{"AccessToken", tokens.value("AccessToken", "")}});

  const json user = Ok(out);
  EXPECT_EQ(user["Username"], "jane");
  EXPECT_EQ(AttributeValue(user["UserAttributes"], "sub"), sub);
  EXPECT_EQ(AttributeValue(user["UserAttributes"], "email"), kEmail);
  EXPECT_EQ(AttributeValue(user["UserAttributes"], "email_verified"), "true");
  EXPECT_EQ(AttributeValue(user["UserAttributes"], "custom:tenant"), "acme");
  ExpectNoEventsSince(mark);
}

TEST_F(UserTest, GetUser_RejectsMalformedAccessToken) {
  ExpectError(CallPublic(&UserPoolService::GetUser, {{"AccessToken", "not.a.jwt"}}), ErrorCode::kNotAuthorized,
              "Invalid Access Token");
}

TEST_F(UserTest, AdminGetUser_UnknownUserIsUserNotFound) {
  ExpectError(Call(&UserPoolService::AdminGetUser, {{"UserPoolId", pool_}, {"Username", "ghost"}}),
              ErrorCode::kUserNotFound, "User does not exist.");
}

// ---- Updating attributes ----

TEST_F(UserTest, AdminUpdateUserAttributes_ChangingEmailResetsEmailVerified) {
  GivenJane();
  const uint64_t mark = LastSequence();

  auto out = UpdateAttributes("jane", {{"email", "jane@new.example.com"}});

  Ok(out);
  ExpectEventsSince(mark, {"user.attributes.updated"});
  const json attrs = Attrs("jane");
  EXPECT_EQ(AttributeValue(attrs, "email"), "jane@new.example.com");
  EXPECT_EQ(AttributeValue(attrs, "email_verified"), "false");
  EXPECT_EQ(AttributeValue(attrs, "name"), "Jane Doe");
}

TEST_F(UserTest, AdminUpdateUserAttributes_MayMarkTheNewEmailVerified) {
  GivenJane();
  const uint64_t mark = LastSequence();

  Ok(UpdateAttributes("jane", {{"email", "jane@new.example.com"}, {"email_verified", "true"}}));

  ExpectEventsSince(mark, {"user.attributes.updated"});
  EXPECT_EQ(AttributeValue(Attrs("jane"), "email_verified"), "true");
}

TEST_F(UserTest, AdminUpdateUserAttributes_KeepsEmailVerifiedWhenEmailUnchanged) {
  GivenJane();

  Ok(UpdateAttributes("jane", {{"email", kEmail}, {"name", "Jane Q. Doe"}}));

  const json attrs = Attrs("jane");
  EXPECT_EQ(AttributeValue(attrs, "email_verified"), "true");
  EXPECT_EQ(AttributeValue(attrs, "name"), "Jane Q. Doe");
}

TEST_F(UserTest, AdminUpdateUserAttributes_RejectsImmutableAttributes) {
  GivenJane();
  const uint64_t mark = LastSequence();

  ExpectError(UpdateAttributes("jane", {{"custom:tenant", "globex"}}), ErrorCode::kInvalidParameter,
              "Cannot modify an immutable attribute: custom:tenant");
  ExpectError(UpdateAttributes("jane", {{"sub", "00000000-0000-4000-8000-000000000000"}}),
              ErrorCode::kInvalidParameter);
  ExpectNoEventsSince(mark);
  EXPECT_EQ(AttributeValue(Attrs("jane"), "custom:tenant"), "acme");
}

TEST_F(UserTest, AdminUpdateUserAttributes_RejectsUnknownAttribute) {
  GivenJane();
  const uint64_t mark = LastSequence();

  ExpectError(UpdateAttributes("jane", {{"custom:nope", "x"}}), ErrorCode::kInvalidParameter);
  ExpectError(UpdateAttributes("jane", {{"shoe_size", "9"}}), ErrorCode::kInvalidParameter);
  ExpectNoEventsSince(mark);
}

TEST_F(UserTest, AdminUpdateUserAttributes_RejectsEmailTakenInEmailUsernamePool) {
  // Given a pool that signs in with email, and two users
  const std::string pool = CreatePool({{"UsernameAttributes", {"email"}}});
  const std::string client = CreateClient(pool);
  SignUpConfirmed(pool, client, "a@example.com");
  SignUpConfirmed(pool, client, "b@example.com");
  const uint64_t mark = LastSequence();

  // When A takes B's email
  auto out = Call(&UserPoolService::AdminUpdateUserAttributes,
                  {{"UserPoolId", pool}, {"Username", "a@example.com"},
                   {"UserAttributes", Attributes({{"email", "b@example.com"}})}});

  // Then
  ExpectError(out, ErrorCode::kAliasExists, "An account with the given email already exists.");
  ExpectNoEventsSince(mark);
}

TEST_F(UserTest, AdminUpdateUserAttributes_SurvivesLostAppendRaces) {
  GivenJane();
  const uint64_t mark = LastSequence();
  store_.FailNextAppends(3);

  Ok(UpdateAttributes("jane", {{"name", "J. Doe"}}));

  EXPECT_EQ(store_.injected_failures(), 3);
  ExpectEventsSince(mark, {"user.attributes.updated"});
  EXPECT_EQ(AttributeValue(Attrs("jane"), "name"), "J. Doe");
}

TEST_F(UserTest, UpdateUserAttributes_UpdatesTheTokensUser) {
  GivenJane();
  const json tokens = SignIn(client_, "jane");
  const uint64_t mark = LastSequence();

  auto out = CallPublic(&UserPoolService::UpdateUserAttributes,
                        {{"AccessToken", tokens.value("AccessToken", "")},
                         {"UserAttributes", Attributes({{"name", "Janet"}})}});

  Ok(out);
  ExpectEventsSince(mark, {"user.attributes.updated"});
  EXPECT_EQ(AttributeValue(Attrs("jane"), "name"), "Janet");
}

// ---- Deleting attributes ----

TEST_F(UserTest, AdminDeleteUserAttributes_RemovesTheAttribute) {
  GivenJane();
  const uint64_t mark = LastSequence();

  Ok(Call(&UserPoolService::AdminDeleteUserAttributes,
          {{"UserPoolId", pool_}, {"Username", "jane"}, {"UserAttributeNames", {"name"}}}));

  ExpectEventsSince(mark, {"user.attributes.updated"});
  EXPECT_EQ(AttributeValue(Attrs("jane"), "name"), std::nullopt);
}

TEST_F(UserTest, AdminDeleteUserAttributes_RejectsRequiredAttribute) {
  GivenJane();
  const uint64_t mark = LastSequence();

  auto out = Call(&UserPoolService::AdminDeleteUserAttributes,
                  {{"UserPoolId", pool_}, {"Username", "jane"}, {"UserAttributeNames", {"email"}}});

  ExpectError(out, ErrorCode::kInvalidParameter);
  ExpectNoEventsSince(mark);
  EXPECT_EQ(AttributeValue(Attrs("jane"), "email"), kEmail);
}

// ---- Deleting users ----

TEST_F(UserTest, AdminDeleteUser_FreesTheUsernameForANewSignUp) {
  const std::string old_sub = GivenJane();
  const uint64_t mark = LastSequence();

  // When
  Ok(Call(&UserPoolService::AdminDeleteUser, {{"UserPoolId", pool_}, {"Username", "jane"}}));

  // Then
  ExpectEventsSince(mark, {"user.deleted", "user.personal_data.erased"});
  ExpectError(Call(&UserPoolService::AdminGetUser, {{"UserPoolId", pool_}, {"Username", "jane"}}),
              ErrorCode::kUserNotFound);
  const std::string new_sub = SignUpUser(client_, "jane", {{"email", kEmail}});
  EXPECT_FALSE(new_sub.empty());
  EXPECT_NE(new_sub, old_sub);
  const json user = AdminGetUser(pool_, "jane");
  EXPECT_EQ(AttributeValue(user["UserAttributes"], "sub"), new_sub);
  EXPECT_EQ(user["UserStatus"], "UNCONFIRMED");
}

TEST_F(UserTest, AdminDeleteUser_RevokesTheUsersTokens) {
  GivenJane();
  const json tokens = SignIn(client_, "jane");

  Ok(Call(&UserPoolService::AdminDeleteUser, {{"UserPoolId", pool_}, {"Username", "jane"}}));

  ExpectError(CallPublic(&UserPoolService::GetUser, {{"AccessToken", tokens.value("AccessToken", "")}}),
              ErrorCode::kNotAuthorized);
}

TEST_F(UserTest, AdminDeleteUser_UnknownUserIsUserNotFound) {
  const uint64_t mark = LastSequence();

  ExpectError(Call(&UserPoolService::AdminDeleteUser, {{"UserPoolId", pool_}, {"Username", "ghost"}}),
              ErrorCode::kUserNotFound);
  ExpectNoEventsSince(mark);
}

// ---- Enabling, disabling, passwords ----

TEST_F(UserTest, AdminDisableUser_RevokesTokensAndEnableAllowsSignInAgain) {
  GivenJane();
  const json tokens = SignIn(client_, "jane");
  const uint64_t mark = LastSequence();

  Ok(Call(&UserPoolService::AdminDisableUser, {{"UserPoolId", pool_}, {"Username", "jane"}}));

  ExpectEventsSince(mark, {"user.disabled"});
  EXPECT_EQ(AdminGetUser(pool_, "jane")["Enabled"], false);
  ExpectError(CallPublic(&UserPoolService::GetUser, {{"AccessToken", tokens.value("AccessToken", "")}}),
              ErrorCode::kNotAuthorized);
  Ok(Call(&UserPoolService::AdminEnableUser, {{"UserPoolId", pool_}, {"Username", "jane"}}));
  SignIn(client_, "jane");
}

TEST_F(UserTest, AdminSetUserPassword_RejectsWeakPasswordWithCognitosMessage) {
  GivenJane();
  const uint64_t mark = LastSequence();

  auto out = Call(&UserPoolService::AdminSetUserPassword,
                  {{"UserPoolId", pool_}, {"Username", "jane"}, {"Password", "alllowercase-1"}, {"Permanent", true}});

  ExpectError(out, ErrorCode::kInvalidPassword,
              "Password does not conform to policy: Password must have uppercase characters");
  ExpectNoEventsSince(mark);
}

TEST_F(UserTest, AdminSetUserPassword_PermanentPasswordSignsIn) {
  AdminCreate("jane", kEmail);
  const uint64_t mark = LastSequence();

  Ok(Call(&UserPoolService::AdminSetUserPassword,
          {{"UserPoolId", pool_}, {"Username", "jane"}, {"Password", kOtherPassword}, {"Permanent", true}}));

  ExpectEventsSince(mark, {"user.password.changed"});
  EXPECT_EQ(AdminGetUser(pool_, "jane")["UserStatus"], "CONFIRMED");
  SignIn(client_, "jane", kOtherPassword);
}

TEST_F(UserTest, ChangePassword_RequiresThePreviousPassword) {
  GivenJane();
  const json tokens = SignIn(client_, "jane");
  const uint64_t mark = LastSequence();

  auto out = CallPublic(&UserPoolService::ChangePassword, {{"AccessToken", tokens.value("AccessToken", "")},
                                                           {"PreviousPassword", "Not-The-Password-1"},
                                                           {"ProposedPassword", kOtherPassword}});

  ExpectError(out, ErrorCode::kNotAuthorized, "Incorrect username or password.");
  ExpectNoEventsSince(mark);
}

TEST_F(UserTest, ChangePassword_ReplacesThePassword) {
  GivenJane();
  const json tokens = SignIn(client_, "jane");
  const uint64_t mark = LastSequence();

  Ok(CallPublic(&UserPoolService::ChangePassword, {{"AccessToken", tokens.value("AccessToken", "")},
                                                   {"PreviousPassword", kPassword},
                                                   {"ProposedPassword", kOtherPassword}}));

  ExpectEventsSince(mark, {"user.password.changed"});
  SignIn(client_, "jane", kOtherPassword);
  ExpectError(PasswordAuth(client_, "jane", kPassword), ErrorCode::kNotAuthorized);
}

// ---- ListUsers ----

TEST_F(UserTest, ListUsers_FiltersByExactEmail) {
  AdminCreate("alice", "alice@example.com");
  AdminCreate("alina", "alina@other.org");
  AdminCreate("bob", "bob@example.com");

  auto out = Call(&UserPoolService::ListUsers, {{"UserPoolId", pool_}, {"Filter", "email = \"alice@example.com\""}});

  const json users = Ok(out)["Users"];
  EXPECT_EQ(Usernames(users), std::set<std::string>({"alice"}));
  EXPECT_FALSE(Ok(out).contains("PaginationToken"));
}

TEST_F(UserTest, ListUsers_FiltersByEmailPrefix) {
  AdminCreate("alice", "alice@example.com");
  AdminCreate("alina", "alina@other.org");
  AdminCreate("bob", "bob@example.com");

  auto out = Call(&UserPoolService::ListUsers, {{"UserPoolId", pool_}, {"Filter", "email ^= \"ali\""}});

  EXPECT_EQ(Usernames(Ok(out)["Users"]), std::set<std::string>({"alice", "alina"}));
}

TEST_F(UserTest, ListUsers_RejectsUnsearchableFilterAttribute) {
  ExpectError(Call(&UserPoolService::ListUsers, {{"UserPoolId", pool_}, {"Filter", "custom:tenant = \"acme\""}}),
              ErrorCode::kInvalidParameter);
}

TEST_F(UserTest, ListUsers_PagesWithLimitAndPaginationToken) {
  // Given seven users
  std::set<std::string> created;
  for (int i = 0; i < 7; ++i) {
    const std::string name = "user" + std::to_string(i);
    AdminCreate(name, name + "@example.com");
    created.insert(name);
  }

  // When listing three at a time
  std::set<std::string> listed;
  std::vector<size_t> page_sizes;
  json request = {{"UserPoolId", pool_}, {"Limit", 3}};
  for (int page = 0; page < 5; ++page) {
    const json out = CallOk(&UserPoolService::ListUsers, request);
    page_sizes.push_back(out["Users"].size());
    for (const auto& name : Usernames(out["Users"])) {
      EXPECT_TRUE(listed.insert(name).second) << name << " listed twice";
    }
    if (!out.contains("PaginationToken")) break;
    request["PaginationToken"] = out["PaginationToken"];
  }

  // Then
  EXPECT_EQ(page_sizes, std::vector<size_t>({3, 3, 1}));
  EXPECT_EQ(listed, created);
}

TEST_F(UserTest, ListUsers_OmitsDeletedUsers) {
  AdminCreate("alice", "alice@example.com");
  AdminCreate("bob", "bob@example.com");
  Ok(Call(&UserPoolService::AdminDeleteUser, {{"UserPoolId", pool_}, {"Username", "bob"}}));

  const json out = CallOk(&UserPoolService::ListUsers, {{"UserPoolId", pool_}});

  EXPECT_EQ(Usernames(out["Users"]), std::set<std::string>({"alice"}));
}

TEST_F(UserTest, ListUsers_ShowsAChangedUserAsItIsNow) {
  // Each user's entry is kept between calls: it must follow the user's row.
  AdminCreate("alice", "alice@example.com");
  const json before = CallOk(&UserPoolService::ListUsers, {{"UserPoolId", pool_}});
  ASSERT_EQ(before["Users"].size(), 1u);
  EXPECT_TRUE(before["Users"][0]["Enabled"].get<bool>());

  Ok(Call(&UserPoolService::AdminUpdateUserAttributes,
          {{"UserPoolId", pool_}, {"Username", "alice"},
           {"UserAttributes", json::array({{{"Name", "email"}, {"Value", "alice@example.org"}}})}}));
  Ok(Call(&UserPoolService::AdminDisableUser, {{"UserPoolId", pool_}, {"Username", "alice"}}));
  const json after = CallOk(&UserPoolService::ListUsers, {{"UserPoolId", pool_}});

  ASSERT_EQ(after["Users"].size(), 1u);
  EXPECT_FALSE(after["Users"][0]["Enabled"].get<bool>());
  std::string email;
  for (const auto& attribute : after["Users"][0]["Attributes"]) {
    if (attribute["Name"] == "email") email = attribute["Value"];
  }
  EXPECT_EQ(email, "alice@example.org");
}

TEST_F(UserTest, ListUsers_AttributesToGetNarrowsTheAttributes) {
  AdminCreate("alice", "alice@example.com");
  CallOk(&UserPoolService::ListUsers, {{"UserPoolId", pool_}});  // the full entry is now kept

  const json out =
      CallOk(&UserPoolService::ListUsers, {{"UserPoolId", pool_}, {"AttributesToGet", json::array({"email"})}});

  ASSERT_EQ(out["Users"].size(), 1u);
  ASSERT_EQ(out["Users"][0]["Attributes"].size(), 1u);
  EXPECT_EQ(out["Users"][0]["Attributes"][0]["Name"], "email");
}

}  // namespace
}  // namespace cognate::testing
