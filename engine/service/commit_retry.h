// How often an operation re-runs load -> decide -> append after losing a race on its stream.
// Every round of a group commit lets at least one contender through, so N simultaneous writers
// to one user all finish within N rounds; the bound only stops a pathological livelock.
#pragma once

namespace cognate {

inline constexpr int kMaxCommitAttempts = 64;

}  // namespace cognate
