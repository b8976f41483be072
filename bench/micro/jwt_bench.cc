// JWT: signing and verifying the pools' tokens, RS256 with a 2048-bit key (the key size
// CreateUserPool generates). Every sign-in and refresh signs two tokens (SignTokens in
// engine/service/tokens.cc: the access token and the ID token); every access-token operation
// (GetUser, ...) verifies one.
#include <string>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "engine/crypto/jwt.h"
#include "engine/crypto/random.h"
#include "engine/crypto/rsa_key.h"

namespace cognate::bench {
namespace {

using nlohmann::json;

const crypto::RsaKey& PoolKey() {
  static const crypto::RsaKey key = crypto::RsaKey::Generate(2048).value();
  return key;
}

// Claims shaped like BuildTokenClaims' (engine/service/tokens.cc) for a user in one group.
json AccessClaims() {
  return {{"sub", "7c1e4a52-9d1b-4f0e-8a7b-3c2d1e0f9a8b"},
          {"cognito:groups", {"readers"}},
          {"iss", "http://127.0.0.1:9230/us-east-1_Bench4Pool"},
          {"client_id", "3n4b5urk1ft4fl3mg5e62d9ado"},
          {"origin_jti", crypto::NewUuidV4()},
          {"event_id", crypto::NewUuidV4()},
          {"token_use", "access"},
          {"scope", "aws.cognito.signin.user.admin"},
          {"auth_time", 1764547200},
          {"exp", 1764550800},
          {"iat", 1764547200},
          {"jti", crypto::NewUuidV4()},
          {"username", "7c1e4a52-9d1b-4f0e-8a7b-3c2d1e0f9a8b"}};
}

json IdClaims() {
  return {{"sub", "7c1e4a52-9d1b-4f0e-8a7b-3c2d1e0f9a8b"},
          {"cognito:groups", {"readers"}},
          {"email", "jane.doe@example.com"},
          {"email_verified", true},
          {"name", "Jane Doe"},
          {"updated_at", 1764547200},
          {"iss", "http://127.0.0.1:9230/us-east-1_Bench4Pool"},
          {"cognito:username", "7c1e4a52-9d1b-4f0e-8a7b-3c2d1e0f9a8b"},
          {"origin_jti", crypto::NewUuidV4()},
          {"aud", "3n4b5urk1ft4fl3mg5e62d9ado"},
          {"event_id", crypto::NewUuidV4()},
          {"token_use", "id"},
          {"auth_time", 1764547200},
          {"exp", 1764550800},
          {"iat", 1764547200},
          {"jti", crypto::NewUuidV4()}};
}

void BM_JwtSignRs256(benchmark::State& state, json (*claims)()) {
  const crypto::RsaKey& key = PoolKey();
  const json payload = claims();
  for (auto _ : state) {
    std::string token = crypto::SignJwtRs256(key, payload);
    benchmark::DoNotOptimize(token);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_JwtSignRs256, access_token, AccessClaims)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_JwtSignRs256, id_token, IdClaims)->Unit(benchmark::kMicrosecond);

void BM_JwtVerifyRs256(benchmark::State& state) {
  const crypto::RsaKey& key = PoolKey();
  const std::string token = crypto::SignJwtRs256(key, AccessClaims());
  for (auto _ : state) {
    auto claims = crypto::VerifyJwtRs256(key, token);
    if (!claims.ok()) {
      state.SkipWithError(claims.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(claims);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JwtVerifyRs256)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace cognate::bench
