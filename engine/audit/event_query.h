// Questions to the log: which events match the filters of `cognate audit` and of
// CognateAdmin.QueryEvents / TailEvents, and how one reads as JSON. Oldest first, always: the
// log's sequence is the order things happened in.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/audit/event_reader.h"
#include "engine/audit/personal_data.h"
#include "engine/ports/event_store.h"

namespace cognate::audit {

struct EventFilter {
  std::string pool_id;             // events of this pool (its users, groups, clients, refusals)
  std::string user;                // username, alias or sub, as typed; see ResolveUser
  std::vector<std::string> types;  // exact types, or prefixes ending in '*'
  std::optional<int64_t> since_ms;  // occurred at or after
  std::optional<int64_t> until_ms;  // occurred at or before
  std::string client_id;
  std::string ip;
};

// Parses an ISO 8601 time ("2026-11-23T10:00:00Z", fractions and offsets allowed, or a bare
// date) into Unix milliseconds. kInvalidArgument otherwise.
Result<int64_t> ParseIsoTime(const std::string& text);
std::string FormatIsoTime(int64_t ms);

// Who a typed user name denotes: the subs it is or was (a username, an alias or a sub, also of
// users since deleted), and the keyed hash refusals of an unknown name carry.
struct ResolvedUser {
  std::set<std::string> subs;
  std::string username_hmac;
};

class EventMatcher {
 public:
  // `filter.user`, if set, must already be resolved into `user` (ResolveUser).
  EventMatcher(EventFilter filter, ResolvedUser user);

  // Whether the event answers the filters. Looks at the envelope first, so most events are
  // rejected without decoding; `decode` is called at most once.
  bool Matches(const StoredEvent& stored, const std::function<const DecodedEvent*()>& decode);

 private:
  std::string PoolOf(const StoredEvent& stored, const DecodedEvent* decoded);

  EventFilter filter_;
  ResolvedUser user_;
  std::unordered_map<std::string, std::string> client_pools_;  // client id -> pool, learnt from the log
};

// Resolves `typed` within `pool_id`: the live claims (username, email, phone, preferred username
// in either case), a sub, and — when neither knows it — every user event of the pool in the log,
// so a deleted user is found too.
// `cipher` may be null (no master key): refusals of unknown names are then not matched.
Result<ResolvedUser> ResolveUser(EventStore& store, const KeyLookup& keys, const PersonalDataCipher* cipher,
                                 const std::string& pool_id, const std::string& typed);

// {sequence, time, stream, stream_version, type, schema_version, actor, data, erased?}. Erased
// personal fields appear in `data` as "[erased]".
nlohmann::json EventJson(const StoredEvent& stored, const DecodedEvent& decoded);

}  // namespace cognate::audit
