// Groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups, membership, and the
// listings either way round. A membership records the group's uid, so a deleted group's
// members do not reappear in a new group of the same name.
#include <algorithm>

#include "engine/crypto/random.h"
#include "engine/pool/pool_events.h"
#include "engine/service/paging.h"
#include "engine/service/commit_retry.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"
#include "engine/user/user_events.h"

namespace cognate {
namespace {

Outcome<nlohmann::json> GroupConfig(const nlohmann::json& request, nlohmann::json config) {
  auto description = wire::OptionalString(request, "Description");
  if (!description.ok()) return description.error();
  auto role = wire::OptionalString(request, "RoleArn");
  if (!role.ok()) return role.error();
  auto precedence = wire::OptionalInt(request, "Precedence", 0, 2147483647);
  if (!precedence.ok()) return precedence.error();
  if (description->size() > 2048) return Reject(ErrorCode::kInvalidParameter, "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048");
  if (request.contains("Description")) config["Description"] = description.value();
  if (request.contains("RoleArn")) config["RoleArn"] = role.value();
  if (precedence.value()) config["Precedence"] = *precedence.value();
  return config;
}

}  // namespace

namespace {

Outcome<std::string> GroupNameOf(const nlohmann::json& request) {
  auto name = wire::RequiredString(request, "GroupName", 1, 128);
  if (!name.ok()) return name.error();
  if (std::any_of(name->begin(), name->end(), [](unsigned char c) { return c < 0x20; })) {
    return Reject(ErrorCode::kInvalidParameter, "Invalid group name.");
  }
  return name;
}

}  // namespace

Outcome<nlohmann::json> UserPoolService::CreateGroup(const json& request, const CallContext& ctx) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto name = GroupNameOf(request);
  if (!name.ok()) return name.error();
  auto config = GroupConfig(request, json::object());
  if (!config.ok()) return config.error();
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto group = LoadGroup(pool->id, name.value());
    if (!group.ok()) return FromStatus(group.status());
    if (group->exists && !group->deleted) return Reject(ErrorCode::kGroupExists, "A group with the name already exists.");
    GroupState state = std::move(group).value();
    state.pool_id = pool->id;  // the stream is named by these; a fresh state has none yet
    state.name = name.value();
    auto appended = CommitGroup(state, {MakeEvent(pool_events::kGroupCreated, {{"pool_id", pool->id},
                                                                               {"name", name.value()},
                                                                               {"uid", crypto::NewUuidV4()},
                                                                               {"config", config.value()}})},
                                ctx);
    if (appended.ok()) return json{{"Group", GroupView(state)}};
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kConcurrentModification, "The group was modified concurrently.");
}

Outcome<GroupState> UserPoolService::RequireGroup(const json& request) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto name = GroupNameOf(request);
  if (!name.ok()) return name.error();
  auto group = LoadGroup(pool->id, name.value());
  if (!group.ok()) return FromStatus(group.status());
  if (!group->exists || group->deleted) return Reject(ErrorCode::kResourceNotFound, "Group not found.");
  return std::move(group).value();
}

Outcome<nlohmann::json> UserPoolService::GetGroup(const json& request, const CallContext&) {
  auto group = RequireGroup(request);
  if (!group.ok()) return group.error();
  return json{{"Group", GroupView(group.value())}};
}

Outcome<nlohmann::json> UserPoolService::UpdateGroup(const json& request, const CallContext& ctx) {
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto group = RequireGroup(request);
    if (!group.ok()) return group.error();
    auto config = GroupConfig(request, group->config);
    if (!config.ok()) return config.error();
    auto appended = CommitGroup(group.value(), {MakeEvent(pool_events::kGroupUpdated, {{"config", config.value()}})}, ctx);
    if (appended.ok()) return json{{"Group", GroupView(group.value())}};
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kConcurrentModification, "The group was modified concurrently.");
}

Outcome<nlohmann::json> UserPoolService::DeleteGroup(const json& request, const CallContext& ctx) {
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto group = RequireGroup(request);
    if (!group.ok()) return group.error();
    auto appended = CommitGroup(group.value(), {MakeEvent(pool_events::kGroupDeleted, json::object())}, ctx);
    if (appended.ok()) return json::object();
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kConcurrentModification, "The group was modified concurrently.");
}

Outcome<nlohmann::json> UserPoolService::ListGroups(const json& request, const CallContext&) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto limit = wire::OptionalInt(request, "Limit", 0, 60);
  if (!limit.ok()) return limit.error();
  auto token = wire::OptionalString(request, "NextToken");
  if (!token.ok()) return token.error();
  size_t wanted = static_cast<size_t>(limit.value().value_or(60));
  auto page = ScanPage(store_, tables::kGroups, pool->id + "/", token.value(), wanted == 0 ? 60 : wanted);
  if (!page.ok()) return page.error();
  json groups = json::array();
  for (const auto& row : page->rows) groups.push_back(GroupView(json::parse(row.value).get<GroupState>()));
  json out = {{"Groups", groups}};
  if (!page->next_token.empty()) out["NextToken"] = page->next_token;
  return out;
}

Outcome<nlohmann::json> UserPoolService::AdminAddUserToGroup(const json& request, const CallContext& ctx) {
  auto group = RequireGroup(request);
  if (!group.ok()) return group.error();
  auto pool = LoadPoolById(group->pool_id);
  if (!pool.ok()) return pool.error();
  auto done = MutateUser(
      [&]() { return RequireUser(pool.value(), request); },
      [&](const UserState& user) -> Outcome<Events> {
        auto it = user.groups.find(group->name);
        if (it != user.groups.end() && it->second == group->uid) return Events{};
        return Events{MakeEvent(user_events::kGroupJoined, {{"group", group->name}, {"group_uid", group->uid}})};
      },
      ctx);
  if (!done.ok()) return done.error();
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::AdminRemoveUserFromGroup(const json& request, const CallContext& ctx) {
  auto group = RequireGroup(request);
  if (!group.ok()) return group.error();
  auto pool = LoadPoolById(group->pool_id);
  if (!pool.ok()) return pool.error();
  auto done = MutateUser(
      [&]() { return RequireUser(pool.value(), request); },
      [&](const UserState& user) -> Outcome<Events> {
        if (!user.groups.count(group->name)) return Events{};
        return Events{MakeEvent(user_events::kGroupLeft, {{"group", group->name}})};
      },
      ctx);
  if (!done.ok()) return done.error();
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::AdminListGroupsForUser(const json& request, const CallContext&) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto limit = wire::OptionalInt(request, "Limit", 0, 60);
  if (!limit.ok()) return limit.error();
  auto token = wire::OptionalString(request, "NextToken");
  if (!token.ok()) return token.error();
  auto user = RequireUser(pool.value(), request);
  if (!user.ok()) return user.error();
  size_t wanted = static_cast<size_t>(limit.value().value_or(60));
  if (wanted == 0) wanted = 60;
  // Memberships come in group-name order; the token is the last name returned.
  std::string after;
  if (!token->empty()) {
    auto decoded = DecodePageToken(token.value());
    if (!decoded.ok()) return Reject(ErrorCode::kInvalidParameter, "Invalid pagination token.");
    after = *decoded;
  }
  json groups = json::array();
  std::string last;
  bool more = false;
  for (const auto& group : GroupsOf(user.value())) {
    if (!after.empty() && group.name <= after) continue;
    if (groups.size() == wanted) {
      more = true;
      break;
    }
    groups.push_back(GroupView(group));
    last = group.name;
  }
  json out = {{"Groups", groups}};
  if (more) out["NextToken"] = PageToken(last);
  return out;
}

Outcome<nlohmann::json> UserPoolService::ListUsersInGroup(const json& request, const CallContext&) {
  auto group = RequireGroup(request);
  if (!group.ok()) return group.error();
  auto limit = wire::OptionalInt(request, "Limit", 0, 60);
  if (!limit.ok()) return limit.error();
  auto token = wire::OptionalString(request, "NextToken");
  if (!token.ok()) return token.error();
  size_t wanted = static_cast<size_t>(limit.value().value_or(60));
  if (wanted == 0) wanted = 60;
  const std::string prefix = group->pool_id + "/" + group->name + "/";
  json users = json::array();
  std::string cursor = token.value(), next_token;
  while (users.size() < wanted) {
    auto page = ScanPage(store_, tables::kMembers, prefix, cursor, 256);
    if (!page.ok()) return page.error();
    for (size_t i = 0; i < page->rows.size(); ++i) {
      if (page->rows[i].value != group->uid) continue;  // a membership of an earlier incarnation
      auto user = LoadUserBySub(group->pool_id, page->rows[i].key.substr(prefix.size()));
      if (!user.ok()) return FromStatus(user.status());
      if (!user->exists || user->deleted) continue;
      users.push_back(UserTypeView(user.value()));
      if (users.size() == wanted) {
        if (i + 1 < page->rows.size() || !page->next_token.empty()) next_token = PageToken(page->rows[i].key);
        break;
      }
    }
    if (users.size() == wanted || page->next_token.empty()) break;
    cursor = page->next_token;
  }
  json out = {{"Users", users}};
  if (!next_token.empty()) out["NextToken"] = next_token;
  return out;
}

}  // namespace cognate
