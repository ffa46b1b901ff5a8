// The topic config table: each key's type, constraint, broker default and
// documentation, plus Kafka-style parsing and printing of values.
#include "broker/topic_config.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/error_reason.h"

namespace cairn::broker {

namespace {

absl::string_view Absl(std::string_view text) { return {text.data(), text.size()}; }

struct KeySpec {
  std::string_view name;
  TopicConfigType type;
  std::optional<int64_t> min_integer;
  std::optional<double> min_double;
  std::optional<double> max_double;
  std::vector<std::string_view> allowed;  // kString values, kList elements
  std::string_view documentation;
  std::string (*server_default)(const ServerConfig&);
};

std::string Number(int64_t value) { return absl::StrCat(value); }

std::string DefaultCleanupPolicy(const ServerConfig& s) {
  if (s.log_cleanup_policy_compact && s.log_cleanup_policy_delete) return "compact,delete";
  return s.log_cleanup_policy_compact ? "compact" : "delete";
}

// Kafka's flush.ms default is Long.MAX_VALUE ("never forced"); cairnd keeps
// -1 for an unset log.flush.interval.ms.
std::string DefaultFlushMs(const ServerConfig& s) {
  return Number(s.log_flush_interval_ms < 0 ? std::numeric_limits<int64_t>::max() : s.log_flush_interval_ms);
}

std::string JavaDouble(double value);

// Sorted by name.
const std::vector<KeySpec>& Specs() {
  using T = TopicConfigType;
  static const auto* specs = new std::vector<KeySpec>{
      {"cleanup.policy", T::kList, {}, {}, {}, {"delete", "compact"},
       "delete (retention), compact (keep the latest record per key) or both.", DefaultCleanupPolicy},
      {"compression.type", T::kString, {}, {}, {}, {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"},
       "Stored for compatibility; Cairn keeps batches as the producer compressed them.",
       [](const ServerConfig&) { return std::string("producer"); }},
      {"delete.retention.ms", T::kLong, 0, {}, {}, {}, "How long compaction keeps tombstones.",
       [](const ServerConfig& s) { return Number(s.log_cleaner_delete_retention_ms); }},
      {"flush.messages", T::kLong, 1, {}, {}, {},
       "Accepted for compatibility: Cairn always syncs before acknowledging.",
       [](const ServerConfig& s) { return Number(s.log_flush_interval_messages); }},
      {"flush.ms", T::kLong, 0, {}, {}, {}, "Accepted for compatibility: Cairn always syncs before acknowledging.",
       DefaultFlushMs},
      {"index.interval.bytes", T::kInt, 0, {}, {}, {}, "Bytes of log between two offset index entries.",
       [](const ServerConfig& s) { return Number(s.log_index_interval_bytes); }},
      {"max.message.bytes", T::kInt, 0, {}, {}, {}, "Largest record batch accepted, in bytes.",
       [](const ServerConfig& s) { return Number(s.message_max_bytes); }},
      {"message.timestamp.type", T::kString, {}, {}, {}, {"CreateTime", "LogAppendTime"},
       "CreateTime keeps the producer's timestamps; LogAppendTime stamps batches on append.",
       [](const ServerConfig&) { return std::string("CreateTime"); }},
      {"min.cleanable.dirty.ratio", T::kDouble, {}, 0.0, 1.0, {}, "Dirty fraction of a log that triggers compaction.",
       [](const ServerConfig& s) { return JavaDouble(s.log_cleaner_min_cleanable_ratio); }},
      {"min.insync.replicas", T::kInt, 1, {}, {}, {}, "In-sync replicas an acks=all produce needs.",
       [](const ServerConfig& s) { return Number(s.min_insync_replicas); }},
      {"retention.bytes", T::kLong, -1, {}, {}, {}, "Size retention per partition; -1 is infinite.",
       [](const ServerConfig& s) { return Number(s.log_retention_bytes); }},
      {"retention.ms", T::kLong, -1, {}, {}, {}, "Time retention; -1 is infinite.",
       [](const ServerConfig& s) { return Number(s.log_retention_ms); }},
      {"segment.bytes", T::kInt, 14, {}, {}, {}, "Size at which a segment rolls.",
       [](const ServerConfig& s) { return Number(s.log_segment_bytes); }},
      {"segment.ms", T::kLong, 1, {}, {}, {}, "Age at which a segment rolls.",
       [](const ServerConfig& s) { return Number(s.log_roll_ms); }},
      {"unclean.leader.election.enable", T::kBoolean, {}, {}, {}, {},
       "Must be false: Cairn never elects a leader outside the ISR.",
       [](const ServerConfig&) { return std::string("false"); }},
  };
  return *specs;
}

const KeySpec* FindSpec(std::string_view key) {
  for (const KeySpec& spec : Specs()) {
    if (spec.name == key) return &spec;
  }
  return nullptr;
}

std::string JavaDouble(double value) {
  // Java's Double.toString: plain between 10^-3 and 10^7, else "1.0E-4".
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  char buffer[64];
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    auto result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed);
    std::string text(buffer, result.ptr);
    if (text.find('.') == std::string::npos) text += ".0";
    return text;
  }
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string text(buffer, result.ptr);
  const size_t e = text.find('e');
  std::string mantissa = text.substr(0, e);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  return absl::StrCat(mantissa, "E", std::stoi(text.substr(e + 1)));
}

std::string_view Trim(std::string_view text) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(Absl(text));
  return {trimmed.data(), trimmed.size()};
}

std::optional<int64_t> ParseInteger(std::string_view text) {
  text = Trim(text);
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);  // Java's parseLong accepts "+5"
  if (text.empty() || text[0] == '+') return std::nullopt;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> ParseDouble(std::string_view text) {
  text = Trim(text);
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty() || text[0] == '+') return std::nullopt;
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

absl::Status InvalidValue(std::string_view key, std::string_view value, std::string_view why) {
  return WithReason(absl::InvalidArgumentError(absl::StrCat("Invalid value ", Absl(value), " for configuration ",
                                                            Absl(key), ": ", Absl(why))),
                    ErrorReason::kInvalidConfig);
}

std::string OneOf(const KeySpec& spec) {
  std::vector<std::string> names(spec.allowed.begin(), spec.allowed.end());
  return absl::StrCat("String must be one of: ", absl::StrJoin(names, ", "));
}

bool Allowed(const KeySpec& spec, std::string_view value) {
  return std::find(spec.allowed.begin(), spec.allowed.end(), value) != spec.allowed.end();
}

// Parses and checks `value`; on success returns it formatted as Kafka prints it.
absl::StatusOr<std::string> Canonical(const KeySpec& spec, std::string_view value) {
  switch (spec.type) {
    case TopicConfigType::kInt:
    case TopicConfigType::kLong: {
      const bool is_int = spec.type == TopicConfigType::kInt;
      std::optional<int64_t> number = ParseInteger(value);
      if (!number || (is_int && (*number < std::numeric_limits<int32_t>::min() ||
                                 *number > std::numeric_limits<int32_t>::max()))) {
        return InvalidValue(spec.name, value, is_int ? "Not a number of type INT" : "Not a number of type LONG");
      }
      if (spec.min_integer && *number < *spec.min_integer) {
        return InvalidValue(spec.name, value, absl::StrCat("Value must be at least ", *spec.min_integer));
      }
      return Number(*number);
    }
    case TopicConfigType::kDouble: {
      std::optional<double> number = ParseDouble(value);
      if (!number) return InvalidValue(spec.name, value, "Not a number of type DOUBLE");
      if (spec.min_double && *number < *spec.min_double) {
        return InvalidValue(spec.name, value, absl::StrCat("Value must be no less than ", JavaDouble(*spec.min_double)));
      }
      if (spec.max_double && *number > *spec.max_double) {
        return InvalidValue(spec.name, value, absl::StrCat("Value must be no more than ", JavaDouble(*spec.max_double)));
      }
      return JavaDouble(*number);
    }
    case TopicConfigType::kBoolean: {
      const std::string lower = absl::AsciiStrToLower(Absl(Trim(value)));
      if (lower != "true" && lower != "false") {
        return InvalidValue(spec.name, value, "Expected value to be either true or false");
      }
      if (spec.name == "unclean.leader.election.enable" && lower == "true") {
        return InvalidValue(spec.name, value, "Cairn does not support unclean leader election");
      }
      return lower;
    }
    case TopicConfigType::kString: {
      const std::string_view trimmed = Trim(value);
      if (!spec.allowed.empty() && !Allowed(spec, trimmed)) return InvalidValue(spec.name, value, OneOf(spec));
      return std::string(trimmed);
    }
    case TopicConfigType::kList: {
      std::vector<std::string> items = SplitConfigList(value);
      if (items.empty()) return InvalidValue(spec.name, value, "Empty list; name at least one of: delete, compact");
      for (const std::string& item : items) {
        if (!Allowed(spec, item)) return InvalidValue(spec.name, value, OneOf(spec));
      }
      return absl::StrJoin(items, ",");
    }
  }
  return InvalidValue(spec.name, value, "unsupported type");
}

// The value of `key` for `topic`: the override (canonical) or the default.
std::string EffectiveValue(const ServerConfig& server, const TopicInfo& topic, const KeySpec& spec) {
  auto it = topic.configs.find(std::string(spec.name));
  if (it != topic.configs.end()) {
    if (absl::StatusOr<std::string> canonical = Canonical(spec, it->second); canonical.ok()) return *canonical;
  }
  return spec.server_default(server);
}

int64_t EffectiveInteger(const ServerConfig& server, const TopicInfo& topic, std::string_view key) {
  const KeySpec* spec = FindSpec(key);
  return ParseInteger(EffectiveValue(server, topic, *spec)).value_or(0);
}

}  // namespace

const std::vector<std::string>& SupportedTopicConfigNames() {
  static const auto* names = [] {
    auto* list = new std::vector<std::string>;
    for (const KeySpec& spec : Specs()) list->emplace_back(spec.name);
    std::sort(list->begin(), list->end());
    return list;
  }();
  return *names;
}

bool IsListTopicConfig(std::string_view key) {
  const KeySpec* spec = FindSpec(key);
  return spec != nullptr && spec->type == TopicConfigType::kList;
}

std::vector<std::string> SplitConfigList(std::string_view value) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view item = Trim(value.substr(start, comma - start));
    if (!item.empty()) items.emplace_back(item);
    start = comma + 1;
  }
  return items;
}

absl::Status ValidateTopicConfig(std::string_view key, std::string_view value) {
  const KeySpec* spec = FindSpec(key);
  if (spec == nullptr) {
    return WithReason(absl::InvalidArgumentError(absl::StrCat("Unknown topic config name: ", Absl(key))),
                      ErrorReason::kInvalidConfig);
  }
  return Canonical(*spec, value).status();
}

absl::Status ValidateTopicConfigs(const std::map<std::string, std::string>& configs) {
  for (const auto& [key, value] : configs) {
    if (absl::Status status = ValidateTopicConfig(key, value); !status.ok()) return status;
  }
  return absl::OkStatus();
}

std::optional<std::string> TopicConfigDefault(const ServerConfig& server, std::string_view key) {
  const KeySpec* spec = FindSpec(key);
  if (spec == nullptr) return std::nullopt;
  return spec->server_default(server);
}

storage::LogConfig EffectiveLogConfig(const ServerConfig& server, const TopicInfo& topic) {
  storage::LogConfig config = storage::LogConfigFromServer(server);
  config.retention_ms = EffectiveInteger(server, topic, "retention.ms");
  config.retention_bytes = EffectiveInteger(server, topic, "retention.bytes");
  config.segment_bytes = EffectiveInteger(server, topic, "segment.bytes");
  config.segment_ms = EffectiveInteger(server, topic, "segment.ms");
  config.max_batch_bytes = EffectiveInteger(server, topic, "max.message.bytes");
  config.delete_retention_ms = EffectiveInteger(server, topic, "delete.retention.ms");
  config.index_interval_bytes = EffectiveInteger(server, topic, "index.interval.bytes");
  config.min_cleanable_dirty_ratio =
      ParseDouble(EffectiveValue(server, topic, *FindSpec("min.cleanable.dirty.ratio"))).value_or(0.5);
  const std::vector<std::string> policy = SplitConfigList(EffectiveValue(server, topic, *FindSpec("cleanup.policy")));
  config.cleanup_delete = std::find(policy.begin(), policy.end(), "delete") != policy.end();
  config.cleanup_compact = std::find(policy.begin(), policy.end(), "compact") != policy.end();
  return config;
}

TopicBrokerConfig EffectiveTopicBrokerConfig(const ServerConfig& server, const TopicInfo& topic) {
  TopicBrokerConfig config;
  config.log_append_time = EffectiveValue(server, topic, *FindSpec("message.timestamp.type")) == "LogAppendTime";
  config.min_insync_replicas = static_cast<int32_t>(EffectiveInteger(server, topic, "min.insync.replicas"));
  config.compression_type = EffectiveValue(server, topic, *FindSpec("compression.type"));
  return config;
}

std::vector<ConfigEntry> DescribeTopicConfigs(const ServerConfig& server, const TopicInfo& topic,
                                              const std::vector<std::string>* only_keys) {
  std::vector<ConfigEntry> entries;
  for (const KeySpec& spec : Specs()) {
    if (only_keys != nullptr &&
        std::find(only_keys->begin(), only_keys->end(), spec.name) == only_keys->end()) {
      continue;
    }
    ConfigEntry entry;
    entry.name = std::string(spec.name);
    entry.type = spec.type;
    entry.documentation = std::string(spec.documentation);
    auto it = topic.configs.find(entry.name);
    if (it != topic.configs.end()) {
      absl::StatusOr<std::string> canonical = Canonical(spec, it->second);
      entry.value = canonical.ok() ? *canonical : it->second;
      entry.source = kConfigSourceTopic;
      entry.is_default = false;
    } else {
      entry.value = spec.server_default(server);
      entry.source = kConfigSourceDefault;
      entry.is_default = true;
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace cairn::broker
