#include "bench/load/workload.h"

#include <array>
#include <ctime>
#include <nlohmann/json.hpp>
#include <utility>

#include "engine/crypto/encoding.h"
#include "engine/crypto/random.h"

namespace cognate::bench {

namespace {

using nlohmann::json;

struct OpEntry {
  Op op;
  std::string_view name;
};

constexpr std::array<OpEntry, 8> kOps = {{
    {Op::kSignUp, "signup"},
    {Op::kInitiateAuth, "initiate-auth"},
    {Op::kRefresh, "refresh"},
    {Op::kGetUser, "get-user"},
    {Op::kAdminGetUser, "admin-get-user"},
    {Op::kListUsers, "list-users"},
    {Op::kJwks, "jwks"},
    {Op::kSrpSignIn, "srp-sign-in"},
}};

// The string member `key` of `object`, or kInternal naming what lacks it.
Result<std::string> StringMember(const json& object, const char* key, std::string_view what) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) {
    std::string message(what);
    message += " lacks ";
    message += key;
    return InternalError(std::move(message));
  }
  return it->get<std::string>();
}

std::string SrpPoolName(const std::string& pool_id) {
  size_t underscore = pool_id.find('_');
  return underscore == std::string::npos ? pool_id : pool_id.substr(underscore + 1);
}

}  // namespace

std::optional<Op> ParseOp(std::string_view name) {
  for (const OpEntry& entry : kOps) {
    if (entry.name == name) return entry.op;
  }
  return std::nullopt;
}

std::string_view OpName(Op op) {
  for (const OpEntry& entry : kOps) {
    if (entry.op == op) return entry.name;
  }
  return "?";
}

std::string OpNames() {
  std::string names;
  for (const OpEntry& entry : kOps) {
    if (!names.empty()) names += ", ";
    names += entry.name;
  }
  return names;
}

bool NeedsUsers(Op op) {
  switch (op) {
    case Op::kSignUp:
    case Op::kJwks:
      return false;
    case Op::kInitiateAuth:
    case Op::kRefresh:
    case Op::kGetUser:
    case Op::kAdminGetUser:
    case Op::kListUsers:
    case Op::kSrpSignIn:
      return true;
  }
  return false;
}

bool NeedsTokens(Op op) { return op == Op::kRefresh || op == Op::kGetUser; }

Workload::Workload(Op op, Fixture fixture, Endpoint endpoint, AdminKey admin_key,
                   std::string run_id, int connections)
    : op_(op),
      fixture_(std::move(fixture)),
      endpoint_(std::move(endpoint)),
      admin_key_(std::move(admin_key)),
      run_id_(std::move(run_id)),
      connections_(connections),
      srp_pool_name_(SrpPoolName(fixture_.pool_id)) {}

size_t Workload::UserIndex(int connection, uint64_t sequence) const {
  // Connection c takes users c, c+N, c+2N, ... (mod K): the connections walk the users in step
  // without two of them starting on the same one.
  const uint64_t k = fixture_.usernames.size();
  const uint64_t n = static_cast<uint64_t>(connections_);
  return static_cast<size_t>((static_cast<uint64_t>(connection) + sequence * n) % k);
}

HttpRequest Workload::Next(int connection, uint64_t sequence, ExchangeState* state) const {
  *state = ExchangeState();
  switch (op_) {
    case Op::kSignUp: {
      json body = {{"ClientId", fixture_.client_id},
                   {"Username", "su-" + run_id_ + "-" + std::to_string(connection) + "-" +
                                    std::to_string(sequence)},
                   {"Password", kPassword}};
      return CognitoRequest(endpoint_, "SignUp", body.dump(), nullptr);
    }
    case Op::kInitiateAuth: {
      size_t i = UserIndex(connection, sequence);
      json body = {{"AuthFlow", "USER_PASSWORD_AUTH"},
                   {"ClientId", fixture_.client_id},
                   {"AuthParameters",
                    {{"USERNAME", fixture_.usernames[i]}, {"PASSWORD", kPassword}}}};
      return CognitoRequest(endpoint_, "InitiateAuth", body.dump(), nullptr);
    }
    case Op::kRefresh: {
      size_t i = UserIndex(connection, sequence);
      json body = {{"AuthFlow", "REFRESH_TOKEN_AUTH"},
                   {"ClientId", fixture_.client_id},
                   {"AuthParameters", {{"REFRESH_TOKEN", fixture_.refresh_tokens[i]}}}};
      return CognitoRequest(endpoint_, "InitiateAuth", body.dump(), nullptr);
    }
    case Op::kGetUser: {
      size_t i = UserIndex(connection, sequence);
      json body = {{"AccessToken", fixture_.access_tokens[i]}};
      return CognitoRequest(endpoint_, "GetUser", body.dump(), nullptr);
    }
    case Op::kAdminGetUser: {
      size_t i = UserIndex(connection, sequence);
      json body = {{"UserPoolId", fixture_.pool_id}, {"Username", fixture_.usernames[i]}};
      return CognitoRequest(endpoint_, "AdminGetUser", body.dump(), &admin_key_);
    }
    case Op::kListUsers: {
      json body = {{"UserPoolId", fixture_.pool_id}, {"Limit", 60}};
      return CognitoRequest(endpoint_, "ListUsers", body.dump(), &admin_key_);
    }
    case Op::kJwks: {
      HttpRequest request;
      request.method = "GET";
      request.target = "/" + fixture_.pool_id + "/.well-known/jwks.json";
      return request;
    }
    case Op::kSrpSignIn: {
      size_t i = UserIndex(connection, sequence);
      state->srp = crypto::SrpClientStartWithSecret(crypto::RandomBytes(kSrpSecretSize));
      json body = {{"AuthFlow", "USER_SRP_AUTH"},
                   {"ClientId", fixture_.client_id},
                   {"AuthParameters",
                    {{"USERNAME", fixture_.usernames[i]},
                     {"SRP_A", state->srp.public_a_hex}}}};
      return CognitoRequest(endpoint_, "InitiateAuth", body.dump(), nullptr);
    }
  }
  return {};
}

Result<std::optional<HttpRequest>> Workload::FollowUp(int /*connection*/, uint64_t /*sequence*/,
                                                      int step, const HttpResponse& response,
                                                      ExchangeState* state) const {
  if (op_ == Op::kSrpSignIn) return SrpFollowUp(step, response, state);
  return std::optional<HttpRequest>();
}

Result<std::optional<HttpRequest>> Workload::SrpFollowUp(int step, const HttpResponse& response,
                                                         ExchangeState* state) const {
  const json answer = json::parse(response.body, nullptr, false);
  if (!answer.is_object()) {
    return InternalError(step == 0 ? "InitiateAuth: answer is not a JSON object"
                                   : "RespondToAuthChallenge: answer is not a JSON object");
  }
  if (step > 0) {
    auto result = answer.find("AuthenticationResult");
    if (result == answer.end() || !result->is_object()) {
      std::string message = "RespondToAuthChallenge: no AuthenticationResult in ";
      message += std::string_view(response.body).substr(0, 200);
      return InternalError(std::move(message));
    }
    return std::optional<HttpRequest>();
  }

  // The PASSWORD_VERIFIER challenge: derive K from SALT and SRP_B, sign the SECRET_BLOCK.
  auto challenge = StringMember(answer, "ChallengeName", "InitiateAuth");
  if (!challenge.ok()) return challenge.status();
  if (*challenge != "PASSWORD_VERIFIER") {
    return InternalError("InitiateAuth: expected PASSWORD_VERIFIER, got " + *challenge);
  }
  auto params_it = answer.find("ChallengeParameters");
  if (params_it == answer.end() || !params_it->is_object()) {
    return InternalError("InitiateAuth: no ChallengeParameters");
  }
  const json& params = *params_it;
  auto salt = StringMember(params, "SALT", "ChallengeParameters");
  if (!salt.ok()) return salt.status();
  auto srp_b = StringMember(params, "SRP_B", "ChallengeParameters");
  if (!srp_b.ok()) return srp_b.status();
  auto secret_block = StringMember(params, "SECRET_BLOCK", "ChallengeParameters");
  if (!secret_block.ok()) return secret_block.status();
  auto user_id = StringMember(params, "USER_ID_FOR_SRP", "ChallengeParameters");
  if (!user_id.ok()) return user_id.status();
  auto username = StringMember(params, "USERNAME", "ChallengeParameters");
  if (!username.ok()) return username.status();

  auto key = crypto::SrpClientSessionKey(srp_pool_name_, *user_id, kPassword, *salt, *srp_b,
                                         state->srp);
  if (!key.ok()) return InternalError("PASSWORD_VERIFIER: " + key.status().message());
  auto block_bytes = crypto::Base64Decode(*secret_block);
  if (!block_bytes.ok()) return InternalError("PASSWORD_VERIFIER: SECRET_BLOCK is not base64");
  const std::string timestamp = crypto::FormatSrpTimestamp(std::time(nullptr));
  std::string signature =
      crypto::SrpPasswordClaimSignature(*key, srp_pool_name_, *user_id, *block_bytes, timestamp);

  json body = {{"ClientId", fixture_.client_id},
               {"ChallengeName", "PASSWORD_VERIFIER"},
               {"ChallengeResponses",
                {{"USERNAME", *username},
                 {"PASSWORD_CLAIM_SECRET_BLOCK", *secret_block},
                 {"TIMESTAMP", timestamp},
                 {"PASSWORD_CLAIM_SIGNATURE", std::move(signature)}}}};
  if (auto session = answer.find("Session"); session != answer.end() && session->is_string()) {
    body["Session"] = *session;
  }
  return std::optional<HttpRequest>(
      CognitoRequest(endpoint_, "RespondToAuthChallenge", body.dump(), nullptr));
}

}  // namespace cognate::bench
