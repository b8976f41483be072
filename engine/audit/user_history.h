// A user as they stood at a moment: their stream's events up to that time folded with the same
// Evolve the service uses, so `cognate audit --as-of` answers from the log alone.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/audit/personal_data.h"
#include "engine/ports/event_store.h"
#include "engine/user/user_state.h"

namespace cognate::audit {

struct UserAsOf {
  UserState state;          // exists == false if the user did not exist yet
  uint64_t last_sequence = 0;  // the last event folded in (0: none)
  std::vector<std::string> erased;  // personal fields that could not be read (key destroyed)
};

Result<UserAsOf> FoldUserAsOf(EventStore& store, const KeyLookup& keys, const std::string& pool_id,
                              const std::string& sub, int64_t at_ms);

// The user as `audit --as-of` prints it: username, sub, status, enabled, attributes, groups, MFA
// and devices (none until those features exist), created/modified times, deleted.
nlohmann::json UserAsOfJson(const UserAsOf& user, int64_t at_ms);

}  // namespace cognate::audit
