// Access tokens whose signature has been checked, so a client that calls with the same token
// again and again (GetUser, UpdateUserAttributes, ... for the token's hour) pays one RSA verify
// instead of one per call.
//
// An entry is keyed by the token's exact text and holds the payload the verify produced: a
// signature over those bytes stays valid, so the entry cannot go stale as long as the pool's
// signing key does not change (keys are made with the pool and never rotated). Only the signature
// check is cached: the caller still checks expiry, the pool, the user and revocation every call.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace cognate {

class VerifiedTokenCache {
 public:
  struct Entry {
    std::string pool_id;
    nlohmann::json claims;  // the verified payload
  };

  explicit VerifiedTokenCache(size_t max_entries) : max_entries_(max_entries) {}

  std::shared_ptr<const Entry> Find(const std::string& token) const {
    std::shared_lock lock(mu_);
    auto it = entries_.find(token);
    return it == entries_.end() ? nullptr : it->second;
  }

  std::shared_ptr<const Entry> Insert(const std::string& token, std::string pool_id, nlohmann::json claims) {
    auto entry = std::make_shared<const Entry>(Entry{std::move(pool_id), std::move(claims)});
    std::unique_lock lock(mu_);
    // Expired tokens are never looked up again; past the bound, start over rather than track use.
    if (entries_.size() >= max_entries_) entries_.clear();
    entries_[token] = entry;
    return entry;
  }

 private:
  const size_t max_entries_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Entry>> entries_;
};

}  // namespace cognate
