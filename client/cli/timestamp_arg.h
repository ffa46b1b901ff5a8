// Parsing of a point in time given on the command line (`group seek
// --to-timestamp`): milliseconds since the Unix epoch, or an ISO-8601 /
// RFC 3339 date-time with a zone ("2024-05-01T12:00:00Z",
// "2024-05-01T14:00:00.250+02:00"). A date-time without a zone is refused:
// the shell's time zone is not a safe guess for a server-side reset.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cairn::cli {

// Milliseconds since the epoch; errors name `flag`.
absl::StatusOr<int64_t> ParseTimestampMs(absl::string_view flag, absl::string_view text);

}  // namespace cairn::cli
