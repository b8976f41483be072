#include "engine/crypto/argon2_phc.h"

#include <charconv>

#include "engine/crypto/encoding.h"

namespace cognate::crypto {
namespace {

constexpr std::string_view kPrefix = "$argon2id$";
constexpr size_t kMinSaltSize = 8;  // libargon2's ARGON2_MIN_SALT_LENGTH
constexpr size_t kMinHashSize = 4;  // libargon2's ARGON2_MIN_OUTLEN

// Consumes "<name>=<decimal>" from the front of `s`.
bool ConsumeNumber(std::string_view& s, std::string_view name, uint32_t& value) {
  if (s.size() <= name.size() || s.substr(0, name.size()) != name || s[name.size()] != '=')
    return false;
  s.remove_prefix(name.size() + 1);
  const char* begin = s.data();
  auto [end, ec] = std::from_chars(begin, begin + s.size(), value);
  if (ec != std::errc() || end == begin) return false;
  s.remove_prefix(static_cast<size_t>(end - begin));
  return true;
}

bool ConsumeChar(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

std::string EncodeArgon2idPhc(const Argon2idPhc& phc) {
  std::string text(kPrefix);
  text += "v=" + std::to_string(phc.version);
  text += "$m=" + std::to_string(phc.params.memory_kib);
  text += ",t=" + std::to_string(phc.params.iterations);
  text += ",p=" + std::to_string(phc.params.parallelism);
  text += '$';
  text += Base64EncodeNoPadding(phc.salt);
  text += '$';
  text += Base64EncodeNoPadding(phc.hash);
  return text;
}

Result<Argon2idPhc> DecodeArgon2idPhc(std::string_view text) {
  if (text.substr(0, kPrefix.size()) != kPrefix)
    return InvalidArgumentError("unsupported password hash scheme");
  std::string_view s = text.substr(kPrefix.size());
  Argon2idPhc phc;
  phc.version = 0x10;  // what libargon2 assumes when "v=" is left out
  if (s.substr(0, 2) == "v=" && (!ConsumeNumber(s, "v", phc.version) || !ConsumeChar(s, '$'))) {
    return InvalidArgumentError("argon2id: malformed version");
  }
  if (!ConsumeNumber(s, "m", phc.params.memory_kib) || !ConsumeChar(s, ',') ||
      !ConsumeNumber(s, "t", phc.params.iterations) || !ConsumeChar(s, ',') ||
      !ConsumeNumber(s, "p", phc.params.parallelism) || !ConsumeChar(s, '$')) {
    return InvalidArgumentError("argon2id: malformed parameters");
  }
  const size_t dollar = s.find('$');
  if (dollar == std::string_view::npos)
    return InvalidArgumentError("argon2id: malformed salt or hash");
  Result<std::string> salt = Base64DecodeNoPadding(s.substr(0, dollar));
  Result<std::string> hash = Base64DecodeNoPadding(s.substr(dollar + 1));
  if (!salt.ok() || !hash.ok() || salt->size() < kMinSaltSize || hash->size() < kMinHashSize) {
    return InvalidArgumentError("argon2id: malformed salt or hash");
  }
  phc.salt = std::move(salt).value();
  phc.hash = std::move(hash).value();
  return phc;
}

}  // namespace cognate::crypto
