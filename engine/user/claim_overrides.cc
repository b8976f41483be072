#include "engine/user/claim_overrides.h"

#include <algorithm>
#include <array>
#include <set>
#include <sstream>
#include <string_view>

namespace cognate {
namespace {

using json = nlohmann::json;

// Lua cannot tell an empty array from an empty table, so a script's `{}` arrives as {}: where a
// list is expected, an empty object means an empty list.
bool IsList(const json& value) { return value.is_array() || (value.is_object() && value.empty()); }

constexpr std::array<std::string_view, 21> kProtected = {
    "acr", "amr", "aud", "at_hash", "auth_time", "azp", "cognito:username", "exp", "iat",
    "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "sub", "token_use", "client_id",
    "username", "scope", "event_id"};

bool IsProtected(const std::string& claim) {
  return std::find(kProtected.begin(), kProtected.end(), claim) != kProtected.end();
}

DomainError BadResponse() { return Reject(ErrorCode::kInvalidLambdaResponse, "Unrecognizable lambda output"); }

// claimsToAddOrOverride / claimsToSuppress of one token. `any_json` allows non-string values (V2).
Outcome<Done> ApplyTokenChanges(const json& changes, bool any_json, json& token) {
  if (changes.is_null()) return Done{};
  if (!changes.is_object()) return BadResponse();
  if (auto add = changes.find("claimsToAddOrOverride"); add != changes.end() && !add->is_null()) {
    if (!add->is_object()) return BadResponse();
    for (const auto& [claim, value] : add->items()) {
      if (!any_json && !value.is_string()) return BadResponse();
      if (IsProtected(claim)) continue;
      token[claim] = value;
    }
  }
  if (auto suppress = changes.find("claimsToSuppress"); suppress != changes.end() && !suppress->is_null()) {
    if (!IsList(*suppress)) return BadResponse();
    for (const auto& claim : *suppress) {
      if (!claim.is_string()) return BadResponse();
      if (!IsProtected(claim.get<std::string>())) token.erase(claim.get<std::string>());
    }
  }
  return Done{};
}

Outcome<Done> ApplyGroupOverride(const json& groups, TokenClaims& claims) {
  if (groups.is_null()) return Done{};
  if (!groups.is_object()) return BadResponse();
  if (auto names = groups.find("groupsToOverride"); names != groups.end() && !names->is_null()) {
    if (!IsList(*names)) return BadResponse();
    for (auto* token : {&claims.id, &claims.access}) {
      if (names->empty()) token->erase("cognito:groups");
      else (*token)["cognito:groups"] = *names;  // non-empty, so an array
    }
  }
  if (auto roles = groups.find("iamRolesToOverride"); roles != groups.end() && !roles->is_null()) {
    if (!IsList(*roles)) return BadResponse();
    if (roles->empty()) claims.id.erase("cognito:roles");  // {} or []
    else claims.id["cognito:roles"] = *roles;
  }
  if (auto preferred = groups.find("preferredRole"); preferred != groups.end() && !preferred->is_null()) {
    if (!preferred->is_string()) return BadResponse();
    claims.id["cognito:preferred_role"] = *preferred;
  }
  return Done{};
}

Outcome<Done> ApplyScopes(const json& changes, json& access) {
  if (!changes.is_object()) return Done{};
  std::set<std::string> scopes;
  std::vector<std::string> order;
  std::istringstream current(access.value("scope", ""));
  for (std::string s; current >> s;) {
    if (scopes.insert(s).second) order.push_back(s);
  }
  if (auto add = changes.find("scopesToAdd"); add != changes.end() && !add->is_null()) {
    if (!IsList(*add)) return BadResponse();
    for (const auto& s : *add) {
      if (!s.is_string()) return BadResponse();
      if (scopes.insert(s.get<std::string>()).second) order.push_back(s.get<std::string>());
    }
  }
  if (auto suppress = changes.find("scopesToSuppress"); suppress != changes.end() && !suppress->is_null()) {
    if (!IsList(*suppress)) return BadResponse();
    for (const auto& s : *suppress) {
      if (!s.is_string()) return BadResponse();
      order.erase(std::remove(order.begin(), order.end(), s.get<std::string>()), order.end());
    }
  }
  std::string joined;
  for (const auto& s : order) joined += (joined.empty() ? "" : " ") + s;
  if (joined.empty()) access.erase("scope");
  else access["scope"] = joined;
  return Done{};
}

}  // namespace

Outcome<Done> ApplyClaimOverrides(const std::string& version, const json& response, TokenClaims& claims) {
  if (version == "1") {
    const json details = response.value("claimsOverrideDetails", json());
    if (details.is_null()) return Done{};
    if (!details.is_object()) return BadResponse();
    if (auto r = ApplyTokenChanges(details, false, claims.id); !r.ok()) return r;
    return ApplyGroupOverride(details.value("groupOverrideDetails", json()), claims);
  }
  const json details = response.value("claimsAndScopeOverrideDetails", json());
  if (details.is_null()) return Done{};
  if (!details.is_object()) return BadResponse();
  if (auto r = ApplyTokenChanges(details.value("idTokenGeneration", json()), true, claims.id); !r.ok()) return r;
  const json access = details.value("accessTokenGeneration", json());
  if (auto r = ApplyTokenChanges(access, true, claims.access); !r.ok()) return r;
  if (auto r = ApplyScopes(access, claims.access); !r.ok()) return r;
  return ApplyGroupOverride(details.value("groupOverrideDetails", json()), claims);
}

}  // namespace cognate
