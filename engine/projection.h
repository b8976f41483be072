// Projection output: the read-model rows and uniqueness claims one event produces. The service
// hands them to EventStore::Append together with the event, so they commit atomically; replay
// computes them again from the log alone with the same functions.
#pragma once

#include <string>
#include <vector>

#include "engine/ports/event_store.h"

namespace cognate {

struct ProjectionWrites {
  std::vector<RowWrite> rows;
  std::vector<Claim> claims;
  std::vector<std::string> releases;

  void Put(std::string table, std::string key, std::string value) {
    rows.push_back(RowWrite{std::move(table), std::move(key), std::move(value)});
  }
  void Delete(std::string table, std::string key) {
    rows.push_back(RowWrite{std::move(table), std::move(key), std::nullopt});
  }
  void Append(ProjectionWrites other) {
    for (auto& r : other.rows) rows.push_back(std::move(r));
    for (auto& c : other.claims) claims.push_back(std::move(c));
    for (auto& r : other.releases) releases.push_back(std::move(r));
  }
};

// Read-model tables (names are versioned: a change of row shape bumps the suffix and rebuilds).
namespace tables {
inline constexpr char kPools[] = "pools_v1";        // poolId -> PoolState
inline constexpr char kClients[] = "clients_v1";    // clientId -> ClientState
inline constexpr char kPoolClients[] = "pool_clients_v1";  // poolId/clientId -> client name
inline constexpr char kUsers[] = "users_v1";        // poolId/sub -> UserState
inline constexpr char kGroups[] = "groups_v1";      // poolId/group -> GroupState
inline constexpr char kMembers[] = "members_v1";    // poolId/group/sub -> group uid
inline constexpr char kRefresh[] = "refresh_v1";    // sha256(refresh token) hex -> origin_jti
inline constexpr char kOrigins[] = "origins_v1";    // origin_jti -> the sign-in it records
inline constexpr char kRevoked[] = "revoked_v1";    // origin_jti -> "" once revoked
}  // namespace tables

}  // namespace cognate
