// A domain error vocabulary carried as an absl::Status payload, so that layers
// below the broker (storage, the controller) can say precisely what went wrong
// without knowing Kafka error codes. broker/kafka_errors.h turns a Status into
// the wire code; a reason, when present, decides it (DESIGN.md §9).
#pragma once

#include <optional>
#include <string_view>

#include "absl/status/status.h"

namespace cairn {

enum class ErrorReason {
  // Produce and the record batch.
  kRecordTooLarge,        // a batch larger than max.message.bytes
  kCorruptRecord,         // a batch whose CRC does not match its bytes
  kInvalidRecord,         // a malformed batch: counts, deltas or lengths that lie
  kInvalidTimestamp,
  kOffsetOutOfRange,
  kNotEnoughReplicas,     // |ISR| < min.insync.replicas
  kInvalidRequiredAcks,   // acks other than -1, 0 or 1
  // Topics, partitions and their configs.
  kUnknownTopicOrPartition,
  kTopicAlreadyExists,
  kInvalidTopic,
  kInvalidPartitions,
  kInvalidReplicationFactor,
  kInvalidReplicaAssignment,
  kInvalidConfig,
  kPolicyViolation,
  // Leadership and the controller.
  kNotLeader,
  kLeaderNotAvailable,
  kFencedLeaderEpoch,     // the request's leader epoch is older than ours
  kUnknownLeaderEpoch,    // the request's leader epoch is newer than ours
  kNotController,
  // Idempotent producers.
  kOutOfOrderSequence,
  kDuplicateSequence,
  kInvalidProducerEpoch,
  kUnknownProducerId,
  // Consumer groups.
  kCoordinatorLoadInProgress,
  kCoordinatorNotAvailable,
  kNotCoordinator,
  kIllegalGeneration,
  kInconsistentGroupProtocol,
  kInvalidGroupId,
  kUnknownMemberId,
  kInvalidSessionTimeout,
  kRebalanceInProgress,
  kGroupIdNotFound,
  kNonEmptyGroup,
  kMemberIdRequired,
  kGroupMaxSizeReached,
  kFencedInstanceId,
  // Requests, authorization and limits.
  kInvalidRequest,
  kUnsupportedVersion,
  kTopicAuthorizationFailed,
  kClusterAuthorizationFailed,
  kThrottled,
  // The disk: the partition (or the store) cannot serve writes.
  kStorageError,
};

inline constexpr ErrorReason kLastErrorReason = ErrorReason::kStorageError;

// The payload type URL under which the reason's name is stored.
inline constexpr std::string_view kErrorReasonPayloadUrl = "type.cairn/reason";

// Returns `status` with `reason` attached (replacing any earlier reason). An
// OK status stays OK: payloads cannot be attached to it.
absl::Status WithReason(absl::Status status, ErrorReason reason);

// The reason attached to `status`, if any (never for an OK status).
std::optional<ErrorReason> GetReason(const absl::Status& status);

// A stable snake_case name ("record_too_large"), also the payload's value.
const char* ReasonName(ErrorReason reason);

// `status` with its message prefixed by "`context`: ", keeping the code and
// every payload (so the reason survives). absl::Status(code, message) would
// drop the payloads.
absl::Status WithContext(const absl::Status& status, std::string_view context);

}  // namespace cairn
