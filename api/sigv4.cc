// SigV4: canonical request, string to sign, signing key chain, and the verifier's error mapping.
// Step names follow the AWS "Create a signed AWS API request" guide.
#include "api/sigv4.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>
#include <vector>

#include "engine/crypto/encoding.h"
#include "engine/crypto/hash.h"

namespace cognate::api {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

Status AuthError(std::string_view name, std::string_view message) {
  std::string text;
  text.reserve(name.size() + 2 + message.size());
  text.append(name).append(": ").append(message);
  return Status(StatusCode::kUnauthenticated, std::move(text));
}

constexpr std::string_view kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

void UriEncodeAppend(std::string_view in, bool keep_slash, std::string& out) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0x0f]);
    }
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes; a '%' not followed by two hex digits is kept literally.
std::string PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(in[i]);
  }
  return out;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Header value as canonicalised: trimmed, inner runs of whitespace collapsed to one space.
void AppendCanonicalHeaderValue(std::string_view value, std::string& out) {
  value = TrimSpaces(value);
  bool in_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      in_space = true;
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

const std::string* FindHeader(const std::map<std::string, std::string>& headers,
                              const std::string& name) {
  auto it = headers.find(name);
  return it == headers.end() ? nullptr : &it->second;
}

// --- dates -------------------------------------------------------------------------------------

bool ParseDigits(std::string_view s, int& out) {
  if (s.empty()) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

std::optional<std::chrono::system_clock::time_point> MakeTime(int y, int mo, int d, int h, int mi,
                                                              int s) {
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return system_clock::time_point(sys_days(ymd)) + hours(h) + minutes(mi) + seconds(s);
}

// "20150830T123600Z"
std::optional<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z' || !ParseDigits(s.substr(0, 4), y) ||
      !ParseDigits(s.substr(4, 2), mo) || !ParseDigits(s.substr(6, 2), d) ||
      !ParseDigits(s.substr(9, 2), h) || !ParseDigits(s.substr(11, 2), mi) ||
      !ParseDigits(s.substr(13, 2), sec)) {
    return std::nullopt;
  }
  return MakeTime(y, mo, d, h, mi, sec);
}

// RFC 7231 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT".
std::optional<std::chrono::system_clock::time_point> ParseHttpDate(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  int d, y, h, mi, sec;
  auto month = std::find(kMonths.begin(), kMonths.end(), s.substr(8, 3));
  if (month == kMonths.end() || !ParseDigits(s.substr(5, 2), d) ||
      !ParseDigits(s.substr(12, 4), y) || !ParseDigits(s.substr(17, 2), h) ||
      !ParseDigits(s.substr(20, 2), mi) || !ParseDigits(s.substr(23, 2), sec)) {
    return std::nullopt;
  }
  return MakeTime(y, static_cast<int>(month - kMonths.begin()) + 1, d, h, mi, sec);
}

// --- signing -------------------------------------------------------------------------------------

struct CanonicalParts {
  std::string_view method;
  std::string canonical_uri;
  std::string canonical_query;
  std::string canonical_headers;  // "name:value\n" per signed header
  std::string_view signed_headers;
  std::string_view payload_hash;
};

std::string SignatureHex(const CanonicalParts& parts, std::string_view amz_date,
                         std::string_view scope_date, std::string_view region,
                         std::string_view service, std::string_view secret) {
  std::string canonical;
  canonical.reserve(parts.method.size() + parts.canonical_uri.size() +
                    parts.canonical_query.size() + parts.canonical_headers.size() +
                    parts.signed_headers.size() + parts.payload_hash.size() + 8);
  canonical.append(parts.method).push_back('\n');
  canonical.append(parts.canonical_uri).push_back('\n');
  canonical.append(parts.canonical_query).push_back('\n');
  canonical.append(parts.canonical_headers).push_back('\n');
  canonical.append(parts.signed_headers).push_back('\n');
  canonical.append(parts.payload_hash);

  std::string string_to_sign;
  string_to_sign.append(kAlgorithm).push_back('\n');
  string_to_sign.append(amz_date).push_back('\n');
  string_to_sign.append(scope_date).push_back('/');
  string_to_sign.append(region).push_back('/');
  string_to_sign.append(service).push_back('/');
  string_to_sign.append(kTerminator).push_back('\n');
  string_to_sign.append(Sha256Hex(canonical));

  std::string key = "AWS4";
  key.append(secret);
  std::string k_date = crypto::HmacSha256(key, scope_date);
  OPENSSL_cleanse(key.data(), key.size());
  std::string k_region = crypto::HmacSha256(k_date, region);
  std::string k_service = crypto::HmacSha256(k_region, service);
  std::string k_signing = crypto::HmacSha256(k_service, kTerminator);
  for (std::string* k : {&k_date, &k_region, &k_service}) OPENSSL_cleanse(k->data(), k->size());
  std::string signature = crypto::HmacSha256(k_signing, string_to_sign);
  OPENSSL_cleanse(k_signing.data(), k_signing.size());
  return crypto::HexEncode(signature);
}

struct ParsedAuthorization {
  std::string_view access_key_id;
  std::string_view scope_date;
  std::string_view region;
  std::string_view service;
  std::string_view signed_headers;
  std::string_view signature;
};

Result<ParsedAuthorization> ParseAuthorization(std::string_view header) {
  auto incomplete = [&](std::string_view why) {
    std::string message(why);
    message.append(" Authorization=").append(header);
    return AuthError("IncompleteSignatureException", message);
  };
  std::string_view rest = TrimSpaces(header);
  size_t space = rest.find(' ');
  std::string_view algorithm = rest.substr(0, space);
  if (algorithm != kAlgorithm) {
    return AuthError("IncompleteSignatureException",
                     "Unsupported AWS 'algorithm': '" + std::string(algorithm) + "'");
  }
  rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);

  std::optional<std::string_view> credential, signed_headers, signature;
  for (std::string_view item : Split(rest, ',')) {
    item = TrimSpaces(item);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return incomplete(
          "Authorization header requires each component to be of the form "
          "key=value.");
    }
    std::string_view key = item.substr(0, eq);
    std::string_view value = item.substr(eq + 1);
    if (key == "Credential") {
      credential = value;
    } else if (key == "SignedHeaders") {
      signed_headers = value;
    } else if (key == "Signature") {
      signature = value;
    }
  }
  std::string missing;
  if (!credential) missing += "Authorization header requires 'Credential' parameter. ";
  if (!signature) missing += "Authorization header requires 'Signature' parameter. ";
  if (!signed_headers) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!missing.empty()) {
    missing.pop_back();
    return incomplete(missing);
  }

  std::vector<std::string_view> scope = Split(*credential, '/');
  if (scope.size() != 5 || scope[0].empty() || scope[1].size() != 8 || scope[2].empty() ||
      scope[3].empty()) {
    return incomplete("Credential should be scoped to a valid region, service and date: '" +
                      std::string(*credential) + "'.");
  }
  if (scope[4] != kTerminator) {
    return incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                      std::string(scope[4]) + "'.");
  }
  if (signed_headers->empty()) {
    return incomplete("Authorization header requires 'SignedHeaders' parameter.");
  }
  return ParsedAuthorization{scope[0], scope[1], scope[2], scope[3], *signed_headers, *signature};
}

}  // namespace

// --- public helpers ------------------------------------------------------------------------------

std::string Sha256Hex(std::string_view data) { return crypto::Sha256Hex(data); }

std::string FormatAmzDate(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto secs = floor<seconds>(t);
  auto day_point = floor<days>(secs);
  year_month_day ymd{day_point};
  hh_mm_ss hms{secs - day_point};
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string CanonicalUri(std::string_view raw_path) {
  if (raw_path.empty()) return "/";
  // RFC 3986 §5.2.4 dot-segment removal; AWS also drops empty segments (doubled slashes).
  std::vector<std::string_view> segments;
  for (std::string_view segment : Split(raw_path, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(segment);
  }
  std::string out;
  out.reserve(raw_path.size() + 8);
  out.push_back('/');
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    UriEncodeAppend(segments[i], /*keep_slash=*/false, out);
  }
  if (!segments.empty() && raw_path.back() == '/') out.push_back('/');
  return out;
}

std::string CanonicalQueryString(std::string_view raw_query) {
  if (raw_query.empty()) return {};
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::string_view item : Split(raw_query, '&')) {
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string_view name = item.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    std::pair<std::string, std::string> encoded;
    UriEncodeAppend(PercentDecode(name), /*keep_slash=*/false, encoded.first);
    UriEncodeAppend(PercentDecode(value), /*keep_slash=*/false, encoded.second);
    pairs.push_back(std::move(encoded));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out.append(name).push_back('=');
    out.append(value);
  }
  return out;
}

std::string SigV4ErrorName(const Status& status) {
  const std::string& m = status.message();
  size_t pos = m.find(": ");
  if (pos == std::string::npos || m.find(' ') < pos) return {};
  return m.substr(0, pos);
}

std::string SigV4ErrorMessage(const Status& status) {
  const std::string& m = status.message();
  size_t pos = m.find(": ");
  if (pos == std::string::npos || m.find(' ') < pos) return m;
  return m.substr(pos + 2);
}

std::string SigV4Authorization(std::string_view method, std::string_view path,
                               std::string_view query,
                               const std::map<std::string, std::string>& headers,
                               std::string_view body, std::string_view access_key_id,
                               std::string_view secret_access_key, std::string_view region,
                               std::string_view service, std::string_view amz_date) {
  CanonicalParts parts;
  parts.method = method;
  parts.canonical_uri = CanonicalUri(path);
  parts.canonical_query = CanonicalQueryString(query);
  std::string signed_headers;
  for (const auto& [name, value] : headers) {
    if (name == "authorization" || name == "user-agent" || name == "expect" ||
        name == "x-amzn-trace-id") {
      continue;
    }
    if (!signed_headers.empty()) signed_headers.push_back(';');
    signed_headers.append(name);
    parts.canonical_headers.append(name).push_back(':');
    AppendCanonicalHeaderValue(value, parts.canonical_headers);
    parts.canonical_headers.push_back('\n');
  }
  parts.signed_headers = signed_headers;
  std::string body_hash;
  if (const std::string* h = FindHeader(headers, "x-amz-content-sha256")) {
    parts.payload_hash = *h;
  } else {
    body_hash = Sha256Hex(body);
    parts.payload_hash = body_hash;
  }
  std::string_view scope_date = amz_date.substr(0, 8);
  std::string signature =
      SignatureHex(parts, amz_date, scope_date, region, service, secret_access_key);
  std::string out(kAlgorithm);
  out.append(" Credential=").append(access_key_id).push_back('/');
  out.append(scope_date).push_back('/');
  out.append(region).push_back('/');
  out.append(service).push_back('/');
  out.append(kTerminator);
  out.append(", SignedHeaders=").append(signed_headers);
  out.append(", Signature=").append(signature);
  return out;
}

// --- verification --------------------------------------------------------------------------------

Result<SigV4Result> VerifySigV4(const SigV4Request& request, const SecretLookup& secret_for,
                                std::chrono::system_clock::time_point now,
                                std::chrono::seconds max_skew) {
  static const std::map<std::string, std::string> kNoHeaders;
  const auto& headers = request.headers != nullptr ? *request.headers : kNoHeaders;

  const std::string* authorization = FindHeader(headers, "authorization");
  if (authorization == nullptr || TrimSpaces(*authorization).empty()) {
    return AuthError("MissingAuthenticationTokenException", "Missing Authentication Token");
  }
  Result<ParsedAuthorization> parsed = ParseAuthorization(*authorization);
  if (!parsed.ok()) return parsed.status();
  const ParsedAuthorization& auth = *parsed;

  // Request time: X-Amz-Date (ISO 8601 basic) wins over Date (IMF-fixdate or ISO 8601 basic).
  std::string amz_date;
  std::optional<std::chrono::system_clock::time_point> request_time;
  if (const std::string* x_amz_date = FindHeader(headers, "x-amz-date")) {
    amz_date = *x_amz_date;
    request_time = ParseAmzDate(amz_date);
  } else if (const std::string* date = FindHeader(headers, "date")) {
    request_time = ParseAmzDate(*date);
    if (!request_time) request_time = ParseHttpDate(*date);
    amz_date = request_time ? FormatAmzDate(*request_time) : *date;
  } else {
    return AuthError("IncompleteSignatureException",
                     "Authorization header requires existence of either a 'X-Amz-Date' or a "
                     "'Date' header. Authorization=" +
                         *authorization);
  }
  if (!request_time) {
    return AuthError("IncompleteSignatureException",
                     "Date must be in ISO-8601 'basic format'. Got '" + amz_date + "'.");
  }
  if (auth.scope_date != std::string_view(amz_date).substr(0, 8)) {
    return AuthError("InvalidSignatureException",
                     "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                     "date from HTTP: '" +
                         std::string(auth.scope_date) + "' != '" + amz_date.substr(0, 8) +
                         "', from '" + amz_date + "'.");
  }

  // Parse the signed header list; host must be signed, names must be lowercase.
  std::vector<std::string_view> signed_names = Split(auth.signed_headers, ';');
  bool host_signed = false;
  for (std::string_view name : signed_names) {
    if (name.empty() ||
        std::any_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
      return AuthError("IncompleteSignatureException",
                       "Authorization header SignedHeaders must be lowercase names separated by "
                       "';'. Authorization=" +
                           *authorization);
    }
    if (name == "host" || name == ":authority") host_signed = true;
  }
  if (!host_signed) {
    return AuthError("IncompleteSignatureException",
                     "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }

  std::optional<std::string> secret = secret_for(auth.access_key_id);
  if (!secret) {
    return AuthError("UnrecognizedClientException",
                     "The security token included in the request is invalid.");
  }

  if (*request_time + max_skew < now) {
    return AuthError("InvalidSignatureException",
                     "Signature expired: " + amz_date + " is now earlier than " +
                         FormatAmzDate(now - max_skew) + " (" + FormatAmzDate(now) + " - " +
                         std::to_string(max_skew.count() / 60) + " min.)");
  }
  if (*request_time - max_skew > now) {
    return AuthError("InvalidSignatureException",
                     "Signature not yet current: " + amz_date + " is still later than " +
                         FormatAmzDate(now + max_skew) + " (" + FormatAmzDate(now) + " + " +
                         std::to_string(max_skew.count() / 60) + " min.)");
  }

  // Payload hash: x-amz-content-sha256 if sent (checked against the body unless it says
  // UNSIGNED-PAYLOAD), else computed.
  std::string body_hash;
  std::string_view payload_hash;
  if (const std::string* declared = FindHeader(headers, "x-amz-content-sha256")) {
    payload_hash = *declared;
    if (payload_hash != kUnsignedPayload) {
      body_hash = Sha256Hex(request.body);
      std::string lowered = *declared;
      std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                     [](char c) { return (c >= 'A' && c <= 'F') ? static_cast<char>(c + 32) : c; });
      if (lowered != body_hash) {
        return AuthError("InvalidSignatureException",
                         "The provided 'x-amz-content-sha256' header does not match what was "
                         "computed.");
      }
    }
  } else {
    body_hash = Sha256Hex(request.body);
    payload_hash = body_hash;
  }

  CanonicalParts parts;
  parts.method = request.method;
  parts.canonical_uri = CanonicalUri(request.path);
  parts.canonical_query = CanonicalQueryString(request.query);
  for (std::string_view name : signed_names) {
    parts.canonical_headers.append(name).push_back(':');
    auto it = headers.find(std::string(name));
    if (it != headers.end()) AppendCanonicalHeaderValue(it->second, parts.canonical_headers);
    parts.canonical_headers.push_back('\n');
  }
  parts.signed_headers = auth.signed_headers;
  parts.payload_hash = payload_hash;

  std::string expected =
      SignatureHex(parts, amz_date, auth.scope_date, auth.region, auth.service, *secret);
  OPENSSL_cleanse(secret->data(), secret->size());
  if (expected.size() != auth.signature.size() ||
      CRYPTO_memcmp(expected.data(), auth.signature.data(), expected.size()) != 0) {
    return AuthError("InvalidSignatureException", kSignatureMismatch);
  }

  SigV4Result result;
  result.access_key_id = std::string(auth.access_key_id);
  result.region = std::string(auth.region);
  result.service = std::string(auth.service);
  if (const std::string* token = FindHeader(headers, "x-amz-security-token")) {
    result.session_token = *token;
  }
  return result;
}

}  // namespace cognate::api
