// User attributes against a pool's schema: which names exist, which may be written by whom, and
// what a new user's identity (internal username, sub, sign-in attributes) is. Pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "engine/domain_error.h"
#include "engine/pool/pool_settings.h"

namespace cognate {

enum class AttributeWriter { kSelf, kAdmin };

// Checks names and values of attributes being written. `creating` allows immutable custom
// attributes. Self-service writers may not set *_verified flags.
std::optional<DomainError> CheckAttributeWrite(const PoolSettings& settings,
                                               const std::map<std::string, std::string>& attributes,
                                               bool creating, AttributeWriter writer);

// Checks that every attribute the pool requires is present.
std::optional<DomainError> CheckRequiredAttributes(const PoolSettings& settings,
                                                   const std::map<std::string, std::string>& attributes);

struct NewUserIdentity {
  std::string username;  // internal username
  std::map<std::string, std::string> attributes;  // with sub, and the sign-in attribute if any
};

// Works out the internal username and attributes of a new user typed as `typed_username`.
// In pools with UsernameAttributes the typed name must be an email or phone number; it becomes
// that attribute and the internal username is the sub.
Outcome<NewUserIdentity> NewIdentity(const PoolSettings& settings, const std::string& typed_username,
                                     const std::string& sub,
                                     std::map<std::string, std::string> attributes);

bool LooksLikeEmail(const std::string& value);
bool LooksLikePhoneNumber(const std::string& value);

}  // namespace cognate
