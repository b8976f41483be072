// InMemoryEventStore: a faithful, thread-safe in-memory EventStore for engine tests.
//
// It implements every method with the semantics documented in engine/ports/event_store.h: one
// global gap-free sequence from 1, per-stream versions from 1, the expected_version check
// (kAborted; kAnyStreamVersion skips it), uniqueness claims (kAlreadyExists with the claim key as
// the message; the same owner may claim again; releases apply before claims), read-model rows,
// key-ordered scans, vault entries written with the append (absent once destroyed), and
// WaitForEvents woken by appends. A failed append changes nothing. Events are chained with SHA-256 like the real store, though the
// bytes hashed are this fake's own encoding (not storage/FORMAT.md's).
//
// Test hooks: FailNextAppends(n) makes the next n appends fail with kAborted (as a lost race
// would) without writing anything, to exercise the engine's retry loops.
//
// Thread-safe: one mutex guards everything.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/ports/event_store.h"

namespace cognate::testing {

class InMemoryEventStore : public EventStore {
 public:
  InMemoryEventStore() = default;

  Result<AppendResult> Append(AppendRequest request) override;
  Result<std::vector<StoredEvent>> ReadStream(const std::string& stream,
                                              uint64_t from_version) override;
  Result<std::vector<StoredEvent>> ReadAll(uint64_t from_sequence, size_t max_count) override;
  Result<uint64_t> StreamVersion(const std::string& stream) override;
  uint64_t LastSequence() override;
  Result<std::optional<std::string>> Get(const std::string& table,
                                         const std::string& key) override;
  Result<std::vector<Row>> Scan(const std::string& table, const std::string& prefix,
                                const std::string& start_after, size_t limit) override;
  Result<std::optional<std::string>> ClaimOwner(const std::string& key) override;
  Result<std::optional<std::string>> GetSecret(const std::string& key) override;
  uint64_t WaitForEvents(uint64_t after_sequence, std::chrono::milliseconds timeout) override;

  // The next `n` calls to Append fail with kAborted and write nothing.
  void FailNextAppends(int n);
  // Appends refused by FailNextAppends so far.
  int injected_failures() const;
  // Every Append call, successful or not.
  int append_calls() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable appended_;  // signalled (under mu_) by every successful append
  std::vector<StoredEvent> events_;                              // events_[i].sequence == i + 1
  std::map<std::string, std::vector<uint64_t>> streams_;         // stream -> sequences in order
  std::map<std::string, std::string> claims_;                    // claim key -> owner
  std::map<std::string, std::map<std::string, std::string>> tables_;  // table -> key -> value
  std::map<std::string, std::string> vault_;                     // secret key -> value
  int fail_next_ = 0;
  int injected_failures_ = 0;
  int append_calls_ = 0;
};

}  // namespace cognate::testing
