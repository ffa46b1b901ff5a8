// Tests for ErrnoToStatus and AsioErrorToStatus: each errno lands on its
// canonical code and the message names the context.
#include "io/status_from_errno.h"

#include <doctest/doctest.h>

#include <cerrno>

#include "io/asio_status.h"

namespace cairn::io {
namespace {

TEST_CASE("ErrnoToStatus maps each errno to its canonical code") {
  CHECK(ErrnoToStatus(ENOSPC, "x").code() == absl::StatusCode::kResourceExhausted);
  CHECK(ErrnoToStatus(EDQUOT, "x").code() == absl::StatusCode::kResourceExhausted);
  CHECK(ErrnoToStatus(ENOENT, "x").code() == absl::StatusCode::kNotFound);
  CHECK(ErrnoToStatus(EEXIST, "x").code() == absl::StatusCode::kAlreadyExists);
  CHECK(ErrnoToStatus(EINVAL, "x").code() == absl::StatusCode::kInvalidArgument);
  CHECK(ErrnoToStatus(EACCES, "x").code() == absl::StatusCode::kPermissionDenied);
  CHECK(ErrnoToStatus(EPERM, "x").code() == absl::StatusCode::kPermissionDenied);
  CHECK(ErrnoToStatus(EIO, "x").code() == absl::StatusCode::kInternal);
  CHECK(ErrnoToStatus(EBADF, "x").code() == absl::StatusCode::kInternal);
}

TEST_CASE("ErrnoToStatus puts the context, the strerror text and the number in the message") {
  const absl::Status status = ErrnoToStatus(ENOSPC, "write /data/t-0/0.log at 4096");
  CHECK(status.message() == "write /data/t-0/0.log at 4096: No space left on device (errno 28)");
}

TEST_CASE("AsioErrorToStatus maps cancellation, closed peers and system errors") {
  CHECK(AsioErrorToStatus(asio::error_code(), "op").ok());
  CHECK(AsioErrorToStatus(asio::error::operation_aborted, "op").code() ==
        absl::StatusCode::kCancelled);
  CHECK(AsioErrorToStatus(asio::error::timed_out, "op").code() ==
        absl::StatusCode::kDeadlineExceeded);
  CHECK(AsioErrorToStatus(asio::error::eof, "op").code() == absl::StatusCode::kUnavailable);
  CHECK(AsioErrorToStatus(asio::error::connection_reset, "op").code() ==
        absl::StatusCode::kUnavailable);
  const absl::Status not_found =
      AsioErrorToStatus(asio::error_code(ENOENT, asio::system_category()), "open a");
  CHECK(not_found.code() == absl::StatusCode::kNotFound);
  CHECK(not_found.message() == "open a: No such file or directory (errno 2)");
}

}  // namespace
}  // namespace cairn::io
