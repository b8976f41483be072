// Paging over a read-model table for the List* operations: the token handed to the caller is
// the last key returned, base64-encoded, and must lie within the scanned prefix.
#pragma once

#include <string>
#include <vector>

#include "engine/domain_error.h"
#include "engine/ports/event_store.h"

namespace cognate {

struct Page {
  std::vector<Row> rows;
  std::string next_token;  // empty on the last page
};

// The token that resumes a scan after `key`.
std::string PageToken(const std::string& key);
// The key a token resumes after; kInvalidArgument for a token we did not make.
Result<std::string> DecodePageToken(const std::string& token);

Outcome<Page> ScanPage(EventStore& store, const char* table, const std::string& prefix,
                       const std::string& token, size_t limit);

}  // namespace cognate
