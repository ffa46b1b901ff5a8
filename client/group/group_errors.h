// The Kafka error codes the group membership branches on
// (kafka.apache.org/protocol, "Error Codes"). client/kafka_error.h holds the
// client core's subset; these are the group ones it lacks.
#pragma once

#include <cstdint>

namespace cairn::client::group::errors {

inline constexpr int16_t kNone = 0;
inline constexpr int16_t kCoordinatorLoadInProgress = 14;
inline constexpr int16_t kCoordinatorNotAvailable = 15;
inline constexpr int16_t kNotCoordinator = 16;
inline constexpr int16_t kIllegalGeneration = 22;
inline constexpr int16_t kInconsistentGroupProtocol = 23;
inline constexpr int16_t kInvalidGroupId = 24;
inline constexpr int16_t kUnknownMemberId = 25;
inline constexpr int16_t kInvalidSessionTimeout = 26;
inline constexpr int16_t kRebalanceInProgress = 27;
inline constexpr int16_t kGroupAuthorizationFailed = 30;
inline constexpr int16_t kUnsupportedVersion = 35;
inline constexpr int16_t kGroupMaxSizeReached = 81;
inline constexpr int16_t kMemberIdRequired = 79;
inline constexpr int16_t kFencedInstanceId = 82;

// Errors after which the member cannot go on (the Java client throws them
// to the application): the membership stops in State::kFailed.
inline bool IsFatalGroupError(int16_t code) {
  return code == kInconsistentGroupProtocol || code == kInvalidGroupId || code == kInvalidSessionTimeout ||
         code == kGroupAuthorizationFailed || code == kUnsupportedVersion || code == kGroupMaxSizeReached ||
         code == kFencedInstanceId;
}

}  // namespace cairn::client::group::errors
