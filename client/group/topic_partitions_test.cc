#include "client/group/topic_partitions.h"

#include <doctest/doctest.h>

namespace cairn::client::group {
namespace {

TEST_CASE("topic partitions: Flatten and GroupByTopic sort and deduplicate") {
  const std::vector<TopicPartition> flat = Flatten({{"b", {1, 0}}, {"a", {2, 2}}});
  CHECK(flat == std::vector<TopicPartition>{{"a", 2}, {"b", 0}, {"b", 1}});
  CHECK(GroupByTopic({{"b", 1}, {"a", 2}, {"b", 0}}) == std::vector<TopicPartitions>{{"a", {2}}, {"b", {0, 1}}});
}

TEST_CASE("topic partitions: a grouped assignment survives the shared codec and flattens back") {
  Assignment a;
  a.assigned_partitions = GroupByTopic({{"t", 2}, {"t", 0}, {"u", 1}});
  auto decoded = kafka::DecodeConsumerAssignment(kafka::EncodeConsumerAssignment(a, 1));
  REQUIRE(decoded.ok());
  CHECK(Flatten(decoded->assigned_partitions) == std::vector<TopicPartition>{{"t", 0}, {"t", 2}, {"u", 1}});
}

}  // namespace
}  // namespace cairn::client::group
