#include "engine/user/user_events.h"

#include <algorithm>
#include <set>

namespace cognate {
namespace {

void ApplyPassword(UserState& s, const json& d) {
  s.password_hash = d.value("password_hash", "");
  s.srp_salt = d.value("srp_salt", "");
  s.srp_verifier_sealed = d.value("srp_verifier_sealed", "");
}

void ApplyCode(UserState& s, const json& d) {
  if (auto it = d.find("pending_code"); it != d.end() && it->is_object()) {
    s.pending_code = PendingCode{it->value("purpose", ""), it->value("attribute", ""),
                                 it->value("hash", ""), it->value("expires_at_ms", int64_t{0})};
  }
}

}  // namespace

std::string UserStream(const std::string& pool_id, const std::string& sub) {
  return "user/" + pool_id + "/" + sub;
}

std::string UserRowKey(const std::string& pool_id, const std::string& sub) {
  return pool_id + "/" + sub;
}

void EvolveUser(UserState& s, const Event& e, int64_t at_ms) {
  namespace ev = user_events;
  const json& d = e.data;
  s.version += 1;
  if (e.type == ev::kSignedUp || e.type == ev::kCreated) {
    s.exists = true;
    s.pool_id = d.value("pool_id", "");
    s.sub = d.value("sub", "");
    s.username = d.value("username", "");
    s.status = d.value("status", "");
    s.attributes = d.value("attributes", std::map<std::string, std::string>{});
    s.login_keys = d.value("login_keys", std::vector<std::string>{});
    s.temporary_password_expires_at_ms = d.value("temporary_password_expires_at_ms", int64_t{0});
    ApplyPassword(s, d);
    ApplyCode(s, d);
    s.created_at_ms = at_ms;
  } else if (e.type == ev::kCodeSent) {
    ApplyCode(s, d);
    if (d.contains("unverified_value") && s.pending_code) {
      s.unverified_attributes[s.pending_code->attribute] = d.value("unverified_value", "");
    }
  } else if (e.type == ev::kConfirmed) {
    s.status = "CONFIRMED";
    s.pending_code.reset();
    if (d.contains("attributes")) s.attributes = d["attributes"].get<std::map<std::string, std::string>>();
    if (d.contains("login_keys")) s.login_keys = d["login_keys"].get<std::vector<std::string>>();
  } else if (e.type == ev::kPasswordChanged) {
    ApplyPassword(s, d);
    s.status = d.value("status", s.status);
    // Guesses at the old password say nothing about the new one.
    s.failed_sign_ins = 0;
    s.last_failed_sign_in_ms = 0;
    s.locked_until_ms = 0;
    s.temporary_password_expires_at_ms = d.value("temporary_password_expires_at_ms", int64_t{0});
    if (d.value("revoke_tokens", false)) s.signed_out_version = s.version;
    if (d.value("code_used", false)) s.pending_code.reset();
  } else if (e.type == ev::kPasswordResetRequired) {
    s.status = "RESET_REQUIRED";
  } else if (e.type == ev::kAttributesUpdated) {
    s.attributes = d.value("attributes", s.attributes);
    for (const auto& name : d.value("settled", json::array())) s.unverified_attributes.erase(name.get<std::string>());
    if (d.contains("login_keys")) s.login_keys = d["login_keys"].get<std::vector<std::string>>();
    if (d.value("code_used", false)) s.pending_code.reset();
  } else if (e.type == ev::kDisabled) {
    s.enabled = false;
    s.signed_out_version = s.version;
  } else if (e.type == ev::kEnabled) {
    s.enabled = true;
  } else if (e.type == ev::kDeleted) {
    s.deleted = true;
    s.login_keys.clear();
    s.groups.clear();
  } else if (e.type == ev::kSignedOut) {
    s.signed_out_version = s.version;
  } else if (e.type == ev::kGroupJoined) {
    s.groups[d.value("group", "")] = d.value("group_uid", "");
  } else if (e.type == ev::kGroupLeft) {
    s.groups.erase(d.value("group", ""));
  } else if (e.type == ev::kSignInFailed) {
    // The lockout counters the decider computed; events from before lockout carry none.
    if (d.contains("consecutive_failures")) {
      s.failed_sign_ins = d.value("consecutive_failures", 0);
      s.last_failed_sign_in_ms = at_ms;
      s.locked_until_ms = d.value("locked_until_ms", int64_t{0});
    }
    return;  // activity, not a modification of the user
  } else if (e.type == ev::kSignedIn) {
    s.failed_sign_ins = 0;
    s.last_failed_sign_in_ms = 0;
    s.locked_until_ms = 0;
    if (d.contains("totp_step")) s.totp_last_step = d.value("totp_step", int64_t{0});
    if (auto it = d.find("new_device"); it != d.end() && it->is_object()) {
      // Tracking met a device it did not know: known from now on, confirmed by ConfirmDevice.
      DeviceState device;
      device.key = it->value("key", "");
      device.group_key = it->value("group_key", "");
      device.name = it->value("name", "");
      device.status = "not_remembered";
      device.created_at_ms = device.modified_at_ms = device.last_authenticated_at_ms = at_ms;
      s.devices[device.key] = device;
    }
    if (auto it = s.devices.find(d.value("device_key", "")); it != s.devices.end()) {
      it->second.last_authenticated_at_ms = at_ms;
    }
    return;
  } else if (e.type == ev::kTotpAssociated) {
    s.totp_pending_sealed = d.value("secret_sealed", "");
  } else if (e.type == ev::kTotpVerified) {
    s.totp_secret_sealed = d.value("secret_sealed", "");
    s.totp_pending_sealed.clear();
    if (d.value("enable", false)) {
      s.software_token_mfa_enabled = true;
      s.preferred_mfa = "SOFTWARE_TOKEN_MFA";
    }
  } else if (e.type == ev::kMfaPreferenceSet) {
    s.sms_mfa_enabled = d.value("sms_enabled", s.sms_mfa_enabled);
    s.software_token_mfa_enabled = d.value("software_token_enabled", s.software_token_mfa_enabled);
    s.preferred_mfa = d.value("preferred", s.preferred_mfa);
  } else if (e.type == ev::kDeviceConfirmed) {
    DeviceState& device = s.devices[d.value("device_key", "")];
    device.key = d.value("device_key", "");
    device.group_key = d.value("group_key", device.group_key);
    if (d.contains("name")) device.name = d.value("name", "");
    device.status = d.value("status", "not_remembered");
    device.confirmed = true;
    device.srp_salt = d.value("srp_salt", "");
    device.srp_verifier_sealed = d.value("srp_verifier_sealed", "");
    if (device.created_at_ms == 0) device.created_at_ms = at_ms;
    device.modified_at_ms = at_ms;
  } else if (e.type == ev::kDeviceStatusUpdated) {
    if (auto it = s.devices.find(d.value("device_key", "")); it != s.devices.end()) {
      it->second.status = d.value("status", it->second.status);
      it->second.modified_at_ms = at_ms;
    }
  } else if (e.type == ev::kDeviceForgotten) {
    s.devices.erase(d.value("device_key", ""));
  } else {
    // kCodeRejected, kTokensRefreshed, kTokenRevoked, kAuthEventFeedbackGiven: activity for the audit
    // trail, the token rows and the auth-event history; it is not a modification of the user.
    return;
  }
  s.modified_at_ms = at_ms;
}

ProjectionWrites ProjectUserEvent(const UserState& before, const UserState& after,
                                  const Event& e) {
  ProjectionWrites w = ProjectUserEventExceptRow(before, after, e);
  w.rows.push_back(UserRow(after));
  return w;
}

RowWrite UserRow(const UserState& state) {
  const std::string row_key = UserRowKey(state.pool_id, state.sub);
  if (state.deleted) return RowWrite{tables::kUsers, row_key, std::nullopt};
  return RowWrite{tables::kUsers, row_key, UserStateJson(state)};
}

ProjectionWrites ProjectUserEventExceptRow(const UserState& before, const UserState& after,
                                           const Event& e) {
  namespace ev = user_events;
  ProjectionWrites w;
  const std::string owner = UserRowKey(after.pool_id, after.sub);

  // Claims follow login_keys.
  std::set<std::string> old_keys(before.login_keys.begin(), before.login_keys.end());
  std::set<std::string> new_keys(after.login_keys.begin(), after.login_keys.end());
  for (const auto& k : old_keys) {
    if (!new_keys.count(k)) w.releases.push_back(k);
  }
  for (const auto& k : new_keys) {
    if (!old_keys.count(k)) w.claims.push_back(Claim{k, owner});
  }

  // Group membership rows follow groups.
  for (const auto& [group, uid] : before.groups) {
    if (!after.groups.count(group)) w.Delete(tables::kMembers, after.pool_id + "/" + group + "/" + after.sub);
  }
  for (const auto& [group, uid] : after.groups) {
    auto it = before.groups.find(group);
    if (it == before.groups.end() || it->second != uid) {
      w.Put(tables::kMembers, after.pool_id + "/" + group + "/" + after.sub, uid);
    }
  }

  if (e.type == ev::kSignedIn) {
    // One sign-in: every token minted from it (and its refreshes) shares the origin_jti.
    const std::string origin_jti = e.data.value("origin_jti", "");
    json origin = {{"pool_id", after.pool_id},
                   {"sub", after.sub},
                   {"client_id", e.data.value("client_id", "")},
                   {"auth_time", e.data.value("auth_time", int64_t{0})},
                   {"issued_version", after.version},
                   {"refresh_expires_at_ms", e.data.value("refresh_expires_at_ms", int64_t{0})}};
    w.Put(tables::kOrigins, origin_jti, origin.dump());
    w.Put(tables::kRefresh, e.data.value("refresh_hash", ""), origin_jti);
  } else if (e.type == ev::kTokenRevoked) {
    w.Put(tables::kRevoked, e.data.value("origin_jti", ""), "");
  }
  return w;
}

}  // namespace cognate
