#include "engine/audit/personal_data.h"

#include "engine/audit/event_catalog.h"
#include "engine/crypto/aead.h"
#include "engine/crypto/encoding.h"
#include "engine/crypto/hash.h"
#include "engine/crypto/random.h"
#include "engine/json/fast_parse.h"

namespace cognate::audit {
namespace {

std::string BoxAad(const std::string& key_id, std::string_view type) {
  std::string aad = key_id;
  aad += '\n';
  aad += type;
  return aad;
}

}  // namespace

std::string PersonalKeyId(const std::string& pool_id, const std::string& sub) {
  return "user/" + pool_id + "/" + sub;
}

PersonalDataCipher::PersonalDataCipher(std::string_view master_key)
    : wrapping_key_(crypto::HmacSha256(master_key, "cognate/personal-data/wrap")),
      hashing_key_(crypto::HmacSha256(master_key, "cognate/personal-data/hash")) {}

std::string PersonalDataCipher::NewKey() { return crypto::RandomBytes(crypto::kAeadKeySize); }

std::string PersonalDataCipher::WrapKey(const std::string& key_id, std::string_view key) const {
  return crypto::Seal(wrapping_key_, key, "vault/" + key_id);
}

Result<std::string> PersonalDataCipher::UnwrapKey(const std::string& key_id, std::string_view wrapped) const {
  auto key = crypto::Open(wrapping_key_, wrapped, "vault/" + key_id);
  if (!key.ok()) return DataLossError("the vault entry of " + key_id + " does not open under this master key");
  if (key->size() != crypto::kAeadKeySize) return DataLossError("the vault entry of " + key_id + " is not a key");
  return key;
}

void PersonalDataCipher::Seal(std::string_view type, json& data, const std::string& key_id, std::string_view key) {
  if (!data.is_object()) return;
  json fields = json::array();
  json plain = json::object();
  for (auto it = data.begin(); it != data.end();) {
    if (IsPersonalField(type, it.key())) {
      fields.push_back(it.key());
      plain[it.key()] = std::move(it.value());
      it = data.erase(it);
    } else {
      ++it;
    }
  }
  if (fields.empty()) return;
  const std::string box = crypto::Seal(key, plain.dump(), BoxAad(key_id, type));
  data[kSealedField] = {{"key", key_id}, {"fields", fields}, {"box", crypto::Base64Encode(box)}};
}

std::string PersonalDataCipher::UsernameHmac(const std::string& pool_id, const std::string& username) const {
  return crypto::HexEncode(crypto::HmacSha256(hashing_key_, pool_id + "/" + username));
}

std::string SealedKeyId(const json& data) {
  if (!data.is_object()) return "";
  auto it = data.find(kSealedField);
  if (it == data.end() || !it->is_object()) return "";
  return it->value("key", "");
}

Result<std::vector<std::string>> OpenSealed(std::string_view type, json& data, const KeyLookup& keys) {
  std::vector<std::string> erased;
  if (!data.is_object()) return erased;
  auto it = data.find(kSealedField);
  if (it == data.end()) return erased;
  json sealed = std::move(*it);
  data.erase(it);
  if (!sealed.is_object() || !sealed.contains("fields") || !sealed["fields"].is_array()) {
    return DataLossError("malformed sealed fields");
  }
  const std::string key_id = sealed.value("key", "");
  std::optional<std::string> key = keys ? keys(key_id) : std::nullopt;
  if (!key) {
    for (const auto& f : sealed["fields"]) {
      if (f.is_string()) erased.push_back(f.get<std::string>());
    }
    return erased;
  }
  auto box = crypto::Base64Decode(sealed.value("box", ""));
  if (!box.ok()) return DataLossError("malformed sealed box");
  auto plain = crypto::Open(*key, *box, BoxAad(key_id, type));
  if (!plain.ok()) return DataLossError("sealed fields do not open under " + key_id + " (altered event)");
  json fields = json_parse::ParseOrDiscarded(*plain);
  if (!fields.is_object()) return DataLossError("sealed fields are not an object");
  for (auto& [name, value] : fields.items()) data[name] = std::move(value);
  return erased;
}

}  // namespace cognate::audit
