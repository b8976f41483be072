// UserPoolService: the application service for Cognito user pools.
//
// It speaks Cognito's operation shapes (the request and response documents of botocore's
// cognito-idp model, as JSON): for each operation it validates the request, does the effects a
// decision needs first (clock, ids, password hashing, key generation), decides the events,
// appends them with their projections in one atomic write, and then delivers messages. HTTP,
// SigV4 and error encoding belong to api/.
//
// Thread-safe: any number of threads may call any operation at once. Operations that hash
// passwords or append block their thread (password hashing pool, synced group commit).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/audit/personal_data.h"
#include "engine/crypto/password_hasher.h"
#include "engine/crypto/rsa_key.h"
#include "engine/domain_error.h"
#include "engine/event.h"
#include "engine/pool/pool_settings.h"
#include "engine/pool/pool_state.h"
#include "engine/ports/clock.h"
#include "engine/ports/event_store.h"
#include "engine/ports/message_sink.h"
#include "engine/ports/trigger_runner.h"
#include "engine/service/pool_settings_cache.h"
#include "engine/service/row_state_cache.h"
#include "engine/service/spent_nonces.h"
#include "engine/service/verified_token_cache.h"
#include "engine/trigger/trigger_events.h"
#include "engine/user/claim_overrides.h"
#include "engine/user/user_state.h"

namespace cognate {

struct ServiceOptions {
  std::string region = "us-east-1";        // pool ids are "<region>_<id>"
  std::string account_id = "000000000000";  // in ARNs
  std::string issuer_base;                  // tokens' iss is "<issuer_base>/<poolId>"
  std::string master_key;                   // 32 bytes; seals private keys, verifiers, sessions
  TriggerLimits trigger_limits;             // per invocation: memory, instructions, deadline
};

// Who is calling and from where, recorded in every event the call appends.
struct CallContext {
  std::string actor;      // "admin:<key id>" for SigV4 callers; empty for public operations,
                          // whose events on a user's stream name the user ("user:<sub>")
  std::string source_ip;  // the peer address
  std::string user_agent;
  std::string client_id;  // the request's ClientId, when it has one
};

class UserPoolService {
 public:
  using json = nlohmann::json;

  // `triggers` may be null: pools then cannot attach Lambda triggers.
  UserPoolService(EventStore& store, const Clock& clock, crypto::PasswordHashingPool& hasher,
                  MessageSink& sink, ServiceOptions options, TriggerRunner* triggers = nullptr);
  UserPoolService(const UserPoolService&) = delete;
  UserPoolService& operator=(const UserPoolService&) = delete;

  // Pools and clients (pools_ops.cc).
  Outcome<json> CreateUserPool(const json& request, const CallContext& ctx);
  Outcome<json> DescribeUserPool(const json& request, const CallContext& ctx);
  Outcome<json> UpdateUserPool(const json& request, const CallContext& ctx);
  Outcome<json> ListUserPools(const json& request, const CallContext& ctx);
  Outcome<json> DeleteUserPool(const json& request, const CallContext& ctx);
  Outcome<json> CreateUserPoolClient(const json& request, const CallContext& ctx);
  Outcome<json> DescribeUserPoolClient(const json& request, const CallContext& ctx);
  Outcome<json> UpdateUserPoolClient(const json& request, const CallContext& ctx);
  Outcome<json> ListUserPoolClients(const json& request, const CallContext& ctx);
  Outcome<json> DeleteUserPoolClient(const json& request, const CallContext& ctx);

  // Sign-up and confirmation (signup_ops.cc).
  Outcome<json> SignUp(const json& request, const CallContext& ctx);
  Outcome<json> ConfirmSignUp(const json& request, const CallContext& ctx);
  Outcome<json> ResendConfirmationCode(const json& request, const CallContext& ctx);
  Outcome<json> AdminCreateUser(const json& request, const CallContext& ctx);
  Outcome<json> AdminConfirmSignUp(const json& request, const CallContext& ctx);

  // Sign-in, tokens and sign-out (auth_ops.cc).
  Outcome<json> InitiateAuth(const json& request, const CallContext& ctx);
  Outcome<json> AdminInitiateAuth(const json& request, const CallContext& ctx);
  Outcome<json> RespondToAuthChallenge(const json& request, const CallContext& ctx);
  Outcome<json> AdminRespondToAuthChallenge(const json& request, const CallContext& ctx);
  Outcome<json> GetTokensFromRefreshToken(const json& request, const CallContext& ctx);
  Outcome<json> RevokeToken(const json& request, const CallContext& ctx);
  Outcome<json> GlobalSignOut(const json& request, const CallContext& ctx);
  Outcome<json> AdminUserGlobalSignOut(const json& request, const CallContext& ctx);

  // Users (user_ops.cc).
  Outcome<json> GetUser(const json& request, const CallContext& ctx);
  Outcome<json> AdminGetUser(const json& request, const CallContext& ctx);
  Outcome<json> UpdateUserAttributes(const json& request, const CallContext& ctx);
  Outcome<json> AdminUpdateUserAttributes(const json& request, const CallContext& ctx);
  Outcome<json> DeleteUserAttributes(const json& request, const CallContext& ctx);
  Outcome<json> AdminDeleteUserAttributes(const json& request, const CallContext& ctx);
  Outcome<json> DeleteUser(const json& request, const CallContext& ctx);
  Outcome<json> AdminDeleteUser(const json& request, const CallContext& ctx);
  Outcome<json> AdminDisableUser(const json& request, const CallContext& ctx);
  Outcome<json> AdminEnableUser(const json& request, const CallContext& ctx);
  Outcome<json> AdminSetUserPassword(const json& request, const CallContext& ctx);
  Outcome<json> AdminResetUserPassword(const json& request, const CallContext& ctx);  // password_recovery.cc
  Outcome<json> ForgotPassword(const json& request, const CallContext& ctx);           // password_recovery.cc
  Outcome<json> ConfirmForgotPassword(const json& request, const CallContext& ctx);    // password_recovery.cc
  Outcome<json> GetUserAttributeVerificationCode(const json& request, const CallContext& ctx);  // attribute_verification.cc
  Outcome<json> VerifyUserAttribute(const json& request, const CallContext& ctx);               // attribute_verification.cc
  Outcome<json> ChangePassword(const json& request, const CallContext& ctx);

  // A user's MFA (mfa_ops.cc).
  Outcome<json> AssociateSoftwareToken(const json& request, const CallContext& ctx);
  Outcome<json> VerifySoftwareToken(const json& request, const CallContext& ctx);
  Outcome<json> SetUserMFAPreference(const json& request, const CallContext& ctx);
  Outcome<json> AdminSetUserMFAPreference(const json& request, const CallContext& ctx);

  // Devices (devices.cc).
  Outcome<json> ConfirmDevice(const json& request, const CallContext& ctx);
  Outcome<json> GetDevice(const json& request, const CallContext& ctx);
  Outcome<json> AdminGetDevice(const json& request, const CallContext& ctx);
  Outcome<json> ListDevices(const json& request, const CallContext& ctx);
  Outcome<json> AdminListDevices(const json& request, const CallContext& ctx);
  Outcome<json> UpdateDeviceStatus(const json& request, const CallContext& ctx);
  Outcome<json> AdminUpdateDeviceStatus(const json& request, const CallContext& ctx);
  Outcome<json> ForgetDevice(const json& request, const CallContext& ctx);
  Outcome<json> AdminForgetDevice(const json& request, const CallContext& ctx);
  Outcome<json> ListUsers(const json& request, const CallContext& ctx);
  // ListUsers' answer as JSON text, which is how it is built (see user_ops.cc).
  Outcome<std::string> ListUsersText(const json& request, const CallContext& ctx);

  // Auth events, read from the user's stream (auth_events.cc).
  Outcome<json> AdminListUserAuthEvents(const json& request, const CallContext& ctx);
  Outcome<json> AdminUpdateAuthEventFeedback(const json& request, const CallContext& ctx);
  Outcome<json> UpdateAuthEventFeedback(const json& request, const CallContext& ctx);

  // Groups (group_ops.cc).
  Outcome<json> CreateGroup(const json& request, const CallContext& ctx);
  Outcome<json> GetGroup(const json& request, const CallContext& ctx);
  Outcome<json> UpdateGroup(const json& request, const CallContext& ctx);
  Outcome<json> DeleteGroup(const json& request, const CallContext& ctx);
  Outcome<json> ListGroups(const json& request, const CallContext& ctx);
  Outcome<json> AdminAddUserToGroup(const json& request, const CallContext& ctx);
  Outcome<json> AdminRemoveUserFromGroup(const json& request, const CallContext& ctx);
  Outcome<json> AdminListGroupsForUser(const json& request, const CallContext& ctx);
  Outcome<json> ListUsersInGroup(const json& request, const CallContext& ctx);

  // MFA configuration (mfa_config.cc).
  Outcome<json> SetUserPoolMfaConfig(const json& request, const CallContext& ctx);
  Outcome<json> GetUserPoolMfaConfig(const json& request, const CallContext& ctx);

  // Tags on user pools (resource_tags.cc) and the SAML signing certificate (signing_certificate.cc).
  Outcome<json> TagResource(const json& request, const CallContext& ctx);
  Outcome<json> UntagResource(const json& request, const CallContext& ctx);
  Outcome<json> ListTagsForResource(const json& request, const CallContext& ctx);
  Outcome<json> GetSigningCertificate(const json& request, const CallContext& ctx);

  // Trigger scripts (CognateAdmin.PutTrigger/GetTrigger/ListTriggers/DeleteTrigger; triggers.cc).
  Outcome<json> PutTrigger(const json& request, const CallContext& ctx);
  Outcome<json> GetTrigger(const json& request, const CallContext& ctx);
  Outcome<json> ListTriggers(const json& request, const CallContext& ctx);
  Outcome<json> DeleteTrigger(const json& request, const CallContext& ctx);

  // Records that `operation` was refused with `error_name` (a Cognito exception) as a
  // request.refused event in the stream "refused/<poolId>", never the user's own. The username
  // is sealed under the user's key when the user exists, else kept only as a keyed hash.
  Status RecordRefusal(const std::string& operation, const std::string& error_name,
                       const std::string& message, const json& request, const CallContext& ctx);

  // Records what became of a message an asynchronous sink (SMTP) tried to deliver: every failed
  // attempt as user.message.delivery_failed, and a delivery that needed retries as
  // user.message.delivered. A first-time success is not recorded (message_delivery.cc).
  Status RecordMessageDelivery(const OutgoingMessage& message, const DeliveryReport& report);

  // The internal username of the user {UserPoolId, Username} names (by username, alias or sub).
  Outcome<std::string> InternalUsername(const json& request);

  // Discovery documents (tokens.cc). ResourceNotFound for an unknown pool.
  Outcome<std::string> Jwks(const std::string& pool_id);  // the JWKS document, serialised
  Outcome<json> OpenIdConfiguration(const std::string& pool_id);

  const ServiceOptions& options() const { return options_; }

 private:
  struct PoolKeys {
    std::shared_ptr<const crypto::RsaKey> id_key;
    std::shared_ptr<const crypto::RsaKey> access_key;
    std::shared_ptr<const std::string> jwks;  // {"keys": [id, access]}: the public halves, serialised once
  };
  struct ResolvedUser {
    UserState state;
  };
  struct AccessTokenInfo {
    std::shared_ptr<const PoolState> pool;
    UserState user;
    std::shared_ptr<const VerifiedTokenCache::Entry> token;  // its verified claims
  };

  // Loading (service_support.cc). kResourceNotFound with Cognito's text when absent.
  Outcome<PoolState> LoadPool(const json& request, const char* field = "UserPoolId");
  Outcome<PoolState> LoadPoolById(const std::string& pool_id);
  // The same without a copy, for the paths every signed-in call takes.
  Outcome<std::shared_ptr<const PoolState>> LoadSharedPool(const std::string& pool_id);
  Outcome<std::shared_ptr<const PoolState>> LoadSharedPoolFor(const json& request, const char* field = "UserPoolId");
  Outcome<ClientState> LoadClient(const std::string& client_id);
  // The client named `client_id`, which must belong to `pool` (else ResourceNotFound).
  Outcome<ClientState> LoadPoolClient(const PoolState& pool, const std::string& client_id);
  // What a public operation starts from: its ClientId's client and pool, and the Username typed,
  // with the SecretHash checked for a client that has a secret.
  struct PublicCall {
    ClientState client;
    PoolState pool;
    std::string username;
  };
  Outcome<PublicCall> LoadPublicCall(const json& request);
  // Loads the signed-in user again (for MutateUser): NotAuthorized if since deleted.
  std::function<Outcome<UserState>()> SelfLoader(const std::string& pool_id, const std::string& sub);
  Result<GroupState> LoadGroup(const std::string& pool_id, const std::string& name);
  // The pool's group named in the request; ResourceNotFound "Group not found." when absent.
  Outcome<GroupState> RequireGroup(const json& request);
  Result<UserState> LoadUserBySub(const std::string& pool_id, const std::string& sub);
  // Finds a user by username, alias, or sub; an absent user comes back with exists == false.
  Result<UserState> FindUser(const PoolState& pool, const std::string& name);
  // FindUser, with UserNotFoundException for an absent user.
  Outcome<UserState> RequireUser(const PoolState& pool, const json& request);
  Outcome<Done> CheckSecretHash(const ClientState& client, const std::string& username,
                                const std::string& secret_hash);

  // Appends `events` to the user's stream with their projections; kAborted on a race. The
  // personal fields are sealed under the user's key (made with the user's first event); a
  // user.deleted is followed by user.personal_data.erased, destroying the key in the same write.
  Result<AppendResult> CommitUser(UserState& user, const Events& events, const CallContext& ctx);
  // The user's personal-data key; a user without one (their first event) gets a new one, whose
  // vault write is added to `secrets`. Empty optional with `create` false and no key.
  Result<std::optional<std::string>> PersonalKey(const UserState& user, bool create,
                                                 std::vector<SecretWrite>& secrets);
  // Runs load -> decide -> commit until it commits or is rejected; a lost race re-runs it.
  // Returns the state after the events (unchanged if `decide` chose none). A taken claim is
  // UsernameExists/AliasExists.
  Outcome<UserState> MutateUser(const std::function<Outcome<UserState>()>& load,
                                const std::function<Outcome<Events>(const UserState&)>& decide,
                                const CallContext& ctx);
  Result<AppendResult> CommitPool(PoolState& pool, const Events& events, const CallContext& ctx);
  // Applies `change` to the pool's tags (UserPoolTags) and commits the result, retrying lost races
  // (resource_tags.cc); no event when nothing changes.
  Outcome<json> ChangePoolTags(const std::string& pool_id, const std::function<Outcome<json>(json)>& change,
                               const CallContext& ctx);
  Result<AppendResult> CommitClient(ClientState& client, const Events& events, const CallContext& ctx);
  Result<AppendResult> CommitGroup(GroupState& group, const Events& events, const CallContext& ctx);

  // Login keys (uniqueness claims) a user with these attributes holds in this pool.
  std::vector<std::string> LoginKeys(const PoolSettings& settings, const std::string& pool_id,
                                     const std::string& username,
                                     const std::map<std::string, std::string>& attributes) const;
  std::string NormalizeName(const PoolSettings& settings, const std::string& name) const;

  // Secrets.
  std::string SealSecret(std::string_view plaintext, std::string_view aad) const;
  Result<std::string> OpenSecret(std::string_view sealed_b64, std::string_view aad) const;
  std::string CodeHash(const std::string& pool_id, const std::string& sub,
                       const std::string& purpose, const std::string& code) const;
  // Whether `code` is the user's pending code for `purpose` (and for `attribute`, when given):
  // CodeMismatch when it is not (the caller records the attempt), ExpiredCode when it is too old.
  std::optional<DomainError> CheckPendingCode(const UserState& user, const std::string& purpose,
                                              const std::string& attribute, const std::string& code) const;
  // The password fields of an event: PHC hash and the sealed SRP verifier.
  Outcome<json> PasswordFields(const PoolState& pool, const std::string& username,
                               const std::string& password);
  Outcome<bool> PasswordMatches(const UserState& user, const std::string& password);

  // The user.code.sent of a password-recovery code to `attribute` (password_recovery.cc).
  Event RecoveryCodeEvent(const PoolState& pool, const UserState& user, const std::string& attribute,
                          const std::string& code, const std::string& client_id, const json& records);

  // Runs PostConfirmation after a confirmation (or ConfirmForgotPassword) is committed; a failure
  // reaches the caller but the change stays, as in Cognito.
  Outcome<Done> PostConfirmation(const PoolState& pool, const UserState& user,
                                 const std::string& client_id, const json& request,
                                 const char* trigger_source = "PostConfirmation_ConfirmSignUp");

  // Messages. A body holds the {####} (code) and {username} placeholders.
  struct MessageText {
    std::string subject;
    std::string body;
  };
  // The message for `trigger_source` ("CustomMessage_SignUp", ...): the pool's CustomMessage
  // trigger's, if it has one (its record appended to `records`), else `defaults`.
  Outcome<MessageText> ComposeMessage(const PoolState& pool, const std::string& trigger_source,
                                      const UserState& user, const std::string& client_id,
                                      const std::string& medium, MessageText defaults, bool invite,
                                      json& records);
  // The user.code.sent of an attribute verification code (attribute_verification.cc); with
  // `unverified_value`, the new value waits for the code before it replaces the old one.
  Event VerificationCodeEvent(const PoolState& pool, const UserState& user, const std::string& attribute,
                              const std::string& code, const json& records,
                              const std::optional<std::string>& unverified_value);
  // The recovery message (CustomMessage_ForgotPassword when the pool has that trigger).
  Outcome<MessageText> RecoveryMessage(const PoolState& pool, const UserState& user, const std::string& attribute,
                                       const std::string& client_id, json& records);
  void DeliverCode(const PoolState& pool, const UserState& user, const std::string& medium,
                   const MessageText& text, const std::string& code);
  // The attributes as a trigger sees them: a JSON object of strings.
  static json TriggerAttributes(const std::map<std::string, std::string>& attributes);

  // Tokens (tokens.cc).
  Result<PoolKeys> KeysFor(const PoolState& pool);
  // Records a sign-in (after `prefix_events`, e.g. a password change) and mints its tokens.
  // `trigger_records` are the records of triggers that already ran for this sign-in; `facts`
  // (mfa, totp_step, device_key) go into user.signed_in. With device tracking on and no known
  // device, a new device is made and returned as NewDeviceMetadata.
  Outcome<json> IssueTokens(const PoolState& pool, const ClientState& client, UserState& user,
                            const CallContext& ctx, const std::string& flow, Events prefix_events,
                            json trigger_records = json::array(), json facts = json::object());
  // The claims of a user's ID and access tokens, before any trigger.
  TokenClaims BuildTokenClaims(const PoolState& pool, const ClientState& client, const UserState& user,
                               const std::string& origin_jti, int64_t auth_time);
  // Runs the pool's PreTokenGeneration trigger, if any, on `claims`; appends its record.
  Outcome<Done> CustomizeTokens(const PoolState& pool, const ClientState& client, const UserState& user,
                                const std::string& trigger_source, TokenClaims& claims, json& records);
  // AuthenticationResult: the signed tokens (and the refresh token, if not empty).
  Outcome<json> SignTokens(const PoolState& pool, const ClientState& client, const TokenClaims& claims,
                           const std::string& refresh_token);
  Outcome<AccessTokenInfo> ValidateAccessToken(const json& request);
  Outcome<json> RefreshTokens(const std::string& client_id, const std::string& refresh_token,
                              const std::string& client_secret_or_hash, bool via_secret_hash,
                              const std::string& username_for_hash, const CallContext& ctx);
  // The flows InitiateAuth and AdminInitiateAuth share; `admin` selects the admin flow names.
  Outcome<json> StartAuth(const PoolState& pool, const ClientState& client, const std::string& flow,
                          const json& params, bool admin, const CallContext& ctx);
  // CUSTOM_AUTH (custom_auth.cc): the first round, the next challenge (or tokens, or failure)
  // after a history of answers, and an answer to a CUSTOM_CHALLENGE.
  Outcome<json> StartCustomAuth(const PoolState& pool, const ClientState& client, const json& params,
                                const CallContext& ctx);
  // `srp_a` is the SRP_A of a custom sign-in that began with SRP, for a PASSWORD_VERIFIER step.
  Outcome<json> NextCustomChallenge(const PoolState& pool, const ClientState& client, UserState user,
                                    json history, json records, const CallContext& ctx,
                                    const std::string& srp_a = "");
  Outcome<json> RespondCustomChallenge(const PoolState& pool, const ClientState& client,
                                       const json& session, const json& responses, const CallContext& ctx);
  // Asks the pool's UserMigration trigger about an unknown user signing in with a password;
  // creates and returns the user it vouches for, nullopt if there is no trigger or no such user.
  Outcome<std::optional<UserState>> MigrateUser(const PoolState& pool, const ClientState& client,
                                                const std::string& typed, const std::string& password,
                                                const CallContext& ctx);
  // `flow` is the AuthFlow as requested, recorded in user.signed_in.
  Outcome<json> PasswordSignIn(const PoolState& pool, const ClientState& client, const std::string& flow,
                               const json& params, const CallContext& ctx);
  // What follows a verified password (USER_PASSWORD_AUTH or SRP): the status challenges, MFA,
  // PostAuthentication and the tokens. `records` holds the triggers that already ran.
  // `device_key` is the DEVICE_KEY the client sent, if any.
  Outcome<json> FinishPasswordSignIn(const PoolState& pool, const ClientState& client, UserState user,
                                     const std::string& flow, json records, const std::string& device_key,
                                     const CallContext& ctx);
  // MFA at sign-in (mfa_challenges.cc). `pending` is the Session content of the sign-in so far
  // (pool, client, sub, flow, records, facts, exp); nullopt when no second factor is due.
  Outcome<std::optional<json>> MfaChallenge(const PoolState& pool, const ClientState& client,
                                            const UserState& user, const json& pending);
  // The SMS_MFA (sending the code) or SOFTWARE_TOKEN_MFA challenge.
  Outcome<json> MfaMethodChallenge(const PoolState& pool, const ClientState& client, const UserState& user,
                                   json session, const std::string& method);
  // Answers to SMS_MFA, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE and MFA_SETUP.
  Outcome<json> RespondMfaChallenge(const PoolState& pool, const ClientState& client, const std::string& challenge,
                                    const json& session, const json& responses, const CallContext& ctx);
  // The user.mfa.preference_set a Set/AdminSetUserMFAPreference request asks for (none if no change).
  Outcome<Events> DecideMfaPreference(const PoolState& pool, const UserState& user, const json& request,
                                      const std::string& via);
  // UserMFASettingList, PreferredMfaSetting and MFAOptions of GetUser/AdminGetUser.
  json MfaSettingsView(const UserState& user) const;
  // A sign-in that passed MFA and goes on to DEVICE_SRP_AUTH, by its session id: clients answer
  // DEVICE_SRP_AUTH with the MFA challenge's Session. Kept in memory until the session expires,
  // good for one use.
  void RememberMfaPassed(const json& session);
  // False when `nonce` was spent before: challenge answers that sign in are good once. Kept in
  // memory until `expires_at_ms` (the challenge's own expiry, after which it is refused anyway).
  bool SpendOnce(const std::string& nonce, int64_t expires_at_ms);
  std::optional<json> MfaPassedSession(const std::string& sid);
  // DEVICE_SRP_AUTH (device_auth.cc): the challenge that asks for it, the DEVICE_PASSWORD_VERIFIER
  // challenge, and its answer.
  json DeviceSrpChallenge(const UserState& user, json session) const;
  Outcome<json> StartDeviceSrp(const PoolState& pool, const ClientState& client, const json& session,
                               const json& responses);
  Outcome<json> RespondDevicePasswordVerifier(const PoolState& pool, const ClientState& client, const json& session,
                                              const json& responses, const CallContext& ctx);
  // USER_SRP_AUTH (srp_auth.cc): the PASSWORD_VERIFIER challenge for the client's SRP_A, and the
  // answer to it. SrpChallenge makes the challenge for `user` (null: a simulated one for an
  // unknown name); `extra` goes into the sealed SECRET_BLOCK (CUSTOM_AUTH's history).
  Outcome<json> StartSrpAuth(const PoolState& pool, const ClientState& client, const json& params);
  Outcome<json> SrpChallenge(const PoolState& pool, const ClientState& client, const UserState* user,
                             const std::string& typed, const std::string& a_hex, json extra);
  Outcome<json> RespondPasswordVerifier(const PoolState& pool, const ClientState& client,
                                        const json& responses, const CallContext& ctx);
  // Whether the answer's signature proves the password; loads the user it is for into `user`.
  Outcome<bool> VerifySrpAnswer(const PoolState& pool, const ClientState& client, const json& block,
                                const json& responses, UserState& user);
  // InvalidParameter for a malformed TIMESTAMP; NotAuthorized when it is too far from now.
  std::optional<DomainError> CheckSrpTimestamp(const std::string& timestamp) const;
  std::string SealSecretBlock(const json& content) const;
  Outcome<json> OpenSecretBlock(const std::string& secret_block) const;
  // Lockout (lockout.cc): NotAuthorized "Password attempts exceeded" while the user is locked;
  // a failed sign-in recorded with the counts that lock the user.
  std::optional<DomainError> CheckNotLockedOut(const UserState& user) const;
  void RecordFailedSignIn(UserState& user, const ClientState& client, const std::string& reason,
                          const CallContext& ctx);
  json SealSession(const json& content) const;
  Outcome<json> OpenSession(const std::string& session) const;

  // Triggers (triggers.cc). A call of one of the pool's LambdaConfig triggers, and its result:
  // the script's `response` and the record that goes into the event it shaped.
  struct TriggerCall {
    std::string config_key;      // LambdaConfig key: "PreSignUp", "CustomMessage", ...
    std::string trigger_source;  // "PreSignUp_SignUp", ...
    std::string user_name;
    std::string client_id;
    json request = json::object();
    json response = json::object();  // Cognito's defaults, pre-filled
  };
  struct TriggerRun {
    json response;
    json record;  // {trigger, source, script_version, sha256, response, log, duration_us}
    std::vector<json> messages;  // what the script asked to send (cognate.send_message)
  };
  // nullopt when the pool has no such trigger. Failures are Cognito's Lambda exceptions.
  Outcome<std::optional<TriggerRun>> RunTrigger(const PoolState& pool, const TriggerCall& call);
  // Runs PreAuthentication (`post` false) or PostAuthentication (`post` true) for a sign-in of
  // `user`, if the pool has it; appends its record to `records`.
  Outcome<Done> AuthenticationTrigger(const PoolState& pool, const ClientState& client,
                                      const UserState& user, bool post, json& records);
  // The function name a LambdaConfig entry (ARN or name) selects, "" if none.
  static std::string TriggerNameOf(const json& lambda_config, const std::string& key);
  // InvalidParameter unless every function LambdaConfig names is a deployed script.
  Outcome<Done> CheckLambdaConfig(const json& lambda_config);
  Result<TriggerScript> LoadTrigger(const std::string& name);
  Result<AppendResult> CommitTrigger(TriggerScript& script, const Events& events, const CallContext& ctx);

  // Views (service_support.cc).
  json PoolView(const PoolState& pool);
  json ClientView(const ClientState& client);
  json GroupView(const GroupState& group) const;
  json UserAttributesView(const UserState& user, const std::set<std::string>* only = nullptr) const;
  json UserTypeView(const UserState& user) const;
  std::vector<GroupState> GroupsOf(const UserState& user);

  EventStore& store_;
  const Clock& clock_;
  crypto::PasswordHashingPool& hasher_;
  MessageSink& sink_;
  ServiceOptions options_;
  TriggerRunner* triggers_;
  audit::PersonalDataCipher personal_;
  std::string code_key_;     // derived from the master key: keys the hashes of codes
  std::string session_key_;  // derived from the master key: seals auth sessions

  SpentNonces spent_;  // answered challenges
  std::mutex mfa_passed_mu_;
  std::map<std::string, json> mfa_passed_;  // session id -> the sign-in's state after MFA

  std::shared_mutex keys_mu_;
  std::map<std::string, PoolKeys> keys_;  // pool id -> unsealed signing keys

  // Pools and clients are read on nearly every request; their rows are parsed once per change.
  RowStateCache<PoolState> pool_cache_{4096};
  PoolSettingsCache pool_settings_{4096};
  RowStateCache<ClientState> client_cache_{4096};
  // Users are read on every signed-in call; the bound keeps the cache to tens of MiB.
  RowStateCache<UserState> user_cache_{16384};
  VerifiedTokenCache verified_tokens_{8192};
};

}  // namespace cognate
