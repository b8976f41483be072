// The secrets a server keeps in its data directory: the master key (seals private keys, SRP
// verifiers and sessions) and the generated admin key, each in a file of mode 0600.
#pragma once

#include <string>

#include "engine/status.h"

namespace cognate::api {

// COGNATE_MASTER_KEY (base64 of 32 bytes) if set; else <data>/master.key, created on first use.
Result<std::string> LoadOrCreateMasterKey(const std::string& data_dir);

// The master key of an existing data directory, for offline commands: as above, but never
// created; kNotFound when there is none.
Result<std::string> LoadMasterKey(const std::string& data_dir);

// "<id>:<secret>" from <data>/admin.key, created with a fresh random key on first use.
Result<std::string> LoadOrCreateAdminKey(const std::string& data_dir);

// Splits "ID:SECRET"; kInvalidArgument if malformed.
Result<std::pair<std::string, std::string>> ParseAdminKey(const std::string& text);

}  // namespace cognate::api
