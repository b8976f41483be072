// Replay: events per second of the path `cognate replay` takes (api/log_replay.h) over a log
// of 20,000 events written by the engine, on one thread.
//
// The log is written once per process by cognate-seed-log's workload (bench/seed/activity_log.h),
// on one thread: a pool, a client and two groups through UserPoolService, then 2,000 users
// (AdminCreateUser), then attribute updates and group joins and leaves spread over them until the
// log holds 20,000 events.
// Each iteration then replays it as the command does: the data directory opened as a follower
// (LogAccess), the log read in batches of 4,096, each event decoded (payload parsed, personal
// fields opened with the user's key from the vault, upcast) and projected (audit::LogProjector:
// the user's state kept from their last event, evolved, projected; each changed user's row
// written once per batch), each batch imported into a fresh store, which is synced at the end. The time counted is the command's own: from the first batch to the sync;
// opening the stores and comparing digests are not counted.
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "api/log_access.h"
#include "api/log_replay.h"
#include "bench/micro/micro_support.h"
#include "bench/seed/activity_log.h"
#include "engine/crypto/random.h"
#include "engine/ports/clock.h"
#include "engine/ports/message_sink.h"
#include "engine/service/user_pool_service.h"
#include "storage/rocks_event_store.h"

namespace cognate::bench {
namespace {


constexpr uint64_t kUsers = 2000;
constexpr uint64_t kEvents = 20000;

class DropSink final : public MessageSink {
 public:
  void Send(const OutgoingMessage&) override {}
};

// A data directory (master.key, store/) holding an engine-written log; empty path on failure.
struct SeededLog {
  ScratchDir dir{"cognate-micro-replay"};
  std::string error;
  uint64_t events = 0;
};

std::unique_ptr<SeededLog> Seed() {
  auto seeded = std::make_unique<SeededLog>();
  const std::string& data = seeded->dir.path();
  if (data.empty()) {
    seeded->error = "no scratch directory";
    return seeded;
  }
  const std::string master_key = crypto::RandomBytes(32);
  std::ofstream(data + "/master.key", std::ios::binary) << master_key;

  storage::RocksOptions store_options;
  store_options.path = data + "/store";
  store_options.sync = false;  // a fixture: the events are those a server appends
  auto store = storage::RocksEventStore::Open(store_options);
  if (!store.ok()) {
    seeded->error = store.status().ToString();
    return seeded;
  }
  SystemClock clock;
  DropSink sink;
  // Tiny Argon2 parameters: only the log is wanted (the PHC strings keep their shape).
  crypto::PasswordHashingPool hasher(1, 16, crypto::Argon2Params{.memory_kib = 64, .iterations = 1, .parallelism = 1});
  ServiceOptions options;
  options.master_key = master_key;
  options.issuer_base = "http://127.0.0.1:9230";
  UserPoolService service(**store, clock, hasher, sink, options);
  const CallContext admin{.actor = "admin:BENCH", .source_ip = "127.0.0.1", .user_agent = "cognate-micro", .client_id = ""};

  auto log = WriteActivityLog(service, **store, kUsers, kEvents, /*threads=*/1, admin);
  if (!log.ok()) {
    seeded->error = log.error().message;
    return seeded;
  }
  if (log->users_refused > 0) {
    seeded->error = std::to_string(log->users_refused) + " users could not be made";
    return seeded;
  }
  seeded->events = (*store)->LastSequence();
  return seeded;
}

// Made on first use, removed at exit.
SeededLog& Log() {
  static std::unique_ptr<SeededLog> log = Seed();
  return *log;
}

void BM_Replay(benchmark::State& state) {
  SeededLog& log = Log();
  if (!log.error.empty()) {
    state.SkipWithError(("seeding the log: " + log.error).c_str());
    return;
  }
  uint64_t replayed = 0;
  for (auto _ : state) {
    auto access = api::LogAccess::Open(log.dir.path());
    if (!access.ok()) {
      state.SkipWithError(access.status().ToString().c_str());
      break;
    }
    ScratchDir into("cognate-micro-replay-into");
    storage::RocksOptions target_options;
    target_options.path = into.path() + "/store";
    target_options.sync = false;  // as the command: made durable once, at the end
    auto target = storage::RocksEventStore::Open(target_options);
    if (!target.ok()) {
      state.SkipWithError(target.status().ToString().c_str());
      break;
    }
    const uint64_t last = (*access)->store().LastSequence();
    const auto started = std::chrono::steady_clock::now();
    auto replay = api::ReplayLog((*access)->store(), last, (*access)->keys(), **target);
    Status synced = replay.ok() ? (*target)->Sync() : replay.status();
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (!synced.ok()) {
      state.SkipWithError(synced.ToString().c_str());
      break;
    }
    replayed += replay->events;
  }
  state.SetItemsProcessed(static_cast<int64_t>(replayed));
  state.counters["events"] = static_cast<double>(log.events);
}
// Three whole replays, whatever --benchmark_min_time says: one takes about a second.
BENCHMARK(BM_Replay)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cognate::bench
