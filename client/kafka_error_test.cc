#include "client/kafka_error.h"

#include "doctest/doctest.h"

namespace cairn::client {
namespace {

TEST_CASE("KafkaErrorStatus: text starts with Kafka's name and carries the code") {
  absl::Status s = KafkaErrorStatus(kafka_error::kTopicAlreadyExists, "Topic 'a' already exists.");
  CHECK(s.code() == absl::StatusCode::kAlreadyExists);
  CHECK(s.message() == "TOPIC_ALREADY_EXISTS: Topic 'a' already exists.");
  CHECK(KafkaErrorCodeOf(s) == kafka_error::kTopicAlreadyExists);
}

TEST_CASE("KafkaErrorStatus: code 0 is OK and unknown codes keep their number") {
  CHECK(KafkaErrorStatus(0).ok());
  CHECK(KafkaErrorName(-1) == "UNKNOWN_SERVER_ERROR");
  CHECK(KafkaErrorName(6) == "NOT_LEADER_OR_FOLLOWER");
  CHECK(KafkaErrorName(108) == "NEW_LEADER_ELECTED");
  CHECK(KafkaErrorName(999) == "UNKNOWN_ERROR_999");
  CHECK(!KafkaErrorCodeOf(absl::UnavailableError("x")).has_value());
}

TEST_CASE("IsRetriableKafkaError: leader moves are retriable, bad requests are not") {
  CHECK(IsRetriableKafkaError(kafka_error::kNotLeaderOrFollower));
  CHECK(IsRetriableKafkaError(kafka_error::kUnknownTopicOrPartition));
  CHECK(KafkaErrorStatus(kafka_error::kNotLeaderOrFollower).code() == absl::StatusCode::kUnavailable);
  CHECK(!IsRetriableKafkaError(kafka_error::kMessageTooLarge));
  CHECK(!IsRetriableKafkaError(kafka_error::kTopicAlreadyExists));
}

}  // namespace
}  // namespace cairn::client
