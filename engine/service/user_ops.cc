// Users: reading, attributes, passwords, enabling, deleting, listing — by the user themself
// (with an access token) and by an administrator.
#include "engine/crypto/random.h"
#include "engine/json/json_text.h"
#include "engine/service/paging.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"
#include "engine/user/attributes.h"
#include "engine/user/list_users_filter.h"
#include "engine/user/user_events.h"

namespace cognate {
namespace {

// Attributes after writing `changes`: a changed email or phone number is unverified again
// unless the same call says otherwise.
std::map<std::string, std::string> ApplyAttributeChanges(const std::map<std::string, std::string>& current,
                                                         const std::map<std::string, std::string>& changes) {
  auto out = current;
  for (const auto& [name, value] : changes) out[name] = value;
  for (const char* name : {"email", "phone_number"}) {
    auto changed = changes.find(name);
    auto before = current.find(name);
    const bool differs = changed != changes.end() && (before == current.end() || before->second != changed->second);
    if (differs && !changes.count(std::string(name) + "_verified")) out[std::string(name) + "_verified"] = "false";
  }
  return out;
}

Outcome<std::vector<std::string>> AttributeNames(const nlohmann::json& request) {
  auto it = request.find("UserAttributeNames");
  if (it == request.end() || !it->is_array()) {
    return Reject(ErrorCode::kInvalidParameter, "1 validation error detected: Value at 'userAttributeNames' failed to satisfy constraint: Member must not be null");
  }
  std::vector<std::string> names;
  for (const auto& n : *it) {
    if (!n.is_string()) return Reject(ErrorCode::kInvalidParameter, "Invalid attribute name.");
    names.push_back(n.get<std::string>());
  }
  return names;
}

std::optional<DomainError> CheckDeletable(const PoolSettings& settings, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (name == "sub" || settings.required_attributes.count(name) || settings.username_attributes.count(name)) {
      return Reject(ErrorCode::kInvalidParameter, "Attributes did not conform to the schema: " + name + ": The attribute is required");
    }
    if (name.rfind("custom:", 0) != 0 && !IsStandardAttribute(name)) {
      return Reject(ErrorCode::kInvalidParameter, "Invalid user attributes: " + name + " is not a valid attribute");
    }
  }
  return std::nullopt;
}

}  // namespace

Outcome<nlohmann::json> UserPoolService::GetUser(const json& request, const CallContext&) {
  auto info = ValidateAccessToken(request);
  if (!info.ok()) return info.error();
  json out = MfaSettingsView(info->user);
  out["Username"] = info->user.username;
  out["UserAttributes"] = UserAttributesView(info->user);
  return out;
}

Outcome<nlohmann::json> UserPoolService::AdminGetUser(const json& request, const CallContext&) {
  auto shared_pool = LoadSharedPoolFor(request);
  if (!shared_pool.ok()) return shared_pool.error();
  const PoolState& pool = *shared_pool.value();
  auto user = RequireUser(pool, request);
  if (!user.ok()) return user.error();
  json out = MfaSettingsView(user.value());
  out["Username"] = user->username;
  out["UserAttributes"] = UserAttributesView(user.value());
  out["UserCreateDate"] = wire::Timestamp(user->created_at_ms);
  out["UserLastModifiedDate"] = wire::Timestamp(user->modified_at_ms);
  out["Enabled"] = user->enabled;
  out["UserStatus"] = user->status;
  return out;
}

Outcome<nlohmann::json> UserPoolService::UpdateUserAttributes(const json& request, const CallContext& ctx) {
  auto info = ValidateAccessToken(request);
  if (!info.ok()) return info.error();
  auto changes = wire::Attributes(request, "UserAttributes");
  if (!changes.ok()) return changes.error();
  const PoolSettings settings = ReadPoolSettings(info->pool->config);
  if (auto e = CheckAttributeWrite(settings, changes.value(), false, AttributeWriter::kSelf)) return *e;
  auto client = LoadClient(info->token->claims.value("client_id", ""));
  if (client.ok()) {
    const ClientSettings cs = ReadClientSettings(client->config);
    for (const auto& [name, value] : changes.value()) {
      if (cs.write_attributes && !cs.write_attributes->count(name)) {
        return Reject(ErrorCode::kNotAuthorized, "A client attempted to write unauthorized attribute");
      }
    }
  }
  const PoolState& pool = *info->pool;
  const std::string sub = info->user.sub;
  std::string code, code_attribute;
  UserState recipient;  // the user as the code's message sees them: at the new address
  MessageText text;
  auto updated = MutateUser(
      SelfLoader(pool.id, sub),
      [&](const UserState& user) -> Outcome<Events> {
        // A changed email or phone number the pool verifies gets a code (one at a time); where the
        // pool says so, the new value waits for it and the old one stays until then.
        auto applied = changes.value();
        code_attribute.clear();
        std::optional<std::string> unverified;
        for (const char* name : {"email", "phone_number"}) {
          auto it = applied.find(name);
          auto before = user.attributes.find(name);
          if (it == applied.end() || it->second.empty() || !settings.auto_verified.count(name) ||
              (before != user.attributes.end() && before->second == it->second) || !code_attribute.empty()) {
            continue;
          }
          code_attribute = name;
          if (settings.verify_before_update.count(name)) {
            unverified = it->second;
            applied.erase(it);
          }
        }
        Events events;
        auto attributes = ApplyAttributeChanges(user.attributes, applied);
        json data = {{"attributes", attributes}, {"login_keys", LoginKeys(settings, pool.id, user.username, attributes)}};
        json settled = json::array();
        for (const auto& [name, value] : user.unverified_attributes) {
          if (applied.count(name) || (unverified && name == code_attribute)) settled.push_back(name);
        }
        if (!settled.empty()) data["settled"] = settled;
        if (!applied.empty() || !settled.empty()) events.push_back(MakeEvent(user_events::kAttributesUpdated, data));
        if (!code_attribute.empty()) {
          recipient = user;
          recipient.attributes = attributes;
          if (unverified) recipient.attributes[code_attribute] = *unverified;
          code = crypto::RandomDigits(6);
          json records = json::array();
          const std::string medium = wire::MediumOf(code_attribute);
          auto composed = ComposeMessage(pool, "CustomMessage_UpdateUserAttribute", recipient, ctx.client_id, medium,
                                         {settings.email_verification_subject,
                                          medium == "EMAIL" ? settings.email_verification_message
                                                            : settings.sms_verification_message},
                                         false, records);
          if (!composed.ok()) return composed.error();
          text = std::move(composed).value();
          events.push_back(VerificationCodeEvent(pool, user, code_attribute, code, records, unverified));
        }
        return events;
      },
      ctx);
  if (!updated.ok()) return updated.error();
  json details = json::array();
  if (!code_attribute.empty()) {
    DeliverCode(pool, recipient, wire::MediumOf(code_attribute), text, code);
    details.push_back(wire::CodeDeliveryDetails(code_attribute, recipient.attributes.at(code_attribute)));
  }
  return json{{"CodeDeliveryDetailsList", details}};
}

Outcome<nlohmann::json> UserPoolService::AdminUpdateUserAttributes(const json& request, const CallContext& ctx) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto changes = wire::Attributes(request, "UserAttributes");
  if (!changes.ok()) return changes.error();
  if (!request.contains("UserAttributes")) {
    return Reject(ErrorCode::kInvalidParameter, "1 validation error detected: Value at 'userAttributes' failed to satisfy constraint: Member must not be null");
  }
  const PoolSettings settings = ReadPoolSettings(pool->config);
  if (auto e = CheckAttributeWrite(settings, changes.value(), false, AttributeWriter::kAdmin)) return *e;
  auto updated = MutateUser(
      [&]() { return RequireUser(pool.value(), request); },
      [&](const UserState& user) -> Outcome<Events> {
        auto attributes = ApplyAttributeChanges(user.attributes, changes.value());
        return Events{MakeEvent(user_events::kAttributesUpdated,
                                {{"attributes", attributes},
                                 {"login_keys", LoginKeys(settings, pool->id, user.username, attributes)}})};
      },
      ctx);
  if (!updated.ok()) return updated.error();
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::DeleteUserAttributes(const json& request, const CallContext& ctx) {
  auto info = ValidateAccessToken(request);
  if (!info.ok()) return info.error();
  auto names = AttributeNames(request);
  if (!names.ok()) return names.error();
  const PoolSettings settings = ReadPoolSettings(info->pool->config);
  if (auto e = CheckDeletable(settings, names.value())) return *e;
  const PoolState& pool = *info->pool;
  const std::string sub = info->user.sub;
  auto updated = MutateUser(
      SelfLoader(pool.id, sub),
      [&](const UserState& user) -> Outcome<Events> {
        auto attributes = user.attributes;
        for (const auto& n : names.value()) attributes.erase(n);
        return Events{MakeEvent(user_events::kAttributesUpdated,
                                {{"attributes", attributes},
                                 {"login_keys", LoginKeys(settings, pool.id, user.username, attributes)}})};
      },
      ctx);
  if (!updated.ok()) return updated.error();
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::AdminDeleteUserAttributes(const json& request, const CallContext& ctx) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto names = AttributeNames(request);
  if (!names.ok()) return names.error();
  const PoolSettings settings = ReadPoolSettings(pool->config);
  if (auto e = CheckDeletable(settings, names.value())) return *e;
  auto updated = MutateUser(
      [&]() { return RequireUser(pool.value(), request); },
      [&](const UserState& user) -> Outcome<Events> {
        auto attributes = user.attributes;
        for (const auto& n : names.value()) attributes.erase(n);
        return Events{MakeEvent(user_events::kAttributesUpdated,
                                {{"attributes", attributes},
                                 {"login_keys", LoginKeys(settings, pool->id, user.username, attributes)}})};
      },
      ctx);
  if (!updated.ok()) return updated.error();
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::DeleteUser(const json& request, const CallContext& ctx) {
  auto info = ValidateAccessToken(request);
  if (!info.ok()) return info.error();
  const std::string pool_id = info->pool->id, sub = info->user.sub;
  auto deleted = MutateUser(
      SelfLoader(pool_id, sub),
      [](const UserState&) -> Outcome<Events> { return Events{MakeEvent(user_events::kDeleted, {{"via", "self"}})}; },
      ctx);
  if (!deleted.ok()) return deleted.error();
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::AdminDeleteUser(const json& request, const CallContext& ctx) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto deleted = MutateUser(
      [&]() { return RequireUser(pool.value(), request); },
      [](const UserState&) -> Outcome<Events> { return Events{MakeEvent(user_events::kDeleted, {{"via", "admin"}})}; },
      ctx);
  if (!deleted.ok()) return deleted.error();
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::AdminDisableUser(const json& request, const CallContext& ctx) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto done = MutateUser(
      [&]() { return RequireUser(pool.value(), request); },
      [](const UserState& user) -> Outcome<Events> {
        if (!user.enabled) return Events{};
        return Events{MakeEvent(user_events::kDisabled, json::object())};
      },
      ctx);
  if (!done.ok()) return done.error();
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::AdminEnableUser(const json& request, const CallContext& ctx) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto done = MutateUser(
      [&]() { return RequireUser(pool.value(), request); },
      [](const UserState& user) -> Outcome<Events> {
        if (user.enabled) return Events{};
        return Events{MakeEvent(user_events::kEnabled, json::object())};
      },
      ctx);
  if (!done.ok()) return done.error();
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::AdminSetUserPassword(const json& request, const CallContext& ctx) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto password = wire::RequiredString(request, "Password", 1, 256);
  if (!password.ok()) return password.error();
  auto permanent = wire::OptionalBool(request, "Permanent");
  if (!permanent.ok()) return permanent.error();
  const PoolSettings settings = ReadPoolSettings(pool->config);
  if (auto e = CheckPassword(settings.password_policy, password.value())) return *e;
  auto user = RequireUser(pool.value(), request);
  if (!user.ok()) return user.error();
  auto fields = PasswordFields(pool.value(), user->username, password.value());
  if (!fields.ok()) return fields.error();
  const bool is_permanent = permanent.value().value_or(false);
  const int64_t expires = clock_.NowMs() + static_cast<int64_t>(settings.password_policy.temporary_password_validity_days) * 86400000LL;
  auto done = MutateUser(
      [&]() { return RequireUser(pool.value(), request); },
      [&](const UserState& current) -> Outcome<Events> {
        if (current.sub != user->sub) return Reject(ErrorCode::kUserNotFound, "User does not exist.");
        json data = fields.value();
        data["status"] = is_permanent ? "CONFIRMED" : "FORCE_CHANGE_PASSWORD";
        data["temporary_password_expires_at_ms"] = is_permanent ? 0 : expires;
        data["via"] = "admin";
        return Events{MakeEvent(user_events::kPasswordChanged, data)};
      },
      ctx);
  if (!done.ok()) return done.error();
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::ChangePassword(const json& request, const CallContext& ctx) {
  auto proposed = wire::RequiredString(request, "ProposedPassword", 1, 256);
  if (!proposed.ok()) return proposed.error();
  auto previous = wire::OptionalString(request, "PreviousPassword");
  if (!previous.ok()) return previous.error();
  auto info = ValidateAccessToken(request);
  if (!info.ok()) return info.error();
  const PoolSettings settings = ReadPoolSettings(info->pool->config);
  auto matches = PasswordMatches(info->user, previous.value());
  if (!matches.ok()) return matches.error();
  if (!matches.value()) return Reject(ErrorCode::kNotAuthorized, "Incorrect username or password.");
  if (auto e = CheckPassword(settings.password_policy, proposed.value())) return *e;
  auto fields = PasswordFields(*info->pool, info->user.username, proposed.value());
  if (!fields.ok()) return fields.error();
  const std::string pool_id = info->pool->id, sub = info->user.sub;
  auto done = MutateUser(
      SelfLoader(pool_id, sub),
      [&](const UserState& user) -> Outcome<Events> {
        json data = fields.value();
        data["status"] = user.status;
        data["via"] = "self";
        return Events{MakeEvent(user_events::kPasswordChanged, data)};
      },
      ctx);
  if (!done.ok()) return done.error();
  return json::object();
}

Outcome<std::string> UserPoolService::InternalUsername(const json& request) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto user = RequireUser(pool.value(), request);
  if (!user.ok()) return user.error();
  return user->username;
}

Outcome<nlohmann::json> UserPoolService::ListUsers(const json& request, const CallContext& ctx) {
  auto text = ListUsersText(request, ctx);
  if (!text.ok()) return text.error();
  return json::parse(text.value());
}

Outcome<std::string> UserPoolService::ListUsersText(const json& request, const CallContext&) {
  auto shared_pool = LoadSharedPoolFor(request);
  if (!shared_pool.ok()) return shared_pool.error();
  const PoolState& pool = *shared_pool.value();
  auto limit = wire::OptionalInt(request, "Limit", 0, 60);
  if (!limit.ok()) return limit.error();
  auto token = wire::OptionalString(request, "PaginationToken");
  if (!token.ok()) return token.error();
  auto filter_text = wire::OptionalString(request, "Filter");
  if (!filter_text.ok()) return filter_text.error();
  auto filter = engine::ParseListUsersFilter(filter_text.value());
  if (!filter.ok()) return Reject(ErrorCode::kInvalidParameter, filter.status().message());
  std::optional<std::set<std::string>> only;
  if (auto it = request.find("AttributesToGet"); it != request.end() && it->is_array()) {
    only.emplace();
    for (const auto& a : *it) {
      if (a.is_string()) only->insert(a.get<std::string>());
    }
  }
  size_t wanted = static_cast<size_t>(limit.value().value_or(60));
  if (wanted == 0) wanted = 60;

  auto value_of = [](const UserState& user, const std::string& attribute) -> std::string {
    if (attribute == "username") return user.username;
    if (attribute == "cognito:user_status") return user.status;
    if (attribute == "status") return user.enabled ? "Enabled" : "Disabled";
    auto it = user.attributes.find(attribute);
    return it == user.attributes.end() ? "" : it->second;
  };

  // The answer is written as text: each user's entry is serialised once per change of its row
  // and kept with the parsed state, so a page costs a scan and 60 copies, not 60 views built and
  // serialised (the entries are what json::dump would write, keys in order).
  std::string users;
  size_t count = 0;
  std::string cursor = token.value();
  std::string next_token;
  while (count < wanted) {
    // Without a filter every row read is returned, so read no more than are wanted.
    const size_t batch = *filter ? 256 : wanted - count;
    auto page = ScanPage(store_, tables::kUsers, pool.id + "/", cursor, batch);
    if (!page.ok()) return page.error();
    for (size_t i = 0; i < page->rows.size(); ++i) {
      auto parsed = user_cache_.ParsedWithView(tables::kUsers, page->rows[i].key, std::move(page->rows[i].value),
                                               [this](const UserState& user) { return UserTypeView(user).dump(); });
      if (!parsed.ok()) return FromStatus(parsed.status());
      const UserState& user = *parsed->first;
      if (*filter && !engine::MatchesFilter(**filter, value_of(user, (*filter)->attribute))) continue;
      if (count > 0) users.push_back(',');
      if (only) {
        json view = UserTypeView(user);
        view["Attributes"] = UserAttributesView(user, &*only);
        users += view.dump();
      } else {
        users += *parsed->second;
      }
      if (++count == wanted) {
        const bool more = i + 1 < page->rows.size() || !page->next_token.empty();
        if (more) next_token = PageToken(page->rows[i].key);
        break;
      }
    }
    if (count == wanted || page->next_token.empty()) break;
    cursor = page->next_token;
  }
  std::string out = "{";
  if (!next_token.empty()) {
    out += "\"PaginationToken\":";
    json_text::AppendString(out, next_token);  // base64: always valid text
    out += ",";
  }
  out += "\"Users\":[";
  out += users;
  out += "]}";
  return out;
}

}  // namespace cognate
