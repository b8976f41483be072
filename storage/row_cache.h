// Read-model rows kept in memory in front of RocksDB, for the rows every request reads: the
// pool's row on each token check and JWKS request, the user's on each GetUser. A memtable lookup
// walks a skip list of every row written since the last flush; with a few thousand users behind
// it, that walk was the largest cost of a JWKS request.
//
// The store fills it on reads and empties the keys a write touches around the write, so that it
// never answers with a value older than the database's:
//   - a write calls Forget(keys) before and again after the database write;
//   - a read that missed notes Generation() before reading the database and offers the value
//     with InsertIfUnchanged, which drops it if any Forget came in between (the value may predate
//     that write).
// Absent rows are kept too (a token check asks whether its sign-in was revoked, which it almost
// never was). When the entries pass `max_bytes`, it starts again empty: simple, and the rows that
// are read often come straight back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace cognate::storage {

class RowCache {
 public:
  explicit RowCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Copies the row of `key` (std::nullopt: absent) into `value`; false when it is not cached.
  bool Lookup(const std::string& key, std::optional<std::string>* value) const {
    std::shared_lock lock(mu_);
    auto it = rows_.find(key);
    if (it == rows_.end()) return false;
    *value = it->second;
    return true;
  }

  uint64_t Generation() const {
    std::shared_lock lock(mu_);
    return generation_;
  }

  // Keeps `value`, read from the database after Generation() returned `read_at`, unless a write
  // has forgotten keys since.
  void InsertIfUnchanged(const std::string& key, const std::optional<std::string>& value,
                         uint64_t read_at) {
    if (max_bytes_ == 0) return;
    std::unique_lock lock(mu_);
    if (generation_ != read_at) return;
    const size_t size = EntryBytes(key, value);
    if (bytes_ + size > max_bytes_) {
      rows_.clear();
      bytes_ = 0;
      if (size > max_bytes_) return;
    }
    auto [it, inserted] = rows_.try_emplace(key, value);
    if (!inserted) {
      bytes_ -= EntryBytes(key, it->second);
      it->second = value;
    }
    bytes_ += size;
  }

  // Drops `keys` and starts a new generation.
  void Forget(const std::vector<std::string>& keys) {
    std::unique_lock lock(mu_);
    ++generation_;
    for (const std::string& key : keys) {
      auto it = rows_.find(key);
      if (it == rows_.end()) continue;
      bytes_ -= EntryBytes(key, it->second);
      rows_.erase(it);
    }
  }

  // Drops everything and starts a new generation.
  void Clear() {
    std::unique_lock lock(mu_);
    ++generation_;
    rows_.clear();
    bytes_ = 0;
  }

  size_t bytes() const {
    std::shared_lock lock(mu_);
    return bytes_;
  }

 private:
  // The key and value and roughly what the map spends on an entry besides.
  static size_t EntryBytes(const std::string& key, const std::optional<std::string>& value) {
    return key.size() + (value ? value->size() : 0) + 96;
  }

  const size_t max_bytes_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::optional<std::string>> rows_;
  size_t bytes_ = 0;
  uint64_t generation_ = 0;
};

}  // namespace cognate::storage
