// Parsed states of read-model rows, kept for rows read on every request (pools, clients, users),
// so a request pays a point read and a byte comparison instead of a JSON parse.
//
// An entry is keyed by the row's key and validated by the row's own bytes: a state is reused only
// when the row just read is byte-identical to the row it was parsed from. The state is a pure
// function of the row (StateFromRow), so the cache needs no invalidation and can never serve a
// state the store no longer holds — a write through this node, another node, or a replay changes
// the bytes and with them the answer.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "engine/aggregate_row.h"
#include "engine/ports/event_store.h"

namespace cognate {

template <typename State>
class RowStateCache {
 public:
  explicit RowStateCache(size_t max_entries) : max_entries_(max_entries) {}

  // The state in `table` under `key`, parsed from the row the store holds now; a blank state at
  // the stream's version when there is no row (as LoadState).
  Result<std::shared_ptr<const State>> Load(EventStore& store, const char* table, const std::string& key,
                                            const std::string& stream) {
    auto row = store.Get(table, key);
    if (!row.ok()) return row.status();
    if (!row->has_value()) {
      Forget(key);
      auto version = store.StreamVersion(stream);
      if (!version.ok()) return version.status();
      auto blank = StateFromRow<State>(std::nullopt, table, key, *version);
      if (!blank.ok()) return blank.status();
      return std::make_shared<const State>(std::move(blank).value());
    }
    return Parsed(table, key, std::move(**row));
  }

  // The state parsed from `row`, the bytes just read under `key` (a scan's rows).
  Result<std::shared_ptr<const State>> Parsed(const char* table, const std::string& key, std::string row) {
    {
      std::shared_lock lock(mu_);
      if (auto it = entries_.find(key); it != entries_.end() && it->second.row == row) return it->second.state;
    }
    auto parsed = StateFromRow<State>(row, table, key, 0);
    if (!parsed.ok()) return parsed.status();
    auto state = std::make_shared<const State>(std::move(parsed).value());
    std::unique_lock lock(mu_);
    // Rows of deleted aggregates stay behind; past the bound, start over rather than track use.
    if (entries_.size() >= max_entries_ && !entries_.count(key)) entries_.clear();
    entries_[key] = Entry{std::move(row), state, nullptr};
    return state;
  }

  // Parsed's state and `derive(state)`, a text that is a pure function of the state (a user's
  // ListUsers entry), computed once per row version and kept with it.
  template <typename Derive>
  Result<std::pair<std::shared_ptr<const State>, std::shared_ptr<const std::string>>> ParsedWithView(
      const char* table, const std::string& key, std::string row, Derive derive) {
    {
      std::shared_lock lock(mu_);
      if (auto it = entries_.find(key); it != entries_.end() && it->second.view && it->second.row == row) {
        return std::make_pair(it->second.state, it->second.view);
      }
    }
    auto state = Parsed(table, key, std::move(row));
    if (!state.ok()) return state.status();
    auto view = std::make_shared<const std::string>(derive(**state));
    std::unique_lock lock(mu_);
    if (auto it = entries_.find(key); it != entries_.end() && it->second.state == *state) it->second.view = view;
    return std::make_pair(std::move(state).value(), std::move(view));
  }

  // Drops what is kept for `key`, so a deleted row's state (a deleted user's personal data) does
  // not linger in memory. Loading a key whose row is gone does the same.
  void Forget(const std::string& key) {
    {
      std::shared_lock lock(mu_);
      if (!entries_.count(key)) return;
    }
    std::unique_lock lock(mu_);
    entries_.erase(key);
  }

  // Entries kept (for tests).
  size_t size() const {
    std::shared_lock lock(mu_);
    return entries_.size();
  }

 private:
  struct Entry {
    std::string row;
    std::shared_ptr<const State> state;
    std::shared_ptr<const std::string> view;  // ParsedWithView's text; null until asked for
  };

  const size_t max_entries_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace cognate
