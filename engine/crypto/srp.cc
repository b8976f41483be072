#include "engine/crypto/srp.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>

#include "engine/crypto/encoding.h"
#include "engine/crypto/hash.h"
#include "engine/crypto/internal/openssl_util.h"
#include "engine/crypto/random.h"

namespace cognate::crypto {
namespace {

using internal::BnCtxPtr;
using internal::BnPtr;
using internal::Bytes;

// RFC 3526 §4, 3072-bit MODP group (also RFC 5054 Appendix A).
constexpr char kModulusHex[] =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404"
    "DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7"
    "ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF"
    "5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE"
    "3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA05"
    "10"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4"
    "C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B20"
    "0C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFF"
    "FF";

constexpr size_t kServerSecretSize = 32;   // b: 256 bits
constexpr size_t kClientSecretSize = 128;  // a: as amazon-cognito-identity-js
// Integers at most this many bytes long (leading zeros included) are accepted as input.
constexpr size_t kMaxIntegerBytes = 2 * kSrpModulusSize;
constexpr std::string_view kDerivedKeyInfo = "Caldera Derived Key";

// BIGNUM arithmetic fails only when OpenSSL cannot allocate memory.
[[noreturn]] void FatalSrp(const char* what) { internal::Fatal(std::string("SRP: ") + what); }

void Check(int rc, const char* what) {
  if (rc != 1) FatalSrp(what);
}

BnPtr NewBn() {
  BnPtr bn(BN_new());
  if (!bn) FatalSrp("BN_new");
  return bn;
}

BnCtxPtr NewCtx() {
  BnCtxPtr ctx(BN_CTX_secure_new());
  if (!ctx) FatalSrp("BN_CTX_new");
  return ctx;
}

// Precondition: bytes.size() ≤ INT_MAX (callers bound their inputs well below that).
BnPtr BnFromBytes(std::string_view bytes) {
  if (bytes.size() > INT_MAX) FatalSrp("integer too long");
  BnPtr bn(BN_bin2bn(Bytes(bytes), static_cast<int>(bytes.size()), nullptr));
  if (!bn) FatalSrp("BN_bin2bn");
  return bn;
}

void MarkSecret(BIGNUM* bn) { BN_set_flags(bn, BN_FLG_CONSTTIME); }

std::string MinimalBytes(const BIGNUM* x) {
  std::string out(static_cast<size_t>(BN_num_bytes(x)), '\0');
  BN_bn2bin(x, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string FixedBytes(const BIGNUM* x) {
  std::string out(kSrpModulusSize, '\0');
  if (BN_bn2binpad(x, reinterpret_cast<unsigned char*>(out.data()),
                   static_cast<int>(kSrpModulusSize)) < 0) {
    FatalSrp("value wider than N");
  }
  return out;
}

// The bytes of the clients' padHex(x): minimal big-endian, with a 0x00 in front when the top bit
// is set (and a single 0x00 for zero).
std::string PadHexBytes(const BIGNUM* x) {
  if (BN_is_zero(x)) return std::string(1, '\0');
  std::string out = MinimalBytes(x);
  if ((static_cast<unsigned char>(out[0]) & 0x80) != 0) out.insert(out.begin(), '\0');
  return out;
}

BnPtr HashToBn(std::string_view bytes) { return BnFromBytes(Sha256(bytes)); }

struct Group {
  BnPtr n;
  BnPtr g;
  BnPtr k;
  std::string n_bytes;
  std::string k_bytes;
};

Group MakeGroup() {
  Group group;
  BIGNUM* n = nullptr;
  if (BN_hex2bn(&n, kModulusHex) != static_cast<int>(sizeof(kModulusHex) - 1)) FatalSrp("bad N");
  group.n.reset(n);
  group.g = NewBn();
  Check(BN_set_word(group.g.get(), 2), "BN_set_word");
  group.n_bytes = FixedBytes(group.n.get());
  // k = H(padHex(N) ‖ padHex(g)): g is not padded to the width of N.
  group.k_bytes = Sha256(PadHexBytes(group.n.get()) + PadHexBytes(group.g.get()));
  group.k = BnFromBytes(group.k_bytes);
  return group;
}

// Immutable after initialisation; BIGNUM inputs are read-only, so sharing it is thread-safe.
const Group& GetGroup() {
  static const Group group = MakeGroup();
  return group;
}

BnPtr ModExp(const BIGNUM* base, const BIGNUM* exponent, BN_CTX* ctx) {
  BnPtr r = NewBn();
  Check(BN_mod_exp(r.get(), base, exponent, GetGroup().n.get(), ctx), "BN_mod_exp");
  return r;
}

BnPtr ModMul(const BIGNUM* a, const BIGNUM* b, BN_CTX* ctx) {
  BnPtr r = NewBn();
  Check(BN_mod_mul(r.get(), a, b, GetGroup().n.get(), ctx), "BN_mod_mul");
  return r;
}

// An integer given as big-endian bytes that must satisfy 0 < x < N.
Result<BnPtr> ParseBelowN(std::string_view bytes, const char* what) {
  if (bytes.size() > kMaxIntegerBytes) return InvalidArgumentError(std::string("SRP: bad ") + what);
  BnPtr x = BnFromBytes(bytes);
  if (BN_is_zero(x.get()) || BN_cmp(x.get(), GetGroup().n.get()) >= 0) {
    return InvalidArgumentError(std::string("SRP: ") + what + " out of range");
  }
  return x;
}

// A non-negative integer in hex as clients send it (any case, leading zeros allowed).
Result<BnPtr> ParseHex(std::string_view hex, const char* what) {
  if (hex.empty() || hex.size() > 2 * kMaxIntegerBytes) {
    return InvalidArgumentError(std::string("SRP: bad ") + what);
  }
  for (char c : hex) {
    const bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!digit) return InvalidArgumentError(std::string("SRP: bad ") + what);
  }
  const std::string text(hex);
  BIGNUM* raw = nullptr;
  if (BN_hex2bn(&raw, text.c_str()) != static_cast<int>(text.size())) {
    BN_free(raw);
    return InvalidArgumentError(std::string("SRP: bad ") + what);
  }
  return BnPtr(raw);
}

// x = H(padHex(salt) ‖ H(pool_name ‖ user_id_for_srp ‖ ":" ‖ password)).
BnPtr ComputeX(std::string_view pool_name, std::string_view user_id_for_srp,
               std::string_view password, const BIGNUM* salt) {
  std::string identity;
  identity.reserve(pool_name.size() + user_id_for_srp.size() + 1 + password.size());
  identity.append(pool_name).append(user_id_for_srp).append(":").append(password);
  std::string inner = Sha256(identity);
  OPENSSL_cleanse(identity.data(), identity.size());
  std::string outer_input = PadHexBytes(salt) + inner;
  BnPtr x = HashToBn(outer_input);
  OPENSSL_cleanse(inner.data(), inner.size());
  OPENSSL_cleanse(outer_input.data(), outer_input.size());
  MarkSecret(x.get());
  return x;
}

BnPtr ComputeVerifier(std::string_view pool_name, std::string_view user_id_for_srp,
                      std::string_view password, std::string_view salt) {
  BnPtr salt_bn = BnFromBytes(salt);
  BnPtr x = ComputeX(pool_name, user_id_for_srp, password, salt_bn.get());
  BnCtxPtr ctx = NewCtx();
  return ModExp(GetGroup().g.get(), x.get(), ctx.get());
}

// u = H(padHex(A) ‖ padHex(B)).
BnPtr ComputeU(const BIGNUM* a_public, const BIGNUM* b_public) {
  return HashToBn(PadHexBytes(a_public) + PadHexBytes(b_public));
}

// One block of HKDF-SHA256: K = HMAC(HMAC(padHex(u), padHex(S)), info ‖ 0x01)[0..16).
std::string DeriveSessionKey(const BIGNUM* u, const BIGNUM* s) {
  std::string ikm = PadHexBytes(s);
  std::string prk = HmacSha256(PadHexBytes(u), ikm);
  std::string info(kDerivedKeyInfo);
  info.push_back('\x01');
  std::string okm = HmacSha256(prk, info);
  std::string key = okm.substr(0, kSrpSessionKeySize);
  OPENSSL_cleanse(ikm.data(), ikm.size());
  OPENSSL_cleanse(prk.data(), prk.size());
  OPENSSL_cleanse(okm.data(), okm.size());
  return key;
}

std::string ClaimMac(std::string_view session_key, std::string_view pool_name,
                     std::string_view user_id_for_srp, std::string_view secret_block,
                     std::string_view timestamp) {
  std::string message;
  message.reserve(pool_name.size() + user_id_for_srp.size() + secret_block.size() +
                  timestamp.size());
  message.append(pool_name).append(user_id_for_srp).append(secret_block).append(timestamp);
  return HmacSha256(session_key, message);
}

}  // namespace

const std::string& SrpModulus() { return GetGroup().n_bytes; }

const std::string& SrpMultiplier() { return GetGroup().k_bytes; }

std::string SrpToHex(std::string_view big_endian) {
  std::string hex = HexEncode(big_endian);
  const size_t first = hex.find_first_not_of('0');
  if (first == std::string::npos) return "0";
  return hex.substr(first);
}

std::string SrpPadHex(std::string_view big_endian) {
  if (big_endian.size() > INT_MAX) FatalSrp("integer too long");
  return HexEncode(PadHexBytes(BnFromBytes(big_endian).get()));
}

std::string ComputeSrpVerifier(std::string_view pool_name, std::string_view user_id_for_srp,
                               std::string_view password, std::string_view salt) {
  return FixedBytes(ComputeVerifier(pool_name, user_id_for_srp, password, salt).get());
}

bool CheckPasswordAgainstVerifier(std::string_view pool_name, std::string_view user_id_for_srp,
                                  std::string_view password, std::string_view salt,
                                  std::string_view verifier) {
  Result<BnPtr> stored = ParseBelowN(verifier, "verifier");
  if (!stored.ok()) return false;
  const std::string expected = FixedBytes(stored->get());
  const std::string actual = ComputeSrpVerifier(pool_name, user_id_for_srp, password, salt);
  return ConstantTimeEquals(expected, actual);
}

Result<SrpServerEphemeral> SrpServerStartWithSecret(std::string_view verifier,
                                                    std::string_view secret_b) {
  Result<BnPtr> v = ParseBelowN(verifier, "verifier");
  if (!v.ok()) return v.status();
  MarkSecret(v->get());
  if (secret_b.size() > kMaxIntegerBytes) return InvalidArgumentError("SRP: bad secret b");
  BnPtr b = BnFromBytes(secret_b);
  if (BN_is_zero(b.get())) return InvalidArgumentError("SRP: secret b is zero");
  MarkSecret(b.get());
  const Group& group = GetGroup();
  BnCtxPtr ctx = NewCtx();
  BnPtr kv = ModMul(group.k.get(), v->get(), ctx.get());
  BnPtr gb = ModExp(group.g.get(), b.get(), ctx.get());
  BnPtr public_b = NewBn();
  Check(BN_mod_add(public_b.get(), kv.get(), gb.get(), group.n.get(), ctx.get()), "BN_mod_add");
  if (BN_is_zero(public_b.get())) return InvalidArgumentError("SRP: B is zero");
  return SrpServerEphemeral{std::string(secret_b), FixedBytes(public_b.get())};
}

Result<SrpServerEphemeral> SrpServerStart(std::string_view verifier) {
  for (;;) {
    const std::string secret = RandomBytes(kServerSecretSize);
    Result<SrpServerEphemeral> started = SrpServerStartWithSecret(verifier, secret);
    // Retry only the astronomically unlikely b = 0 or B = 0; a bad verifier fails every time.
    if (started.ok() || !ParseBelowN(verifier, "verifier").ok()) return started;
  }
}

Result<std::string> SrpServerSessionKey(std::string_view a_hex, std::string_view secret_b,
                                        std::string_view public_b, std::string_view verifier) {
  const Group& group = GetGroup();
  Result<BnPtr> a_public = ParseHex(a_hex, "SRP_A");
  if (!a_public.ok()) return a_public.status();
  // A mod N = 0 would force S = 0; values ≥ N are never produced by real clients.
  if (BN_is_zero(a_public->get()) || BN_cmp(a_public->get(), group.n.get()) >= 0) {
    return InvalidArgumentError("SRP: SRP_A out of range");
  }
  if (secret_b.empty() || secret_b.size() > kMaxIntegerBytes) {
    return InvalidArgumentError("SRP: bad secret b");
  }
  BnPtr b = BnFromBytes(secret_b);
  if (BN_is_zero(b.get())) return InvalidArgumentError("SRP: bad secret b");
  MarkSecret(b.get());
  Result<BnPtr> b_public = ParseBelowN(public_b, "B");
  if (!b_public.ok()) return b_public.status();
  Result<BnPtr> v = ParseBelowN(verifier, "verifier");
  if (!v.ok()) return v.status();
  MarkSecret(v->get());

  BnPtr u = ComputeU(a_public->get(), b_public->get());
  if (BN_is_zero(u.get())) return InvalidArgumentError("SRP: u is zero");
  BnCtxPtr ctx = NewCtx();
  BnPtr vu = ModExp(v->get(), u.get(), ctx.get());
  BnPtr base = ModMul(a_public->get(), vu.get(), ctx.get());
  MarkSecret(base.get());
  BnPtr s = ModExp(base.get(), b.get(), ctx.get());
  return DeriveSessionKey(u.get(), s.get());
}

std::string SrpPasswordClaimSignature(std::string_view session_key, std::string_view pool_name,
                                      std::string_view user_id_for_srp,
                                      std::string_view secret_block, std::string_view timestamp) {
  return Base64Encode(ClaimMac(session_key, pool_name, user_id_for_srp, secret_block, timestamp));
}

bool CheckSrpPasswordClaimSignature(std::string_view session_key, std::string_view pool_name,
                                    std::string_view user_id_for_srp, std::string_view secret_block,
                                    std::string_view timestamp,
                                    std::string_view claimed_signature) {
  Result<std::string> claimed = Base64Decode(claimed_signature);
  if (!claimed.ok()) return false;
  return ConstantTimeEquals(
      *claimed, ClaimMac(session_key, pool_name, user_id_for_srp, secret_block, timestamp));
}

bool VerifySrpPasswordClaim(std::string_view verifier, std::string_view secret_b,
                            std::string_view public_b, std::string_view a_hex,
                            std::string_view pool_name, std::string_view user_id_for_srp,
                            std::string_view secret_block_b64, std::string_view timestamp,
                            std::string_view claimed_signature) {
  std::string recomputed;
  if (public_b.empty()) {
    Result<SrpServerEphemeral> ephemeral = SrpServerStartWithSecret(verifier, secret_b);
    if (!ephemeral.ok()) return false;
    recomputed = std::move(ephemeral->public_b);
    public_b = recomputed;
  }
  Result<std::string> key = SrpServerSessionKey(a_hex, secret_b, public_b, verifier);
  Result<std::string> block = Base64Decode(secret_block_b64);
  if (!key.ok() || !block.ok()) return false;
  return CheckSrpPasswordClaimSignature(*key, pool_name, user_id_for_srp, *block, timestamp, claimed_signature);
}

// ---- TIMESTAMP ----

namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Parses exactly `digits.size()` decimal digits (1 to 4 of them).
bool ParseDigits(std::string_view digits, int& value) {
  if (digits.empty() || digits.size() > 4) return false;
  value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return true;
}

}  // namespace

std::string FormatSrpTimestamp(std::time_t t) {
  using namespace std::chrono;
  const sys_seconds tp{seconds{t}};
  const sys_days midnight = floor<days>(tp);
  const year_month_day ymd{midnight};
  const weekday wd{midnight};
  const hh_mm_ss<seconds> clock_time{tp - midnight};
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s %s %u %02d:%02d:%02d UTC %d",
                std::string(kWeekdays[wd.c_encoding()]).c_str(),
                std::string(kMonths[static_cast<unsigned>(ymd.month()) - 1]).c_str(),
                static_cast<unsigned>(ymd.day()), static_cast<int>(clock_time.hours().count()),
                static_cast<int>(clock_time.minutes().count()),
                static_cast<int>(clock_time.seconds().count()), static_cast<int>(ymd.year()));
  return buf;
}

Result<std::time_t> ParseSrpTimestamp(std::string_view text) {
  // Split on runs of spaces: weekday, month, day, hh:mm:ss, "UTC", year.
  std::array<std::string_view, 6> fields;
  size_t count = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] == ' ') {
      ++pos;
      continue;
    }
    const size_t end = std::min(text.find(' ', pos), text.size());
    if (count == fields.size()) return InvalidArgumentError("SRP: bad TIMESTAMP");
    fields[count++] = text.substr(pos, end - pos);
    pos = end;
  }
  const auto bad = [] { return InvalidArgumentError("SRP: bad TIMESTAMP"); };
  if (count != fields.size() || fields[4] != "UTC") return bad();

  bool weekday_ok = false;
  for (std::string_view name : kWeekdays) weekday_ok = weekday_ok || fields[0] == name;
  if (!weekday_ok) return bad();
  unsigned month = 0;
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (fields[1] == kMonths[i]) month = i + 1;
  }
  if (month == 0) return bad();

  int day = 0;
  int year = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  const std::string_view clock = fields[3];
  if (fields[2].size() > 2 || !ParseDigits(fields[2], day) || fields[5].size() != 4 ||
      !ParseDigits(fields[5], year) || clock.size() != 8 || clock[2] != ':' || clock[5] != ':' ||
      !ParseDigits(clock.substr(0, 2), hour) || !ParseDigits(clock.substr(3, 2), minute) ||
      !ParseDigits(clock.substr(6, 2), second) || hour > 23 || minute > 59 || second > 59) {
    return bad();
  }
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{year}, std::chrono::month{month},
                           std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return bad();
  const sys_seconds tp = sys_days{ymd} + hours{hour} + minutes{minute} + seconds{second};
  return static_cast<std::time_t>(tp.time_since_epoch().count());
}

// ---- Client side ----

SrpClientEphemeral SrpClientStartWithSecret(std::string_view secret_a) {
  if (secret_a.size() > kMaxIntegerBytes) FatalSrp("secret a too long");
  BnPtr a = BnFromBytes(secret_a);
  MarkSecret(a.get());
  BnCtxPtr ctx = NewCtx();
  // N is prime, so g^a mod N is never 0.
  BnPtr a_public = ModExp(GetGroup().g.get(), a.get(), ctx.get());
  return SrpClientEphemeral{std::string(secret_a), SrpToHex(MinimalBytes(a_public.get()))};
}

SrpClientEphemeral SrpClientStart() {
  return SrpClientStartWithSecret(RandomBytes(kClientSecretSize));
}

Result<std::string> SrpClientSessionKey(std::string_view pool_name,
                                        std::string_view user_id_for_srp, std::string_view password,
                                        std::string_view salt_hex, std::string_view b_hex,
                                        const SrpClientEphemeral& client) {
  const Group& group = GetGroup();
  Result<BnPtr> salt = ParseHex(salt_hex, "SALT");
  if (!salt.ok()) return salt.status();
  Result<BnPtr> b_public = ParseHex(b_hex, "SRP_B");
  if (!b_public.ok()) return b_public.status();
  Result<BnPtr> a_public = ParseHex(client.public_a_hex, "SRP_A");
  if (!a_public.ok()) return a_public.status();
  if (client.secret_a.empty() || client.secret_a.size() > kMaxIntegerBytes) {
    return InvalidArgumentError("SRP: bad secret a");
  }
  BnCtxPtr ctx = NewCtx();
  BnPtr b_mod_n = NewBn();
  Check(BN_nnmod(b_mod_n.get(), b_public->get(), group.n.get(), ctx.get()), "BN_nnmod");
  if (BN_is_zero(b_mod_n.get())) return InvalidArgumentError("SRP: B is zero mod N");

  BnPtr u = ComputeU(a_public->get(), b_public->get());
  if (BN_is_zero(u.get())) return InvalidArgumentError("SRP: u is zero");
  BnPtr x = ComputeX(pool_name, user_id_for_srp, password, salt->get());
  BnPtr a = BnFromBytes(client.secret_a);
  MarkSecret(a.get());

  // base = (B − k·g^x) mod N, exponent = a + u·x.
  BnPtr gx = ModExp(group.g.get(), x.get(), ctx.get());
  BnPtr kgx = ModMul(group.k.get(), gx.get(), ctx.get());
  BnPtr base = NewBn();
  Check(BN_mod_sub(base.get(), b_public->get(), kgx.get(), group.n.get(), ctx.get()), "BN_mod_sub");
  MarkSecret(base.get());
  BnPtr ux = NewBn();
  Check(BN_mul(ux.get(), u.get(), x.get(), ctx.get()), "BN_mul");
  BnPtr exponent = NewBn();
  Check(BN_add(exponent.get(), a.get(), ux.get()), "BN_add");
  MarkSecret(exponent.get());
  BnPtr s = ModExp(base.get(), exponent.get(), ctx.get());
  return DeriveSessionKey(u.get(), s.get());
}

}  // namespace cognate::crypto
