// SRP-6a exactly as Cognito clients compute it (checked against amazon-cognito-identity-js
// 6.3.21 by a known-answer test in tests/crypto/srp_test.cc): the 3072-bit RFC 3526 group,
// g = 2, H = SHA-256, k = H(padHex(N) ‖ padHex(g)) with g NOT padded to |N|,
// x = H(padHex(salt) ‖ SHA-256(poolName ‖ userIdForSrp ‖ ":" ‖ password)), the
// "Caldera Derived Key" HKDF step and the PASSWORD_CLAIM_SIGNATURE.
// See shared/reference/cognito-wire.md §4.3.
//
// Representation: integers (salt, verifier, b, B, a) travel as big-endian byte strings; inputs
// may carry leading zero bytes (padHex's 0x00 included), since every input is read as an
// unsigned integer. Values that come from or go to the wire are hex strings, as the clients send
// them (SRP_A, SRP_B, SALT). All functions are pure (apart from drawing random numbers) and
// thread-safe. Secret exponents are used with OpenSSL's constant-time modular exponentiation.
#pragma once

#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace cognate::crypto {

inline constexpr size_t kSrpModulusSize = 384;  // bytes of N (3072 bits)
inline constexpr size_t kSrpSessionKeySize = 16;

// N as kSrpModulusSize big-endian bytes.
const std::string& SrpModulus();

// The multiplier k = SHA-256(0x00 ‖ N ‖ 0x02) as 32 bytes (its integer value is big-endian).
const std::string& SrpMultiplier();

// Hex helpers for wire values. SrpToHex is BigInteger.toString(16): lowercase, no leading
// zeros ("0" for zero). SrpPadHex is the clients' padHex: even length, plus a leading "00" when
// the first digit is 8-f. Both read `big_endian` as an unsigned integer.
std::string SrpToHex(std::string_view big_endian);
std::string SrpPadHex(std::string_view big_endian);

// ---- Verifiers (sign-up, password change, USER_PASSWORD_AUTH) ----

// v = g^x mod N as kSrpModulusSize big-endian bytes. `pool_name` is the pool id after '_' (or
// the DeviceGroupKey for device SRP); `salt` is the raw salt (16 random bytes for users). Send
// SALT = SrpPadHex(salt) with the challenge.
std::string ComputeSrpVerifier(std::string_view pool_name, std::string_view user_id_for_srp,
                               std::string_view password, std::string_view salt);

// True iff `password` reproduces `verifier` (any big-endian encoding of v). Constant-time in the
// comparison.
bool CheckPasswordAgainstVerifier(std::string_view pool_name, std::string_view user_id_for_srp,
                                  std::string_view password, std::string_view salt,
                                  std::string_view verifier);

// ---- Server side of USER_SRP_AUTH / DEVICE_SRP_AUTH ----

struct SrpServerEphemeral {
  std::string secret_b;  // b: secret exponent, 32 random bytes; keep server-side or sealed
  std::string public_b;  // B: kSrpModulusSize bytes; send SRP_B = SrpToHex(public_b)
};

// Picks b and computes B = (k·v + g^b) mod N, never 0.
// Errors: kInvalidArgument if `verifier` is not in [1, N).
Result<SrpServerEphemeral> SrpServerStart(std::string_view verifier);

// SrpServerStart with a given b instead of a random one, for known-answer tests.
// Errors: kInvalidArgument as for SrpServerStart, or if b is 0 or longer than 768 bytes, or
// B comes out 0.
Result<SrpServerEphemeral> SrpServerStartWithSecret(std::string_view verifier,
                                                    std::string_view secret_b);

// The 16-byte session key K, from the client's SRP_A (hex, any case, leading zeros allowed) and
// the server's saved b, B and v (as returned by SrpServerStart and ComputeSrpVerifier): u =
// H(padHex(A) ‖ padHex(B)), S = (A·v^u)^b mod N, K = HKDF(ikm = padHex(S), salt = padHex(u), info =
// "Caldera Derived Key")[0..16). Errors: kInvalidArgument if a_hex is not hex, A is 0 mod N or not
// below N, u is 0, or b, B or v are out of range.
Result<std::string> SrpServerSessionKey(std::string_view a_hex, std::string_view secret_b,
                                        std::string_view public_b, std::string_view verifier);

// PASSWORD_CLAIM_SIGNATURE = base64(HMAC-SHA256(K, pool_name ‖ user_id_for_srp ‖ secret_block ‖
// timestamp)), where `secret_block` is the base64-DECODED SECRET_BLOCK and `timestamp` is the
// TIMESTAMP string exactly as the client sent it.
std::string SrpPasswordClaimSignature(std::string_view session_key, std::string_view pool_name,
                                      std::string_view user_id_for_srp,
                                      std::string_view secret_block, std::string_view timestamp);

// True iff `claimed_signature` (base64, as received) equals SrpPasswordClaimSignature(...).
// Compares the decoded MACs in constant time; malformed base64 gives false.
bool CheckSrpPasswordClaimSignature(std::string_view session_key, std::string_view pool_name,
                                    std::string_view user_id_for_srp, std::string_view secret_block,
                                    std::string_view timestamp, std::string_view claimed_signature);

// The server's whole check of a PASSWORD_VERIFIER (or DEVICE_PASSWORD_VERIFIER) answer: K from
// the client's SRP_A, the saved `secret_b` and `public_b` (B as SrpServerStart returned it, kept
// with b where the client cannot alter it; empty: computed again from `verifier` and b, one more
// exponentiation), then the signature over the base64 `secret_block` as sent and `timestamp`.
// False for any malformed or out-of-range input.
bool VerifySrpPasswordClaim(std::string_view verifier, std::string_view secret_b,
                            std::string_view public_b, std::string_view a_hex,
                            std::string_view pool_name, std::string_view user_id_for_srp,
                            std::string_view secret_block_b64, std::string_view timestamp,
                            std::string_view claimed_signature);

// ---- TIMESTAMP ----

// "Tue Jan 7 09:05:03 UTC 2025": UTC, English names, day of month not zero-padded.
std::string FormatSrpTimestamp(std::time_t t);

// Inverse of FormatSrpTimestamp; also accepts a zero-padded day and runs of spaces between
// fields. The weekday name must be valid but is not checked against the date.
// Errors: kInvalidArgument for anything else.
Result<std::time_t> ParseSrpTimestamp(std::string_view text);

// ---- Client side (tests and tools only; mirrors amazon-cognito-identity-js) ----

struct SrpClientEphemeral {
  std::string secret_a;      // a: secret exponent, 128 random bytes
  std::string public_a_hex;  // SRP_A = A.toString(16), A = g^a mod N
};

SrpClientEphemeral SrpClientStart();

// The same with a given a (big-endian bytes), for known-answer tests.
// Precondition: secret_a.size() ≤ 768 (the process aborts otherwise).
SrpClientEphemeral SrpClientStartWithSecret(std::string_view secret_a);

// The client's K from the challenge's SALT and SRP_B (hex): x as in ComputeSrpVerifier,
// u = H(padHex(A) ‖ padHex(B)), S = (B − k·g^x)^(a + u·x) mod N, K as on the server.
// Errors: kInvalidArgument if a hex input is malformed, B is 0 mod N, or u is 0.
Result<std::string> SrpClientSessionKey(std::string_view pool_name,
                                        std::string_view user_id_for_srp, std::string_view password,
                                        std::string_view salt_hex, std::string_view b_hex,
                                        const SrpClientEphemeral& client);

}  // namespace cognate::crypto
