// UserMigration: a sign-in with a password for a user this pool does not know asks the pool's
// UserMigration trigger; if the script vouches for the user (for instance by checking the
// password against a legacy store), the user is created here, with the password they just used,
// and the sign-in goes on. The script's answer is recorded in the creating event.
#include "engine/crypto/random.h"
#include "engine/service/claim_errors.h"
#include "engine/service/user_pool_service.h"
#include "engine/user/attributes.h"
#include "engine/user/user_events.h"

namespace cognate {

Outcome<std::optional<UserState>> UserPoolService::MigrateUser(const PoolState& pool,
                                                               const ClientState& client,
                                                               const std::string& typed,
                                                               const std::string& password,
                                                               const CallContext& ctx) {
  auto run = RunTrigger(pool, {"UserMigration", "UserMigration_Authentication", typed, client.id,
                               {{"password", password}, {"validationData", json::object()}, {"clientMetadata", json::object()}},
                               {{"userAttributes", nullptr},
                                {"finalUserStatus", nullptr},
                                {"messageAction", nullptr},
                                {"desiredDeliveryMediums", nullptr},
                                {"forceAliasCreation", nullptr}}});
  if (!run.ok()) return run.error();
  if (!run.value()) return std::optional<UserState>();
  const json& response = (*run.value()).response;
  const json given = response.value("userAttributes", json());
  if (given.is_null() || (given.is_object() && given.empty())) return std::optional<UserState>();  // "no such user"
  if (!given.is_object()) return Reject(ErrorCode::kInvalidLambdaResponse, "Unrecognizable lambda output");
  std::map<std::string, std::string> attributes;
  for (const auto& [name, value] : given.items()) {
    if (name == "sub" || name == "username") continue;  // minted here
    if (!value.is_string()) return Reject(ErrorCode::kInvalidLambdaResponse, "Unrecognizable lambda output");
    attributes[name] = value.get<std::string>();
  }
  const std::string final_status = response.value("finalUserStatus", json()).is_string()
                                       ? response["finalUserStatus"].get<std::string>() : "RESET_REQUIRED";
  if (final_status != "CONFIRMED" && final_status != "RESET_REQUIRED") {
    return Reject(ErrorCode::kInvalidLambdaResponse, "Unrecognizable lambda output");
  }

  const PoolSettings settings = ReadPoolSettings(pool.config);
  if (auto e = CheckAttributeWrite(settings, attributes, true, AttributeWriter::kAdmin)) {
    return Reject(ErrorCode::kInvalidLambdaResponse, "UserMigration returned invalid attributes: " + e->message);
  }
  const std::string sub = crypto::NewUuidV4();
  auto identity = NewIdentity(settings, typed, sub, attributes);
  if (!identity.ok()) return identity.error();
  // The password policy is not applied: the user's existing password is what they have.
  auto fields = PasswordFields(pool, identity->username, password);
  if (!fields.ok()) return fields.error();
  UserState user;
  user.pool_id = pool.id;
  user.sub = sub;
  json data = fields.value();
  data.update({{"pool_id", pool.id},
               {"sub", sub},
               {"username", identity->username},
               {"status", final_status},
               {"attributes", identity->attributes},
               {"via", "migration"},
               {"client_id", client.id},
               {"login_keys", LoginKeys(settings, pool.id, identity->username, identity->attributes)},
               {"triggers", json::array({(*run.value()).record})}});
  auto appended = CommitUser(user, {MakeEvent(user_events::kCreated, data)}, ctx);
  if (!appended.ok()) {
    if (appended.status().code() == StatusCode::kAlreadyExists) return ClaimTaken(appended.status(), settings.username_attributes);
    return FromStatus(appended.status());
  }
  return std::optional<UserState>(std::move(user));
}

}  // namespace cognate
