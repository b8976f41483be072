// DEVICE_SRP_AUTH: after the password, a confirmed device proves it holds its secret with the same
// SRP-6a as the password, where the DeviceGroupKey stands for the pool name and the DeviceKey for
// the user id. It comes after MFA, or instead of it for a remembered device where the pool allows.
#include "engine/crypto/encoding.h"
#include "engine/crypto/random.h"
#include "engine/crypto/srp.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"

namespace cognate {
namespace {

using wire::Param;

}  // namespace

nlohmann::json UserPoolService::DeviceSrpChallenge(const UserState& user, json session) const {
  session["challenge"] = "DEVICE_SRP_AUTH";
  return json{{"ChallengeName", "DEVICE_SRP_AUTH"},
              {"Session", SealSession(session)},
              {"ChallengeParameters", {{"USERNAME", user.username}}}};
}

Outcome<nlohmann::json> UserPoolService::StartDeviceSrp(const PoolState& pool, const ClientState& client,
                                                        const json& session, const json& responses) {
  const DomainError expired = Reject(ErrorCode::kNotAuthorized, "Invalid session for the user, session is expired.");
  const std::string a_hex = Param(responses, "SRP_A");
  const std::string device_key = Param(responses, "DEVICE_KEY");
  if (a_hex.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter SRP_A");
  if (device_key.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter DEVICE_KEY");
  if (device_key != session.value("facts", json::object()).value("device_key", "")) return expired;
  auto user = LoadUserBySub(pool.id, session.value("sub", ""));
  if (!user.ok()) return FromStatus(user.status());
  if (!user->exists || user->deleted) return expired;
  const std::string typed = Param(responses, "USERNAME");
  if (auto ok = CheckSecretHash(client, typed.empty() ? user->username : typed, Param(responses, "SECRET_HASH")); !ok.ok()) {
    return ok.error();
  }
  auto device = user->devices.find(device_key);
  if (device == user->devices.end() || !device->second.confirmed) {
    return Reject(ErrorCode::kResourceNotFound, "Device does not exist.");
  }
  auto verifier = OpenSecret(device->second.srp_verifier_sealed, "device/" + pool.id + "/" + device_key);
  if (!verifier.ok()) return FromStatus(verifier.status());
  auto ephemeral = crypto::SrpServerStart(*verifier);
  if (!ephemeral.ok()) return FromStatus(ephemeral.status());
  auto salt = crypto::HexDecode(device->second.srp_salt);
  if (!salt.ok()) return FromStatus(salt.status());

  json next = session;
  next["challenge"] = "DEVICE_PASSWORD_VERIFIER";
  next["a"] = a_hex;
  next["b"] = crypto::HexEncode(ephemeral->secret_b);
  // The SECRET_BLOCK is signed over by the client; it is opaque and only has to match.
  const std::string secret_block = crypto::Base64Encode(crypto::RandomBytes(64));
  next["secret_block"] = secret_block;
  return json{{"ChallengeName", "DEVICE_PASSWORD_VERIFIER"},
              {"Session", SealSession(next)},
              {"ChallengeParameters", {{"SALT", crypto::SrpPadHex(*salt)},
                                       {"SRP_B", crypto::SrpToHex(ephemeral->public_b)},
                                       {"SECRET_BLOCK", secret_block},
                                       {"USERNAME", user->username},
                                       {"DEVICE_KEY", device_key}}}};
}

Outcome<nlohmann::json> UserPoolService::RespondDevicePasswordVerifier(const PoolState& pool, const ClientState& client,
                                                                       const json& session, const json& responses,
                                                                       const CallContext& ctx) {
  const DomainError wrong = Reject(ErrorCode::kNotAuthorized, "Incorrect username or password.");
  const std::string device_key = Param(responses, "DEVICE_KEY");
  const std::string signature = Param(responses, "PASSWORD_CLAIM_SIGNATURE");
  const std::string timestamp = Param(responses, "TIMESTAMP");
  const std::string claimed_block = Param(responses, "PASSWORD_CLAIM_SECRET_BLOCK");
  if (signature.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter PASSWORD_CLAIM_SIGNATURE");
  if (timestamp.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter TIMESTAMP");
  if (device_key != session.value("facts", json::object()).value("device_key", "") ||
      claimed_block != session.value("secret_block", "")) {
    return Reject(ErrorCode::kNotAuthorized, "Invalid session for the user, session is expired.");
  }
  if (auto stale = CheckSrpTimestamp(timestamp)) return *stale;

  auto loaded = LoadUserBySub(pool.id, session.value("sub", ""));
  if (!loaded.ok()) return FromStatus(loaded.status());
  if (!loaded->exists || loaded->deleted) return wrong;
  UserState user = std::move(loaded).value();
  if (!user.enabled) return Reject(ErrorCode::kNotAuthorized, "User is disabled.");
  if (auto locked = CheckNotLockedOut(user)) return *locked;
  auto device = user.devices.find(device_key);
  if (device == user.devices.end() || !device->second.confirmed) return Reject(ErrorCode::kResourceNotFound, "Device does not exist.");
  auto verifier = OpenSecret(device->second.srp_verifier_sealed, "device/" + pool.id + "/" + device_key);
  if (!verifier.ok()) return FromStatus(verifier.status());
  auto secret_b = crypto::HexDecode(session.value("b", ""));
  if (!secret_b.ok() || !crypto::VerifySrpPasswordClaim(*verifier, *secret_b, "", session.value("a", ""), device->second.group_key,
                                                        device_key, claimed_block, timestamp, signature)) {
    RecordFailedSignIn(user, client, "device", ctx);
    return Recorded(wrong);
  }
  if (!SpendOnce("device/" + session.value("secret_block", ""), session.value("exp", int64_t{0}))) {
    return Reject(ErrorCode::kNotAuthorized, "Invalid session for the user, session is expired.");
  }
  // Whether MFA was due was settled before this exchange (FinishPasswordSignIn).
  json records = session.value("records", json::array());
  if (auto post = AuthenticationTrigger(pool, client, user, true, records); !post.ok()) return post.error();
  return IssueTokens(pool, client, user, ctx, session.value("flow", ""), {}, std::move(records),
                     session.value("facts", json::object()));
}

}  // namespace cognate
