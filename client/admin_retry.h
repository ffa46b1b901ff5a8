// Retries of Admin operations (as librdkafka's and the Java admin clients
// do): an operation is re-run from the start after a retriable error —
// NOT_CONTROLLER, NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE,
// COORDINATOR_LOAD_IN_PROGRESS, REQUEST_TIMED_OUT, leader moves, a lost
// connection or an unanswered request — with exponential backoff from
// retry.backoff.ms to retry.backoff.max.ms, until default.api.timeout.ms
// after the call. Other errors, and the last error at the deadline, go to
// the caller.
//
// Threading: io thread only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "client/client_core.h"

namespace cairn::client {

// Whether an admin operation that failed with `status` may succeed if tried again.
bool IsRetriableAdminError(const absl::Status& status);
// Whether the error says the controller moved (metadata must be refreshed
// before the next attempt, which picks the controller from metadata).
bool IsNotController(const absl::Status& status);
// The backoff before retry number `retry` (0 for the first retry).
int64_t AdminBackoffMs(const ClientConfig& config, int retry);

namespace internal {

inline const absl::Status& StatusOf(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

template <typename T>
void RunAttempt(ClientCore& core, int64_t deadline_ms, int retry,
                std::shared_ptr<absl::AnyInvocable<void(absl::AnyInvocable<void(T) &&>)>> attempt,
                absl::AnyInvocable<void(T) &&> reply) {
  (*attempt)([&core, deadline_ms, retry, attempt, reply = std::move(reply)](T result) mutable {
    const absl::Status& status = StatusOf(result);
    const int64_t backoff_ms = AdminBackoffMs(core.config(), retry);
    if (status.ok() || !IsRetriableAdminError(status) || SteadyNowMs() + backoff_ms >= deadline_ms) {
      return std::move(reply)(std::move(result));
    }
    auto again = [&core, deadline_ms, retry, attempt, reply = std::move(reply),
                  result = std::move(result)](absl::Status waited) mutable {
      if (!waited.ok()) return std::move(reply)(std::move(result));  // the client is closing
      RunAttempt<T>(core, deadline_ms, retry + 1, std::move(attempt), std::move(reply));
    };
    if (IsNotController(status)) {
      // Learn the new controller first (a Metadata request with no topics).
      core.RefreshMetadata(std::vector<std::string>{}, false,
                           [&core, backoff_ms, again = std::move(again)](auto) mutable {
                             core.After(backoff_ms, std::move(again));
                           });
      return;
    }
    core.After(backoff_ms, std::move(again));
  });
}

}  // namespace internal

// Runs `attempt` (which may run many times, each time answering its reply
// exactly once) until it succeeds, fails for good, or the config's
// default.api.timeout.ms passed; `reply` gets the final result.
template <typename T>
void WithAdminRetries(ClientCore& core, absl::AnyInvocable<void(absl::AnyInvocable<void(T) &&>)> attempt,
                      absl::AnyInvocable<void(T) &&> reply) {
  const int64_t deadline_ms = SteadyNowMs() + core.config().default_api_timeout_ms;
  internal::RunAttempt<T>(core, deadline_ms, 0,
                          std::make_shared<absl::AnyInvocable<void(absl::AnyInvocable<void(T) &&>)>>(
                              std::move(attempt)),
                          std::move(reply));
}

}  // namespace cairn::client
