#include "api/outbox.h"

namespace cognate::api {

void Outbox::Send(const OutgoingMessage& message) {
  std::lock_guard lock(mu_);
  auto& messages = by_user_[message.user_pool_id + "/" + message.username];
  messages.push_front(message);
  while (messages.size() > per_user_) messages.pop_back();
}

std::vector<OutgoingMessage> Outbox::List(const std::string& user_pool_id,
                                          const std::string& username) const {
  std::lock_guard lock(mu_);
  auto it = by_user_.find(user_pool_id + "/" + username);
  if (it == by_user_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

}  // namespace cognate::api
