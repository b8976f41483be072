#include "engine/audit/event_query.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "engine/audit/event_catalog.h"

namespace cognate::audit {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool TypeMatches(const std::vector<std::string>& patterns, const std::string& type) {
  if (patterns.empty()) return true;
  for (const std::string& p : patterns) {
    if (!p.empty() && p.back() == '*') {
      if (type.compare(0, p.size() - 1, p, 0, p.size() - 1) == 0) return true;
    } else if (p == type) {
      return true;
    }
  }
  return false;
}

// The part of a stream after "<kind>/" up to the next '/', e.g. the pool of "user/<pool>/<sub>".
std::string StreamSegment(const std::string& stream, size_t index) {
  size_t start = 0;
  for (size_t i = 0; i < index; ++i) {
    start = stream.find('/', start);
    if (start == std::string::npos) return "";
    ++start;
  }
  return stream.substr(start, stream.find('/', start) - start);
}

std::string StringField(const json& data, const char* name) {
  auto it = data.find(name);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The sub an event concerns: its user stream's, or the one a refusal names.
std::string SubOf(const StoredEvent& stored, const DecodedEvent* decoded) {
  if (stored.stream.rfind("user/", 0) == 0) return StreamSegment(stored.stream, 2);
  if (decoded) return StringField(decoded->event.data, "sub");
  return "";
}

}  // namespace

Result<int64_t> ParseIsoTime(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 || consumed != 10) {
    return InvalidArgumentError("not an ISO 8601 time: " + text);
  }
  size_t pos = 10;
  int64_t millis = 0;
  int64_t offset_s = 0;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d:%2d%n", &h, &mi, &s, &consumed) != 3 || consumed != 8) {
      return InvalidArgumentError("not an ISO 8601 time: " + text);
    }
    pos += 9;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      int digits = 0;
      while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
        if (digits < 3) millis = millis * 10 + (text[pos] - '0');
        ++digits;
        ++pos;
      }
      for (; digits < 3; ++digits) millis *= 10;
    }
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
      ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      int oh = 0, om = 0;
      if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d%n", &oh, &om, &consumed) != 2 || consumed != 5) {
        return InvalidArgumentError("bad UTC offset in " + text);
      }
      offset_s = (oh * 3600 + om * 60) * (text[pos] == '+' ? 1 : -1);
      pos += 6;
    }
  }
  if (pos != text.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return InvalidArgumentError("not an ISO 8601 time: " + text);
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const int64_t seconds = static_cast<int64_t>(timegm(&tm)) - offset_s;
  return seconds * 1000 + millis;
}

std::string FormatIsoTime(int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buffer;
}

EventMatcher::EventMatcher(EventFilter filter, ResolvedUser user)
    : filter_(std::move(filter)), user_(std::move(user)) {}

std::string EventMatcher::PoolOf(const StoredEvent& stored, const DecodedEvent* decoded) {
  const std::string kind = stored.stream.substr(0, stored.stream.find('/'));
  if (kind == "user" || kind == "group" || kind == "pool" || kind == "refused") return StreamSegment(stored.stream, 1);
  if (kind == "client") {
    const std::string client = StreamSegment(stored.stream, 1);
    if (decoded) {
      const std::string pool = StringField(decoded->event.data, "pool_id");
      if (!pool.empty()) client_pools_[client] = pool;
    }
    auto it = client_pools_.find(client);
    return it == client_pools_.end() ? "" : it->second;
  }
  return "";
}

bool EventMatcher::Matches(const StoredEvent& stored, const std::function<const DecodedEvent*()>& decode) {
  if (filter_.since_ms && stored.occurred_at_ms < *filter_.since_ms) return false;
  if (filter_.until_ms && stored.occurred_at_ms > *filter_.until_ms) return false;
  if (!TypeMatches(filter_.types, stored.type)) return false;
  const DecodedEvent* decoded = nullptr;
  bool tried = false;
  auto get = [&]() -> const DecodedEvent* {
    if (!tried) {
      tried = true;
      decoded = decode();
    }
    return decoded;
  };
  if (!filter_.pool_id.empty()) {
    // Client events name their pool only when created: decode those to learn it.
    if (PoolOf(stored, stored.stream.rfind("client/", 0) == 0 ? get() : nullptr) != filter_.pool_id) return false;
  }
  if (!filter_.user.empty()) {
    const bool user_stream = stored.stream.rfind("user/", 0) == 0;
    if (user_stream) {
      if (!user_.subs.count(SubOf(stored, nullptr))) return false;
    } else if (stored.stream.rfind("refused/", 0) == 0) {
      const DecodedEvent* d = get();
      if (!d) return false;
      const bool by_sub = user_.subs.count(StringField(d->event.data, "sub")) > 0;
      const bool by_hash = !user_.username_hmac.empty() &&
                           StringField(d->event.data, "username_hmac") == user_.username_hmac;
      if (!by_sub && !by_hash) return false;
    } else {
      return false;
    }
  }
  if (!filter_.client_id.empty()) {
    const DecodedEvent* d = get();
    if (!d) return false;
    const std::string client = StringField(d->event.data, "client_id");
    const std::string context_client = StringField(d->event.data, kClientField);
    const bool own_stream = stored.stream == "client/" + filter_.client_id;
    if (client != filter_.client_id && context_client != filter_.client_id && !own_stream) return false;
  }
  if (!filter_.ip.empty()) {
    const DecodedEvent* d = get();
    if (!d || StringField(d->event.data, kIpField) != filter_.ip) return false;
  }
  return true;
}

Result<ResolvedUser> ResolveUser(EventStore& store, const KeyLookup& keys, const PersonalDataCipher* cipher,
                                 const std::string& pool_id, const std::string& typed) {
  ResolvedUser resolved;
  if (cipher) resolved.username_hmac = cipher->UsernameHmac(pool_id, typed);
  const std::string owner_prefix = pool_id + "/";
  for (const std::string& name : {typed, Lower(typed)}) {
    for (const std::string& claim : {"u/" + pool_id + "/" + name, "a/" + pool_id + "/email/" + name,
                                     "a/" + pool_id + "/phone_number/" + name,
                                     "a/" + pool_id + "/preferred_username/" + name}) {
      auto owner = store.ClaimOwner(claim);
      if (!owner.ok()) return owner.status();
      if (owner->has_value() && (*owner)->rfind(owner_prefix, 0) == 0) {
        resolved.subs.insert((*owner)->substr(owner_prefix.size()));
      }
    }
  }
  auto as_sub = store.StreamVersion("user/" + pool_id + "/" + typed);
  if (!as_sub.ok()) return as_sub.status();
  if (*as_sub > 0) resolved.subs.insert(typed);
  if (!resolved.subs.empty()) return resolved;

  // Nobody holds the name now: look through the log for whoever did (a deleted user's name is
  // only readable while their key lives, so an erased user is found by sub alone).
  const std::string lowered = Lower(typed);
  auto names_it = [&](const json& data) {
    if (Lower(StringField(data, "username")) == lowered) return true;
    auto attributes = data.find("attributes");
    if (attributes == data.end() || !attributes->is_object()) return false;
    for (const char* alias : {"email", "phone_number", "preferred_username"}) {
      if (Lower(StringField(*attributes, alias)) == lowered) return true;
    }
    return false;
  };
  const std::string stream_prefix = "user/" + pool_id + "/";
  Status read = ForEachBatch(store, store.LastSequence(), 4096, [&](std::vector<StoredEvent>& batch) {
    for (const StoredEvent& stored : batch) {
      if (stored.stream.rfind(stream_prefix, 0) != 0) continue;
      if (stored.type != "user.signed_up" && stored.type != "user.created" &&
          stored.type != "user.attributes.updated" && stored.type != "user.confirmed") {
        continue;
      }
      auto decoded = DecodeEvent(stored, keys);
      if (decoded.ok() && names_it(decoded->event.data)) resolved.subs.insert(StreamSegment(stored.stream, 2));
    }
    return Status::Ok();
  });
  if (!read.ok()) return read;
  return resolved;
}

nlohmann::json EventJson(const StoredEvent& stored, const DecodedEvent& decoded) {
  json data = decoded.event.data;
  for (const std::string& field : decoded.erased) data[field] = "[erased]";
  json out = {{"sequence", stored.sequence},
              {"time", FormatIsoTime(stored.occurred_at_ms)},
              {"stream", stored.stream},
              {"stream_version", stored.stream_version},
              {"type", stored.type},
              {"schema_version", decoded.event.schema_version},
              {"actor", stored.actor},
              {"data", std::move(data)}};
  if (!decoded.erased.empty()) out["erased"] = decoded.erased;
  return out;
}

}  // namespace cognate::audit
