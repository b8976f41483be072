// Parsing request bodies: nlohmann::json::parse against the fast path (engine/json/fast_parse.h)
// that builds the same value. A GetUser body is one JWT-sized string, where nlohmann's lexer pays
// per character; an event-shaped body exercises nested objects, arrays, integers and literals.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <string>

#include "engine/crypto/encoding.h"
#include "engine/crypto/random.h"
#include "engine/json/fast_parse.h"

namespace cognate::bench {
namespace {

using nlohmann::json;

// An access token as GetUser receives it: an RS256 JWT with BuildTokenClaims' claims for a user
// in one group (engine/service/tokens.cc), 1,050 characters.
std::string GetUserBody() {
  const json header = {{"alg", "RS256"}, {"kid", "bench-pool-key-1"}, {"typ", "JWT"}};
  const json claims = {{"sub", "7c1e4a52-9d1b-4f0e-8a7b-3c2d1e0f9a8b"},
                       {"cognito:groups", {"readers"}},
                       {"iss", "http://127.0.0.1:9230/us-east-1_Bench"},
                       {"client_id", "3n4b5urk1ft4fl3mg5e62d9ado"},
                       {"origin_jti", "0b6f1c9e-2a4d-4e8f-9c1b-5d7a3e2f1b0c"},
                       {"event_id", "5e2d8a1f-7b3c-4d9e-8f0a-1c2b3d4e5f6a"},
                       {"token_use", "access"},
                       {"scope", "aws.cognito.signin.user.admin"},
                       {"auth_time", 1764547200},
                       {"exp", 1764550800},
                       {"iat", 1764547200},
                       {"jti", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"},
                       {"username", "7c1e4a52-9d1b-4f0e-8a7b-3c2d1e0f9a8b"}};
  const std::string token = crypto::Base64UrlEncode(header.dump()) + "." +
                            crypto::Base64UrlEncode(claims.dump()) + "." +
                            crypto::Base64UrlEncode(crypto::RandomBytes(256));
  return json{{"AccessToken", token}}.dump();
}

// An event-shaped body: a user's attributes, groups and a few integers and literals.
std::string EventPayloadBody() {
  return R"({"username":"alice","attributes":[{"Name":"email","Value":"alice@example.com"},)"
         R"({"Name":"email_verified","Value":"true"},{"Name":"given_name","Value":"Alice"},)"
         R"({"Name":"family_name","Value":"Liddell"},{"Name":"custom:tier","Value":"gold"}],)"
         R"("groups":["readers","writers"],"at":1763900000123,"version":42,"enabled":true,)"
         R"("device":{"key":"us-east-1_d3b07384-d9a0-4c6b-8a1f-2f6c4e1a9b7c","remembered":false}})";
}

enum class Parser { kNlohmann, kFast };

void BM_ParseRequestBody(benchmark::State& state, Parser parser, std::string (*make_body)()) {
  const std::string body = make_body();
  // The fast benchmark would silently measure nlohmann if the fast path declined the body.
  if (parser == Parser::kFast && !json_parse::TryParseFast(body).has_value()) {
    state.SkipWithError("the fast path declined the body");
  }
  for (auto _ : state) {
    json value = parser == Parser::kFast ? json_parse::ParseOrDiscarded(body)
                                         : json::parse(body, nullptr, /*allow_exceptions=*/false);
    benchmark::DoNotOptimize(value);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
  state.SetLabel(std::to_string(body.size()) + " byte body");
}
BENCHMARK_CAPTURE(BM_ParseRequestBody, nlohmann / get_user, Parser::kNlohmann, GetUserBody);
BENCHMARK_CAPTURE(BM_ParseRequestBody, fast / get_user, Parser::kFast, GetUserBody);
BENCHMARK_CAPTURE(BM_ParseRequestBody, nlohmann / event_payload, Parser::kNlohmann,
                  EventPayloadBody);
BENCHMARK_CAPTURE(BM_ParseRequestBody, fast / event_payload, Parser::kFast, EventPayloadBody);

}  // namespace
}  // namespace cognate::bench
