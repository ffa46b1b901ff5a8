// Converts an asio::error_code into an absl::Status at the io/ boundary
// (DESIGN.md §9). Only io/ may include this: it pulls in Asio.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "asio/error.hpp"
#include "asio/error_code.hpp"
#include "io/status_from_errno.h"

namespace cairn::io {

// An empty error_code → OK. Cancellation → Cancelled, a timeout →
// DeadlineExceeded, a peer gone (eof, reset, refused, broken pipe) →
// Unavailable; other system errors go through ErrnoToStatus; anything else is
// Internal. The message names `context` and the Asio error text.
inline absl::Status AsioErrorToStatus(const asio::error_code& ec, std::string_view context) {
  if (!ec) return absl::OkStatus();
  const std::string message =
      absl::StrCat(absl::string_view(context.data(), context.size()), ": ", ec.message());
  if (ec == asio::error::operation_aborted) return absl::CancelledError(message);
  if (ec == asio::error::timed_out) return absl::DeadlineExceededError(message);
  if (ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::connection_refused || ec == asio::error::connection_aborted ||
      ec == asio::error::broken_pipe || ec == asio::error::not_connected) {
    return absl::UnavailableError(message);
  }
  if (ec.category() == asio::system_category() && ec.value() > 0) {
    return ErrnoToStatus(ec.value(), context);
  }
  return absl::InternalError(message);
}

}  // namespace cairn::io
