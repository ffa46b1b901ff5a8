#include "client/cli/timestamp_arg.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/cli/args.h"

namespace cairn::cli {

absl::StatusOr<int64_t> ParseTimestampMs(absl::string_view flag, absl::string_view text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    return ParseInt(flag, text);
  }
  absl::Time time;
  std::string error;
  // RFC3339_full: "%Y-%m-%d%ET%H:%M:%E*S%Ez": optional fraction, zone Z or ±hh:mm.
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &time, &error)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid time '", text, "' for --", flag,
                                                   ": give milliseconds since the epoch or an ISO-8601 time with "
                                                   "a zone, like 2024-05-01T12:00:00Z"));
  }
  const int64_t ms = absl::ToUnixMillis(time);
  if (ms < 0) return absl::InvalidArgumentError(absl::StrCat("time '", text, "' for --", flag, " is before 1970"));
  return ms;
}

}  // namespace cairn::cli
