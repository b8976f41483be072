#include "storage/keys.h"

namespace cognate::storage {

std::string EncodeBigEndian64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

std::optional<uint64_t> DecodeBigEndian64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<uint8_t>(c);
  return value;
}

std::string StreamIndexKey(std::string_view stream, uint64_t version) {
  std::string key;
  key.reserve(stream.size() + 9);
  AssignStreamIndexKey(&key, stream, version);
  return key;
}

void AssignStreamIndexKey(std::string* out, std::string_view stream, uint64_t version) {
  out->assign(stream);
  out->push_back('\0');
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((version >> shift) & 0xff));
  }
}

std::string StreamIndexPrefix(std::string_view stream) {
  std::string key;
  key.reserve(stream.size() + 9);
  key.append(stream);
  key.push_back('\0');
  return key;
}

std::string RowKey(std::string_view table, std::string_view key) {
  std::string out;
  out.reserve(table.size() + 1 + key.size());
  AssignRowKey(&out, table, key);
  return out;
}

void AssignRowKey(std::string* out, std::string_view table, std::string_view key) {
  out->assign(table);
  out->push_back('\0');
  out->append(key);
}

bool IsValidName(std::string_view name) {
  return !name.empty() && name.find('\0') == std::string_view::npos;
}

}  // namespace cognate::storage
