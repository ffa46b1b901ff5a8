// A typed parser for Kafka-style server.properties files (DESIGN.md §10):
// a ConfigDef declares every key with its type, default and validator; Parse
// turns file text plus `--override key=value` strings into a typed Config.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace cairn {

enum class ConfigType { kInt, kLong, kDouble, kBool, kString, kList };

// A parsed value; the alternative matches the key's ConfigType in the order
// of the enum (kInt → int32_t, ..., kList → vector<string>).
using ConfigValue =
    std::variant<int32_t, int64_t, double, bool, std::string, std::vector<std::string>>;

// Constraints checked after a value parses. Integer bounds apply to kInt and
// kLong, double bounds to kDouble, `allowed` to kString and to every element
// of a kList. An empty string (for kString) is always allowed, since empty is
// how Kafka configs spell "disabled".
struct ConfigValidator {
  std::optional<int64_t> min_integer;
  std::optional<int64_t> max_integer;
  std::optional<double> min_double;
  std::optional<double> max_double;
  std::vector<std::string> allowed;

  static ConfigValidator AtLeast(int64_t min);
  static ConfigValidator Between(int64_t min, int64_t max);
  static ConfigValidator DoubleBetween(double min, double max);
  static ConfigValidator OneOf(std::vector<std::string> allowed);
};

// The effective values of one parse. Getters take the key's name; asking for
// an unknown name, the wrong type, or an optional key that has no value is a
// programmer error and crashes.
class Config {
 public:
  int32_t GetInt(std::string_view name) const;
  int64_t GetLong(std::string_view name) const;
  double GetDouble(std::string_view name) const;
  bool GetBool(std::string_view name) const;
  const std::string& GetString(std::string_view name) const;
  const std::vector<std::string>& GetList(std::string_view name) const;

  // True when the file or an override gave the key (as opposed to a default).
  bool IsSet(std::string_view name) const;
  // True when the key has a value: set explicitly or by a default. Only
  // optional keys (declared without a default) can lack one.
  bool HasValue(std::string_view name) const;

  // One "name=value" line per key that has a value, sorted by name; lists
  // are joined with ','. For logging the effective configuration at start.
  std::string Dump() const;

 private:
  friend class ConfigDef;
  struct Entry {
    ConfigType type;
    std::optional<ConfigValue> value;
    bool set = false;
  };
  const Entry& Find(std::string_view name, ConfigType type) const;

  std::map<std::string, Entry, std::less<>> entries_;
};

class ConfigDef {
 public:
  // Registers a key with a default, written as it would appear in a file
  // (lists comma-separated). The default must parse and pass the validator.
  ConfigDef& Define(std::string name, ConfigType type, std::string_view default_value,
                    std::string documentation, ConfigValidator validator = {});
  // Registers a key the file or an override must give.
  ConfigDef& DefineRequired(std::string name, ConfigType type, std::string documentation,
                            ConfigValidator validator = {});
  // Registers a key without a default: Config::HasValue is false unless given.
  ConfigDef& DefineOptional(std::string name, ConfigType type, std::string documentation,
                            ConfigValidator validator = {});

  // Parses java.util.Properties-style text: `key=value` or `key:value` lines
  // (whitespace around key and value trimmed), '#' and '!' comment lines,
  // blank lines, and a trailing backslash continuing a line (the next line's
  // leading whitespace is dropped). Other backslash escapes are kept as
  // written. Later lines override earlier ones; `overrides` ("key=value")
  // apply after the file. Errors are InvalidArgument naming the key, with the
  // line number for file errors.
  absl::StatusOr<Config> Parse(std::string_view file_text,
                               const std::vector<std::string>& overrides = {}) const;

  // Documentation of every key, for `cairnd --help-config`.
  std::string Describe() const;

 private:
  enum class Presence { kDefault, kRequired, kOptional };
  struct Key {
    ConfigType type;
    Presence presence;
    std::optional<ConfigValue> default_value;
    std::string default_text;
    std::string documentation;
    ConfigValidator validator;
  };
  ConfigDef& Add(std::string name, Key key);
  // Parses and validates `text` for `name`; `where` (" (line 3)") is appended
  // to errors.
  absl::StatusOr<ConfigValue> ParseValue(std::string_view name, const Key& key,
                                         std::string_view text, std::string_view where) const;

  std::map<std::string, Key, std::less<>> keys_;
};

}  // namespace cairn
