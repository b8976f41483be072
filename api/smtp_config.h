// SmtpConfig: where and how the SMTP sink delivers, as an smtp:// or smtps:// URL says
// (api/smtp_sink.h describes the URL and what each setting does).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace cognate::api {

enum class SmtpTls {
  kImplicit,          // smtps://: TLS from the first byte
  kStartTlsRequired,  // fail the attempt unless the server offers STARTTLS
  kStartTlsOptional,  // STARTTLS when the server offers it, plain text otherwise
  kOff,               // never TLS
};

// Where and how to deliver; ParseSmtpUrl fills it from the URL.
struct SmtpConfig {
  std::string host;                        // name or IP address (IPv6 without brackets)
  uint16_t port = 25;                      // 25; 465 for smtps://
  std::string user;                        // empty: no AUTH
  std::string password;
  SmtpTls tls = SmtpTls::kStartTlsOptional;
  bool tls_verify = false;                 // verify the server's certificate and name
  std::string from;                        // envelope sender and From:; "no-reply@<host>"
};

// The configuration a smtp:// or smtps:// URL describes (see api/smtp_sink.h); user and
// password are percent-decoded, as are query values. kInvalidArgument names what is wrong:
// another scheme, no host, a bad port, credentials without a password, bad percent-encoding,
// an unknown parameter or value, a `from` that is not an address.
Result<SmtpConfig> ParseSmtpUrl(std::string_view url);

// An addr-spec we are willing to put in an envelope and a header: local@domain, both non-empty,
// nothing that could end a command or a header, nothing that needs quoting.
bool IsPlainMailAddress(std::string_view address);

// Letters, digits, '-', '.', '_': a name fit for EHLO.
bool IsHostName(std::string_view host);

}  // namespace cognate::api
