#include "engine/user/user_state.h"

namespace cognate {

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
                     {"groups", s.groups},
                     {"created_at_ms", s.created_at_ms},
                     {"modified_at_ms", s.modified_at_ms},
                     {"signed_out_version", s.signed_out_version},
                     {"version", s.version}};
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
  s.groups = j.value("groups", std::map<std::string, std::string>{});
  s.created_at_ms = j.value("created_at_ms", int64_t{0});
  s.modified_at_ms = j.value("modified_at_ms", int64_t{0});
  s.signed_out_version = j.value("signed_out_version", uint64_t{0});
  s.version = j.value("version", uint64_t{0});
  if (auto it = j.find("pending_code"); it != j.end()) {
    s.pending_code = PendingCode{it->value("purpose", ""), it->value("attribute", ""),
                                 it->value("hash", ""), it->value("expires_at_ms", int64_t{0})};
  }
}

}  // namespace cognate
