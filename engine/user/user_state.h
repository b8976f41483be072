// UserState: one user of one pool, folded from the user's stream "user/<poolId>/<sub>".
//
// Invariants (enforced by the decider, never by Evolve): the internal username and sub never
// change; `login_keys` are the uniqueness claims the user holds (username, and email/phone/
// preferred_username where the pool signs in with them); codes are stored only as keyed hashes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cognate {

// A one-time code awaiting use (sign-up confirmation, ...): only its keyed hash is kept.
struct PendingCode {
  std::string purpose;    // "signup", "forgot_password"
  std::string attribute;  // the attribute the code was sent to (email, phone_number), if any
  std::string hash;       // hex HMAC of the code under the pool's code key
  int64_t expires_at_ms = 0;
};

// A device the user signed in from, with tracking on (DeviceConfiguration).
struct DeviceState {
  std::string key;              // "<region>_<uuid>"
  std::string group_key;        // the DeviceGroupKey its SRP verifier was made with
  std::string name;             // DeviceName from ConfirmDevice, or the user agent
  std::string status;           // "remembered" or "not_remembered"
  bool confirmed = false;       // ConfirmDevice gave it a verifier
  std::string srp_salt;         // hex
  std::string srp_verifier_sealed;
  int64_t created_at_ms = 0;
  int64_t modified_at_ms = 0;
  int64_t last_authenticated_at_ms = 0;
};

struct UserState {
  bool exists = false;
  bool deleted = false;
  std::string pool_id;
  std::string sub;
  std::string username;  // internal username (= sub in pools that sign in with email/phone)
  std::string status;    // UNCONFIRMED, CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED
  bool enabled = true;
  std::map<std::string, std::string> attributes;  // includes "sub"; *_verified as "true"/"false"
  std::string password_hash;                      // PHC string (Argon2id)
  std::string srp_salt;                           // hex
  std::string srp_verifier_sealed;                // base64, AES-GCM under the master key
  int64_t temporary_password_expires_at_ms = 0;   // FORCE_CHANGE_PASSWORD only
  std::optional<PendingCode> pending_code;
  std::vector<std::string> login_keys;            // claim keys held
  // New values of attributes the pool verifies before an update: name -> value, kept until the
  // code sent to the new value is confirmed (VerifyUserAttribute).
  std::map<std::string, std::string> unverified_attributes;
  std::map<std::string, std::string> groups;      // group name -> group uid at time of joining
  int64_t created_at_ms = 0;
  int64_t modified_at_ms = 0;
  uint64_t signed_out_version = 0;                // tokens from sign-ins before this version are revoked
  int failed_sign_ins = 0;                        // consecutive failed sign-ins (lockout)
  int64_t last_failed_sign_in_ms = 0;
  int64_t locked_until_ms = 0;                    // sign-ins are refused until then
  // MFA: the methods the user enabled, and the authenticator app's secret once verified.
  bool sms_mfa_enabled = false;
  bool software_token_mfa_enabled = false;
  std::string preferred_mfa;                      // "SMS_MFA", "SOFTWARE_TOKEN_MFA" or ""
  std::string totp_secret_sealed;                 // verified secret, sealed under the master key
  std::string totp_pending_sealed;                // associated, awaiting VerifySoftwareToken
  int64_t totp_last_step = 0;                     // a time step's code signs in once
  std::map<std::string, DeviceState> devices;     // device key -> device
  uint64_t version = 0;                           // stream version this state reflects
};

void to_json(nlohmann::json& j, const UserState& s);
void from_json(const nlohmann::json& j, UserState& s);

// nlohmann::json(s).dump(), byte for byte, written without building the value first (the row of a
// user is written on every change of the user). Throws as dump() does on text that is not UTF-8.
std::string UserStateJson(const UserState& s);

}  // namespace cognate
