#include "engine/crypto/password_hasher.h"

#include <argon2.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <future>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace cognate::crypto {
namespace {

// Cheap parameters for tests that exercise plumbing rather than cost.
constexpr Argon2Params kFast{.memory_kib = 256, .iterations = 1, .parallelism = 1};

TEST(PasswordHasher, HashThenVerifyWithDefaultParameters) {
  const Result<std::string> phc = HashPassword("correct horse battery staple");
  ASSERT_TRUE(phc.ok()) << phc.status().ToString();
  EXPECT_TRUE(std::regex_match(
      *phc,
      std::regex(R"(\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43})")))
      << *phc;
  EXPECT_EQ(VerifyPassword(*phc, "correct horse battery staple").value(), true);
  EXPECT_EQ(VerifyPassword(*phc, "correct horse battery stapler").value(), false);
  EXPECT_EQ(VerifyPassword(*phc, "").value(), false);
}

TEST(PasswordHasher, SaltIsFreshEachTime) {
  const std::string a = HashPassword("same", kFast).value();
  const std::string b = HashPassword("same", kFast).value();
  EXPECT_NE(a, b);
  EXPECT_TRUE(VerifyPassword(a, "same").value());
  EXPECT_TRUE(VerifyPassword(b, "same").value());
}

TEST(PasswordHasher, OlderLowerParametersStillVerify) {
  const std::string phc = HashPassword("hunter2", {.memory_kib = 4096, .iterations = 1}).value();
  EXPECT_NE(phc.find("$m=4096,t=1,p=1$"), std::string::npos) << phc;
  EXPECT_TRUE(VerifyPassword(phc, "hunter2").value());
  EXPECT_FALSE(VerifyPassword(phc, "hunter3").value());
}

TEST(PasswordHasher, VerifiesTheReferenceImplementationVector) {
  // From the Argon2 reference implementation's tests (password "password", salt "somesalt").
  const char* phc =
      "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
  EXPECT_TRUE(VerifyPassword(phc, "password").value());
  EXPECT_FALSE(VerifyPassword(phc, "Password").value());
}

// The PHC strings are written and read by our code; libargon2's own encoder and verifier are the
// reference they must agree with, both ways.
TEST(PasswordHasher, AgreesWithLibargon2sEncodedHashesBothWays) {
  for (const Argon2Params& params : {kFast, Argon2Params{.memory_kib = 1024, .iterations = 3, .parallelism = 2}}) {
    const std::string password = "tr0ub4dor&3";
    const std::string salt = "a salt of 16 byt";
    std::string reference(argon2_encodedlen(params.iterations, params.memory_kib, params.parallelism,
                                            static_cast<uint32_t>(salt.size()), 32, Argon2_id),
                          '\0');
    ASSERT_EQ(argon2id_hash_encoded(params.iterations, params.memory_kib, params.parallelism, password.data(),
                                    password.size(), salt.data(), salt.size(), 32, reference.data(),
                                    reference.size()),
              ARGON2_OK);
    reference.resize(std::strlen(reference.c_str()));
    EXPECT_TRUE(VerifyPassword(reference, password).value()) << reference;
    EXPECT_FALSE(VerifyPassword(reference, password + "!").value()) << reference;

    const std::string ours = HashPassword(password, params).value();
    EXPECT_EQ(argon2id_verify(ours.c_str(), password.data(), password.size()), ARGON2_OK) << ours;
    EXPECT_EQ(argon2id_verify(ours.c_str(), "other", 5), ARGON2_VERIFY_MISMATCH) << ours;
    // Same layout as libargon2's: only the salt and hash differ.
    EXPECT_EQ(ours.substr(0, ours.rfind('$', ours.rfind('$') - 1)),
              reference.substr(0, reference.rfind('$', reference.rfind('$') - 1)));
  }
}

TEST(PasswordHasher, HandlesBinaryAndLongPasswords) {
  const std::string binary("pa\0ss", 5);
  const std::string phc = HashPassword(binary, kFast).value();
  EXPECT_TRUE(VerifyPassword(phc, binary).value());
  EXPECT_FALSE(VerifyPassword(phc, "pa").value());
  const std::string long_password(256, 'x');
  EXPECT_TRUE(VerifyPassword(HashPassword(long_password, kFast).value(), long_password).value());
}

TEST(PasswordHasher, UnknownSchemeIsInvalidArgument) {
  for (const char* phc : {"", "plain", "$argon2i$v=19$m=4096,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNo",
                          "$argon2d$v=19$m=4096,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNo",
                          "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
                          "$pbkdf2-sha256$29000$salt$hash"}) {
    const Result<bool> r = VerifyPassword(phc, "x");
    ASSERT_FALSE(r.ok()) << phc;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << phc;
  }
}

TEST(PasswordHasher, MalformedPhcIsInvalidArgument) {
  const std::string good = HashPassword("pw", kFast).value();
  const std::string salt_and_hash = good.substr(good.rfind("$", good.rfind("$") - 1));
  for (const std::string& phc : {
           std::string("$argon2id$"),
           std::string("$argon2id$v=19$m=256,t=1,p=1"),
           std::string("$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHQ"),
           std::string("$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHQ$"),
           std::string("$argon2id$v=19$m=abc,t=1,p=1") + salt_and_hash,
           std::string("$argon2id$v=19$t=1,m=256,p=1") + salt_and_hash,
           std::string("$argon2id$v=18$m=256,t=1,p=1") + salt_and_hash,
           std::string("$argon2id$v=19$m=4294967295,t=1,p=1") + salt_and_hash,
           std::string("$argon2id$v=19$m=256,t=100000,p=1") + salt_and_hash,
           std::string("$argon2id$v=19$m=256,t=0,p=1") + salt_and_hash,
           std::string("$argon2id$v=19$m=4,t=1,p=1") + salt_and_hash,
           std::string("$argon2id$v=19$m=256,t=1,p=1$c29t!XNhbHQ$aGFzaGhhc2hoYXNo"),
           std::string("$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHQ$aGFz#2hhc2hoYXNo"),
           good + "\n",
           good.substr(0, 20) + std::string(1, '\0') + good.substr(21),
       }) {
    const Result<bool> r = VerifyPassword(phc, "pw");
    ASSERT_FALSE(r.ok()) << phc;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << phc;
  }
}

TEST(PasswordHasher, RejectsParametersOutOfRange) {
  for (const Argon2Params& params : {
           Argon2Params{.memory_kib = 7, .iterations = 1, .parallelism = 1},
           Argon2Params{.memory_kib = 256, .iterations = 0, .parallelism = 1},
           Argon2Params{.memory_kib = 256, .iterations = 1, .parallelism = 0},
           Argon2Params{.memory_kib = kMaxArgon2MemoryKib + 1, .iterations = 1, .parallelism = 1},
       }) {
    const Result<std::string> r = HashPassword("pw", params);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

// ---- PasswordHashingPool ----

// Polls `done` until it holds. The pool's state changes are driven by the test itself, so this
// terminates; the deadline only turns a bug into a failure instead of a hang.
void WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "condition never became true";
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

TEST(PasswordHashingPool, HashesAndVerifies) {
  PasswordHashingPool pool(2, 4, kFast);
  const std::string phc = pool.Hash("pw").value();
  EXPECT_NE(phc.find("$m=256,t=1,p=1$"), std::string::npos);
  EXPECT_TRUE(pool.Verify(phc, "pw").value());
  EXPECT_FALSE(pool.Verify(phc, "wrong").value());
  EXPECT_EQ(pool.GetStats().running, 0u);
  EXPECT_EQ(pool.max_concurrent(), 2u);
  EXPECT_EQ(pool.max_waiting(), 4u);
}

// Each slot keeps one working memory for every hash it runs, so many threads hashing through a
// pool of two slots make at most two (the allocator would otherwise keep a freed one per thread).
TEST(PasswordHashingPool, KeepsOneWorkingMemoryPerSlotWhateverTheThreads) {
  PasswordHashingPool pool(2, 64, kFast);
  std::vector<std::thread> threads;
  std::atomic<int> verified{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&pool, &verified, t] {
      for (int i = 0; i < 4; ++i) {
        const std::string password = "pw-" + std::to_string(t);
        const std::string phc = pool.Hash(password).value();
        if (pool.Verify(phc, password).value() && !pool.Verify(phc, "wrong").value()) ++verified;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(verified.load(), 32);
  EXPECT_GE(pool.GetStats().memory_blocks, 1u);
  EXPECT_LE(pool.GetStats().memory_blocks, 2u);
}

// A stored hash with more memory than the pool's parameters (made before they were lowered) gets
// memory of its own for that one verification.
TEST(PasswordHashingPool, VerifiesAHashThatNeedsMoreMemoryThanItsSlotsHave) {
  PasswordHashingPool pool(1, 4, kFast);
  const std::string phc = HashPassword("pw", {.memory_kib = 4096, .iterations = 1}).value();
  EXPECT_TRUE(pool.Verify(phc, "pw").value());
  EXPECT_FALSE(pool.Verify(phc, "wrong").value());
  EXPECT_TRUE(pool.Verify(pool.Hash("pw").value(), "pw").value());
}

TEST(PasswordHashingPool, DefaultsToHardwareConcurrency) {
  PasswordHashingPool pool;
  EXPECT_GE(pool.max_concurrent(), 1u);
  EXPECT_EQ(pool.max_waiting(), 256u);
}

TEST(PasswordHashingPool, RejectsWhenTheWaitingBoundIsExceeded) {
  PasswordHashingPool pool(/*max_concurrent=*/1, /*max_waiting=*/1, kFast);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> entered{0};
  pool.SetInSlotHookForTesting([&] {
    ++entered;
    released.wait();
  });

  // First caller takes the only slot and blocks inside it.
  std::thread holder([&] { EXPECT_TRUE(pool.Hash("a").ok()); });
  WaitFor([&] { return pool.GetStats().running == 1; });
  // Second caller queues.
  std::thread waiter([&] { EXPECT_TRUE(pool.Hash("b").ok()); });
  WaitFor([&] { return pool.GetStats().waiting == 1; });

  // Third caller finds the queue full and is refused at once, for Hash and Verify alike.
  const Result<std::string> refused = pool.Hash("c");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  const Result<bool> refused_verify =
      pool.Verify("$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "c");
  ASSERT_FALSE(refused_verify.ok());
  EXPECT_EQ(refused_verify.status().code(), StatusCode::kResourceExhausted);
  // A malformed hash is rejected before queueing, so it reports what is wrong with it.
  EXPECT_EQ(pool.Verify("not a hash", "c").status().code(), StatusCode::kInvalidArgument);

  PasswordHashingPool::Stats stats = pool.GetStats();
  EXPECT_EQ(stats.running, 1u);
  EXPECT_EQ(stats.waiting, 1u);
  EXPECT_EQ(stats.rejected, 2u);

  release.set_value();
  holder.join();
  waiter.join();
  EXPECT_EQ(entered.load(), 2);
  stats = pool.GetStats();
  EXPECT_EQ(stats.running, 0u);
  EXPECT_EQ(stats.waiting, 0u);
  EXPECT_EQ(stats.rejected, 2u);
}

TEST(PasswordHashingPool, ZeroWaitingRejectsWheneverAllSlotsAreBusy) {
  PasswordHashingPool pool(1, 0, kFast);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  pool.SetInSlotHookForTesting([&] { released.wait(); });
  std::thread holder([&] { EXPECT_TRUE(pool.Hash("a").ok()); });
  WaitFor([&] { return pool.GetStats().running == 1; });
  EXPECT_EQ(pool.Hash("b").status().code(), StatusCode::kResourceExhausted);
  release.set_value();
  holder.join();
  pool.SetInSlotHookForTesting(nullptr);
  EXPECT_TRUE(pool.Hash("c").ok());
}

TEST(PasswordHashingPool, NeverRunsMoreThanMaxConcurrent) {
  constexpr size_t kMaxConcurrent = 2;
  constexpr int kThreads = 8;
  PasswordHashingPool pool(kMaxConcurrent, kThreads, kFast);
  std::atomic<int> inside{0};
  std::atomic<int> most_inside{0};
  std::atomic<int> calls{0};
  pool.SetInSlotHookForTesting([&] {
    const int now = ++inside;
    int seen = most_inside.load();
    while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {
    }
    EXPECT_LE(pool.GetStats().running, kMaxConcurrent);
    ++calls;
    --inside;
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 3; ++j) {
        const std::string pw = "pw" + std::to_string(i);
        const Result<std::string> phc = pool.Hash(pw);
        ASSERT_TRUE(phc.ok()) << phc.status().ToString();
        EXPECT_TRUE(pool.Verify(*phc, pw).value());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(calls.load(), kThreads * 3 * 2);
  EXPECT_LE(most_inside.load(), static_cast<int>(kMaxConcurrent));
  EXPECT_EQ(pool.GetStats().rejected, 0u);
}

}  // namespace
}  // namespace cognate::crypto
