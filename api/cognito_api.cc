#include "api/cognito_api.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string_view>
#include <unordered_map>

#include "api/cognito_errors.h"
#include "api/sigv4.h"
#include "engine/crypto/random.h"
#include "engine/service/wire.h"
#include "engine/json/fast_parse.h"

namespace cognate::api {
namespace {

using json = nlohmann::json;
using OpFn = Outcome<json> (UserPoolService::*)(const json&, const CallContext&);
// An operation whose answer the service writes as JSON text itself (see ListUsersText).
using TextOpFn = Outcome<std::string> (UserPoolService::*)(const json&, const CallContext&);

constexpr std::string_view kIdpPrefix = "AWSCognitoIdentityProviderService.";
constexpr std::string_view kAdminPrefix = "CognateAdmin.";

enum class Auth { kPublic, kAccessToken, kIam };

struct Operation {
  OpFn fn;
  Auth auth;
  bool blocking;  // appends (a synced write) or hashes a password
  TextOpFn text_fn = nullptr;  // when set, called instead of fn
  // Also blocking when the body names this field (checked as the quoted name anywhere in the
  // body, which errs towards blocking).
  std::string_view blocking_with_field = {};
};

const std::unordered_map<std::string_view, Operation>& Operations() {
  using S = UserPoolService;
  static const std::unordered_map<std::string_view, Operation> ops = {
      {"CreateUserPool", {&S::CreateUserPool, Auth::kIam, true}},
      {"DescribeUserPool", {&S::DescribeUserPool, Auth::kIam, true}},
      {"UpdateUserPool", {&S::UpdateUserPool, Auth::kIam, true}},
      {"ListUserPools", {&S::ListUserPools, Auth::kIam, false}},
      {"DeleteUserPool", {&S::DeleteUserPool, Auth::kIam, true}},
      {"CreateUserPoolClient", {&S::CreateUserPoolClient, Auth::kIam, true}},
      {"DescribeUserPoolClient", {&S::DescribeUserPoolClient, Auth::kIam, false}},
      {"UpdateUserPoolClient", {&S::UpdateUserPoolClient, Auth::kIam, true}},
      {"ListUserPoolClients", {&S::ListUserPoolClients, Auth::kIam, false}},
      {"DeleteUserPoolClient", {&S::DeleteUserPoolClient, Auth::kIam, true}},
      {"SignUp", {&S::SignUp, Auth::kPublic, true}},
      {"ConfirmSignUp", {&S::ConfirmSignUp, Auth::kPublic, true}},
      {"ResendConfirmationCode", {&S::ResendConfirmationCode, Auth::kPublic, true}},
      {"AdminCreateUser", {&S::AdminCreateUser, Auth::kIam, true}},
      {"AdminConfirmSignUp", {&S::AdminConfirmSignUp, Auth::kIam, true}},
      {"InitiateAuth", {&S::InitiateAuth, Auth::kPublic, true}},
      {"AdminInitiateAuth", {&S::AdminInitiateAuth, Auth::kIam, true}},
      {"RespondToAuthChallenge", {&S::RespondToAuthChallenge, Auth::kPublic, true}},
      {"AdminRespondToAuthChallenge", {&S::AdminRespondToAuthChallenge, Auth::kIam, true}},
      {"GetTokensFromRefreshToken", {&S::GetTokensFromRefreshToken, Auth::kPublic, true}},
      {"RevokeToken", {&S::RevokeToken, Auth::kPublic, true}},
      {"GlobalSignOut", {&S::GlobalSignOut, Auth::kAccessToken, true}},
      {"AdminUserGlobalSignOut", {&S::AdminUserGlobalSignOut, Auth::kIam, true}},
      {"GetUser", {&S::GetUser, Auth::kAccessToken, false}},
      {"AdminGetUser", {&S::AdminGetUser, Auth::kIam, false}},
      {"UpdateUserAttributes", {&S::UpdateUserAttributes, Auth::kAccessToken, true}},
      {"AdminUpdateUserAttributes", {&S::AdminUpdateUserAttributes, Auth::kIam, true}},
      {"DeleteUserAttributes", {&S::DeleteUserAttributes, Auth::kAccessToken, true}},
      {"AdminDeleteUserAttributes", {&S::AdminDeleteUserAttributes, Auth::kIam, true}},
      {"DeleteUser", {&S::DeleteUser, Auth::kAccessToken, true}},
      {"AdminDeleteUser", {&S::AdminDeleteUser, Auth::kIam, true}},
      {"AdminDisableUser", {&S::AdminDisableUser, Auth::kIam, true}},
      {"AdminEnableUser", {&S::AdminEnableUser, Auth::kIam, true}},
      {"AdminSetUserPassword", {&S::AdminSetUserPassword, Auth::kIam, true}},
      {"AdminResetUserPassword", {&S::AdminResetUserPassword, Auth::kIam, true}},
      {"ChangePassword", {&S::ChangePassword, Auth::kAccessToken, true}},
      {"ForgotPassword", {&S::ForgotPassword, Auth::kPublic, true}},
      {"ConfirmForgotPassword", {&S::ConfirmForgotPassword, Auth::kPublic, true}},
      {"GetUserAttributeVerificationCode", {&S::GetUserAttributeVerificationCode, Auth::kAccessToken, true}},
      {"VerifyUserAttribute", {&S::VerifyUserAttribute, Auth::kAccessToken, true}},
      {"AssociateSoftwareToken", {&S::AssociateSoftwareToken, Auth::kPublic, true}},
      {"VerifySoftwareToken", {&S::VerifySoftwareToken, Auth::kPublic, true}},
      {"SetUserMFAPreference", {&S::SetUserMFAPreference, Auth::kAccessToken, true}},
      {"AdminSetUserMFAPreference", {&S::AdminSetUserMFAPreference, Auth::kIam, true}},
      {"ConfirmDevice", {&S::ConfirmDevice, Auth::kAccessToken, true}},
      {"GetDevice", {&S::GetDevice, Auth::kAccessToken, false}},
      {"AdminGetDevice", {&S::AdminGetDevice, Auth::kIam, false}},
      {"ListDevices", {&S::ListDevices, Auth::kAccessToken, false}},
      {"AdminListDevices", {&S::AdminListDevices, Auth::kIam, false}},
      {"UpdateDeviceStatus", {&S::UpdateDeviceStatus, Auth::kAccessToken, true}},
      {"AdminUpdateDeviceStatus", {&S::AdminUpdateDeviceStatus, Auth::kIam, true}},
      {"ForgetDevice", {&S::ForgetDevice, Auth::kAccessToken, true}},
      {"AdminForgetDevice", {&S::AdminForgetDevice, Auth::kIam, true}},
      // A page is at most 60 rows read; a Filter may scan the whole pool.
      {"ListUsers", {&S::ListUsers, Auth::kIam, false, &S::ListUsersText, "\"Filter\""}},
      // Blocking: the list reads and unseals the user's whole stream; feedback appends.
      {"AdminListUserAuthEvents", {&S::AdminListUserAuthEvents, Auth::kIam, true}},
      {"AdminUpdateAuthEventFeedback", {&S::AdminUpdateAuthEventFeedback, Auth::kIam, true}},
      {"UpdateAuthEventFeedback", {&S::UpdateAuthEventFeedback, Auth::kPublic, true}},
      {"CreateGroup", {&S::CreateGroup, Auth::kIam, true}},
      {"GetGroup", {&S::GetGroup, Auth::kIam, false}},
      {"UpdateGroup", {&S::UpdateGroup, Auth::kIam, true}},
      {"DeleteGroup", {&S::DeleteGroup, Auth::kIam, true}},
      {"ListGroups", {&S::ListGroups, Auth::kIam, false}},
      {"AdminAddUserToGroup", {&S::AdminAddUserToGroup, Auth::kIam, true}},
      {"AdminRemoveUserFromGroup", {&S::AdminRemoveUserFromGroup, Auth::kIam, true}},
      {"AdminListGroupsForUser", {&S::AdminListGroupsForUser, Auth::kIam, false}},
      {"ListUsersInGroup", {&S::ListUsersInGroup, Auth::kIam, false}},
      {"SetUserPoolMfaConfig", {&S::SetUserPoolMfaConfig, Auth::kIam, true}},
      {"GetUserPoolMfaConfig", {&S::GetUserPoolMfaConfig, Auth::kIam, false}},
      {"TagResource", {&S::TagResource, Auth::kIam, true}},
      {"UntagResource", {&S::UntagResource, Auth::kIam, true}},
      {"ListTagsForResource", {&S::ListTagsForResource, Auth::kIam, false}},
      // Blocking: the first call makes a key pair and appends the certificate.
      {"GetSigningCertificate", {&S::GetSigningCertificate, Auth::kIam, true}},
  };
  return ops;
}

std::string Header(const HttpRequest& request, const char* name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? std::string() : it->second;
}

void AddCommonHeaders(HttpResponse& response, const HttpRequest& request) {
  response.headers.emplace_back("x-amzn-RequestId", crypto::NewUuidV4());
  const std::string origin = Header(request, "origin");
  response.headers.emplace_back("Access-Control-Allow-Origin", origin.empty() ? "*" : origin);
  response.headers.emplace_back("Access-Control-Expose-Headers",
                                "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date");
}

HttpResponse JsonResponse(const json& body, const char* content_type = "application/x-amz-json-1.1") {
  HttpResponse response;
  response.headers.emplace_back("Content-Type", content_type);
  response.body = body.dump();
  return response;
}

// Whether a refusal of `operation` is recorded in the log: every operation that would change
// something or authenticate, not reads (Get/Describe/List), and not the answers that mean the
// server itself could not cope (recording those would only add load).
bool RecordsRefusal(std::string_view operation, const DomainError& error) {
  if (error.recorded || error.code == ErrorCode::kInternalError || error.code == ErrorCode::kTooManyRequests) {
    return false;
  }
  if (operation == "GetUserAttributeVerificationCode") return true;  // sends a code: not a read
  for (std::string_view read : {"Get", "Describe", "List", "AdminGet", "AdminList"}) {
    if (operation.substr(0, read.size()) == read) return false;
  }
  return true;
}

std::string_view PathOf(const std::string& target) {
  std::string_view path = target;
  return path.substr(0, path.find('?'));
}

}  // namespace

CognitoApi::CognitoApi(UserPoolService& service, const Outbox* outbox,
                       std::map<std::string, std::string> admin_keys, audit::EventFeed* feed)
    : service_(service), outbox_(outbox), admin_keys_(std::move(admin_keys)), feed_(feed) {}

bool CognitoApi::IsBlocking(const HttpRequest& request) const {
  if (request.method != "POST") return false;
  const std::string target_header = Header(request, "x-amz-target");
  std::string_view target = target_header;
  if (target.substr(0, kAdminPrefix.size()) == kAdminPrefix) return true;  // deployments append
  if (target.substr(0, kIdpPrefix.size()) != kIdpPrefix) return false;
  auto it = Operations().find(target.substr(kIdpPrefix.size()));
  if (it == Operations().end() || it->second.blocking) return true;
  const std::string_view field = it->second.blocking_with_field;
  return !field.empty() && request.body.find(field) != std::string::npos;
}

HttpResponse CognitoApi::Handle(const HttpRequest& request) {
  HttpResponse response;
  if (request.method == "OPTIONS") {
    response.status = 200;
    response.headers.emplace_back("Access-Control-Allow-Methods", "POST, GET, OPTIONS");
    response.headers.emplace_back(
        "Access-Control-Allow-Headers",
        "content-type,x-amz-target,x-amz-user-agent,cache-control,authorization,x-amz-date,"
        "x-amz-security-token,x-amz-content-sha256,amz-sdk-invocation-id,amz-sdk-request");
    response.headers.emplace_back("Access-Control-Max-Age", "86400");
  } else if (request.method == "GET") {
    response = HandleGet(request);
  } else if (request.method == "POST") {
    response = HandleOperation(request);
  } else {
    response = ErrorResponse("UnknownOperationException", "Method not allowed", 405);
  }
  AddCommonHeaders(response, request);
  return response;
}

HttpResponse CognitoApi::HandleGet(const HttpRequest& request) {
  const std::string_view path = PathOf(request.target);
  constexpr std::string_view kJwks = "/.well-known/jwks.json";
  constexpr std::string_view kDiscovery = "/.well-known/openid-configuration";
  auto pool_of = [&](std::string_view suffix) -> std::string {
    if (path.size() <= suffix.size() + 1 || path.substr(path.size() - suffix.size()) != suffix) return "";
    return std::string(path.substr(1, path.size() - suffix.size() - 1));
  };
  Outcome<std::string> document = Reject(ErrorCode::kResourceNotFound, "Not found");
  if (std::string pool = pool_of(kJwks); !pool.empty()) {
    document = service_.Jwks(pool);  // serialised once per pool: the most fetched document
  } else if (std::string pool2 = pool_of(kDiscovery); !pool2.empty()) {
    auto discovery = service_.OpenIdConfiguration(pool2);
    if (discovery.ok()) document = discovery.value().dump();
    else document = discovery.error();
  }
  if (!document.ok()) {
    HttpResponse response = ErrorResponse(document.error());
    if (document.error().code == ErrorCode::kResourceNotFound) response.status = 404;
    return response;
  }
  HttpResponse response;
  response.headers.emplace_back("Content-Type", "application/json");
  response.headers.emplace_back("Cache-Control", "public, max-age=300");
  response.body = std::move(document).value();
  return response;
}

HttpResponse CognitoApi::HandleOperation(const HttpRequest& request) {
  const std::string target = Header(request, "x-amz-target");
  json body = request.body.empty() ? json::object() : json_parse::ParseOrDiscarded(request.body);
  if (body.is_discarded() || !body.is_object()) {
    return ErrorResponse("SerializationException", "Start of structure or map found where not expected.");
  }

  const bool admin_op = target.rfind(kAdminPrefix, 0) == 0;
  const Operation* op = nullptr;
  if (!admin_op) {
    if (target.rfind(kIdpPrefix, 0) != 0) {
      return ErrorResponse("UnknownOperationException", "Unknown operation " + target);
    }
    auto it = Operations().find(std::string_view(target).substr(kIdpPrefix.size()));
    if (it == Operations().end()) return ErrorResponse("UnknownOperationException", "Unknown operation " + target);
    op = &it->second;
  }

  CallContext ctx;
  ctx.source_ip = request.remote_address;
  ctx.user_agent = Header(request, "user-agent");
  if (auto it = body.find("ClientId"); it != body.end() && it->is_string()) ctx.client_id = it->get<std::string>();
  const std::string operation = target.substr(admin_op ? kAdminPrefix.size() : kIdpPrefix.size());
  auto refused = [&](HttpResponse response, const DomainError& error) {
    if (RecordsRefusal(operation, error)) {
      auto it = std::find_if(response.headers.begin(), response.headers.end(),
                             [](const auto& h) { return h.first == "x-amzn-ErrorType"; });
      const std::string name = it == response.headers.end() ? "" : it->second.substr(0, it->second.find(':'));
      Status recorded = service_.RecordRefusal(operation, name, error.message, body, ctx);
      if (!recorded.ok()) std::cerr << "cognate: recording a refused " << operation << ": " << recorded.ToString() << "\n";
    }
    return response;
  };
  if (admin_op || op->auth == Auth::kIam) {
    const std::string_view path = PathOf(request.target);
    const auto query_pos = request.target.find('?');
    SigV4Request signed_request{request.method, std::string(path),
                                query_pos == std::string::npos ? "" : request.target.substr(query_pos + 1),
                                &request.headers, request.body};
    auto verified = VerifySigV4(
        signed_request,
        [this](std::string_view key_id) -> std::optional<std::string> {
          auto it = admin_keys_.find(std::string(key_id));
          if (it == admin_keys_.end()) return std::nullopt;
          return it->second;
        },
        std::chrono::system_clock::now());
    if (!verified.ok()) {
      const std::string name = SigV4ErrorName(verified.status());
      const std::string message = SigV4ErrorMessage(verified.status());
      return refused(ErrorResponse(name, message, name == "IncompleteSignatureException" ? 400 : 403),
                     Reject(ErrorCode::kNotAuthorized, message));
    }
    ctx.actor = "admin:" + verified->access_key_id;
  }

  if (admin_op) {
    const std::string name = target.substr(kAdminPrefix.size());
    if (name == "ListOutbox") return ListOutbox(body);
    if (feed_ && name == "QueryEvents") {
      Outcome<json> page = feed_->Query(body);
      if (!page.ok()) return ErrorResponse(page.error());
      return JsonResponse(page.value());
    }
    if (feed_ && name == "TailEvents") return TailEvents(request, std::move(body));
    static const std::unordered_map<std::string_view, OpFn> admin_ops = {
        {"PutTrigger", &UserPoolService::PutTrigger},
        {"GetTrigger", &UserPoolService::GetTrigger},
        {"ListTriggers", &UserPoolService::ListTriggers},
        {"DeleteTrigger", &UserPoolService::DeleteTrigger},
    };
    auto it = admin_ops.find(name);
    if (it == admin_ops.end()) return ErrorResponse("UnknownOperationException", "Unknown operation " + target);
    Outcome<json> result = (service_.*(it->second))(body, ctx);
    if (!result.ok()) return refused(ErrorResponse(result.error()), result.error());
    return JsonResponse(result.value());
  }
  if (op->text_fn != nullptr) {
    Outcome<std::string> text = (service_.*(op->text_fn))(body, ctx);
    if (!text.ok()) return refused(ErrorResponse(text.error()), text.error());
    HttpResponse response;
    response.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
    response.body = std::move(text).value();
    return response;
  }
  Outcome<json> result = (service_.*(op->fn))(body, ctx);
  if (!result.ok()) return refused(ErrorResponse(result.error()), result.error());
  return JsonResponse(result.value());
}

HttpResponse CognitoApi::TailEvents(const HttpRequest& request, json body) {
  const bool sse = Header(request, "accept").find("text/event-stream") != std::string::npos;
  const std::string last_event_id = Header(request, "last-event-id");
  if (sse && !last_event_id.empty() && last_event_id.find_first_not_of("0123456789") == std::string::npos &&
      last_event_id.size() < 20) {
    body["FromSequence"] = std::stoull(last_event_id) + 1;  // an EventSource reconnecting
  }
  Outcome<std::unique_ptr<audit::EventFeed::Tail>> started = feed_->StartTail(body);
  if (!started.ok()) return ErrorResponse(started.error());
  std::shared_ptr<audit::EventFeed::Tail> tail = std::move(started).value();
  HttpResponse response;
  response.headers.emplace_back("Content-Type", sse ? "text/event-stream" : "application/x-ndjson");
  response.headers.emplace_back("Cache-Control", "no-cache");
  // A heartbeat after a quiet spell lets the client (and the server) notice a dead connection.
  constexpr auto kHeartbeat = std::chrono::seconds(15);
  auto quiet_since = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  auto failed = std::make_shared<bool>(false);
  response.stream = [tail, sse, quiet_since, failed, kHeartbeat](std::chrono::milliseconds max_wait) -> std::optional<std::string> {
    if (*failed) return std::nullopt;  // the error line went out last time
    Result<std::vector<json>> events = tail->Next(max_wait);
    if (!events.ok()) {
      *failed = true;
      const json error = {{"error", events.status().message()}, {"next_sequence", tail->next_sequence()}};
      return sse ? "event: error\ndata: " + error.dump() + "\n\n" : error.dump() + "\n";
    }
    const auto now = std::chrono::steady_clock::now();
    if (events->empty()) {
      if (now - *quiet_since < kHeartbeat) return std::string();
      *quiet_since = now;
      return sse ? std::string(": heartbeat\n\n") : std::string("\n");
    }
    *quiet_since = now;
    std::string chunk;
    for (const json& event : *events) {
      if (sse) {
        // The event's id is its sequence, so a reconnecting client resumes after it.
        chunk += "id: ";
        chunk += std::to_string(event.value("sequence", uint64_t{0}));
        chunk += "\ndata: ";
        chunk += event.dump();
        chunk += "\n\n";
      } else {
        chunk += event.dump();
        chunk += '\n';
      }
    }
    return chunk;
  };
  return response;
}

HttpResponse CognitoApi::ListOutbox(const json& body) {
  if (!outbox_) return ErrorResponse("InvalidParameterException", "This server delivers messages elsewhere; it has no outbox.");
  auto user = service_.InternalUsername(body);
  if (!user.ok()) return ErrorResponse(user.error());
  json messages = json::array();
  for (const auto& m : outbox_->List(body.value("UserPoolId", ""), user.value())) {
    messages.push_back({{"Destination", m.destination},
                        {"DeliveryMedium", m.delivery_medium},
                        {"Subject", m.subject},
                        {"Body", m.body},
                        {"Code", m.code},
                        {"CreatedAt", wire::Timestamp(m.created_at_ms)}});
  }
  return JsonResponse({{"Messages", messages}});
}

}  // namespace cognate::api
