// The operations cognate-load can drive, what each needs set up, and the requests each connection
// sends: the first request of an exchange (Next) and, for multi-step ops, the requests that follow
// an answer (FollowUp).
//
// Thread safety: Workload is immutable after construction; Next and FollowUp may be called
// concurrently as long as each caller passes its own ExchangeState.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/load/cognito_request.h"
#include "bench/load/http_client.h"
#include "engine/crypto/srp.h"
#include "engine/status.h"

namespace cognate::bench {

enum class Op {
  kSignUp,        // SignUp, a fresh username per request
  kInitiateAuth,  // InitiateAuth USER_PASSWORD_AUTH, round-robin over the users
  kRefresh,       // InitiateAuth REFRESH_TOKEN_AUTH with each user's refresh token
  kGetUser,       // GetUser with each user's access token
  kAdminGetUser,  // AdminGetUser, SigV4-signed
  kListUsers,     // ListUsers Limit 60, SigV4-signed
  kJwks,          // GET /<poolId>/.well-known/jwks.json
  kSrpSignIn,     // InitiateAuth USER_SRP_AUTH, then RespondToAuthChallenge PASSWORD_VERIFIER
};

// "signup", "initiate-auth", "refresh", "get-user", "admin-get-user", "list-users", "jwks",
// "srp-sign-in".
std::optional<Op> ParseOp(std::string_view name);
std::string_view OpName(Op op);
// Comma-separated list of every op name, for usage text.
std::string OpNames();

// Whether the op needs users created (and given a permanent password) during set-up.
bool NeedsUsers(Op op);
// Whether the op needs each user's tokens (one InitiateAuth per user during set-up).
bool NeedsTokens(Op op);

// Bytes of the SRP client's secret exponent a, drawn afresh for every srp-sign-in. The clients
// use 128 (amazon-cognito-identity-js); the server accepts any size, and 32 keeps the generator's
// modular exponentiations about as cheap as the server's, so the generator, sharing the machine,
// takes less CPU from the server it measures.
inline constexpr size_t kSrpSecretSize = 32;

// The password of every user cognate-load creates; it satisfies Cognito's default policy.
inline constexpr std::string_view kPassword = "Bench-Passw0rd!";

// What set-up produced. For ops that need users, usernames is non-empty; for ops that need tokens,
// access_tokens and refresh_tokens are parallel to usernames.
struct Fixture {
  std::string pool_id;
  std::string client_id;
  std::vector<std::string> usernames;
  std::vector<std::string> access_tokens;
  std::vector<std::string> refresh_tokens;
};

// What one connection remembers between the steps of an exchange. Each connection owns one, passes
// it to Next (which starts it afresh) and to every FollowUp of the same exchange.
struct ExchangeState {
  crypto::SrpClientEphemeral srp;  // srp-sign-in: this exchange's a and A
};

class Workload {
 public:
  // `run_id` makes sign-up usernames unique across runs; `connections` spreads the round-robin.
  Workload(Op op, Fixture fixture, Endpoint endpoint, AdminKey admin_key, std::string run_id,
           int connections);

  Op op() const { return op_; }

  // The first request of the `sequence`-th exchange of connection `connection` (0-based); it
  // resets `*state` for that exchange. Signed ops are signed now.
  HttpRequest Next(int connection, uint64_t sequence, ExchangeState* state) const;

  // Called after the exchange's `step`-th answer (step 0 answers Next's request) came back 200.
  // Returns the next request of the exchange, or nullopt when the exchange is complete. Errors
  // (the exchange failed although every answer was 200): kInternal when an answer is not what the
  // op expects (not JSON, a field missing, a final answer without AuthenticationResult, an SRP
  // value the client cannot use). Single-step ops always return nullopt.
  Result<std::optional<HttpRequest>> FollowUp(int connection, uint64_t sequence, int step,
                                              const HttpResponse& response,
                                              ExchangeState* state) const;

 private:
  size_t UserIndex(int connection, uint64_t sequence) const;
  Result<std::optional<HttpRequest>> SrpFollowUp(int step, const HttpResponse& response,
                                                 ExchangeState* state) const;

  Op op_;
  Fixture fixture_;
  Endpoint endpoint_;
  AdminKey admin_key_;
  std::string run_id_;
  int connections_;
  // The pool id after '_': the pool name SRP hashes into x and the claim signature.
  std::string srp_pool_name_;
};

}  // namespace cognate::bench
