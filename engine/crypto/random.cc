#include "engine/crypto/random.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine/crypto/internal/openssl_util.h"

namespace cognate::crypto {
namespace {

void DrawRandom(unsigned char* out, size_t n) {
  while (n > 0) {
    const size_t chunk = std::min<size_t>(n, INT_MAX);
    if (RAND_bytes(out, static_cast<int>(chunk)) != 1) {
      std::fprintf(stderr, "%s\n", internal::OpenSslError("FATAL: RAND_bytes failed").c_str());
      std::abort();
    }
    out += chunk;
    n -= chunk;
  }
}

// Small draws (request ids, UUIDs, codes, nonces) are served from a per-thread buffer refilled a
// few hundred bytes at a time: in OpenSSL 3 every RAND_bytes call pays microseconds of DRBG lookup
// and locking whatever its length, which made a request id a tenth of a small request's cost.
// Bytes are wiped from the buffer as they are handed out. (The process never forks, so no two
// processes can share a buffer's contents.)
class RandomBuffer {
 public:
  static constexpr size_t kMaxDraw = 64;

  ~RandomBuffer() { OPENSSL_cleanse(bytes_, sizeof(bytes_)); }

  void Take(unsigned char* out, size_t n) {
    if (sizeof(bytes_) - used_ < n) {
      DrawRandom(bytes_, sizeof(bytes_));
      used_ = 0;
    }
    std::memcpy(out, bytes_ + used_, n);
    OPENSSL_cleanse(bytes_ + used_, n);
    used_ += n;
  }

 private:
  unsigned char bytes_[512];
  size_t used_ = sizeof(bytes_);
};

void FillRandom(unsigned char* out, size_t n) {
  if (n > RandomBuffer::kMaxDraw) return DrawRandom(out, n);
  thread_local RandomBuffer buffer;
  buffer.Take(out, n);
}

}  // namespace

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  FillRandom(reinterpret_cast<unsigned char*>(out.data()), n);
  return out;
}

std::string RandomString(size_t n, std::string_view alphabet) {
  if (alphabet.empty() || alphabet.size() > 256) {
    std::fprintf(stderr, "FATAL: RandomString needs 1 to 256 alphabet characters\n");
    std::abort();
  }
  const size_t m = alphabet.size();
  // Accept a byte only below the largest multiple of m that fits in a byte, so that `b % m` is
  // uniform. At least half of all byte values are accepted, whatever m is.
  const size_t limit = 256 - 256 % m;
  std::string out;
  out.reserve(n);
  unsigned char buf[64];
  while (out.size() < n) {
    // Draw a little more than needed to absorb rejections without many RAND_bytes calls.
    const size_t want = std::min(sizeof(buf), (n - out.size()) * 2 + 4);
    FillRandom(buf, want);
    for (size_t i = 0; i < want && out.size() < n; ++i) {
      if (buf[i] < limit) out.push_back(alphabet[buf[i] % m]);
    }
  }
  return out;
}

std::string NewUuidV4() {
  unsigned char b[16];
  FillRandom(b, sizeof(b));
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // variant 10xx (RFC 4122)
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0f]);
  }
  return out;
}

std::string RandomDigits(size_t n) { return RandomString(n, "0123456789"); }

}  // namespace cognate::crypto
