// Maps an append refused for a taken uniqueness claim to Cognito's error: a username claim
// ("u/...") is UsernameExistsException, an alias claim ("a/...") AliasExistsException.
#pragma once

#include "engine/domain_error.h"

namespace cognate {

inline DomainError ClaimTaken(const Status& status) {
  const std::string& key = status.message();
  if (key.rfind("a/", 0) == 0) {
    return Reject(ErrorCode::kAliasExists,
                  key.find("/phone_number/") != std::string::npos
                      ? "An account with the given phone_number already exists."
                      : "An account with the given email already exists.");
  }
  return Reject(ErrorCode::kUsernameExists, "User already exists");
}

}  // namespace cognate
