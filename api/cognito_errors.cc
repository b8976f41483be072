#include "api/cognito_errors.h"

#include <nlohmann/json.hpp>

namespace cognate::api {

const char* ExceptionName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidParameter: return "InvalidParameterException";
    case ErrorCode::kResourceNotFound: return "ResourceNotFoundException";
    case ErrorCode::kNotAuthorized: return "NotAuthorizedException";
    case ErrorCode::kTooManyRequests: return "TooManyRequestsException";
    case ErrorCode::kInternalError: return "InternalErrorException";
    case ErrorCode::kUsernameExists: return "UsernameExistsException";
    case ErrorCode::kAliasExists: return "AliasExistsException";
    case ErrorCode::kUserNotFound: return "UserNotFoundException";
    case ErrorCode::kUserNotConfirmed: return "UserNotConfirmedException";
    case ErrorCode::kPasswordResetRequired: return "PasswordResetRequiredException";
    case ErrorCode::kInvalidPassword: return "InvalidPasswordException";
    case ErrorCode::kCodeMismatch: return "CodeMismatchException";
    case ErrorCode::kExpiredCode: return "ExpiredCodeException";
    case ErrorCode::kLimitExceeded: return "LimitExceededException";
    case ErrorCode::kTooManyFailedAttempts: return "TooManyFailedAttemptsException";
    case ErrorCode::kGroupExists: return "GroupExistsException";
    case ErrorCode::kUnsupportedOperation: return "UnsupportedOperationException";
    case ErrorCode::kUnsupportedTokenType: return "UnsupportedTokenTypeException";
    case ErrorCode::kUnauthorized: return "UnauthorizedException";
    case ErrorCode::kInvalidUserPoolConfiguration: return "InvalidUserPoolConfigurationException";
    case ErrorCode::kUserImportInProgress: return "UserImportInProgressException";
    case ErrorCode::kConcurrentModification: return "ConcurrentModificationException";
    case ErrorCode::kRefreshTokenReuse: return "RefreshTokenReuseException";
    case ErrorCode::kUnsupportedUserState: return "UnsupportedUserStateException";
    case ErrorCode::kInvalidLambdaResponse: return "InvalidLambdaResponseException";
    case ErrorCode::kUserLambdaValidation: return "UserLambdaValidationException";
    case ErrorCode::kUnexpectedLambda: return "UnexpectedLambdaException";
    case ErrorCode::kEnableSoftwareTokenMfa: return "EnableSoftwareTokenMFAException";
    case ErrorCode::kSoftwareTokenMfaNotFound: return "SoftwareTokenMFANotFoundException";
    case ErrorCode::kMfaMethodNotFound: return "MFAMethodNotFoundException";
  }
  return "InternalErrorException";
}

HttpResponse ErrorResponse(const std::string& type, const std::string& message, unsigned status) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
  response.headers.emplace_back("x-amzn-ErrorType", type + ":");
  response.body = nlohmann::json{{"__type", type}, {"message", message}}.dump();
  return response;
}

HttpResponse ErrorResponse(const DomainError& error) {
  const unsigned status = error.code == ErrorCode::kInternalError ? 500 : 400;
  return ErrorResponse(ExceptionName(error.code), error.message, status);
}

}  // namespace cognate::api
