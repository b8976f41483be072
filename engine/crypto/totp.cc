#include "engine/crypto/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cassert>
#include <climits>
#include <cstdio>
#include <cstdlib>

#include "engine/crypto/hash.h"
#include "engine/crypto/internal/openssl_util.h"

namespace cognate::crypto {
namespace {

constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr size_t kSha1Size = 20;

// The 5-bit value of a base32 symbol (either case), or -1.
int Base32Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

// HMAC-SHA1 cannot fail short of memory exhaustion inside OpenSSL; a code computed from a
// failed MAC must never be compared, so that is fatal.
std::array<unsigned char, kSha1Size> HmacSha1(std::string_view key, const unsigned char* msg,
                                              size_t msg_len) {
  std::array<unsigned char, kSha1Size> out{};
  unsigned int len = 0;
  // HMAC() treats a null key as "reuse the previous key"; always pass a real pointer.
  static const unsigned char kEmpty = 0;
  const unsigned char* key_ptr = key.empty() ? &kEmpty : internal::Bytes(key);
  if (key.size() > INT_MAX ||
      HMAC(EVP_sha1(), key_ptr, static_cast<int>(key.size()), msg, msg_len, out.data(), &len) ==
          nullptr ||
      len != kSha1Size) {
    std::fprintf(stderr, "%s\n", internal::OpenSslError("FATAL: HMAC-SHA1 failed").c_str());
    std::abort();
  }
  return out;
}

// RFC 4226 §5.3: HMAC-SHA1 of the 8-byte big-endian counter, dynamic truncation to 31 bits,
// reduced to `digits` decimal digits with leading zeros.
std::string HotpCode(std::string_view key, uint64_t counter, int digits) {
  std::array<unsigned char, 8> msg{};
  for (size_t i = 0; i < msg.size(); ++i) {
    msg[msg.size() - 1 - i] = static_cast<unsigned char>(counter >> (8 * i));
  }
  const std::array<unsigned char, kSha1Size> mac = HmacSha1(key, msg.data(), msg.size());
  const size_t offset = mac[kSha1Size - 1] & 0x0f;
  uint32_t value = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                   (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                   (static_cast<uint32_t>(mac[offset + 2]) << 8) |
                   static_cast<uint32_t>(mac[offset + 3]);
  std::string code(static_cast<size_t>(digits), '0');
  for (size_t i = code.size(); i > 0; --i) {
    code[i - 1] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return code;
}

// floor(unix_seconds / period), never below 0.
int64_t TimeStep(int64_t unix_seconds, int period) {
  if (unix_seconds <= 0) return 0;
  return unix_seconds / period;
}

}  // namespace

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (const char c : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kBase32Alphabet[(buffer >> bits) & 0x1f]);
    }
    buffer &= (1u << bits) - 1;
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

Result<std::string> Base32Decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 5 / 8);
  uint32_t buffer = 0;
  int bits = 0;
  size_t symbols = 0;
  for (const char c : text) {
    if (c == '=' || c == ' ') continue;
    const int value = Base32Value(c);
    if (value < 0) return InvalidArgumentError("invalid base32 character");
    ++symbols;
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
      buffer &= (1u << bits) - 1;
    }
  }
  // 8 symbols carry 5 bytes; 2, 4, 5 and 7 leftover symbols carry 1 to 4 more. 1, 3 and 6 carry
  // a partial byte that no encoder writes.
  const size_t rest = symbols % 8;
  if (rest == 1 || rest == 3 || rest == 6) return InvalidArgumentError("invalid base32 length");
  return out;
}

std::string TotpCode(std::string_view key, int64_t unix_seconds, int digits, int period) {
  assert(digits >= 1 && digits <= 9);
  assert(period >= 1);
  return HotpCode(key, static_cast<uint64_t>(TimeStep(unix_seconds, period)), digits);
}

std::optional<int64_t> TotpMatch(std::string_view key, std::string_view code, int64_t unix_seconds,
                                 int window, int digits, int period) {
  assert(digits >= 1 && digits <= 9);
  assert(period >= 1);
  assert(window >= 0);
  const int64_t now = TimeStep(unix_seconds, period);
  std::optional<int64_t> match;
  // Nearest step first (t, t-1, t+1, t-2, ...); no early exit, so the time taken does not say
  // which step matched.
  for (int distance = 0; distance <= window; ++distance) {
    const int64_t candidates[2] = {now - distance, now + distance};
    const int count = distance == 0 ? 1 : 2;
    for (int i = 0; i < count; ++i) {
      const int64_t step = candidates[i];
      if (step < 0) continue;
      const bool equal =
          ConstantTimeEquals(HotpCode(key, static_cast<uint64_t>(step), digits), code);
      if (equal && !match) match = step;
    }
  }
  return match;
}

}  // namespace cognate::crypto
