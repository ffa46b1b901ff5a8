#include "client/cli/args.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace cairn::cli {
namespace {

const FlagSpec* FindLong(const std::vector<FlagSpec>& specs, absl::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

const FlagSpec* FindShort(const std::vector<FlagSpec>& specs, char name) {
  for (const FlagSpec& spec : specs) {
    if (spec.short_name != 0 && spec.short_name == name) return &spec;
  }
  return nullptr;
}

// Splits "12ms" into 12 and "ms".
absl::StatusOr<std::pair<int64_t, std::string>> NumberAndSuffix(absl::string_view flag, absl::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr == text.data() || value < 0) {
    return absl::InvalidArgumentError(absl::StrCat("invalid value '", text, "' for --", flag));
  }
  return std::make_pair(value, absl::AsciiStrToLower(absl::string_view(ptr, end - ptr)));
}

}  // namespace

std::optional<std::string> ParsedArgs::Get(absl::string_view name) const {
  auto it = values_.find(std::string(name));
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string ParsedArgs::GetOr(absl::string_view name, std::string fallback) const {
  std::optional<std::string> value = Get(name);
  return value ? *value : std::move(fallback);
}

std::vector<std::string> ParsedArgs::GetAll(absl::string_view name) const {
  auto it = values_.find(std::string(name));
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

absl::StatusOr<ParsedArgs> Parse(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs) {
  ParsedArgs parsed;
  bool only_positionals = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_positionals || arg.size() < 2 || arg[0] != '-') {
      parsed.positionals_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positionals = true;
      continue;
    }
    const FlagSpec* spec = nullptr;
    std::optional<std::string> inline_value;
    std::string shown = arg;
    if (absl::StartsWith(arg, "--")) {
      absl::string_view body = absl::string_view(arg).substr(2);
      if (size_t eq = body.find('='); eq != absl::string_view::npos) {
        inline_value = std::string(body.substr(eq + 1));
        body = body.substr(0, eq);
        shown = absl::StrCat("--", body);
      }
      spec = FindLong(specs, body);
    } else {
      spec = FindShort(specs, arg[1]);
      shown = arg.substr(0, 2);
      if (arg.size() > 2) inline_value = arg.substr(2);
    }
    if (spec == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown flag ", shown));
    std::vector<std::string>& values = parsed.values_[spec->name];
    if (spec->value_name.empty()) {
      if (inline_value) return absl::InvalidArgumentError(absl::StrCat("flag ", shown, " takes no value"));
      values.push_back("true");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat("flag ", shown, " needs a value (", spec->value_name, ")"));
      }
      inline_value = args[++i];
    }
    if (!spec->repeatable && !values.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("flag --", spec->name, " given more than once"));
    }
    values.push_back(std::move(*inline_value));
  }
  return parsed;
}

absl::StatusOr<int64_t> ParseInt(absl::string_view flag, absl::string_view text) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid number '", text, "' for --", flag));
  }
  return value;
}

absl::StatusOr<int64_t> ParseDurationMs(absl::string_view flag, absl::string_view text) {
  absl::StatusOr<std::pair<int64_t, std::string>> parts = NumberAndSuffix(flag, text);
  if (!parts.ok()) return parts.status();
  const auto& [value, suffix] = *parts;
  int64_t unit_ms = 0;
  if (suffix.empty() || suffix == "ms") unit_ms = 1;
  if (suffix == "s") unit_ms = 1000;
  if (suffix == "m") unit_ms = 60 * 1000;
  if (unit_ms == 0) {
    return absl::InvalidArgumentError(absl::StrCat("invalid duration '", text, "' for --", flag, " (use ms, s or m)"));
  }
  // Kafka's time settings are int32 milliseconds (request.timeout.ms,
  // linger.ms, ...): a longer duration would overflow where it lands.
  if (value > kDurationMsMax / unit_ms) {
    return absl::InvalidArgumentError(absl::StrCat("invalid duration '", text, "' for --", flag, " (at most ",
                                                   kDurationMsMax, " ms)"));
  }
  return value * unit_ms;
}

absl::StatusOr<int64_t> ParseBytes(absl::string_view flag, absl::string_view text) {
  absl::StatusOr<std::pair<int64_t, std::string>> parts = NumberAndSuffix(flag, text);
  if (!parts.ok()) return parts.status();
  const auto& [value, suffix] = *parts;
  int shift = -1;
  if (suffix.empty() || suffix == "b") shift = 0;
  if (suffix == "k" || suffix == "kb" || suffix == "kib") shift = 10;
  if (suffix == "m" || suffix == "mb" || suffix == "mib") shift = 20;
  if (shift < 0) {
    return absl::InvalidArgumentError(absl::StrCat("invalid size '", text, "' for --", flag, " (use KiB or MiB)"));
  }
  // Refused like a number too large for int64 without a unit, rather than
  // shifted into a wrapped, small size.
  if (value > (INT64_MAX >> shift)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid value '", text, "' for --", flag));
  }
  return value << shift;
}

}  // namespace cairn::cli
