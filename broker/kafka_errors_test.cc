// Tests of the single Status → Kafka error mapping: every reason, every
// canonical code, and the numeric values of Kafka's table.
#include "broker/kafka_errors.h"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/crc32c.h"
#include "common/error_reason.h"
#include "common/record_batch.h"
#include "storage/testing/log_fixture.h"

namespace cairn::broker {
namespace {

TEST_CASE("KafkaError: codes and names match Kafka's error table") {
  const std::vector<std::tuple<KafkaError, int16_t, std::string>> table = {
      {KafkaError::kUnknownServerError, -1, "UNKNOWN_SERVER_ERROR"},
      {KafkaError::kNone, 0, "NONE"},
      {KafkaError::kOffsetOutOfRange, 1, "OFFSET_OUT_OF_RANGE"},
      {KafkaError::kCorruptMessage, 2, "CORRUPT_MESSAGE"},
      {KafkaError::kUnknownTopicOrPartition, 3, "UNKNOWN_TOPIC_OR_PARTITION"},
      {KafkaError::kInvalidFetchSize, 4, "INVALID_FETCH_SIZE"},
      {KafkaError::kLeaderNotAvailable, 5, "LEADER_NOT_AVAILABLE"},
      {KafkaError::kNotLeaderOrFollower, 6, "NOT_LEADER_OR_FOLLOWER"},
      {KafkaError::kRequestTimedOut, 7, "REQUEST_TIMED_OUT"},
      {KafkaError::kBrokerNotAvailable, 8, "BROKER_NOT_AVAILABLE"},
      {KafkaError::kReplicaNotAvailable, 9, "REPLICA_NOT_AVAILABLE"},
      {KafkaError::kMessageTooLarge, 10, "MESSAGE_TOO_LARGE"},
      {KafkaError::kOffsetMetadataTooLarge, 12, "OFFSET_METADATA_TOO_LARGE"},
      {KafkaError::kNetworkException, 13, "NETWORK_EXCEPTION"},
      {KafkaError::kCoordinatorLoadInProgress, 14, "COORDINATOR_LOAD_IN_PROGRESS"},
      {KafkaError::kCoordinatorNotAvailable, 15, "COORDINATOR_NOT_AVAILABLE"},
      {KafkaError::kNotCoordinator, 16, "NOT_COORDINATOR"},
      {KafkaError::kInvalidTopicException, 17, "INVALID_TOPIC_EXCEPTION"},
      {KafkaError::kRecordListTooLarge, 18, "RECORD_LIST_TOO_LARGE"},
      {KafkaError::kNotEnoughReplicas, 19, "NOT_ENOUGH_REPLICAS"},
      {KafkaError::kNotEnoughReplicasAfterAppend, 20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND"},
      {KafkaError::kInvalidRequiredAcks, 21, "INVALID_REQUIRED_ACKS"},
      {KafkaError::kIllegalGeneration, 22, "ILLEGAL_GENERATION"},
      {KafkaError::kInconsistentGroupProtocol, 23, "INCONSISTENT_GROUP_PROTOCOL"},
      {KafkaError::kInvalidGroupId, 24, "INVALID_GROUP_ID"},
      {KafkaError::kUnknownMemberId, 25, "UNKNOWN_MEMBER_ID"},
      {KafkaError::kInvalidSessionTimeout, 26, "INVALID_SESSION_TIMEOUT"},
      {KafkaError::kRebalanceInProgress, 27, "REBALANCE_IN_PROGRESS"},
      {KafkaError::kInvalidCommitOffsetSize, 28, "INVALID_COMMIT_OFFSET_SIZE"},
      {KafkaError::kTopicAuthorizationFailed, 29, "TOPIC_AUTHORIZATION_FAILED"},
      {KafkaError::kGroupAuthorizationFailed, 30, "GROUP_AUTHORIZATION_FAILED"},
      {KafkaError::kClusterAuthorizationFailed, 31, "CLUSTER_AUTHORIZATION_FAILED"},
      {KafkaError::kInvalidTimestamp, 32, "INVALID_TIMESTAMP"},
      {KafkaError::kUnsupportedVersion, 35, "UNSUPPORTED_VERSION"},
      {KafkaError::kTopicAlreadyExists, 36, "TOPIC_ALREADY_EXISTS"},
      {KafkaError::kInvalidPartitions, 37, "INVALID_PARTITIONS"},
      {KafkaError::kInvalidReplicationFactor, 38, "INVALID_REPLICATION_FACTOR"},
      {KafkaError::kInvalidReplicaAssignment, 39, "INVALID_REPLICA_ASSIGNMENT"},
      {KafkaError::kInvalidConfig, 40, "INVALID_CONFIG"},
      {KafkaError::kNotController, 41, "NOT_CONTROLLER"},
      {KafkaError::kInvalidRequest, 42, "INVALID_REQUEST"},
      {KafkaError::kPolicyViolation, 44, "POLICY_VIOLATION"},
      {KafkaError::kOutOfOrderSequenceNumber, 45, "OUT_OF_ORDER_SEQUENCE_NUMBER"},
      {KafkaError::kDuplicateSequenceNumber, 46, "DUPLICATE_SEQUENCE_NUMBER"},
      {KafkaError::kInvalidProducerEpoch, 47, "INVALID_PRODUCER_EPOCH"},
      {KafkaError::kKafkaStorageError, 56, "KAFKA_STORAGE_ERROR"},
      {KafkaError::kSaslAuthenticationFailed, 58, "SASL_AUTHENTICATION_FAILED"},
      {KafkaError::kUnknownProducerId, 59, "UNKNOWN_PRODUCER_ID"},
      {KafkaError::kNonEmptyGroup, 68, "NON_EMPTY_GROUP"},
      {KafkaError::kGroupIdNotFound, 69, "GROUP_ID_NOT_FOUND"},
      {KafkaError::kFencedLeaderEpoch, 74, "FENCED_LEADER_EPOCH"},
      {KafkaError::kUnknownLeaderEpoch, 75, "UNKNOWN_LEADER_EPOCH"},
      {KafkaError::kMemberIdRequired, 79, "MEMBER_ID_REQUIRED"},
      {KafkaError::kGroupMaxSizeReached, 81, "GROUP_MAX_SIZE_REACHED"},
      {KafkaError::kFencedInstanceId, 82, "FENCED_INSTANCE_ID"},
      {KafkaError::kGroupSubscribedToTopic, 86, "GROUP_SUBSCRIBED_TO_TOPIC"},
      {KafkaError::kInvalidRecord, 87, "INVALID_RECORD"},
      {KafkaError::kThrottlingQuotaExceeded, 89, "THROTTLING_QUOTA_EXCEEDED"},
  };
  for (const auto& [error, code, name] : table) {
    CAPTURE(name);
    CHECK(ErrorCode(error) == code);
    CHECK(std::string(KafkaErrorName(error)) == name);
  }
  CHECK(std::string(KafkaErrorName(static_cast<KafkaError>(11))) == "UNKNOWN_SERVER_ERROR");
}

TEST_CASE("ToKafkaError: an OK status is NONE") {
  CHECK(ToKafkaError(absl::OkStatus()) == KafkaError::kNone);
}

TEST_CASE("ToKafkaError: every reason maps to its own Kafka code, whatever the canonical code") {
  const std::vector<std::pair<ErrorReason, KafkaError>> table = {
      {ErrorReason::kRecordTooLarge, KafkaError::kMessageTooLarge},
      {ErrorReason::kCorruptRecord, KafkaError::kCorruptMessage},
      {ErrorReason::kInvalidRecord, KafkaError::kInvalidRecord},
      {ErrorReason::kInvalidTimestamp, KafkaError::kInvalidTimestamp},
      {ErrorReason::kOffsetOutOfRange, KafkaError::kOffsetOutOfRange},
      {ErrorReason::kNotEnoughReplicas, KafkaError::kNotEnoughReplicas},
      {ErrorReason::kInvalidRequiredAcks, KafkaError::kInvalidRequiredAcks},
      {ErrorReason::kUnknownTopicOrPartition, KafkaError::kUnknownTopicOrPartition},
      {ErrorReason::kTopicAlreadyExists, KafkaError::kTopicAlreadyExists},
      {ErrorReason::kInvalidTopic, KafkaError::kInvalidTopicException},
      {ErrorReason::kInvalidPartitions, KafkaError::kInvalidPartitions},
      {ErrorReason::kInvalidReplicationFactor, KafkaError::kInvalidReplicationFactor},
      {ErrorReason::kInvalidReplicaAssignment, KafkaError::kInvalidReplicaAssignment},
      {ErrorReason::kInvalidConfig, KafkaError::kInvalidConfig},
      {ErrorReason::kPolicyViolation, KafkaError::kPolicyViolation},
      {ErrorReason::kNotLeader, KafkaError::kNotLeaderOrFollower},
      {ErrorReason::kLeaderNotAvailable, KafkaError::kLeaderNotAvailable},
      {ErrorReason::kFencedLeaderEpoch, KafkaError::kFencedLeaderEpoch},
      {ErrorReason::kUnknownLeaderEpoch, KafkaError::kUnknownLeaderEpoch},
      {ErrorReason::kNotController, KafkaError::kNotController},
      {ErrorReason::kOutOfOrderSequence, KafkaError::kOutOfOrderSequenceNumber},
      {ErrorReason::kDuplicateSequence, KafkaError::kDuplicateSequenceNumber},
      {ErrorReason::kInvalidProducerEpoch, KafkaError::kInvalidProducerEpoch},
      {ErrorReason::kUnknownProducerId, KafkaError::kUnknownProducerId},
      {ErrorReason::kCoordinatorLoadInProgress, KafkaError::kCoordinatorLoadInProgress},
      {ErrorReason::kCoordinatorNotAvailable, KafkaError::kCoordinatorNotAvailable},
      {ErrorReason::kNotCoordinator, KafkaError::kNotCoordinator},
      {ErrorReason::kIllegalGeneration, KafkaError::kIllegalGeneration},
      {ErrorReason::kInconsistentGroupProtocol, KafkaError::kInconsistentGroupProtocol},
      {ErrorReason::kInvalidGroupId, KafkaError::kInvalidGroupId},
      {ErrorReason::kUnknownMemberId, KafkaError::kUnknownMemberId},
      {ErrorReason::kInvalidSessionTimeout, KafkaError::kInvalidSessionTimeout},
      {ErrorReason::kRebalanceInProgress, KafkaError::kRebalanceInProgress},
      {ErrorReason::kGroupIdNotFound, KafkaError::kGroupIdNotFound},
      {ErrorReason::kNonEmptyGroup, KafkaError::kNonEmptyGroup},
      {ErrorReason::kMemberIdRequired, KafkaError::kMemberIdRequired},
      {ErrorReason::kGroupMaxSizeReached, KafkaError::kGroupMaxSizeReached},
      {ErrorReason::kFencedInstanceId, KafkaError::kFencedInstanceId},
      {ErrorReason::kInvalidRequest, KafkaError::kInvalidRequest},
      {ErrorReason::kUnsupportedVersion, KafkaError::kUnsupportedVersion},
      {ErrorReason::kTopicAuthorizationFailed, KafkaError::kTopicAuthorizationFailed},
      {ErrorReason::kClusterAuthorizationFailed, KafkaError::kClusterAuthorizationFailed},
      {ErrorReason::kThrottled, KafkaError::kThrottlingQuotaExceeded},
      {ErrorReason::kStorageError, KafkaError::kKafkaStorageError},
  };
  // The table covers every reason exactly once.
  std::set<ErrorReason> covered;
  for (const auto& [reason, expected] : table) covered.insert(reason);
  CHECK(covered.size() == table.size());
  CHECK(table.size() == static_cast<size_t>(kLastErrorReason) + 1);

  const std::vector<absl::StatusCode> codes = {absl::StatusCode::kInvalidArgument, absl::StatusCode::kDataLoss,
                                               absl::StatusCode::kOutOfRange, absl::StatusCode::kUnavailable};
  for (const auto& [reason, expected] : table) {
    for (absl::StatusCode code : codes) {
      CAPTURE(ReasonName(reason));
      CAPTURE(absl::StatusCodeToString(code));
      CHECK(ToKafkaError(WithReason(absl::Status(code, "x"), reason)) == expected);
    }
  }
}

TEST_CASE("ToKafkaError: without a reason the canonical code decides") {
  const std::vector<std::pair<absl::StatusCode, KafkaError>> table = {
      {absl::StatusCode::kCancelled, KafkaError::kRequestTimedOut},
      {absl::StatusCode::kUnknown, KafkaError::kKafkaStorageError},
      {absl::StatusCode::kInvalidArgument, KafkaError::kInvalidRequest},
      {absl::StatusCode::kDeadlineExceeded, KafkaError::kRequestTimedOut},
      {absl::StatusCode::kNotFound, KafkaError::kUnknownTopicOrPartition},
      {absl::StatusCode::kAlreadyExists, KafkaError::kTopicAlreadyExists},
      {absl::StatusCode::kPermissionDenied, KafkaError::kKafkaStorageError},
      {absl::StatusCode::kResourceExhausted, KafkaError::kKafkaStorageError},
      {absl::StatusCode::kFailedPrecondition, KafkaError::kKafkaStorageError},
      {absl::StatusCode::kAborted, KafkaError::kUnknownServerError},
      {absl::StatusCode::kOutOfRange, KafkaError::kOffsetOutOfRange},
      {absl::StatusCode::kUnimplemented, KafkaError::kUnsupportedVersion},
      {absl::StatusCode::kInternal, KafkaError::kKafkaStorageError},
      {absl::StatusCode::kUnavailable, KafkaError::kNotLeaderOrFollower},
      {absl::StatusCode::kDataLoss, KafkaError::kKafkaStorageError},
      {absl::StatusCode::kUnauthenticated, KafkaError::kSaslAuthenticationFailed},
  };
  CHECK(table.size() == 16);  // every canonical code but kOk
  for (const auto& [code, expected] : table) {
    CAPTURE(absl::StatusCodeToString(code));
    CHECK(ToKafkaError(absl::Status(code, "x")) == expected);
  }
}

TEST_CASE("ToKafkaError: a batch too large is OutOfRange for storage but MESSAGE_TOO_LARGE on the wire") {
  absl::Status status = WithReason(absl::OutOfRangeError("record batch of 2000000 bytes exceeds max.message.bytes"),
                                   ErrorReason::kRecordTooLarge);
  CHECK(status.code() == absl::StatusCode::kOutOfRange);
  CHECK(ToKafkaError(status) == KafkaError::kMessageTooLarge);
}

TEST_CASE("ToKafkaError: a bad client CRC is CORRUPT_MESSAGE, our own bad bytes a storage error") {
  CHECK(ToKafkaError(WithReason(absl::DataLossError("crc"), ErrorReason::kCorruptRecord)) ==
        KafkaError::kCorruptMessage);
  CHECK(ToKafkaError(absl::DataLossError("segment crc")) == KafkaError::kKafkaStorageError);
}

TEST_CASE("ToKafkaError: the reason survives WithContext") {
  absl::Status status = WithContext(WithReason(absl::InternalError("EIO"), ErrorReason::kNotLeader), "orders-0");
  CHECK(ToKafkaError(status) == KafkaError::kNotLeaderOrFollower);
}

TEST_CASE("KafkaErrorMessage: null for OK and for an empty message, the message otherwise") {
  CHECK(KafkaErrorMessage(absl::OkStatus()) == std::nullopt);
  CHECK(KafkaErrorMessage(absl::InvalidArgumentError("")) == std::nullopt);
  CHECK(KafkaErrorMessage(WithReason(absl::InvalidArgumentError("Topic 'a' already exists."),
                                     ErrorReason::kTopicAlreadyExists)) == "Topic 'a' already exists.");
}

// Storage tags the failures a client causes; the wire code follows from them.
TEST_CASE("ToKafkaError: storage's append and read failures reach the wire as Kafka's codes") {
  using KV = std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>;
  storage::testing::LogFixture f;
  f.config.max_batch_bytes = 200;
  f.OpenOrFail();
  auto append = [&](Buffer batch) {
    return f.log->Append(std::move(batch), LeaderEpoch(0), [](absl::Status) {}).status();
  };

  absl::Status too_large = append(MakeRecordBatch(KV{{std::nullopt, std::string(500, 'x')}}));
  CHECK(too_large.code() == absl::StatusCode::kOutOfRange);
  CHECK(ToKafkaError(too_large) == KafkaError::kMessageTooLarge);

  Buffer corrupt = MakeRecordBatch(KV{{std::nullopt, "v"}});
  corrupt.back() ^= 0x01;
  absl::Status crc = append(corrupt);
  CHECK(crc.code() == absl::StatusCode::kDataLoss);
  CHECK(ToKafkaError(crc) == KafkaError::kCorruptMessage);

  // lastOffsetDelta disagrees with recordCount, under a valid CRC.
  Buffer lying = MakeRecordBatch(KV{{std::nullopt, "a"}, {std::nullopt, "b"}});
  StoreBigEndian<int32_t>(lying.data() + kBatchLastOffsetDeltaPos, 5);
  StoreBigEndian<uint32_t>(lying.data() + kBatchCrcPos,
                           crc32c::Value(ByteSpan(lying).subspan(kBatchAttributesPos)));
  absl::Status invalid = append(lying);
  CHECK(invalid.code() == absl::StatusCode::kInvalidArgument);
  CHECK(ToKafkaError(invalid) == KafkaError::kInvalidRecord);

  CHECK(ToKafkaError(append(Buffer{})) == KafkaError::kInvalidRecord);
  Buffer truncated = MakeRecordBatch(KV{{std::nullopt, "v"}});
  truncated.resize(truncated.size() - 3);
  CHECK(ToKafkaError(append(truncated)) == KafkaError::kInvalidRecord);

  absl::Status out_of_range = f.log->Read(Offset(7), 1024, Offset(7), true).status();
  CHECK(out_of_range.code() == absl::StatusCode::kOutOfRange);
  CHECK(ToKafkaError(out_of_range) == KafkaError::kOffsetOutOfRange);

  // An fdatasync failure takes the log offline for writes.
  f.AppendDurably({"first"});
  f.disk.FailNextSyncs(1);
  auto [info, outcome] = f.Append(KV{{std::nullopt, "v"}});
  REQUIRE(info.ok());
  f.Settle();
  REQUIRE(outcome->done);
  CHECK(ToKafkaError(outcome->status) == KafkaError::kKafkaStorageError);
  CHECK(GetReason(outcome->status) == ErrorReason::kStorageError);
  absl::Status offline = append(MakeRecordBatch(KV{{std::nullopt, "w"}}));
  CHECK(ToKafkaError(offline) == KafkaError::kKafkaStorageError);
}

TEST_CASE("ToKafkaError: a failed leader-epoch checkpoint on append is a storage error") {
  using KV = std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>;
  storage::testing::LogFixture f;
  f.OpenOrFail();
  f.disk.FailNextSyncs(1);  // the first append of epoch 0 persists the epoch checkpoint
  auto [info, outcome] = f.Append(KV{{std::nullopt, "v"}});
  REQUIRE_FALSE(info.ok());
  CHECK(GetReason(info.status()) == ErrorReason::kStorageError);
  CHECK(ToKafkaError(info.status()) == KafkaError::kKafkaStorageError);
}

}  // namespace
}  // namespace cairn::broker
