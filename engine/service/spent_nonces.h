// Challenge nonces that have been answered, each kept until it would have expired anyway, so that
// a captured answer cannot be replayed for more tokens.
//
// Every SRP, MFA and device sign-in spends one. The set holds every nonce of the last few minutes
// (tens of thousands under load), so dropping the expired ones walks them in expiry order and
// stops at the first that is still live, rather than scanning the whole set on every sign-in.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace cognate {

class SpentNonces {
 public:
  // Spends `nonce`, valid until `expires_at_ms`: false if it was spent already and has not
  // expired by `now_ms`. Thread-safe.
  bool Spend(const std::string& nonce, int64_t expires_at_ms, int64_t now_ms) {
    std::lock_guard lock(mu_);
    // The expired go first, in expiry order, up to the first still live.
    while (!by_expiry_.empty() && by_expiry_.begin()->first < now_ms) {
      expiry_.erase(by_expiry_.begin()->second);
      by_expiry_.erase(by_expiry_.begin());
    }
    if (!expiry_.emplace(nonce, expires_at_ms).second) return false;
    by_expiry_.emplace(expires_at_ms, nonce);
    return true;
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return expiry_.size();
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, int64_t> expiry_;  // nonce -> when it expires
  std::multimap<int64_t, std::string> by_expiry_;    // the same, in expiry order
};

}  // namespace cognate
