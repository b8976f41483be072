#include "engine/crypto/encoding.h"

#include <array>
#include <cstdint>

namespace cognate::crypto {
namespace {

constexpr std::string_view kStdAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kHexDigits = "0123456789abcdef";

constexpr uint8_t kInvalid = 0xff;

// Reverse lookup table for one alphabet: character → 6-bit value, or kInvalid.
constexpr std::array<uint8_t, 256> MakeDecodeTable(std::string_view alphabet) {
  std::array<uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<uint8_t>(i);
  }
  return table;
}

constexpr std::array<uint8_t, 256> kStdDecode = MakeDecodeTable(kStdAlphabet);
constexpr std::array<uint8_t, 256> kUrlDecode = MakeDecodeTable(kUrlAlphabet);

std::string EncodeWith(std::string_view data, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(data[i])) << 16 |
                 static_cast<uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8 |
                 static_cast<uint32_t>(static_cast<unsigned char>(data[i + 2]));
    out.push_back(alphabet[n >> 18 & 0x3f]);
    out.push_back(alphabet[n >> 12 & 0x3f]);
    out.push_back(alphabet[n >> 6 & 0x3f]);
    out.push_back(alphabet[n & 0x3f]);
  }
  const size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(data[i])) << 16;
    out.push_back(alphabet[n >> 18 & 0x3f]);
    out.push_back(alphabet[n >> 12 & 0x3f]);
    if (pad) out.append("==");
  } else if (rest == 2) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(data[i])) << 16 |
                 static_cast<uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8;
    out.push_back(alphabet[n >> 18 & 0x3f]);
    out.push_back(alphabet[n >> 12 & 0x3f]);
    out.push_back(alphabet[n >> 6 & 0x3f]);
    if (pad) out.push_back('=');
  }
  return out;
}

// Decodes unpadded text (padding already stripped by the caller), four characters (three bytes)
// at a time: tokens and sealed boxes are decoded on every request and every replayed event.
Result<std::string> DecodeUnpadded(std::string_view text, const std::array<uint8_t, 256>& table,
                                   const char* what) {
  const size_t rest = text.size() % 4;  // 0, 2 or 3 characters after the last full quantum
  if (rest == 1) return InvalidArgumentError(std::string(what) + ": bad length");
  const size_t quanta = text.size() / 4;
  std::string out(quanta * 3 + (rest == 0 ? 0 : rest - 1), '\0');
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  char* o = out.data();
  // kInvalid has the high bits set, which no 6-bit value has: one test covers a whole quantum.
  uint32_t invalid = 0;
  for (size_t q = 0; q < quanta; ++q, in += 4) {
    const uint32_t a = table[in[0]], b = table[in[1]], c = table[in[2]], d = table[in[3]];
    invalid |= a | b | c | d;
    const uint32_t n = a << 18 | b << 12 | c << 6 | d;
    *o++ = static_cast<char>(n >> 16 & 0xff);
    *o++ = static_cast<char>(n >> 8 & 0xff);
    *o++ = static_cast<char>(n & 0xff);
  }
  uint32_t trailing = 0;  // the bits past the last whole byte: zero in canonical text
  if (rest == 2) {
    const uint32_t a = table[in[0]], b = table[in[1]];
    invalid |= a | b;
    const uint32_t n = a << 6 | b;  // 12 bits: one byte and 4 spare
    *o = static_cast<char>(n >> 4 & 0xff);
    trailing = n & 0x0f;
  } else if (rest == 3) {
    const uint32_t a = table[in[0]], b = table[in[1]], c = table[in[2]];
    invalid |= a | b | c;
    const uint32_t n = a << 12 | b << 6 | c;  // 18 bits: two bytes and 2 spare
    o[0] = static_cast<char>(n >> 10 & 0xff);
    o[1] = static_cast<char>(n >> 2 & 0xff);
    trailing = n & 0x03;
  }
  if ((invalid & ~uint32_t{0x3f}) != 0) return InvalidArgumentError(std::string(what) + ": invalid character");
  if (trailing != 0) return InvalidArgumentError(std::string(what) + ": non-zero trailing bits");
  return out;
}

// Number of trailing '=' (at most 2 are meaningful; more is rejected by the callers).
size_t CountPadding(std::string_view text) {
  size_t n = 0;
  while (n < text.size() && text[text.size() - 1 - n] == '=') ++n;
  return n;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Base64Encode(std::string_view data) { return EncodeWith(data, kStdAlphabet, true); }

Result<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return InvalidArgumentError("base64: length is not a multiple of 4");
  const size_t padding = CountPadding(text);
  if (padding > 2) return InvalidArgumentError("base64: too much padding");
  return DecodeUnpadded(text.substr(0, text.size() - padding), kStdDecode, "base64");
}

std::string Base64EncodeNoPadding(std::string_view data) {
  return EncodeWith(data, kStdAlphabet, false);
}

Result<std::string> Base64DecodeNoPadding(std::string_view text) {
  return DecodeUnpadded(text, kStdDecode, "base64");  // '=' is not in the table: rejected
}

std::string Base64UrlEncode(std::string_view data) { return EncodeWith(data, kUrlAlphabet, false); }

Result<std::string> Base64UrlDecode(std::string_view text) {
  const size_t padding = CountPadding(text);
  if (padding > 2) return InvalidArgumentError("base64url: too much padding");
  if (padding > 0 && text.size() % 4 != 0) {
    return InvalidArgumentError("base64url: incomplete padding");
  }
  return DecodeUnpadded(text.substr(0, text.size() - padding), kUrlDecode, "base64url");
}

std::string HexEncode(std::string_view data) {
  std::string out;
  out.reserve(data.size() * 2);
  for (char c : data) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0x0f]);
  }
  return out;
}

Result<std::string> HexDecode(std::string_view text) {
  if (text.size() % 2 != 0) return InvalidArgumentError("hex: odd length");
  std::string out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    const int hi = HexValue(text[i]);
    const int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return InvalidArgumentError("hex: invalid character");
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

}  // namespace cognate::crypto
