// GetSigningCertificate: the pool's SAML signing certificate, as base64 of its DER (no PEM
// armour), as Cognito returns it.
//
// A pool gets its certificate on the first request: a new RSA key pair of its own (not a token
// signing key) and a self-signed certificate for it, CN=<poolId>, valid for ten years from then.
// Both are appended in userpool.signing_certificate.issued, the private key sealed under the
// master key like the token keys, so every later call, across restarts, returns the same bytes.
// Of two first calls racing, the one that commits first wins and the other returns its
// certificate.
#include "engine/crypto/certificate.h"
#include "engine/crypto/encoding.h"
#include "engine/crypto/rsa_key.h"
#include "engine/pool/pool_events.h"
#include "engine/service/commit_retry.h"
#include "engine/service/user_pool_service.h"

namespace cognate {

Outcome<nlohmann::json> UserPoolService::GetSigningCertificate(const json& request,
                                                               const CallContext& ctx) {
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    auto pool = LoadPool(request);
    if (!pool.ok()) return pool.error();
    if (!pool->signing_certificate.empty()) return json{{"Certificate", pool->signing_certificate}};

    auto key = crypto::RsaKey::Generate(2048);
    if (!key.ok()) return FromStatus(key.status());
    auto der = key->ToPrivateDer();
    if (!der.ok()) return FromStatus(der.status());
    auto certificate = crypto::SelfSignedCertificateDer(*key, pool->id, clock_.NowMs() / 1000);
    if (!certificate.ok()) return FromStatus(certificate.status());
    const std::string encoded = crypto::Base64Encode(*certificate);
    Events events = {
        MakeEvent(pool_events::kSigningCertificateIssued,
                  {{"certificate", encoded},
                   {"kid", key->Kid()},
                   {"sealed_der", SealSecret(*der, "poolkey/" + pool->id + "/" + key->Kid())}})};
    auto appended = CommitPool(pool.value(), events, ctx);
    if (appended.ok()) return json{{"Certificate", encoded}};
    if (appended.status().code() != StatusCode::kAborted) return FromStatus(appended.status());
  }
  return Reject(ErrorCode::kConcurrentModification, "The user pool was modified concurrently.");
}

}  // namespace cognate
