#include "client/admin_retry.h"

#include "absl/strings/str_cat.h"
#include "client/kafka_error.h"

namespace cairn::client {

bool IsRetriableAdminError(const absl::Status& status) {
  if (status.ok()) return false;
  if (std::optional<int16_t> code = KafkaErrorCodeOf(status)) {
    switch (*code) {
      case kafka_error::kNotController:
      case kafka_error::kNotCoordinator:
      case kafka_error::kCoordinatorNotAvailable:
      case kafka_error::kCoordinatorLoadInProgress:
      case kafka_error::kRequestTimedOut:
      case kafka_error::kNotLeaderOrFollower:
      case kafka_error::kLeaderNotAvailable:
      case kafka_error::kNetworkException:
        return true;
      default:
        return false;
    }
  }
  // The core's own failures: a lost or refused connection (Unavailable) and
  // a request unanswered within request.timeout.ms (DeadlineExceeded).
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

bool IsNotController(const absl::Status& status) {
  return KafkaErrorCodeOf(status) == kafka_error::kNotController;
}

namespace internal {

absl::Status AdminDeadlineStatus(const ClientConfig& config, const absl::Status& last_error) {
  std::string text = absl::StrCat("default.api.timeout.ms (", config.default_api_timeout_ms,
                                  " ms) passed before the call completed");
  if (!last_error.ok()) absl::StrAppend(&text, "; the last attempt failed: ", last_error.ToString());
  return absl::DeadlineExceededError(text);
}

}  // namespace internal

int64_t AdminBackoffMs(const ClientConfig& config, int retry) {
  int64_t backoff = std::max<int64_t>(config.retry_backoff_ms, 1);
  for (int i = 0; i < retry && backoff < config.retry_backoff_max_ms; ++i) backoff *= 2;
  return std::min(backoff, std::max(config.retry_backoff_max_ms, config.retry_backoff_ms));
}

}  // namespace cairn::client
