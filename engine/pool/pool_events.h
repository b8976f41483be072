// Events of the configuration aggregates — user pools, app clients and groups — with their pure
// Evolve and projection functions. Each aggregate is created, updated (the whole normalised
// configuration) and deleted; deleted ones keep their stream so the audit trail stays whole.
#pragma once

#include <cstdint>
#include <string>

#include "engine/event.h"
#include "engine/pool/pool_state.h"
#include "engine/projection.h"

namespace cognate {

namespace pool_events {
inline constexpr char kPoolCreated[] = "userpool.created";
inline constexpr char kPoolUpdated[] = "userpool.updated";
inline constexpr char kPoolDeleted[] = "userpool.deleted";
inline constexpr char kSigningCertificateIssued[] = "userpool.signing_certificate.issued";
inline constexpr char kClientCreated[] = "client.created";
inline constexpr char kClientUpdated[] = "client.updated";
inline constexpr char kClientDeleted[] = "client.deleted";
inline constexpr char kGroupCreated[] = "group.created";
inline constexpr char kGroupUpdated[] = "group.updated";
inline constexpr char kGroupDeleted[] = "group.deleted";
}  // namespace pool_events

inline std::string PoolStream(const std::string& id) { return "pool/" + id; }
inline std::string ClientStream(const std::string& id) { return "client/" + id; }
inline std::string GroupStream(const std::string& pool_id, const std::string& name) {
  return "group/" + pool_id + "/" + name;
}
inline std::string GroupRowKey(const std::string& pool_id, const std::string& name) {
  return pool_id + "/" + name;
}

void EvolvePool(PoolState& state, const Event& event, int64_t at_ms);
void EvolveClient(ClientState& state, const Event& event, int64_t at_ms);
void EvolveGroup(GroupState& state, const Event& event, int64_t at_ms);

ProjectionWrites ProjectPool(const PoolState& after);
ProjectionWrites ProjectClient(const ClientState& after);
ProjectionWrites ProjectGroup(const GroupState& after);

}  // namespace cognate
