// The operations cognate-load can drive, what each needs set up, and the request each connection
// sends next.
//
// Thread safety: Workload is immutable after construction; Next may be called concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/load/cognito_request.h"
#include "bench/load/http_client.h"

namespace cognate::bench {

enum class Op {
  kSignUp,        // SignUp, a fresh username per request
  kInitiateAuth,  // InitiateAuth USER_PASSWORD_AUTH, round-robin over the users
  kRefresh,       // InitiateAuth REFRESH_TOKEN_AUTH with each user's refresh token
  kGetUser,       // GetUser with each user's access token
  kAdminGetUser,  // AdminGetUser, SigV4-signed
  kListUsers,     // ListUsers Limit 60, SigV4-signed
  kJwks,          // GET /<poolId>/.well-known/jwks.json
};

// "signup", "initiate-auth", "refresh", "get-user", "admin-get-user", "list-users", "jwks".
std::optional<Op> ParseOp(std::string_view name);
std::string_view OpName(Op op);
// Comma-separated list of every op name, for usage text.
std::string OpNames();

// Whether the op needs users created (and given a permanent password) during set-up.
bool NeedsUsers(Op op);
// Whether the op needs each user's tokens (one InitiateAuth per user during set-up).
bool NeedsTokens(Op op);

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

class Workload {
 public:
  // `run_id` makes sign-up usernames unique across runs; `connections` spreads the round-robin.
  Workload(Op op, Fixture fixture, Endpoint endpoint, AdminKey admin_key, std::string run_id,
           int connections);

  Op op() const { return op_; }

  // The request connection `connection` (0-based) sends as its `sequence`-th request. Signed ops
  // are signed now.
  HttpRequest Next(int connection, uint64_t sequence) const;

 private:
  size_t UserIndex(int connection, uint64_t sequence) const;

  Op op_;
  Fixture fixture_;
  Endpoint endpoint_;
  AdminKey admin_key_;
  std::string run_id_;
  int connections_;
};

}  // namespace cognate::bench
