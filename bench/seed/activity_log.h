// The workload of `cognate-seed-log --mode log`, shared with the replay benchmark so both
// measure the same kind of log: a pool, a client and two groups, then users (AdminCreateUser) and,
// spread over them, attribute updates and group joins and leaves, all through the service's
// operations, until the log holds the events asked for.
#pragma once

#include <cstdint>
#include <string>

#include "engine/domain_error.h"
#include "engine/ports/event_store.h"
#include "engine/service/user_pool_service.h"

namespace cognate::bench {

struct ActivityLog {
  std::string pool_id;
  uint64_t users_refused = 0;    // AdminCreateUser calls that failed
  uint64_t changes_refused = 0;  // updates, joins and leaves that failed (a leave of a non-member)
};

// Users "user<i>@example.com" (i < users) made by `threads` threads, then changes by as many
// until `store` (the service's) holds `target_events` events. A DomainError when the pool, the
// client or a group cannot be made.
Outcome<ActivityLog> WriteActivityLog(UserPoolService& service, EventStore& store, uint64_t users,
                                      uint64_t target_events, unsigned threads, const CallContext& admin);

}  // namespace cognate::bench
