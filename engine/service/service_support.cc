// UserPoolService plumbing shared by every operation: loading aggregates from their read-model
// rows, committing events with their projections, user lookup, secrets and views.
#include <algorithm>
#include <cctype>

#include "engine/aggregate_row.h"
#include "engine/audit/event_catalog.h"
#include "engine/crypto/aead.h"
#include "engine/crypto/encoding.h"
#include "engine/crypto/hash.h"
#include "engine/pool/pool_events.h"
#include "engine/service/claim_errors.h"
#include "engine/service/commit_retry.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"
#include "engine/user/user_events.h"

namespace cognate {

UserPoolService::UserPoolService(EventStore& store, const Clock& clock,
                                 crypto::PasswordHashingPool& hasher, MessageSink& sink,
                                 ServiceOptions options, TriggerRunner* triggers)
    : store_(store),
      clock_(clock),
      hasher_(hasher),
      sink_(sink),
      options_(std::move(options)),
      triggers_(triggers),
      personal_(options_.master_key) {
  code_key_ = crypto::HmacSha256(options_.master_key, "cognate/codes");
  session_key_ = crypto::HmacSha256(options_.master_key, "cognate/sessions");
}

namespace {

// Loads a row-backed aggregate (engine/aggregate_row.h); the stream version is read only when
// there is no row.
template <typename State>
Result<State> LoadState(EventStore& store, const char* table, const std::string& key,
                        const std::string& stream) {
  auto row = store.Get(table, key);
  if (!row.ok()) return row.status();
  uint64_t version = 0;
  if (!row->has_value()) {
    auto current = store.StreamVersion(stream);
    if (!current.ok()) return current.status();
    version = *current;
  }
  return StateFromRow<State>(*row, table, key, version);
}

// The request context an event carries besides its own fields (event_catalog.h).
void AddContext(json& data, const CallContext& ctx) {
  if (!ctx.client_id.empty() && !data.contains("client_id")) data[audit::kClientField] = ctx.client_id;
  if (!ctx.source_ip.empty()) data[audit::kIpField] = ctx.source_ip;
  if (!ctx.user_agent.empty()) data[audit::kUserAgentField] = ctx.user_agent;
}

// The schema version the engine writes `type` at; every type it appends is in the catalogue.
int SchemaVersionOf(const std::string& type) {
  const audit::EventDoc* doc = audit::FindEventDoc(type);
  return doc ? doc->schema_version : 1;
}

// How one commit seals personal fields, and the vault writes that go with it.
struct Personal {
  std::string key_id;
  std::string key;  // empty: the stream holds no personal data
  std::vector<SecretWrite> secrets;
};

template <typename State, typename EvolveFn, typename ProjectFn>
Result<AppendResult> Commit(EventStore& store, const Clock& clock, const std::string& stream,
                            State& state, const Events& events, const CallContext& ctx,
                            const std::string& actor, EvolveFn evolve, ProjectFn project,
                            Personal personal = {}) {
  const int64_t now = clock.NowMs();
  AppendRequest request;
  request.stream = stream;
  request.expected_version = state.version;
  request.secrets = std::move(personal.secrets);
  State working = state;
  for (const auto& e : events) {
    if (!audit::FindEventDoc(e.type)) return InternalError("event type " + e.type + " is not in the catalogue");
    State before = working;
    evolve(working, e, now);
    ProjectionWrites w = project(before, working, e);
    for (auto& r : w.rows) request.rows.push_back(std::move(r));
    for (auto& c : w.claims) request.claims.push_back(std::move(c));
    for (auto& r : w.releases) request.releases.push_back(std::move(r));
    json data = e.data;
    AddContext(data, ctx);
    if (!personal.key.empty()) audit::PersonalDataCipher::Seal(e.type, data, personal.key_id, personal.key);
    request.events.push_back(NewEvent{e.type, SchemaVersionOf(e.type), now, actor, data.dump()});
  }
  auto result = store.Append(std::move(request));
  if (result.ok()) state = std::move(working);
  return result;
}

}  // namespace

Result<AppendResult> UserPoolService::CommitUser(UserState& user, const Events& events,
                                                 const CallContext& ctx) {
  Personal personal;
  personal.key_id = audit::PersonalKeyId(user.pool_id, user.sub);
  auto key = PersonalKey(user, /*create=*/true, personal.secrets);
  if (!key.ok()) return key.status();
  personal.key = std::move(**key);
  Events all = events;
  const bool deleting = std::any_of(events.begin(), events.end(),
                                    [](const Event& e) { return e.type == user_events::kDeleted; });
  if (deleting) {
    all.push_back(MakeEvent(user_events::kPersonalDataErased, {{"key", personal.key_id}}));
    personal.secrets.push_back(SecretWrite{personal.key_id, std::nullopt});
  }
  // A public caller acting on an account is the user, unless the event records a failed attempt
  // (a wrong password or code): then it is whoever tried.
  const bool attempt = std::all_of(events.begin(), events.end(), [](const Event& e) {
    return e.type == user_events::kSignInFailed || e.type == user_events::kCodeRejected;
  });
  const std::string actor = !ctx.actor.empty() ? ctx.actor : attempt ? "anonymous" : "user:" + user.sub;
  auto committed = Commit(store_, clock_, UserStream(user.pool_id, user.sub), user, all, ctx, actor, EvolveUser,
                          ProjectUserEvent, std::move(personal));
  // The erased user's parsed state goes too, not only the row.
  if (deleting) user_cache_.Forget(UserRowKey(user.pool_id, user.sub));
  return committed;
}

Result<std::optional<std::string>> UserPoolService::PersonalKey(const UserState& user, bool create,
                                                                std::vector<SecretWrite>& secrets) {
  const std::string key_id = audit::PersonalKeyId(user.pool_id, user.sub);
  auto wrapped = store_.GetSecret(key_id);
  if (!wrapped.ok()) return wrapped.status();
  if (wrapped->has_value()) {
    auto key = personal_.UnwrapKey(key_id, **wrapped);
    if (!key.ok()) return key.status();
    return std::optional<std::string>(std::move(key).value());
  }
  if (!create) return std::optional<std::string>();
  // A new user (or one from before keys existed): the key is written with this commit, so it
  // exists exactly when the commit does.
  std::string key = audit::PersonalDataCipher::NewKey();
  secrets.push_back(SecretWrite{key_id, personal_.WrapKey(key_id, key)});
  return std::optional<std::string>(std::move(key));
}

Outcome<UserState> UserPoolService::MutateUser(
    const std::function<Outcome<UserState>()>& load,
    const std::function<Outcome<Events>(const UserState&)>& decide, const CallContext& ctx) {
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto user = load();
    if (!user.ok()) return user.error();
    auto events = decide(user.value());
    if (!events.ok()) return events.error();
    if (events->empty()) return user;
    auto appended = CommitUser(user.value(), events.value(), ctx);
    if (appended.ok()) return user;
    if (appended.status().code() == StatusCode::kAlreadyExists) return ClaimTaken(appended.status());
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kTooManyRequests, "Too many concurrent requests for this user.");
}

Result<AppendResult> UserPoolService::CommitPool(PoolState& pool, const Events& events,
                                                 const CallContext& ctx) {
  return Commit(store_, clock_, PoolStream(pool.id), pool, events, ctx, ctx.actor, EvolvePool,
                [](const PoolState&, const PoolState& after, const Event&) { return ProjectPool(after); });
}

Result<AppendResult> UserPoolService::CommitClient(ClientState& client, const Events& events,
                                                   const CallContext& ctx) {
  return Commit(store_, clock_, ClientStream(client.id), client, events, ctx, ctx.actor, EvolveClient,
                [](const ClientState&, const ClientState& after, const Event&) { return ProjectClient(after); });
}

Result<AppendResult> UserPoolService::CommitTrigger(TriggerScript& script, const Events& events,
                                                    const CallContext& ctx) {
  return Commit(store_, clock_, TriggerStream(script.name), script, events, ctx, ctx.actor, EvolveTrigger,
                [](const TriggerScript&, const TriggerScript& after, const Event&) { return ProjectTrigger(after); });
}

Result<TriggerScript> UserPoolService::LoadTrigger(const std::string& name) {
  return LoadState<TriggerScript>(store_, tables::kTriggers, name, TriggerStream(name));
}

Result<AppendResult> UserPoolService::CommitGroup(GroupState& group, const Events& events,
                                                  const CallContext& ctx) {
  return Commit(store_, clock_, GroupStream(group.pool_id, group.name), group, events, ctx,
                ctx.actor, EvolveGroup,
                [](const GroupState&, const GroupState& after, const Event&) { return ProjectGroup(after); });
}

Outcome<std::shared_ptr<const PoolState>> UserPoolService::LoadSharedPool(const std::string& pool_id) {
  auto pool = pool_cache_.Load(store_, tables::kPools, pool_id, PoolStream(pool_id));
  if (!pool.ok()) return FromStatus(pool.status());
  if (!(*pool)->exists || (*pool)->deleted) {
    return Reject(ErrorCode::kResourceNotFound, "User pool " + pool_id + " does not exist.");
  }
  return std::move(pool).value();
}

Outcome<PoolState> UserPoolService::LoadPoolById(const std::string& pool_id) {
  auto pool = LoadSharedPool(pool_id);
  if (!pool.ok()) return pool.error();
  return *pool.value();
}

Outcome<PoolState> UserPoolService::LoadPool(const json& request, const char* field) {
  auto pool = LoadSharedPoolFor(request, field);
  if (!pool.ok()) return pool.error();
  return *pool.value();
}

Outcome<std::shared_ptr<const PoolState>> UserPoolService::LoadSharedPoolFor(const json& request, const char* field) {
  auto id = wire::RequiredString(request, field, 1, 55);
  if (!id.ok()) return id.error();
  return LoadSharedPool(id.value());
}

Outcome<ClientState> UserPoolService::LoadClient(const std::string& client_id) {
  auto client = client_cache_.Load(store_, tables::kClients, client_id, ClientStream(client_id));
  if (!client.ok()) return FromStatus(client.status());
  if (!(*client)->exists || (*client)->deleted) {
    return Reject(ErrorCode::kResourceNotFound, "User pool client " + client_id + " does not exist.");
  }
  return **client;
}

Outcome<ClientState> UserPoolService::LoadPoolClient(const PoolState& pool, const std::string& client_id) {
  auto client = LoadClient(client_id);
  if (!client.ok()) return client.error();
  if (client->pool_id != pool.id) {
    return Reject(ErrorCode::kResourceNotFound, "User pool client " + client_id + " does not exist.");
  }
  return client;
}

Outcome<UserPoolService::PublicCall> UserPoolService::LoadPublicCall(const json& request) {
  auto client_id = wire::RequiredString(request, "ClientId", 1, 128);
  if (!client_id.ok()) return client_id.error();
  auto client = LoadClient(client_id.value());
  if (!client.ok()) return client.error();
  auto pool = LoadPoolById(client->pool_id);
  if (!pool.ok()) return pool.error();
  auto username = wire::RequiredString(request, "Username", 1, 128);
  if (!username.ok()) return username.error();
  auto secret_hash = wire::OptionalString(request, "SecretHash");
  if (!secret_hash.ok()) return secret_hash.error();
  if (auto ok = CheckSecretHash(client.value(), username.value(), secret_hash.value()); !ok.ok()) return ok.error();
  return PublicCall{std::move(client).value(), std::move(pool).value(), username.value()};
}

std::function<Outcome<UserState>()> UserPoolService::SelfLoader(const std::string& pool_id,
                                                                const std::string& sub) {
  return [this, pool_id, sub]() -> Outcome<UserState> {
    auto user = LoadUserBySub(pool_id, sub);
    if (!user.ok()) return FromStatus(user.status());
    if (!user->exists || user->deleted) return Reject(ErrorCode::kNotAuthorized, "User does not exist.");
    return std::move(user).value();
  };
}

Result<GroupState> UserPoolService::LoadGroup(const std::string& pool_id, const std::string& name) {
  return LoadState<GroupState>(store_, tables::kGroups, GroupRowKey(pool_id, name), GroupStream(pool_id, name));
}

Result<UserState> UserPoolService::LoadUserBySub(const std::string& pool_id, const std::string& sub) {
  auto user = user_cache_.Load(store_, tables::kUsers, UserRowKey(pool_id, sub), UserStream(pool_id, sub));
  if (!user.ok()) return user.status();
  return **user;
}

std::string UserPoolService::NormalizeName(const PoolSettings& settings, const std::string& name) const {
  if (settings.case_sensitive) return name;
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

std::vector<std::string> UserPoolService::LoginKeys(
    const PoolSettings& settings, const std::string& pool_id, const std::string& username,
    const std::map<std::string, std::string>& attributes) const {
  std::vector<std::string> keys;
  keys.push_back("u/" + pool_id + "/" + NormalizeName(settings, username));
  auto attr = [&](const std::string& name) -> std::string {
    auto it = attributes.find(name);
    return it == attributes.end() ? "" : it->second;
  };
  for (const std::string& name : {std::string("email"), std::string("phone_number")}) {
    const std::string value = attr(name);
    if (value.empty()) continue;
    // Sign-in attributes are unique whether verified or not; aliases only once verified.
    const bool verified = attr(name + "_verified") == "true";
    if (settings.username_attributes.count(name) || (settings.alias_attributes.count(name) && verified)) {
      keys.push_back("a/" + pool_id + "/" + name + "/" + NormalizeName(settings, value));
    }
  }
  if (settings.alias_attributes.count("preferred_username") && !attr("preferred_username").empty()) {
    keys.push_back("a/" + pool_id + "/preferred_username/" + NormalizeName(settings, attr("preferred_username")));
  }
  return keys;
}

Result<UserState> UserPoolService::FindUser(const PoolState& pool, const std::string& name) {
  const std::shared_ptr<const PoolSettings> shared_settings = pool_settings_.Of(pool);
  const PoolSettings& settings = *shared_settings;
  std::vector<std::string> candidates = {"u/" + pool.id + "/" + NormalizeName(settings, name)};
  for (const char* alias : {"email", "phone_number", "preferred_username"}) {
    if (settings.alias_attributes.count(alias) || settings.username_attributes.count(alias)) {
      candidates.push_back("a/" + pool.id + "/" + alias + "/" + NormalizeName(settings, name));
    }
  }
  for (const auto& key : candidates) {
    auto owner = store_.ClaimOwner(key);
    if (!owner.ok()) return owner.status();
    if (!owner->has_value()) continue;
    const std::string& row_key = **owner;  // "<pool>/<sub>"
    auto user = LoadUserBySub(pool.id, row_key.substr(pool.id.size() + 1));
    if (!user.ok() || (user->exists && !user->deleted)) return user;
  }
  // In pools that sign in with email or phone, the internal username is the sub.
  if (!settings.username_attributes.empty()) {
    auto user = LoadUserBySub(pool.id, name);
    if (!user.ok() || (user->exists && !user->deleted)) return user;
  }
  return UserState{};
}

Outcome<UserState> UserPoolService::RequireUser(const PoolState& pool, const json& request) {
  auto name = wire::RequiredString(request, "Username", 1, 128);
  if (!name.ok()) return name.error();
  auto user = FindUser(pool, name.value());
  if (!user.ok()) return FromStatus(user.status());
  if (!user->exists) return Reject(ErrorCode::kUserNotFound, "User does not exist.");
  return std::move(user).value();
}

Outcome<Done> UserPoolService::CheckSecretHash(const ClientState& client, const std::string& username,
                                               const std::string& secret_hash) {
  if (client.secret_sealed.empty()) return Done{};
  if (secret_hash.empty()) {
    return Reject(ErrorCode::kNotAuthorized,
                  "Client " + client.id + " is configured for secret but secret was not received");
  }
  auto secret = OpenSecret(client.secret_sealed, "client/" + client.id);
  if (!secret.ok()) return FromStatus(secret.status());
  const std::string expected = crypto::Base64Encode(crypto::HmacSha256(*secret, username + client.id));
  if (!crypto::ConstantTimeEquals(expected, secret_hash)) {
    return Reject(ErrorCode::kNotAuthorized, "Unable to verify secret hash for client " + client.id);
  }
  return Done{};
}

std::string UserPoolService::SealSecret(std::string_view plaintext, std::string_view aad) const {
  return crypto::Base64Encode(crypto::Seal(options_.master_key, plaintext, aad));
}

Result<std::string> UserPoolService::OpenSecret(std::string_view sealed_b64, std::string_view aad) const {
  auto sealed = crypto::Base64Decode(sealed_b64);
  if (!sealed.ok()) return sealed.status();
  return crypto::Open(options_.master_key, *sealed, aad);
}

std::string UserPoolService::CodeHash(const std::string& pool_id, const std::string& sub,
                                      const std::string& purpose, const std::string& code) const {
  return crypto::HexEncode(crypto::HmacSha256(code_key_, pool_id + "/" + sub + "/" + purpose + "/" + code));
}

std::optional<DomainError> UserPoolService::CheckPendingCode(const UserState& user, const std::string& purpose,
                                                             const std::string& attribute,
                                                             const std::string& code) const {
  const auto& pending = user.pending_code;
  if (!pending || pending->purpose != purpose || (!attribute.empty() && pending->attribute != attribute) ||
      pending->hash != CodeHash(user.pool_id, user.sub, purpose, code)) {
    return Reject(ErrorCode::kCodeMismatch, "Invalid verification code provided, please try again.");
  }
  if (pending->expires_at_ms < clock_.NowMs()) {
    return Reject(ErrorCode::kExpiredCode, "Invalid code provided, please request a code again.");
  }
  return std::nullopt;
}

void UserPoolService::DeliverCode(const PoolState& pool, const UserState& user,
                                  const std::string& medium, const MessageText& text,
                                  const std::string& code) {
  OutgoingMessage m;
  m.user_pool_id = pool.id;
  m.username = user.username;
  m.delivery_medium = medium;
  auto it = user.attributes.find(medium == "SMS" ? "phone_number" : "email");
  m.destination = it == user.attributes.end() ? "" : it->second;
  m.subject = medium == "SMS" ? "" : text.subject;
  m.body = wire::FillTemplate(text.body, code, user.username);
  m.code = code;
  m.created_at_ms = clock_.NowMs();
  sink_.Send(m);
}

json UserPoolService::UserAttributesView(const UserState& user, const std::set<std::string>* only) const {
  json attrs = json::array();
  for (const auto& [name, value] : user.attributes) {
    if (only && !only->count(name)) continue;
    attrs.push_back({{"Name", name}, {"Value", value}});
  }
  return attrs;
}

json UserPoolService::UserTypeView(const UserState& user) const {
  return json{{"Username", user.username},
              {"Attributes", UserAttributesView(user)},
              {"UserCreateDate", wire::Timestamp(user.created_at_ms)},
              {"UserLastModifiedDate", wire::Timestamp(user.modified_at_ms)},
              {"Enabled", user.enabled},
              {"UserStatus", user.status}};
}

json UserPoolService::PoolView(const PoolState& pool) {
  json view = pool.config;
  view["Id"] = pool.id;
  view["Name"] = pool.config.value("Name", "");
  view["Arn"] = "arn:aws:cognito-idp:" + options_.region + ":" + options_.account_id + ":userpool/" + pool.id;
  view["CreationDate"] = wire::Timestamp(pool.created_at_ms);
  view["LastModifiedDate"] = wire::Timestamp(pool.modified_at_ms);
  // Cheap estimate: counted from the users table, bounded so a describe stays fast.
  auto rows = store_.Scan(tables::kUsers, pool.id + "/", "", 100000);
  view["EstimatedNumberOfUsers"] = rows.ok() ? rows->size() : 0;
  return view;
}

json UserPoolService::ClientView(const ClientState& client) {
  json view = client.config;
  view["UserPoolId"] = client.pool_id;
  view["ClientId"] = client.id;
  view["CreationDate"] = wire::Timestamp(client.created_at_ms);
  view["LastModifiedDate"] = wire::Timestamp(client.modified_at_ms);
  if (!client.secret_sealed.empty()) {
    auto secret = OpenSecret(client.secret_sealed, "client/" + client.id);
    if (secret.ok()) view["ClientSecret"] = *secret;
  }
  return view;
}

json UserPoolService::GroupView(const GroupState& group) const {
  json view = {{"GroupName", group.name},
               {"UserPoolId", group.pool_id},
               {"CreationDate", wire::Timestamp(group.created_at_ms)},
               {"LastModifiedDate", wire::Timestamp(group.modified_at_ms)}};
  for (const char* f : {"Description", "RoleArn", "Precedence"}) {
    if (group.config.contains(f)) view[f] = group.config[f];
  }
  return view;
}

std::vector<GroupState> UserPoolService::GroupsOf(const UserState& user) {
  std::vector<GroupState> groups;
  for (const auto& [name, uid] : user.groups) {
    auto group = LoadGroup(user.pool_id, name);
    // A membership of a group since deleted (or deleted and re-created) no longer counts.
    if (group.ok() && group->exists && !group->deleted && group->uid == uid) {
      groups.push_back(std::move(group).value());
    }
  }
  return groups;
}

}  // namespace cognate
