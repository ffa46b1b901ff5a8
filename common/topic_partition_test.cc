#include "common/topic_partition.h"

#include <doctest/doctest.h>

namespace cairn {
namespace {

TEST_CASE("Topic names follow Kafka's rules") {
  CHECK(ValidateTopicName("orders.v2_eu-west").ok());
  CHECK_FALSE(ValidateTopicName("").ok());
  CHECK_FALSE(ValidateTopicName(".").ok());
  CHECK_FALSE(ValidateTopicName("..").ok());
  CHECK_FALSE(ValidateTopicName("has space").ok());
  CHECK_FALSE(ValidateTopicName("slash/y").ok());
  CHECK(ValidateTopicName(std::string(249, 'a')).ok());
  CHECK_FALSE(ValidateTopicName(std::string(250, 'a')).ok());
}

TEST_CASE("Partition directories are named <topic>-<partition> and parse back at the last dash") {
  TopicPartition tp{"my-topic", 12};
  CHECK(tp.DirectoryName() == "my-topic-12");
  CHECK(TopicPartition::FromDirectoryName("my-topic-12") == tp);
  CHECK_FALSE(TopicPartition::FromDirectoryName("my-topic").has_value());
  CHECK_FALSE(TopicPartition::FromDirectoryName("-3").has_value());
  CHECK_FALSE(TopicPartition::FromDirectoryName("t-").has_value());
  CHECK_FALSE(TopicPartition::FromDirectoryName("t-+3").has_value());
  CHECK_FALSE(TopicPartition::FromDirectoryName("t-3x").has_value());
  CHECK_FALSE(TopicPartition::FromDirectoryName("bad name-3").has_value());
}

}  // namespace
}  // namespace cairn
