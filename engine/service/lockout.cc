// Lockout: repeated failed sign-ins lock the user out for a while, as Cognito does. From the fifth
// consecutive failure on, the n-th locks sign-in for 2^(n-5) seconds (1 s, 2 s, 4 s, ...), at most
// 15 minutes; a quarter of an hour without failures starts the count again, and a
// successful sign-in or a new password clears it. Attempts while locked are refused without
// extending the lock. The counts travel in user.sign_in.failed, so the audit shows them.
#include <algorithm>

#include "engine/service/commit_retry.h"
#include "engine/service/user_pool_service.h"
#include "engine/user/user_events.h"

namespace cognate {
namespace {

constexpr int kFreeFailures = 4;                    // the fifth failure locks
constexpr int64_t kMaxLockMs = 15 * 60 * 1000;      // the longest lock
constexpr int64_t kForgetAfterMs = 15 * 60 * 1000;  // failures this old no longer count

}  // namespace

std::optional<DomainError> UserPoolService::CheckNotLockedOut(const UserState& user) const {
  if (user.locked_until_ms > clock_.NowMs()) return Reject(ErrorCode::kNotAuthorized, "Password attempts exceeded");
  return std::nullopt;
}

void UserPoolService::RecordFailedSignIn(UserState& user, const ClientState& client, const std::string& reason,
                                         const CallContext& ctx) {
  // Concurrent guesses must each count, so a lost race re-reads the user and counts again.
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    const int64_t now = clock_.NowMs();
    const bool stale = user.last_failed_sign_in_ms != 0 && now - user.last_failed_sign_in_ms > kForgetAfterMs;
    const int failures = (stale ? 0 : user.failed_sign_ins) + 1;
    int64_t locked_until = 0;
    if (failures > kFreeFailures) {
      const int doublings = std::min(failures - kFreeFailures - 1, 20);
      locked_until = now + std::min<int64_t>((int64_t{1} << doublings) * 1000, kMaxLockMs);
    }
    json data = {{"client_id", client.id}, {"reason", reason}, {"consecutive_failures", failures}};
    if (locked_until != 0) data["locked_until_ms"] = locked_until;
    auto appended = CommitUser(user, {MakeEvent(user_events::kSignInFailed, data)}, ctx);
    if (appended.ok() || appended.status().code() != StatusCode::kAborted) return;
    auto reloaded = LoadUserBySub(user.pool_id, user.sub);
    if (!reloaded.ok() || !reloaded->exists || reloaded->deleted) return;
    user = std::move(reloaded).value();
  }
}

}  // namespace cognate
