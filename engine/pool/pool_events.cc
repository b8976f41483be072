#include "engine/pool/pool_events.h"

namespace cognate {

void EvolvePool(PoolState& s, const Event& e, int64_t at_ms) {
  namespace ev = pool_events;
  s.version += 1;
  if (e.type == ev::kPoolCreated) {
    s.exists = true;
    s.id = e.data.value("id", "");
    s.config = e.data.value("config", json::object());
    s.keys.clear();
    for (const auto& k : e.data.value("keys", json::array())) {
      s.keys.push_back(SigningKey{k.value("kid", ""), k.value("use", ""), k.value("sealed_der", "")});
    }
    s.created_at_ms = at_ms;
    s.modified_at_ms = at_ms;
  } else if (e.type == ev::kPoolUpdated) {
    s.config = e.data.value("config", s.config);
    s.modified_at_ms = at_ms;
  } else if (e.type == ev::kSigningCertificateIssued) {
    s.signing_certificate = e.data.value("certificate", "");
    s.certificate_key = SigningKey{e.data.value("kid", ""), "saml", e.data.value("sealed_der", "")};
  } else if (e.type == ev::kPoolDeleted) {
    s.deleted = true;
  }
}

void EvolveClient(ClientState& s, const Event& e, int64_t at_ms) {
  namespace ev = pool_events;
  s.version += 1;
  if (e.type == ev::kClientCreated) {
    s.exists = true;
    s.id = e.data.value("id", "");
    s.pool_id = e.data.value("pool_id", "");
    s.config = e.data.value("config", json::object());
    s.secret_sealed = e.data.value("secret_sealed", "");
    s.created_at_ms = at_ms;
    s.modified_at_ms = at_ms;
  } else if (e.type == ev::kClientUpdated) {
    s.config = e.data.value("config", s.config);
    s.modified_at_ms = at_ms;
  } else if (e.type == ev::kClientDeleted) {
    s.deleted = true;
  }
}

void EvolveGroup(GroupState& s, const Event& e, int64_t at_ms) {
  namespace ev = pool_events;
  s.version += 1;
  if (e.type == ev::kGroupCreated) {
    s.exists = true;
    s.deleted = false;
    s.pool_id = e.data.value("pool_id", "");
    s.name = e.data.value("name", "");
    s.uid = e.data.value("uid", "");
    s.config = e.data.value("config", json::object());
    s.created_at_ms = at_ms;
    s.modified_at_ms = at_ms;
  } else if (e.type == ev::kGroupUpdated) {
    s.config = e.data.value("config", s.config);
    s.modified_at_ms = at_ms;
  } else if (e.type == ev::kGroupDeleted) {
    s.deleted = true;
  }
}

ProjectionWrites ProjectPool(const PoolState& after) {
  ProjectionWrites w;
  if (after.deleted) {
    w.Delete(tables::kPools, after.id);
  } else {
    w.Put(tables::kPools, after.id, json(after).dump());
  }
  return w;
}

ProjectionWrites ProjectClient(const ClientState& after) {
  ProjectionWrites w;
  const std::string index_key = after.pool_id + "/" + after.id;
  if (after.deleted) {
    w.Delete(tables::kClients, after.id);
    w.Delete(tables::kPoolClients, index_key);
  } else {
    w.Put(tables::kClients, after.id, json(after).dump());
    w.Put(tables::kPoolClients, index_key, after.config.value("ClientName", ""));
  }
  return w;
}

ProjectionWrites ProjectGroup(const GroupState& after) {
  ProjectionWrites w;
  const std::string key = GroupRowKey(after.pool_id, after.name);
  if (after.deleted) {
    w.Delete(tables::kGroups, key);
  } else {
    // A deleted-then-recreated group keeps its stream; the row is the current incarnation,
    // stamped with the version so a later decision can expect it.
    w.Put(tables::kGroups, key, json(after).dump());
  }
  return w;
}

}  // namespace cognate
