// Groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups, membership, and the
// groups in tokens.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/engine_fixture.h"

namespace cognate::testing {
namespace {

class GroupTest : public EngineTest {
 protected:
  void SetUp() override {
    pool_ = CreatePool();
    client_ = CreatePasswordClient(pool_);
  }

  Outcome<json> CreateGroup(const std::string& name, const json& extra = json::object()) {
    json request = {{"UserPoolId", pool_}, {"GroupName", name}};
    request.update(extra);
    return Call(&UserPoolService::CreateGroup, request);
  }

  Outcome<json> AddToGroup(const std::string& username, const std::string& group) {
    return Call(&UserPoolService::AdminAddUserToGroup,
                {{"UserPoolId", pool_}, {"Username", username}, {"GroupName", group}});
  }

  std::set<std::string> GroupsOf(const std::string& username) {
    std::set<std::string> names;
    const json out = CallOk(&UserPoolService::AdminListGroupsForUser, {{"UserPoolId", pool_}, {"Username", username}});
    for (const auto& g : out["Groups"]) names.insert(g.value("GroupName", ""));
    return names;
  }

  std::set<std::string> MembersOf(const std::string& group) {
    std::set<std::string> names;
    const json out = CallOk(&UserPoolService::ListUsersInGroup, {{"UserPoolId", pool_}, {"GroupName", group}});
    for (const auto& u : out["Users"]) names.insert(u.value("Username", ""));
    return names;
  }

  std::string pool_;
  std::string client_;
};

TEST_F(GroupTest, CreateGroup_ReturnsTheGroup) {
  const uint64_t mark = LastSequence();

  auto out = CreateGroup("admins", {{"Description", "Administrators"}, {"Precedence", 1},
                                    {"RoleArn", "arn:aws:iam::000000000000:role/admin"}});

  ExpectEventsSince(mark, {"group.created"});
  const json group = Ok(out)["Group"];
  EXPECT_EQ(group["GroupName"], "admins");
  EXPECT_EQ(group["UserPoolId"], pool_);
  EXPECT_EQ(group["Description"], "Administrators");
  EXPECT_EQ(group["Precedence"], 1);
  EXPECT_EQ(group["RoleArn"], "arn:aws:iam::000000000000:role/admin");
}

TEST_F(GroupTest, CreateGroup_RejectsExistingName) {
  Ok(CreateGroup("admins"));
  const uint64_t mark = LastSequence();

  ExpectError(CreateGroup("admins"), ErrorCode::kGroupExists, "A group with the name already exists.");
  ExpectNoEventsSince(mark);
}

TEST_F(GroupTest, GetGroup_ReturnsTheGroupAndUnknownIsResourceNotFound) {
  Ok(CreateGroup("admins", {{"Description", "Administrators"}}));

  EXPECT_EQ(CallOk(&UserPoolService::GetGroup, {{"UserPoolId", pool_}, {"GroupName", "admins"}})["Group"]["Description"],
            "Administrators");
  ExpectError(Call(&UserPoolService::GetGroup, {{"UserPoolId", pool_}, {"GroupName", "nobody"}}),
              ErrorCode::kResourceNotFound, "Group not found.");
}

TEST_F(GroupTest, UpdateGroup_ChangesGivenFieldsAndKeepsOthers) {
  Ok(CreateGroup("admins", {{"Description", "Administrators"}, {"Precedence", 5}}));
  const uint64_t mark = LastSequence();

  auto out = Call(&UserPoolService::UpdateGroup, {{"UserPoolId", pool_}, {"GroupName", "admins"}, {"Precedence", 2}});

  ExpectEventsSince(mark, {"group.updated"});
  const json group = Ok(out)["Group"];
  EXPECT_EQ(group["Precedence"], 2);
  EXPECT_EQ(group["Description"], "Administrators");
}

TEST_F(GroupTest, UpdateGroup_UnknownIsResourceNotFound) {
  const uint64_t mark = LastSequence();

  ExpectError(Call(&UserPoolService::UpdateGroup, {{"UserPoolId", pool_}, {"GroupName", "nobody"}, {"Precedence", 2}}),
              ErrorCode::kResourceNotFound);
  ExpectNoEventsSince(mark);
}

TEST_F(GroupTest, DeleteGroup_RemovesTheGroup) {
  Ok(CreateGroup("admins"));
  const uint64_t mark = LastSequence();

  Ok(Call(&UserPoolService::DeleteGroup, {{"UserPoolId", pool_}, {"GroupName", "admins"}}));

  ExpectEventsSince(mark, {"group.deleted"});
  ExpectError(Call(&UserPoolService::GetGroup, {{"UserPoolId", pool_}, {"GroupName", "admins"}}),
              ErrorCode::kResourceNotFound);
  ExpectError(Call(&UserPoolService::DeleteGroup, {{"UserPoolId", pool_}, {"GroupName", "admins"}}),
              ErrorCode::kResourceNotFound);
}

TEST_F(GroupTest, ListGroups_PagesWithLimitAndNextToken) {
  for (const char* name : {"a", "b", "c"}) Ok(CreateGroup(name));

  const json first = CallOk(&UserPoolService::ListGroups, {{"UserPoolId", pool_}, {"Limit", 2}});
  ASSERT_TRUE(first.contains("NextToken")) << first.dump();
  const json second = CallOk(&UserPoolService::ListGroups,
                             {{"UserPoolId", pool_}, {"Limit", 2}, {"NextToken", first["NextToken"]}});

  std::set<std::string> listed;
  for (const json* page : {&first, &second}) {
    for (const auto& g : (*page)["Groups"]) listed.insert(g.value("GroupName", ""));
  }
  EXPECT_EQ(first["Groups"].size(), 2u);
  EXPECT_EQ(second["Groups"].size(), 1u);
  EXPECT_FALSE(second.contains("NextToken"));
  EXPECT_EQ(listed, std::set<std::string>({"a", "b", "c"}));
}

TEST_F(GroupTest, AdminAddUserToGroup_AddsMembershipOnce) {
  SignUpConfirmed(pool_, client_, "jane");
  Ok(CreateGroup("admins"));
  const uint64_t mark = LastSequence();

  // When added twice
  Ok(AddToGroup("jane", "admins"));
  Ok(AddToGroup("jane", "admins"));

  // Then one membership
  ExpectEventsSince(mark, {"user.group.joined"});
  EXPECT_EQ(GroupsOf("jane"), std::set<std::string>({"admins"}));
  EXPECT_EQ(MembersOf("admins"), std::set<std::string>({"jane"}));
}

TEST_F(GroupTest, AdminAddUserToGroup_UnknownGroupOrUserIsRejected) {
  SignUpConfirmed(pool_, client_, "jane");
  Ok(CreateGroup("admins"));
  const uint64_t mark = LastSequence();

  ExpectError(AddToGroup("jane", "nobody"), ErrorCode::kResourceNotFound);
  ExpectError(AddToGroup("ghost", "admins"), ErrorCode::kUserNotFound);
  ExpectNoEventsSince(mark);
}

TEST_F(GroupTest, AdminRemoveUserFromGroup_RemovesMembership) {
  SignUpConfirmed(pool_, client_, "jane");
  Ok(CreateGroup("admins"));
  Ok(AddToGroup("jane", "admins"));
  const uint64_t mark = LastSequence();

  Ok(Call(&UserPoolService::AdminRemoveUserFromGroup,
          {{"UserPoolId", pool_}, {"Username", "jane"}, {"GroupName", "admins"}}));

  ExpectEventsSince(mark, {"user.group.left"});
  EXPECT_TRUE(GroupsOf("jane").empty());
  EXPECT_TRUE(MembersOf("admins").empty());
}

TEST_F(GroupTest, Tokens_CarryCognitoGroupsOrderedByPrecedence) {
  // Given Jane in three groups: precedence 5, 1, and none
  SignUpConfirmed(pool_, client_, "jane");
  Ok(CreateGroup("alpha", {{"Precedence", 5}, {"RoleArn", "arn:aws:iam::000000000000:role/alpha"}}));
  Ok(CreateGroup("zeta", {{"Precedence", 1}, {"RoleArn", "arn:aws:iam::000000000000:role/zeta"}}));
  Ok(CreateGroup("beta"));
  for (const char* g : {"alpha", "zeta", "beta"}) Ok(AddToGroup("jane", g));

  // When
  const json tokens = SignIn(client_, "jane");

  // Then
  const json expected = json::array({"zeta", "alpha", "beta"});
  const json id = JwtPayload(tokens.value("IdToken", ""));
  EXPECT_EQ(id["cognito:groups"], expected);
  EXPECT_EQ(id["cognito:preferred_role"], "arn:aws:iam::000000000000:role/zeta");
  EXPECT_EQ(id["cognito:roles"],
            json::array({"arn:aws:iam::000000000000:role/zeta", "arn:aws:iam::000000000000:role/alpha"}));
  EXPECT_EQ(JwtPayload(tokens.value("AccessToken", ""))["cognito:groups"], expected);
}

TEST_F(GroupTest, Tokens_OmitCognitoGroupsForUserWithoutGroups) {
  SignUpConfirmed(pool_, client_, "jane");

  const json tokens = SignIn(client_, "jane");

  EXPECT_FALSE(JwtPayload(tokens.value("IdToken", "")).contains("cognito:groups"));
  EXPECT_FALSE(JwtPayload(tokens.value("AccessToken", "")).contains("cognito:groups"));
}

TEST_F(GroupTest, CreateGroup_RecreatedGroupDoesNotInheritMembers) {
  // Given Jane in "admins", which is then deleted and created again
  SignUpConfirmed(pool_, client_, "jane");
  Ok(CreateGroup("admins"));
  Ok(AddToGroup("jane", "admins"));
  Ok(Call(&UserPoolService::DeleteGroup, {{"UserPoolId", pool_}, {"GroupName", "admins"}}));
  const uint64_t mark = LastSequence();

  // When
  Ok(CreateGroup("admins"));

  // Then
  ExpectEventsSince(mark, {"group.created"});
  EXPECT_TRUE(MembersOf("admins").empty());
  EXPECT_TRUE(GroupsOf("jane").empty());
  EXPECT_FALSE(JwtPayload(SignIn(client_, "jane").value("IdToken", "")).contains("cognito:groups"));
  // And she can join the new group.
  Ok(AddToGroup("jane", "admins"));
  EXPECT_EQ(MembersOf("admins"), std::set<std::string>({"jane"}));
}

}  // namespace
}  // namespace cognate::testing
