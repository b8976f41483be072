// CUSTOM_AUTH: the challenge loop of Cognito's custom authentication. DefineAuthChallenge decides
// from the session history what comes next (a challenge, tokens, or failure);
// CreateAuthChallenge makes a CUSTOM_CHALLENGE (its private parameters travel sealed in the
// Session, never to the client); VerifyAuthChallengeResponse judges each ANSWER.
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"

namespace cognate {
namespace {

using wire::Param;

constexpr int kMaxRounds = 20;  // a Define script that never decides cannot loop a client forever

}  // namespace

Outcome<nlohmann::json> UserPoolService::StartCustomAuth(const PoolState& pool, const ClientState& client,
                                                         const json& params, const CallContext& ctx) {
  const std::string typed = Param(params, "USERNAME");
  if (typed.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter USERNAME");
  if (auto ok = CheckSecretHash(client, typed, Param(params, "SECRET_HASH")); !ok.ok()) return ok.error();
  // A custom sign-in may begin with SRP: DefineAuthChallenge then sees SRP_A done and may ask
  // for the PASSWORD_VERIFIER step before (or instead of) its own challenges.
  const bool srp_first = Param(params, "CHALLENGE_NAME") == "SRP_A";
  const std::string srp_a = srp_first ? Param(params, "SRP_A") : "";
  if (srp_first && srp_a.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter SRP_A");
  if (TriggerNameOf(pool.config.value("LambdaConfig", json::object()), "DefineAuthChallenge").empty()) {
    return Reject(ErrorCode::kInvalidUserPoolConfiguration, "Custom auth lambda trigger is not configured for the user pool.");
  }
  auto found = FindUser(pool, typed);
  if (!found.ok()) return FromStatus(found.status());
  if (!found->exists) {
    return ReadClientSettings(client.config).prevent_user_existence_errors
               ? Reject(ErrorCode::kNotAuthorized, "Incorrect username or password.")
               : Reject(ErrorCode::kUserNotFound, "User does not exist.");
  }
  const UserState& user = found.value();
  if (!user.enabled) return Reject(ErrorCode::kNotAuthorized, "User is disabled.");
  if (user.status == "UNCONFIRMED") return Reject(ErrorCode::kUserNotConfirmed, "User is not confirmed.");
  if (user.status == "RESET_REQUIRED") return Reject(ErrorCode::kPasswordResetRequired, "Password reset required for the user");
  if (auto locked = CheckNotLockedOut(user)) return *locked;
  json records = json::array();
  if (auto pre = AuthenticationTrigger(pool, client, user, false, records); !pre.ok()) return pre.error();
  json history = json::array();
  if (srp_first) history.push_back({{"challengeName", "SRP_A"}, {"challengeResult", true}, {"challengeMetadata", nullptr}});
  return NextCustomChallenge(pool, client, found.value(), std::move(history), std::move(records), ctx, srp_a);
}

Outcome<nlohmann::json> UserPoolService::NextCustomChallenge(const PoolState& pool, const ClientState& client,
                                                             UserState user, json history, json records,
                                                             const CallContext& ctx, const std::string& srp_a) {
  const json attributes = TriggerAttributes(user.attributes);
  auto define = RunTrigger(pool, {"DefineAuthChallenge", "DefineAuthChallenge_Authentication", user.username, client.id,
                                  {{"userAttributes", attributes}, {"session", history}, {"clientMetadata", json::object()}},
                                  {{"challengeName", nullptr}, {"issueTokens", false}, {"failAuthentication", false}}});
  if (!define.ok()) return define.error();
  if (!define.value()) {
    return Reject(ErrorCode::kInvalidUserPoolConfiguration, "Custom auth lambda trigger is not configured for the user pool.");
  }
  records.push_back((*define.value()).record);
  const json& decision = (*define.value()).response;
  auto flag = [&](const char* name) { return decision.value(name, json(false)).is_boolean() && decision.value(name, false); };
  if (flag("failAuthentication")) return Reject(ErrorCode::kNotAuthorized, "Incorrect username or password.");
  if (flag("issueTokens")) {
    if (auto post = AuthenticationTrigger(pool, client, user, true, records); !post.ok()) return post.error();
    return IssueTokens(pool, client, user, ctx, "CUSTOM_AUTH", {}, std::move(records));
  }
  const json challenge_name = decision.value("challengeName", json());
  if (challenge_name == "PASSWORD_VERIFIER" && !srp_a.empty()) {
    if (history.size() >= kMaxRounds) return Reject(ErrorCode::kNotAuthorized, "Incorrect username or password.");
    return SrpChallenge(pool, client, &user, user.username, srp_a, {{"history", history}});
  }
  if (!challenge_name.is_string() || challenge_name != "CUSTOM_CHALLENGE") {
    return Reject(ErrorCode::kInvalidLambdaResponse, "Unrecognizable lambda output");
  }
  if (history.size() >= kMaxRounds) return Reject(ErrorCode::kNotAuthorized, "Incorrect username or password.");

  auto create = RunTrigger(pool, {"CreateAuthChallenge", "CreateAuthChallenge_Authentication", user.username, client.id,
                                  {{"userAttributes", attributes},
                                   {"challengeName", "CUSTOM_CHALLENGE"},
                                   {"session", history},
                                   {"clientMetadata", json::object()}},
                                  {{"publicChallengeParameters", nullptr},
                                   {"privateChallengeParameters", nullptr},
                                   {"challengeMetadata", nullptr}}});
  if (!create.ok()) return create.error();
  if (!create.value()) {
    return Reject(ErrorCode::kInvalidUserPoolConfiguration, "Custom auth lambda trigger is not configured for the user pool.");
  }
  const json& made = (*create.value()).response;
  json public_parameters = json::object();
  for (const char* field : {"publicChallengeParameters", "privateChallengeParameters"}) {
    const json value = made.value(field, json());
    if (!value.is_null() && !value.is_object()) return Reject(ErrorCode::kInvalidLambdaResponse, "Unrecognizable lambda output");
  }
  const json given_public = made.value("publicChallengeParameters", json::object());
  for (const auto& [k, v] : given_public.items()) {
    public_parameters[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  public_parameters["USERNAME"] = user.username;
  const ClientSettings settings = ReadClientSettings(client.config);
  json session = {{"pool", pool.id},
                  {"client", client.id},
                  {"sub", user.sub},
                  {"challenge", "CUSTOM_CHALLENGE"},
                  {"history", history},
                  {"private", made.value("privateChallengeParameters", json::object())},
                  {"metadata", made.value("challengeMetadata", json())},
                  {"exp", clock_.NowMs() + settings.validity.auth_session_seconds * 1000}};
  // A challenge that needs a message (a one-time code, say) asked for it with
  // cognate.send_message; it goes to the user once the challenge is made.
  for (const auto& message : (*create.value()).messages) {
    DeliverCode(pool, user, message.value("medium", "EMAIL"),
                {message.value("subject", ""), message.value("body", "")}, message.value("code", ""));
  }
  return json{{"ChallengeName", "CUSTOM_CHALLENGE"}, {"Session", SealSession(session)}, {"ChallengeParameters", public_parameters}};
}

Outcome<nlohmann::json> UserPoolService::RespondCustomChallenge(const PoolState& pool, const ClientState& client,
                                                                const json& session, const json& responses,
                                                                const CallContext& ctx) {
  auto user = LoadUserBySub(pool.id, session.value("sub", ""));
  if (!user.ok()) return FromStatus(user.status());
  if (!user->exists || user->deleted) return Reject(ErrorCode::kNotAuthorized, "Incorrect username or password.");
  if (!user->enabled) return Reject(ErrorCode::kNotAuthorized, "User is disabled.");
  const std::string typed = Param(responses, "USERNAME");
  if (auto ok = CheckSecretHash(client, typed.empty() ? user->username : typed, Param(responses, "SECRET_HASH")); !ok.ok()) {
    return ok.error();
  }
  if (!responses.contains("ANSWER")) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter ANSWER");
  json records = json::array();
  auto verify = RunTrigger(pool, {"VerifyAuthChallengeResponse", "VerifyAuthChallengeResponse_Authentication",
                                  user->username, client.id,
                                  {{"userAttributes", TriggerAttributes(user->attributes)},
                                   {"privateChallengeParameters", session.value("private", json::object())},
                                   {"challengeAnswer", Param(responses, "ANSWER")},
                                   {"clientMetadata", json::object()}},
                                  {{"answerCorrect", false}}});
  if (!verify.ok()) return verify.error();
  if (!verify.value()) {
    return Reject(ErrorCode::kInvalidUserPoolConfiguration, "Custom auth lambda trigger is not configured for the user pool.");
  }
  records.push_back((*verify.value()).record);
  const json correct = (*verify.value()).response.value("answerCorrect", json(false));
  if (!correct.is_boolean()) return Reject(ErrorCode::kInvalidLambdaResponse, "Unrecognizable lambda output");
  json history = session.value("history", json::array());
  history.push_back({{"challengeName", "CUSTOM_CHALLENGE"},
                     {"challengeResult", correct.get<bool>()},
                     {"challengeMetadata", session.value("metadata", json())}});
  return NextCustomChallenge(pool, client, std::move(user).value(), std::move(history), std::move(records), ctx);
}

}  // namespace cognate
