// Pre token generation: applying a trigger's claim and group overrides to the ID and access
// tokens' claims, with Cognito's rules (V1 changes the ID token's claims only; V2/V3 both
// tokens and the access token's scopes; protected claims never change; suppression beats
// addition; a group override replaces cognito:groups in both tokens). Pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "engine/domain_error.h"

namespace cognate {

struct TokenClaims {
  nlohmann::json id;
  nlohmann::json access;
};

// Applies `response` (the trigger's response object) for event version "1", "2" or "3".
// InvalidLambdaResponse for overrides of the wrong shape.
Outcome<Done> ApplyClaimOverrides(const std::string& version, const nlohmann::json& response,
                                  TokenClaims& claims);

}  // namespace cognate
