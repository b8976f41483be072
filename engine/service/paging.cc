#include "engine/service/paging.h"

#include "engine/crypto/encoding.h"

namespace cognate {

std::string PageToken(const std::string& key) { return crypto::Base64Encode(key); }

Result<std::string> DecodePageToken(const std::string& token) { return crypto::Base64Decode(token); }

Outcome<Page> ScanPage(EventStore& store, const char* table, const std::string& prefix,
                       const std::string& token, size_t limit) {
  std::string start_after;
  if (!token.empty()) {
    auto decoded = crypto::Base64Decode(token);
    if (!decoded.ok() || decoded->rfind(prefix, 0) != 0) {
      return Reject(ErrorCode::kInvalidParameter, "Invalid pagination token.");
    }
    start_after = *decoded;
  }
  auto rows = store.Scan(table, prefix, start_after, limit + 1);
  if (!rows.ok()) return FromStatus(rows.status());
  Page page;
  page.rows = std::move(rows).value();
  if (page.rows.size() > limit) {
    page.rows.resize(limit);
    page.next_token = PageToken(page.rows.back().key);
  }
  return page;
}

}  // namespace cognate
