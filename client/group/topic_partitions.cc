#include "client/group/topic_partitions.h"

#include <algorithm>
#include <map>
#include <string>

namespace cairn::client::group {

std::vector<TopicPartition> Flatten(const std::vector<TopicPartitions>& grouped) {
  std::vector<TopicPartition> out;
  for (const TopicPartitions& tp : grouped) {
    for (int32_t p : tp.partitions) out.push_back({tp.topic, p});
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<TopicPartitions> GroupByTopic(const std::vector<TopicPartition>& partitions) {
  std::map<std::string, std::vector<int32_t>> by_topic;
  for (const TopicPartition& tp : partitions) by_topic[tp.topic].push_back(tp.partition);
  std::vector<TopicPartitions> out;
  for (auto& [topic, list] : by_topic) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    out.push_back({topic, std::move(list)});
  }
  return out;
}

}  // namespace cairn::client::group
