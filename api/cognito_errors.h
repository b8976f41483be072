// Cognito's error responses: the exception name, HTTP status and body for a DomainError, and
// for the generic AWS errors (SigV4, unknown operation, malformed body) outside the model.
#pragma once

#include <string>

#include "api/http_server.h"
#include "engine/domain_error.h"

namespace cognate::api {

// Cognito's exception shape name, e.g. "UsernameExistsException".
const char* ExceptionName(ErrorCode code);

// {"__type","message"} with `x-amzn-ErrorType: <name>:` and Cognito's status (400, or 500 for
// InternalErrorException).
HttpResponse ErrorResponse(const std::string& type, const std::string& message, unsigned status = 400);
HttpResponse ErrorResponse(const DomainError& error);

}  // namespace cognate::api
