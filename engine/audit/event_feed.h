// The log over HTTP, for tools and SIEM feeds: CognateAdmin.QueryEvents (the filters of
// `cognate audit`, a page at a time, resumable by sequence) and CognateAdmin.TailEvents (the
// same filters, then every new matching event as it is appended).
//
// Request fields (all optional): UserPoolId, Username (needs UserPoolId), Types (list; a trailing
// '*' is a prefix), Since and Until (ISO 8601 or epoch seconds), ClientId, SourceIp,
// FromSequence (QueryEvents: default 1; TailEvents: default the next event appended), and for QueryEvents MaxResults (1-1000, default 100) and NextToken.
// Events are the JSON of audit::EventJson. Thread-safe: each call has its own state.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/audit/event_query.h"
#include "engine/audit/personal_data.h"
#include "engine/domain_error.h"
#include "engine/ports/event_store.h"

namespace cognate::audit {

class EventFeed {
 public:
  EventFeed(EventStore& store, std::string_view master_key) : store_(store), cipher_(master_key) {}

  // {Events: [...], NextToken?, LastSequence}. A page looks at no more than a bounded stretch of
  // the log, so it may hold fewer than MaxResults events (even none) and still have a NextToken;
  // no NextToken means the log has been read to its end as of the call.
  Outcome<nlohmann::json> Query(const nlohmann::json& request);

  // A live cursor: Next waits up to `max_wait` for matching events and returns them (none when
  // none came).
  class Tail {
   public:
    virtual ~Tail() = default;
    virtual Result<std::vector<nlohmann::json>> Next(std::chrono::milliseconds max_wait) = 0;
    virtual uint64_t next_sequence() const = 0;
  };
  Outcome<std::unique_ptr<Tail>> StartTail(const nlohmann::json& request);

 private:
  struct Parsed {
    EventFilter filter;
    ResolvedUser user;
    uint64_t from = 1;
    size_t max_results = 100;
  };
  Outcome<Parsed> Parse(const nlohmann::json& request, bool paged);

  EventStore& store_;
  const PersonalDataCipher cipher_;
};

}  // namespace cognate::audit
