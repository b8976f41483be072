// Durable appends with group commit: N writers, each appending to its own stream of a
// RocksEventStore opened as the server opens it (sync = true: an append is answered only once its
// group's WAL write is synced). Each append is what a password sign-in commits: one event and the
// three read-model rows it projects (the user, the sign-in's origin, the refresh-token hash).
//
// items_per_second = acknowledged (synced) events per second over all writers. Every run opens a
// fresh store in a scratch directory under $TMPDIR (else /tmp) and removes it afterwards, so the
// figure is for the disk behind that directory.
#include <memory>
#include <string>
#include <utility>

#include <benchmark/benchmark.h>

#include "bench/micro/micro_support.h"
#include "engine/crypto/encoding.h"
#include "engine/crypto/random.h"
#include "storage/rocks_event_store.h"

namespace cognate::bench {
namespace {

struct AppendFixture {
  ScratchDir dir{"cognate-micro-append"};
  std::unique_ptr<storage::RocksEventStore> store;
};

// Shared by the writer threads of one run: thread 0 makes it before the timed loop (the loop's
// start is a barrier for all threads) and drops it after (its end is one too).
std::unique_ptr<AppendFixture> g_fixture;

// What one writer appends: a sign-in's event and rows, sized as the service writes them (a sealed
// personal-data box in the event, a user row of about 1.2 KB). Made once per writer; each append
// only stamps its own token ids in, so the writers' CPU goes to appending.
class SignInAppends {
 public:
  explicit SignInAppends(std::string stream)
      : stream_(std::move(stream)),
        user_row_(crypto::Base64Encode(crypto::RandomBytes(900))),
        box_(crypto::Base64Encode(crypto::RandomBytes(96))) {}

  AppendRequest Next(uint64_t expected_version) {
    const std::string n = std::to_string(expected_version + 1);
    const std::string origin_jti = stream_ + "/origin-" + n;
    const std::string refresh_hash = stream_ + "/refresh-" + n;
    std::string payload = R"({"client_id":"3n4b5urk1ft4fl3mg5e62d9ado","flow":"USER_PASSWORD_AUTH","origin_jti":")";
    payload += origin_jti;
    payload += R"(","refresh_hash":")";
    payload += refresh_hash;
    payload += R"(","refresh_expires_at_ms":1767225600000,"auth_time":1764547200,"$client":"3n4b5urk1ft4fl3mg5e62d9ado","$sealed":{"key":")";
    payload += stream_;
    payload += R"(","fields":["$ip","$ua"],"box":")";
    payload += box_;
    payload += R"("}})";
    AppendRequest request;
    request.stream = stream_;
    request.expected_version = expected_version;
    request.events.push_back(NewEvent{"user.signed_in", 1, 1764547200000, "user:" + stream_, std::move(payload)});
    request.rows.push_back(RowWrite{"users_v1", stream_, user_row_});
    request.rows.push_back(RowWrite{"origins_v1", origin_jti,
                                    R"({"auth_time":1764547200,"client_id":"3n4b5urk1ft4fl3mg5e62d9ado","issued_version":)" +
                                        n + R"(,"pool_id":"us-east-1_BENCH","refresh_expires_at_ms":1767225600000,"sub":")" +
                                        stream_ + "\"}"});
    request.rows.push_back(RowWrite{"refresh_v1", refresh_hash, origin_jti});
    return request;
  }

 private:
  const std::string stream_;
  const std::string user_row_;
  const std::string box_;
};

void BM_DurableAppend(benchmark::State& state) {
  if (state.thread_index() == 0) {
    g_fixture = std::make_unique<AppendFixture>();
    storage::RocksOptions options;
    options.path = g_fixture->dir.path() + "/store";
    options.sync = true;  // the server's setting
    auto store = g_fixture->dir.path().empty()
                     ? Result<std::unique_ptr<storage::RocksEventStore>>(InternalError("no scratch directory"))
                     : storage::RocksEventStore::Open(options);
    if (store.ok()) {
      g_fixture->store = std::move(store).value();
    } else {
      state.SkipWithError(store.status().ToString().c_str());
    }
  }
  SignInAppends appends("user/us-east-1_BENCH/writer-" + std::to_string(state.thread_index()));
  uint64_t version = 0;
  for (auto _ : state) {
    storage::RocksEventStore* store = g_fixture ? g_fixture->store.get() : nullptr;
    if (store == nullptr) {
      state.SkipWithError("no store");
      break;
    }
    auto appended = store->Append(appends.Next(version));
    if (!appended.ok()) {
      state.SkipWithError(appended.status().ToString().c_str());
      break;
    }
    version = appended->stream_version;
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) g_fixture.reset();
}
BENCHMARK(BM_DurableAppend)->Threads(1)->Threads(16)->Threads(64)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace cognate::bench
