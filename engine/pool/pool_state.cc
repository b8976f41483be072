#include "engine/pool/pool_state.h"

namespace cognate {

using json = nlohmann::json;

void to_json(json& j, const PoolState& s) {
  json keys = json::array();
  for (const auto& k : s.keys) {
    keys.push_back({{"kid", k.kid}, {"use", k.use}, {"sealed_der", k.sealed_der}});
  }
  j = json{{"id", s.id},           {"config", s.config},
           {"keys", keys},         {"created_at_ms", s.created_at_ms},
           {"modified_at_ms", s.modified_at_ms}, {"version", s.version}};
  // Only pools that have one carry a certificate, so the rows of the others stay as they were.
  if (!s.signing_certificate.empty()) {
    j["signing_certificate"] = s.signing_certificate;
    j["certificate_key"] = {{"kid", s.certificate_key.kid},
                            {"use", s.certificate_key.use},
                            {"sealed_der", s.certificate_key.sealed_der}};
  }
}

void from_json(const json& j, PoolState& s) {
  s = PoolState{};
  s.exists = true;
  s.id = j.value("id", "");
  s.config = j.value("config", json::object());
  for (const auto& k : j.value("keys", json::array())) {
    s.keys.push_back(SigningKey{k.value("kid", ""), k.value("use", ""), k.value("sealed_der", "")});
  }
  s.signing_certificate = j.value("signing_certificate", "");
  if (auto k = j.find("certificate_key"); k != j.end() && k->is_object()) {
    s.certificate_key = SigningKey{k->value("kid", ""), k->value("use", ""), k->value("sealed_der", "")};
  }
  s.created_at_ms = j.value("created_at_ms", int64_t{0});
  s.modified_at_ms = j.value("modified_at_ms", int64_t{0});
  s.version = j.value("version", uint64_t{0});
}

void to_json(json& j, const ClientState& s) {
  j = json{{"id", s.id},
           {"pool_id", s.pool_id},
           {"config", s.config},
           {"secret_sealed", s.secret_sealed},
           {"created_at_ms", s.created_at_ms},
           {"modified_at_ms", s.modified_at_ms},
           {"version", s.version}};
}

void from_json(const json& j, ClientState& s) {
  s = ClientState{};
  s.exists = true;
  s.id = j.value("id", "");
  s.pool_id = j.value("pool_id", "");
  s.config = j.value("config", json::object());
  s.secret_sealed = j.value("secret_sealed", "");
  s.created_at_ms = j.value("created_at_ms", int64_t{0});
  s.modified_at_ms = j.value("modified_at_ms", int64_t{0});
  s.version = j.value("version", uint64_t{0});
}

void to_json(json& j, const GroupState& s) {
  j = json{{"pool_id", s.pool_id},
           {"name", s.name},
           {"uid", s.uid},
           {"config", s.config},
           {"created_at_ms", s.created_at_ms},
           {"modified_at_ms", s.modified_at_ms},
           {"version", s.version}};
}

void from_json(const json& j, GroupState& s) {
  s = GroupState{};
  s.exists = true;
  s.pool_id = j.value("pool_id", "");
  s.name = j.value("name", "");
  s.uid = j.value("uid", "");
  s.config = j.value("config", json::object());
  s.created_at_ms = j.value("created_at_ms", int64_t{0});
  s.modified_at_ms = j.value("modified_at_ms", int64_t{0});
  s.version = j.value("version", uint64_t{0});
}

}  // namespace cognate
