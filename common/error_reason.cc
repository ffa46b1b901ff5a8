// ErrorReason payloads: the reason travels as its name, so a status printed in
// a log reads "[type.cairn/reason='record_too_large']".
#include "common/error_reason.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace cairn {

namespace {

absl::string_view Absl(std::string_view text) { return {text.data(), text.size()}; }

constexpr int kReasonCount = static_cast<int>(kLastErrorReason) + 1;

}  // namespace

const char* ReasonName(ErrorReason reason) {
  switch (reason) {
    case ErrorReason::kRecordTooLarge: return "record_too_large";
    case ErrorReason::kCorruptRecord: return "corrupt_record";
    case ErrorReason::kInvalidRecord: return "invalid_record";
    case ErrorReason::kInvalidTimestamp: return "invalid_timestamp";
    case ErrorReason::kOffsetOutOfRange: return "offset_out_of_range";
    case ErrorReason::kNotEnoughReplicas: return "not_enough_replicas";
    case ErrorReason::kInvalidRequiredAcks: return "invalid_required_acks";
    case ErrorReason::kUnknownTopicOrPartition: return "unknown_topic_or_partition";
    case ErrorReason::kTopicAlreadyExists: return "topic_already_exists";
    case ErrorReason::kInvalidTopic: return "invalid_topic";
    case ErrorReason::kInvalidPartitions: return "invalid_partitions";
    case ErrorReason::kInvalidReplicationFactor: return "invalid_replication_factor";
    case ErrorReason::kInvalidReplicaAssignment: return "invalid_replica_assignment";
    case ErrorReason::kInvalidConfig: return "invalid_config";
    case ErrorReason::kPolicyViolation: return "policy_violation";
    case ErrorReason::kNotLeader: return "not_leader";
    case ErrorReason::kLeaderNotAvailable: return "leader_not_available";
    case ErrorReason::kFencedLeaderEpoch: return "fenced_leader_epoch";
    case ErrorReason::kUnknownLeaderEpoch: return "unknown_leader_epoch";
    case ErrorReason::kNotController: return "not_controller";
    case ErrorReason::kOutOfOrderSequence: return "out_of_order_sequence";
    case ErrorReason::kDuplicateSequence: return "duplicate_sequence";
    case ErrorReason::kInvalidProducerEpoch: return "invalid_producer_epoch";
    case ErrorReason::kUnknownProducerId: return "unknown_producer_id";
    case ErrorReason::kCoordinatorLoadInProgress: return "coordinator_load_in_progress";
    case ErrorReason::kCoordinatorNotAvailable: return "coordinator_not_available";
    case ErrorReason::kNotCoordinator: return "not_coordinator";
    case ErrorReason::kIllegalGeneration: return "illegal_generation";
    case ErrorReason::kInconsistentGroupProtocol: return "inconsistent_group_protocol";
    case ErrorReason::kInvalidGroupId: return "invalid_group_id";
    case ErrorReason::kUnknownMemberId: return "unknown_member_id";
    case ErrorReason::kInvalidSessionTimeout: return "invalid_session_timeout";
    case ErrorReason::kRebalanceInProgress: return "rebalance_in_progress";
    case ErrorReason::kGroupIdNotFound: return "group_id_not_found";
    case ErrorReason::kNonEmptyGroup: return "non_empty_group";
    case ErrorReason::kMemberIdRequired: return "member_id_required";
    case ErrorReason::kGroupMaxSizeReached: return "group_max_size_reached";
    case ErrorReason::kFencedInstanceId: return "fenced_instance_id";
    case ErrorReason::kInvalidRequest: return "invalid_request";
    case ErrorReason::kUnsupportedVersion: return "unsupported_version";
    case ErrorReason::kTopicAuthorizationFailed: return "topic_authorization_failed";
    case ErrorReason::kClusterAuthorizationFailed: return "cluster_authorization_failed";
    case ErrorReason::kThrottled: return "throttled";
    case ErrorReason::kStorageError: return "storage_error";
  }
  return "unknown_reason";
}

absl::Status WithReason(absl::Status status, ErrorReason reason) {
  status.SetPayload(Absl(kErrorReasonPayloadUrl), absl::Cord(ReasonName(reason)));
  return status;
}

std::optional<ErrorReason> GetReason(const absl::Status& status) {
  auto payload = status.GetPayload(Absl(kErrorReasonPayloadUrl));
  if (!payload) return std::nullopt;
  const std::string name(*payload);
  for (int i = 0; i < kReasonCount; ++i) {
    const auto reason = static_cast<ErrorReason>(i);
    if (name == ReasonName(reason)) return reason;
  }
  return std::nullopt;
}

absl::Status WithContext(const absl::Status& status, std::string_view context) {
  if (status.ok()) return status;
  absl::Status annotated(status.code(), absl::StrCat(Absl(context), ": ", status.message()));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    annotated.SetPayload(url, payload);
  });
  return annotated;
}

}  // namespace cairn
