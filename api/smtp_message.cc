#include "api/smtp_message.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

#include "engine/crypto/encoding.h"
#include "engine/crypto/random.h"

namespace cognate::api {
namespace {

constexpr size_t kMaxEncodedWordInput = 42;  // bytes per RFC 2047 word: 56 base64 characters

bool IsAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// The length of the UTF-8 sequence `lead` starts (1 for anything that is not a lead byte).
size_t Utf8Length(char lead) {
  const auto u = static_cast<unsigned char>(lead);
  if (u >= 0xf0 && u < 0xf8) return 4;
  if (u >= 0xe0) return u < 0xf0 ? 3 : 1;
  if (u >= 0xc0) return 2;
  return 1;
}

// A header value: as it is when it is short ASCII, else RFC 2047 B-encoded words, each whole
// UTF-8 characters, folded one per line. Line breaks in the text become spaces.
std::string HeaderText(std::string_view raw) {
  std::string text(raw);
  std::replace_if(text.begin(), text.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  if (IsAscii(text) && text.size() <= 900) return text;
  std::string out;
  for (size_t start = 0; start < text.size();) {
    size_t end = start;
    while (end < text.size()) {
      const size_t n = std::min(Utf8Length(text[end]), text.size() - end);
      if (end > start && end - start + n > kMaxEncodedWordInput) break;
      end += n;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?";
    out += crypto::Base64Encode(std::string_view(text).substr(start, end - start));
    out += "?=";
    start = end;
  }
  return out;
}

// RFC 5322 date-time in UTC, e.g. "Tue, 04 Mar 2025 09:05:07 +0000".
std::string MailDate(int64_t unix_ms) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday % 7], tm.tm_mday,
                kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// Splits text into lines on CRLF, lone CR or lone LF; a final line break adds no empty line.
std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  std::string line;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      lines.push_back(std::move(line));
      line.clear();
    } else {
      line += text[i];
    }
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

// RFC 2045 quoted-printable of one line, soft-broken before 76 characters.
std::string QuotedPrintableLine(std::string_view line) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  size_t column = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const auto u = static_cast<unsigned char>(line[i]);
    const bool last = i + 1 == line.size();
    std::string piece;
    if ((u >= 33 && u <= 126 && u != '=') || ((u == ' ' || u == '\t') && !last)) {
      piece = std::string(1, line[i]);
    } else {
      piece = {'=', kHex[u >> 4], kHex[u & 0xf]};
    }
    if (column + piece.size() > 75) {
      out += "=\r\n";
      column = 0;
    }
    out += piece;
    column += piece.size();
  }
  return out;
}

// The DATA payload: headers, a blank line, the body with CRLF line endings, dot-stuffed, ending
// with the terminating "." line.
}  // namespace

std::string ComposeSmtpData(const SmtpConfig& config, const OutgoingMessage& message) {
  const std::vector<std::string> lines = Lines(message.body);
  const bool plain = IsAscii(message.body) &&
                     std::all_of(lines.begin(), lines.end(), [](const std::string& l) { return l.size() <= 998; });
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const std::string domain = config.from.substr(config.from.rfind('@') + 1);

  std::string data;
  data += "Date: " + MailDate(message.created_at_ms > 0 ? message.created_at_ms : now_ms) + "\r\n";
  data += "From: " + config.from + "\r\n";
  data += "To: " + message.destination + "\r\n";
  data += "Subject: " + HeaderText(message.subject) + "\r\n";
  data += "Message-ID: <" + crypto::HexEncode(crypto::RandomBytes(16)) + "@" + domain + ">\r\n";
  data += "MIME-Version: 1.0\r\n";
  data += "Content-Type: text/plain; charset=UTF-8\r\n";
  data += plain ? "Content-Transfer-Encoding: 7bit\r\n" : "Content-Transfer-Encoding: quoted-printable\r\n";
  data += "\r\n";
  for (const std::string& line : lines) {
    const std::string encoded = plain ? line : QuotedPrintableLine(line);
    // Dot-stuffing (RFC 5321 4.5.2): each line that starts with '.' gets one more. A soft break
    // of quoted-printable starts a line too.
    for (const std::string& part : plain ? std::vector<std::string>{encoded} : Lines(encoded)) {
      if (!part.empty() && part[0] == '.') data += '.';
      data += part;
      data += "\r\n";
    }
  }
  data += ".\r\n";
  return data;
}

}  // namespace cognate::api
