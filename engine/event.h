// Event: a domain event as the engine builds it before it is appended, and as it reads it back.
// The payload is a JSON object; `type` follows "<aggregate>.<subject>.<past-tense>" and is never
// renamed or reused. Plain value, thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace cognate {

using json = nlohmann::json;

struct Event {
  std::string type;
  json data = json::object();
  int schema_version = 1;
};

using Events = std::vector<Event>;

inline Event MakeEvent(std::string type, json data) {
  return Event{std::move(type), std::move(data), 1};
}

}  // namespace cognate
