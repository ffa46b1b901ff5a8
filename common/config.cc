// Parsing of server.properties text into typed values, with errors that name
// the key and the line (DESIGN.md §9: a bad config gets a clear message).
#include "common/config.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/check.h"
#include "common/status_macros.h"

namespace cairn {

namespace {

// This Abseil build has its own string_view type; convert at its boundary.
absl::string_view Absl(std::string_view text) { return {text.data(), text.size()}; }

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\f' || c == '\r' || c == '\n' || c == '\v';
}

std::string_view TrimLeading(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  return text;
}

std::string_view Trim(std::string_view text) {
  text = TrimLeading(text);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  for (size_t start = 0;;) {
    size_t end = text.find(separator, start);
    pieces.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return pieces;
    start = end + 1;
  }
}

std::string_view TypeName(ConfigType type) {
  switch (type) {
    case ConfigType::kInt:
      return "int";
    case ConfigType::kLong:
      return "long";
    case ConfigType::kDouble:
      return "double";
    case ConfigType::kBool:
      return "boolean";
    case ConfigType::kString:
      return "string";
    case ConfigType::kList:
      return "list";
  }
  return "?";
}

// A logical line of the file: physical lines joined by continuations, with
// the number of the first physical line for error messages.
struct LogicalLine {
  int number;
  std::string text;
};

// True when `line` ends with an odd number of backslashes: the last one
// escapes the newline (java.util.Properties rule).
bool EndsWithContinuation(std::string_view line) {
  size_t backslashes = 0;
  while (backslashes < line.size() && line[line.size() - 1 - backslashes] == '\\') {
    ++backslashes;
  }
  return backslashes % 2 == 1;
}

std::vector<LogicalLine> SplitLogicalLines(std::string_view text) {
  std::vector<LogicalLine> lines;
  bool continuing = false;
  int number = 0;
  for (std::string_view physical : Split(text, '\n')) {
    ++number;
    if (physical.ends_with('\r')) physical.remove_suffix(1);
    std::string_view stripped = TrimLeading(physical);
    if (!continuing) {
      if (stripped.empty() || stripped[0] == '#' || stripped[0] == '!') continue;
      lines.push_back({number, ""});
    }
    continuing = EndsWithContinuation(stripped);
    if (continuing) stripped.remove_suffix(1);
    lines.back().text.append(stripped);
  }
  return lines;
}

template <typename Int>
absl::StatusOr<Int> ParseInteger(std::string_view text, std::string_view bits) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
  Int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range) {
    return absl::InvalidArgumentError(absl::StrCat("expected a ", Absl(bits), " integer between ",
                                                   std::numeric_limits<Int>::min(), " and ",
                                                   std::numeric_limits<Int>::max()));
  }
  if (error != std::errc() || end != text.data() + text.size()) {
    return absl::InvalidArgumentError("expected an integer");
  }
  return value;
}

absl::StatusOr<double> ParseDouble(std::string_view text) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return absl::InvalidArgumentError("expected a number");
  }
  return value;
}

absl::StatusOr<bool> ParseBool(std::string_view text) {
  if (absl::EqualsIgnoreCase(Absl(text), "true")) return true;
  if (absl::EqualsIgnoreCase(Absl(text), "false")) return false;
  return absl::InvalidArgumentError("expected true or false");
}

// Kafka's LIST type: comma-separated, each element trimmed; "" is the empty
// list. An empty element ("a,,b") is almost always a typo, so it is an error.
absl::StatusOr<std::vector<std::string>> ParseList(std::string_view text) {
  std::vector<std::string> elements;
  if (text.empty()) return elements;
  for (std::string_view element : Split(text, ',')) {
    element = Trim(element);
    if (element.empty()) {
      return absl::InvalidArgumentError("empty element in a comma-separated list");
    }
    elements.emplace_back(element);
  }
  return elements;
}

absl::StatusOr<ConfigValue> ParseTyped(ConfigType type, std::string_view text) {
  switch (type) {
    case ConfigType::kInt:
      return ParseInteger<int32_t>(text, "32-bit");
    case ConfigType::kLong:
      return ParseInteger<int64_t>(text, "64-bit");
    case ConfigType::kDouble:
      return ParseDouble(text);
    case ConfigType::kBool:
      return ParseBool(text);
    case ConfigType::kString:
      return std::string(text);
    case ConfigType::kList:
      return ParseList(text);
  }
  return absl::InternalError("unknown config type");
}

std::string FormatDouble(double value) {
  char digits[64];
  auto [end, error] = std::to_chars(digits, digits + sizeof(digits), value);
  CAIRN_CHECK(error == std::errc()) << "formatting " << value;
  return std::string(digits, end);
}

template <typename T>
absl::Status CheckBounds(T value, std::optional<T> min, std::optional<T> max,
                         std::string (*format)(T)) {
  bool too_small = min.has_value() && value < *min;
  bool too_large = max.has_value() && value > *max;
  if (!too_small && !too_large) return absl::OkStatus();
  if (min.has_value() && max.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("must be between ", format(*min), " and ", format(*max)));
  }
  if (too_small) return absl::InvalidArgumentError(absl::StrCat("must be at least ", format(*min)));
  return absl::InvalidArgumentError(absl::StrCat("must be at most ", format(*max)));
}

std::string FormatInteger(int64_t value) { return absl::StrCat(value); }

absl::Status CheckAllowed(const std::string& element, const std::vector<std::string>& allowed,
                          bool is_list) {
  if (allowed.empty()) return absl::OkStatus();
  for (const std::string& candidate : allowed) {
    if (candidate == element) return absl::OkStatus();
  }
  std::string choices = absl::StrJoin(allowed, ", ");
  if (is_list) {
    return absl::InvalidArgumentError(
        absl::StrCat("element '", element, "' must be one of: ", choices));
  }
  return absl::InvalidArgumentError(absl::StrCat("must be one of: ", choices));
}

absl::Status Validate(const ConfigValue& value, const ConfigValidator& validator) {
  if (const auto* i = std::get_if<int32_t>(&value)) {
    return CheckBounds<int64_t>(*i, validator.min_integer, validator.max_integer, FormatInteger);
  }
  if (const auto* l = std::get_if<int64_t>(&value)) {
    return CheckBounds<int64_t>(*l, validator.min_integer, validator.max_integer, FormatInteger);
  }
  if (const auto* d = std::get_if<double>(&value)) {
    return CheckBounds<double>(*d, validator.min_double, validator.max_double, FormatDouble);
  }
  if (const auto* s = std::get_if<std::string>(&value)) {
    if (s->empty()) return absl::OkStatus();
    return CheckAllowed(*s, validator.allowed, /*is_list=*/false);
  }
  if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
    for (const std::string& element : *list) {
      RETURN_IF_ERROR(CheckAllowed(element, validator.allowed, /*is_list=*/true));
    }
  }
  return absl::OkStatus();
}

std::string FormatValue(const ConfigValue& value) {
  struct Formatter {
    std::string operator()(int32_t v) const { return absl::StrCat(v); }
    std::string operator()(int64_t v) const { return absl::StrCat(v); }
    std::string operator()(double v) const { return FormatDouble(v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(const std::vector<std::string>& v) const {
      return absl::StrJoin(v, ",");
    }
  };
  return std::visit(Formatter{}, value);
}

}  // namespace

// --- ConfigValidator ---

ConfigValidator ConfigValidator::AtLeast(int64_t min) {
  ConfigValidator validator;
  validator.min_integer = min;
  return validator;
}

ConfigValidator ConfigValidator::Between(int64_t min, int64_t max) {
  CAIRN_CHECK(min <= max) << min << " > " << max;
  ConfigValidator validator;
  validator.min_integer = min;
  validator.max_integer = max;
  return validator;
}

ConfigValidator ConfigValidator::DoubleBetween(double min, double max) {
  CAIRN_CHECK(min <= max) << min << " > " << max;
  ConfigValidator validator;
  validator.min_double = min;
  validator.max_double = max;
  return validator;
}

ConfigValidator ConfigValidator::OneOf(std::vector<std::string> allowed) {
  ConfigValidator validator;
  validator.allowed = std::move(allowed);
  return validator;
}

// --- Config ---

const Config::Entry& Config::Find(std::string_view name, ConfigType type) const {
  auto it = entries_.find(name);
  CAIRN_CHECK(it != entries_.end()) << "unknown config key '" << name << "'";
  CAIRN_CHECK(it->second.type == type) << "config key '" << name << "' is a "
                                       << TypeName(it->second.type) << ", not a " << TypeName(type);
  CAIRN_CHECK(it->second.value.has_value())
      << "optional config key '" << name << "' has no value; check HasValue() first";
  return it->second;
}

int32_t Config::GetInt(std::string_view name) const {
  return std::get<int32_t>(*Find(name, ConfigType::kInt).value);
}

int64_t Config::GetLong(std::string_view name) const {
  return std::get<int64_t>(*Find(name, ConfigType::kLong).value);
}

double Config::GetDouble(std::string_view name) const {
  return std::get<double>(*Find(name, ConfigType::kDouble).value);
}

bool Config::GetBool(std::string_view name) const {
  return std::get<bool>(*Find(name, ConfigType::kBool).value);
}

const std::string& Config::GetString(std::string_view name) const {
  return std::get<std::string>(*Find(name, ConfigType::kString).value);
}

const std::vector<std::string>& Config::GetList(std::string_view name) const {
  return std::get<std::vector<std::string>>(*Find(name, ConfigType::kList).value);
}

bool Config::IsSet(std::string_view name) const {
  auto it = entries_.find(name);
  CAIRN_CHECK(it != entries_.end()) << "unknown config key '" << name << "'";
  return it->second.set;
}

bool Config::HasValue(std::string_view name) const {
  auto it = entries_.find(name);
  CAIRN_CHECK(it != entries_.end()) << "unknown config key '" << name << "'";
  return it->second.value.has_value();
}

std::string Config::Dump() const {
  std::string out;
  for (const auto& [name, entry] : entries_) {
    if (!entry.value.has_value()) continue;
    absl::StrAppend(&out, name, "=", FormatValue(*entry.value), "\n");
  }
  return out;
}

// --- ConfigDef ---

ConfigDef& ConfigDef::Add(std::string name, Key key) {
  CAIRN_CHECK(!name.empty()) << "config key without a name";
  CAIRN_CHECK(!keys_.contains(name)) << "config key '" << name << "' defined twice";
  keys_.emplace(std::move(name), std::move(key));
  return *this;
}

ConfigDef& ConfigDef::Define(std::string name, ConfigType type, std::string_view default_value,
                             std::string documentation, ConfigValidator validator) {
  Key key{type,
          Presence::kDefault,
          std::nullopt,
          std::string(default_value),
          std::move(documentation),
          std::move(validator)};
  // A default that does not parse is a bug in the definition, not in the file.
  absl::StatusOr<ConfigValue> parsed = ParseValue(name, key, default_value, " (default)");
  CAIRN_CHECK(parsed.ok()) << parsed.status();
  key.default_value = *std::move(parsed);
  return Add(std::move(name), std::move(key));
}

ConfigDef& ConfigDef::DefineRequired(std::string name, ConfigType type, std::string documentation,
                                     ConfigValidator validator) {
  return Add(std::move(name), Key{type, Presence::kRequired, std::nullopt, "",
                                  std::move(documentation), std::move(validator)});
}

ConfigDef& ConfigDef::DefineOptional(std::string name, ConfigType type, std::string documentation,
                                     ConfigValidator validator) {
  return Add(std::move(name), Key{type, Presence::kOptional, std::nullopt, "",
                                  std::move(documentation), std::move(validator)});
}

absl::StatusOr<ConfigValue> ConfigDef::ParseValue(std::string_view name, const Key& key,
                                                  std::string_view text,
                                                  std::string_view where) const {
  absl::StatusOr<ConfigValue> value = ParseTyped(key.type, text);
  absl::Status status = value.ok() ? Validate(*value, key.validator) : value.status();
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid value '", Absl(text), "' for '",
                                                   Absl(name), "': ", status.message(),
                                                   Absl(where)));
  }
  return value;
}

absl::StatusOr<Config> ConfigDef::Parse(std::string_view file_text,
                                        const std::vector<std::string>& overrides) const {
  Config config;
  for (const auto& [name, key] : keys_) {
    config.entries_.emplace(name, Config::Entry{key.type, key.default_value, false});
  }
  auto assign = [&](std::string_view name, std::string_view text,
                    std::string_view where) -> absl::Status {
    auto key = keys_.find(name);
    if (key == keys_.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown config key '", Absl(name), "'", Absl(where)));
    }
    ASSIGN_OR_RETURN(ConfigValue value, ParseValue(name, key->second, text, where));
    Config::Entry& entry = config.entries_.find(name)->second;
    entry.value = std::move(value);
    entry.set = true;
    return absl::OkStatus();
  };

  for (const LogicalLine& line : SplitLogicalLines(file_text)) {
    const std::string where = absl::StrCat(" (line ", line.number, ")");
    size_t separator = line.text.find_first_of("=:");
    if (separator == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected 'key=value' but found '", Absl(Trim(line.text)), "'", where));
    }
    std::string_view text = line.text;
    std::string_view name = Trim(text.substr(0, separator));
    if (name.empty()) return absl::InvalidArgumentError(absl::StrCat("empty config key", where));
    RETURN_IF_ERROR(assign(name, Trim(text.substr(separator + 1)), where));
  }

  for (const std::string& override_text : overrides) {
    // Only '=' separates an override: values such as listeners contain ':'.
    size_t separator = override_text.find('=');
    std::string_view name = Trim(std::string_view(override_text).substr(0, separator));
    if (separator == std::string::npos || name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("override '", override_text, "' must have the form key=value"));
    }
    std::string_view value = Trim(std::string_view(override_text).substr(separator + 1));
    RETURN_IF_ERROR(assign(name, value, " (override)"));
  }

  for (const auto& [name, key] : keys_) {
    if (key.presence == Presence::kRequired && !config.IsSet(name)) {
      return absl::InvalidArgumentError(absl::StrCat("missing required config key '", name, "'"));
    }
  }
  return config;
}

std::string ConfigDef::Describe() const {
  std::string out;
  for (const auto& [name, key] : keys_) {
    absl::StrAppend(&out, name, " (", Absl(TypeName(key.type)));
    switch (key.presence) {
      case Presence::kDefault:
        absl::StrAppend(&out, ", default '", key.default_text, "'");
        break;
      case Presence::kRequired:
        absl::StrAppend(&out, ", required");
        break;
      case Presence::kOptional:
        absl::StrAppend(&out, ", optional");
        break;
    }
    absl::StrAppend(&out, "): ", key.documentation, "\n");
  }
  return out;
}

}  // namespace cairn
