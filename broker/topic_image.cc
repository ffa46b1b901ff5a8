// TopicImage: the broker's view of one controller image (topic_store.h).
#include <algorithm>

#include "broker/topic_store.h"

namespace cairn::broker {

namespace md = controller::metadata;

const TopicInfo* TopicImage::Find(std::string_view name) const {
  auto it = topics.find(name);
  return it == topics.end() ? nullptr : &it->second;
}

const md::PartitionInfo* TopicImage::Partition(const TopicPartition& tp) const {
  const md::TopicMeta* topic = cluster->FindTopic(tp.topic);
  if (topic == nullptr || tp.partition < 0 || static_cast<size_t>(tp.partition) >= topic->partitions.size()) {
    return nullptr;
  }
  return &topic->partitions[static_cast<size_t>(tp.partition)];
}

bool TopicImage::Hosts(const TopicPartition& tp) const {
  const md::PartitionInfo* partition = Partition(tp);
  return partition != nullptr &&
         std::find(partition->replicas.begin(), partition->replicas.end(), node_id) != partition->replicas.end();
}

bool TopicImage::Leads(const TopicPartition& tp) const {
  const md::PartitionInfo* partition = Partition(tp);
  return partition != nullptr && partition->leader == node_id;
}

std::shared_ptr<const TopicImage> MakeTopicImage(std::shared_ptr<const md::MetadataImage> cluster, uint64_t version,
                                                 int32_t node_id) {
  auto image = std::make_shared<TopicImage>();
  image->version = version;
  image->node_id = node_id;
  for (const auto& [name, meta] : cluster->topics) {
    TopicInfo info;
    info.name = name;
    info.id = meta.id;
    info.partitions = static_cast<int32_t>(meta.partitions.size());
    info.replication_factor =
        meta.partitions.empty() ? int16_t{0} : static_cast<int16_t>(meta.partitions.front().replicas.size());
    info.configs = cluster->TopicConfigs(name);
    info.internal = meta.internal;
    image->topics.emplace(name, std::move(info));
  }
  image->cluster = std::move(cluster);
  return image;
}

}  // namespace cairn::broker
