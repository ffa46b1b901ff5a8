// Turns an errno value into an absl::Status with a canonical code, so every
// io/ failure reaches storage and broker in one vocabulary (DESIGN.md §9).
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace cairn::io {

// ENOSPC/EDQUOT → ResourceExhausted, ENOENT → NotFound, EEXIST → AlreadyExists,
// EINVAL → InvalidArgument, EACCES/EPERM → PermissionDenied, anything else
// (EIO included) → Internal. The message is "<context>: <strerror> (errno N)".
// `err` must be a positive errno; 0 is a programmer error.
absl::Status ErrnoToStatus(int err, std::string_view context);

}  // namespace cairn::io
