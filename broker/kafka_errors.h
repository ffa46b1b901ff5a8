// Kafka error codes exist only at the wire (DESIGN.md §9): ToKafkaError is the
// one function that turns an absl::Status into the code a response carries.
// Codes are Kafka's (clients/.../common/protocol/Errors.java); enumerators are
// its names in Google style (UNKNOWN_TOPIC_OR_PARTITION → kUnknownTopicOrPartition)
// and KafkaErrorName gives Kafka's own spelling.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"

namespace cairn::broker {

enum class KafkaError : int16_t {
  kUnknownServerError = -1,
  kNone = 0,
  kOffsetOutOfRange = 1,
  kCorruptMessage = 2,
  kUnknownTopicOrPartition = 3,
  kInvalidFetchSize = 4,
  kLeaderNotAvailable = 5,
  kNotLeaderOrFollower = 6,
  kRequestTimedOut = 7,
  kBrokerNotAvailable = 8,
  kReplicaNotAvailable = 9,
  kMessageTooLarge = 10,
  kOffsetMetadataTooLarge = 12,
  kNetworkException = 13,
  kCoordinatorLoadInProgress = 14,
  kCoordinatorNotAvailable = 15,
  kNotCoordinator = 16,
  kInvalidTopicException = 17,
  kRecordListTooLarge = 18,
  kNotEnoughReplicas = 19,
  kNotEnoughReplicasAfterAppend = 20,
  kInvalidRequiredAcks = 21,
  kIllegalGeneration = 22,
  kInconsistentGroupProtocol = 23,
  kInvalidGroupId = 24,
  kUnknownMemberId = 25,
  kInvalidSessionTimeout = 26,
  kRebalanceInProgress = 27,
  kInvalidCommitOffsetSize = 28,
  kTopicAuthorizationFailed = 29,
  kGroupAuthorizationFailed = 30,
  kClusterAuthorizationFailed = 31,
  kInvalidTimestamp = 32,
  kUnsupportedVersion = 35,
  kTopicAlreadyExists = 36,
  kInvalidPartitions = 37,
  kInvalidReplicationFactor = 38,
  kInvalidReplicaAssignment = 39,
  kInvalidConfig = 40,
  kNotController = 41,
  kInvalidRequest = 42,
  kPolicyViolation = 44,
  kOutOfOrderSequenceNumber = 45,
  kDuplicateSequenceNumber = 46,
  kInvalidProducerEpoch = 47,
  kKafkaStorageError = 56,
  kSaslAuthenticationFailed = 58,
  kUnknownProducerId = 59,
  kNonEmptyGroup = 68,
  kGroupIdNotFound = 69,
  kFencedLeaderEpoch = 74,
  kUnknownLeaderEpoch = 75,
  kMemberIdRequired = 79,
  kGroupMaxSizeReached = 81,
  kFencedInstanceId = 82,
  kGroupSubscribedToTopic = 86,
  kInvalidRecord = 87,
  kThrottlingQuotaExceeded = 89,
};

// The int16 written into error_code fields.
inline int16_t ErrorCode(KafkaError error) { return static_cast<int16_t>(error); }

// The single Status → Kafka mapping.
//  1. OK → NONE.
//  2. An ErrorReason payload (common/error_reason.h) decides when present:
//     each reason names exactly one Kafka code (see the table in the .cc).
//  3. Otherwise the canonical code decides:
//       NotFound           → UNKNOWN_TOPIC_OR_PARTITION
//       OutOfRange         → OFFSET_OUT_OF_RANGE
//       InvalidArgument    → INVALID_REQUEST
//       AlreadyExists      → TOPIC_ALREADY_EXISTS
//       DeadlineExceeded   → REQUEST_TIMED_OUT
//       Cancelled          → REQUEST_TIMED_OUT (outcome unknown: retry)
//       Unavailable        → NOT_LEADER_OR_FOLLOWER (style.md: "Unavailable (not leader)")
//       Unimplemented      → UNSUPPORTED_VERSION
//       Unauthenticated    → SASL_AUTHENTICATION_FAILED
//       DataLoss, Internal, Unknown, ResourceExhausted, PermissionDenied,
//       FailedPrecondition → KAFKA_STORAGE_ERROR (the disk or the file seam)
//       Aborted            → UNKNOWN_SERVER_ERROR
//     A client-caused error (a bad batch CRC) must carry a reason
//     (kCorruptRecord): a bare DataLoss means our own bytes went bad.
KafkaError ToKafkaError(const absl::Status& status);

// Kafka's name ("UNKNOWN_TOPIC_OR_PARTITION"); "UNKNOWN_SERVER_ERROR" for a
// value outside the enum.
const char* KafkaErrorName(KafkaError error);

// What a response's nullable error_message field carries: nothing for OK, the
// status message otherwise (null when the message is empty).
std::optional<std::string> KafkaErrorMessage(const absl::Status& status);

}  // namespace cairn::broker
