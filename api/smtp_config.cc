#include "api/smtp_config.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include <boost/asio/ip/address_v6.hpp>

namespace cognate::api {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> PercentDecode(std::string_view text, std::string_view what) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 2 < text.size() ? HexDigit(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? HexDigit(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return InvalidArgumentError("bad percent-encoding in the " + std::string(what) + " of the SMTP URL");
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace

bool IsPlainMailAddress(std::string_view address) {
  const size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return false;
  return std::none_of(address.begin(), address.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' ||
           c == '(' || c == ')' || c == '\\';
  });
}

bool IsHostName(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
  });
}

Result<SmtpConfig> ParseSmtpUrl(std::string_view url) {
  SmtpConfig config;
  std::string_view rest = url;
  if (rest.substr(0, 7) == "smtp://") {
    rest.remove_prefix(7);
  } else if (rest.substr(0, 8) == "smtps://") {
    rest.remove_prefix(8);
    config.tls = SmtpTls::kImplicit;
    config.port = 465;
  } else {
    return InvalidArgumentError("an SMTP URL starts with smtp:// or smtps://");
  }
  if (rest.find('#') != std::string_view::npos) return InvalidArgumentError("an SMTP URL has no #fragment");
  std::string_view query;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    if (rest.substr(slash) != "/") return InvalidArgumentError("an SMTP URL has no path");
    rest = rest.substr(0, slash);
  }

  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      return InvalidArgumentError("SMTP credentials are user:password (percent-encoded)");
    }
    auto user = PercentDecode(userinfo.substr(0, colon), "user");
    if (!user.ok()) return user.status();
    auto password = PercentDecode(userinfo.substr(colon + 1), "password");
    if (!password.ok()) return password.status();
    if (user->empty()) return InvalidArgumentError("the SMTP user is empty");
    config.user = *user;
    config.password = *password;
  }

  std::optional<std::string_view> port;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return InvalidArgumentError("unclosed [ in the SMTP host");
    config.host = std::string(rest.substr(1, close - 1));
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty() && after.front() != ':') return InvalidArgumentError("bad SMTP host");
    if (!after.empty()) port = after.substr(1);
    boost::system::error_code ec;
    boost::asio::ip::make_address_v6(config.host, ec);
    if (ec) return InvalidArgumentError("bad IPv6 address in the SMTP URL");
  } else {
    const size_t colon = rest.find(':');
    config.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
    if (!config.host.empty() && !IsHostName(config.host)) {
      return InvalidArgumentError("bad SMTP host '" + config.host + "' (an IPv6 address goes in [brackets])");
    }
  }
  if (config.host.empty()) return InvalidArgumentError("the SMTP URL has no host");
  if (port) {
    const std::string digits(*port);
    if (digits.empty() || digits.size() > 5 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(digits) < 1 || std::stoi(digits) > 65535) {
      return InvalidArgumentError("bad SMTP port '" + digits + "'");
    }
    config.port = static_cast<uint16_t>(std::stoi(digits));
  }

  std::set<std::string> seen;
  for (size_t start = 0; start < query.size();) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string name(pair.substr(0, eq));
    auto value = PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), name);
    if (!value.ok()) return value.status();
    if (!seen.insert(name).second) return InvalidArgumentError("SMTP URL parameter " + name + " given twice");
    if (name == "starttls") {
      if (config.tls == SmtpTls::kImplicit) return InvalidArgumentError("starttls does not apply to smtps://");
      if (*value == "required") config.tls = SmtpTls::kStartTlsRequired;
      else if (*value == "optional") config.tls = SmtpTls::kStartTlsOptional;
      else if (*value == "off") config.tls = SmtpTls::kOff;
      else return InvalidArgumentError("starttls is required, optional or off, not '" + *value + "'");
    } else if (name == "tls_verify") {
      if (*value == "on") config.tls_verify = true;
      else if (*value == "off") config.tls_verify = false;
      else return InvalidArgumentError("tls_verify is on or off, not '" + *value + "'");
    } else if (name == "from") {
      if (!IsPlainMailAddress(*value)) return InvalidArgumentError("from is an address such as no-reply@example.com");
      config.from = *value;
    } else {
      return InvalidArgumentError("unknown SMTP URL parameter '" + name +
                                  "' (known: starttls, from, tls_verify)");
    }
  }
  if (config.from.empty()) {
    config.from = "no-reply@";
    config.from += config.host.find(':') == std::string::npos ? config.host : "[IPv6:" + config.host + "]";
  }
  return config;
}

}  // namespace cognate::api
