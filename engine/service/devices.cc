// Devices: with the pool's DeviceConfiguration, a sign-in from an unknown device returns
// NewDeviceMetadata; the client confirms the device with the verifier of a secret only it knows
// (ConfirmDevice), and a remembered device later signs in with DEVICE_SRP_AUTH and skips MFA.
// Devices live in the user's stream; the operations below read, remember, forget and list them.
#include "engine/crypto/encoding.h"
#include "engine/service/paging.h"
#include "engine/service/user_pool_service.h"
#include "engine/service/wire.h"
#include "engine/user/user_events.h"

namespace cognate {
namespace {

const DomainError kNoDevice = Reject(ErrorCode::kResourceNotFound, "Device does not exist.");

nlohmann::json DeviceView(const DeviceState& device) {
  nlohmann::json attributes = nlohmann::json::array({{{"Name", "device_status"}, {"Value", "valid"}},
                                                     {{"Name", "dev:device_remembered_status"}, {"Value", device.status}}});
  if (!device.name.empty()) attributes.push_back({{"Name", "device_name"}, {"Value", device.name}});
  nlohmann::json view = {{"DeviceKey", device.key},
                         {"DeviceAttributes", attributes},
                         {"DeviceCreateDate", wire::Timestamp(device.created_at_ms)},
                         {"DeviceLastModifiedDate", wire::Timestamp(device.modified_at_ms)}};
  if (device.last_authenticated_at_ms != 0) view["DeviceLastAuthenticatedDate"] = wire::Timestamp(device.last_authenticated_at_ms);
  return view;
}

Outcome<std::string> DeviceStatus(const nlohmann::json& request) {
  auto status = wire::OptionalString(request, "DeviceRememberedStatus");
  if (!status.ok()) return status.error();
  if (status.value() != "remembered" && status.value() != "not_remembered") {
    return Reject(ErrorCode::kInvalidParameter,
                  "1 validation error detected: Value at 'deviceRememberedStatus' failed to satisfy constraint: "
                  "Member must satisfy enum value set: [remembered, not_remembered]");
  }
  return status;
}

// The page of the user's confirmed devices after `token`, at most `limit` (Cognito's default 60).
Outcome<nlohmann::json> DevicesPage(const UserState& user, const nlohmann::json& request) {
  auto limit = wire::OptionalInt(request, "Limit", 0, 60);
  if (!limit.ok()) return limit.error();
  auto token = wire::OptionalString(request, "PaginationToken");
  if (!token.ok()) return token.error();
  std::string after;
  if (!token->empty()) {
    auto decoded = DecodePageToken(token.value());
    if (!decoded.ok()) return Reject(ErrorCode::kInvalidParameter, "Invalid pagination token.");
    after = *decoded;
  }
  const size_t max = limit->value_or(0) > 0 ? static_cast<size_t>(limit.value().value_or(60)) : 60;
  nlohmann::json devices = nlohmann::json::array();
  nlohmann::json out = nlohmann::json::object();
  for (auto it = user.devices.upper_bound(after); it != user.devices.end(); ++it) {
    if (!it->second.confirmed) continue;
    if (devices.size() == max) {
      out["PaginationToken"] = PageToken(devices.back().value("DeviceKey", ""));
      break;
    }
    devices.push_back(DeviceView(it->second));
  }
  out["Devices"] = std::move(devices);
  return out;
}

}  // namespace

Outcome<nlohmann::json> UserPoolService::ConfirmDevice(const json& request, const CallContext& ctx) {
  auto device_key = wire::RequiredString(request, "DeviceKey", 1, 55);
  if (!device_key.ok()) return device_key.error();
  auto name = wire::OptionalString(request, "DeviceName");
  if (!name.ok()) return name.error();
  const json config = request.value("DeviceSecretVerifierConfig", json::object());
  if (!config.is_object() || !config.value("PasswordVerifier", json()).is_string() || !config.value("Salt", json()).is_string()) {
    return Reject(ErrorCode::kInvalidParameter, "DeviceSecretVerifierConfig needs PasswordVerifier and Salt.");
  }
  // The clients send base64 of padHex(v) and padHex(salt) as bytes.
  auto verifier = crypto::Base64Decode(config.value("PasswordVerifier", ""));
  auto salt = crypto::Base64Decode(config.value("Salt", ""));
  if (!verifier.ok() || !salt.ok() || verifier->empty() || salt->empty()) {
    return Reject(ErrorCode::kInvalidParameter, "DeviceSecretVerifierConfig is not base64.");
  }
  auto info = ValidateAccessToken(request);
  if (!info.ok()) return info.error();
  const PoolState pool = *info->pool;
  const PoolSettings settings = ReadPoolSettings(pool.config);
  // Remembered at once unless the pool leaves that to the user (UpdateDeviceStatus).
  const bool ask_user = settings.device_only_remembered_on_user_prompt;
  auto done = MutateUser(
      SelfLoader(pool.id, info->user.sub),
      [&](const UserState& user) -> Outcome<Events> {
        auto it = user.devices.find(device_key.value());
        if (it == user.devices.end()) return kNoDevice;
        json data = {{"device_key", device_key.value()},
                     {"group_key", it->second.group_key},
                     {"status", ask_user ? "not_remembered" : "remembered"},
                     {"srp_salt", crypto::HexEncode(*salt)},
                     {"srp_verifier_sealed", SealSecret(*verifier, "device/" + pool.id + "/" + device_key.value())}};
        if (!name->empty()) data["name"] = name.value();
        return Events{MakeEvent(user_events::kDeviceConfirmed, data)};
      },
      ctx);
  if (!done.ok()) return done.error();
  return json{{"UserConfirmationNecessary", ask_user}};
}

Outcome<nlohmann::json> UserPoolService::GetDevice(const json& request, const CallContext&) {
  auto device_key = wire::RequiredString(request, "DeviceKey", 1, 55);
  if (!device_key.ok()) return device_key.error();
  auto info = ValidateAccessToken(request);
  if (!info.ok()) return info.error();
  auto it = info->user.devices.find(device_key.value());
  if (it == info->user.devices.end() || !it->second.confirmed) return kNoDevice;
  return json{{"Device", DeviceView(it->second)}};
}

Outcome<nlohmann::json> UserPoolService::AdminGetDevice(const json& request, const CallContext&) {
  auto device_key = wire::RequiredString(request, "DeviceKey", 1, 55);
  if (!device_key.ok()) return device_key.error();
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto user = RequireUser(pool.value(), request);
  if (!user.ok()) return user.error();
  auto it = user->devices.find(device_key.value());
  if (it == user->devices.end() || !it->second.confirmed) return kNoDevice;
  return json{{"Device", DeviceView(it->second)}};
}

Outcome<nlohmann::json> UserPoolService::ListDevices(const json& request, const CallContext&) {
  auto info = ValidateAccessToken(request);
  if (!info.ok()) return info.error();
  return DevicesPage(info->user, request);
}

Outcome<nlohmann::json> UserPoolService::AdminListDevices(const json& request, const CallContext&) {
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto user = RequireUser(pool.value(), request);
  if (!user.ok()) return user.error();
  return DevicesPage(user.value(), request);
}

namespace {

// The event an UpdateDeviceStatus asks for, none when the status is already that.
Outcome<Events> DecideDeviceStatus(const UserState& user, const std::string& device_key, const std::string& status,
                                   const char* via) {
  auto it = user.devices.find(device_key);
  if (it == user.devices.end() || !it->second.confirmed) return kNoDevice;
  if (it->second.status == status) return Events{};
  return Events{MakeEvent(user_events::kDeviceStatusUpdated, {{"device_key", device_key}, {"status", status}, {"via", via}})};
}

Outcome<Events> DecideForget(const UserState& user, const std::string& device_key, const char* via) {
  if (!user.devices.count(device_key)) return kNoDevice;
  return Events{MakeEvent(user_events::kDeviceForgotten, {{"device_key", device_key}, {"via", via}})};
}

}  // namespace

Outcome<nlohmann::json> UserPoolService::UpdateDeviceStatus(const json& request, const CallContext& ctx) {
  auto device_key = wire::RequiredString(request, "DeviceKey", 1, 55);
  if (!device_key.ok()) return device_key.error();
  auto status = DeviceStatus(request);
  if (!status.ok()) return status.error();
  auto info = ValidateAccessToken(request);
  if (!info.ok()) return info.error();
  auto done = MutateUser(SelfLoader(info->pool->id, info->user.sub),
                         [&](const UserState& user) { return DecideDeviceStatus(user, device_key.value(), status.value(), "self"); },
                         ctx);
  if (!done.ok()) return done.error();
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::AdminUpdateDeviceStatus(const json& request, const CallContext& ctx) {
  auto device_key = wire::RequiredString(request, "DeviceKey", 1, 55);
  if (!device_key.ok()) return device_key.error();
  auto status = DeviceStatus(request);
  if (!status.ok()) return status.error();
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto done = MutateUser([&]() { return RequireUser(pool.value(), request); },
                         [&](const UserState& user) { return DecideDeviceStatus(user, device_key.value(), status.value(), "admin"); },
                         ctx);
  if (!done.ok()) return done.error();
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::ForgetDevice(const json& request, const CallContext& ctx) {
  auto device_key = wire::RequiredString(request, "DeviceKey", 1, 55);
  if (!device_key.ok()) return device_key.error();
  auto info = ValidateAccessToken(request);
  if (!info.ok()) return info.error();
  auto done = MutateUser(SelfLoader(info->pool->id, info->user.sub),
                         [&](const UserState& user) { return DecideForget(user, device_key.value(), "self"); }, ctx);
  if (!done.ok()) return done.error();
  return json::object();
}

Outcome<nlohmann::json> UserPoolService::AdminForgetDevice(const json& request, const CallContext& ctx) {
  auto device_key = wire::RequiredString(request, "DeviceKey", 1, 55);
  if (!device_key.ok()) return device_key.error();
  auto pool = LoadPool(request);
  if (!pool.ok()) return pool.error();
  auto done = MutateUser([&]() { return RequireUser(pool.value(), request); },
                         [&](const UserState& user) { return DecideForget(user, device_key.value(), "admin"); }, ctx);
  if (!done.ok()) return done.error();
  return json::object();
}

}  // namespace cognate
