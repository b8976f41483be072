#include "storage/rocks_status.h"

#include <string>

namespace cognate::storage {

Status FromRocks(const rocksdb::Status& status, std::string_view context) {
  if (status.ok()) return Status::Ok();
  std::string message = std::string(context) + ": " + status.ToString();
  if (status.IsCorruption()) return DataLossError(std::move(message));
  if (status.IsNotFound()) return NotFoundError(std::move(message));
  if (status.IsInvalidArgument()) return InvalidArgumentError(std::move(message));
  if (status.IsIOError() || status.IsBusy() || status.IsTimedOut() || status.IsTryAgain() ||
      status.IsShutdownInProgress() || status.IsIncomplete() || status.IsAborted()) {
    return UnavailableError(std::move(message));
  }
  return InternalError(std::move(message));
}

}  // namespace cognate::storage
