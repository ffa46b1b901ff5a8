#include "client/kafka_error.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/cord.h"

namespace cairn::client {
namespace {

constexpr std::string_view kPayloadUrl = "type.cairn.dev/kafka-error-code";

// Index = code + 1 (code -1 is UNKNOWN_SERVER_ERROR).
constexpr std::string_view kNames[] = {
    "UNKNOWN_SERVER_ERROR", "NONE", "OFFSET_OUT_OF_RANGE", "CORRUPT_MESSAGE",
    "UNKNOWN_TOPIC_OR_PARTITION", "INVALID_FETCH_SIZE", "LEADER_NOT_AVAILABLE",
    "NOT_LEADER_OR_FOLLOWER", "REQUEST_TIMED_OUT", "BROKER_NOT_AVAILABLE",
    "REPLICA_NOT_AVAILABLE", "MESSAGE_TOO_LARGE", "STALE_CONTROLLER_EPOCH",
    "OFFSET_METADATA_TOO_LARGE", "NETWORK_EXCEPTION", "COORDINATOR_LOAD_IN_PROGRESS",
    "COORDINATOR_NOT_AVAILABLE", "NOT_COORDINATOR", "INVALID_TOPIC_EXCEPTION",
    "RECORD_LIST_TOO_LARGE", "NOT_ENOUGH_REPLICAS", "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
    "INVALID_REQUIRED_ACKS", "ILLEGAL_GENERATION", "INCONSISTENT_GROUP_PROTOCOL",
    "INVALID_GROUP_ID", "UNKNOWN_MEMBER_ID", "INVALID_SESSION_TIMEOUT",
    "REBALANCE_IN_PROGRESS", "INVALID_COMMIT_OFFSET_SIZE", "TOPIC_AUTHORIZATION_FAILED",
    "GROUP_AUTHORIZATION_FAILED", "CLUSTER_AUTHORIZATION_FAILED", "INVALID_TIMESTAMP",
    "UNSUPPORTED_SASL_MECHANISM", "ILLEGAL_SASL_STATE", "UNSUPPORTED_VERSION",
    "TOPIC_ALREADY_EXISTS", "INVALID_PARTITIONS", "INVALID_REPLICATION_FACTOR",
    "INVALID_REPLICA_ASSIGNMENT", "INVALID_CONFIG", "NOT_CONTROLLER", "INVALID_REQUEST",
    "UNSUPPORTED_FOR_MESSAGE_FORMAT", "POLICY_VIOLATION", "OUT_OF_ORDER_SEQUENCE_NUMBER",
    "DUPLICATE_SEQUENCE_NUMBER", "INVALID_PRODUCER_EPOCH", "INVALID_TXN_STATE",
    "INVALID_PRODUCER_ID_MAPPING", "INVALID_TRANSACTION_TIMEOUT", "CONCURRENT_TRANSACTIONS",
    "TRANSACTION_COORDINATOR_FENCED", "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
    "SECURITY_DISABLED", "OPERATION_NOT_ATTEMPTED", "KAFKA_STORAGE_ERROR",
    "LOG_DIR_NOT_FOUND", "SASL_AUTHENTICATION_FAILED", "UNKNOWN_PRODUCER_ID",
    "REASSIGNMENT_IN_PROGRESS", "DELEGATION_TOKEN_AUTH_DISABLED", "DELEGATION_TOKEN_NOT_FOUND",
    "DELEGATION_TOKEN_OWNER_MISMATCH", "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED",
    "DELEGATION_TOKEN_AUTHORIZATION_FAILED", "DELEGATION_TOKEN_EXPIRED",
    "INVALID_PRINCIPAL_TYPE", "NON_EMPTY_GROUP", "GROUP_ID_NOT_FOUND",
    "FETCH_SESSION_ID_NOT_FOUND", "INVALID_FETCH_SESSION_EPOCH", "LISTENER_NOT_FOUND",
    "TOPIC_DELETION_DISABLED", "FENCED_LEADER_EPOCH", "UNKNOWN_LEADER_EPOCH",
    "UNSUPPORTED_COMPRESSION_TYPE", "STALE_BROKER_EPOCH", "OFFSET_NOT_AVAILABLE",
    "MEMBER_ID_REQUIRED", "PREFERRED_LEADER_NOT_AVAILABLE", "GROUP_MAX_SIZE_REACHED",
    "FENCED_INSTANCE_ID", "ELIGIBLE_LEADERS_NOT_AVAILABLE", "ELECTION_NOT_NEEDED",
    "NO_REASSIGNMENT_IN_PROGRESS", "GROUP_SUBSCRIBED_TO_TOPIC", "INVALID_RECORD",
    "UNSTABLE_OFFSET_COMMIT", "THROTTLING_QUOTA_EXCEEDED", "PRODUCER_FENCED",
    "RESOURCE_NOT_FOUND", "DUPLICATE_RESOURCE", "UNACCEPTABLE_CREDENTIAL",
    "INCONSISTENT_VOTER_SET", "INVALID_UPDATE_VERSION", "FEATURE_UPDATE_FAILED",
    "PRINCIPAL_DESERIALIZATION_FAILURE", "SNAPSHOT_NOT_FOUND", "POSITION_OUT_OF_RANGE",
    "UNKNOWN_TOPIC_ID", "DUPLICATE_BROKER_REGISTRATION", "BROKER_ID_NOT_REGISTERED",
    "INCONSISTENT_TOPIC_ID", "INCONSISTENT_CLUSTER_ID", "TRANSACTIONAL_ID_NOT_FOUND",
    "FETCH_SESSION_TOPIC_ID_ERROR", "INELIGIBLE_REPLICA", "NEW_LEADER_ELECTED",
};

absl::StatusCode CanonicalCode(int16_t code) {
  switch (code) {
    case 3: case 69: case 91: case 100:
      return absl::StatusCode::kNotFound;
    case 36: case 92:
      return absl::StatusCode::kAlreadyExists;
    case 7:
      return absl::StatusCode::kDeadlineExceeded;
    case 29: case 30: case 31: case 53: case 58:
      return absl::StatusCode::kPermissionDenied;
    case 35: case 43: case 76:
      return absl::StatusCode::kUnimplemented;
    case 10: case 17: case 18: case 21: case 24: case 32: case 37: case 38: case 39: case 40:
    case 42: case 44: case 87:
      return absl::StatusCode::kInvalidArgument;
    case 45: case 47: case 59: case 68: case 90:
      return absl::StatusCode::kFailedPrecondition;
    case 81: case 89:
      return absl::StatusCode::kResourceExhausted;
    default:
      return IsRetriableKafkaError(code) ? absl::StatusCode::kUnavailable
                                         : absl::StatusCode::kUnknown;
  }
}

}  // namespace

std::string_view KafkaErrorName(int16_t code) {
  const int index = code + 1;
  if (index >= 0 && index < static_cast<int>(std::size(kNames))) return kNames[index];
  static thread_local std::string unknown;
  unknown = absl::StrCat("UNKNOWN_ERROR_", code);
  return unknown;
}

bool IsRetriableKafkaError(int16_t code) {
  switch (code) {
    case 2:   // CORRUPT_MESSAGE (a bit flip on the way: resend)
    case 3:   // UNKNOWN_TOPIC_OR_PARTITION (metadata may lag a create)
    case 5:   // LEADER_NOT_AVAILABLE
    case 6:   // NOT_LEADER_OR_FOLLOWER
    case 7:   // REQUEST_TIMED_OUT
    case 9:   // REPLICA_NOT_AVAILABLE
    case 13:  // NETWORK_EXCEPTION
    case 14:  // COORDINATOR_LOAD_IN_PROGRESS
    case 15:  // COORDINATOR_NOT_AVAILABLE
    case 16:  // NOT_COORDINATOR
    case 19:  // NOT_ENOUGH_REPLICAS
    case 20:  // NOT_ENOUGH_REPLICAS_AFTER_APPEND
    case 41:  // NOT_CONTROLLER
    case 51:  // CONCURRENT_TRANSACTIONS
    case 56:  // KAFKA_STORAGE_ERROR
    case 74:  // FENCED_LEADER_EPOCH
    case 75:  // UNKNOWN_LEADER_EPOCH
    case 78:  // OFFSET_NOT_AVAILABLE
    case 88:  // UNSTABLE_OFFSET_COMMIT
    case 89:  // THROTTLING_QUOTA_EXCEEDED
      return true;
    default:
      return false;
  }
}

absl::Status KafkaErrorStatus(int16_t code, std::string_view message) {
  if (code == 0) return absl::OkStatus();
  std::string text(KafkaErrorName(code));
  if (!message.empty()) {
    text += ": ";
    text.append(message.data(), message.size());
  }
  absl::Status status(CanonicalCode(code), text);
  status.SetPayload(absl::string_view(kPayloadUrl.data(), kPayloadUrl.size()), absl::Cord(absl::StrCat(code)));
  return status;
}

std::optional<int16_t> KafkaErrorCodeOf(const absl::Status& status) {
  auto payload = status.GetPayload(absl::string_view(kPayloadUrl.data(), kPayloadUrl.size()));
  if (!payload.has_value()) return std::nullopt;
  int value = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &value)) return std::nullopt;
  return static_cast<int16_t>(value);
}

}  // namespace cairn::client
