// Refused requests as audit events: an operation answered with an error leaves a
// request.refused event in "refused/<poolId>", a stream that no state is folded from, so the
// audit trail shows attempts without a refusal ever touching the user it named.
#include "engine/audit/event_catalog.h"
#include "engine/pool/pool_events.h"
#include "engine/service/user_pool_service.h"

namespace cognate {
namespace {

inline constexpr char kRefused[] = "request.refused";

std::string StringField(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The username a request names: Username, or the USERNAME of an authentication's parameters.
std::string NamedUser(const json& request) {
  std::string name = StringField(request, "Username");
  if (!name.empty()) return name;
  for (const char* params : {"AuthParameters", "ChallengeResponses"}) {
    if (auto it = request.find(params); it != request.end() && it->is_object()) {
      name = StringField(*it, "USERNAME");
      if (!name.empty()) return name;
    }
  }
  return "";
}

}  // namespace

Status UserPoolService::RecordRefusal(const std::string& operation, const std::string& error_name,
                                      const std::string& message, const json& request,
                                      const CallContext& ctx) {
  std::string pool_id = StringField(request, "UserPoolId");
  const std::string client_id = StringField(request, "ClientId");
  if (pool_id.empty() && !client_id.empty()) {
    if (auto client = LoadClient(client_id); client.ok()) pool_id = client->pool_id;
  }
  json data = {{"operation", operation}, {"error", error_name}, {"message", message}};
  if (!pool_id.empty()) data["pool_id"] = pool_id;
  if (!client_id.empty()) data["client_id"] = client_id;
  if (!ctx.source_ip.empty()) data[audit::kIpField] = ctx.source_ip;
  if (!ctx.user_agent.empty()) data[audit::kUserAgentField] = ctx.user_agent;

  const std::string username = NamedUser(request);
  std::optional<std::string> key;
  std::string key_id;
  if (!username.empty() && !pool_id.empty()) {
    auto pool = LoadPoolById(pool_id);
    std::optional<UserState> user;
    if (pool.ok()) {
      if (auto found = FindUser(pool.value(), username); found.ok() && found->exists) user = std::move(found).value();
    }
    if (user) {
      std::vector<SecretWrite> unused;
      auto existing = PersonalKey(*user, /*create=*/false, unused);
      if (existing.ok()) key = std::move(existing).value();
      key_id = audit::PersonalKeyId(user->pool_id, user->sub);
      data["sub"] = user->sub;
    }
    if (key) {
      data["username"] = username;
    } else {
      data["username_hmac"] = personal_.UsernameHmac(pool_id, username);
    }
  }
  // An attempt that concerns no user keeps its address readable: there is nobody to forget, and
  // an incident responder needs it.
  if (key) audit::PersonalDataCipher::Seal(kRefused, data, key_id, *key);
  AppendRequest append;
  append.stream = "refused/" + (pool_id.empty() ? std::string("-") : pool_id);
  append.expected_version = kAnyStreamVersion;
  const audit::EventDoc* doc = audit::FindEventDoc(kRefused);
  append.events.push_back(NewEvent{kRefused, doc ? doc->schema_version : 1, clock_.NowMs(),
                                   ctx.actor.empty() ? "anonymous" : ctx.actor, data.dump()});
  auto appended = store_.Append(std::move(append));
  return appended.ok() ? Status::Ok() : appended.status();
}

}  // namespace cognate
