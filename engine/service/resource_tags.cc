// TagResource, UntagResource and ListTagsForResource on user pools.
//
// A pool is named by its ARN, arn:aws:cognito-idp:<region>:<account>:userpool/<poolId>, as
// DescribeUserPool's Arn shows it. Its tags are the UserPoolTags of its configuration (the map
// CreateUserPool and UpdateUserPool take), changed through userpool.updated, so DescribeUserPool
// always shows what the tagging operations left. At most kMaxPoolTags tags.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/pool/pool_events.h"
#include "engine/service/commit_retry.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"

namespace cognate {
namespace {

using json = nlohmann::json;

// A character of one ARN component, as ArnType's pattern allows: [\w+=/,.@-].
bool IsArnChar(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
         std::string_view("_+=/,.@-").find(c) != std::string_view::npos;
}

bool AllOf(std::string_view s, bool (*pred)(char)) {
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

std::vector<std::string> SplitArn(const std::string& arn) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t colon = arn.find(':'); colon != std::string::npos; colon = arn.find(':', start)) {
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  parts.push_back(arn.substr(start));
  return parts;
}

// Whether the components of an ARN match the model's ArnType pattern:
//   arn:P:S:R?:<digits>:X(:X)?(:X)?   with P, S, X non-empty runs of [\w+=/,.@-].
bool MatchesArnPattern(const std::vector<std::string>& parts) {
  if (parts.size() < 6 || parts.size() > 8 || parts[0] != "arn") return false;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (i == 4) {
      if (parts[i].empty() || !AllOf(parts[i], [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    } else if ((i != 3 && parts[i].empty()) || !AllOf(parts[i], IsArnChar)) {
      return false;
    }
  }
  return true;
}

// The user pool a request's ResourceArn names. InvalidParameter for a missing or malformed ARN
// or one that names something other than a user pool; ResourceNotFound for a pool of another
// region or account (the pool itself is looked up by the caller).
Outcome<std::string> PoolIdOfArn(const json& request, const ServiceOptions& options) {
  auto arn = wire::RequiredString(request, "ResourceArn", 20, 2048);
  if (!arn.ok()) return arn.error();
  const std::vector<std::string> parts = SplitArn(arn.value());
  if (!MatchesArnPattern(parts)) {
    return InvalidParameter(
        "1 validation error detected: Value at 'resourceArn' failed to satisfy constraint: Member "
        "must "
        "satisfy regular expression pattern: "
        "arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:"
        "[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?");
  }
  // arn:<partition>:cognito-idp:<region>:<account>:userpool/<poolId>
  constexpr std::string_view kResource = "userpool/";
  if (parts.size() != 6 || parts[2] != "cognito-idp" || parts[5].rfind(kResource, 0) != 0 ||
      parts[5].size() == kResource.size()) {
    std::string message = "Invalid user pool ARN: ";
    message += arn.value();
    return InvalidParameter(std::move(message));
  }
  std::string pool_id = parts[5].substr(kResource.size());
  if (parts[3] != options.region || parts[4] != options.account_id) {
    std::string message = "User pool ";
    message += pool_id;
    message += " does not exist.";
    return Reject(ErrorCode::kResourceNotFound, std::move(message));
  }
  return pool_id;
}

DomainError TooManyTags() {
  std::string message = "A user pool can have at most ";
  message += std::to_string(kMaxPoolTags);
  message += " tags.";
  return InvalidParameter(std::move(message));
}

}  // namespace

Outcome<nlohmann::json> UserPoolService::ChangePoolTags(const std::string& pool_id,
                                                       const std::function<Outcome<json>(json)>& change,
                                                       const CallContext& ctx) {
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto pool = LoadPoolById(pool_id);
    if (!pool.ok()) return pool.error();
    json config = pool->config;
    auto tags = change(config.value("UserPoolTags", json::object()));
    if (!tags.ok()) return tags.error();
    config["UserPoolTags"] = std::move(tags).value();
    if (config == pool->config) return json::object();  // nothing changes: no event
    auto appended = CommitPool(pool.value(), {MakeEvent(pool_events::kPoolUpdated, {{"config", config}})}, ctx);
    if (appended.ok()) return json::object();
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kConcurrentModification, "The user pool was modified concurrently.");
}

Outcome<nlohmann::json> UserPoolService::TagResource(const json& request, const CallContext& ctx) {
  auto pool_id = PoolIdOfArn(request, options_);
  if (!pool_id.ok()) return pool_id.error();
  auto tags = request.find("Tags");
  if (tags == request.end() || tags->is_null()) {
    return InvalidParameter(
        "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must "
        "not be null");
  }
  if (auto e = CheckPoolTags(*tags, "tags")) return *e;
  return ChangePoolTags(pool_id.value(), [&](json merged) -> Outcome<json> {
    for (const auto& [key, value] : tags->items()) merged[key] = value;
    if (merged.size() > kMaxPoolTags) return TooManyTags();
    return merged;
  }, ctx);
}

Outcome<nlohmann::json> UserPoolService::UntagResource(const json& request,
                                                       const CallContext& ctx) {
  auto pool_id = PoolIdOfArn(request, options_);
  if (!pool_id.ok()) return pool_id.error();
  auto keys = request.find("TagKeys");
  if (keys == request.end() || keys->is_null()) {
    return InvalidParameter(
        "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must "
        "not be null");
  }
  if (!keys->is_array()) return InvalidParameter("Invalid type for parameter TagKeys");
  std::set<std::string> removed;
  for (const auto& key : *keys) {
    if (!key.is_string()) return InvalidParameter("Invalid type for parameter TagKeys");
    const std::string& name = key.get_ref<const std::string&>();
    if (name.empty() || name.size() > 128) {
      return InvalidParameter(
          "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member "
          "must "
          "satisfy constraint: [Member must have length less than or equal to 128, Member must "
          "have "
          "length greater than or equal to 1]");
    }
    removed.insert(name);
  }
  return ChangePoolTags(pool_id.value(), [&](json remaining) -> Outcome<json> {
    for (const auto& name : removed) remaining.erase(name);
    return remaining;
  }, ctx);
}

Outcome<nlohmann::json> UserPoolService::ListTagsForResource(const json& request,
                                                             const CallContext&) {
  auto pool_id = PoolIdOfArn(request, options_);
  if (!pool_id.ok()) return pool_id.error();
  auto pool = LoadPoolById(pool_id.value());
  if (!pool.ok()) return pool.error();
  return json{{"Tags", pool->config.value("UserPoolTags", json::object())}};
}

}  // namespace cognate
