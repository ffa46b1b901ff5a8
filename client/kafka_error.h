// Kafka error codes as the client reports them: an absl::Status whose text
// starts with Kafka's own name for the error (e.g. "TOPIC_ALREADY_EXISTS: ...")
// and which carries the numeric code as a payload, so callers can branch on the
// exact Kafka error (KafkaErrorCodeOf) without parsing text.
// Codes and names: kafka.apache.org/protocol, "Error Codes".
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"

namespace cairn::client {

// Kafka error codes the client branches on (the full table is in the .cc).
namespace kafka_error {
inline constexpr int16_t kNone = 0;
inline constexpr int16_t kCorruptMessage = 2;
inline constexpr int16_t kUnknownTopicOrPartition = 3;
inline constexpr int16_t kLeaderNotAvailable = 5;
inline constexpr int16_t kNotLeaderOrFollower = 6;
inline constexpr int16_t kRequestTimedOut = 7;
inline constexpr int16_t kMessageTooLarge = 10;
inline constexpr int16_t kNetworkException = 13;
inline constexpr int16_t kCoordinatorLoadInProgress = 14;
inline constexpr int16_t kCoordinatorNotAvailable = 15;
inline constexpr int16_t kNotCoordinator = 16;
inline constexpr int16_t kInvalidTopicException = 17;
inline constexpr int16_t kTopicAuthorizationFailed = 29;
inline constexpr int16_t kUnsupportedVersion = 35;
inline constexpr int16_t kTopicAlreadyExists = 36;
inline constexpr int16_t kInvalidPartitions = 37;
inline constexpr int16_t kInvalidConfig = 40;
inline constexpr int16_t kNotController = 41;
inline constexpr int16_t kOutOfOrderSequenceNumber = 45;
inline constexpr int16_t kDuplicateSequenceNumber = 46;
inline constexpr int16_t kInvalidProducerEpoch = 47;
inline constexpr int16_t kUnknownProducerId = 59;
inline constexpr int16_t kNonEmptyGroup = 68;
inline constexpr int16_t kGroupIdNotFound = 69;
// Consumer (fetch, offsets, commits).
inline constexpr int16_t kOffsetOutOfRange = 1;
inline constexpr int16_t kIllegalGeneration = 22;
inline constexpr int16_t kUnknownMemberId = 25;
inline constexpr int16_t kRebalanceInProgress = 27;
inline constexpr int16_t kKafkaStorageError = 56;
inline constexpr int16_t kFencedLeaderEpoch = 74;
inline constexpr int16_t kUnknownLeaderEpoch = 75;
inline constexpr int16_t kOffsetNotAvailable = 78;
inline constexpr int16_t kUnstableOffsetCommit = 88;
}  // namespace kafka_error

// Kafka's name for `code` ("NOT_LEADER_OR_FOLLOWER"), or "UNKNOWN_ERROR_<n>".
std::string_view KafkaErrorName(int16_t code);

// Whether Kafka documents the error as retriable (a RetriableException in the
// Java client): the same request may succeed later.
bool IsRetriableKafkaError(int16_t code);

// OK for code 0; otherwise a Status with a canonical code close to the Kafka
// error (AlreadyExists, NotFound, InvalidArgument, Unavailable for retriable
// errors, ...), the text "<NAME>: <message>" (or "<NAME>" without a message)
// and the Kafka code as payload.
absl::Status KafkaErrorStatus(int16_t code, std::string_view message = {});

// The Kafka error code a Status from KafkaErrorStatus carries; nullopt for any
// other Status (OK included).
std::optional<int16_t> KafkaErrorCodeOf(const absl::Status& status);

}  // namespace cairn::client
