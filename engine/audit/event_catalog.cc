#include "engine/audit/event_catalog.h"

#include <algorithm>
#include <sstream>
#include <unordered_map>

namespace cognate::audit {
namespace {

const char kUserStream[] = "user/<poolId>/<sub>";

FieldDoc F(std::string name, std::string meaning) { return {std::move(name), std::move(meaning), false}; }
FieldDoc P(std::string name, std::string meaning) { return {std::move(name), std::move(meaning), true}; }

// Fields shared by several user events.
FieldDoc ClientId() { return F("client_id", "the app client the request came through"); }
FieldDoc Attributes() { return P("attributes", "every attribute of the user after the event (name -> value)"); }
FieldDoc LoginKeys() { return P("login_keys", "the uniqueness claims the user holds after the event (username and aliases)"); }
FieldDoc Triggers() { return P("triggers", "what each Lua trigger that shaped the event returned: trigger, source, function, script_version, sha256, response, log, duration_us, messages"); }
FieldDoc PendingCode() { return F("pending_code", "a code awaiting use: purpose, attribute, keyed hash, expires_at_ms (never the code)"); }
std::vector<FieldDoc> PasswordFields() {
  return {F("password_hash", "Argon2id PHC string of the new password"),
          F("srp_salt", "hex salt of the SRP verifier"),
          F("srp_verifier_sealed", "the SRP verifier, sealed under the server's master key")};
}

std::vector<EventDoc> Build() {
  std::vector<EventDoc> c;
  auto user = [&](std::string type, int version, std::string meaning, std::vector<FieldDoc> fields) {
    c.push_back({std::move(type), version, kUserStream, std::move(meaning), std::move(fields)});
  };
  std::vector<FieldDoc> created = {F("pool_id", "the user pool"),
                                   F("sub", "the user's immutable id"),
                                   P("username", "the internal username"),
                                   F("status", "UNCONFIRMED, CONFIRMED or FORCE_CHANGE_PASSWORD"),
                                   Attributes(),
                                   LoginKeys(),
                                   ClientId(),
                                   PendingCode(),
                                   F("temporary_password_expires_at_ms", "when a temporary password stops working"),
                                   Triggers()};
  for (auto& f : PasswordFields()) created.push_back(f);
  user("user.signed_up", 1, "A user signed up (SignUp) or was migrated in by a UserMigration trigger.", created);
  user("user.created", 1, "An administrator created the user (AdminCreateUser), or a UserMigration trigger did.", created);
  user("user.code.sent", 1, "A confirmation or password-recovery code was sent (SignUp, ResendConfirmationCode, ForgotPassword, AdminResetUserPassword, GetUserAttributeVerificationCode).", {PendingCode(), ClientId(), Triggers(),
        P("unverified_value", "the new value of an attribute that waits for this code before it replaces the old one")});
  user("user.code.rejected", 1, "A code was wrong or expired.", {F("purpose", "what the code was for"), ClientId()});
  user("user.confirmed", 1, "The user's sign-up was confirmed (by code or by an administrator).",
       {F("via", "code or admin"), ClientId(), Attributes(), LoginKeys(), Triggers()});
  {
    std::vector<FieldDoc> fields = PasswordFields();
    fields.push_back(F("status", "the user's status after the change"));
    fields.push_back(F("temporary_password_expires_at_ms", "set when the new password is temporary"));
    fields.push_back(F("revoke_tokens", "true when the change signs the user out everywhere"));
    fields.push_back(F("via", "self, admin, challenge or forgot_password"));
    fields.push_back(F("code_used", "true when a recovery code set the password (the code is spent)"));
    fields.push_back(ClientId());
    user("user.password.changed", 1, "The user's password was set or changed.", fields);
  }
  user("user.password.reset_required", 1, "An administrator required a password reset.", {F("via", "admin")});
  user("user.attributes.updated", 1, "Attributes were changed or deleted, or an email or phone number was verified.",
       {Attributes(), LoginKeys(), F("via", "self, admin or verification"), ClientId(), Triggers(),
        F("code_used", "true when a verification code was spent on it"),
        F("settled", "attributes whose waiting new value this event applied or dropped")});
  user("user.disabled", 1, "An administrator disabled the user; their tokens stop working.", {});
  user("user.enabled", 1, "An administrator enabled the user again.", {});
  user("user.deleted", 1, "The user was deleted; their claims and memberships are released.", {F("via", "self or admin")});
  user("user.personal_data.erased", 1,
       "The user's personal-data key was destroyed: the personal fields of every event of theirs are unreadable from now on.",
       {F("key", "the id of the destroyed key")});
  user("user.signed_in", 2, "Tokens were issued for a sign-in.",
       {ClientId(), F("flow", "the authentication flow"), F("origin_jti", "id shared by every token of this sign-in"),
        F("refresh_hash", "SHA-256 of the refresh token (never the token)"),
        F("refresh_expires_at_ms", "when the refresh token expires"), F("auth_time", "the sign-in time (seconds)"),
        F("mfa", "the second factor used: SMS_MFA or SOFTWARE_TOKEN_MFA (absent: none)"),
        F("totp_step", "the authenticator code's time step, which cannot sign in again"),
        F("device_key", "the remembered device used or issued for this sign-in"),
        P("new_device", "a device tracking met for the first time: key, group_key, name"), Triggers()});
  user("user.sign_in.failed", 2, "A sign-in of an existing user was refused.",
       {ClientId(), F("reason", "why: password, mfa, ..."),
        F("consecutive_failures", "failed sign-ins in a row, this one included (lockout)"),
        F("locked_until_ms", "sign-in is refused until then (absent: not locked)")});
  user("user.mfa.totp_associated", 1, "An authenticator app's secret was made for the user (AssociateSoftwareToken), not yet verified.",
       {F("secret_sealed", "the TOTP secret, sealed under the server's master key")});
  user("user.mfa.totp_verified", 1, "The user proved an authenticator app with a code (VerifySoftwareToken).",
       {F("secret_sealed", "the TOTP secret, sealed under the server's master key"),
        P("friendly_name", "FriendlyDeviceName, if given"),
        F("enable", "true when verified while setting up MFA at sign-in: it is enabled and preferred")});
  user("user.mfa.preference_set", 1, "The user's MFA methods were enabled, disabled or preferred (Set/AdminSetUserMFAPreference).",
       {F("sms_enabled", "SMS MFA on or off"), F("software_token_enabled", "authenticator app MFA on or off"),
        F("preferred", "SMS_MFA, SOFTWARE_TOKEN_MFA or empty"), F("via", "self or admin")});
  user("user.device.confirmed", 1, "A tracked device was confirmed with its SRP verifier (ConfirmDevice).",
       {F("device_key", "the device"), F("group_key", "its DeviceGroupKey"), P("name", "DeviceName, if given"),
        F("status", "remembered or not_remembered"), F("srp_salt", "hex salt of the device verifier"),
        F("srp_verifier_sealed", "the device's SRP verifier, sealed under the server's master key")});
  user("user.device.status_updated", 1, "A device was remembered or no longer remembered (UpdateDeviceStatus).",
       {F("device_key", "the device"), F("status", "remembered or not_remembered"), F("via", "self or admin")});
  user("user.device.forgotten", 1, "A device was forgotten (ForgetDevice).", {F("device_key", "the device"), F("via", "self or admin")});
  user("user.message.delivery_failed", 1, "An email or SMS to the user could not be delivered (this attempt).",
       {F("medium", "EMAIL or SMS"), F("attempts", "tries so far"), F("final", "true when no retry follows"),
        F("error", "the transport's answer, e.g. 451 or a timeout")});
  user("user.message.delivered", 1, "A message that failed before was delivered on a retry.",
       {F("medium", "EMAIL or SMS"), F("attempts", "tries it took")});
  user("user.tokens.refreshed", 2, "New tokens were issued from a refresh token.",
       {ClientId(), F("origin_jti", "the sign-in the refresh token belongs to"), Triggers()});
  user("user.token.revoked", 1, "A refresh token (and the tokens of its sign-in) was revoked.",
       {F("origin_jti", "the sign-in revoked"), ClientId()});
  user("user.signed_out", 1, "Every token of the user was revoked (GlobalSignOut).", {F("via", "self or admin")});
  user("user.group.joined", 1, "The user was added to a group.", {F("group", "group name"), F("group_uid", "the group's incarnation")});
  user("user.group.left", 1, "The user was removed from a group.", {F("group", "group name")});
  user("user.auth_event.feedback_given", 1,
       "Feedback was given on one of the user's auth events (AdminUpdateAuthEventFeedback, UpdateAuthEventFeedback); the latest per event is shown by AdminListUserAuthEvents.",
       {F("event_id", "the EventId the feedback is about"), F("value", "Valid or Invalid"),
        F("provider", "admin (AdminUpdateAuthEventFeedback) or user (UpdateAuthEventFeedback with the FeedbackToken)")});

  c.push_back({"userpool.created", 1, "pool/<poolId>", "A user pool was created.",
               {F("id", "the pool id"), F("config", "the normalised pool configuration"),
                F("keys", "signing keys: kid, use, private key sealed under the master key")}});
  c.push_back({"userpool.updated", 1, "pool/<poolId>", "A pool's configuration was replaced.", {F("config", "the new configuration")}});
  c.push_back({"userpool.signing_certificate.issued", 1, "pool/<poolId>",
               "The pool's SAML signing certificate was made (on the first GetSigningCertificate).",
               {F("certificate", "base64 DER of the self-signed X.509 certificate"),
                F("kid", "key id of the certified RSA key"),
                F("sealed_der", "the certified private key, sealed under the master key")}});
  c.push_back({"userpool.deleted", 1, "pool/<poolId>", "A pool was deleted.", {}});
  c.push_back({"client.created", 1, "client/<clientId>", "An app client was created.",
               {F("id", "the client id"), F("pool_id", "its pool"), F("config", "the normalised client configuration"),
                F("secret_sealed", "the client secret, sealed under the master key")}});
  c.push_back({"client.updated", 1, "client/<clientId>", "A client's configuration was replaced.", {F("config", "the new configuration")}});
  c.push_back({"client.deleted", 1, "client/<clientId>", "An app client was deleted.", {}});
  c.push_back({"group.created", 1, "group/<poolId>/<name>", "A group was created.",
               {F("pool_id", "its pool"), F("name", "group name"), F("uid", "this incarnation of the name"),
                F("config", "description, precedence, role ARN")}});
  c.push_back({"group.updated", 1, "group/<poolId>/<name>", "A group was changed.", {F("config", "the new configuration")}});
  c.push_back({"group.deleted", 1, "group/<poolId>/<name>", "A group was deleted.", {}});
  c.push_back({"trigger.deployed", 1, "trigger/<name>", "A Lua trigger script was deployed.",
               {F("name", "script name"), F("script_version", "1, 2, ... per name"), F("sha256", "hex digest of the source"),
                F("source", "the whole Lua source")}});
  c.push_back({"trigger.deleted", 1, "trigger/<name>", "A trigger script was deleted.", {F("name", "script name")}});
  c.push_back({"request.refused", 1, "refused/<poolId> (refused/- when no pool is known)",
               "An operation was refused before it changed anything (its answer was a Cognito error). It never touches a user's stream.",
               {F("operation", "the API operation"), F("error", "the Cognito exception name"), F("message", "the error message"),
                F("pool_id", "the pool, when known"), ClientId(), F("sub", "the user it concerned, when one exists"),
                P("username", "the username given, when the user exists (sealed under their key)"),
                F("username_hmac", "keyed hash of the username given, when no such user exists")}});
  return c;
}

}  // namespace

const std::vector<FieldDoc>& ContextFields() {
  static const std::vector<FieldDoc> fields = {
      F(kClientField, "the app client the request came through, when there is one"),
      P(kIpField, "the address the request came from (readable in a refusal that concerns no user)"),
      P(kUserAgentField, "the caller's User-Agent header"),
      F(kSealedField, "the personal fields of this event, sealed: {key, fields, box}")};
  return fields;
}

const std::vector<EventDoc>& EventCatalog() {
  static const std::vector<EventDoc> catalog = Build();
  return catalog;
}

const EventDoc* FindEventDoc(std::string_view type) {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, const EventDoc*>();
    for (const EventDoc& doc : EventCatalog()) (*m)[doc.type] = &doc;
    return m;
  }();
  auto it = index->find(type);
  return it == index->end() ? nullptr : it->second;
}

bool IsPersonalField(std::string_view type, std::string_view field) {
  for (const FieldDoc& f : ContextFields()) {
    if (f.name == field) return f.personal;
  }
  const EventDoc* doc = FindEventDoc(type);
  if (!doc) return false;
  return std::any_of(doc->fields.begin(), doc->fields.end(),
                     [&](const FieldDoc& f) { return f.personal && f.name == field; });
}

std::string RenderEventsMarkdown() {
  std::ostringstream out;
  out << "## Context fields (any event)\n\n| field | personal | meaning |\n|---|---|---|\n";
  for (const FieldDoc& f : ContextFields()) {
    out << "| `" << f.name << "` | " << (f.personal ? "yes" : "") << " | " << f.meaning << " |\n";
  }
  for (const EventDoc& doc : EventCatalog()) {
    out << "\n## `" << doc.type << "` (schema " << doc.schema_version << ")\n\n"
        << "Stream `" << doc.stream << "`. " << doc.meaning << "\n";
    if (doc.fields.empty()) {
      out << "\nNo fields of its own.\n";
      continue;
    }
    out << "\n| field | personal | meaning |\n|---|---|---|\n";
    for (const FieldDoc& f : doc.fields) {
      out << "| `" << f.name << "` | " << (f.personal ? "yes" : "") << " | " << f.meaning << " |\n";
    }
  }
  return out.str();
}

}  // namespace cognate::audit
