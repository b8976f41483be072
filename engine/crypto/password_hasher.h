// Password hashing with Argon2id (libargon2), stored as PHC strings:
//   $argon2id$v=19$m=19456,t=2,p=1$<salt, base64 no padding>$<hash, base64 no padding>
// with a 16-byte random salt and a 32-byte hash.
//
// HashPassword/VerifyPassword are pure functions and thread-safe, but each call allocates
// `memory_kib` KiB (19 MiB by default) for its duration. Servers go through PasswordHashingPool,
// which bounds how many hashes run at once and keeps one such block of memory per slot, reused by
// every hash in it: freed blocks of that size would otherwise stay in the allocator's per-thread
// arenas, one per thread that ever hashed (about 300 MB of a 2-core server that had signed a few
// users in, and more with more cores). It is thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace cognate::crypto {

// Argon2id cost parameters. Defaults are OWASP's recommended minimum (m=19 MiB, t=2, p=1).
// Valid ranges (enforced by HashPassword and VerifyPassword): 8·parallelism ≤ memory_kib ≤
// kMaxArgon2MemoryKib, 1 ≤ iterations ≤ kMaxArgon2Iterations, 1 ≤ parallelism ≤
// kMaxArgon2Parallelism.
struct Argon2Params {
  uint32_t memory_kib = 19456;  // m: memory per hash in KiB; default 19456 (19 MiB)
  uint32_t iterations = 2;      // t: passes over memory; default 2
  uint32_t parallelism = 1;     // p: lanes (and threads) per hash; default 1
};

// Upper bounds on parameters, also applied to PHC strings being verified, so that a corrupt or
// hostile stored hash cannot make one verification allocate gigabytes or run for minutes.
inline constexpr uint32_t kMaxArgon2MemoryKib = 1u << 20;  // 1 GiB
inline constexpr uint32_t kMaxArgon2Iterations = 64;
inline constexpr uint32_t kMaxArgon2Parallelism = 16;

// Hashes `password` with a fresh random salt. Returns the PHC string.
// Errors: kInvalidArgument for parameters out of range; kResourceExhausted if the memory could
// not be allocated; kInternal for any other libargon2 failure.
Result<std::string> HashPassword(std::string_view password, const Argon2Params& params = {});

// Checks `password` against a PHC string from HashPassword, using the parameters recorded in
// the string (so hashes made before parameters were raised keep verifying).
// Returns true on a match, false on a mismatch. Errors: kInvalidArgument if `phc` is not an
// "$argon2id$" PHC string, is malformed, or has parameters out of range; kResourceExhausted if the
// memory could not be allocated; kInternal for any other libargon2 failure.
Result<bool> VerifyPassword(std::string_view phc, std::string_view password);

// Argon2 working memory that a PasswordHashingPool slot keeps from one hash to the next.
struct Argon2Memory {
  std::unique_ptr<uint8_t[]> bytes;
  size_t size = 0;
};

// Runs HashPassword/VerifyPassword with at most `max_concurrent` hashes in flight.
//
// A caller that finds every slot busy waits (blocking its thread) in FIFO order; if
// `max_waiting` callers are already waiting it fails at once with kResourceExhausted (the API
// answers TooManyRequestsException). Thread-safe; the pool must outlive every call into it.
class PasswordHashingPool {
 public:
  struct Stats {
    size_t running = 0;     // hashes in flight now
    size_t waiting = 0;     // callers blocked waiting for a slot now
    uint64_t rejected = 0;  // calls refused with kResourceExhausted since construction
    size_t memory_blocks = 0;  // working memories made so far, one per slot ever used
  };

  // max_concurrent == 0 means the number of hardware threads (at least 1).
  // max_waiting may be 0 (never wait: reject whenever all slots are busy).
  // `params` are used by Hash (Verify always uses the parameters inside the PHC string).
  explicit PasswordHashingPool(size_t max_concurrent = 0, size_t max_waiting = 256,
                               const Argon2Params& params = {});

  PasswordHashingPool(const PasswordHashingPool&) = delete;
  PasswordHashingPool& operator=(const PasswordHashingPool&) = delete;

  // HashPassword(password, params) inside a slot. Extra error: kResourceExhausted when the
  // waiting bound is exceeded (nothing was hashed).
  Result<std::string> Hash(std::string_view password);

  // VerifyPassword(phc, password) inside a slot. A `phc` that does not parse fails with
  // kInvalidArgument without taking a slot. Extra error: kResourceExhausted as for Hash.
  Result<bool> Verify(std::string_view phc, std::string_view password);

  Stats GetStats() const;
  size_t max_concurrent() const { return max_concurrent_; }
  size_t max_waiting() const { return max_waiting_; }

  // Test seam: `hook` runs on the calling thread while it holds a slot, just before hashing.
  // A test can block inside it to hold slots deterministically. Pass nullptr to remove.
  void SetInSlotHookForTesting(std::function<void()> hook);

 private:
  // Takes a slot, waiting if needed; on success the caller must call ReleaseSlot() exactly once.
  // Returns the hook to run inside the slot (possibly empty).
  Result<std::function<void()>> AcquireSlot();
  void ReleaseSlot();
  class SlotMemoryScope;
  std::unique_ptr<Argon2Memory> TakeMemory();
  void ReturnMemory(std::unique_ptr<Argon2Memory> memory);

  const size_t max_concurrent_;
  const size_t max_waiting_;
  const Argon2Params params_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  size_t running_ = 0;          // guarded by mu_
  size_t waiting_ = 0;          // guarded by mu_
  uint64_t next_ticket_ = 0;    // guarded by mu_; ticket of the next caller to queue
  uint64_t now_serving_ = 0;    // guarded by mu_; ticket of the queued caller allowed next
  uint64_t rejected_ = 0;       // guarded by mu_
  std::function<void()> hook_;  // guarded by mu_
  // Working memory of the slots not hashing now; at most max_concurrent_ ever exist.
  std::vector<std::unique_ptr<Argon2Memory>> idle_memory_;  // guarded by mu_
  size_t memory_blocks_ = 0;                                // guarded by mu_
};

}  // namespace cognate::crypto
