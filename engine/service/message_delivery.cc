// What became of the messages an asynchronous sink delivers, in the recipient's stream: the audit
// shows a code that never arrived, and why.
#include "engine/service/commit_retry.h"
#include "engine/service/user_pool_service.h"
#include "engine/user/user_events.h"

namespace cognate {

Status UserPoolService::RecordMessageDelivery(const OutgoingMessage& message, const DeliveryReport& report) {
  if (report.delivered && report.attempts <= 1) return Status::Ok();
  Event event = report.delivered
                    ? MakeEvent(user_events::kMessageDelivered,
                                {{"medium", message.delivery_medium}, {"attempts", report.attempts}})
                    : MakeEvent(user_events::kMessageDeliveryFailed, {{"medium", message.delivery_medium},
                                                                      {"attempts", report.attempts},
                                                                      {"final", report.final},
                                                                      {"error", report.error}});
  auto pool = LoadPoolById(message.user_pool_id);
  if (!pool.ok()) return Status::Ok();  // the pool is gone, and the user with it
  const CallContext ctx{"system:message-sink", "", "", ""};
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto user = FindUser(pool.value(), message.username);
    if (!user.ok()) return user.status();
    if (!user->exists || user->deleted) return Status::Ok();
    auto appended = CommitUser(user.value(), {event}, ctx);
    if (appended.ok() || appended.status().code() != StatusCode::kAborted) return appended.status();
  }
  return Status(StatusCode::kAborted, "too many concurrent writes to the user");
}

}  // namespace cognate
