#include "bench/seed/activity_log.h"

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace cognate::bench {

using nlohmann::json;

Outcome<ActivityLog> WriteActivityLog(UserPoolService& service, EventStore& store, uint64_t users,
                                      uint64_t target_events, unsigned threads, const CallContext& admin) {
  auto pool = service.CreateUserPool({{"PoolName", "activity"}, {"UsernameAttributes", {"email"}}}, admin);
  if (!pool.ok()) return pool.error();
  ActivityLog log;
  log.pool_id = pool.value()["UserPool"]["Id"];
  const std::string& pool_id = log.pool_id;
  auto client = service.CreateUserPoolClient({{"UserPoolId", pool_id}, {"ClientName", "activity"}}, admin);
  if (!client.ok()) return client.error();
  for (const char* group : {"readers", "writers"}) {
    if (auto made = service.CreateGroup({{"UserPoolId", pool_id}, {"GroupName", group}}, admin); !made.ok()) {
      return made.error();
    }
  }

  std::atomic<uint64_t> next_user{0}, users_refused{0}, changes_refused{0};
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
      if (!made.ok()) users_refused.fetch_add(1);
    }
  };
  auto change = [&](unsigned seed) {
    std::mt19937_64 random(seed);
    while (store.LastSequence() < target_events) {
      const uint64_t i = random() % users;
      json request = {{"UserPoolId", pool_id}, {"Username", email(i)}};
      bool ok = true;
      switch (random() % 4) {
        case 0:
        case 1:
          request["UserAttributes"] = {{{"Name", "name"}, {"Value", "User " + std::to_string(i) + " v" + std::to_string(random() % 1000)}}};
          ok = service.AdminUpdateUserAttributes(request, admin).ok();
          break;
        case 2:
          request["GroupName"] = random() % 2 ? "readers" : "writers";
          ok = service.AdminAddUserToGroup(request, admin).ok();
          break;
        default:
          request["GroupName"] = random() % 2 ? "readers" : "writers";
          ok = service.AdminRemoveUserFromGroup(request, admin).ok();
          break;
      }
      if (!ok) changes_refused.fetch_add(1);
    }
  };
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) workers.emplace_back(create);
  for (auto& w : workers) w.join();
  workers.clear();
  for (unsigned t = 0; t < threads; ++t) workers.emplace_back(change, t + 1);
  for (auto& w : workers) w.join();
  log.users_refused = users_refused.load();
  log.changes_refused = changes_refused.load();
  return log;
}

}  // namespace cognate::bench
