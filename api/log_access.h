// How the offline commands (verify, replay, audit) reach a data directory: the store opened as a
// follower of whichever server may be running on it (never taking its lock, never writing), and
// the master key that opens the personal-data keys, when the directory has one.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/audit/event_reader.h"
#include "engine/audit/personal_data.h"
#include "engine/status.h"
#include "storage/rocks_event_store.h"

namespace cognate::api {

class LogAccess {
 public:
  // Opens <data_dir>/store as a follower, caught up with the server's latest write. Without a
  // master key `cipher()` is empty and personal fields read as erased.
  static Result<std::unique_ptr<LogAccess>> Open(const std::string& data_dir);
  ~LogAccess();

  storage::RocksEventStore& store() { return *store_; }
  const audit::PersonalDataCipher* cipher() const { return cipher_ ? &*cipher_ : nullptr; }
  // The users' personal-data keys, from the vault; without a master key an empty lookup (sealed
  // fields read as erased). Valid while this LogAccess lives; not thread-safe.
  audit::KeyLookup keys();

 private:
  LogAccess() = default;

  std::string follower_dir_;  // the follower's own scratch directory, removed on close
  std::unique_ptr<storage::RocksEventStore> store_;
  std::optional<audit::PersonalDataCipher> cipher_;
  std::optional<audit::VaultKeys> vault_;
};

// Parses "--name value" pairs after a subcommand; a flag without a value, or an unknown one, is
// an error naming it. `allowed` lists the names (without "--").
Result<std::map<std::string, std::string>> ParseFlags(const std::vector<std::string>& args,
                                                      const std::vector<std::string>& allowed);

}  // namespace cognate::api
