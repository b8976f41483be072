// FromRocks: maps a rocksdb::Status onto the project's Status codes, in one place.
//
// Pure function; thread-safe.
#pragma once

#include <rocksdb/status.h>

#include <string_view>

#include "engine/status.h"

namespace cognate::storage {

// Ok for ok; otherwise a Status whose message starts with `context`. Corruption is kDataLoss,
// I/O trouble (including a held lock, busy, timeout, shutdown) kUnavailable, invalid arguments
// kInvalidArgument, NotFound kNotFound, anything else kInternal.
Status FromRocks(const rocksdb::Status& status, std::string_view context);

}  // namespace cognate::storage
