#include "tests/support/engine_fixture.h"

#include <sstream>

#include <cstdlib>
#include <mutex>

#include "engine/crypto/aead.h"
#include "engine/crypto/encoding.h"
#include "engine/crypto/hash.h"
#include "engine/crypto/jwt.h"
#include "engine/crypto/random.h"
#include "engine/crypto/rsa_key.h"
#include "engine/pool/pool_events.h"
#include "engine/pool/pool_settings.h"
#include "engine/projection.h"
#include "engine/user/user_events.h"
#include "tests/support/log_checks.h"

namespace cognate {

void PrintTo(ErrorCode code, std::ostream* os) { *os << testing::ErrorCodeName(code); }

}  // namespace cognate

namespace cognate::testing {
namespace {

ServiceOptions TestOptions() {
  ServiceOptions options;
  options.region = kRegion;
  options.issuer_base = kIssuerBase;
  options.master_key = kMasterKey;
  return options;
}

std::string Describe(const DomainError& error) {
  return std::string(ErrorCodeName(error.code)) + " \"" + error.message + "\"";
}

// Two RSA keys (kid, PKCS#8 DER) generated once per process and shared by CreatePool's pools.
struct SharedKey {
  std::string kid;
  std::string der;
};

const std::vector<SharedKey>& SharedSigningKeys() {
  static std::once_flag once;
  static std::vector<SharedKey> keys;
  std::call_once(once, [] {
    for (int i = 0; i < 2; ++i) {
      auto key = crypto::RsaKey::Generate(2048);
      if (!key.ok()) std::abort();
      auto der = key->ToPrivateDer();
      if (!der.ok()) std::abort();
      keys.push_back(SharedKey{key->Kid(), *der});
    }
  });
  return keys;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

}  // namespace

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidParameter: return "kInvalidParameter";
    case ErrorCode::kResourceNotFound: return "kResourceNotFound";
    case ErrorCode::kNotAuthorized: return "kNotAuthorized";
    case ErrorCode::kTooManyRequests: return "kTooManyRequests";
    case ErrorCode::kInternalError: return "kInternalError";
    case ErrorCode::kUsernameExists: return "kUsernameExists";
    case ErrorCode::kAliasExists: return "kAliasExists";
    case ErrorCode::kUserNotFound: return "kUserNotFound";
    case ErrorCode::kUserNotConfirmed: return "kUserNotConfirmed";
    case ErrorCode::kPasswordResetRequired: return "kPasswordResetRequired";
    case ErrorCode::kInvalidPassword: return "kInvalidPassword";
    case ErrorCode::kCodeMismatch: return "kCodeMismatch";
    case ErrorCode::kExpiredCode: return "kExpiredCode";
    case ErrorCode::kLimitExceeded: return "kLimitExceeded";
    case ErrorCode::kTooManyFailedAttempts: return "kTooManyFailedAttempts";
    case ErrorCode::kGroupExists: return "kGroupExists";
    case ErrorCode::kUnsupportedOperation: return "kUnsupportedOperation";
    case ErrorCode::kUnsupportedTokenType: return "kUnsupportedTokenType";
    case ErrorCode::kUnauthorized: return "kUnauthorized";
    case ErrorCode::kInvalidUserPoolConfiguration: return "kInvalidUserPoolConfiguration";
    case ErrorCode::kUserImportInProgress: return "kUserImportInProgress";
    case ErrorCode::kConcurrentModification: return "kConcurrentModification";
    case ErrorCode::kRefreshTokenReuse: return "kRefreshTokenReuse";
    case ErrorCode::kUnsupportedUserState: return "kUnsupportedUserState";
    case ErrorCode::kInvalidLambdaResponse: return "kInvalidLambdaResponse";
    case ErrorCode::kUserLambdaValidation: return "kUserLambdaValidation";
    case ErrorCode::kUnexpectedLambda: return "kUnexpectedLambda";
    case ErrorCode::kEnableSoftwareTokenMfa: return "kEnableSoftwareTokenMfa";
    case ErrorCode::kSoftwareTokenMfaNotFound: return "kSoftwareTokenMfaNotFound";
    case ErrorCode::kMfaMethodNotFound: return "kMfaMethodNotFound";
  }
  return "ErrorCode(?)";
}

EngineTest::EngineTest()
    : hasher_(2, 64, crypto::Argon2Params{.memory_kib = 64, .iterations = 1, .parallelism = 1}),
      service_(store_, clock_, hasher_, sink_, TestOptions()) {}

void EngineTest::TearDown() {
  ExpectEventsMatchCatalogue(store_, kMasterKey);
  ExpectReplayRebuildsReadModels(store_, kMasterKey);
}

Outcome<json> EngineTest::Call(Op op, const json& request) {
  return (service_.*op)(request, CallContext{.actor = kAdminActor, .source_ip = "127.0.0.1", .user_agent = "engine-test", .client_id = ""});
}

Outcome<json> EngineTest::CallPublic(Op op, const json& request) {
  return (service_.*op)(request, CallContext{.actor = "", .source_ip = "127.0.0.1", .user_agent = "engine-test", .client_id = request.contains("ClientId") && request["ClientId"].is_string() ? request["ClientId"].get<std::string>() : ""});
}

json EngineTest::Ok(const Outcome<json>& outcome, Here here) {
  if (!outcome.ok()) {
    ADD_FAILURE_AT(here.file_name(), static_cast<int>(here.line()))
        << "expected success, got " << Describe(outcome.error());
    return json();
  }
  return outcome.value();
}

json EngineTest::CallOk(Op op, const json& request, Here here) { return Ok(Call(op, request), here); }

std::string EngineTest::CreatePool(const json& extra, Here here) {
  json request = {{"PoolName", "pool"}};
  request.update(extra);
  auto config = NormalizeNewPoolConfig(request);
  if (!config.ok()) {
    ADD_FAILURE_AT(here.file_name(), static_cast<int>(here.line()))
        << "CreatePool: " << Describe(config.error());
    return "";
  }
  PoolState pool;
  const std::string id = std::string(kRegion) + "_" +
                         crypto::RandomString(9, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
  json keys = json::array();
  const char* uses[] = {"id", "access"};
  for (size_t i = 0; i < 2; ++i) {
    const SharedKey& key = SharedSigningKeys()[i];
    const std::string sealed = crypto::Seal(kMasterKey, key.der, "poolkey/" + id + "/" + key.kid);
    keys.push_back({{"kid", key.kid}, {"use", uses[i]}, {"sealed_der", crypto::Base64Encode(sealed)}});
  }
  const Event created = MakeEvent(pool_events::kPoolCreated, {{"id", id}, {"config", config.value()}, {"keys", keys}});
  const int64_t now = clock_.NowMs();
  EvolvePool(pool, created, now);
  ProjectionWrites w = ProjectPool(pool);
  AppendRequest append;
  append.stream = PoolStream(id);
  append.expected_version = 0;
  append.events.push_back(NewEvent{created.type, created.schema_version, now, kAdminActor, created.data.dump()});
  append.rows = std::move(w.rows);
  auto appended = store_.Append(std::move(append));
  if (!appended.ok()) {
    ADD_FAILURE_AT(here.file_name(), static_cast<int>(here.line()))
        << "CreatePool: " << appended.status().ToString();
    return "";
  }
  return id;
}

std::string EngineTest::CreateClient(const std::string& pool_id, const json& extra, Here here) {
  json request = {{"UserPoolId", pool_id}, {"ClientName", "app"}};
  request.update(extra);
  json out = Ok(Call(&UserPoolService::CreateUserPoolClient, request), here);
  return out.is_object() ? out["UserPoolClient"].value("ClientId", "") : "";
}

std::string EngineTest::CreatePasswordClient(const std::string& pool_id, const json& extra, Here here) {
  json request = {{"ExplicitAuthFlows", {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                                         "ALLOW_REFRESH_TOKEN_AUTH"}}};
  request.update(extra);
  return CreateClient(pool_id, request, here);
}

std::string EngineTest::SignUpUser(const std::string& client_id, const std::string& username,
                                   const std::map<std::string, std::string>& attributes,
                                   const std::string& password, Here here) {
  json out = Ok(CallPublic(&UserPoolService::SignUp, {{"ClientId", client_id},
                                                      {"Username", username},
                                                      {"Password", password},
                                                      {"UserAttributes", Attributes(attributes)}}),
                here);
  return out.is_object() ? out.value("UserSub", "") : "";
}

std::string EngineTest::SignUpConfirmed(const std::string& pool_id, const std::string& client_id,
                                        const std::string& username,
                                        const std::map<std::string, std::string>& attributes,
                                        const std::string& password, Here here) {
  const std::string sub = SignUpUser(client_id, username, attributes, password, here);
  Ok(Call(&UserPoolService::AdminConfirmSignUp, {{"UserPoolId", pool_id}, {"Username", username}}), here);
  return sub;
}

std::string EngineTest::SignUpVerified(const std::string& client_id, const std::string& username,
                                       const std::map<std::string, std::string>& attributes,
                                       const std::string& password, Here here) {
  const std::string sub = SignUpUser(client_id, username, attributes, password, here);
  auto message = sink_.last();
  if (!message) {
    ADD_FAILURE_AT(here.file_name(), static_cast<int>(here.line())) << "SignUp sent no code";
    return sub;
  }
  Ok(CallPublic(&UserPoolService::ConfirmSignUp,
                {{"ClientId", client_id}, {"Username", username}, {"ConfirmationCode", message->code}}),
     here);
  return sub;
}

Outcome<json> EngineTest::PasswordAuth(const std::string& client_id, const std::string& username,
                                       const std::string& password, const json& extra_params) {
  json params = {{"USERNAME", username}, {"PASSWORD", password}};
  params.update(extra_params);
  return CallPublic(&UserPoolService::InitiateAuth,
                    {{"AuthFlow", "USER_PASSWORD_AUTH"}, {"ClientId", client_id}, {"AuthParameters", params}});
}

json EngineTest::SignIn(const std::string& client_id, const std::string& username,
                        const std::string& password, Here here) {
  json out = Ok(PasswordAuth(client_id, username, password), here);
  if (!out.is_object() || !out.contains("AuthenticationResult")) {
    if (out.is_object()) {
      ADD_FAILURE_AT(here.file_name(), static_cast<int>(here.line())) << "no tokens: " << out.dump();
    }
    return json::object();
  }
  return out["AuthenticationResult"];
}

json EngineTest::AdminGetUser(const std::string& pool_id, const std::string& username, Here here) {
  return Ok(Call(&UserPoolService::AdminGetUser, {{"UserPoolId", pool_id}, {"Username", username}}), here);
}

void EngineTest::GivenUserEvents(const std::string& pool_id, const std::string& sub,
                                 const Events& events, Here here) {
  auto fail = [&](const std::string& why) {
    ADD_FAILURE_AT(here.file_name(), static_cast<int>(here.line())) << "GivenUserEvents: " << why;
  };
  auto row = store_.Get(tables::kUsers, UserRowKey(pool_id, sub));
  if (!row.ok()) return fail(row.status().ToString());
  UserState state;
  if (row->has_value()) {
    state = json::parse(**row).get<UserState>();
  } else {
    auto version = store_.StreamVersion(UserStream(pool_id, sub));
    if (!version.ok()) return fail(version.status().ToString());
    state.version = *version;
  }
  const int64_t now = clock_.NowMs();
  AppendRequest request;
  request.stream = UserStream(pool_id, sub);
  request.expected_version = state.version;
  for (const Event& e : events) {
    UserState before = state;
    EvolveUser(state, e, now);
    ProjectionWrites w = ProjectUserEvent(before, state, e);
    for (auto& r : w.rows) request.rows.push_back(std::move(r));
    for (auto& c : w.claims) request.claims.push_back(std::move(c));
    for (auto& r : w.releases) request.releases.push_back(std::move(r));
    request.events.push_back(NewEvent{e.type, e.schema_version, now, kAdminActor, e.data.dump()});
  }
  auto appended = store_.Append(std::move(request));
  if (!appended.ok()) fail(appended.status().ToString());
}

std::vector<StoredEvent> EngineTest::EventsSince(uint64_t sequence) {
  auto events = store_.ReadAll(sequence + 1, 1u << 20);
  if (!events.ok()) {
    ADD_FAILURE() << "ReadAll: " << events.status().ToString();
    return {};
  }
  return std::move(events).value();
}

std::vector<std::string> EngineTest::TypesSince(uint64_t sequence) {
  std::vector<std::string> types;
  for (const auto& e : EventsSince(sequence)) types.push_back(e.type);
  return types;
}

void EngineTest::ExpectEventsSince(uint64_t sequence, const std::vector<std::string>& types, Here here) {
  const std::vector<std::string> actual = TypesSince(sequence);
  if (actual != types) {
    ADD_FAILURE_AT(here.file_name(), static_cast<int>(here.line()))
        << "events appended: " << Join(actual) << "\n      expected: " << Join(types);
  }
}

void EngineTest::ExpectNoEventsSince(uint64_t sequence, Here here) {
  const std::vector<std::string> actual = TypesSince(sequence);
  if (!actual.empty()) {
    ADD_FAILURE_AT(here.file_name(), static_cast<int>(here.line()))
        << "expected no event, but these were appended: " << Join(actual);
  }
}

void EngineTest::ExpectError(const Outcome<json>& outcome, ErrorCode code, std::string_view message,
                             Here here) {
  if (outcome.ok()) {
    ADD_FAILURE_AT(here.file_name(), static_cast<int>(here.line()))
        << "expected " << ErrorCodeName(code) << ", got success: " << outcome.value().dump();
    return;
  }
  const DomainError& error = outcome.error();
  if (error.code != code || (!message.empty() && error.message != message)) {
    ADD_FAILURE_AT(here.file_name(), static_cast<int>(here.line()))
        << "expected " << ErrorCodeName(code)
        << (message.empty() ? std::string() : " \"" + std::string(message) + "\"") << "\n     got "
        << Describe(error);
  }
}

json EngineTest::Attributes(const std::map<std::string, std::string>& attributes) {
  json out = json::array();
  for (const auto& [name, value] : attributes) out.push_back({{"Name", name}, {"Value", value}});
  return out;
}

std::optional<std::string> EngineTest::AttributeValue(const json& attributes, const std::string& name) {
  if (!attributes.is_array()) return std::nullopt;
  for (const auto& a : attributes) {
    if (a.value("Name", "") == name) return a.value("Value", "");
  }
  return std::nullopt;
}

json EngineTest::JwtPayload(const std::string& token) {
  auto decoded = crypto::DecodeJwtUnverified(token);
  if (!decoded.ok()) {
    ADD_FAILURE() << "not a JWT: " << decoded.status().ToString();
    return json::object();
  }
  return (*decoded)["payload"];
}

std::string EngineTest::SecretHash(const std::string& secret, const std::string& username,
                                   const std::string& client_id) {
  return crypto::Base64Encode(crypto::HmacSha256(secret, username + client_id));
}

std::string EngineTest::LastCodeTo(const std::string& destination) const {
  auto message = sink_.LastTo(destination);
  return message ? message->code : "";
}

std::string EngineTest::OtherCode(const std::string& code) {
  std::string other = code.empty() ? "000000" : code;
  other.back() = other.back() == '9' ? '0' : static_cast<char>(other.back() + 1);
  return other;
}

}  // namespace cognate::testing
