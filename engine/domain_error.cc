#include "engine/domain_error.h"

#include <iostream>

namespace cognate {

DomainError FromStatus(const Status& status) {
  if (status.code() == StatusCode::kResourceExhausted) {
    return Reject(ErrorCode::kTooManyRequests, "Too many requests, please try again later.");
  }
  std::cerr << "internal error: " << status.ToString() << "\n";
  return Reject(ErrorCode::kInternalError, "Internal error");
}

}  // namespace cognate
