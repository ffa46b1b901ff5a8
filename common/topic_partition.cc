#include "common/topic_partition.h"

#include <algorithm>

#include <charconv>

#include "absl/strings/str_cat.h"

namespace cairn {

absl::Status ValidateTopicName(std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("topic name is empty");
  if (name.size() > kMaxTopicNameLength) {
    return absl::InvalidArgumentError(absl::StrCat("topic name is longer than ", kMaxTopicNameLength, " characters"));
  }
  if (name == "." || name == "..") return absl::InvalidArgumentError("topic name cannot be '.' or '..'");
  for (char c : name) {
    const bool legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                       c == '_' || c == '-';
    if (!legal) {
      return absl::InvalidArgumentError(absl::StrCat("topic name '", std::string(name),
                                                     "' may contain only ASCII letters, digits, '.', '_' and '-'"));
    }
  }
  return absl::OkStatus();
}

std::string TopicPartition::DirectoryName() const { return absl::StrCat(topic, "-", partition); }

std::optional<TopicPartition> TopicPartition::FromDirectoryName(std::string_view name) {
  const size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  std::string_view digits = name.substr(dash + 1);
  int32_t partition = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), partition);
  if (error != std::errc() || end != digits.data() + digits.size() || partition < 0 || digits[0] == '+') {
    return std::nullopt;
  }
  std::string_view topic = name.substr(0, dash);
  if (!ValidateTopicName(topic).ok()) return std::nullopt;
  return TopicPartition{std::string(topic), partition};
}

bool IsReservedTopicName(std::string_view name) {
  return name == "__consumer_offsets" || name == "__transaction_state" || name == "__cluster_metadata";
}

std::string TopicCollisionKey(std::string_view name) {
  std::string key(name);
  std::replace(key.begin(), key.end(), '.', '_');
  return key;
}

}  // namespace cairn
