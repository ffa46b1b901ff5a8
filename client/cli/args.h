// Command-line parsing for `cairn`: each verb declares its flags, and Parse
// turns argv into positionals and flag values, refusing unknown flags and
// missing values with one-line errors (the CLI's usage errors, exit status 2).
#pragma once

#include <climits>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"

namespace cairn::cli {

struct FlagSpec {
  std::string name;        // long name without dashes: "partitions"
  char short_name = 0;     // 'p', or 0 for none
  std::string value_name;  // "N"; empty for a boolean flag
  std::string help;
  bool repeatable = false;
};

class ParsedArgs {
 public:
  const std::vector<std::string>& positionals() const { return positionals_; }
  bool Has(absl::string_view name) const { return values_.contains(std::string(name)); }
  // The last value given, or nullopt.
  std::optional<std::string> Get(absl::string_view name) const;
  std::string GetOr(absl::string_view name, std::string fallback) const;
  // Every value of a repeatable flag, in order.
  std::vector<std::string> GetAll(absl::string_view name) const;

 private:
  friend absl::StatusOr<ParsedArgs> Parse(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs);
  std::vector<std::string> positionals_;
  std::map<std::string, std::vector<std::string>> values_;
};

// Accepts --name value, --name=value, -n value, -nvalue, boolean flags, and
// "--" before positionals that start with a dash.
absl::StatusOr<ParsedArgs> Parse(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs);

// Value parsers; errors name the flag.
absl::StatusOr<int64_t> ParseInt(absl::string_view flag, absl::string_view text);
// The longest duration: Kafka's int32 milliseconds, about 24.8 days.
inline constexpr int64_t kDurationMsMax = INT32_MAX;
// "250ms", "10s", "2m", or a bare number of milliseconds, at most kDurationMsMax.
absl::StatusOr<int64_t> ParseDurationMs(absl::string_view flag, absl::string_view text);
// "100", "1KiB", "4k", "1MiB", "2m": bytes; a size beyond int64 is invalid.
absl::StatusOr<int64_t> ParseBytes(absl::string_view flag, absl::string_view text);

}  // namespace cairn::cli
