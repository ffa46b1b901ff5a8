// GroupPartitionCounts: what a group leader learns from a Metadata answer.
#include "client/cluster_metadata.h"
#include "client/consumer_engine.h"
#include "client/kafka_error.h"
#include "doctest/doctest.h"

namespace cairn::client {
namespace {

TopicMetadata Topic(std::string name, int16_t error, int partitions) {
  TopicMetadata t;
  t.name = std::move(name);
  t.error_code = error;
  for (int p = 0; p < partitions; ++p) t.partitions.push_back(PartitionMetadata{.partition = p});
  return t;
}

TEST_CASE("GroupPartitionCounts: a count per described topic, 0 for a missing one, -1 for one answered with another error") {
  const group::PartitionCounts counts = GroupPartitionCounts({
      Topic("ok", 0, 3),
      Topic("deleted", kafka_error::kUnknownTopicOrPartition, 0),
      Topic("electing", kafka_error::kLeaderNotAvailable, 0),
      Topic("bad name", kafka_error::kInvalidTopicException, 0),
      Topic("forbidden", kafka_error::kTopicAuthorizationFailed, 0),
  });
  CHECK(counts == group::PartitionCounts{
                      {"ok", 3}, {"deleted", 0}, {"electing", -1}, {"bad name", -1}, {"forbidden", -1}});
}

}  // namespace
}  // namespace cairn::client
