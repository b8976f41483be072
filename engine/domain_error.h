// DomainError: a rejection the engine answers a caller with, one code per Cognito exception.
//
// Rejections are not failures: they are ordinary values returned by deciders and services.
// api/cognito_errors.cc maps each code to Cognito's exception name and HTTP status.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "engine/status.h"

namespace cognate {

enum class ErrorCode {
  kInvalidParameter,
  kResourceNotFound,
  kNotAuthorized,
  kTooManyRequests,
  kInternalError,
  kUsernameExists,
  kAliasExists,
  kUserNotFound,
  kUserNotConfirmed,
  kPasswordResetRequired,
  kInvalidPassword,
  kCodeMismatch,
  kExpiredCode,
  kLimitExceeded,
  kTooManyFailedAttempts,
  kGroupExists,
  kUnsupportedOperation,
  kUnsupportedTokenType,
  kUnauthorized,
  kInvalidUserPoolConfiguration,
  kUserImportInProgress,
  kConcurrentModification,
  kRefreshTokenReuse,
  kUnsupportedUserState,
  kInvalidLambdaResponse,
  kUserLambdaValidation,
  kUnexpectedLambda,
  kEnableSoftwareTokenMfa,
  kSoftwareTokenMfaNotFound,
  kMfaMethodNotFound,
};

struct DomainError {
  ErrorCode code;
  std::string message;
  // The engine already appended an event that records this failure (a failed sign-in, a wrong
  // code), so the API does not record it again as a refused request.
  bool recorded = false;
};

inline DomainError Reject(ErrorCode code, std::string message) { return {code, std::move(message), false}; }

inline DomainError InvalidParameter(std::string message) {
  return Reject(ErrorCode::kInvalidParameter, std::move(message));
}

inline DomainError Recorded(DomainError error) {
  error.recorded = true;
  return error;
}

// Infrastructure failures reach a caller as InternalErrorException; the Status text stays in logs.
DomainError FromStatus(const Status& status);

// Outcome<T>: a value, or the DomainError the caller is answered with.
template <typename T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  Outcome(DomainError error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const DomainError& error() const { return std::get<DomainError>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, DomainError> v_;
};

// For operations with no output.
struct Done {};

}  // namespace cognate
