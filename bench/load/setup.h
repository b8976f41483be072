// Set-up and tear-down of what a cognate-load run needs, through the API itself: a pool
// "bench-<run id>", an app client allowing password, SRP and refresh sign-in, and for ops that need
// them K users with a permanent password (and their tokens), created over a few parallel
// connections.
//
// Thread safety: the functions may be called from any thread; each uses its own connections.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

#include "bench/load/cognito_request.h"
#include "bench/load/http_client.h"
#include "bench/load/workload.h"
#include "engine/status.h"

namespace cognate::bench {

struct SetupOptions {
  Endpoint endpoint;
  AdminKey admin_key;
  Op op = Op::kJwks;
  // Random hex naming the pool ("bench-<run_id>") and the users ("bench-<run_id>-<i>").
  std::string run_id;
  // Users to create when the op needs them. Default 32.
  int users = 32;
  // Connections creating users in parallel. Default 4.
  int parallelism = 4;
  // Deadline of each set-up request. Default 30 s.
  std::chrono::milliseconds request_timeout{30000};
  // Deadline of the whole set-up; workers stop starting users after it. Default 300 s.
  std::chrono::seconds deadline{300};
  // The bench pool's LambdaConfig ({"PreSignUp": "arn:...:function:NAME"}), to measure an
  // operation with a trigger attached. Default: none.
  nlohmann::json lambda_config = nlohmann::json::object();
  // An existing pool to run against instead of creating one (e.g. one cognate-seed-log --mode pool
  // made): its id, its app client, and its users "<user_prefix><i>" for i in [0, pool_users), each
  // with the password kPassword. Set-up then creates nothing; of those users, `users` spread
  // evenly over the pool (i = j·pool_users/users) are driven, and for ops that need tokens each is
  // signed in once. Default: empty pool id (create a bench pool).
  std::string existing_pool_id;
  std::string existing_client_id;
  std::string user_prefix = "user-";
  int64_t pool_users = 0;  // 0: `users`
};

// Creates the pool, the client and (if NeedsUsers(op)) the users, and (if NeedsTokens(op)) signs
// each user in once, filling `*fixture` as it goes. With existing_pool_id, only names the users
// and signs them in. Returns the first failing call's error:
// kUnavailable for transport failures and for passing `deadline`, kFailedPrecondition for a
// non-200 answer, kInternal for an unexpected answer. On failure fixture->pool_id is still set
// if the pool was created, so the caller can delete it.
Status SetUp(const SetupOptions& options, Fixture* fixture);

// DeleteUserPool for `pool_id`.
Status DeletePool(const Endpoint& endpoint, const AdminKey& admin_key, const std::string& pool_id,
                  std::chrono::milliseconds request_timeout);

}  // namespace cognate::bench
