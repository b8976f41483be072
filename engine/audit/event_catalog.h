// The event catalogue: every event type the engine appends, with its current schema version, the
// stream it lives in and what each field means. It is the one list that says which fields hold
// personal data (those are sealed under the user's key, see personal_data.h), and docs/events.md
// is generated from it (`cognate events-doc`), so the documentation cannot drift from the code.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cognate::audit {

struct FieldDoc {
  std::string name;
  std::string meaning;
  bool personal = false;  // sealed under the subject's personal-data key
};

struct EventDoc {
  std::string type;
  int schema_version = 1;  // the version the engine writes now; older ones are upcast on read
  std::string stream;      // the stream pattern, e.g. "user/<poolId>/<sub>"
  std::string meaning;
  std::vector<FieldDoc> fields;
};

// Request-context fields any event may carry, beside its own (names start with '$').
inline constexpr char kClientField[] = "$client";  // app client id the request came through
inline constexpr char kIpField[] = "$ip";          // the caller's address (personal)
inline constexpr char kUserAgentField[] = "$ua";   // the caller's User-Agent (personal)
inline constexpr char kSealedField[] = "$sealed";  // the sealed personal fields, see personal_data.h

const std::vector<FieldDoc>& ContextFields();
const std::vector<EventDoc>& EventCatalog();

// nullptr for a type the catalogue does not know.
const EventDoc* FindEventDoc(std::string_view type);

// Whether `field` of an event of `type` holds personal data (context fields included).
bool IsPersonalField(std::string_view type, std::string_view field);

// The reference part of docs/events.md, in Markdown.
std::string RenderEventsMarkdown();

}  // namespace cognate::audit
