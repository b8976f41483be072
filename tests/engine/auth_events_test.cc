// Auth events: AdminListUserAuthEvents answered from the user's stream (sign-ins and refused
// sign-ins, sign-up, resent and recovery codes, password changes; newest first, paged), and
// feedback on them by an administrator or with the FeedbackToken.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "engine/user/user_events.h"
#include "tests/support/engine_fixture.h"

namespace cognate::testing {
namespace {

constexpr char kUuidPattern[] = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

class AuthEventsTest : public EngineTest {
 protected:
  // A pool that auto-verifies email and a client allowing password sign-in.
  void SetUp() override {
    pool_ = CreatePool({{"AutoVerifiedAttributes", {"email"}}});
    client_ = CreatePasswordClient(pool_);
  }

  // Jane, confirmed with the emailed code (so she can recover her password).
  std::string GivenJane() { return SignUpVerified(client_, "jane", {{"email", kEmail}}); }

  Outcome<json> List(const json& extra = json::object(), const std::string& username = "jane") {
    json request = {{"UserPoolId", pool_}, {"Username", username}};
    request.update(extra);
    return Call(&UserPoolService::AdminListUserAuthEvents, request);
  }

  // Every auth event of `username`, newest first.
  json AuthEvents(const std::string& username = "jane", Here here = Here::current()) {
    return Ok(List(json::object(), username), here).value("AuthEvents", json::array());
  }

  Outcome<json> AdminFeedback(const std::string& event_id, const std::string& value,
                              const std::string& username = "jane") {
    return Call(&UserPoolService::AdminUpdateAuthEventFeedback, {{"UserPoolId", pool_},
                                                                 {"Username", username},
                                                                 {"EventId", event_id},
                                                                 {"FeedbackValue", value}});
  }

  Outcome<json> UserFeedback(const std::string& event_id, const std::string& token,
                             const std::string& value, const std::string& username = "jane") {
    return CallPublic(&UserPoolService::UpdateAuthEventFeedback, {{"UserPoolId", pool_},
                                                                  {"Username", username},
                                                                  {"EventId", event_id},
                                                                  {"FeedbackToken", token},
                                                                  {"FeedbackValue", value}});
  }

  static json Challenge(const char* name, const char* response) {
    return {{"ChallengeName", name}, {"ChallengeResponse", response}};
  }

  std::string pool_;
  std::string client_;
};

// ---- AdminListUserAuthEvents ----

TEST_F(AuthEventsTest, AdminListUserAuthEvents_ListsSignInsNewestFirstWithTheirOutcome) {
  GivenJane();
  const int64_t signed_up_ms = clock_.NowMs();
  clock_.AdvanceMinutes(1);
  ExpectError(PasswordAuth(client_, "jane", kOtherPassword), ErrorCode::kNotAuthorized);
  const int64_t failed_ms = clock_.NowMs();
  clock_.AdvanceMinutes(1);
  SignIn(client_, "jane");
  const uint64_t mark = LastSequence();

  const json events = AuthEvents();

  ExpectNoEventsSince(mark);
  ASSERT_EQ(events.size(), 3u) << events.dump(2);
  const json& signed_in = events[0];
  EXPECT_EQ(signed_in["EventType"], "SignIn");
  EXPECT_EQ(signed_in["EventResponse"], "Pass");
  EXPECT_EQ(signed_in["CreationDate"], json(static_cast<double>(clock_.NowMs()) / 1000.0));
  EXPECT_EQ(signed_in["ChallengeResponses"], json::array({Challenge("Password", "Success")}));
  EXPECT_EQ(signed_in["EventRisk"], json({{"RiskDecision", "NoRisk"},
                                          {"RiskLevel", "Low"},
                                          {"CompromisedCredentialsDetected", false}}));
  EXPECT_EQ(signed_in["EventContextData"],
            json({{"IpAddress", "127.0.0.1"}, {"DeviceName", "engine-test"}}));
  EXPECT_FALSE(signed_in.contains("EventFeedback"));

  const json& failed = events[1];
  EXPECT_EQ(failed["EventType"], "SignIn");
  EXPECT_EQ(failed["EventResponse"], "Fail");
  EXPECT_EQ(failed["CreationDate"], json(static_cast<double>(failed_ms) / 1000.0));
  EXPECT_EQ(failed["ChallengeResponses"], json::array({Challenge("Password", "Failure")}));
  EXPECT_EQ(failed["EventContextData"]["IpAddress"], "127.0.0.1");

  const json& signed_up = events[2];
  EXPECT_EQ(signed_up["EventType"], "SignUp");
  EXPECT_EQ(signed_up["EventResponse"], "Pass");
  EXPECT_EQ(signed_up["CreationDate"], json(static_cast<double>(signed_up_ms) / 1000.0));
  EXPECT_EQ(signed_up["ChallengeResponses"], json::array());

  std::set<std::string> ids;
  for (const json& event : events) {
    EXPECT_TRUE(std::regex_match(event.value("EventId", ""), std::regex(kUuidPattern)))
        << event["EventId"];
    EXPECT_FALSE(event.value("FeedbackToken", "").empty()) << "Cognate's extension member";
    ids.insert(event.value("EventId", ""));
  }
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(AuthEvents(), events) << "the same events under the same ids on every read";
}

TEST_F(AuthEventsTest, AdminListUserAuthEvents_ShowsTheCallersAddressAndUserAgent) {
  GivenJane();
  const CallContext from_browser{.actor = "",
                                 .source_ip = "203.0.113.7",
                                 .user_agent = "Mozilla/5.0 (X11)",
                                 .client_id = client_};
  Ok(service_.InitiateAuth({{"AuthFlow", "USER_PASSWORD_AUTH"},
                            {"ClientId", client_},
                            {"AuthParameters", {{"USERNAME", "jane"}, {"PASSWORD", kPassword}}}},
                           from_browser));

  const json events = AuthEvents();

  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0]["EventContextData"],
            json({{"IpAddress", "203.0.113.7"}, {"DeviceName", "Mozilla/5.0 (X11)"}}));
}

TEST_F(AuthEventsTest, AdminListUserAuthEvents_MfaStepsAreChallengeResponses) {
  const std::string sub = GivenJane();
  GivenUserEvents(pool_, sub,
                  {Event{user_events::kSignInFailed,
                         {{"client_id", client_}, {"reason", "mfa"}, {"consecutive_failures", 1}},
                         2},
                   Event{user_events::kSignedIn,
                         {{"client_id", client_},
                          {"flow", "USER_SRP_AUTH"},
                          {"origin_jti", "o-1"},
                          {"refresh_hash", "h-1"},
                          {"auth_time", clock_.NowMs() / 1000},
                          {"mfa", "SOFTWARE_TOKEN_MFA"}},
                         2}});

  const json events = AuthEvents();

  ASSERT_EQ(events.size(), 3u) << events.dump(2);
  EXPECT_EQ(events[0]["EventResponse"], "Pass");
  EXPECT_EQ(events[0]["ChallengeResponses"],
            json::array({Challenge("Password", "Success"), Challenge("Mfa", "Success")}));
  EXPECT_EQ(events[1]["EventResponse"], "Fail");
  EXPECT_EQ(events[1]["ChallengeResponses"],
            json::array({Challenge("Password", "Success"), Challenge("Mfa", "Failure")}));
}

TEST_F(AuthEventsTest, AdminListUserAuthEvents_ListsRecoveryCodesAndOwnPasswordChanges) {
  GivenJane();
  CallOk(&UserPoolService::ForgotPassword, {{"ClientId", client_}, {"Username", "jane"}});
  clock_.AdvanceSeconds(1);
  const std::string access = SignIn(client_, "jane").value("AccessToken", "");
  clock_.AdvanceSeconds(1);
  Ok(CallPublic(&UserPoolService::ChangePassword, {{"AccessToken", access},
                                                   {"PreviousPassword", kPassword},
                                                   {"ProposedPassword", kOtherPassword}}));
  clock_.AdvanceSeconds(1);
  // An administrator's reset is not the user's own doing: neither its code nor the reset is listed.
  CallOk(&UserPoolService::AdminResetUserPassword, {{"UserPoolId", pool_}, {"Username", "jane"}});

  const json events = AuthEvents();

  std::vector<std::string> types;
  for (const json& event : events) types.push_back(event.value("EventType", ""));
  EXPECT_EQ(types,
            (std::vector<std::string>{"PasswordChange", "SignIn", "ForgotPassword", "SignUp"}));
}

TEST_F(AuthEventsTest, AdminListUserAuthEvents_ListsAResentConfirmationCode) {
  SignUpUser(client_, "bob", {{"email", "bob@example.com"}});
  clock_.AdvanceSeconds(1);
  CallOk(&UserPoolService::ResendConfirmationCode, {{"ClientId", client_}, {"Username", "bob"}});

  const json events = AuthEvents("bob");

  ASSERT_EQ(events.size(), 2u) << events.dump(2);
  EXPECT_EQ(events[0]["EventType"], "ResendCode");
  EXPECT_EQ(events[1]["EventType"], "SignUp");
}

TEST_F(AuthEventsTest, AdminListUserAuthEvents_PagesWithMaxResultsAndNextToken) {
  GivenJane();
  for (int i = 0; i < 5; ++i) {
    clock_.AdvanceSeconds(1);
    SignIn(client_, "jane");
  }
  const json all = AuthEvents();
  ASSERT_EQ(all.size(), 6u);

  const json first = Ok(List({{"MaxResults", 4}}));
  ASSERT_EQ(first["AuthEvents"].size(), 4u);
  ASSERT_TRUE(first.contains("NextToken"));
  const json second = Ok(List({{"MaxResults", 4}, {"NextToken", first["NextToken"]}}));
  ASSERT_EQ(second["AuthEvents"].size(), 2u);
  EXPECT_FALSE(second.contains("NextToken"));

  json paged = first["AuthEvents"];
  for (const json& event : second["AuthEvents"]) paged.push_back(event);
  EXPECT_EQ(paged, all);
  EXPECT_EQ(Ok(List({{"MaxResults", 0}}))["AuthEvents"], all) << "0 means the default of 60";
  EXPECT_FALSE(Ok(List({{"MaxResults", 6}})).contains("NextToken"))
      << "an exactly full page is the last";
}

TEST_F(AuthEventsTest, AdminListUserAuthEvents_RefusesBadPagingParameters) {
  GivenJane();
  SignUpConfirmed(pool_, client_, "bob");
  SignIn(client_, "bob");
  SignIn(client_, "bob");
  const json bobs_token = Ok(List({{"MaxResults", 1}}, "bob"))["NextToken"];

  ExpectError(List({{"MaxResults", 61}}), ErrorCode::kInvalidParameter);
  ExpectError(List({{"NextToken", "not-a-token"}}), ErrorCode::kInvalidParameter,
              "Invalid pagination token.");
  ExpectError(List({{"NextToken", bobs_token}}), ErrorCode::kInvalidParameter,
              "Invalid pagination token.");
}

TEST_F(AuthEventsTest, AdminListUserAuthEvents_UnknownPoolOrUser) {
  GivenJane();

  ExpectError(List({{"UserPoolId", "us-east-1_nothere"}}), ErrorCode::kResourceNotFound);
  ExpectError(List(json::object(), "nobody"), ErrorCode::kUserNotFound);
}

// ---- Feedback ----

TEST_F(AuthEventsTest, AdminUpdateAuthEventFeedback_RecordsFeedbackShownInTheList) {
  const std::string sub = GivenJane();
  clock_.AdvanceMinutes(1);
  ExpectError(PasswordAuth(client_, "jane", kOtherPassword), ErrorCode::kNotAuthorized);
  const std::string failed_id = AuthEvents()[0].value("EventId", "");
  clock_.AdvanceMinutes(1);
  const uint64_t mark = LastSequence();

  Ok(AdminFeedback(failed_id, "Invalid"));

  ExpectEventsSince(mark, {"user.auth_event.feedback_given"});
  const StoredEvent stored = EventsSince(mark).at(0);
  EXPECT_EQ(stored.stream, UserStream(pool_, sub));
  EXPECT_EQ(stored.actor, kAdminActor);
  const json data = json::parse(stored.payload);
  EXPECT_EQ(data["event_id"], failed_id);
  EXPECT_EQ(data["value"], "Invalid");
  EXPECT_EQ(data["provider"], "admin");
  const json listed = AuthEvents()[0];
  EXPECT_EQ(listed["EventId"], failed_id);
  EXPECT_EQ(listed["EventFeedback"],
            json({{"FeedbackValue", "Invalid"},
                  {"Provider", "Admin"},
                  {"FeedbackDate", static_cast<double>(clock_.NowMs()) / 1000.0}}));
  EXPECT_FALSE(AuthEvents()[1].contains("EventFeedback")) << "only the event the feedback names";

  clock_.AdvanceMinutes(1);
  Ok(AdminFeedback(failed_id, "Valid"));
  EXPECT_EQ(AuthEvents()[0]["EventFeedback"]["FeedbackValue"], "Valid")
      << "the latest feedback counts";
}

TEST_F(AuthEventsTest, AdminUpdateAuthEventFeedback_RefusesUnknownEventsAndValues) {
  GivenJane();
  SignUpConfirmed(pool_, client_, "bob");
  const std::string janes_event = AuthEvents()[0].value("EventId", "");
  const uint64_t mark = LastSequence();

  ExpectError(AdminFeedback("00000000-0000-0000-0000-000000000000", "Valid"),
              ErrorCode::kResourceNotFound, "Authentication event not found.");
  ExpectError(AdminFeedback(janes_event, "Valid", "bob"), ErrorCode::kResourceNotFound);
  ExpectError(AdminFeedback(janes_event, "valid"), ErrorCode::kInvalidParameter);
  ExpectError(AdminFeedback("", "Valid"), ErrorCode::kInvalidParameter);
  ExpectError(AdminFeedback(janes_event, "Valid", "nobody"), ErrorCode::kUserNotFound);
  ExpectNoEventsSince(mark);
}

TEST_F(AuthEventsTest, UpdateAuthEventFeedback_WithTheFeedbackTokenRecordsTheUsersFeedback) {
  const std::string sub = GivenJane();
  SignIn(client_, "jane");
  const json event = AuthEvents()[0];
  const uint64_t mark = LastSequence();

  Ok(UserFeedback(event.value("EventId", ""), event.value("FeedbackToken", ""), "Valid"));

  ExpectEventsSince(mark, {"user.auth_event.feedback_given"});
  EXPECT_EQ(EventsSince(mark).at(0).actor, "user:" + sub);
  const json listed = AuthEvents()[0];
  EXPECT_EQ(listed["EventFeedback"]["FeedbackValue"], "Valid");
  EXPECT_EQ(listed["EventFeedback"]["Provider"], "User");
}

TEST_F(AuthEventsTest, UpdateAuthEventFeedback_RefusesATokenThatDoesNotFit) {
  GivenJane();
  SignUpConfirmed(pool_, client_, "bob");
  SignIn(client_, "jane");
  const json events = AuthEvents();
  const std::string id = events[0].value("EventId", "");
  const std::string token = events[0].value("FeedbackToken", "");
  const std::string other_token = events[1].value("FeedbackToken", "");
  const uint64_t mark = LastSequence();

  ExpectError(UserFeedback(id, other_token, "Valid"), ErrorCode::kNotAuthorized,
              "Invalid feedback token.");
  ExpectError(UserFeedback(id, "bm90LWEtdG9rZW4", "Valid"), ErrorCode::kNotAuthorized);
  ExpectError(UserFeedback(id, token, "Valid", "bob"),
              ErrorCode::kNotAuthorized);  // another user's event
  // An unknown user is refused like a wrong token.
  ExpectError(UserFeedback(id, token, "Valid", "nobody"), ErrorCode::kNotAuthorized);
  ExpectError(UserFeedback(id, token, "Maybe"), ErrorCode::kInvalidParameter);
  ExpectNoEventsSince(mark);
}

TEST_F(AuthEventsTest, DeletedUser_HasNoAuthEventsToListOrJudge) {
  GivenJane();
  SignIn(client_, "jane");
  const json event = AuthEvents()[0];
  CallOk(&UserPoolService::AdminDeleteUser, {{"UserPoolId", pool_}, {"Username", "jane"}});
  const uint64_t mark = LastSequence();

  ExpectError(List(), ErrorCode::kUserNotFound);
  ExpectError(AdminFeedback(event.value("EventId", ""), "Invalid"), ErrorCode::kUserNotFound);
  ExpectError(UserFeedback(event.value("EventId", ""), event.value("FeedbackToken", ""), "Invalid"),
              ErrorCode::kNotAuthorized);
  ExpectNoEventsSince(mark);

  // A new Jane is a new user: none of the old Jane's events are hers.
  GivenJane();
  const json fresh = AuthEvents();
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0]["EventType"], "SignUp");
  EXPECT_NE(fresh[0]["EventId"], event["EventId"]);
}

}  // namespace
}  // namespace cognate::testing
