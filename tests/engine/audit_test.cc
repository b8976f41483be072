// The log as an audit trail: personal fields sealed under the user's key, erased with it;
// refusals recorded apart from the user; old schema versions upcast; a user as of a moment.
// (Every EngineTest also checks, on teardown, that its log matches the event catalogue and
// replays into its read models: tests/support/log_checks.h.)
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/audit/event_catalog.h"
#include "engine/audit/event_query.h"
#include "engine/audit/event_reader.h"
#include "engine/audit/user_history.h"
#include "engine/user/user_events.h"
#include "tests/support/engine_fixture.h"

namespace cognate::testing {
namespace {

class AuditTest : public EngineTest {
 protected:
  void SetUp() override {
    pool_ = CreatePool({{"AutoVerifiedAttributes", {"email"}}});
    client_ = CreatePasswordClient(pool_);
  }
  audit::KeyLookup Keys() { return vault_.AsLookup(); }
  StoredEvent LastOfType(const std::string& type) {
    auto events = store_.ReadAll(1, SIZE_MAX);
    for (auto it = events->rbegin(); it != events->rend(); ++it) {
      if (it->type == type) return *it;
    }
    ADD_FAILURE() << "no " << type;
    return {};
  }

  std::string pool_, client_;
  const audit::PersonalDataCipher cipher_{kMasterKey};
  audit::VaultKeys vault_{store_, cipher_};
};

TEST_F(AuditTest, PersonalFieldsAreSealedInTheLogAndOpenWithTheUsersKey) {
  const std::string sub = SignUpUser(client_, "jane", {{"email", kEmail}, {"name", "Jane Doe"}});
  const StoredEvent stored = LastOfType("user.signed_up");
  EXPECT_EQ(stored.payload.find(kEmail), std::string::npos) << stored.payload;
  EXPECT_EQ(stored.payload.find("Jane Doe"), std::string::npos);
  EXPECT_EQ(stored.payload.find("127.0.0.1"), std::string::npos) << "the caller's address is personal";
  EXPECT_NE(stored.payload.find(sub), std::string::npos) << "the sub stays readable";

  auto decoded = audit::DecodeEvent(stored, Keys());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(decoded->erased.empty());
  EXPECT_EQ(decoded->event.data["attributes"]["email"], kEmail);
  EXPECT_EQ(decoded->event.data["username"], "jane");
  EXPECT_EQ(decoded->event.data["$ip"], "127.0.0.1");
}

TEST_F(AuditTest, DeletingAUserDestroysTheKeyAndLeavesTheEventsVerifiableButErased) {
  const std::string sub = SignUpConfirmed(pool_, client_, "jane", {{"email", kEmail}});
  SignIn(client_, "jane");
  const auto before = store_.ReadAll(1, SIZE_MAX).value();
  const std::string key_id = audit::PersonalKeyId(pool_, sub);
  ASSERT_TRUE(store_.GetSecret(key_id)->has_value());

  const uint64_t mark = LastSequence();
  CallOk(&UserPoolService::AdminDeleteUser, {{"UserPoolId", pool_}, {"Username", "jane"}});
  ExpectEventsSince(mark, {"user.deleted", "user.personal_data.erased"});

  EXPECT_FALSE(store_.GetSecret(key_id)->has_value()) << "the key is destroyed with the user";
  const auto after = store_.ReadAll(1, SIZE_MAX).value();
  ASSERT_GE(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(after[i].hash, before[i].hash) << "event #" << before[i].sequence << " changed";
  }
  audit::VaultKeys fresh(store_, cipher_);  // no key cached from before the deletion
  auto decoded = audit::DecodeEvent(LastOfType("user.signed_up"), fresh.AsLookup());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_FALSE(decoded->event.data.contains("attributes"));
  EXPECT_FALSE(decoded->event.data.contains("username"));
  EXPECT_EQ(decoded->event.data["sub"], sub);
  EXPECT_NE(std::find(decoded->erased.begin(), decoded->erased.end(), "attributes"), decoded->erased.end());
  const nlohmann::json shown = audit::EventJson(LastOfType("user.signed_up"), *decoded);
  EXPECT_EQ(shown["data"]["attributes"], "[erased]");
}

TEST_F(AuditTest, AnAlteredSealedBoxIsDataLossNotErasure) {
  SignUpUser(client_, "jane", {{"email", kEmail}});
  StoredEvent stored = LastOfType("user.signed_up");
  auto payload = nlohmann::json::parse(stored.payload);
  std::string box = payload["$sealed"]["box"];
  box[10] = box[10] == 'A' ? 'B' : 'A';
  payload["$sealed"]["box"] = box;
  stored.payload = payload.dump();
  auto decoded = audit::DecodeEvent(stored, Keys());
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss);
}

TEST_F(AuditTest, SchemaVersionOneOfSignInIsUpcastWithItsAddressInTheContext) {
  StoredEvent v1;
  v1.sequence = 7;
  v1.stream = "user/p/s";
  v1.type = "user.signed_in";
  v1.schema_version = 1;
  v1.payload = R"({"client_id":"c","flow":"USER_PASSWORD_AUTH","origin_jti":"o","source_ip":"10.1.2.3"})";
  auto decoded = audit::DecodeEvent(v1, Keys());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->event.schema_version, audit::FindEventDoc("user.signed_in")->schema_version);
  EXPECT_EQ(decoded->event.data["$ip"], "10.1.2.3");
  EXPECT_FALSE(decoded->event.data.contains("source_ip"));

  v1.schema_version = 99;
  EXPECT_EQ(audit::DecodeEvent(v1, Keys()).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(AuditTest, ARefusalOfAnExistingUserIsSealedUnderTheirKeyInTheRefusedStream) {
  const std::string sub = SignUpConfirmed(pool_, client_, "jane", {{"email", kEmail}});
  const uint64_t user_version = store_.StreamVersion(UserStream(pool_, sub)).value();
  CallContext ctx{.actor = "", .source_ip = "192.0.2.7", .user_agent = "ua", .client_id = client_};
  ASSERT_TRUE(service_.RecordRefusal("SignUp", "UsernameExistsException", "User already exists",
                                     {{"ClientId", client_}, {"Username", "jane"}}, ctx)
                  .ok());
  EXPECT_EQ(store_.StreamVersion(UserStream(pool_, sub)).value(), user_version) << "the user's stream is untouched";
  const StoredEvent stored = LastOfType("request.refused");
  EXPECT_EQ(stored.stream, "refused/" + pool_);
  EXPECT_EQ(stored.payload.find("jane"), std::string::npos);
  EXPECT_EQ(stored.payload.find("192.0.2.7"), std::string::npos);
  auto decoded = audit::DecodeEvent(stored, Keys());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->event.data["username"], "jane");
  EXPECT_EQ(decoded->event.data["sub"], sub);
  EXPECT_EQ(decoded->event.data["pool_id"], pool_);
  EXPECT_EQ(decoded->event.data["error"], "UsernameExistsException");

  // An unknown name is kept only as a keyed hash, which `audit --user` can still match.
  ASSERT_TRUE(service_.RecordRefusal("InitiateAuth", "UserNotFoundException", "User does not exist.",
                                     {{"ClientId", client_}, {"AuthParameters", {{"USERNAME", "mallory"}}}}, ctx)
                  .ok());
  const StoredEvent unknown = LastOfType("request.refused");
  EXPECT_EQ(unknown.payload.find("mallory"), std::string::npos);
  auto resolved = audit::ResolveUser(store_, Keys(), &cipher_, pool_, "mallory");
  ASSERT_TRUE(resolved.ok());
  audit::EventFilter filter;
  filter.pool_id = pool_;
  filter.user = "mallory";
  audit::EventMatcher matcher(filter, *resolved);
  auto decoded_unknown = audit::DecodeEvent(unknown, Keys());
  EXPECT_TRUE(matcher.Matches(unknown, [&] { return &decoded_unknown.value(); }));
  EXPECT_FALSE(matcher.Matches(stored, [&] { return &decoded.value(); }));
}

TEST_F(AuditTest, AUserAsOfAMomentIsRebuiltFromTheLog) {
  const std::string sub = SignUpConfirmed(pool_, client_, "jane", {{"email", kEmail}});
  const int64_t before_change = clock_.NowMs();
  clock_.AdvanceMinutes(5);
  CallOk(&UserPoolService::AdminUpdateUserAttributes,
         {{"UserPoolId", pool_}, {"Username", "jane"}, {"UserAttributes", Attributes({{"email", "new@example.com"}})}});
  const int64_t after_change = clock_.NowMs();

  auto then = audit::FoldUserAsOf(store_, Keys(), pool_, sub, before_change);
  ASSERT_TRUE(then.ok());
  EXPECT_EQ(then->state.attributes.at("email"), kEmail);
  auto now = audit::FoldUserAsOf(store_, Keys(), pool_, sub, after_change);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->state.attributes.at("email"), "new@example.com");
  auto not_yet = audit::FoldUserAsOf(store_, Keys(), pool_, sub, before_change - 60000);
  ASSERT_TRUE(not_yet.ok());
  EXPECT_FALSE(not_yet->state.exists);

  // The old address still finds her, through the log.
  auto resolved = audit::ResolveUser(store_, Keys(), &cipher_, pool_, kEmail);
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(resolved->subs, std::set<std::string>{sub});
}

TEST(IsoTimeTest, ParsesTheFormsAuditAccepts) {
  EXPECT_EQ(audit::ParseIsoTime("1970-01-01T00:00:01Z").value(), 1000);
  EXPECT_EQ(audit::ParseIsoTime("1970-01-01T00:00:01.5Z").value(), 1500);
  EXPECT_EQ(audit::ParseIsoTime("1970-01-01T01:00:00+01:00").value(), 0);
  EXPECT_EQ(audit::ParseIsoTime("1970-01-02").value(), 86400000);
  EXPECT_FALSE(audit::ParseIsoTime("yesterday").ok());
  EXPECT_FALSE(audit::ParseIsoTime("1970-13-01").ok());
  EXPECT_EQ(audit::FormatIsoTime(1500), "1970-01-01T00:00:01.500Z");
}

TEST(EventsDocTest, DocsEventsMdHoldsTheCatalogueAsGenerated) {
  std::ifstream in(std::string(COGNATE_SOURCE_DIR) + "/docs/events.md");
  ASSERT_TRUE(in) << "docs/events.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find(audit::RenderEventsMarkdown()), std::string::npos)
      << "docs/events.md is out of step with the event catalogue: regenerate its reference part with "
         "`cognate events-doc`";
}

}  // namespace
}  // namespace cognate::testing
