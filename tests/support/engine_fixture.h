// EngineTest: a GoogleTest fixture that runs a UserPoolService over in-memory fakes (event
// store, clock, message sink) with a fixed master key and cheap Argon2 parameters, plus the
// helpers engine tests are written with.
//
// Tests read Given / When / Then:
//   Given  earlier operations (CreatePool, CreateClient, SignUpConfirmed, ...) or raw events
//          appended through the engine's own Evolve/Project functions (GivenUserEvents);
//   When   one operation, through Call(&UserPoolService::Op, request);
//   Then   the event types the operation appended (ExpectEventsSince(mark, {...}), read back
//          from the store) and/or the response, or the error (ExpectError) and that the log did
//          not move (ExpectNoEventsSince(mark)).
//
// Helpers that must succeed (CreatePool, ...) record a non-fatal failure at the caller's line and
// return an empty value when they do not.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/crypto/password_hasher.h"
#include "engine/domain_error.h"
#include "engine/event.h"
#include "engine/service/user_pool_service.h"
#include "tests/support/capturing_sink.h"
#include "tests/support/fake_clock.h"
#include "tests/support/in_memory_event_store.h"

namespace cognate {
// gtest prints ErrorCode values by name.
void PrintTo(ErrorCode code, std::ostream* os);
}  // namespace cognate

namespace cognate::testing {

using json = nlohmann::json;
using Op = Outcome<json> (UserPoolService::*)(const json&, const CallContext&);
using Here = std::source_location;

const char* ErrorCodeName(ErrorCode code);

inline constexpr char kMasterKey[] = "cognate-engine-tests-master-key!";  // 32 bytes
inline constexpr char kRegion[] = "us-east-1";
inline constexpr char kIssuerBase[] = "http://cognate.test";
inline constexpr char kAdminActor[] = "admin:TESTKEY";
// Satisfies the default policy (8+, upper, lower, digit, symbol).
inline constexpr char kPassword[] = "Correct-Horse-1";
inline constexpr char kOtherPassword[] = "Battery-Staple-2";
inline constexpr char kEmail[] = "jane@example.com";  // Jane, the user most tests sign up

class EngineTest : public ::testing::Test {
 protected:
  EngineTest();
  // Every test's log must match the event catalogue and replay into the live read models.
  void TearDown() override;

  // ---- When ----
  // Runs one operation as an administrator (actor kAdminActor).
  Outcome<json> Call(Op op, const json& request);
  // Runs one operation as a public (unsigned) caller.
  Outcome<json> CallPublic(Op op, const json& request);
  // Runs `op` and records a failure at the caller's line unless it succeeds; {} on failure.
  json CallOk(Op op, const json& request, Here here = Here::current());
  // The value of a successful outcome; records a failure and returns {} otherwise.
  json Ok(const Outcome<json>& outcome, Here here = Here::current());

  // ---- Given ----
  // A pool configured by the CreateUserPool request {"PoolName": "pool"} merged with `extra`;
  // returns the pool id. For speed this appends the very event CreateUserPool would
  // (userpool.created with the normalised config and sealed signing keys, projected with
  // ProjectPool) but reuses two RSA keys generated once per process: generating them costs
  // about a second per pool. Tests of CreateUserPool itself call the operation.
  std::string CreatePool(const json& extra = json::object(), Here here = Here::current());
  // CreateUserPoolClient with ClientName "app" merged with `extra`; returns the client id.
  std::string CreateClient(const std::string& pool_id, const json& extra = json::object(),
                           Here here = Here::current());
  // A client that allows USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH and refresh.
  std::string CreatePasswordClient(const std::string& pool_id, const json& extra = json::object(),
                                   Here here = Here::current());
  // SignUp; returns the sub (UserSub).
  std::string SignUpUser(const std::string& client_id, const std::string& username,
                         const std::map<std::string, std::string>& attributes = {},
                         const std::string& password = kPassword, Here here = Here::current());
  // SignUp + AdminConfirmSignUp (email_verified is not set); returns the sub.
  std::string SignUpConfirmed(const std::string& pool_id, const std::string& client_id,
                              const std::string& username,
                              const std::map<std::string, std::string>& attributes = {},
                              const std::string& password = kPassword, Here here = Here::current());
  // SignUp + ConfirmSignUp with the code delivered to the sink, so the auto-verified attribute
  // is verified (the pool must auto-verify it); returns the sub.
  std::string SignUpVerified(const std::string& client_id, const std::string& username,
                             const std::map<std::string, std::string>& attributes,
                             const std::string& password = kPassword, Here here = Here::current());
  // InitiateAuth USER_PASSWORD_AUTH.
  Outcome<json> PasswordAuth(const std::string& client_id, const std::string& username,
                             const std::string& password, const json& extra_params = json::object());
  // PasswordAuth that must succeed with tokens; returns the AuthenticationResult.
  json SignIn(const std::string& client_id, const std::string& username,
              const std::string& password = kPassword, Here here = Here::current());
  // AdminGetUser that must succeed.
  json AdminGetUser(const std::string& pool_id, const std::string& username,
                    Here here = Here::current());
  // Appends raw user events to the user's stream exactly as the service would: folded with
  // EvolveUser and projected with ProjectUserEvent, at the fake clock's time.
  void GivenUserEvents(const std::string& pool_id, const std::string& sub, const Events& events,
                       Here here = Here::current());

  // ---- Then ----
  uint64_t LastSequence() { return store_.LastSequence(); }
  std::vector<StoredEvent> EventsSince(uint64_t sequence);
  std::vector<std::string> TypesSince(uint64_t sequence);
  void ExpectEventsSince(uint64_t sequence, const std::vector<std::string>& types,
                         Here here = Here::current());
  void ExpectNoEventsSince(uint64_t sequence, Here here = Here::current());
  // The outcome is the error `code` (and, when given, exactly `message`).
  void ExpectError(const Outcome<json>& outcome, ErrorCode code, std::string_view message = {},
                   Here here = Here::current());

  // ---- Values ----
  static json Attributes(const std::map<std::string, std::string>& attributes);
  // The value of attribute `name` in a [{Name, Value}] list.
  static std::optional<std::string> AttributeValue(const json& attributes, const std::string& name);
  // The payload of a JWT (not verified).
  static json JwtPayload(const std::string& token);
  // Base64(HMAC-SHA256(secret, username + clientId)), as clients compute SECRET_HASH.
  static std::string SecretHash(const std::string& secret, const std::string& username,
                                const std::string& client_id);
  // The code of the last message sent to `destination`; "" if none.
  std::string LastCodeTo(const std::string& destination) const;
  // A six-digit code different from `code`.
  static std::string OtherCode(const std::string& code);

  FakeClock clock_;
  InMemoryEventStore store_;
  CapturingSink sink_;
  crypto::PasswordHashingPool hasher_;
  UserPoolService service_;
};

}  // namespace cognate::testing
