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

// One admin call: its reply, answered exactly once, by the attempts or by
// the deadline, whichever comes first.
template <typename T>
struct AdminCall {
  absl::AnyInvocable<void(absl::AnyInvocable<void(T) &&>)> attempt;
  absl::AnyInvocable<void(T) &&> reply;
  int64_t deadline_ms = 0;
  bool answered = false;
  absl::Status last_error;  // of the last failed attempt, for the deadline's message

  void Answer(T result) {
    if (answered) return;
    answered = true;
    std::move(reply)(std::move(result));
  }
};

template <typename T>
void RunAttempt(ClientCore& core, int retry, std::shared_ptr<AdminCall<T>> call) {
  call->attempt([&core, retry, call](T result) mutable {
    if (call->answered) return;  // the deadline came first
    const absl::Status& status = StatusOf(result);
    const int64_t backoff_ms = AdminBackoffMs(core.config(), retry);
    if (status.ok() || !IsRetriableAdminError(status) || SteadyNowMs() + backoff_ms >= call->deadline_ms) {
      return call->Answer(std::move(result));
    }
    call->last_error = status;
    auto again = [&core, retry, call, result = std::move(result)](absl::Status waited) mutable {
      if (call->answered) return;
      if (!waited.ok()) return call->Answer(std::move(result));  // the client is closing
      RunAttempt<T>(core, retry + 1, std::move(call));
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

// What a call still unanswered at its deadline gets: DeadlineExceeded, with
// the last attempt's error when one failed.
absl::Status AdminDeadlineStatus(const ClientConfig& config, const absl::Status& last_error);

}  // namespace internal

// Runs `attempt` (which may run many times, each time answering its reply
// exactly once) until it succeeds, fails for good, or the config's
// default.api.timeout.ms passed; `reply` gets the final result, exactly
// once. An attempt still unanswered at that deadline (a request waiting for
// a connection or an answer for up to request.timeout.ms) does not hold the
// call: it gets DeadlineExceeded then, and the attempt's late answer is
// dropped, as the Java admin client bounds each call by its timeout.
template <typename T>
void WithAdminRetries(ClientCore& core, absl::AnyInvocable<void(absl::AnyInvocable<void(T) &&>)> attempt,
                      absl::AnyInvocable<void(T) &&> reply) {
  auto call = std::make_shared<internal::AdminCall<T>>();
  call->attempt = std::move(attempt);
  call->reply = std::move(reply);
  call->deadline_ms = SteadyNowMs() + core.config().default_api_timeout_ms;
  // Weak: the call is freed once answered with nothing of it pending, not
  // kept until its deadline.
  core.After(core.config().default_api_timeout_ms, [&core, weak = std::weak_ptr(call)](absl::Status status) {
    std::shared_ptr<internal::AdminCall<T>> pending = weak.lock();
    if (pending == nullptr || pending->answered) return;
    // Cancelled: the client is closing, and whatever the attempt waits for
    // is being cancelled too; answer now in case it waits for nothing.
    if (!status.ok()) return pending->Answer(T(status));
    pending->Answer(T(internal::AdminDeadlineStatus(core.config(), pending->last_error)));
  });
  internal::RunAttempt<T>(core, 0, std::move(call));
}

}  // namespace cairn::client
