// SRP-6a, the server's half (engine/crypto/srp.h; engine/service/srp_auth.cc), in the 3072-bit
// group Cognito uses:
//   - BM_SrpComputeVerifier: v = g^x mod N, what SignUp, AdminCreateUser and every password change
//     compute besides the Argon2id hash (PasswordFields in engine/service/tokens.cc);
//   - BM_SrpServerStart: USER_SRP_AUTH's InitiateAuth, b drawn and B = k·v + g^b mod N;
//   - BM_SrpVerifyPasswordClaim: RespondToAuthChallenge PASSWORD_VERIFIER, b and B from the sealed
//     block, u, S = (A·v^u)^b mod N, the session key K and the PASSWORD_CLAIM_SIGNATURE check.
// The client's half (g^a, x and its S) is the caller's work and is not measured.
#include <ctime>
#include <string>

#include <benchmark/benchmark.h>

#include "engine/crypto/encoding.h"
#include "engine/crypto/random.h"
#include "engine/crypto/srp.h"
#include "engine/service/wire.h"

namespace cognate::bench {
namespace {

const std::string kPoolName = wire::SrpPoolName("us-east-1_Bench4Pool");
const std::string kUser = "7c1e4a52-9d1b-4f0e-8a7b-3c2d1e0f9a8b";
constexpr char kSrpPassword[] = "Bench-Passw0rd!";

void BM_SrpComputeVerifier(benchmark::State& state) {
  const std::string salt = crypto::RandomBytes(16);
  for (auto _ : state) {
    std::string verifier = crypto::ComputeSrpVerifier(kPoolName, kUser, kSrpPassword, salt);
    benchmark::DoNotOptimize(verifier);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SrpComputeVerifier)->Unit(benchmark::kMillisecond);

void BM_SrpServerStart(benchmark::State& state) {
  const std::string verifier =
      crypto::ComputeSrpVerifier(kPoolName, kUser, kSrpPassword, crypto::RandomBytes(16));
  for (auto _ : state) {
    auto ephemeral = crypto::SrpServerStart(verifier);
    if (!ephemeral.ok()) {
      state.SkipWithError(ephemeral.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(ephemeral);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SrpServerStart)->Unit(benchmark::kMillisecond);

void BM_SrpVerifyPasswordClaim(benchmark::State& state) {
  // One real exchange: the client's A, the server's b and B, the client's signature.
  const std::string salt = crypto::RandomBytes(16);
  const std::string verifier = crypto::ComputeSrpVerifier(kPoolName, kUser, kSrpPassword, salt);
  const crypto::SrpClientEphemeral client = crypto::SrpClientStart();
  auto server = crypto::SrpServerStart(verifier);
  if (!server.ok()) {
    state.SkipWithError(server.status().ToString().c_str());
    return;
  }
  auto key = crypto::SrpClientSessionKey(kPoolName, kUser, kSrpPassword, crypto::SrpPadHex(salt),
                                         crypto::SrpToHex(server->public_b), client);
  if (!key.ok()) {
    state.SkipWithError(key.status().ToString().c_str());
    return;
  }
  const std::string secret_block = crypto::RandomBytes(330);  // about the size of a sealed block
  const std::string secret_block_b64 = crypto::Base64Encode(secret_block);
  const std::string timestamp = crypto::FormatSrpTimestamp(std::time(nullptr));
  const std::string signature = crypto::SrpPasswordClaimSignature(*key, kPoolName, kUser, secret_block, timestamp);
  for (auto _ : state) {
    const bool ok = crypto::VerifySrpPasswordClaim(verifier, server->secret_b, server->public_b, client.public_a_hex,
                                                   kPoolName, kUser, secret_block_b64, timestamp, signature);
    if (!ok) {
      state.SkipWithError("the password claim did not verify");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SrpVerifyPasswordClaim)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cognate::bench
