// The user aggregate's events: Evolve folds them into UserState, ProjectUserEvent turns them into
// read-model rows and claims. Both are pure; Evolve never fails and ignores unknown types.
#pragma once

#include <cstdint>

#include "engine/event.h"
#include "engine/projection.h"
#include "engine/user/user_state.h"

namespace cognate {

namespace user_events {
inline constexpr char kSignedUp[] = "user.signed_up";
inline constexpr char kCreated[] = "user.created";
inline constexpr char kCodeSent[] = "user.code.sent";
inline constexpr char kCodeRejected[] = "user.code.rejected";
inline constexpr char kConfirmed[] = "user.confirmed";
inline constexpr char kPasswordChanged[] = "user.password.changed";
inline constexpr char kPasswordResetRequired[] = "user.password.reset_required";
inline constexpr char kAttributesUpdated[] = "user.attributes.updated";
inline constexpr char kDisabled[] = "user.disabled";
inline constexpr char kEnabled[] = "user.enabled";
inline constexpr char kDeleted[] = "user.deleted";
inline constexpr char kPersonalDataErased[] = "user.personal_data.erased";
inline constexpr char kSignedIn[] = "user.signed_in";
inline constexpr char kSignInFailed[] = "user.sign_in.failed";
inline constexpr char kTokensRefreshed[] = "user.tokens.refreshed";
inline constexpr char kTokenRevoked[] = "user.token.revoked";
inline constexpr char kSignedOut[] = "user.signed_out";
inline constexpr char kGroupJoined[] = "user.group.joined";
inline constexpr char kGroupLeft[] = "user.group.left";
inline constexpr char kTotpAssociated[] = "user.mfa.totp_associated";
inline constexpr char kTotpVerified[] = "user.mfa.totp_verified";
inline constexpr char kMfaPreferenceSet[] = "user.mfa.preference_set";
inline constexpr char kDeviceConfirmed[] = "user.device.confirmed";
inline constexpr char kDeviceStatusUpdated[] = "user.device.status_updated";
inline constexpr char kDeviceForgotten[] = "user.device.forgotten";
inline constexpr char kMessageDelivered[] = "user.message.delivered";
inline constexpr char kMessageDeliveryFailed[] = "user.message.delivery_failed";
inline constexpr char kAuthEventFeedbackGiven[] = "user.auth_event.feedback_given";
}  // namespace user_events

// The stream and row key of a user.
std::string UserStream(const std::string& pool_id, const std::string& sub);
std::string UserRowKey(const std::string& pool_id, const std::string& sub);

// Applies one event that occurred at `at_ms` to `state`.
void EvolveUser(UserState& state, const Event& event, int64_t at_ms);

// Rows and claims for `event`, given the state before and after it: ProjectUserEventExceptRow
// followed by UserRow(after).
ProjectionWrites ProjectUserEvent(const UserState& before, const UserState& after,
                                  const Event& event);

// What `event` writes besides the user's own row: claims, group memberships and the records of a
// sign-in. They depend on the event and on the login keys and groups before it.
ProjectionWrites ProjectUserEventExceptRow(const UserState& before, const UserState& after,
                                           const Event& event);

// The user's own row as of `state`: its JSON, or its deletion once the user is deleted. A replay
// that folds several events of one user writes it once, for the last.
RowWrite UserRow(const UserState& state);

}  // namespace cognate
