// Personal data on an immutable log ("crypto-shredding").
//
// Every user has a personal-data key: 32 random bytes made when the user is created, kept in the
// store's key vault wrapped under a key derived from the server's master key (never in the log),
// and destroyed when the user is deleted. The fields the event catalogue marks personal (email,
// phone, name and other attributes, the username, addresses, what triggers returned) are moved
// out of the event into one AES-256-GCM box under that key:
//
//   "$sealed": {"key": "<key id>", "fields": ["attributes", "$ip", ...], "box": "<base64>"}
//
// Everything else stays readable. Once the key is gone the event still verifies (its bytes never
// change), still counts and still replays; only the listed fields read as erased.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/status.h"

namespace cognate::audit {

using json = nlohmann::json;

// The vault key id of a user's personal-data key: the user's stream name.
std::string PersonalKeyId(const std::string& pool_id, const std::string& sub);

// Resolves a key id to the raw 32-byte key; empty optional when it was destroyed (or never was).
using KeyLookup = std::function<std::optional<std::string>(const std::string& key_id)>;

class PersonalDataCipher {
 public:
  // `master_key`: the server's 32-byte master key; the wrapping and hashing keys derive from it.
  explicit PersonalDataCipher(std::string_view master_key);

  // A fresh random personal-data key.
  static std::string NewKey();

  // The vault value of a key (sealed under the wrapping key, bound to its id), and back.
  std::string WrapKey(const std::string& key_id, std::string_view key) const;
  Result<std::string> UnwrapKey(const std::string& key_id, std::string_view wrapped) const;

  // Moves the personal fields of `data` (an event of `type`) into "$sealed" under `key`.
  // Nothing to seal leaves `data` as it was.
  static void Seal(std::string_view type, json& data, const std::string& key_id, std::string_view key);

  // A keyed hash of a username nobody holds, for refusals: lets `audit --user` find attempts
  // against a name without the log keeping the name.
  std::string UsernameHmac(const std::string& pool_id, const std::string& username) const;

 private:
  std::string wrapping_key_;
  std::string hashing_key_;
};

// Puts the sealed fields of `data` back. When the key is gone the fields are left out and their
// names returned; kDataLoss when the box does not open under a key that exists (tampering).
Result<std::vector<std::string>> OpenSealed(std::string_view type, json& data, const KeyLookup& keys);

// The key id an event's personal fields are sealed under; empty if none.
std::string SealedKeyId(const json& data);

}  // namespace cognate::audit
