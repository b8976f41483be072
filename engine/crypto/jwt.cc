#include "engine/crypto/jwt.h"

#include <cassert>

#include "engine/crypto/encoding.h"

namespace cognate::crypto {
namespace {

using nlohmann::json;

constexpr int kMaxJsonDepth = 32;

struct Parts {
  std::string_view header_b64;
  std::string_view payload_b64;
  std::string_view signature_b64;
  std::string_view signing_input;  // header_b64 "." payload_b64
};

Result<Parts> Split(std::string_view token) {
  if (token.size() > kMaxJwtSize) return InvalidArgumentError("JWT: token too long");
  const size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return InvalidArgumentError("JWT: not a compact JWS");
  const size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return InvalidArgumentError("JWT: not a compact JWS");
  }
  // JWS uses unpadded base64url (RFC 7515 §2); refuse '=' so that each token has one spelling.
  if (token.find('=') != std::string_view::npos) {
    return InvalidArgumentError("JWT: padding is not allowed");
  }
  Parts parts;
  parts.header_b64 = token.substr(0, dot1);
  parts.payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  parts.signature_b64 = token.substr(dot2 + 1);
  parts.signing_input = token.substr(0, dot2);
  return parts;
}

// Decodes one base64url part and parses it as a JSON object, without exceptions and with a
// nesting limit.
Result<json> DecodeObject(std::string_view part_b64, const char* what) {
  Result<std::string> text = Base64UrlDecode(part_b64);
  if (!text.ok()) return InvalidArgumentError(std::string("JWT: bad base64url in ") + what);
  bool too_deep = false;
  json::parser_callback_t limit_depth = [&too_deep](int depth, json::parse_event_t, json&) {
    if (depth > kMaxJsonDepth) too_deep = true;
    return !too_deep;
  };
  json value = json::parse(*text, limit_depth, /*allow_exceptions=*/false);
  if (too_deep) return InvalidArgumentError(std::string("JWT: ") + what + " nested too deeply");
  if (value.is_discarded() || !value.is_object()) {
    return InvalidArgumentError(std::string("JWT: ") + what + " is not a JSON object");
  }
  return value;
}

Status Unauthenticated(std::string message) {
  return Status(StatusCode::kUnauthenticated, std::move(message));
}

}  // namespace

std::string SignJwtRs256(const RsaKey& key, const nlohmann::json& payload) {
  assert(payload.is_object());
  // Written by hand to pin the member order to Cognito's.
  const std::string header = "{\"kid\":" + json(key.Kid()).dump() + ",\"alg\":\"RS256\"}";
  const std::string body = payload.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string token = Base64UrlEncode(header);
  token.push_back('.');
  token += Base64UrlEncode(body);
  const std::string signature = key.SignRs256(token);
  token.push_back('.');
  token += Base64UrlEncode(signature);
  return token;
}

Result<nlohmann::json> VerifyJwtRs256(const RsaKey& key, std::string_view token) {
  Result<Parts> parts = Split(token);
  if (!parts.ok()) return parts.status();
  Result<json> header = DecodeObject(parts->header_b64, "header");
  if (!header.ok()) return header.status();

  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() || *alg != "RS256") {
    return Unauthenticated("JWT: alg must be RS256");
  }
  if (header->contains("crit")) return Unauthenticated("JWT: unsupported critical header");
  const auto kid = header->find("kid");
  if (kid == header->end() || !kid->is_string() ||
      kid->get_ref<const std::string&>() != key.Kid()) {
    return Unauthenticated("JWT: kid does not match the key");
  }

  Result<std::string> signature = Base64UrlDecode(parts->signature_b64);
  if (!signature.ok()) return InvalidArgumentError("JWT: bad base64url in signature");
  if (!key.VerifyRs256(parts->signing_input, *signature)) {
    return Unauthenticated("JWT: invalid signature");
  }
  return DecodeObject(parts->payload_b64, "payload");
}

Result<nlohmann::json> DecodeJwtUnverified(std::string_view token) {
  Result<Parts> parts = Split(token);
  if (!parts.ok()) return parts.status();
  Result<json> header = DecodeObject(parts->header_b64, "header");
  if (!header.ok()) return header.status();
  Result<json> payload = DecodeObject(parts->payload_b64, "payload");
  if (!payload.ok()) return payload.status();
  if (!Base64UrlDecode(parts->signature_b64).ok()) {
    return InvalidArgumentError("JWT: bad base64url in signature");
  }
  json out = json::object();
  out["header"] = std::move(*header);
  out["payload"] = std::move(*payload);
  return out;
}

}  // namespace cognate::crypto
