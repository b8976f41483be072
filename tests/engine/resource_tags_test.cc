// Tags on user pools: TagResource, UntagResource, ListTagsForResource, and the UserPoolTags that
// CreateUserPool, UpdateUserPool and DescribeUserPool share with them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/engine_fixture.h"

namespace cognate::testing {
namespace {

class ResourceTagsTest : public EngineTest {
 protected:
  json Describe(const std::string& pool_id) {
    return CallOk(&UserPoolService::DescribeUserPool, {{"UserPoolId", pool_id}})["UserPool"];
  }
  std::string ArnOf(const std::string& pool_id) {
    return Describe(pool_id)["Arn"].get<std::string>();
  }
  json ListTags(const std::string& arn) {
    return CallOk(&UserPoolService::ListTagsForResource, {{"ResourceArn", arn}})["Tags"];
  }
  static json ManyTags(int n) {
    json tags = json::object();
    for (int i = 0; i < n; ++i) {
      std::string key = "key";
      key += std::to_string(i);
      tags[key] = "value";
    }
    return tags;
  }
};

TEST_F(ResourceTagsTest, TagListUntag_RoundTripThroughDescribeUserPool) {
  const std::string pool = CreatePool();
  const std::string arn = ArnOf(pool);
  EXPECT_EQ(arn, "arn:aws:cognito-idp:us-east-1:000000000000:userpool/" + pool);
  EXPECT_EQ(ListTags(arn), json::object());
  const uint64_t mark = LastSequence();

  CallOk(&UserPoolService::TagResource,
         {{"ResourceArn", arn}, {"Tags", {{"team", "identity"}, {"stage", "test"}}}});

  ExpectEventsSince(mark, {"userpool.updated"});
  EXPECT_EQ(ListTags(arn), json({{"team", "identity"}, {"stage", "test"}}));
  EXPECT_EQ(Describe(pool)["UserPoolTags"], json({{"team", "identity"}, {"stage", "test"}}));

  CallOk(&UserPoolService::UntagResource, {{"ResourceArn", arn}, {"TagKeys", {"stage"}}});

  EXPECT_EQ(ListTags(arn), json({{"team", "identity"}}));
  EXPECT_EQ(Describe(pool)["UserPoolTags"], json({{"team", "identity"}}));
}

TEST_F(ResourceTagsTest, TagResource_MergesWithTheTagsTheCreateGave) {
  const std::string pool = CreatePool({{"UserPoolTags", {{"team", "identity"}, {"stage", "dev"}}}});
  const std::string arn = ArnOf(pool);

  CallOk(&UserPoolService::TagResource,
         {{"ResourceArn", arn}, {"Tags", {{"stage", "prod"}, {"owner", ""}}}});

  EXPECT_EQ(ListTags(arn), json({{"team", "identity"}, {"stage", "prod"}, {"owner", ""}}));
}

TEST_F(ResourceTagsTest, UpdateUserPool_KeepsTagsItDoesNotName) {
  const std::string pool = CreatePool();
  const std::string arn = ArnOf(pool);
  CallOk(&UserPoolService::TagResource, {{"ResourceArn", arn}, {"Tags", {{"team", "identity"}}}});

  CallOk(&UserPoolService::UpdateUserPool, {{"UserPoolId", pool}, {"MfaConfiguration", "OFF"}});

  EXPECT_EQ(ListTags(arn), json({{"team", "identity"}}));
}

TEST_F(ResourceTagsTest, UnchangedTagsAppendNothing) {
  const std::string pool = CreatePool({{"UserPoolTags", {{"team", "identity"}}}});
  const std::string arn = ArnOf(pool);
  const uint64_t mark = LastSequence();

  CallOk(&UserPoolService::TagResource, {{"ResourceArn", arn}, {"Tags", {{"team", "identity"}}}});
  CallOk(&UserPoolService::UntagResource, {{"ResourceArn", arn}, {"TagKeys", {"no-such-tag"}}});

  ExpectNoEventsSince(mark);
}

TEST_F(ResourceTagsTest, UnknownPoolIsResourceNotFound) {
  const std::string pool = CreatePool();
  const uint64_t mark = LastSequence();

  const std::vector<std::string> arns = {
      "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_nosuchpol",
      "arn:aws:cognito-idp:eu-west-1:000000000000:userpool/" + pool,
      "arn:aws:cognito-idp:us-east-1:123456789012:userpool/" + pool};
  for (const std::string& arn : arns) {
    ExpectError(Call(&UserPoolService::TagResource, {{"ResourceArn", arn}, {"Tags", {{"a", "b"}}}}),
                ErrorCode::kResourceNotFound);
    ExpectError(Call(&UserPoolService::UntagResource, {{"ResourceArn", arn}, {"TagKeys", {"a"}}}),
                ErrorCode::kResourceNotFound);
    ExpectError(Call(&UserPoolService::ListTagsForResource, {{"ResourceArn", arn}}),
                ErrorCode::kResourceNotFound);
  }

  ExpectNoEventsSince(mark);
}

TEST_F(ResourceTagsTest, MalformedArnIsInvalidParameter) {
  const std::string pool = CreatePool();
  const uint64_t mark = LastSequence();

  const std::vector<std::string> arns = {
      "not-an-arn-but-long-enough",
      "arn:aws:cognito-idp:us-east-1:000000000000",
      "arn:aws:cognito-idp:us-east-1:notdigits:userpool/" + pool,
      "arn:aws:cognito-idp:us-east-1:000000000000:userpool/" + pool + " x",
      "arn:aws:cognito-idp:us-east-1:000000000000:identitypool/" + pool,
      "arn:aws:s3:us-east-1:000000000000:userpool/" + pool,
      "arn:aws:cognito-idp:us-east-1:000000000000:userpool/",
      "arn:a:b::1:c"};
  for (const std::string& arn : arns) {
    ExpectError(Call(&UserPoolService::TagResource, {{"ResourceArn", arn}, {"Tags", {{"a", "b"}}}}),
                ErrorCode::kInvalidParameter);
    ExpectError(Call(&UserPoolService::ListTagsForResource, {{"ResourceArn", arn}}),
                ErrorCode::kInvalidParameter);
  }
  ExpectError(Call(&UserPoolService::ListTagsForResource, json::object()),
              ErrorCode::kInvalidParameter);

  ExpectNoEventsSince(mark);
}

TEST_F(ResourceTagsTest, TagLimits) {
  const std::string pool = CreatePool();
  const std::string arn = ArnOf(pool);
  const uint64_t mark = LastSequence();

  for (const json& tags :
       {json{{std::string(129, 'k'), "v"}}, json{{"", "v"}}, json{{"k", std::string(257, 'v')}},
        json{{"k", 1}}, json("k=v"), ManyTags(51)}) {
    ExpectError(Call(&UserPoolService::TagResource, {{"ResourceArn", arn}, {"Tags", tags}}),
                ErrorCode::kInvalidParameter);
  }
  ExpectError(Call(&UserPoolService::TagResource, {{"ResourceArn", arn}}),
              ErrorCode::kInvalidParameter);
  for (const json& keys :
       {json::array({""}), json::array({std::string(129, 'k')}), json("k"), json::array({1})}) {
    ExpectError(Call(&UserPoolService::UntagResource, {{"ResourceArn", arn}, {"TagKeys", keys}}),
                ErrorCode::kInvalidParameter);
  }
  ExpectNoEventsSince(mark);

  // The limits themselves are allowed; characters, not bytes, are counted.
  CallOk(
      &UserPoolService::TagResource,
      {{"ResourceArn", arn},
       {"Tags", {{std::string(128, 'k'), std::string(256, 'v')}, {"é", std::string(256, 'v')}}}});
  json fill = ManyTags(48);
  CallOk(&UserPoolService::TagResource, {{"ResourceArn", arn}, {"Tags", fill}});
  EXPECT_EQ(ListTags(arn).size(), 50u);
  // A 51st tag is refused, a changed one is not.
  ExpectError(
      Call(&UserPoolService::TagResource, {{"ResourceArn", arn}, {"Tags", {{"one-more", "v"}}}}),
      ErrorCode::kInvalidParameter, "A user pool can have at most 50 tags.");
  CallOk(&UserPoolService::TagResource, {{"ResourceArn", arn}, {"Tags", {{"key0", "changed"}}}});
}

TEST_F(ResourceTagsTest, CreateAndUpdateUserPool_CheckTagLimitsToo) {
  const uint64_t mark = LastSequence();
  ExpectError(Call(&UserPoolService::CreateUserPool,
                   {{"PoolName", "tagged"}, {"UserPoolTags", {{"k", std::string(257, 'v')}}}}),
              ErrorCode::kInvalidParameter);
  ExpectError(Call(&UserPoolService::CreateUserPool,
                   {{"PoolName", "tagged"}, {"UserPoolTags", ManyTags(51)}}),
              ErrorCode::kInvalidParameter);
  ExpectNoEventsSince(mark);

  const std::string pool = CreatePool();
  ExpectError(
      Call(&UserPoolService::UpdateUserPool, {{"UserPoolId", pool}, {"UserPoolTags", {{"", "v"}}}}),
      ErrorCode::kInvalidParameter);
}

}  // namespace
}  // namespace cognate::testing
