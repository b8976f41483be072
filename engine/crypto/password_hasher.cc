#include "engine/crypto/password_hasher.h"

#include <argon2.h>

#include <charconv>
#include <cstring>
#include <thread>
#include <utility>

#include "engine/crypto/random.h"

namespace cognate::crypto {
namespace {

constexpr size_t kSaltSize = 16;
constexpr size_t kHashSize = 32;
constexpr std::string_view kArgon2idPrefix = "$argon2id$";

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

// Consumes "<name>=<decimal>" from the front of `s`.
bool ConsumeNumber(std::string_view& s, std::string_view name, uint32_t& value) {
  if (s.substr(0, name.size() + 1) != std::string(name) + "=") return false;
  s.remove_prefix(name.size() + 1);
  const char* begin = s.data();
  auto [end, ec] = std::from_chars(begin, begin + s.size(), value);
  if (ec != std::errc() || end == begin) return false;
  s.remove_prefix(static_cast<size_t>(end - begin));
  return true;
}

bool ConsumeChar(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

// Reads the cost parameters of an Argon2id PHC string and checks its overall shape. Salt and
// hash contents are left to libargon2's decoder.
Result<Argon2Params> ParsePhc(std::string_view phc) {
  if (phc.substr(0, kArgon2idPrefix.size()) != kArgon2idPrefix) {
    return InvalidArgumentError("unsupported password hash scheme");
  }
  if (phc.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("argon2id: malformed hash");
  }
  std::string_view s = phc.substr(kArgon2idPrefix.size());
  uint32_t version = 0;
  if (s.substr(0, 2) == "v=") {
    if (!ConsumeNumber(s, "v", version) || !ConsumeChar(s, '$')) {
      return InvalidArgumentError("argon2id: malformed version");
    }
    if (version != ARGON2_VERSION_13 && version != ARGON2_VERSION_10) {
      return InvalidArgumentError("argon2id: unsupported version");
    }
  }
  Argon2Params params;
  if (!ConsumeNumber(s, "m", params.memory_kib) || !ConsumeChar(s, ',') ||
      !ConsumeNumber(s, "t", params.iterations) || !ConsumeChar(s, ',') ||
      !ConsumeNumber(s, "p", params.parallelism) || !ConsumeChar(s, '$')) {
    return InvalidArgumentError("argon2id: malformed parameters");
  }
  const size_t dollar = s.find('$');
  if (dollar == 0 || dollar == std::string_view::npos || dollar + 1 == s.size()) {
    return InvalidArgumentError("argon2id: malformed salt or hash");
  }
  if (Status st = CheckParams(params); !st.ok()) return st;
  return params;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password, const Argon2Params& params) {
  if (Status st = CheckParams(params); !st.ok()) return st;
  const std::string salt = RandomBytes(kSaltSize);
  const size_t encoded_len = argon2_encodedlen(params.iterations, params.memory_kib,
                                               params.parallelism, kSaltSize, kHashSize, Argon2_id);
  std::string encoded(encoded_len, '\0');
  const int rc = argon2id_hash_encoded(params.iterations, params.memory_kib, params.parallelism,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       kHashSize, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return FromArgon2Error(rc, "argon2id hash");
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

Result<bool> VerifyPassword(std::string_view phc, std::string_view password) {
  if (Result<Argon2Params> parsed = ParsePhc(phc); !parsed.ok()) return parsed.status();
  const std::string encoded(phc);  // libargon2 wants a NUL-terminated string
  const int rc = argon2id_verify(encoded.c_str(), password.data(), password.size());
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

Result<std::string> PasswordHashingPool::Hash(std::string_view password) {
  Result<std::function<void()>> hook = AcquireSlot();
  if (!hook.ok()) return hook.status();
  SlotReleaser releaser([this] { ReleaseSlot(); });
  if (*hook) (*hook)();
  return HashPassword(password, params_);
}

Result<bool> PasswordHashingPool::Verify(std::string_view phc, std::string_view password) {
  if (Result<Argon2Params> parsed = ParsePhc(phc); !parsed.ok()) return parsed.status();
  Result<std::function<void()>> hook = AcquireSlot();
  if (!hook.ok()) return hook.status();
  SlotReleaser releaser([this] { ReleaseSlot(); });
  if (*hook) (*hook)();
  return VerifyPassword(phc, password);
}

PasswordHashingPool::Stats PasswordHashingPool::GetStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Stats{running_, waiting_, rejected_};
}

void PasswordHashingPool::SetInSlotHookForTesting(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  hook_ = std::move(hook);
}

}  // namespace cognate::crypto
