#include "engine/audit/event_feed.h"

#include <utility>

#include "engine/audit/event_reader.h"

namespace cognate::audit {
namespace {

using json = nlohmann::json;

constexpr size_t kReadBatch = 1024;
constexpr size_t kMaxScanPerPage = 50000;  // bounds the work of one page, matching or not

Result<int64_t> TimeField(const json& value) {
  if (value.is_number()) return static_cast<int64_t>(value.get<double>() * 1000);
  if (value.is_string()) return ParseIsoTime(value.get<std::string>());
  return InvalidArgumentError("a time is ISO 8601 text or epoch seconds");
}

std::string OptionalString(const json& request, const char* name, std::string* problem) {
  auto it = request.find(name);
  if (it == request.end() || it->is_null()) return "";
  if (!it->is_string()) {
    *problem = std::string(name) + " must be a string";
    return "";
  }
  return it->get<std::string>();
}

// Reads, decodes and matches events from a position; shared by pages and the tail.
class Scanner {
 public:
  Scanner(EventStore& store, const PersonalDataCipher& cipher, EventMatcher matcher)
      : store_(store), vault_(store, cipher), keys_(vault_.AsLookup()), matcher_(std::move(matcher)) {}

  // Reads events [from, up_to] at most `max_scan` of them, appending matches to `out` until
  // `max_results`; returns the next sequence to read.
  Result<uint64_t> Scan(uint64_t from, uint64_t up_to, size_t max_scan, size_t max_results, json& out) {
    size_t scanned = 0;
    while (from <= up_to && scanned < max_scan && out.size() < max_results) {
      auto batch = store_.ReadAll(from, std::min<uint64_t>(kReadBatch, up_to - from + 1));
      if (!batch.ok()) return batch.status();
      if (batch->empty()) break;
      for (const StoredEvent& stored : *batch) {
        if (stored.sequence > up_to || out.size() >= max_results) return from;
        from = std::max(from + 1, stored.sequence + 1);  // forward, even over a damaged log
        ++scanned;
        std::optional<Result<DecodedEvent>> decoded;
        auto decode = [&]() -> const DecodedEvent* {
          if (!decoded) decoded.emplace(DecodeEvent(stored, keys_));
          return decoded->ok() ? &decoded->value() : nullptr;
        };
        if (!matcher_.Matches(stored, decode)) continue;
        const DecodedEvent* event = decode();
        if (!event) return decoded->status();
        out.push_back(EventJson(stored, *event));
      }
    }
    return from;
  }

 private:
  EventStore& store_;
  VaultKeys vault_;
  KeyLookup keys_;
  EventMatcher matcher_;
};

class LiveTail final : public EventFeed::Tail {
 public:
  LiveTail(EventStore& store, const PersonalDataCipher& cipher, EventMatcher matcher, uint64_t from)
      : store_(store), scanner_(store, cipher, std::move(matcher)), next_(from) {}

  Result<std::vector<json>> Next(std::chrono::milliseconds max_wait) override {
    uint64_t last = store_.LastSequence();
    if (last < next_) last = store_.WaitForEvents(next_ - 1, max_wait);
    if (last < next_) return std::vector<json>();
    json events = json::array();
    auto next = scanner_.Scan(next_, last, kMaxScanPerPage, kMaxScanPerPage, events);
    if (!next.ok()) return next.status();
    next_ = *next;
    return events.get<std::vector<json>>();
  }
  uint64_t next_sequence() const override { return next_; }

 private:
  EventStore& store_;
  Scanner scanner_;
  uint64_t next_;
};

}  // namespace

Outcome<EventFeed::Parsed> EventFeed::Parse(const json& request, bool paged) {
  Parsed parsed;
  std::string problem;
  parsed.filter.pool_id = OptionalString(request, "UserPoolId", &problem);
  parsed.filter.user = OptionalString(request, "Username", &problem);
  parsed.filter.client_id = OptionalString(request, "ClientId", &problem);
  parsed.filter.ip = OptionalString(request, "SourceIp", &problem);
  if (!problem.empty()) return Reject(ErrorCode::kInvalidParameter, problem);
  if (!parsed.filter.user.empty() && parsed.filter.pool_id.empty()) {
    return Reject(ErrorCode::kInvalidParameter, "Username needs UserPoolId.");
  }
  if (auto it = request.find("Types"); it != request.end() && !it->is_null()) {
    if (!it->is_array()) return Reject(ErrorCode::kInvalidParameter, "Types must be a list of event types.");
    for (const json& t : *it) {
      if (!t.is_string()) return Reject(ErrorCode::kInvalidParameter, "Types must be a list of event types.");
      parsed.filter.types.push_back(t.get<std::string>());
    }
  }
  for (const auto& [name, target] : {std::pair{"Since", &parsed.filter.since_ms}, std::pair{"Until", &parsed.filter.until_ms}}) {
    auto it = request.find(name);
    if (it == request.end() || it->is_null()) continue;
    auto ms = TimeField(*it);
    if (!ms.ok()) return Reject(ErrorCode::kInvalidParameter, std::string(name) + ": " + ms.status().message());
    *target = *ms;
  }
  auto sequence_field = [&](const char* name) -> Outcome<std::optional<uint64_t>> {
    auto it = request.find(name);
    if (it == request.end() || it->is_null()) return std::optional<uint64_t>();
    if (it->is_number_unsigned()) return std::optional<uint64_t>(it->get<uint64_t>());
    if (it->is_string()) {
      const std::string& text = it->get_ref<const std::string&>();
      if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos && text.size() < 20) {
        return std::optional<uint64_t>(std::stoull(text));
      }
    }
    return Reject(ErrorCode::kInvalidParameter, std::string(name) + " must be a sequence number.");
  };
  auto from = sequence_field("FromSequence");
  if (!from.ok()) return from.error();
  auto token = sequence_field(paged ? "NextToken" : "FromSequence");
  if (!token.ok()) return token.error();
  // A page starts at the log's beginning by default; a tail at the next event to be appended.
  const uint64_t default_from = paged ? 1 : store_.LastSequence() + 1;
  parsed.from = std::max<uint64_t>(1, token.value().value_or(from.value().value_or(default_from)));
  if (paged) {
    if (auto it = request.find("MaxResults"); it != request.end() && !it->is_null()) {
      if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 1000) {
        return Reject(ErrorCode::kInvalidParameter, "MaxResults must be between 1 and 1000.");
      }
      parsed.max_results = static_cast<size_t>(it->get<int64_t>());
    }
  }
  if (!parsed.filter.user.empty()) {
    VaultKeys vault(store_, cipher_);
    auto resolved = ResolveUser(store_, vault.AsLookup(), &cipher_, parsed.filter.pool_id, parsed.filter.user);
    if (!resolved.ok()) return FromStatus(resolved.status());
    parsed.user = std::move(resolved).value();
  }
  return parsed;
}

Outcome<json> EventFeed::Query(const json& request) {
  auto parsed = Parse(request, /*paged=*/true);
  if (!parsed.ok()) return parsed.error();
  const uint64_t last = store_.LastSequence();
  Scanner scanner(store_, cipher_, EventMatcher(parsed->filter, parsed->user));
  json events = json::array();
  auto next = scanner.Scan(parsed->from, last, kMaxScanPerPage, parsed->max_results, events);
  if (!next.ok()) return FromStatus(next.status());
  json response = {{"Events", std::move(events)}, {"LastSequence", last}};
  if (*next <= last) response["NextToken"] = std::to_string(*next);
  return response;
}

Outcome<std::unique_ptr<EventFeed::Tail>> EventFeed::StartTail(const json& request) {
  auto parsed = Parse(request, /*paged=*/false);
  if (!parsed.ok()) return parsed.error();
  std::unique_ptr<Tail> tail = std::make_unique<LiveTail>(store_, cipher_, EventMatcher(parsed->filter, parsed->user),
                                                          parsed->from);
  return tail;
}

}  // namespace cognate::audit
