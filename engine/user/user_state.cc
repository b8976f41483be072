#include "engine/user/user_state.h"

#include "engine/json/json_text.h"

namespace cognate {
namespace {

nlohmann::json DeviceJson(const DeviceState& d) {
  return {{"key", d.key},
          {"group_key", d.group_key},
          {"name", d.name},
          {"status", d.status},
          {"confirmed", d.confirmed},
          {"srp_salt", d.srp_salt},
          {"srp_verifier_sealed", d.srp_verifier_sealed},
          {"created_at_ms", d.created_at_ms},
          {"modified_at_ms", d.modified_at_ms},
          {"last_authenticated_at_ms", d.last_authenticated_at_ms}};
}

DeviceState DeviceFromJson(const nlohmann::json& j) {
  DeviceState d;
  d.key = j.value("key", "");
  d.group_key = j.value("group_key", "");
  d.name = j.value("name", "");
  d.status = j.value("status", "");
  d.confirmed = j.value("confirmed", false);
  d.srp_salt = j.value("srp_salt", "");
  d.srp_verifier_sealed = j.value("srp_verifier_sealed", "");
  d.created_at_ms = j.value("created_at_ms", int64_t{0});
  d.modified_at_ms = j.value("modified_at_ms", int64_t{0});
  d.last_authenticated_at_ms = j.value("last_authenticated_at_ms", int64_t{0});
  return d;
}

}  // namespace

void to_json(nlohmann::json& j, const UserState& s) {
  j = nlohmann::json{{"pool_id", s.pool_id},
                     {"sub", s.sub},
                     {"username", s.username},
                     {"status", s.status},
                     {"enabled", s.enabled},
                     {"attributes", s.attributes},
                     {"password_hash", s.password_hash},
                     {"srp_salt", s.srp_salt},
                     {"srp_verifier_sealed", s.srp_verifier_sealed},
                     {"temporary_password_expires_at_ms", s.temporary_password_expires_at_ms},
                     {"login_keys", s.login_keys},
                     {"unverified_attributes", s.unverified_attributes},
                     {"groups", s.groups},
                     {"created_at_ms", s.created_at_ms},
                     {"modified_at_ms", s.modified_at_ms},
                     {"signed_out_version", s.signed_out_version},
                     {"failed_sign_ins", s.failed_sign_ins},
                     {"last_failed_sign_in_ms", s.last_failed_sign_in_ms},
                     {"locked_until_ms", s.locked_until_ms},
                     {"sms_mfa_enabled", s.sms_mfa_enabled},
                     {"software_token_mfa_enabled", s.software_token_mfa_enabled},
                     {"preferred_mfa", s.preferred_mfa},
                     {"totp_secret_sealed", s.totp_secret_sealed},
                     {"totp_pending_sealed", s.totp_pending_sealed},
                     {"totp_last_step", s.totp_last_step},
                     {"version", s.version}};
  nlohmann::json devices = nlohmann::json::object();
  for (const auto& [key, device] : s.devices) devices[key] = DeviceJson(device);
  j["devices"] = std::move(devices);
  if (s.pending_code) {
    j["pending_code"] = {{"purpose", s.pending_code->purpose},
                         {"attribute", s.pending_code->attribute},
                         {"hash", s.pending_code->hash},
                         {"expires_at_ms", s.pending_code->expires_at_ms}};
  }
}

void from_json(const nlohmann::json& j, UserState& s) {
  s = UserState{};
  s.exists = true;
  s.pool_id = j.value("pool_id", "");
  s.sub = j.value("sub", "");
  s.username = j.value("username", "");
  s.status = j.value("status", "");
  s.enabled = j.value("enabled", true);
  s.attributes = j.value("attributes", std::map<std::string, std::string>{});
  s.password_hash = j.value("password_hash", "");
  s.srp_salt = j.value("srp_salt", "");
  s.srp_verifier_sealed = j.value("srp_verifier_sealed", "");
  s.temporary_password_expires_at_ms = j.value("temporary_password_expires_at_ms", int64_t{0});
  s.login_keys = j.value("login_keys", std::vector<std::string>{});
  s.unverified_attributes = j.value("unverified_attributes", std::map<std::string, std::string>{});
  s.groups = j.value("groups", std::map<std::string, std::string>{});
  s.created_at_ms = j.value("created_at_ms", int64_t{0});
  s.modified_at_ms = j.value("modified_at_ms", int64_t{0});
  s.signed_out_version = j.value("signed_out_version", uint64_t{0});
  s.version = j.value("version", uint64_t{0});
  s.failed_sign_ins = j.value("failed_sign_ins", 0);
  s.last_failed_sign_in_ms = j.value("last_failed_sign_in_ms", int64_t{0});
  s.locked_until_ms = j.value("locked_until_ms", int64_t{0});
  s.sms_mfa_enabled = j.value("sms_mfa_enabled", false);
  s.software_token_mfa_enabled = j.value("software_token_mfa_enabled", false);
  s.preferred_mfa = j.value("preferred_mfa", "");
  s.totp_secret_sealed = j.value("totp_secret_sealed", "");
  s.totp_pending_sealed = j.value("totp_pending_sealed", "");
  s.totp_last_step = j.value("totp_last_step", int64_t{0});
  if (auto it = j.find("devices"); it != j.end() && it->is_object()) {
    for (const auto& [key, device] : it->items()) s.devices[key] = DeviceFromJson(device);
  }
  if (auto it = j.find("pending_code"); it != j.end()) {
    s.pending_code = PendingCode{it->value("purpose", ""), it->value("attribute", ""),
                                 it->value("hash", ""), it->value("expires_at_ms", int64_t{0})};
  }
}

std::string UserStateJson(const UserState& s) {
  std::string out;
  out.reserve(1024);
  // The keys of to_json, in the byte order dump() writes them in.
  json_text::ObjectText user(out);
  user.StringMap("attributes", s.attributes).Int("created_at_ms", s.created_at_ms);
  {
    json_text::ObjectText devices(user.Key("devices"));
    for (const auto& [key, d] : s.devices) {
      json_text::ObjectText device(devices.Key(key));
      device.Bool("confirmed", d.confirmed)
          .Int("created_at_ms", d.created_at_ms)
          .String("group_key", d.group_key)
          .String("key", d.key)
          .Int("last_authenticated_at_ms", d.last_authenticated_at_ms)
          .Int("modified_at_ms", d.modified_at_ms)
          .String("name", d.name)
          .String("srp_salt", d.srp_salt)
          .String("srp_verifier_sealed", d.srp_verifier_sealed)
          .String("status", d.status);
      devices.Check(device.Close());
    }
    user.Check(devices.Close());
  }
  user.Bool("enabled", s.enabled)
      .Int("failed_sign_ins", s.failed_sign_ins)
      .StringMap("groups", s.groups)
      .Int("last_failed_sign_in_ms", s.last_failed_sign_in_ms)
      .Int("locked_until_ms", s.locked_until_ms);
  {
    std::string& keys = user.Key("login_keys");
    keys.push_back('[');
    bool valid = true;
    for (size_t i = 0; i < s.login_keys.size(); ++i) {
      if (i > 0) keys.push_back(',');
      valid = json_text::AppendString(keys, s.login_keys[i]) && valid;
    }
    keys.push_back(']');
    user.Check(valid);
  }
  user.Int("modified_at_ms", s.modified_at_ms).String("password_hash", s.password_hash);
  if (s.pending_code) {
    json_text::ObjectText code(user.Key("pending_code"));
    code.String("attribute", s.pending_code->attribute)
        .Int("expires_at_ms", s.pending_code->expires_at_ms)
        .String("hash", s.pending_code->hash)
        .String("purpose", s.pending_code->purpose);
    user.Check(code.Close());
  }
  user.String("pool_id", s.pool_id)
      .String("preferred_mfa", s.preferred_mfa)
      .Uint("signed_out_version", s.signed_out_version)
      .Bool("sms_mfa_enabled", s.sms_mfa_enabled)
      .Bool("software_token_mfa_enabled", s.software_token_mfa_enabled)
      .String("srp_salt", s.srp_salt)
      .String("srp_verifier_sealed", s.srp_verifier_sealed)
      .String("status", s.status)
      .String("sub", s.sub)
      .Int("temporary_password_expires_at_ms", s.temporary_password_expires_at_ms)
      .Int("totp_last_step", s.totp_last_step)
      .String("totp_pending_sealed", s.totp_pending_sealed)
      .String("totp_secret_sealed", s.totp_secret_sealed)
      .StringMap("unverified_attributes", s.unverified_attributes)
      .String("username", s.username)
      .Uint("version", s.version);
  if (!user.Close()) return nlohmann::json(s).dump();  // not UTF-8: throws, as it always did
  return out;
}

}  // namespace cognate
