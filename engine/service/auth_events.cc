// Auth events: AdminListUserAuthEvents and Admin/UpdateAuthEventFeedback, answered from the user's
// own stream. Every sign-in (user.signed_in), refused sign-in (user.sign_in.failed), sign-up,
// resent confirmation code, password-recovery code and self-service password change is already an
// event there, with the caller's address and user agent, so the history is a read of the log and
// feedback is one more event on it (user.auth_event.feedback_given); no table of its own.
//
// Cognate has no risk engine: every event is reported as EventRisk {NoRisk, Low, no compromised
// credentials}, and nothing is blocked or notified on account of risk. Cognito answers these
// operations with UserPoolAddOnNotEnabledException unless the pool has threat protection
// (advanced security) on; Cognate keeps the same history for every pool and answers for every pool.
//
// EventId: a keyed hash of the pool, the user and the event's stream version, shaped like a UUID.
// It names one event for as long as the log exists and reveals nothing about the log.
//
// FeedbackToken: Cognito puts it in the risk notification emails it sends, which Cognate does not
// send. Here it is base64url(HMAC-SHA256(pool "/" sub "/" EventId)) under a key derived from the
// master key, so the server can check it without storing it. Cognate returns it in each
// AuthEventType of AdminListUserAuthEvents as the extension member "FeedbackToken" (the AWS SDKs
// and aws-cli drop members their model does not know; read it from the raw response), for an
// administrator to put in a notification of their own.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/audit/event_catalog.h"
#include "engine/audit/event_reader.h"
#include "engine/crypto/encoding.h"
#include "engine/crypto/hash.h"
#include "engine/service/paging.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"
#include "engine/user/user_events.h"

namespace cognate {
namespace {

using json = nlohmann::json;

constexpr size_t kDefaultMaxResults = 60;  // also what MaxResults 0 means, as in Cognito
constexpr char kNoSuchEvent[] = "Authentication event not found.";
constexpr char kBadToken[] = "Invalid feedback token.";

// The keys of event ids and feedback tokens, derived from the master key as the code and session
// keys are.
std::string EventIdKey(const std::string& master_key) {
  return crypto::HmacSha256(master_key, "cognate/auth-event-ids");
}
std::string FeedbackKey(const std::string& master_key) {
  return crypto::HmacSha256(master_key, "cognate/auth-event-feedback");
}

// "<pool>/<sub>/<suffix>": what event ids and feedback tokens are keyed hashes of.
std::string UserScoped(const UserState& user, const std::string& suffix) {
  std::string text = user.pool_id;
  text += '/';
  text += user.sub;
  text += '/';
  text += suffix;
  return text;
}

std::string EventIdOf(const std::string& key, const UserState& user, uint64_t stream_version) {
  const std::string hex =
      crypto::HexEncode(crypto::HmacSha256(key, UserScoped(user, std::to_string(stream_version))));
  std::string id;
  for (auto [at, length] : {std::pair<size_t, size_t>{0, 8}, {8, 4}, {12, 4}, {16, 4}, {20, 12}}) {
    if (at != 0) id += '-';
    id += hex.substr(at, length);
  }
  return id;
}

std::string FeedbackTokenOf(const std::string& key, const UserState& user,
                            const std::string& event_id) {
  return crypto::Base64UrlEncode(crypto::HmacSha256(key, UserScoped(user, event_id)));
}

// NextToken: the stream version of the last event handed out, bound to the user.
std::string NextTokenAfter(const UserState& user, uint64_t stream_version) {
  std::string text = user.sub;
  text += '/';
  text += std::to_string(stream_version);
  return PageToken(text);
}

// The stream version a NextToken resumes before; nullopt for a token not made for this user.
std::optional<uint64_t> ResumeBefore(const UserState& user, const std::string& token) {
  auto text = DecodePageToken(token);
  const std::string prefix = user.sub + "/";
  if (!text.ok() || text->size() <= prefix.size() || text->compare(0, prefix.size(), prefix) != 0) {
    return std::nullopt;
  }
  uint64_t version = 0;
  const char* first = text->data() + prefix.size();
  const char* last = text->data() + text->size();
  auto [end, error] = std::from_chars(first, last, version);
  if (error != std::errc() || end != last) return std::nullopt;
  return version;
}

json Challenge(const char* name, bool success) {
  return {{"ChallengeName", name}, {"ChallengeResponse", success ? "Success" : "Failure"}};
}

// What an event says as an auth event: EventType, EventResponse and ChallengeResponses.
struct AuthKind {
  const char* type;
  bool pass;
  json challenges = json::array();
};

// nullopt for an event that is not an auth event.
std::optional<AuthKind> Classify(const Event& e) {
  namespace ev = user_events;
  const json& d = e.data;
  if (e.type == ev::kSignedIn) {
    AuthKind kind{"SignIn", true};
    // CUSTOM_AUTH records no password step of its own; every other flow proved the password.
    if (d.value("flow", "") != "CUSTOM_AUTH") {
      kind.challenges.push_back(Challenge("Password", true));
    }
    if (d.contains("mfa")) kind.challenges.push_back(Challenge("Mfa", true));
    return kind;
  }
  if (e.type == ev::kSignInFailed) {
    AuthKind kind{"SignIn", false};
    const std::string reason = d.value("reason", "");
    if (reason == "password") {
      kind.challenges.push_back(Challenge("Password", false));
    } else if (reason == "mfa") {
      kind.challenges.push_back(Challenge("Password", true));
      kind.challenges.push_back(Challenge("Mfa", false));
    } else if (reason == "device") {
      // A remembered device's proof failed after the password succeeded; the model has no
      // challenge name for it.
      kind.challenges.push_back(Challenge("Password", true));
    }
    return kind;
  }
  if (e.type == ev::kSignedUp || e.type == ev::kCreated) return AuthKind{"SignUp", true};
  if (e.type == ev::kCodeSent) {
    const json pending = d.value("pending_code", json::object());
    const std::string purpose = pending.is_object() ? pending.value("purpose", "") : "";
    if (purpose == "signup") return AuthKind{"ResendCode", true};
    // An administrator's AdminResetUserPassword sends the same code, through no client.
    if (purpose == "forgot_password" && d.contains("client_id")) {
      return AuthKind{"ForgotPassword", true};
    }
    return std::nullopt;
  }
  if (e.type == ev::kPasswordChanged && d.value("via", "") == "self") {
    return AuthKind{"PasswordChange", true};
  }
  return std::nullopt;
}

// EventContextData: the caller's address and, for a sign-in from a known device, that device's
// name (else the caller's user agent). `before` is the user as the event found them.
json ContextData(const Event& e, const UserState& before) {
  const json& d = e.data;
  json context = json::object();
  if (auto ip = d.find(audit::kIpField); ip != d.end() && ip->is_string()) {
    context["IpAddress"] = *ip;
  }
  std::string device_name;
  if (e.type == user_events::kSignedIn) {
    if (auto device = before.devices.find(d.value("device_key", ""));
        device != before.devices.end()) {
      device_name = device->second.name;
    } else if (auto fresh = d.find("new_device"); fresh != d.end() && fresh->is_object()) {
      device_name = fresh->value("name", "");
    }
  }
  if (auto ua = d.find(audit::kUserAgentField);
      device_name.empty() && ua != d.end() && ua->is_string()) {
    device_name = ua->get<std::string>();
  }
  if (!device_name.empty()) context["DeviceName"] = device_name;
  return context;
}

struct AuthEvent {
  uint64_t stream_version = 0;
  std::string id;
  json view;  // AuthEventType
};

// The user's auth events, oldest first, each with the latest feedback given on it.
Result<std::vector<AuthEvent>> ReadAuthEvents(EventStore& store,
                                              const audit::PersonalDataCipher& cipher,
                                              const std::string& id_key, const UserState& user) {
  auto stored = store.ReadStream(UserStream(user.pool_id, user.sub), 1);
  if (!stored.ok()) return stored.status();
  audit::VaultKeys vault(store, cipher);
  const audit::KeyLookup keys = vault.AsLookup();
  std::vector<AuthEvent> events;
  std::map<std::string, json> feedback;  // event id -> EventFeedbackType
  UserState folded;                      // the user as each event found them (device names)
  for (const StoredEvent& s : *stored) {
    auto decoded = audit::DecodeEvent(s, keys);
    if (!decoded.ok()) return decoded.status();
    const Event& e = decoded->event;
    if (e.type == user_events::kAuthEventFeedbackGiven) {
      feedback[e.data.value("event_id", "")] = {
          {"FeedbackValue", e.data.value("value", "")},
          {"Provider", e.data.value("provider", "") == "admin" ? "Admin" : "User"},
          {"FeedbackDate", wire::Timestamp(s.occurred_at_ms)}};
    } else if (auto kind = Classify(e)) {
      AuthEvent event{s.stream_version, EventIdOf(id_key, user, s.stream_version), json::object()};
      event.view = {{"EventId", event.id},
                    {"EventType", kind->type},
                    {"CreationDate", wire::Timestamp(s.occurred_at_ms)},
                    {"EventResponse", kind->pass ? "Pass" : "Fail"},
                    {"EventRisk",
                     {{"RiskDecision", "NoRisk"},
                      {"RiskLevel", "Low"},
                      {"CompromisedCredentialsDetected", false}}},
                    {"ChallengeResponses", kind->challenges},
                    {"EventContextData", ContextData(e, folded)}};
      events.push_back(std::move(event));
    }
    EvolveUser(folded, e, s.occurred_at_ms);
  }
  for (AuthEvent& event : events) {
    if (auto it = feedback.find(event.id); it != feedback.end()) {
      event.view["EventFeedback"] = it->second;
    }
  }
  return events;
}

// EventId and FeedbackValue of a feedback request.
struct FeedbackInput {
  std::string event_id;
  std::string value;
};

Outcome<FeedbackInput> ParseFeedback(const json& request) {
  auto event_id = wire::RequiredString(request, "EventId", 1, 50);
  if (!event_id.ok()) return event_id.error();
  auto value = wire::RequiredString(request, "FeedbackValue", 1, 16);
  if (!value.ok()) return value.error();
  if (value.value() != "Valid" && value.value() != "Invalid") {
    return Reject(ErrorCode::kInvalidParameter,
                  "1 validation error detected: Value '" + value.value() +
                      "' at 'feedbackValue' failed to satisfy constraint: Member must satisfy enum "
                      "value set: [Valid, Invalid]");
  }
  return FeedbackInput{event_id.value(), value.value()};
}

// The user.auth_event.feedback_given that records `input`; ResourceNotFound unless it names one of the
// user's auth events.
Outcome<Events> DecideFeedback(EventStore& store, const audit::PersonalDataCipher& cipher,
                               const std::string& id_key, const UserState& user,
                               const FeedbackInput& input, const char* provider) {
  auto events = ReadAuthEvents(store, cipher, id_key, user);
  if (!events.ok()) return FromStatus(events.status());
  const bool known = std::any_of(events->begin(), events->end(), [&](const AuthEvent& event) {
    return event.id == input.event_id;
  });
  if (!known) return Reject(ErrorCode::kResourceNotFound, kNoSuchEvent);
  return Events{
      MakeEvent(user_events::kAuthEventFeedbackGiven,
                {{"event_id", input.event_id}, {"value", input.value}, {"provider", provider}})};
}

}  // namespace

Outcome<nlohmann::json> UserPoolService::AdminListUserAuthEvents(const json& request,
                                                                 const CallContext&) {
  auto max_results = wire::OptionalInt(request, "MaxResults", 0, 60);
  if (!max_results.ok()) return max_results.error();
  auto token = wire::OptionalString(request, "NextToken");
  if (!token.ok()) return token.error();
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto user = RequireUser(pool.value(), request);
  if (!user.ok()) return user.error();
  uint64_t before = UINT64_MAX;
  if (!token->empty()) {
    auto resume = ResumeBefore(user.value(), token.value());
    if (!resume) return Reject(ErrorCode::kInvalidParameter, "Invalid pagination token.");
    before = *resume;
  }
  const int64_t asked = max_results.value().value_or(0);
  const size_t limit = asked > 0 ? static_cast<size_t>(asked) : kDefaultMaxResults;
  auto events = ReadAuthEvents(store_, personal_, EventIdKey(options_.master_key), user.value());
  if (!events.ok()) return FromStatus(events.status());
  const std::string feedback_key = FeedbackKey(options_.master_key);
  json out = json::object();
  json page = json::array();
  uint64_t last = 0;
  for (auto it = events->rbegin(); it != events->rend(); ++it) {  // newest first
    if (it->stream_version >= before) continue;
    if (page.size() == limit) {
      out["NextToken"] = NextTokenAfter(user.value(), last);
      break;
    }
    json view = std::move(it->view);
    view["FeedbackToken"] =
        FeedbackTokenOf(feedback_key, user.value(), it->id);  // Cognate's extension
    page.push_back(std::move(view));
    last = it->stream_version;
  }
  out["AuthEvents"] = std::move(page);
  return out;
}

Outcome<nlohmann::json> UserPoolService::AdminUpdateAuthEventFeedback(const json& request,
                                                                      const CallContext& ctx) {
  auto input = ParseFeedback(request);
  if (!input.ok()) return input.error();
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  const std::string id_key = EventIdKey(options_.master_key);
  auto done =
      MutateUser([&]() { return RequireUser(pool.value(), request); },
                 [&](const UserState& user) {
                   return DecideFeedback(store_, personal_, id_key, user, input.value(), "admin");
                 },
                 ctx);
  if (!done.ok()) return done.error();
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::UpdateAuthEventFeedback(const json& request,
                                                                 const CallContext& ctx) {
  auto input = ParseFeedback(request);
  if (!input.ok()) return input.error();
  auto token = wire::RequiredString(request, "FeedbackToken", 1, 2048);
  if (!token.ok()) return token.error();
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  const std::string id_key = EventIdKey(options_.master_key);
  const std::string feedback_key = FeedbackKey(options_.master_key);
  auto done = MutateUser(
      [&]() -> Outcome<UserState> {
        auto user = RequireUser(pool.value(), request);
        // An unknown user is refused as a wrong token is, so this unauthenticated operation does
        // not tell who exists.
        if (!user.ok() && user.error().code == ErrorCode::kUserNotFound) {
          return Reject(ErrorCode::kNotAuthorized, kBadToken);
        }
        return user;
      },
      [&](const UserState& user) -> Outcome<Events> {
        if (!crypto::ConstantTimeEquals(FeedbackTokenOf(feedback_key, user, input->event_id),
                                        token.value())) {
          return Reject(ErrorCode::kNotAuthorized, kBadToken);
        }
        return DecideFeedback(store_, personal_, id_key, user, input.value(), "user");
      },
      ctx);
  if (!done.ok()) return done.error();
  return json::object();
}

}  // namespace cognate
