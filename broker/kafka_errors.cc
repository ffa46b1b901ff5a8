// The Status → Kafka error code mapping: reasons first, then canonical codes.
#include "broker/kafka_errors.h"

#include "common/error_reason.h"

namespace cairn::broker {

namespace {

KafkaError FromReason(ErrorReason reason) {
  switch (reason) {
    case ErrorReason::kRecordTooLarge: return KafkaError::kMessageTooLarge;
    case ErrorReason::kCorruptRecord: return KafkaError::kCorruptMessage;
    case ErrorReason::kInvalidRecord: return KafkaError::kInvalidRecord;
    case ErrorReason::kInvalidTimestamp: return KafkaError::kInvalidTimestamp;
    case ErrorReason::kOffsetOutOfRange: return KafkaError::kOffsetOutOfRange;
    case ErrorReason::kNotEnoughReplicas: return KafkaError::kNotEnoughReplicas;
    case ErrorReason::kInvalidRequiredAcks: return KafkaError::kInvalidRequiredAcks;
    case ErrorReason::kUnknownTopicOrPartition: return KafkaError::kUnknownTopicOrPartition;
    case ErrorReason::kTopicAlreadyExists: return KafkaError::kTopicAlreadyExists;
    case ErrorReason::kInvalidTopic: return KafkaError::kInvalidTopicException;
    case ErrorReason::kInvalidPartitions: return KafkaError::kInvalidPartitions;
    case ErrorReason::kInvalidReplicationFactor: return KafkaError::kInvalidReplicationFactor;
    case ErrorReason::kInvalidReplicaAssignment: return KafkaError::kInvalidReplicaAssignment;
    case ErrorReason::kInvalidConfig: return KafkaError::kInvalidConfig;
    case ErrorReason::kPolicyViolation: return KafkaError::kPolicyViolation;
    case ErrorReason::kNotLeader: return KafkaError::kNotLeaderOrFollower;
    case ErrorReason::kLeaderNotAvailable: return KafkaError::kLeaderNotAvailable;
    case ErrorReason::kFencedLeaderEpoch: return KafkaError::kFencedLeaderEpoch;
    case ErrorReason::kUnknownLeaderEpoch: return KafkaError::kUnknownLeaderEpoch;
    case ErrorReason::kNotController: return KafkaError::kNotController;
    case ErrorReason::kOutOfOrderSequence: return KafkaError::kOutOfOrderSequenceNumber;
    case ErrorReason::kDuplicateSequence: return KafkaError::kDuplicateSequenceNumber;
    case ErrorReason::kInvalidProducerEpoch: return KafkaError::kInvalidProducerEpoch;
    case ErrorReason::kUnknownProducerId: return KafkaError::kUnknownProducerId;
    case ErrorReason::kCoordinatorLoadInProgress: return KafkaError::kCoordinatorLoadInProgress;
    case ErrorReason::kCoordinatorNotAvailable: return KafkaError::kCoordinatorNotAvailable;
    case ErrorReason::kNotCoordinator: return KafkaError::kNotCoordinator;
    case ErrorReason::kIllegalGeneration: return KafkaError::kIllegalGeneration;
    case ErrorReason::kInconsistentGroupProtocol: return KafkaError::kInconsistentGroupProtocol;
    case ErrorReason::kInvalidGroupId: return KafkaError::kInvalidGroupId;
    case ErrorReason::kUnknownMemberId: return KafkaError::kUnknownMemberId;
    case ErrorReason::kInvalidSessionTimeout: return KafkaError::kInvalidSessionTimeout;
    case ErrorReason::kRebalanceInProgress: return KafkaError::kRebalanceInProgress;
    case ErrorReason::kGroupIdNotFound: return KafkaError::kGroupIdNotFound;
    case ErrorReason::kNonEmptyGroup: return KafkaError::kNonEmptyGroup;
    case ErrorReason::kMemberIdRequired: return KafkaError::kMemberIdRequired;
    case ErrorReason::kGroupMaxSizeReached: return KafkaError::kGroupMaxSizeReached;
    case ErrorReason::kFencedInstanceId: return KafkaError::kFencedInstanceId;
    case ErrorReason::kInvalidRequest: return KafkaError::kInvalidRequest;
    case ErrorReason::kUnsupportedVersion: return KafkaError::kUnsupportedVersion;
    case ErrorReason::kTopicAuthorizationFailed: return KafkaError::kTopicAuthorizationFailed;
    case ErrorReason::kClusterAuthorizationFailed: return KafkaError::kClusterAuthorizationFailed;
    case ErrorReason::kThrottled: return KafkaError::kThrottlingQuotaExceeded;
    case ErrorReason::kStorageError: return KafkaError::kKafkaStorageError;
  }
  return KafkaError::kUnknownServerError;
}

KafkaError FromCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return KafkaError::kNone;
    case absl::StatusCode::kNotFound:
      return KafkaError::kUnknownTopicOrPartition;
    case absl::StatusCode::kOutOfRange:
      return KafkaError::kOffsetOutOfRange;
    case absl::StatusCode::kInvalidArgument:
      // A request we could decode but whose contents make no sense.
      return KafkaError::kInvalidRequest;
    case absl::StatusCode::kAlreadyExists:
      return KafkaError::kTopicAlreadyExists;
    case absl::StatusCode::kDeadlineExceeded:
      return KafkaError::kRequestTimedOut;
    case absl::StatusCode::kCancelled:
      // Abandoned (shutdown, a cancelled timer): whether it took effect is
      // unknown, so the client must retry, as after a timeout.
      return KafkaError::kRequestTimedOut;
    case absl::StatusCode::kUnavailable:
      // Our convention for "not (or no longer) the leader here": the client
      // refreshes its metadata and retries elsewhere.
      return KafkaError::kNotLeaderOrFollower;
    case absl::StatusCode::kUnimplemented:
      return KafkaError::kUnsupportedVersion;
    case absl::StatusCode::kUnauthenticated:
      return KafkaError::kSaslAuthenticationFailed;
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kFailedPrecondition:
      // What io/ reports for EIO, ENOSPC, EACCES, ENOTDIR and checksum
      // failures of our own files: the disk, not the request.
      return KafkaError::kKafkaStorageError;
    case absl::StatusCode::kAborted:
      // No Kafka equivalent; code that needs one attaches a reason.
      return KafkaError::kUnknownServerError;
    default:
      return KafkaError::kUnknownServerError;
  }
}

}  // namespace

KafkaError ToKafkaError(const absl::Status& status) {
  if (status.ok()) return KafkaError::kNone;
  if (std::optional<ErrorReason> reason = GetReason(status)) return FromReason(*reason);
  return FromCode(status.code());
}

const char* KafkaErrorName(KafkaError error) {
  switch (error) {
    case KafkaError::kUnknownServerError: return "UNKNOWN_SERVER_ERROR";
    case KafkaError::kNone: return "NONE";
    case KafkaError::kOffsetOutOfRange: return "OFFSET_OUT_OF_RANGE";
    case KafkaError::kCorruptMessage: return "CORRUPT_MESSAGE";
    case KafkaError::kUnknownTopicOrPartition: return "UNKNOWN_TOPIC_OR_PARTITION";
    case KafkaError::kInvalidFetchSize: return "INVALID_FETCH_SIZE";
    case KafkaError::kLeaderNotAvailable: return "LEADER_NOT_AVAILABLE";
    case KafkaError::kNotLeaderOrFollower: return "NOT_LEADER_OR_FOLLOWER";
    case KafkaError::kRequestTimedOut: return "REQUEST_TIMED_OUT";
    case KafkaError::kBrokerNotAvailable: return "BROKER_NOT_AVAILABLE";
    case KafkaError::kReplicaNotAvailable: return "REPLICA_NOT_AVAILABLE";
    case KafkaError::kMessageTooLarge: return "MESSAGE_TOO_LARGE";
    case KafkaError::kOffsetMetadataTooLarge: return "OFFSET_METADATA_TOO_LARGE";
    case KafkaError::kNetworkException: return "NETWORK_EXCEPTION";
    case KafkaError::kCoordinatorLoadInProgress: return "COORDINATOR_LOAD_IN_PROGRESS";
    case KafkaError::kCoordinatorNotAvailable: return "COORDINATOR_NOT_AVAILABLE";
    case KafkaError::kNotCoordinator: return "NOT_COORDINATOR";
    case KafkaError::kInvalidTopicException: return "INVALID_TOPIC_EXCEPTION";
    case KafkaError::kRecordListTooLarge: return "RECORD_LIST_TOO_LARGE";
    case KafkaError::kNotEnoughReplicas: return "NOT_ENOUGH_REPLICAS";
    case KafkaError::kNotEnoughReplicasAfterAppend: return "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
    case KafkaError::kInvalidRequiredAcks: return "INVALID_REQUIRED_ACKS";
    case KafkaError::kIllegalGeneration: return "ILLEGAL_GENERATION";
    case KafkaError::kInconsistentGroupProtocol: return "INCONSISTENT_GROUP_PROTOCOL";
    case KafkaError::kInvalidGroupId: return "INVALID_GROUP_ID";
    case KafkaError::kUnknownMemberId: return "UNKNOWN_MEMBER_ID";
    case KafkaError::kInvalidSessionTimeout: return "INVALID_SESSION_TIMEOUT";
    case KafkaError::kRebalanceInProgress: return "REBALANCE_IN_PROGRESS";
    case KafkaError::kInvalidCommitOffsetSize: return "INVALID_COMMIT_OFFSET_SIZE";
    case KafkaError::kTopicAuthorizationFailed: return "TOPIC_AUTHORIZATION_FAILED";
    case KafkaError::kGroupAuthorizationFailed: return "GROUP_AUTHORIZATION_FAILED";
    case KafkaError::kClusterAuthorizationFailed: return "CLUSTER_AUTHORIZATION_FAILED";
    case KafkaError::kInvalidTimestamp: return "INVALID_TIMESTAMP";
    case KafkaError::kUnsupportedVersion: return "UNSUPPORTED_VERSION";
    case KafkaError::kTopicAlreadyExists: return "TOPIC_ALREADY_EXISTS";
    case KafkaError::kInvalidPartitions: return "INVALID_PARTITIONS";
    case KafkaError::kInvalidReplicationFactor: return "INVALID_REPLICATION_FACTOR";
    case KafkaError::kInvalidReplicaAssignment: return "INVALID_REPLICA_ASSIGNMENT";
    case KafkaError::kInvalidConfig: return "INVALID_CONFIG";
    case KafkaError::kNotController: return "NOT_CONTROLLER";
    case KafkaError::kInvalidRequest: return "INVALID_REQUEST";
    case KafkaError::kPolicyViolation: return "POLICY_VIOLATION";
    case KafkaError::kOutOfOrderSequenceNumber: return "OUT_OF_ORDER_SEQUENCE_NUMBER";
    case KafkaError::kDuplicateSequenceNumber: return "DUPLICATE_SEQUENCE_NUMBER";
    case KafkaError::kInvalidProducerEpoch: return "INVALID_PRODUCER_EPOCH";
    case KafkaError::kKafkaStorageError: return "KAFKA_STORAGE_ERROR";
    case KafkaError::kSaslAuthenticationFailed: return "SASL_AUTHENTICATION_FAILED";
    case KafkaError::kUnknownProducerId: return "UNKNOWN_PRODUCER_ID";
    case KafkaError::kNonEmptyGroup: return "NON_EMPTY_GROUP";
    case KafkaError::kGroupIdNotFound: return "GROUP_ID_NOT_FOUND";
    case KafkaError::kFencedLeaderEpoch: return "FENCED_LEADER_EPOCH";
    case KafkaError::kUnknownLeaderEpoch: return "UNKNOWN_LEADER_EPOCH";
    case KafkaError::kMemberIdRequired: return "MEMBER_ID_REQUIRED";
    case KafkaError::kGroupMaxSizeReached: return "GROUP_MAX_SIZE_REACHED";
    case KafkaError::kFencedInstanceId: return "FENCED_INSTANCE_ID";
    case KafkaError::kGroupSubscribedToTopic: return "GROUP_SUBSCRIBED_TO_TOPIC";
    case KafkaError::kInvalidRecord: return "INVALID_RECORD";
    case KafkaError::kThrottlingQuotaExceeded: return "THROTTLING_QUOTA_EXCEEDED";
  }
  return "UNKNOWN_SERVER_ERROR";
}

std::optional<std::string> KafkaErrorMessage(const absl::Status& status) {
  if (status.ok() || status.message().empty()) return std::nullopt;
  return std::string(status.message());
}

}  // namespace cairn::broker
