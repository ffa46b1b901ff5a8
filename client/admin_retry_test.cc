#include "client/admin_retry.h"

#include <doctest/doctest.h>

#include "client/kafka_error.h"

namespace cairn::client {
namespace {

TEST_CASE("admin retries: coordinator, controller, timeout and connection errors are retried, others are not") {
  for (int16_t code : {kafka_error::kNotController, kafka_error::kNotCoordinator, kafka_error::kCoordinatorNotAvailable,
                       kafka_error::kCoordinatorLoadInProgress, kafka_error::kRequestTimedOut,
                       kafka_error::kNotLeaderOrFollower, kafka_error::kLeaderNotAvailable}) {
    CAPTURE(code);
    CHECK(IsRetriableAdminError(KafkaErrorStatus(code, "x")));
  }
  for (int16_t code : {kafka_error::kTopicAlreadyExists, kafka_error::kUnknownTopicOrPartition,
                       kafka_error::kInvalidPartitions, kafka_error::kInvalidConfig, kafka_error::kNonEmptyGroup,
                       kafka_error::kGroupIdNotFound}) {
    CAPTURE(code);
    CHECK(!IsRetriableAdminError(KafkaErrorStatus(code, "x")));
  }
  CHECK(IsRetriableAdminError(absl::UnavailableError("connection to 127.0.0.1:9092 lost")));
  CHECK(IsRetriableAdminError(absl::DeadlineExceededError("no answer within request.timeout.ms")));
  CHECK(!IsRetriableAdminError(absl::CancelledError("client closed")));
  CHECK(!IsRetriableAdminError(absl::InvalidArgumentError("bad response")));
  CHECK(!IsRetriableAdminError(absl::OkStatus()));
  CHECK(IsNotController(KafkaErrorStatus(kafka_error::kNotController, "")));
  CHECK(!IsNotController(KafkaErrorStatus(kafka_error::kNotCoordinator, "")));
}

TEST_CASE("admin retries: backoff doubles from retry.backoff.ms up to retry.backoff.max.ms") {
  ClientConfig config;
  config.retry_backoff_ms = 100;
  config.retry_backoff_max_ms = 1000;
  CHECK(AdminBackoffMs(config, 0) == 100);
  CHECK(AdminBackoffMs(config, 1) == 200);
  CHECK(AdminBackoffMs(config, 3) == 800);
  CHECK(AdminBackoffMs(config, 4) == 1000);
  CHECK(AdminBackoffMs(config, 60) == 1000);
  config.retry_backoff_max_ms = 10;  // a max below the base: the base wins
  CHECK(AdminBackoffMs(config, 5) == 100);
}

}  // namespace
}  // namespace cairn::client
