// The DATA of one email: RFC 5322 headers (Subject as RFC 2047 encoded-words when not ASCII),
// a text/plain UTF-8 body (7bit, or quoted-printable when not ASCII), CRLF line endings,
// dot-stuffed, ending with the "." line.
#pragma once

#include <string>

#include "api/smtp_config.h"
#include "engine/ports/message_sink.h"

namespace cognate::api {

std::string ComposeSmtpData(const SmtpConfig& config, const OutgoingMessage& message);

}  // namespace cognate::api
