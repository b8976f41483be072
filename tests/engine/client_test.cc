// App clients: CreateUserPoolClient defaults and validation, Describe, Update, List, Delete.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/engine_fixture.h"

namespace cognate::testing {
namespace {

class ClientTest : public EngineTest {
 protected:
  void SetUp() override { pool_ = CreatePool(); }

  Outcome<json> Create(const json& extra) {
    json request = {{"UserPoolId", pool_}, {"ClientName", "app"}};
    request.update(extra);
    return Call(&UserPoolService::CreateUserPoolClient, request);
  }

  std::string pool_;
};

TEST_F(ClientTest, CreateUserPoolClient_GenerateSecretReturnsClientSecret) {
  const uint64_t mark = LastSequence();

  auto out = Create({{"GenerateSecret", true}});

  ExpectEventsSince(mark, {"client.created"});
  const json client = Ok(out)["UserPoolClient"];
  const std::string secret = client.value("ClientSecret", "");
  EXPECT_GE(secret.size(), 40u) << secret;
  const json described = CallOk(&UserPoolService::DescribeUserPoolClient,
                                {{"UserPoolId", pool_}, {"ClientId", client["ClientId"]}})["UserPoolClient"];
  EXPECT_EQ(described.value("ClientSecret", ""), secret);
  // The secret is stored sealed, never in the clear.
  for (const auto& e : EventsSince(mark)) EXPECT_EQ(e.payload.find(secret), std::string::npos);
}

TEST_F(ClientTest, CreateUserPoolClient_AppliesCognitoDefaults) {
  auto out = Create(json::object());

  const json client = Ok(out)["UserPoolClient"];
  EXPECT_EQ(client["ClientName"], "app");
  EXPECT_EQ(client["UserPoolId"], pool_);
  EXPECT_EQ(client.value("ClientId", "").size(), 26u);
  EXPECT_FALSE(client.contains("ClientSecret"));
  EXPECT_EQ(client["ExplicitAuthFlows"],
            json::array({"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"}));
  EXPECT_EQ(client["RefreshTokenValidity"], 30);
  EXPECT_EQ(client["PreventUserExistenceErrors"], "LEGACY");
  EXPECT_EQ(client["EnableTokenRevocation"], true);
  EXPECT_EQ(client["AuthSessionValidity"], 3);
}

TEST_F(ClientTest, CreateUserPoolClient_RejectsTokenValidityOutOfRange) {
  const uint64_t mark = LastSequence();
  const json cases[] = {
      {{"AccessTokenValidity", 25}},                                                 // hours: > 1 day
      {{"AccessTokenValidity", 4}, {"TokenValidityUnits", {{"AccessToken", "minutes"}}}},  // < 5 minutes
      {{"IdTokenValidity", 2}, {"TokenValidityUnits", {{"IdToken", "days"}}}},       // > 1 day
      {{"RefreshTokenValidity", 59}, {"TokenValidityUnits", {{"RefreshToken", "minutes"}}}},  // < 1 hour
      {{"RefreshTokenValidity", 3651}},                                              // days: > 10 years
  };
  for (const json& c : cases) {
    SCOPED_TRACE(c.dump());
    ExpectError(Create(c), ErrorCode::kInvalidParameter, "Invalid range for token validity.");
  }
  ExpectNoEventsSince(mark);
}

TEST_F(ClientTest, CreateUserPoolClient_AcceptsTokenValidityAtTheBounds) {
  Ok(Create({{"AccessTokenValidity", 5},
             {"IdTokenValidity", 1},
             {"RefreshTokenValidity", 60},
             {"TokenValidityUnits", {{"AccessToken", "minutes"}, {"IdToken", "days"}, {"RefreshToken", "minutes"}}}}));
}

TEST_F(ClientTest, CreateUserPoolClient_RejectsMixingLegacyAndAllowFlows) {
  const uint64_t mark = LastSequence();

  auto out = Create({{"ExplicitAuthFlows", {"USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}});

  ExpectError(out, ErrorCode::kInvalidParameter);
  ExpectNoEventsSince(mark);
}

TEST_F(ClientTest, CreateUserPoolClient_UnknownPoolIsResourceNotFound) {
  const uint64_t mark = LastSequence();

  ExpectError(Call(&UserPoolService::CreateUserPoolClient, {{"UserPoolId", "us-east-1_nosuchpol"}, {"ClientName", "app"}}),
              ErrorCode::kResourceNotFound);
  ExpectNoEventsSince(mark);
}

TEST_F(ClientTest, DescribeUserPoolClient_WithAnotherPoolIsResourceNotFound) {
  const std::string client = CreateClient(pool_);
  const std::string other_pool = CreatePool({{"PoolName", "other"}});

  auto out = Call(&UserPoolService::DescribeUserPoolClient, {{"UserPoolId", other_pool}, {"ClientId", client}});

  ExpectError(out, ErrorCode::kResourceNotFound, "User pool client " + client + " does not exist.");
}

TEST_F(ClientTest, UpdateUserPoolClient_ReplacesSettingsAndKeepsName) {
  const std::string client = CreateClient(pool_, {{"ClientName", "web"}});
  const uint64_t mark = LastSequence();

  auto out = Call(&UserPoolService::UpdateUserPoolClient,
                  {{"UserPoolId", pool_}, {"ClientId", client}, {"ExplicitAuthFlows", {"ALLOW_USER_PASSWORD_AUTH"}}});

  ExpectEventsSince(mark, {"client.updated"});
  const json updated = Ok(out)["UserPoolClient"];
  EXPECT_EQ(updated["ClientName"], "web");
  EXPECT_EQ(updated["ExplicitAuthFlows"], json::array({"ALLOW_USER_PASSWORD_AUTH"}));
}

TEST_F(ClientTest, DeleteUserPoolClient_RemovesTheClient) {
  const std::string client = CreateClient(pool_);
  const uint64_t mark = LastSequence();

  Ok(Call(&UserPoolService::DeleteUserPoolClient, {{"UserPoolId", pool_}, {"ClientId", client}}));

  ExpectEventsSince(mark, {"client.deleted"});
  ExpectError(Call(&UserPoolService::DescribeUserPoolClient, {{"UserPoolId", pool_}, {"ClientId", client}}),
              ErrorCode::kResourceNotFound);
  EXPECT_TRUE(CallOk(&UserPoolService::ListUserPoolClients, {{"UserPoolId", pool_}})["UserPoolClients"].empty());
}

TEST_F(ClientTest, ListUserPoolClients_PagesWithMaxResultsAndNextToken) {
  // Given three clients of this pool and one of another
  std::set<std::string> created;
  for (const char* name : {"one", "two", "three"}) created.insert(CreateClient(pool_, {{"ClientName", name}}));
  CreateClient(CreatePool({{"PoolName", "other"}}), {{"ClientName", "elsewhere"}});

  // When
  const json first = CallOk(&UserPoolService::ListUserPoolClients, {{"UserPoolId", pool_}, {"MaxResults", 2}});
  ASSERT_TRUE(first.contains("NextToken")) << first.dump();
  const json second = CallOk(&UserPoolService::ListUserPoolClients,
                             {{"UserPoolId", pool_}, {"MaxResults", 2}, {"NextToken", first["NextToken"]}});

  // Then
  EXPECT_EQ(first["UserPoolClients"].size(), 2u);
  EXPECT_EQ(second["UserPoolClients"].size(), 1u);
  EXPECT_FALSE(second.contains("NextToken"));
  std::set<std::string> listed;
  for (const json* page : {&first, &second}) {
    for (const auto& c : (*page)["UserPoolClients"]) {
      listed.insert(c["ClientId"].get<std::string>());
      EXPECT_EQ(c["UserPoolId"], pool_);
    }
  }
  EXPECT_EQ(listed, created);
}

}  // namespace
}  // namespace cognate::testing
