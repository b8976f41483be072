// Read-model rows kept in memory in front of RocksDB, for the rows every request reads: the
// pool's row on each token check and JWKS request, the user's on each GetUser. A memtable lookup
// walks a skip list of every row written since the last flush; with a few thousand users behind
// it, that walk was the largest cost of a JWKS request.
//
// It must never answer with a row older than the database's, nor mix rows of before and after
// one write (a batch becomes visible all at once). So the store fills it on reads and guards
// every write:
//   - a write calls BeginWrite(keys) before the database write and EndWrite(keys) after it: the
//     keys are dropped, and while the write runs no read may put them back;
//   - a read that missed takes a Ticket for its key before reading the database and offers what
//     it read with InsertIfUnchanged, which drops it if a write of that key began since (the
//     value may predate it) or is still running.
// Keys are tracked in stripes (by hash), so a write holds back only reads of keys that share a
// stripe with one it writes, not every read in the store. Absent rows are kept too (a token check
// asks whether its sign-in was revoked, which it almost never was). When the entries pass
// `max_bytes` it starts again empty: simple, and the rows read often come straight back.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace cognate::storage {

class RowCache {
 public:
  // What a read must present to insert what it read: the writes its key had seen.
  struct Ticket {
    uint64_t bulk = 0;
    uint64_t stripe = 0;
  };

  explicit RowCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Copies the row of `key` (std::nullopt: absent) into `value`; false when it is not cached.
  bool Lookup(const std::string& key, std::optional<std::string>* value) const {
    std::shared_lock lock(mu_);
    auto it = rows_.find(key);
    if (it == rows_.end()) return false;
    *value = it->second;
    return true;
  }

  Ticket Before(const std::string& key) const {
    std::shared_lock lock(mu_);
    return Ticket{bulk_generation_, stripes_[StripeOf(key)].generation};
  }

  // Keeps `value`, read from the database after Before(key) gave `ticket`, unless a write of a key
  // in its stripe began since or is running.
  void InsertIfUnchanged(const std::string& key, const std::optional<std::string>& value,
                         Ticket ticket) {
    if (max_bytes_ == 0) return;
    std::unique_lock lock(mu_);
    const Stripe& stripe = stripes_[StripeOf(key)];
    if (bulk_writing_ || stripe.writing > 0 || bulk_generation_ != ticket.bulk ||
        stripe.generation != ticket.stripe) {
      return;
    }
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

  // Around a database write of `keys` (the same list to both).
  void BeginWrite(const std::vector<std::string>& keys) {
    std::unique_lock lock(mu_);
    for (const std::string& key : keys) {
      Stripe& stripe = stripes_[StripeOf(key)];
      ++stripe.generation;
      ++stripe.writing;
      auto it = rows_.find(key);
      if (it == rows_.end()) continue;
      bytes_ -= EntryBytes(key, it->second);
      rows_.erase(it);
    }
  }
  void EndWrite(const std::vector<std::string>& keys) {
    std::unique_lock lock(mu_);
    for (const std::string& key : keys) {
      Stripe& stripe = stripes_[StripeOf(key)];
      ++stripe.generation;
      --stripe.writing;
    }
  }

  // Around a database write of keys not listed (a bulk import): everything is dropped.
  void BeginBulkWrite() {
    std::unique_lock lock(mu_);
    ++bulk_generation_;
    bulk_writing_ = true;
    rows_.clear();
    bytes_ = 0;
  }
  void EndBulkWrite() {
    std::unique_lock lock(mu_);
    ++bulk_generation_;
    bulk_writing_ = false;
  }

  size_t bytes() const {
    std::shared_lock lock(mu_);
    return bytes_;
  }

 private:
  static constexpr size_t kStripes = 1024;
  struct Stripe {
    uint64_t generation = 0;  // writes begun or ended on its keys
    uint32_t writing = 0;     // writes of its keys running now
  };

  static size_t StripeOf(const std::string& key) {
    return std::hash<std::string>{}(key) % kStripes;
  }

  // The key and value and roughly what the map spends on an entry besides.
  static size_t EntryBytes(const std::string& key, const std::optional<std::string>& value) {
    return key.size() + (value ? value->size() : 0) + 96;
  }

  const size_t max_bytes_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::optional<std::string>> rows_;
  size_t bytes_ = 0;
  std::array<Stripe, kStripes> stripes_{};
  uint64_t bulk_generation_ = 0;
  bool bulk_writing_ = false;
};

}  // namespace cognate::storage
