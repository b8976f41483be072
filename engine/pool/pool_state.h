// PoolState and ClientState: a user pool and an app client, folded from "pool/<id>" and
// "client/<id>". Their Cognito-shaped settings are kept as the normalised JSON document the
// caller configured (so Describe* echoes exactly what was set), and read through typed
// accessors in pool_settings.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cognate {

// A signing key: the private key DER sealed under the master key, never in the clear.
struct SigningKey {
  std::string kid;
  std::string use;          // "id" or "access"
  std::string sealed_der;   // base64(AES-256-GCM(master key, PKCS#8 DER))
};

struct PoolState {
  bool exists = false;
  bool deleted = false;
  std::string id;
  nlohmann::json config = nlohmann::json::object();  // normalised CreateUserPool fields
  std::vector<SigningKey> keys;        // token signing keys: "id" and "access"
  std::string signing_certificate;     // base64 DER of the SAML signing certificate; "" until issued
  SigningKey certificate_key;          // its private key (use "saml"); empty until issued
  int64_t created_at_ms = 0;
  int64_t modified_at_ms = 0;
  uint64_t version = 0;
};

struct ClientState {
  bool exists = false;
  bool deleted = false;
  std::string id;
  std::string pool_id;
  nlohmann::json config = nlohmann::json::object();  // normalised CreateUserPoolClient fields
  std::string secret_sealed;                         // base64, empty when the client has none
  int64_t created_at_ms = 0;
  int64_t modified_at_ms = 0;
  uint64_t version = 0;
};

struct GroupState {
  bool exists = false;
  bool deleted = false;
  std::string pool_id;
  std::string name;
  std::string uid;  // distinguishes a re-created group from the deleted one of the same name
  nlohmann::json config = nlohmann::json::object();  // Description, Precedence, RoleArn
  int64_t created_at_ms = 0;
  int64_t modified_at_ms = 0;
  uint64_t version = 0;
};

void to_json(nlohmann::json& j, const PoolState& s);
void from_json(const nlohmann::json& j, PoolState& s);
void to_json(nlohmann::json& j, const ClientState& s);
void from_json(const nlohmann::json& j, ClientState& s);
void to_json(nlohmann::json& j, const GroupState& s);
void from_json(const nlohmann::json& j, GroupState& s);

}  // namespace cognate
