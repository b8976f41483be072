// cognate-seed-log: writes a fresh data directory through the engine (the same service, events,
// sealing, projections and store the server uses), so that `cognate serve`, `replay`, `verify`
// and `audit` can be measured on it. Two modes:
//
//   cognate-seed-log --data DIR [--mode log] [--users N] [--events M] [--threads T]
//   cognate-seed-log --data DIR --mode pool --users N [--threads T] [--password P]
//                    [--user-prefix P] [--reference-users R] [--out FILE] [--openssl-modexp]
//
// log (the default), for measuring `cognate replay`, `verify` and `audit` on millions of events:
// a pool, a client and two groups, then N users (AdminCreateUser) and, spread over them,
// attribute updates and group joins and leaves until the log holds M events, all through the
// service's operations.
//
// pool, for measuring a server against a big pool: a pool and a client allowing
// USER_PASSWORD_AUTH, USER_SRP_AUTH and REFRESH_TOKEN_AUTH (CreateUserPool, CreateUserPoolClient),
// then N users "<prefix><i>" (i = 0..N-1), each CONFIRMED with the permanent password P and an
// email attribute: the first R (default 100) by SignUp and AdminConfirmSignUp, the rest imported
// with the same two events (PrepareUser, Importer below) in writes of 256 users, about three
// times cheaper. The first imported user is then checked against the first one the operations
// made (event types, actors, payload and row shapes). It prints one JSON object (pool and client
// ids, user prefix, count, password, seconds, what was cheapened) on stdout and, with --out, also
// writes it to FILE.
//
// What is cheaper than a server: passwords are hashed with the smallest Argon2id parameters
// (kSeedArgon2; the PHC string records them, so sign-in verifies with them), and appends are not
// synced (a crash during seeding can lose the tail; the finished directory is complete). The SRP
// verifiers g^x mod N are computed with a fixed-base table (below) instead of OpenSSL's
// constant-time exponentiation: the same values, about ten times faster, not constant time (the
// passwords are known anyway).
#include <dlfcn.h>
#include <openssl/bn.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/seed/activity_log.h"
#include "engine/audit/event_catalog.h"
#include "engine/audit/personal_data.h"
#include "engine/crypto/aead.h"
#include "engine/crypto/encoding.h"
#include "engine/crypto/password_hasher.h"
#include "engine/crypto/random.h"
#include "engine/crypto/srp.h"
#include "engine/ports/clock.h"
#include "engine/ports/message_sink.h"
#include "engine/projection.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"
#include "engine/user/user_events.h"
#include "storage/event_codec.h"
#include "storage/rocks_event_store.h"

// ---- g^x mod N by a fixed-base table ----------------------------------------------------------
//
// The engine computes each SRP verifier v = 2^x mod N (x = a SHA-256, so at most 256 bits; N the
// 3072-bit SRP prime) with BN_mod_exp, which for a secret x is OpenSSL's constant-time
// exponentiation: 256 squarings and a new Montgomery context per call, about 0.9 ms here, which
// alone would be 15 minutes of CPU for 1,000,000 users. This program defines BN_mod_exp itself,
// so the engine's call (linked statically into this executable) lands here: for base 2 modulo N
// with an exponent of at most 256 bits it multiplies at most 22 precomputed powers
// 2^(j·2^(12i)) (Montgomery form, 22 × 4095 of them, about 36 MiB, built in a fraction of a
// second), the same value in 60-90 µs; anything else goes to OpenSSL's BN_mod_exp. Checked
// against OpenSSL at start-up; --openssl-modexp turns it off.
namespace {

using BnModExpFn = int (*)(BIGNUM*, const BIGNUM*, const BIGNUM*, const BIGNUM*, BN_CTX*);

constexpr int kWindowBits = 12;
constexpr int kDigits = 1 << kWindowBits;
constexpr int kExponentBits = 256;
constexpr int kWindows = (kExponentBits + kWindowBits - 1) / kWindowBits;  // 22

class FixedBaseTable {
 public:
  FixedBaseTable() {
    const std::string& n_bytes = cognate::crypto::SrpModulus();
    n_ = BN_bin2bn(reinterpret_cast<const unsigned char*>(n_bytes.data()), static_cast<int>(n_bytes.size()), nullptr);
    mont_ = BN_MONT_CTX_new();
    BN_CTX* ctx = BN_CTX_new();
    BN_MONT_CTX_set(mont_, n_, ctx);
    BIGNUM* base = BN_new();  // 2^(2^(8i)) in Montgomery form
    BIGNUM* two = BN_new();
    BN_set_word(two, 2);
    BN_to_montgomery(base, two, mont_, ctx);
    table_.resize(static_cast<size_t>(kWindows) * kDigits, nullptr);
    for (int i = 0; i < kWindows; ++i) {
      At(i, 1) = BN_dup(base);
      for (int j = 2; j < kDigits; ++j) {
        At(i, j) = BN_new();
        BN_mod_mul_montgomery(At(i, j), At(i, j - 1), base, mont_, ctx);
      }
      BN_mod_mul_montgomery(base, At(i, kDigits - 1), base, mont_, ctx);  // base^(2^kWindowBits)
    }
    BN_free(two);
    BN_free(base);
    BN_CTX_free(ctx);
  }

  const BIGNUM* n() const { return n_; }

  // r = 2^p mod N for 0 <= p < 2^256.
  int Pow2(BIGNUM* r, const BIGNUM* p, BN_CTX* ctx) const {
    constexpr int kBytes = kExponentBits / 8;
    unsigned char bytes[kBytes];
    if (BN_bn2binpad(p, bytes, kBytes) != kBytes) return 0;
    BN_CTX_start(ctx);
    BIGNUM* acc = BN_CTX_get(ctx);
    bool started = false;
    int ok = acc != nullptr;
    for (int i = 0; i < kWindows && ok; ++i) {
      // Digit i: bits [i·kWindowBits, (i+1)·kWindowBits) of p, bytes[kBytes - 1] the lowest.
      unsigned j = 0;
      for (int bit = i * kWindowBits; bit < std::min((i + 1) * kWindowBits, kExponentBits); ++bit) {
        j |= ((bytes[kBytes - 1 - bit / 8] >> (bit % 8)) & 1u) << (bit - i * kWindowBits);
      }
      if (j == 0) continue;
      const BIGNUM* power = table_[static_cast<size_t>(i) * kDigits + j];
      ok = started ? BN_mod_mul_montgomery(acc, acc, power, mont_, ctx) : BN_copy(acc, power) != nullptr;
      started = true;
    }
    if (ok) ok = started ? BN_from_montgomery(r, acc, mont_, ctx) : BN_one(r);
    BN_CTX_end(ctx);
    return ok;
  }

 private:
  BIGNUM*& At(int i, int j) { return table_[static_cast<size_t>(i) * kDigits + static_cast<size_t>(j)]; }

  BIGNUM* n_ = nullptr;
  BN_MONT_CTX* mont_ = nullptr;
  std::vector<BIGNUM*> table_;  // [window i][digit j] = 2^(j·2^(i·kWindowBits)), j = 0 unused; never freed
};

std::atomic<const FixedBaseTable*> fixed_base{nullptr};
std::atomic<uint64_t> fixed_base_calls{0};

BnModExpFn OpenSslModExp() {
  static const BnModExpFn real = reinterpret_cast<BnModExpFn>(dlsym(RTLD_NEXT, "BN_mod_exp"));
  return real;
}

// Builds the table, checks it against OpenSSL on a few exponents and that the engine's verifiers
// reach it; false if either fails (the engine then keeps OpenSSL's exponentiation).
bool EnableFixedBase() {
  static const FixedBaseTable table;
  BnModExpFn real = OpenSslModExp();
  if (real == nullptr) return false;
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM *p = BN_new(), *two = BN_new(), *want = BN_new(), *got = BN_new();
  BN_set_word(two, 2);
  bool same = true;
  for (int k = 0; k < 16 && same; ++k) {
    std::string bytes = cognate::crypto::RandomBytes(32);
    if (k == 1) bytes.assign(32, '\0');
    if (k == 2) bytes.assign(31, '\0'), bytes += '\1';
    if (k == 3) bytes[5] = bytes[17] = '\0';
    if (k == 4) bytes.assign(32, '\xff');
    BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), 32, p);
    same = real(want, two, p, table.n(), ctx) == 1 && table.Pow2(got, p, ctx) == 1 && BN_cmp(want, got) == 0;
  }
  BN_free(p), BN_free(two), BN_free(want), BN_free(got);
  BN_CTX_free(ctx);
  if (!same) return false;
  fixed_base.store(&table);
  const uint64_t before = fixed_base_calls.load();
  cognate::crypto::ComputeSrpVerifier("pool", "user", "password", cognate::crypto::RandomBytes(16));
  if (fixed_base_calls.load() != before) return true;
  fixed_base.store(nullptr);
  return false;
}

}  // namespace

extern "C" int BN_mod_exp(BIGNUM* r, const BIGNUM* a, const BIGNUM* p, const BIGNUM* m, BN_CTX* ctx) {
  const FixedBaseTable* table = fixed_base.load(std::memory_order_acquire);
  if (table != nullptr && BN_is_word(a, 2) && !BN_is_negative(p) && BN_num_bits(p) <= kExponentBits &&
      BN_cmp(m, table->n()) == 0) {
    fixed_base_calls.fetch_add(1, std::memory_order_relaxed);
    return table->Pow2(r, p, ctx);
  }
  BnModExpFn real = OpenSslModExp();
  return real != nullptr ? real(r, a, p, m, ctx) : 0;
}

// ---- The seeding ------------------------------------------------------------------------------
namespace {

using cognate::json;

// Argon2id parameters of every password the seed hashes: the smallest libargon2 accepts.
constexpr cognate::crypto::Argon2Params kSeedArgon2{.memory_kib = 8, .iterations = 1, .parallelism = 1};

class DropSink final : public cognate::MessageSink {
 public:
  void Send(const cognate::OutgoingMessage&) override {}
};

int Fail(const std::string& what) {
  std::cerr << "cognate-seed-log: " << what << "\n";
  return 1;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

const cognate::CallContext kAdmin{.actor = "admin:SEED", .source_ip = "127.0.0.1", .user_agent = "cognate-seed-log", .client_id = ""};

// --mode log.
int SeedLog(cognate::UserPoolService& service, cognate::storage::RocksEventStore& store, const std::string& data,
            uint64_t users, uint64_t target_events, unsigned threads) {
  const auto started = std::chrono::steady_clock::now();
  auto log = cognate::bench::WriteActivityLog(service, store, users, target_events, threads, kAdmin);
  if (!log.ok()) return Fail(log.error().message);
  const double seconds = SecondsSince(started);
  const uint64_t events = store.LastSequence();
  std::printf("seeded %llu events (%llu users, %llu refused operations) in %.1f s into %s\n",
              static_cast<unsigned long long>(events), static_cast<unsigned long long>(users),
              static_cast<unsigned long long>(log->users_refused + log->changes_refused), seconds, data.c_str());
  return 0;
}

struct PoolFlags {
  std::string password = "Bench-Passw0rd!";
  std::string user_prefix = "user-";
  std::string out;
  uint64_t reference_users = 100;
};

// What every imported user shares.
struct ImportContext {
  std::string master_key;
  std::string pool_id;
  std::string client_id;
  std::string password;
  std::string user_prefix;
  cognate::audit::PersonalDataCipher* cipher = nullptr;
};

// One imported user: its stream, its two events (tails encoded, see storage/event_codec.h) and
// the read-model and vault writes that go with them.
struct PreparedUser {
  std::string stream;
  std::vector<cognate::NewEvent> events;
  std::vector<std::string> tails;
  cognate::storage::ImportWrites::Entry writes;
};

// What SignUp followed by AdminConfirmSignUp append for user `i`: the same two events
// (user.signed_up by "user:<sub>" through the client, user.confirmed by the administrator), the
// same personal-data sealing and vault key, and the rows and claims of the engine's own
// EvolveUser and ProjectUserEvent. It skips what those operations check first (the client, the
// pool's settings, the password policy, a lookup of the name): the pool is known, the password is
// the one the reference users were signed up with, and the names are distinct by construction.
cognate::Result<PreparedUser> PrepareUser(const cognate::Clock& clock, const ImportContext& context, uint64_t i) {
  using namespace cognate;
  const std::string username = context.user_prefix + std::to_string(i);
  const std::string sub = crypto::NewUuidV4();
  auto hash = crypto::HashPassword(context.password, kSeedArgon2);
  if (!hash.ok()) return hash.status();
  const std::string salt = crypto::RandomBytes(16);
  const std::string verifier = crypto::ComputeSrpVerifier(wire::SrpPoolName(context.pool_id), username, context.password, salt);
  const json attributes = {{"email", username + "@example.com"}, {"sub", sub}};
  std::string login_key = username;
  std::transform(login_key.begin(), login_key.end(), login_key.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const json login_keys = json::array({"u/" + context.pool_id + "/" + login_key});
  json signed_up = {{"password_hash", *hash},
                    {"srp_salt", crypto::HexEncode(salt)},
                    {"srp_verifier_sealed", crypto::Base64Encode(crypto::Seal(context.master_key, verifier, "srp/" + context.pool_id + "/" + username))},
                    {"pool_id", context.pool_id},
                    {"sub", sub},
                    {"username", username},
                    {"status", "UNCONFIRMED"},
                    {"attributes", attributes},
                    {"client_id", context.client_id},
                    {"login_keys", login_keys}};
  json confirmed = {{"via", "admin"}, {"attributes", attributes}, {"login_keys", login_keys}};
  const Events events = {MakeEvent(user_events::kSignedUp, signed_up), MakeEvent(user_events::kConfirmed, confirmed)};
  const std::string actors[] = {"user:" + sub, kAdmin.actor};

  PreparedUser user;
  user.stream = UserStream(context.pool_id, sub);
  const std::string key_id = audit::PersonalKeyId(context.pool_id, sub);
  const std::string key = audit::PersonalDataCipher::NewKey();
  const int64_t now = clock.NowMs();
  user.writes.secrets.push_back(SecretWrite{key_id, context.cipher->WrapKey(key_id, key)});
  UserState initial;  // as SignUp builds it before its commit
  initial.pool_id = context.pool_id;
  initial.sub = sub;
  initial.username = username;
  initial.attributes = attributes.get<std::map<std::string, std::string>>();
  UserState working = initial;
  for (size_t e = 0; e < events.size(); ++e) {
    const Event& event = events[e];
    const audit::EventDoc* doc = audit::FindEventDoc(event.type);
    if (doc == nullptr) return InternalError(event.type + " is not in the event catalogue");
    EvolveUser(working, event, now);
    json data = event.data;
    data[audit::kIpField] = kAdmin.source_ip;
    data[audit::kUserAgentField] = kAdmin.user_agent;
    audit::PersonalDataCipher::Seal(event.type, data, key_id, key);
    user.events.push_back(NewEvent{event.type, doc->schema_version, now, actors[e], data.dump()});
    user.tails.push_back(storage::EncodeEventTail(user.events.back()));
  }
  // The service projects each event (the user's row, the claims of its login keys) and writes the
  // results in one batch, where the last write of the row is the one that stays. ProjectUserEvent
  // is a difference of the two states it is given (plus rows of sign-ins, which these are not), so
  // one call from the first state to the last gives those same writes.
  ProjectionWrites writes = ProjectUserEvent(initial, working, events.back());
  user.writes.rows = std::move(writes.rows);
  user.writes.claims = std::move(writes.claims);
  user.writes.releases = std::move(writes.releases);
  return user;
}

// Appends prepared users with RocksEventStore::Import (the bulk load `replay --into` uses): each
// event gets the next sequence, its stream version and the chain hash, exactly as the sequencer
// would give them, and the whole chunk is one write. Single caller at a time.
class Importer {
 public:
  explicit Importer(cognate::storage::RocksEventStore& store) : store_(store) {}

  cognate::Status Import(std::vector<PreparedUser>& users) {
    using namespace cognate;
    if (!started_) {
      // The head after the appends before: the last event's sequence and hash.
      auto last = store_.ReadAll(store_.LastSequence(), 1);
      if (!last.ok()) return last.status();
      if (last->size() != 1) return InternalError("cannot read the last event");
      next_sequence_ = last->front().sequence + 1;
      prev_hash_ = last->front().hash;
      started_ = true;
    }
    std::vector<StoredEvent> events;
    storage::ImportWrites writes;
    writes.entries.reserve(users.size());
    for (PreparedUser& user : users) {
      for (size_t e = 0; e < user.events.size(); ++e) {
        NewEvent& event = user.events[e];
        const uint64_t version = e + 1;
        const std::string fields = storage::EncodeEventFields(next_sequence_, user.stream, version, user.tails[e]);
        std::string hash = storage::ChainHash(prev_hash_, fields);
        events.push_back(StoredEvent{next_sequence_, user.stream, version, std::move(event.type), event.schema_version,
                                     event.occurred_at_ms, std::move(event.actor), std::move(event.payload),
                                     prev_hash_, hash});
        prev_hash_ = std::move(hash);
        ++next_sequence_;
      }
      writes.entries.push_back(std::move(user.writes));
    }
    Status imported = store_.Import(events, writes);
    if (!imported.ok()) started_ = false;  // re-read the head before trying again
    return imported;
  }

 private:
  cognate::storage::RocksEventStore& store_;
  bool started_ = false;
  uint64_t next_sequence_ = 0;
  std::string prev_hash_;
};

// The shape of a JSON value: object keys and array lengths kept, strings and numbers reduced to
// their type, booleans kept.
json Shape(const json& value) {
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : value.items()) out[k] = Shape(v);
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const auto& v : value) out.push_back(Shape(v));
    return out;
  }
  if (value.is_string()) return "string";
  if (value.is_number()) return "number";
  return value;
}

// What a user's stream and row look like with every per-user value blanked: event types, schema
// versions, actor kinds, payload shapes (sealed fields listed), the row's shape and status.
cognate::Result<json> UserShape(cognate::EventStore& store, const std::string& pool_id, const std::string& sub) {
  using namespace cognate;
  auto events = store.ReadStream(UserStream(pool_id, sub), 0);
  if (!events.ok()) return events.status();
  json out = {{"events", json::array()}};
  for (const StoredEvent& e : *events) {
    json payload = json::parse(e.payload, nullptr, false);
    json shape = Shape(payload);
    if (payload.contains("$sealed")) shape["$sealed"]["fields"] = payload["$sealed"].value("fields", json());
    out["events"].push_back({{"type", e.type}, {"schema_version", e.schema_version},
                             {"actor", e.actor.substr(0, e.actor.find(':'))}, {"payload", shape}});
  }
  auto row = store.Get(tables::kUsers, UserRowKey(pool_id, sub));
  if (!row.ok()) return row.status();
  if (!row->has_value()) return NotFoundError("no row for user " + sub);
  const json state = json::parse(**row, nullptr, false);
  out["row"] = Shape(state);
  out["status"] = state.is_object() ? state.value("status", json()) : json();
  return out;
}

// --mode pool.
int SeedPool(cognate::UserPoolService& service, cognate::storage::RocksEventStore& store, const cognate::Clock& clock,
             const std::string& master_key, uint64_t users, unsigned threads, const PoolFlags& flags,
             bool fixed_base_used) {
  const auto started = std::chrono::steady_clock::now();
  auto pool = service.CreateUserPool({{"PoolName", "scale"}}, kAdmin);
  if (!pool.ok()) return Fail("CreateUserPool: " + pool.error().message);
  const std::string pool_id = pool.value()["UserPool"]["Id"];
  auto client = service.CreateUserPoolClient(
      {{"UserPoolId", pool_id},
       {"ClientName", "scale"},
       {"ExplicitAuthFlows", {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"}}},
      kAdmin);
  if (!client.ok()) return Fail("CreateUserPoolClient: " + client.error().message);
  const std::string client_id = client.value()["UserPoolClient"]["ClientId"];

  cognate::audit::PersonalDataCipher cipher(master_key);
  const ImportContext import{master_key, pool_id, client_id, flags.password, flags.user_prefix, &cipher};
  const uint64_t references = std::min(users, std::max<uint64_t>(flags.reference_users, 1));
  std::string reference_sub, imported_sub;  // of users 0 and `references`
  std::mutex sub_mu;

  // Users 0 .. references-1 by the operations themselves: SignUp as the user would over HTTP,
  // then the administrator's AdminConfirmSignUp, from `threads` threads.
  std::atomic<uint64_t> next_user{0}, done{0};
  std::atomic<bool> failed{false};
  std::string first_error;
  auto fail = [&](const std::string& what) {
    std::lock_guard<std::mutex> lock(sub_mu);
    if (first_error.empty()) first_error = what;
    failed = true;
  };
  auto reference_worker = [&] {
    const cognate::CallContext self{.actor = "", .source_ip = kAdmin.source_ip, .user_agent = kAdmin.user_agent, .client_id = client_id};
    for (uint64_t i; !failed && (i = next_user.fetch_add(1)) < references;) {
      const std::string username = flags.user_prefix + std::to_string(i);
      auto signed_up = service.SignUp({{"ClientId", client_id},
                                       {"Username", username},
                                       {"Password", flags.password},
                                       {"UserAttributes", {{{"Name", "email"}, {"Value", username + "@example.com"}}}}},
                                      self);
      if (!signed_up.ok()) return fail("SignUp " + username + ": " + signed_up.error().message);
      auto confirmed = service.AdminConfirmSignUp({{"UserPoolId", pool_id}, {"Username", username}}, kAdmin);
      if (!confirmed.ok()) return fail("AdminConfirmSignUp " + username + ": " + confirmed.error().message);
      if (i == 0) {
        std::lock_guard<std::mutex> lock(sub_mu);
        reference_sub = signed_up.value()["UserSub"];
      }
      done.fetch_add(1);
    }
  };
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) workers.emplace_back(reference_worker);
  for (auto& w : workers) w.join();
  workers.clear();
  if (failed) return Fail(first_error);

  // The rest by import: `threads` threads prepare chunks of consecutive users, this thread
  // imports them as they come (at most 2 per thread waiting).
  constexpr uint64_t kChunk = 256;
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<std::vector<PreparedUser>> ready;
  const size_t max_ready = 2 * static_cast<size_t>(threads);
  std::atomic<uint64_t> next_chunk{references};
  unsigned preparing = threads;
  auto prepare_worker = [&] {
    for (;;) {
      const uint64_t first = next_chunk.fetch_add(kChunk);
      if (first >= users || failed) break;
      std::vector<PreparedUser> chunk;
      chunk.reserve(kChunk);
      for (uint64_t i = first; i < std::min(users, first + kChunk); ++i) {
        auto prepared = PrepareUser(clock, import, i);
        if (!prepared.ok()) {
          fail("preparing user " + std::to_string(i) + ": " + prepared.status().ToString());
          break;
        }
        if (i == references) {
          std::lock_guard<std::mutex> lock(sub_mu);
          imported_sub = prepared->stream.substr(prepared->stream.rfind('/') + 1);
        }
        chunk.push_back(std::move(prepared).value());
      }
      std::unique_lock<std::mutex> lock(queue_mu);
      queue_cv.wait(lock, [&] { return ready.size() < max_ready || failed; });
      ready.push_back(std::move(chunk));
      queue_cv.notify_all();
    }
    std::lock_guard<std::mutex> lock(queue_mu);
    --preparing;
    queue_cv.notify_all();
  };
  for (unsigned t = 0; t < threads; ++t) workers.emplace_back(prepare_worker);
  Importer importer(store);
  auto reported = std::chrono::steady_clock::now();
  for (;;) {
    std::vector<PreparedUser> chunk;
    {
      std::unique_lock<std::mutex> lock(queue_mu);
      queue_cv.wait(lock, [&] { return !ready.empty() || preparing == 0; });
      if (ready.empty()) break;
      chunk = std::move(ready.front());
      ready.pop_front();
      queue_cv.notify_all();
    }
    if (failed) continue;  // drain, so that the workers can finish
    const uint64_t count = chunk.size();
    if (cognate::Status s = importer.Import(chunk); !s.ok()) {
      fail("importing: " + s.ToString());
      queue_cv.notify_all();
      continue;
    }
    done.fetch_add(count);
    if (SecondsSince(reported) >= 10) {
      reported = std::chrono::steady_clock::now();
      std::fprintf(stderr, "cognate-seed-log: %llu of %llu users, %.0f s\n", static_cast<unsigned long long>(done.load()),
                   static_cast<unsigned long long>(users), SecondsSince(started));
    }
  }
  for (auto& w : workers) w.join();
  if (failed) return Fail(first_error);
  const double seconds = SecondsSince(started);

  // An imported user must look exactly like one the operations made, but for per-user values.
  if (!imported_sub.empty()) {
    auto made = UserShape(store, pool_id, reference_sub);
    auto imported = UserShape(store, pool_id, imported_sub);
    if (!made.ok() || !imported.ok()) return Fail("reading users back: " + (made.ok() ? imported.status() : made.status()).ToString());
    if (*made != *imported) {
      return Fail("an imported user differs from one SignUp and AdminConfirmSignUp made:\n  made:     " + made->dump() +
                  "\n  imported: " + imported->dump());
    }
  }

  // A bulk import should leave a settled store: without this, the server that opens it next
  // shares its core with the import's compactions for minutes.
  const auto compacting = std::chrono::steady_clock::now();
  if (cognate::Status s = store.CompactAll(); !s.ok()) return Fail("compacting: " + s.ToString());
  const double compact_seconds = SecondsSince(compacting);

  json summary = {{"pool_id", pool_id},
                  {"client_id", client_id},
                  {"user_prefix", flags.user_prefix},
                  {"users", users},
                  {"reference_users", references},
                  {"password", flags.password},
                  {"events", store.LastSequence()},
                  {"seconds", seconds},
                  {"compact_seconds", compact_seconds},
                  {"threads", threads},
                  {"argon2", {{"m_kib", kSeedArgon2.memory_kib}, {"t", kSeedArgon2.iterations}, {"p", kSeedArgon2.parallelism}}},
                  {"srp_verifier", fixed_base_used ? "fixed-base table" : "openssl BN_mod_exp"},
                  {"synced_appends", false}};
  const std::string line = summary.dump();
  std::cout << line << std::endl;
  if (!flags.out.empty()) {
    std::ofstream out(flags.out);
    out << line << "\n";
    if (!out) return Fail("cannot write " + flags.out);
  }
  std::fprintf(stderr, "cognate-seed-log: %llu users in pool %s in %.1f s (%.0f users/s)\n",
               static_cast<unsigned long long>(users), pool_id.c_str(), seconds, static_cast<double>(users) / seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data, mode = "log";
  uint64_t users = 20000;
  uint64_t target_events = 1000000;
  unsigned threads = 8;
  bool openssl_modexp = false;
  PoolFlags pool_flags;
  const char* usage =
      "usage: cognate-seed-log --data DIR [--mode log] [--users N] [--events M] [--threads T]\n"
      "       cognate-seed-log --data DIR --mode pool --users N [--threads T] [--password P]\n"
      "                        [--user-prefix P] [--reference-users R] [--out FILE] [--openssl-modexp]";
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--openssl-modexp") {
      openssl_modexp = true;
      continue;
    }
    if (flag == "--help" || flag == "-h") {
      std::cout << usage << "\n";
      return 0;
    }
    if (i + 1 >= argc) return Fail("missing value for " + flag + "\n" + usage);
    const std::string value = argv[++i];
    try {
      if (flag == "--data") data = value;
      else if (flag == "--mode") mode = value;
      else if (flag == "--users") users = std::stoull(value);
      else if (flag == "--events") target_events = std::stoull(value);
      else if (flag == "--threads") threads = static_cast<unsigned>(std::stoul(value));
      else if (flag == "--password") pool_flags.password = value;
      else if (flag == "--user-prefix") pool_flags.user_prefix = value;
      else if (flag == "--out") pool_flags.out = value;
      else if (flag == "--reference-users") pool_flags.reference_users = std::stoull(value);
      else return Fail("unknown option " + flag + "\n" + usage);
    } catch (...) {
      return Fail("bad number for " + flag);
    }
  }
  if (data.empty() || users == 0 || threads == 0 || (mode != "log" && mode != "pool")) return Fail(usage);
  std::error_code ec;
  if (std::filesystem::exists(data + "/store", ec)) return Fail(data + "/store exists; seed a fresh directory");
  std::filesystem::create_directories(data, ec);
  // master.key as `cognate serve` reads it: the 32 raw bytes, readable by the owner only.
  const std::string master_key = cognate::crypto::RandomBytes(32);
  {
    std::ofstream key(data + "/master.key", std::ios::binary);
    key << master_key;
  }
  std::filesystem::permissions(data + "/master.key", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);

  const bool fixed_base_used = !openssl_modexp && EnableFixedBase();
  if (!openssl_modexp && !fixed_base_used) {
    std::cerr << "cognate-seed-log: warning: the fixed-base table is not in use (it disagrees with OpenSSL, or the "
                 "engine's SRP verifiers do not reach it); verifiers cost OpenSSL's exponentiation\n";
  }

  cognate::storage::RocksOptions store_options;
  store_options.path = data + "/store";
  store_options.sync = false;
  auto store = cognate::storage::RocksEventStore::Open(store_options);
  if (!store.ok()) return Fail(store.status().ToString());
  cognate::SystemClock clock;
  DropSink sink;
  cognate::crypto::PasswordHashingPool hasher(threads, 1024, kSeedArgon2);
  cognate::ServiceOptions options;
  options.master_key = master_key;
  options.issuer_base = "http://127.0.0.1:9230";
  cognate::UserPoolService service(**store, clock, hasher, sink, options);
  if (mode == "pool") return SeedPool(service, **store, clock, master_key, users, threads, pool_flags, fixed_base_used);
  return SeedLog(service, **store, data, users, target_events, threads);
}
