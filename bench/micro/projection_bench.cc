// Projection: what the engine does per event when it commits (engine/service/service_support.cc,
// Commit) and what replay does again per event (engine/audit/projector.cc): fold the event into
// the user's state (EvolveUser) and project the read-model rows and claims (ProjectUserEvent,
// which serialises the whole user row). BM_CommitEvent adds the rest of Commit's per-event work
// (the catalogue lookup, the request context, sealing the personal fields, the payload's JSON);
// BM_LoadUserRow is the user row parsed back into a UserState, which every operation on a user
// does once before deciding and replay does once per event.
#include <optional>
#include <string>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "engine/aggregate_row.h"
#include "engine/audit/event_catalog.h"
#include "engine/audit/personal_data.h"
#include "engine/crypto/encoding.h"
#include "engine/crypto/random.h"
#include "engine/projection.h"
#include "engine/user/user_events.h"
#include "engine/user/user_state.h"

namespace cognate::bench {
namespace {

using nlohmann::json;

constexpr int64_t kNowMs = 1764547200000;
const std::string kPool = "us-east-1_Bench4Pool";
const std::string kSub = "7c1e4a52-9d1b-4f0e-8a7b-3c2d1e0f9a8b";

// A confirmed user as SignUp and ConfirmSignUp leave one in a pool that signs in with email:
// attributes, an Argon2id PHC string, the SRP salt and sealed verifier, a login claim, a group.
UserState SignedUpUser() {
  const std::string phc = "$argon2id$v=19$m=19456,t=2,p=1$" + crypto::Base64Encode(crypto::RandomBytes(16)).substr(0, 22) +
                          "$" + crypto::Base64Encode(crypto::RandomBytes(32)).substr(0, 43);
  UserState user;
  EvolveUser(user,
             MakeEvent(user_events::kSignedUp,
                       {{"pool_id", kPool},
                        {"sub", kSub},
                        {"username", kSub},
                        {"status", "UNCONFIRMED"},
                        {"attributes",
                         {{"sub", kSub},
                          {"email", "jane.doe@example.com"},
                          {"email_verified", "false"},
                          {"name", "Jane Doe"},
                          {"updated_at", "1764547200"}}},
                        {"login_keys", {kPool + "/email/jane.doe@example.com"}},
                        {"password_hash", phc},
                        {"srp_salt", crypto::HexEncode(crypto::RandomBytes(16))},
                        {"srp_verifier_sealed", crypto::Base64Encode(crypto::RandomBytes(384 + 28))},
                        {"pending_code",
                         {{"purpose", "signup"},
                          {"attribute", "email"},
                          {"hash", crypto::HexEncode(crypto::RandomBytes(32))},
                          {"expires_at_ms", kNowMs + 86400000}}}}),
             kNowMs);
  EvolveUser(user, MakeEvent(user_events::kConfirmed, {{"attributes", {{"sub", kSub},
                                                                       {"email", "jane.doe@example.com"},
                                                                       {"email_verified", "true"},
                                                                       {"name", "Jane Doe"},
                                                                       {"updated_at", "1764547200"}}}}),
             kNowMs);
  EvolveUser(user, MakeEvent(user_events::kGroupJoined, {{"group", "readers"}, {"group_uid", crypto::NewUuidV4()}}), kNowMs);
  return user;
}

// The events measured: a password sign-in (the most frequent event of a live pool; its projection
// also writes the origin and refresh rows) and an attribute update.
Event SignedIn() {
  return MakeEvent(user_events::kSignedIn, {{"client_id", "3n4b5urk1ft4fl3mg5e62d9ado"},
                                            {"flow", "USER_PASSWORD_AUTH"},
                                            {"origin_jti", crypto::NewUuidV4()},
                                            {"refresh_hash", crypto::HexEncode(crypto::RandomBytes(32))},
                                            {"refresh_expires_at_ms", kNowMs + 30LL * 86400000},
                                            {"auth_time", kNowMs / 1000}});
}

Event AttributesUpdated() {
  return MakeEvent(user_events::kAttributesUpdated, {{"attributes",
                                                      {{"sub", kSub},
                                                       {"email", "jane.doe@example.com"},
                                                       {"email_verified", "true"},
                                                       {"name", "Jane Q. Doe"},
                                                       {"updated_at", "1764547260"}}}});
}

// Evolve and project one event, as Commit does for each event of an append.
void BM_ProjectUserEvent(benchmark::State& state, Event (*make_event)()) {
  const UserState user = SignedUpUser();
  const Event event = make_event();
  for (auto _ : state) {
    UserState after = user;
    EvolveUser(after, event, kNowMs);
    ProjectionWrites writes = ProjectUserEvent(user, after, event);
    benchmark::DoNotOptimize(writes);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_ProjectUserEvent, signed_in, SignedIn);
BENCHMARK_CAPTURE(BM_ProjectUserEvent, attributes_updated, AttributesUpdated);

// All of Commit's per-event work before the store's Append: the catalogue check, evolve and
// project, the request context, the personal fields sealed under the user's key, the payload's JSON.
void BM_CommitEvent(benchmark::State& state, Event (*make_event)()) {
  const UserState user = SignedUpUser();
  const Event event = make_event();
  const std::string key_id = audit::PersonalKeyId(user.pool_id, user.sub);
  const std::string key = audit::PersonalDataCipher::NewKey();
  for (auto _ : state) {
    const audit::EventDoc* doc = audit::FindEventDoc(event.type);
    benchmark::DoNotOptimize(doc);
    UserState after = user;
    EvolveUser(after, event, kNowMs);
    ProjectionWrites writes = ProjectUserEvent(user, after, event);
    json data = event.data;
    data[audit::kClientField] = "3n4b5urk1ft4fl3mg5e62d9ado";
    data[audit::kIpField] = "203.0.113.7";
    data[audit::kUserAgentField] = "aws-sdk-js/3.700.0 ua/2.1 os/linux lang/js md/nodejs#20.18.0";
    audit::PersonalDataCipher::Seal(event.type, data, key_id, key);
    NewEvent stored{event.type, 1, kNowMs, "user:" + user.sub, data.dump()};
    benchmark::DoNotOptimize(writes);
    benchmark::DoNotOptimize(stored);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_CommitEvent, signed_in, SignedIn);
BENCHMARK_CAPTURE(BM_CommitEvent, attributes_updated, AttributesUpdated);

// The user row parsed back into a UserState (LoadState / the projector's LoadBefore).
void BM_LoadUserRow(benchmark::State& state) {
  const std::optional<std::string> row = json(SignedUpUser()).dump();
  const std::string row_key = UserRowKey(kPool, kSub);
  for (auto _ : state) {
    auto user = StateFromRow<UserState>(row, tables::kUsers, row_key, 0);
    benchmark::DoNotOptimize(user);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::to_string(row->size()) + " byte row");
}
BENCHMARK(BM_LoadUserRow);

}  // namespace
}  // namespace cognate::bench
