// Maps an append refused for a taken uniqueness claim to Cognito's error: a username claim
// ("u/...") is UsernameExistsException, and so is an email or phone claim in a pool that signs
// in with them (UsernameAttributes); an alias claim elsewhere is AliasExistsException.
#pragma once

#include <set>
#include <string>

#include "engine/domain_error.h"

namespace cognate {

inline DomainError ClaimTaken(const Status& status, const std::set<std::string>& username_attributes = {}) {
  const std::string& key = status.message();
  if (key.rfind("a/", 0) == 0) {
    const bool phone = key.find("/phone_number/") != std::string::npos;
    const std::string message = phone ? "An account with the given phone_number already exists."
                                      : "An account with the given email already exists.";
    if (username_attributes.count(phone ? "phone_number" : "email")) {
      return Reject(ErrorCode::kUsernameExists, message);
    }
    return Reject(ErrorCode::kAliasExists, message);
  }
  return Reject(ErrorCode::kUsernameExists, "User already exists");
}

}  // namespace cognate
