#include "api/http_response_head.h"

#include <boost/beast/http/status.hpp>
#include <charconv>

namespace cognate::api {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool IsFramingField(std::string_view name) {
  return EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "connection") ||
         EqualsIgnoreCase(name, "transfer-encoding");
}

void AppendNumber(std::string& out, size_t value) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, end);
}

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  for (char c : value) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
  out.append("\r\n");
}

}  // namespace

std::string_view ReasonPhrase(unsigned status) {
  const std::string_view reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  // Beast names statuses it does not know "<unknown-status>".
  return reason.empty() || reason.front() == '<' ? std::string_view("Unknown") : reason;
}

void WriteResponseHead(const ResponseHeadFields& fields, std::string& out) {
  out.clear();
  out.append(fields.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  AppendNumber(out, fields.status);
  out.push_back(' ');
  out.append(ReasonPhrase(fields.status));
  out.append("\r\n");

  bool has_server = false;
  bool has_date = false;
  if (fields.headers != nullptr) {
    for (const auto& [name, value] : *fields.headers) {
      if (IsFramingField(name)) continue;
      has_server = has_server || EqualsIgnoreCase(name, "server");
      has_date = has_date || EqualsIgnoreCase(name, "date");
      AppendField(out, name, value);
    }
  }
  if (!has_server) AppendField(out, "Server", "cognate");
  if (!has_date && !fields.date.empty()) AppendField(out, "Date", fields.date);

  const unsigned status = fields.status;
  const bool no_body = status / 100 == 1 || status == 204 || status == 304;
  if (!no_body) {
    out.append("Content-Length: ");
    AppendNumber(out, fields.content_length);
    out.append("\r\n");
  }
  if (fields.version == 10) {
    if (!fields.close) out.append("Connection: keep-alive\r\n");
  } else if (fields.close) {
    out.append("Connection: close\r\n");
  }
  out.append("\r\n");
}

}  // namespace cognate::api
