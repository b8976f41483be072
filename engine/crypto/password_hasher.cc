#include "engine/crypto/password_hasher.h"

#include <argon2.h>

#include <cstdlib>
#include <thread>
#include <utility>

#include "engine/crypto/argon2_phc.h"
#include "engine/crypto/random.h"

namespace cognate::crypto {
namespace {

constexpr size_t kSaltSize = 16;
constexpr size_t kHashSize = 32;

Status CheckParams(const Argon2Params& p) {
  if (p.parallelism < 1 || p.parallelism > kMaxArgon2Parallelism) {
    return InvalidArgumentError("argon2id: parallelism out of range");
  }
  if (p.iterations < 1 || p.iterations > kMaxArgon2Iterations) {
    return InvalidArgumentError("argon2id: iterations out of range");
  }
  if (p.memory_kib < 8 * p.parallelism || p.memory_kib > kMaxArgon2MemoryKib) {
    return InvalidArgumentError("argon2id: memory out of range");
  }
  return Status::Ok();
}

Status FromArgon2Error(int rc, const char* what) {
  std::string message = std::string(what) + ": " + argon2_error_message(rc);
  switch (rc) {
    case ARGON2_MEMORY_ALLOCATION_ERROR:
      return ResourceExhaustedError(std::move(message));
    case ARGON2_THREAD_FAIL:
    case ARGON2_OUTPUT_PTR_NULL:
    case ARGON2_ENCODING_FAIL:
      return InternalError(std::move(message));
    default:
      return InvalidArgumentError(std::move(message));
  }
}

// The working memory a hash on this thread may use instead of allocating its own: a pool
// slot's, set by SlotMemoryScope for the duration of one hash. libargon2's allocation callbacks
// take no argument, hence the thread-local.
thread_local Argon2Memory* tl_slot_memory = nullptr;

// libargon2 ignores the return value and treats a null `*memory` as an allocation failure.
int AllocateArgon2Memory(uint8_t** memory, size_t bytes) {
  if (tl_slot_memory != nullptr && tl_slot_memory->size >= bytes) {
    *memory = tl_slot_memory->bytes.get();
  } else {
    *memory = static_cast<uint8_t*>(std::malloc(bytes));
  }
  return *memory != nullptr ? ARGON2_OK : ARGON2_MEMORY_ALLOCATION_ERROR;
}

// libargon2 has wiped the memory before it calls this; a slot's is kept for the next hash.
void FreeArgon2Memory(uint8_t* memory, size_t) {
  if (tl_slot_memory != nullptr && memory == tl_slot_memory->bytes.get()) return;
  std::free(memory);
}

argon2_context Argon2idContext(std::string_view password, const Argon2idPhc& phc, std::string& out) {
  argon2_context context{};
  context.out = reinterpret_cast<uint8_t*>(out.data());
  context.outlen = static_cast<uint32_t>(out.size());
  // libargon2 writes to these only with ARGON2_FLAG_CLEAR_PASSWORD/SECRET, which are not set.
  context.pwd = reinterpret_cast<uint8_t*>(const_cast<char*>(password.data()));
  context.pwdlen = static_cast<uint32_t>(password.size());
  context.salt = reinterpret_cast<uint8_t*>(const_cast<char*>(phc.salt.data()));
  context.saltlen = static_cast<uint32_t>(phc.salt.size());
  context.t_cost = phc.params.iterations;
  context.m_cost = phc.params.memory_kib;
  context.lanes = phc.params.parallelism;
  context.threads = phc.params.parallelism;
  context.version = phc.version;
  context.allocate_cbk = AllocateArgon2Memory;
  context.free_cbk = FreeArgon2Memory;
  context.flags = ARGON2_DEFAULT_FLAGS;
  return context;
}

// libargon2 takes lengths as 32 bits; the high-level functions refused longer passwords too.
Status CheckPasswordLength(std::string_view password) {
  if (password.size() > ARGON2_MAX_PWD_LENGTH) return InvalidArgumentError("argon2id: password too long");
  return Status::Ok();
}

// The PHC string of a stored hash, with its cost parameters bounded.
Result<Argon2idPhc> ParsePhc(std::string_view text) {
  Result<Argon2idPhc> phc = DecodeArgon2idPhc(text);
  if (!phc.ok()) return phc.status();
  if (phc->version != ARGON2_VERSION_13 && phc->version != ARGON2_VERSION_10) {
    return InvalidArgumentError("argon2id: unsupported version");
  }
  if (Status st = CheckParams(phc->params); !st.ok()) return st;
  return phc;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password, const Argon2Params& params) {
  if (Status st = CheckParams(params); !st.ok()) return st;
  if (Status st = CheckPasswordLength(password); !st.ok()) return st;
  Argon2idPhc phc;
  phc.version = ARGON2_VERSION_13;
  phc.params = params;
  phc.salt = RandomBytes(kSaltSize);
  phc.hash.assign(kHashSize, '\0');
  argon2_context context = Argon2idContext(password, phc, phc.hash);
  if (const int rc = argon2id_ctx(&context); rc != ARGON2_OK) return FromArgon2Error(rc, "argon2id hash");
  return EncodeArgon2idPhc(phc);
}

Result<bool> VerifyPassword(std::string_view text, std::string_view password) {
  Result<Argon2idPhc> phc = ParsePhc(text);
  if (!phc.ok()) return phc.status();
  if (Status st = CheckPasswordLength(password); !st.ok()) return st;
  std::string computed(phc->hash.size(), '\0');
  argon2_context context = Argon2idContext(password, *phc, computed);
  // Computes into `computed` and compares it with the stored hash in constant time.
  const int rc = argon2id_verify_ctx(&context, phc->hash.data());
  if (rc == ARGON2_OK) return true;
  if (rc == ARGON2_VERIFY_MISMATCH) return false;
  return FromArgon2Error(rc, "argon2id verify");
}

// ---- PasswordHashingPool ----

namespace {

size_t DefaultConcurrency(size_t requested) {
  if (requested > 0) return requested;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? cores : 1;
}

}  // namespace

PasswordHashingPool::PasswordHashingPool(size_t max_concurrent, size_t max_waiting,
                                         const Argon2Params& params)
    : max_concurrent_(DefaultConcurrency(max_concurrent)),
      max_waiting_(max_waiting),
      params_(params) {}

Result<std::function<void()>> PasswordHashingPool::AcquireSlot() {
  std::unique_lock<std::mutex> lock(mu_);
  if (waiting_ == 0 && running_ < max_concurrent_) {
    ++running_;
    return hook_;
  }
  if (waiting_ >= max_waiting_) {
    ++rejected_;
    return ResourceExhaustedError("too many concurrent password hashing requests");
  }
  const uint64_t ticket = next_ticket_++;
  ++waiting_;
  cv_.wait(lock, [&] { return ticket == now_serving_ && running_ < max_concurrent_; });
  --waiting_;
  ++now_serving_;
  ++running_;
  // If several slots freed at once, the next ticket may be able to go too.
  if (waiting_ > 0) cv_.notify_all();
  return hook_;
}

void PasswordHashingPool::ReleaseSlot() {
  std::lock_guard<std::mutex> lock(mu_);
  --running_;
  if (waiting_ > 0) cv_.notify_all();
}

namespace {

// Releases a pool slot when the work inside it finishes, however it finishes.
class SlotReleaser {
 public:
  explicit SlotReleaser(std::function<void()> release) : release_(std::move(release)) {}
  ~SlotReleaser() { release_(); }
  SlotReleaser(const SlotReleaser&) = delete;
  SlotReleaser& operator=(const SlotReleaser&) = delete;

 private:
  std::function<void()> release_;
};

}  // namespace

// Lends the calling thread a slot's working memory for one hash (see tl_slot_memory), and gives
// it back to the pool afterwards, before the slot itself is released.
class PasswordHashingPool::SlotMemoryScope {
 public:
  explicit SlotMemoryScope(PasswordHashingPool& pool) : pool_(pool), memory_(pool.TakeMemory()) {
    tl_slot_memory = memory_.get();
  }
  ~SlotMemoryScope() {
    tl_slot_memory = nullptr;
    pool_.ReturnMemory(std::move(memory_));
  }
  SlotMemoryScope(const SlotMemoryScope&) = delete;
  SlotMemoryScope& operator=(const SlotMemoryScope&) = delete;

 private:
  PasswordHashingPool& pool_;
  std::unique_ptr<Argon2Memory> memory_;
};

std::unique_ptr<Argon2Memory> PasswordHashingPool::TakeMemory() {
  std::unique_ptr<Argon2Memory> memory;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_memory_.empty()) {
      memory = std::move(idle_memory_.back());
      idle_memory_.pop_back();
    } else {
      memory = std::make_unique<Argon2Memory>();
      ++memory_blocks_;
    }
  }
  if (!memory->bytes) {
    // The first hash in this slot (or the first since allocating failed): enough for the pool's
    // parameters, libargon2 using at most m KiB. Left uninitialised; libargon2 fills it. Should
    // it fail, libargon2 allocates its own, or fails cleanly.
    memory->bytes.reset(new (std::nothrow) uint8_t[size_t{params_.memory_kib} * 1024]);
    memory->size = memory->bytes ? size_t{params_.memory_kib} * 1024 : 0;
  }
  return memory;
}

void PasswordHashingPool::ReturnMemory(std::unique_ptr<Argon2Memory> memory) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_memory_.push_back(std::move(memory));
}

Result<std::string> PasswordHashingPool::Hash(std::string_view password) {
  Result<std::function<void()>> hook = AcquireSlot();
  if (!hook.ok()) return hook.status();
  SlotReleaser releaser([this] { ReleaseSlot(); });
  if (*hook) (*hook)();
  SlotMemoryScope memory(*this);
  return HashPassword(password, params_);
}

Result<bool> PasswordHashingPool::Verify(std::string_view phc, std::string_view password) {
  if (Result<Argon2idPhc> parsed = ParsePhc(phc); !parsed.ok()) return parsed.status();
  Result<std::function<void()>> hook = AcquireSlot();
  if (!hook.ok()) return hook.status();
  SlotReleaser releaser([this] { ReleaseSlot(); });
  if (*hook) (*hook)();
  SlotMemoryScope memory(*this);
  return VerifyPassword(phc, password);
}

PasswordHashingPool::Stats PasswordHashingPool::GetStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Stats{running_, waiting_, rejected_, memory_blocks_};
}

void PasswordHashingPool::SetInSlotHookForTesting(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  hook_ = std::move(hook);
}

}  // namespace cognate::crypto
