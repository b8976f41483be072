#include "bench/load/workload.h"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

namespace cognate::bench {

namespace {

using nlohmann::json;

struct OpEntry {
  Op op;
  std::string_view name;
};

constexpr std::array<OpEntry, 7> kOps = {{
    {Op::kSignUp, "signup"},
    {Op::kInitiateAuth, "initiate-auth"},
    {Op::kRefresh, "refresh"},
    {Op::kGetUser, "get-user"},
    {Op::kAdminGetUser, "admin-get-user"},
    {Op::kListUsers, "list-users"},
    {Op::kJwks, "jwks"},
}};

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
      connections_(connections) {}

size_t Workload::UserIndex(int connection, uint64_t sequence) const {
  // Connection c takes users c, c+N, c+2N, ... (mod K): the connections walk the users in step
  // without two of them starting on the same one.
  const uint64_t k = fixture_.usernames.size();
  const uint64_t n = static_cast<uint64_t>(connections_);
  return static_cast<size_t>((static_cast<uint64_t>(connection) + sequence * n) % k);
}

HttpRequest Workload::Next(int connection, uint64_t sequence) const {
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
  }
  return {};
}

}  // namespace cognate::bench
