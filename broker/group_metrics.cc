#include "broker/group_metrics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "broker/group_service.h"
#include "broker/shard_context.h"

namespace cairn::broker {

std::vector<group::CommittedView> SnapshotGroupOffsets(ShardContext& shard, Metrics& metrics) {
  if (!shard.logs_ready() || !shard.groups_ready()) return {};
  for (const TopicPartition& tp : shard.logs().Partitions()) {
    const storage::PartitionLog* log = shard.logs().Find(tp);
    if (log == nullptr || tp.topic == kConsumerOffsetsTopic) continue;
    metrics.Set(kPartitionCurrentOffset, {{"topic", tp.topic}, {"partition", absl::StrCat(tp.partition)}},
                static_cast<double>(log->durable_offset().value()));
  }
  return shard.groups().coordinator().Committed();
}

void AddConsumerLag(Metrics& total, const std::vector<group::CommittedView>& committed) {
  for (const group::CommittedView& c : committed) {
    const std::string partition = absl::StrCat(c.partition);
    const double high_watermark =
        total.Value(kPartitionCurrentOffset.name, {{"topic", c.topic}, {"partition", partition}});
    total.Set(kGroupCurrentOffset, {{"consumergroup", c.group}, {"topic", c.topic}, {"partition", partition}},
              static_cast<double>(c.offset));
    total.Set(kGroupLag, {{"consumergroup", c.group}, {"topic", c.topic}, {"partition", partition}},
              std::max(0.0, high_watermark - static_cast<double>(c.offset)));
  }
}

}  // namespace cairn::broker
