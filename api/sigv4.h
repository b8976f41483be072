// AWS Signature Version 4 verification (header-signed requests, "AWS4-HMAC-SHA256").
//
// VerifySigV4 rebuilds the canonical request from the raw request as received, derives the signing
// key from the secret the caller looks up, and compares signatures in constant time. Errors are
// Status values whose message starts with the AWS error name the API must answer with
// ("InvalidSignatureException: ..."); SigV4ErrorName / SigV4ErrorMessage split them.
//
// SigV4Authorization is the signing side (what botocore / the AWS SDKs compute), for tests and
// for C++ clients. All functions are pure and thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace cognate::api {

// A request as received. `headers` must outlive the call; names are lowercase, repeated headers
// joined with ',' (HttpServer does both).
struct SigV4Request {
  std::string method;
  std::string path;   // raw, as on the wire, before '?'
  std::string query;  // raw, after '?' (no '?'), may be empty
  const std::map<std::string, std::string>* headers = nullptr;
  std::string_view body;
};

struct SigV4Result {
  std::string access_key_id;
  std::string region;         // from the credential scope; the caller checks it if it cares
  std::string service;        // from the credential scope, e.g. "cognito-idp"
  std::string session_token;  // x-amz-security-token if sent, else empty
};

// Returns the secret access key for an access key id, or nullopt if the key is unknown.
using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key_id)>;

// Verifies the Authorization header of `request`.
//
// Errors (all kUnauthenticated; message prefix = AWS error name):
//   MissingAuthenticationTokenException  no Authorization header
//   IncompleteSignatureException         malformed header / credential, missing date, host unsigned
//   UnrecognizedClientException          secret_for returned nullopt
//   InvalidSignatureException            signature mismatch, payload hash mismatch, or the request
//                                        date is more than max_skew away from `now`
// `secret_for` is called at most once, after the header has been parsed.
Result<SigV4Result> VerifySigV4(const SigV4Request& request, const SecretLookup& secret_for,
                                std::chrono::system_clock::time_point now,
                                std::chrono::seconds max_skew = std::chrono::minutes(15));

// "InvalidSignatureException: Signature expired: ..." → "InvalidSignatureException" and
// "Signature expired: ...". A message without a "Name: " prefix gives "" and the whole message.
std::string SigV4ErrorName(const Status& status);
std::string SigV4ErrorMessage(const Status& status);

// Canonical URI of a raw path as AWS computes it for non-S3 services: empty path → "/", "." and
// ".." segments resolved, empty segments dropped (a trailing '/' is kept), then every byte outside
// RFC 3986 unreserved and '/' percent-encoded (so an already-encoded "%20" becomes "%2520").
std::string CanonicalUri(std::string_view raw_path);

// Canonical query string: each raw "name=value" pair percent-decoded then re-encoded, sorted by
// name then value, joined with '&'. A pair without '=' gets an empty value.
std::string CanonicalQueryString(std::string_view raw_query);

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// The Authorization header value for a request, signed the way the AWS SDKs do it: every header in
// `headers` is signed except authorization, user-agent, expect and x-amzn-trace-id. The caller must
// already have put "host" and "x-amz-date" (= amz_date, "YYYYMMDDTHHMMSSZ") into `headers`; the
// payload hash is x-amz-content-sha256 from `headers` if present, else SHA-256 of `body`.
std::string SigV4Authorization(std::string_view method, std::string_view path,
                               std::string_view query,
                               const std::map<std::string, std::string>& headers,
                               std::string_view body, std::string_view access_key_id,
                               std::string_view secret_access_key, std::string_view region,
                               std::string_view service, std::string_view amz_date);

// "YYYYMMDDTHHMMSSZ" for a time point (UTC), as used in X-Amz-Date.
std::string FormatAmzDate(std::chrono::system_clock::time_point t);

}  // namespace cognate::api
