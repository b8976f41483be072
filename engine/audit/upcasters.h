// Schema evolution: an event written under an older schema version is upcast, one version at a
// time, to the version the engine writes now (event_catalog.h) before anything reads it. The log
// itself never changes. To change an event's shape: bump its version in the catalogue, write the
// new shape, and add the step from the old version here.
#pragma once

#include "engine/event.h"
#include "engine/status.h"

namespace cognate::audit {

// `event` at its stored schema version -> the current one. kFailedPrecondition for a version
// newer than this build knows, or an old one it has no step for.
Status Upcast(Event& event);

}  // namespace cognate::audit
