// cognate-seed-log: writes a large log into a fresh data directory through the engine's ordinary
// operations (the same service, events, projections and store the server uses), for measuring
// `cognate replay`, `verify` and `audit` on millions of events.
//
//   cognate-seed-log --data DIR [--users N] [--events M] [--threads T]
//
// Creates a pool, a client and two groups, then N users (AdminCreateUser) and, spread over them,
// attribute updates and group joins and leaves until the log holds M events. Passwords are hashed
// with tiny Argon2 parameters and appends are not synced: this builds a benchmark fixture fast;
// the events are the ones a server appends.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/crypto/random.h"
#include "engine/ports/clock.h"
#include "engine/ports/message_sink.h"
#include "engine/service/user_pool_service.h"
#include "storage/rocks_event_store.h"

namespace {

using cognate::json;

class DropSink final : public cognate::MessageSink {
 public:
  void Send(const cognate::OutgoingMessage&) override {}
};

int Fail(const std::string& what) {
  std::cerr << "cognate-seed-log: " << what << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data;
  uint64_t users = 20000;
  uint64_t target_events = 1000000;
  unsigned threads = 8;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--data") data = value;
    else if (flag == "--users") users = std::stoull(value);
    else if (flag == "--events") target_events = std::stoull(value);
    else if (flag == "--threads") threads = static_cast<unsigned>(std::stoul(value));
    else return Fail("unknown option " + flag);
  }
  if (data.empty() || users == 0) return Fail("usage: cognate-seed-log --data DIR [--users N] [--events M] [--threads T]");
  std::error_code ec;
  if (std::filesystem::exists(data + "/store", ec)) return Fail(data + "/store exists; seed a fresh directory");
  std::filesystem::create_directories(data, ec);
  const std::string master_key = cognate::crypto::RandomBytes(32);
  {
    std::ofstream key(data + "/master.key", std::ios::binary);
    key << master_key;
  }
  std::filesystem::permissions(data + "/master.key", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);

  cognate::storage::RocksOptions store_options;
  store_options.path = data + "/store";
  store_options.sync = false;
  auto store = cognate::storage::RocksEventStore::Open(store_options);
  if (!store.ok()) return Fail(store.status().ToString());
  cognate::SystemClock clock;
  DropSink sink;
  cognate::crypto::PasswordHashingPool hasher(threads, 1024, cognate::crypto::Argon2Params{.memory_kib = 64, .iterations = 1, .parallelism = 1});
  cognate::ServiceOptions options;
  options.master_key = master_key;
  options.issuer_base = "http://127.0.0.1:9230";
  cognate::UserPoolService service(**store, clock, hasher, sink, options);
  const cognate::CallContext admin{.actor = "admin:SEED", .source_ip = "127.0.0.1", .user_agent = "cognate-seed-log", .client_id = ""};

  auto pool = service.CreateUserPool({{"PoolName", "seed"}, {"UsernameAttributes", {"email"}}}, admin);
  if (!pool.ok()) return Fail(pool.error().message);
  const std::string pool_id = pool.value()["UserPool"]["Id"];
  auto client = service.CreateUserPoolClient({{"UserPoolId", pool_id}, {"ClientName", "seed"}}, admin);
  if (!client.ok()) return Fail(client.error().message);
  for (const char* group : {"readers", "writers"}) {
    if (auto made = service.CreateGroup({{"UserPoolId", pool_id}, {"GroupName", group}}, admin); !made.ok()) {
      return Fail(made.error().message);
    }
  }

  const auto started = std::chrono::steady_clock::now();
  std::atomic<uint64_t> next_user{0}, failures{0};
  auto email = [](uint64_t i) { return "user" + std::to_string(i) + "@example.com"; };
  // Phase 1: the users. Phase 2: changes to them until the log is long enough.
  auto create = [&] {
    for (uint64_t i; (i = next_user.fetch_add(1)) < users;) {
      auto made = service.AdminCreateUser({{"UserPoolId", pool_id},
                                           {"Username", email(i)},
                                           {"TemporaryPassword", "Temp-Pass-1"},
                                           {"MessageAction", "SUPPRESS"},
                                           {"UserAttributes", {{{"Name", "name"}, {"Value", "User " + std::to_string(i)}}}}},
                                          admin);
      if (!made.ok()) failures.fetch_add(1);
    }
  };
  auto change = [&](unsigned seed) {
    std::mt19937_64 random(seed);
    while ((*store)->LastSequence() < target_events) {
      const uint64_t i = random() % users;
      const json who = {{"UserPoolId", pool_id}, {"Username", email(i)}};
      bool ok = true;
      switch (random() % 4) {
        case 0:
        case 1: {
          json request = who;
          request["UserAttributes"] = {{{"Name", "name"}, {"Value", "User " + std::to_string(i) + " v" + std::to_string(random() % 1000)}}};
          ok = service.AdminUpdateUserAttributes(request, admin).ok();
          break;
        }
        case 2: {
          json request = who;
          request["GroupName"] = random() % 2 ? "readers" : "writers";
          ok = service.AdminAddUserToGroup(request, admin).ok();
          break;
        }
        default: {
          json request = who;
          request["GroupName"] = random() % 2 ? "readers" : "writers";
          ok = service.AdminRemoveUserFromGroup(request, admin).ok();
          break;
        }
      }
      if (!ok) failures.fetch_add(1);
    }
  };
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) workers.emplace_back(create);
  for (auto& w : workers) w.join();
  workers.clear();
  for (unsigned t = 0; t < threads; ++t) workers.emplace_back(change, t + 1);
  for (auto& w : workers) w.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const uint64_t events = (*store)->LastSequence();
  std::printf("seeded %llu events (%llu users, %llu refused operations) in %.1f s into %s\n",
              static_cast<unsigned long long>(events), static_cast<unsigned long long>(users),
              static_cast<unsigned long long>(failures.load()), seconds, data.c_str());
  return 0;
}
