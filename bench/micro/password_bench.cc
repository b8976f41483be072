// Password hashing: Argon2id at the parameters the server hashes with (Argon2Params' defaults,
// which `cognate serve` does not override: m = 19 MiB, t = 2, p = 1), through a
// PasswordHashingPool made as the server makes it. SignUp, AdminSetUserPassword and password
// changes hash once; USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH verify once.
#include <sched.h>

#include <algorithm>
#include <string>
#include <thread>

#include <benchmark/benchmark.h>

#include "engine/crypto/password_hasher.h"

namespace cognate::bench {
namespace {

constexpr char kPassword[] = "Bench-Passw0rd!";

crypto::PasswordHashingPool& ServerPool() {
  // As api/serve.cc makes it: a slot per core the process may run on, 16 callers waiting per slot,
  // the default parameters. One benchmark thread uses one slot at a time.
  static const unsigned cores = [] {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) return static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
    return std::max(1u, std::thread::hardware_concurrency());
  }();
  static crypto::PasswordHashingPool pool(cores, 16 * cores);
  return pool;
}

std::string ParamsLabel() {
  const crypto::Argon2Params params;
  return "argon2id m=" + std::to_string(params.memory_kib) + " KiB t=" + std::to_string(params.iterations) +
         " p=" + std::to_string(params.parallelism);
}

void BM_Argon2idHash(benchmark::State& state) {
  crypto::PasswordHashingPool& pool = ServerPool();
  for (auto _ : state) {
    auto phc = pool.Hash(kPassword);
    if (!phc.ok()) {
      state.SkipWithError(phc.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(phc);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(ParamsLabel());
}
BENCHMARK(BM_Argon2idHash)->Unit(benchmark::kMillisecond);

void BM_Argon2idVerify(benchmark::State& state) {
  crypto::PasswordHashingPool& pool = ServerPool();
  const std::string phc = pool.Hash(kPassword).value();
  for (auto _ : state) {
    auto match = pool.Verify(phc, kPassword);
    if (!match.ok() || !*match) {
      state.SkipWithError("the password did not verify");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(ParamsLabel());
}
BENCHMARK(BM_Argon2idVerify)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cognate::bench
