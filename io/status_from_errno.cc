// errno → absl::Status with canonical codes (see status_from_errno.h).

#include "io/status_from_errno.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/check.h"

namespace cairn::io {

namespace {
absl::StatusCode CodeForErrno(int err) {
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return absl::StatusCode::kResourceExhausted;
    case ENOENT:
      return absl::StatusCode::kNotFound;
    case EEXIST:
      return absl::StatusCode::kAlreadyExists;
    case EINVAL:
      return absl::StatusCode::kInvalidArgument;
    case EACCES:
    case EPERM:
      return absl::StatusCode::kPermissionDenied;
    default:
      // EIO and the rest: the caller cannot tell what was lost, so Internal.
      return absl::StatusCode::kInternal;
  }
}
}  // namespace

absl::Status ErrnoToStatus(int err, std::string_view context) {
  CAIRN_CHECK(err > 0) << "ErrnoToStatus(" << err << ") for " << context;
  char buffer[128];
  // GNU strerror_r (g++ defines _GNU_SOURCE): thread-safe, returns the text.
  const char* text = strerror_r(err, buffer, sizeof(buffer));
  // This Abseil build has its own string_view type, hence the explicit copy.
  const absl::string_view where(context.data(), context.size());
  return absl::Status(CodeForErrno(err), absl::StrCat(where, ": ", text, " (errno ", err, ")"));
}

}  // namespace cairn::io
