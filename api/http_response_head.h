// The head of an HTTP/1.x response (status line and header fields), written straight into a
// string: the server sends it and the body in one gather write, without Beast's serializer, whose
// buffer-sequence machinery cost more than the kernel's send on small responses.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cognate::api {

struct ResponseHeadFields {
  unsigned status = 200;
  unsigned version = 11;  // 10 or 11
  // The handler's fields, written in order. Content-Length, Connection and Transfer-Encoding are
  // the server's to set and are skipped here; CR and LF are dropped from values so that no value
  // can start a field of its own.
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;
  std::string_view date;  // added as Date unless the handler set one
  // Content-Length to announce; none for statuses that carry no body (1xx, 204, 304). For a HEAD
  // response it is the length the GET body would have had.
  size_t content_length = 0;
  bool close = false;  // Connection: close (HTTP/1.1) or no keep-alive (HTTP/1.0)
};

// Replaces `out` with the head, "\r\n\r\n" included; keeps out's capacity for the next response.
void WriteResponseHead(const ResponseHeadFields& fields, std::string& out);

// The standard reason phrase of `status`, or "Unknown".
std::string_view ReasonPhrase(unsigned status);

}  // namespace cognate::api
