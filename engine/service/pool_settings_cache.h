// PoolSettings read once per version of a pool, for the paths every call takes (finding a user,
// signing in): ReadPoolSettings walks the pool's whole configuration, which was a quarter of an
// AdminGetUser.
//
// Keyed by the pool's id, stream version and modification time, which change with every event
// that changes its configuration; so pass only pools as loaded from the store, never a copy being
// edited before it is committed (those must call ReadPoolSettings).
#pragma once

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "engine/pool/pool_settings.h"
#include "engine/pool/pool_state.h"

namespace cognate {

class PoolSettingsCache {
 public:
  explicit PoolSettingsCache(size_t max_entries) : max_entries_(max_entries) {}

  std::shared_ptr<const PoolSettings> Of(const PoolState& pool) {
    std::string key = pool.id;
    key += '@';
    key += std::to_string(pool.version);
    key += '@';
    key += std::to_string(pool.modified_at_ms);
    {
      std::shared_lock lock(mu_);
      if (auto it = entries_.find(key); it != entries_.end()) return it->second;
    }
    auto settings = std::make_shared<const PoolSettings>(ReadPoolSettings(pool.config));
    std::unique_lock lock(mu_);
    if (entries_.size() >= max_entries_) entries_.clear();  // old versions stay behind: start over
    entries_.emplace(std::move(key), settings);
    return settings;
  }

 private:
  const size_t max_entries_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const PoolSettings>> entries_;
};

}  // namespace cognate
