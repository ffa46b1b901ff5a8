// Consumer lag on /metrics (issue: lag visible per group and partition), in
// kafka_exporter's names so existing dashboards work:
//   kafka_topic_partition_current_offset{topic,partition}   the high watermark
//   kafka_consumergroup_current_offset{consumergroup,topic,partition}
//   kafka_consumergroup_lag{consumergroup,topic,partition}   = HW - committed, ≥ 0
// Each shard reports the high watermarks of its partitions and the commits
// of the groups it coordinates; lag is computed once they are merged.
#pragma once

#include <vector>

#include "broker/group/group_coordinator.h"
#include "broker/metrics.h"

namespace cairn::broker {

class ShardContext;

inline constexpr MetricFamily kPartitionCurrentOffset{"kafka_topic_partition_current_offset", MetricType::kGauge,
                                                      "A partition's high watermark (next offset to be written)."};
inline constexpr MetricFamily kGroupCurrentOffset{"kafka_consumergroup_current_offset", MetricType::kGauge,
                                                  "A group's committed offset for a partition."};
inline constexpr MetricFamily kGroupLag{"kafka_consumergroup_lag", MetricType::kGauge,
                                        "High watermark minus the group's committed offset."};

// On a shard: its partitions' high watermarks into `metrics`, and the
// committed offsets of the groups it coordinates.
std::vector<group::CommittedView> SnapshotGroupOffsets(ShardContext& shard, Metrics& metrics);

// After merging every shard: the committed offsets and their lag.
void AddConsumerLag(Metrics& total, const std::vector<group::CommittedView>& committed);

}  // namespace cairn::broker
