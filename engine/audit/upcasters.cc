#include "engine/audit/upcasters.h"

#include <functional>
#include <map>
#include <utility>

#include "engine/audit/event_catalog.h"

namespace cognate::audit {
namespace {

using Step = std::function<void(json& data)>;

// Version 1 of the sign-in activity events kept the caller's address in "source_ip"; version 2
// keeps it, like every event, in the context field "$ip" (personal, so sealed).
void MoveSourceIp(json& data) {
  if (auto it = data.find("source_ip"); it != data.end()) {
    if (it->is_string() && !it->get_ref<const std::string&>().empty()) data[kIpField] = *it;
    data.erase("source_ip");
  }
}

// (type, from version) -> the step to from version + 1.
const std::map<std::pair<std::string, int>, Step>& Steps() {
  static const std::map<std::pair<std::string, int>, Step> steps = {
      {{"user.signed_in", 1}, MoveSourceIp},
      {{"user.sign_in.failed", 1}, MoveSourceIp},
      {{"user.tokens.refreshed", 1}, MoveSourceIp},
  };
  return steps;
}

}  // namespace

Status Upcast(Event& event) {
  const EventDoc* doc = FindEventDoc(event.type);
  const int current = doc ? doc->schema_version : 1;
  if (event.schema_version > current) {
    return FailedPreconditionError(event.type + " schema " + std::to_string(event.schema_version) +
                                   " is newer than this build knows (" + std::to_string(current) + ")");
  }
  while (event.schema_version < current) {
    auto it = Steps().find({event.type, event.schema_version});
    if (it == Steps().end()) {
      return FailedPreconditionError("no upcast for " + event.type + " schema " +
                                     std::to_string(event.schema_version));
    }
    it->second(event.data);
    ++event.schema_version;
  }
  return Status::Ok();
}

}  // namespace cognate::audit
