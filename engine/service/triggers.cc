// Lua triggers: deploying scripts (CognateAdmin.PutTrigger and friends), checking a pool's
// LambdaConfig against them, and running one for an operation with Cognito's event shape and
// failure mapping. What a script returned is recorded in the event of the operation it shaped,
// so replaying the log never runs Lua.
#include <regex>

#include "engine/crypto/hash.h"
#include "engine/service/paging.h"
#include "engine/service/commit_retry.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"

namespace cognate {
namespace {

bool ValidFunctionName(const std::string& name) {
  static const std::regex kPattern("[A-Za-z0-9_-]{1,64}");
  return std::regex_match(name, kPattern);
}

// "arn:aws:lambda:us-east-1:000000000000:function:NAME[:qualifier]" or a bare NAME.
std::string FunctionName(const std::string& arn) {
  const std::string marker = ":function:";
  auto pos = arn.find(marker);
  if (pos == std::string::npos) return arn;
  std::string name = arn.substr(pos + marker.size());
  return name.substr(0, name.find(':'));
}

nlohmann::json TriggerView(const TriggerScript& script, bool with_source) {
  nlohmann::json view = {{"Name", script.name},
                         {"Version", script.script_version},
                         {"Sha256", script.sha256},
                         {"LastModified", wire::Timestamp(script.modified_at_ms)}};
  if (with_source) view["Source"] = script.source;
  return view;
}

}  // namespace

std::string UserPoolService::TriggerNameOf(const json& lambda_config, const std::string& key) {
  if (!lambda_config.is_object()) return "";
  if (key == "PreTokenGeneration") {
    // PreTokenGenerationConfig wins over the legacy PreTokenGeneration ARN.
    auto config = lambda_config.find("PreTokenGenerationConfig");
    if (config != lambda_config.end() && config->is_object() && config->contains("LambdaArn")) {
      return FunctionName(config->value("LambdaArn", ""));
    }
  }
  auto it = lambda_config.find(key);
  if (it == lambda_config.end()) return "";
  if (it->is_string()) return FunctionName(it->get<std::string>());
  if (it->is_object()) return FunctionName(it->value("LambdaArn", ""));
  return "";
}

Outcome<Done> UserPoolService::CheckLambdaConfig(const json& lambda_config) {
  if (!lambda_config.is_object()) return Done{};
  for (const auto& [key, value] : lambda_config.items()) {
    if (key == "KMSKeyID") continue;
    if (!value.is_string() && !value.is_object()) {
      return Reject(ErrorCode::kInvalidParameter, "Invalid LambdaConfig." + key);
    }
    if (value.is_object() && key == "PreTokenGenerationConfig") {
      const std::string version = value.value("LambdaVersion", "");
      if (version != "V1_0" && version != "V2_0" && version != "V3_0") {
        return Reject(ErrorCode::kInvalidParameter, "PreTokenGenerationConfig.LambdaVersion must be V1_0, V2_0 or V3_0");
      }
    }
    const std::string name = FunctionName(value.is_string() ? value.get<std::string>() : value.value("LambdaArn", ""));
    if (name.empty()) continue;
    if (!triggers_) {
      return Reject(ErrorCode::kInvalidParameter, "This server runs no triggers; LambdaConfig." + key + " cannot be set.");
    }
    auto script = LoadTrigger(name);
    if (!script.ok()) return FromStatus(script.status());
    if (!script->exists || script->deleted) {
      return Reject(ErrorCode::kInvalidParameter,
                    "LambdaConfig." + key + " names the function " + name +
                        ", which is not deployed (CognateAdmin.PutTrigger deploys it).");
    }
  }
  return Done{};
}

Outcome<std::optional<UserPoolService::TriggerRun>> UserPoolService::RunTrigger(const PoolState& pool,
                                                                                const TriggerCall& call) {
  const json lambda_config = pool.config.value("LambdaConfig", json::object());
  const std::string name = TriggerNameOf(lambda_config, call.config_key);
  if (name.empty() || !triggers_) return std::optional<TriggerRun>();
  const std::string failed = call.config_key + " invocation failed due to error ";
  auto script = LoadTrigger(name);
  if (!script.ok()) return FromStatus(script.status());
  if (!script->exists || script->deleted) {
    return Reject(ErrorCode::kUnexpectedLambda, failed + "ResourceNotFoundException.");
  }

  std::string version = "1";
  if (call.config_key == "PreTokenGeneration") {
    auto config = lambda_config.value("PreTokenGenerationConfig", json::object());
    const std::string lambda_version = config.value("LambdaVersion", "V1_0");
    version = lambda_version == "V2_0" ? "2" : lambda_version == "V3_0" ? "3" : "1";
  }
  json event = {{"version", version},
                {"triggerSource", call.trigger_source},
                {"region", options_.region},
                {"userPoolId", pool.id},
                {"userName", call.user_name},
                {"callerContext", {{"awsSdkVersion", "aws-sdk-unknown-unknown"}, {"clientId", call.client_id.empty() ? json(nullptr) : json(call.client_id)}}},
                {"request", call.request},
                {"response", call.response}};
  TriggerOutcome outcome = triggers_->Run(name + "#" + script->sha256, script->source, event, options_.trigger_limits);
  json record = {{"trigger", call.config_key},
                 {"source", call.trigger_source},
                 {"function", name},
                 {"script_version", script->script_version},
                 {"sha256", script->sha256},
                 {"log", outcome.log_lines},
                 {"duration_us", outcome.duration_us}};
  switch (outcome.failure) {
    case TriggerFailure::kNone:
      break;
    case TriggerFailure::kRaised:
      return Reject(ErrorCode::kUserLambdaValidation, call.config_key + " failed with error " + outcome.error + ".");
    case TriggerFailure::kLimit:
      return Reject(ErrorCode::kUnexpectedLambda, failed + outcome.error + ".");
    case TriggerFailure::kBadResponse:
      return Reject(ErrorCode::kInvalidLambdaResponse, "Unrecognizable lambda output");
    case TriggerFailure::kCompile:
      return Reject(ErrorCode::kUnexpectedLambda, failed + "the function does not compile: " + outcome.error + ".");
  }
  json response = outcome.event.is_object() ? outcome.event.value("response", json::object()) : json::object();
  if (response.is_null()) response = json::object();
  if (!response.is_object()) return Reject(ErrorCode::kInvalidLambdaResponse, "Unrecognizable lambda output");
  // Secrets a script hands back must not reach the log: CreateAuthChallenge's private
  // parameters hold the expected answer, so only their fingerprint is recorded.
  json recorded = response;
  if (auto it = recorded.find("privateChallengeParameters"); it != recorded.end() && !it->is_null()) {
    *it = json{{"sha256", crypto::Sha256Hex(it->dump())}};
  }
  record["response"] = recorded;
  if (!outcome.messages.empty()) {
    // The bodies may carry one-time codes: the log keeps only where they went.
    json sent = json::array();
    for (const auto& m : outcome.messages) sent.push_back({{"medium", m.value("medium", "")}, {"subject", m.value("subject", "")}});
    record["messages"] = sent;
  }
  return std::optional<TriggerRun>(TriggerRun{std::move(response), std::move(record), std::move(outcome.messages)});
}

nlohmann::json UserPoolService::TriggerAttributes(const std::map<std::string, std::string>& attributes) {
  json out = json::object();
  for (const auto& [name, value] : attributes) out[name] = value;
  return out;
}

Outcome<UserPoolService::MessageText> UserPoolService::ComposeMessage(
    const PoolState& pool, const std::string& trigger_source, const UserState& user,
    const std::string& client_id, const std::string& medium, MessageText defaults, bool invite,
    json& records) {
  TriggerCall call{"CustomMessage", trigger_source, user.username, client_id,
                   {{"userAttributes", TriggerAttributes(user.attributes)},
                    {"codeParameter", "{####}"},
                    {"linkParameter", "{##Click this link##}"},
                    {"usernameParameter", invite ? json("{username}") : json(nullptr)},
                    {"clientMetadata", json::object()}},
                   {{"smsMessage", nullptr}, {"emailMessage", nullptr}, {"emailSubject", nullptr}}};
  auto run = RunTrigger(pool, call);
  if (!run.ok()) return run.error();
  if (!run.value()) return defaults;
  records.push_back((*run.value()).record);
  const json& response = (*run.value()).response;
  auto text_field = [&](const char* field) -> Outcome<std::optional<std::string>> {
    auto it = response.find(field);
    if (it == response.end() || it->is_null()) return std::optional<std::string>();
    if (!it->is_string()) return Reject(ErrorCode::kInvalidLambdaResponse, "Unrecognizable lambda output");
    return std::optional<std::string>(it->get<std::string>());
  };
  auto body = text_field(medium == "SMS" ? "smsMessage" : "emailMessage");
  if (!body.ok()) return body.error();
  auto subject = text_field("emailSubject");
  if (!subject.ok()) return subject.error();
  MessageText text = defaults;
  if (body.value()) {
    // Cognito refuses a custom message that would not carry the code (or, for an invitation,
    // the username).
    if (body.value()->find("{####}") == std::string::npos ||
        (invite && body.value()->find("{username}") == std::string::npos)) {
      return Reject(ErrorCode::kInvalidLambdaResponse,
                    "CustomMessage: the message must contain the code parameter {####}" +
                        std::string(invite ? " and the username parameter {username}" : "") + ".");
    }
    text.body = *body.value();
  }
  if (subject.value() && medium != "SMS") text.subject = *subject.value();
  return text;
}

Outcome<Done> UserPoolService::AuthenticationTrigger(const PoolState& pool, const ClientState& client,
                                                     const UserState& user, bool post, json& records) {
  json request = {{"userAttributes", TriggerAttributes(user.attributes)}, {"clientMetadata", json::object()}};
  if (post) {
    request["newDeviceUsed"] = false;
  } else {
    request["validationData"] = json::object();
  }
  auto run = RunTrigger(pool, {post ? "PostAuthentication" : "PreAuthentication",
                               post ? "PostAuthentication_Authentication" : "PreAuthentication_Authentication",
                               user.username, client.id, std::move(request), json::object()});
  if (!run.ok()) return run.error();
  if (run.value()) records.push_back((*run.value()).record);
  return Done{};
}

Outcome<nlohmann::json> UserPoolService::PutTrigger(const json& request, const CallContext& ctx) {
  auto name = wire::RequiredString(request, "Name", 1, 64);
  if (!name.ok()) return name.error();
  if (!ValidFunctionName(name.value())) {
    return Reject(ErrorCode::kInvalidParameter, "A trigger name is 1 to 64 letters, digits, '-' or '_'.");
  }
  auto source = wire::RequiredString(request, "Source", 1, 256 * 1024);
  if (!source.ok()) return source.error();
  if (!triggers_) return Reject(ErrorCode::kInvalidParameter, "This server runs no triggers.");
  if (Status compiled = triggers_->Check(source.value()); !compiled.ok()) {
    return Reject(ErrorCode::kInvalidParameter, "The script does not compile: " + compiled.message());
  }
  const std::string sha256 = crypto::Sha256Hex(source.value());
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto script = LoadTrigger(name.value());
    if (!script.ok()) return FromStatus(script.status());
    TriggerScript state = std::move(script).value();
    state.name = name.value();  // the stream is named by it; a fresh state has none yet
    // The stream version of the deployment numbers the script's versions: unique per name,
    // even across a delete and a new deployment.
    const int64_t script_version = static_cast<int64_t>(state.version) + 1;
    auto appended = CommitTrigger(state, {MakeEvent(trigger_events::kDeployed, {{"name", name.value()},
                                                                                {"script_version", script_version},
                                                                                {"sha256", sha256},
                                                                                {"source", source.value()}})},
                                  ctx);
    if (appended.ok()) return json{{"Name", name.value()}, {"Version", script_version}, {"Sha256", sha256}};
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kConcurrentModification, "The trigger was deployed concurrently.");
}

Outcome<nlohmann::json> UserPoolService::GetTrigger(const json& request, const CallContext&) {
  auto name = wire::RequiredString(request, "Name", 1, 64);
  if (!name.ok()) return name.error();
  auto script = LoadTrigger(name.value());
  if (!script.ok()) return FromStatus(script.status());
  if (!script->exists || script->deleted) return Reject(ErrorCode::kResourceNotFound, "Trigger " + name.value() + " does not exist.");
  return TriggerView(script.value(), true);
}

Outcome<nlohmann::json> UserPoolService::ListTriggers(const json& request, const CallContext&) {
  auto token = wire::OptionalString(request, "NextToken");
  if (!token.ok()) return token.error();
  auto max = wire::OptionalInt(request, "MaxResults", 1, 60);
  if (!max.ok()) return max.error();
  auto page = ScanPage(store_, tables::kTriggers, "", token.value(), static_cast<size_t>(max.value().value_or(60)));
  if (!page.ok()) return page.error();
  json triggers = json::array();
  for (const auto& row : page->rows) triggers.push_back(TriggerView(json::parse(row.value).get<TriggerScript>(), false));
  json out = {{"Triggers", triggers}};
  if (!page->next_token.empty()) out["NextToken"] = page->next_token;
  return out;
}

Outcome<nlohmann::json> UserPoolService::DeleteTrigger(const json& request, const CallContext& ctx) {
  auto name = wire::RequiredString(request, "Name", 1, 64);
  if (!name.ok()) return name.error();
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto script = LoadTrigger(name.value());
    if (!script.ok()) return FromStatus(script.status());
    if (!script->exists || script->deleted) return Reject(ErrorCode::kResourceNotFound, "Trigger " + name.value() + " does not exist.");
    auto appended = CommitTrigger(script.value(), {MakeEvent(trigger_events::kDeleted, {{"name", name.value()}})}, ctx);
    if (appended.ok()) return json::object();
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kConcurrentModification, "The trigger was changed concurrently.");
}

}  // namespace cognate
