// USER_SRP_AUTH: Cognito's SRP-6a sign-in. InitiateAuth brings SRP_A; the server answers with the
// PASSWORD_VERIFIER challenge (SALT, SRP_B, SECRET_BLOCK); the client proves it knows the password
// with PASSWORD_CLAIM_SIGNATURE over the SECRET_BLOCK and a TIMESTAMP. The password never travels.
//
// The server's half of the exchange (A, b, B, who and for which client) is sealed into the
// SECRET_BLOCK itself, so the answer verifies without a Session, as pycognito-style clients send
// it, and no server-side state is kept between the two calls.
#include <cstdlib>

#include "engine/crypto/aead.h"
#include "engine/crypto/encoding.h"
#include "engine/crypto/hash.h"
#include "engine/crypto/random.h"
#include "engine/crypto/srp.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"
#include "engine/user/user_events.h"

namespace cognate {
namespace {

using wire::Param;

constexpr char kSecretBlockAad[] = "srp-secret-block";
// How far the client's TIMESTAMP may be from the server's clock.
constexpr int64_t kTimestampSkewSeconds = 300;

// Whether SRP_A is a hex number in [1, N): 0 mod N would let anyone compute the session key.
bool ValidSrpA(const std::string& a_hex) {
  std::string padded = a_hex.size() % 2 ? "0" : "";
  padded += a_hex;
  auto bytes = crypto::HexDecode(padded);
  if (!bytes.ok()) return false;
  const size_t first = bytes->find_first_not_of('\0');
  if (first == std::string::npos) return false;
  const std::string_view a = std::string_view(*bytes).substr(first);
  const std::string& n = crypto::SrpModulus();
  return a.size() < n.size() || (a.size() == n.size() && a < std::string_view(n));
}

}  // namespace

std::string UserPoolService::SealSecretBlock(const json& content) const {
  return crypto::Base64Encode(crypto::Seal(session_key_, content.dump(), kSecretBlockAad));
}

Outcome<nlohmann::json> UserPoolService::OpenSecretBlock(const std::string& secret_block) const {
  const DomainError expired = Reject(ErrorCode::kNotAuthorized, "Invalid session for the user, session is expired.");
  auto sealed = crypto::Base64Decode(secret_block);
  if (!sealed.ok()) return expired;
  auto plain = crypto::Open(session_key_, *sealed, kSecretBlockAad);
  if (!plain.ok()) return expired;
  auto content = json::parse(*plain, nullptr, false);
  if (content.is_discarded() || content.value("exp", int64_t{0}) < clock_.NowMs()) return expired;
  return content;
}

Outcome<nlohmann::json> UserPoolService::SrpChallenge(const PoolState& pool, const ClientState& client,
                                                      const UserState* user, const std::string& typed,
                                                      const std::string& a_hex, json extra) {
  // A must be a usable group element; the clients never send a bad one.
  if (!ValidSrpA(a_hex)) return Reject(ErrorCode::kInvalidParameter, "Invalid SRP_A.");
  std::string verifier;
  std::string salt_hex;
  std::string user_id;
  if (user) {
    auto opened = OpenSecret(user->srp_verifier_sealed, "srp/" + pool.id + "/" + user->username);
    if (!opened.ok()) return FromStatus(opened.status());
    verifier = std::move(opened).value();
    salt_hex = user->srp_salt;
    user_id = user->username;
  } else {
    // PreventUserExistenceErrors: an unknown name gets a challenge that looks like a real one,
    // with a salt that stays the same for the name, and then fails like a wrong password.
    const std::string fake = crypto::HmacSha256(code_key_, "srp-fake/" + pool.id + "/" + typed);
    salt_hex = crypto::HexEncode(fake.substr(0, 16));
    verifier = crypto::ComputeSrpVerifier(wire::SrpPoolName(pool.id), typed, crypto::RandomBytes(16), fake.substr(16));
    user_id = typed;
  }
  auto ephemeral = crypto::SrpServerStart(verifier);
  if (!ephemeral.ok()) return FromStatus(ephemeral.status());
  auto salt = crypto::HexDecode(salt_hex);
  if (!salt.ok()) return FromStatus(salt.status());

  const ClientSettings settings = ReadClientSettings(client.config);
  const int64_t exp = clock_.NowMs() + settings.validity.auth_session_seconds * 1000;
  json block = std::move(extra);
  block["pool"] = pool.id;
  block["client"] = client.id;
  block["sub"] = user ? user->sub : "";
  block["a"] = a_hex;
  block["b"] = crypto::HexEncode(ephemeral->secret_b);
  // B rides along so that the answer is checked without computing it again (an exponentiation,
  // a seventh of a sign-in's work); the block is sealed, so the client cannot change it.
  block["B"] = crypto::Base64Encode(ephemeral->public_b);
  block["nonce"] = crypto::HexEncode(crypto::RandomBytes(16));  // one answer per challenge
  block["exp"] = exp;
  json session = {{"pool", pool.id},
                  {"client", client.id},
                  {"sub", user ? user->sub : ""},
                  {"challenge", "PASSWORD_VERIFIER"},
                  {"exp", exp}};
  return json{{"ChallengeName", "PASSWORD_VERIFIER"},
              {"Session", SealSession(session)},
              {"ChallengeParameters", {{"SALT", crypto::SrpPadHex(*salt)},
                                       {"SRP_B", crypto::SrpToHex(ephemeral->public_b)},
                                       {"SECRET_BLOCK", SealSecretBlock(block)},
                                       {"USERNAME", user_id},
                                       {"USER_ID_FOR_SRP", user_id}}}};
}

std::optional<DomainError> UserPoolService::CheckSrpTimestamp(const std::string& timestamp) const {
  auto when = crypto::ParseSrpTimestamp(timestamp);
  if (!when.ok()) return Reject(ErrorCode::kInvalidParameter, "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.");
  if (std::llabs(static_cast<long long>(*when) - clock_.NowMs() / 1000) > kTimestampSkewSeconds) {
    return Reject(ErrorCode::kNotAuthorized, "Incorrect username or password.");
  }
  return std::nullopt;
}

Outcome<nlohmann::json> UserPoolService::StartSrpAuth(const PoolState& pool, const ClientState& client,
                                                      const json& params) {
  const std::string typed = Param(params, "USERNAME");
  const std::string a_hex = Param(params, "SRP_A");
  if (typed.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter USERNAME");
  if (a_hex.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter SRP_A");
  if (auto ok = CheckSecretHash(client, typed, Param(params, "SECRET_HASH")); !ok.ok()) return ok.error();
  auto found = FindUser(pool, typed);
  if (!found.ok()) return FromStatus(found.status());
  if (!found->exists) {
    // SRP carries no password, so there is nothing to hand a UserMigration trigger.
    if (!ReadClientSettings(client.config).prevent_user_existence_errors) {
      return Reject(ErrorCode::kUserNotFound, "User does not exist.");
    }
    return SrpChallenge(pool, client, nullptr, typed, a_hex, json::object());
  }
  const UserState& user = found.value();
  if (auto locked = CheckNotLockedOut(user)) return *locked;
  json block = json::object();
  if (const std::string device = Param(params, "DEVICE_KEY"); !device.empty()) block["device_key"] = device;
  return SrpChallenge(pool, client, &user, typed, a_hex, std::move(block));
}

Outcome<bool> UserPoolService::VerifySrpAnswer(const PoolState& pool, const ClientState& client,
                                               const json& block, const json& responses, UserState& user) {
  const DomainError wrong = Reject(ErrorCode::kNotAuthorized, "Incorrect username or password.");
  const std::string claimed_block = Param(responses, "PASSWORD_CLAIM_SECRET_BLOCK");
  const std::string signature = Param(responses, "PASSWORD_CLAIM_SIGNATURE");
  const std::string timestamp = Param(responses, "TIMESTAMP");
  if (signature.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter PASSWORD_CLAIM_SIGNATURE");
  if (timestamp.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter TIMESTAMP");
  if (auto stale = CheckSrpTimestamp(timestamp)) return *stale;
  if (block.value("sub", "").empty()) return wrong;  // the simulated challenge of an unknown user

  auto loaded = LoadUserBySub(pool.id, block.value("sub", ""));
  if (!loaded.ok()) return FromStatus(loaded.status());
  if (!loaded->exists || loaded->deleted) return wrong;
  user = std::move(loaded).value();
  const std::string typed = Param(responses, "USERNAME");
  if (auto ok = CheckSecretHash(client, typed.empty() ? user.username : typed, Param(responses, "SECRET_HASH")); !ok.ok()) {
    return ok.error();
  }
  if (!user.enabled) return Reject(ErrorCode::kNotAuthorized, "User is disabled.");
  if (auto locked = CheckNotLockedOut(user)) return *locked;
  auto verifier = OpenSecret(user.srp_verifier_sealed, "srp/" + pool.id + "/" + user.username);
  if (!verifier.ok()) return FromStatus(verifier.status());
  auto secret_b = crypto::HexDecode(block.value("b", ""));
  // Blocks sealed before B was kept in them have none: it is computed again.
  auto public_b = crypto::Base64Decode(block.value("B", ""));
  if (!secret_b.ok() || !public_b.ok()) return wrong;
  return crypto::VerifySrpPasswordClaim(*verifier, *secret_b, *public_b, block.value("a", ""), wire::SrpPoolName(pool.id),
                                        user.username, claimed_block, timestamp, signature);
}

Outcome<nlohmann::json> UserPoolService::RespondPasswordVerifier(const PoolState& pool, const ClientState& client,
                                                                 const json& responses, const CallContext& ctx) {
  const std::string claimed_block = Param(responses, "PASSWORD_CLAIM_SECRET_BLOCK");
  if (claimed_block.empty()) return Reject(ErrorCode::kInvalidParameter, "Missing required parameter PASSWORD_CLAIM_SECRET_BLOCK");
  auto block = OpenSecretBlock(claimed_block);
  if (!block.ok()) return block.error();
  if (block->value("pool", "") != pool.id || block->value("client", "") != client.id) {
    return Reject(ErrorCode::kNotAuthorized, "Invalid session for the user, session is expired.");
  }
  UserState user;
  auto matched = VerifySrpAnswer(pool, client, block.value(), responses, user);
  if (!matched.ok()) return matched.error();
  // A challenge is answered once: a captured answer cannot be replayed for more tokens.
  if (!SpendOnce("srp/" + block->value("nonce", ""), block->value("exp", int64_t{0}))) {
    return Reject(ErrorCode::kNotAuthorized, "Invalid session for the user, session is expired.");
  }
  if (!matched.value()) RecordFailedSignIn(user, client, "password", ctx);
  if (block->contains("history")) {
    // Inside CUSTOM_AUTH the verdict goes back to DefineAuthChallenge, which decides what follows.
    json history = block->value("history", json::array());
    history.push_back({{"challengeName", "PASSWORD_VERIFIER"}, {"challengeResult", matched.value()}, {"challengeMetadata", nullptr}});
    return NextCustomChallenge(pool, client, std::move(user), std::move(history), json::array(), ctx);
  }
  if (!matched.value()) return Recorded(Reject(ErrorCode::kNotAuthorized, "Incorrect username or password."));
  json records = json::array();
  if (auto pre = AuthenticationTrigger(pool, client, user, false, records); !pre.ok()) return pre.error();
  std::string device_key = Param(responses, "DEVICE_KEY");
  if (device_key.empty()) device_key = block->value("device_key", "");
  return FinishPasswordSignIn(pool, client, std::move(user), "USER_SRP_AUTH", std::move(records), device_key, ctx);
}

}  // namespace cognate
