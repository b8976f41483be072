// Pre token generation overrides: Cognito's V1 and V2 rules for what a trigger may change.
#include "engine/user/claim_overrides.h"

#include <gtest/gtest.h>

namespace cognate {
namespace {

using json = nlohmann::json;

TokenClaims Claims() {
  return {json{{"sub", "s-1"}, {"email", "a@example.com"}, {"phone_number", "+15550100"},
               {"cognito:groups", json::array({"staff"})}, {"token_use", "id"}},
          json{{"sub", "s-1"}, {"scope", "aws.cognito.signin.user.admin"},
               {"cognito:groups", json::array({"staff"})}, {"token_use", "access"}}};
}

TEST(ClaimOverridesTest, V1_AddsAndSuppressesIdTokenClaimsOnly) {
  TokenClaims claims = Claims();
  json response = {{"claimsOverrideDetails",
                    {{"claimsToAddOrOverride", {{"tenant", "acme"}, {"email", "b@example.com"}}},
                     {"claimsToSuppress", json::array({"phone_number"})}}}};
  ASSERT_TRUE(ApplyClaimOverrides("1", response, claims).ok());
  EXPECT_EQ(claims.id["tenant"], "acme");
  EXPECT_EQ(claims.id["email"], "b@example.com");
  EXPECT_FALSE(claims.id.contains("phone_number"));
  EXPECT_FALSE(claims.access.contains("tenant"));
}

TEST(ClaimOverridesTest, V1_ProtectedClaimsDoNotChange) {
  TokenClaims claims = Claims();
  json response = {{"claimsOverrideDetails",
                    {{"claimsToAddOrOverride", {{"sub", "someone-else"}, {"token_use", "access"}}},
                     {"claimsToSuppress", json::array({"sub"})}}}};
  ASSERT_TRUE(ApplyClaimOverrides("1", response, claims).ok());
  EXPECT_EQ(claims.id["sub"], "s-1");
  EXPECT_EQ(claims.id["token_use"], "id");
}

TEST(ClaimOverridesTest, V1_GroupOverrideReplacesGroupsInBothTokensAndEmptyRemovesThem) {
  TokenClaims claims = Claims();
  json response = {{"claimsOverrideDetails",
                    {{"groupOverrideDetails", {{"groupsToOverride", json::array({"a", "b"})},
                                               {"iamRolesToOverride", json::array({"arn:aws:iam::1:role/R"})},
                                               {"preferredRole", "arn:aws:iam::1:role/R"}}}}}};
  ASSERT_TRUE(ApplyClaimOverrides("1", response, claims).ok());
  EXPECT_EQ(claims.id["cognito:groups"], json::array({"a", "b"}));
  EXPECT_EQ(claims.access["cognito:groups"], json::array({"a", "b"}));
  EXPECT_EQ(claims.id["cognito:preferred_role"], "arn:aws:iam::1:role/R");

  json none = {{"claimsOverrideDetails", {{"groupOverrideDetails", {{"groupsToOverride", json::object()}}}}}};
  ASSERT_TRUE(ApplyClaimOverrides("1", none, claims).ok());
  EXPECT_FALSE(claims.id.contains("cognito:groups"));
  EXPECT_FALSE(claims.access.contains("cognito:groups"));
}

TEST(ClaimOverridesTest, V1_NonStringClaimValueIsAnInvalidResponse) {
  TokenClaims claims = Claims();
  json response = {{"claimsOverrideDetails", {{"claimsToAddOrOverride", {{"n", 5}}}}}};
  auto result = ApplyClaimOverrides("1", response, claims);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidLambdaResponse);
}

TEST(ClaimOverridesTest, V2_ChangesBothTokensAndScopes) {
  TokenClaims claims = Claims();
  json response = {{"claimsAndScopeOverrideDetails",
                    {{"idTokenGeneration", {{"claimsToAddOrOverride", {{"level", 3}}}}},
                     {"accessTokenGeneration", {{"claimsToAddOrOverride", {{"tenant", "acme"}}},
                                                {"scopesToAdd", json::array({"api/read"})},
                                                {"scopesToSuppress", json::array({"aws.cognito.signin.user.admin"})}}}}}};
  ASSERT_TRUE(ApplyClaimOverrides("2", response, claims).ok());
  EXPECT_EQ(claims.id["level"], 3);
  EXPECT_EQ(claims.access["tenant"], "acme");
  EXPECT_EQ(claims.access["scope"], "api/read");
}

TEST(ClaimOverridesTest, NullDetailsChangeNothing) {
  TokenClaims claims = Claims();
  const TokenClaims before = claims;
  ASSERT_TRUE(ApplyClaimOverrides("1", json{{"claimsOverrideDetails", nullptr}}, claims).ok());
  ASSERT_TRUE(ApplyClaimOverrides("2", json{{"claimsAndScopeOverrideDetails", nullptr}}, claims).ok());
  EXPECT_EQ(claims.id, before.id);
  EXPECT_EQ(claims.access, before.access);
}

}  // namespace
}  // namespace cognate
