#include "client/consumer_assignment.h"

namespace cairn::client {

void ConsumerAssignment::Add(const std::vector<TopicPartition>& partitions, Phase phase, int64_t reset_timestamp) {
  for (const TopicPartition& tp : partitions) {
    auto [it, inserted] = partitions_.try_emplace(tp);
    if (!inserted) continue;
    it->second.phase = phase;
    it->second.reset_timestamp = reset_timestamp;
  }
}

void ConsumerAssignment::Remove(const std::vector<TopicPartition>& partitions) {
  for (const TopicPartition& tp : partitions) partitions_.erase(tp);
}

ConsumerAssignment::Partition* ConsumerAssignment::Find(const TopicPartition& tp) {
  auto it = partitions_.find(tp);
  return it == partitions_.end() ? nullptr : &it->second;
}

const ConsumerAssignment::Partition* ConsumerAssignment::Find(const TopicPartition& tp) const {
  auto it = partitions_.find(tp);
  return it == partitions_.end() ? nullptr : &it->second;
}

void ConsumerAssignment::SetPosition(const TopicPartition& tp, int64_t offset) {
  Partition* p = Find(tp);
  if (p == nullptr) return;
  p->phase = Phase::kFetchable;
  p->position = offset;
  p->lookup_in_flight = false;
  ++p->epoch;
}

void ConsumerAssignment::RequestReset(const TopicPartition& tp, int64_t timestamp) {
  Partition* p = Find(tp);
  if (p == nullptr) return;
  p->phase = Phase::kNeedsReset;
  p->reset_timestamp = timestamp;
  p->lookup_in_flight = false;
  ++p->epoch;
}

void ConsumerAssignment::Advance(const TopicPartition& tp, int64_t next_offset) {
  Partition* p = Find(tp);
  if (p != nullptr && p->phase == Phase::kFetchable && next_offset > p->position) p->position = next_offset;
}

std::vector<TopicPartition> ConsumerAssignment::Fetchable() const {
  std::vector<TopicPartition> out;
  for (const auto& [tp, p] : partitions_) {
    if (p.phase == Phase::kFetchable && !p.paused && !p.revoking) out.push_back(tp);
  }
  return out;
}

std::vector<TopicPartition> ConsumerAssignment::Waiting(Phase phase) const {
  std::vector<TopicPartition> out;
  for (const auto& [tp, p] : partitions_) {
    if (p.phase == phase && !p.lookup_in_flight && !p.revoking) out.push_back(tp);
  }
  return out;
}

std::vector<TopicPartition> ConsumerAssignment::All() const {
  std::vector<TopicPartition> out;
  for (const auto& [tp, p] : partitions_) out.push_back(tp);
  return out;
}

}  // namespace cairn::client
