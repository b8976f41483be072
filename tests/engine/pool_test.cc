// User pools: CreateUserPool defaults and validation, Describe, Update, Delete, List.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/engine_fixture.h"

namespace cognate::testing {
namespace {

using PoolTest = EngineTest;

bool HasSchemaAttribute(const json& schema, const std::string& name) {
  for (const auto& a : schema) {
    if (a.value("Name", "") == name) return true;
  }
  return false;
}

TEST_F(PoolTest, CreateUserPool_AppliesCognitoDefaults) {
  // Given an empty store
  const uint64_t mark = LastSequence();

  // When
  auto out = Call(&UserPoolService::CreateUserPool,
                  {{"PoolName", "defaults"},
                   {"Schema", {{{"Name", "tenant"}, {"AttributeDataType", "String"}}}}});

  // Then
  ExpectEventsSince(mark, {"userpool.created"});
  json pool = Ok(out)["UserPool"];
  EXPECT_EQ(pool["Name"], "defaults");
  EXPECT_EQ(pool["Id"].get<std::string>().rfind("us-east-1_", 0), 0u) << pool["Id"];
  const json& policy = pool["Policies"]["PasswordPolicy"];
  EXPECT_EQ(policy["MinimumLength"], 8);
  EXPECT_EQ(policy["RequireUppercase"], true);
  EXPECT_EQ(policy["RequireLowercase"], true);
  EXPECT_EQ(policy["RequireNumbers"], true);
  EXPECT_EQ(policy["RequireSymbols"], true);
  EXPECT_EQ(policy["TemporaryPasswordValidityDays"], 7);
  EXPECT_EQ(pool["MfaConfiguration"], "OFF");
  EXPECT_EQ(pool["DeletionProtection"], "INACTIVE");
  const json& schema = pool["SchemaAttributes"];
  for (const char* standard : {"sub", "email", "email_verified", "phone_number", "name", "updated_at"}) {
    EXPECT_TRUE(HasSchemaAttribute(schema, standard)) << standard;
  }
  EXPECT_TRUE(HasSchemaAttribute(schema, "custom:tenant"));
  EXPECT_FALSE(HasSchemaAttribute(schema, "tenant"));
}

TEST_F(PoolTest, CreateUserPool_RejectsMinimumLengthOutOfRange) {
  const uint64_t mark = LastSequence();

  for (int length : {5, 100}) {
    auto out = Call(&UserPoolService::CreateUserPool,
                    {{"PoolName", "weak"}, {"Policies", {{"PasswordPolicy", {{"MinimumLength", length}}}}}});
    ExpectError(out, ErrorCode::kInvalidParameter);
  }
  ExpectNoEventsSince(mark);
}

TEST_F(PoolTest, CreateUserPool_RejectsUsernameAttributesWithAliasAttributes) {
  const uint64_t mark = LastSequence();

  auto out = Call(&UserPoolService::CreateUserPool, {{"PoolName", "both"},
                                                     {"UsernameAttributes", {"email"}},
                                                     {"AliasAttributes", {"phone_number"}}});

  ExpectError(out, ErrorCode::kInvalidParameter);
  ExpectNoEventsSince(mark);
}

TEST_F(PoolTest, DescribeUserPool_UnknownPoolIsResourceNotFound) {
  auto out = Call(&UserPoolService::DescribeUserPool, {{"UserPoolId", "us-east-1_nosuchpol"}});

  ExpectError(out, ErrorCode::kResourceNotFound, "User pool us-east-1_nosuchpol does not exist.");
}

TEST_F(PoolTest, UpdateUserPool_KeepsUsernameAttributesAndSchema) {
  // Given a pool that signs in with email and has a custom attribute
  const std::string pool = CreatePool({{"UsernameAttributes", {"email"}},
                                       {"Schema", {{{"Name", "tenant"}, {"AttributeDataType", "String"}}}}});
  const json before = CallOk(&UserPoolService::DescribeUserPool, {{"UserPoolId", pool}})["UserPool"];
  const uint64_t mark = LastSequence();

  // When the update changes the password policy only
  auto out = Call(&UserPoolService::UpdateUserPool,
                  {{"UserPoolId", pool}, {"Policies", {{"PasswordPolicy", {{"MinimumLength", 12}}}}}});

  // Then
  Ok(out);
  ExpectEventsSince(mark, {"userpool.updated"});
  const json after = CallOk(&UserPoolService::DescribeUserPool, {{"UserPoolId", pool}})["UserPool"];
  EXPECT_EQ(after["UsernameAttributes"], json::array({"email"}));
  EXPECT_EQ(after["SchemaAttributes"], before["SchemaAttributes"]);
  EXPECT_EQ(after["Policies"]["PasswordPolicy"]["MinimumLength"], 12);
  EXPECT_EQ(after["Name"], before["Name"]);
}

TEST_F(PoolTest, DeleteUserPool_RefusedWhileDeletionProtectionActive) {
  // Given a protected pool
  const std::string pool = CreatePool({{"DeletionProtection", "ACTIVE"}});
  const uint64_t mark = LastSequence();

  // When
  auto out = Call(&UserPoolService::DeleteUserPool, {{"UserPoolId", pool}});

  // Then
  ExpectError(out, ErrorCode::kInvalidParameter);
  ExpectNoEventsSince(mark);
  Ok(Call(&UserPoolService::DescribeUserPool, {{"UserPoolId", pool}}));
}

TEST_F(PoolTest, DeleteUserPool_RemovesThePool) {
  const std::string pool = CreatePool();
  const uint64_t mark = LastSequence();

  Ok(Call(&UserPoolService::DeleteUserPool, {{"UserPoolId", pool}}));

  ExpectEventsSince(mark, {"userpool.deleted"});
  ExpectError(Call(&UserPoolService::DescribeUserPool, {{"UserPoolId", pool}}), ErrorCode::kResourceNotFound);
  const json listed = CallOk(&UserPoolService::ListUserPools, {{"MaxResults", 60}});
  EXPECT_TRUE(listed["UserPools"].empty()) << listed.dump();
}

TEST_F(PoolTest, DeleteUserPool_StopsItsClientsAndUsers) {
  const std::string pool = CreatePool();
  const std::string client = CreatePasswordClient(pool);
  SignUpConfirmed(pool, client, "jane");

  Ok(Call(&UserPoolService::DeleteUserPool, {{"UserPoolId", pool}}));

  const uint64_t mark = LastSequence();
  ExpectError(PasswordAuth(client, "jane", kPassword), ErrorCode::kResourceNotFound);
  ExpectError(Call(&UserPoolService::AdminGetUser, {{"UserPoolId", pool}, {"Username", "jane"}}),
              ErrorCode::kResourceNotFound);
  ExpectNoEventsSince(mark);
}

TEST_F(PoolTest, ListUserPools_PagesWithMaxResultsAndNextToken) {
  // Given three pools
  const std::set<std::string> created = {CreatePool({{"PoolName", "a"}}), CreatePool({{"PoolName", "b"}}),
                                         CreatePool({{"PoolName", "c"}})};

  // When listing two at a time
  const json first = CallOk(&UserPoolService::ListUserPools, {{"MaxResults", 2}});
  ASSERT_TRUE(first.contains("NextToken")) << first.dump();
  const json second = CallOk(&UserPoolService::ListUserPools,
                             {{"MaxResults", 2}, {"NextToken", first["NextToken"]}});

  // Then every pool comes once, and the last page has no token
  EXPECT_EQ(first["UserPools"].size(), 2u);
  EXPECT_EQ(second["UserPools"].size(), 1u);
  EXPECT_FALSE(second.contains("NextToken"));
  std::set<std::string> listed;
  for (const json* page : {&first, &second}) {
    for (const auto& p : (*page)["UserPools"]) listed.insert(p["Id"].get<std::string>());
  }
  EXPECT_EQ(listed, created);
}

TEST_F(PoolTest, ListUserPools_RequiresMaxResults) {
  ExpectError(Call(&UserPoolService::ListUserPools, json::object()), ErrorCode::kInvalidParameter);
  ExpectError(Call(&UserPoolService::ListUserPools, {{"MaxResults", 61}}), ErrorCode::kInvalidParameter);
}

TEST_F(PoolTest, ListUserPools_RejectsForeignNextToken) {
  ExpectError(Call(&UserPoolService::ListUserPools, {{"MaxResults", 2}, {"NextToken", "not base64!"}}),
              ErrorCode::kInvalidParameter);
}

}  // namespace
}  // namespace cognate::testing
