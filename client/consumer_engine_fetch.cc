// ConsumerEngine: metadata, offset lookups (committed offsets, resets via
// ListOffsets) and fetching.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "client/consumer_engine.h"
#include "client/fetch_records.h"
#include "client/kafka_error.h"
#include "common/check.h"

namespace cairn::client {
namespace {

// Fetch/ListOffsets errors that mean "this broker is not (or no longer) the
// leader we should talk to": refresh metadata and try again.
bool LeaderMoved(int16_t code) {
  return code == kafka_error::kNotLeaderOrFollower || code == kafka_error::kUnknownTopicOrPartition ||
         code == kafka_error::kLeaderNotAvailable || code == kafka_error::kFencedLeaderEpoch ||
         code == kafka_error::kUnknownLeaderEpoch || code == kafka_error::kKafkaStorageError ||
         code == kafka_error::kOffsetNotAvailable;
}

}  // namespace

group::PartitionCounts GroupPartitionCounts(const std::vector<TopicMetadata>& topics) {
  group::PartitionCounts counts;
  for (const TopicMetadata& t : topics) {
    if (t.error_code == 0 && !t.partitions.empty()) {
      counts[t.name] = static_cast<int32_t>(t.partitions.size());
    } else if (t.error_code == kafka_error::kUnknownTopicOrPartition) {
      // Deleted (or not created yet): no partitions. Leaving it out would
      // keep the count the leader last saw, and a deleted topic would stay
      // assigned (the Java client drops it from its metadata snapshot).
      counts[t.name] = 0;
    } else {
      // Another error (LEADER_NOT_AVAILABLE, TOPIC_AUTHORIZATION_FAILED,
      // INVALID_TOPIC_EXCEPTION from another client's subscription): no
      // count now. The membership keeps the one it had, or counts none, so
      // that a leader waiting for this topic still assigns.
      counts[t.name] = -1;
    }
  }
  return counts;
}

void ConsumerEngine::Pump() {
  if (metadata_wanted_) RequestMetadata();
  const int64_t now = SteadyNowMs();
  if (now >= lookups_after_ms_) {
    LookUpCommitted();
    LookUpResets();
  }
  SendFetches();
}

int32_t ConsumerEngine::LeaderOf(const TopicPartition& tp) const {
  if (stale_leaders_.count(tp) != 0) return -1;
  return core_->metadata().LeaderOf(tp.topic, tp.partition);
}

void ConsumerEngine::RequestMetadata() {
  if (metadata_in_flight_) return;
  std::vector<std::string> topics = topics_;
  for (const TopicPartition& tp : assignment_.All()) topics.push_back(tp.topic);
  if (membership_ != nullptr && subscribed_) {
    // The leader watches every member's topics, not only its own.
    for (std::string& topic : membership_->WatchedTopics()) topics.push_back(std::move(topic));
  }
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  metadata_wanted_ = false;
  if (topics.empty()) return;
  metadata_in_flight_ = true;
  core_->RefreshMetadata(topics, false, [this](absl::StatusOr<std::vector<TopicMetadata>> answer) {
    metadata_in_flight_ = false;
    if (!answer.ok()) {
      Later(config_.retry_backoff_ms, [this] { metadata_wanted_ = true; });
      return;
    }
    next_metadata_ms_ = SteadyNowMs() + core_->config().metadata_max_age_ms;
    stale_leaders_.clear();
    if (membership_ != nullptr && subscribed_) {
      // A partition count change makes the leader rebalance.
      group::PartitionCounts counts = GroupPartitionCounts(*answer);
      membership_->UpdateMetadata(SteadyNowMs(), counts);
      AfterMembership();
    }
    Pump();
  });
}

void ConsumerEngine::ResetByPolicy(const TopicPartition& tp) {
  if (config_.auto_offset_reset == "earliest") {
    assignment_.RequestReset(tp, ConsumerAssignment::kEarliestTimestamp);
  } else if (config_.auto_offset_reset == "latest") {
    assignment_.RequestReset(tp, ConsumerAssignment::kLatestTimestamp);
  } else {
    // auto.offset.reset=none: the application has to Seek; until then
    // every Poll fails (Step).
    if (ConsumerAssignment::Partition* p = assignment_.Find(tp)) {
      p->phase = ConsumerAssignment::Phase::kAwaitingSeek;
      p->lookup_in_flight = false;
    }
    Notify();
  }
}

void ConsumerEngine::LookUpCommitted() {
  std::vector<TopicPartition> waiting = assignment_.Waiting(ConsumerAssignment::Phase::kNeedsCommitted);
  if (waiting.empty()) return;
  if (config_.group_id.empty()) {
    for (const TopicPartition& tp : waiting) ResetByPolicy(tp);
    return;
  }
  std::map<TopicPartition, uint64_t> epochs;
  for (const TopicPartition& tp : waiting) {
    ConsumerAssignment::Partition* p = assignment_.Find(tp);
    p->lookup_in_flight = true;
    epochs[tp] = p->epoch;
  }
  FetchCommitted(waiting, SteadyNowMs() + core_->config().request_timeout_ms,
                 [this, epochs](absl::StatusOr<std::vector<TopicPartitionOffset>> committed) {
                   auto current = [&](const TopicPartition& tp) -> ConsumerAssignment::Partition* {
                     ConsumerAssignment::Partition* p = assignment_.Find(tp);
                     auto it = epochs.find(tp);
                     if (p == nullptr || it == epochs.end() || p->epoch != it->second ||
                         p->phase != ConsumerAssignment::Phase::kNeedsCommitted) {
                       return nullptr;  // seeked, reset or unassigned meanwhile
                     }
                     return p;
                   };
                   if (!committed.ok()) {
                     for (const auto& [tp, epoch] : epochs) {
                       if (ConsumerAssignment::Partition* p = current(tp)) p->lookup_in_flight = false;
                     }
                     lookups_after_ms_ = SteadyNowMs() + config_.retry_backoff_ms;
                     return;
                   }
                   for (const TopicPartitionOffset& c : *committed) {
                     const TopicPartition tp{c.topic, c.partition};
                     if (current(tp) == nullptr) continue;
                     if (c.offset >= 0) {
                       assignment_.SetPosition(tp, c.offset);
                     } else {
                       ResetByPolicy(tp);
                     }
                   }
                   Pump();
                 });
}

void ConsumerEngine::LookUpResets() {
  std::map<int32_t, std::vector<TopicPartition>> by_leader;
  for (const TopicPartition& tp : assignment_.Waiting(ConsumerAssignment::Phase::kNeedsReset)) {
    const int32_t leader = LeaderOf(tp);
    if (leader < 0) {
      metadata_wanted_ = true;
      continue;
    }
    by_leader[leader].push_back(tp);
  }
  for (auto& [leader, partitions] : by_leader) {
    kafka::ListOffsetsRequest request;
    request.replica_id = -1;
    request.isolation_level = 0;
    std::map<TopicPartition, std::pair<uint64_t, int64_t>> asked;  // epoch, timestamp
    for (const TopicPartition& tp : partitions) {
      ConsumerAssignment::Partition* p = assignment_.Find(tp);
      p->lookup_in_flight = true;
      asked[tp] = {p->epoch, p->reset_timestamp};
      if (request.topics.empty() || request.topics.back().name != tp.topic) request.topics.push_back({tp.topic, {}, {}});
      kafka::ListOffsetsRequest::ListOffsetsPartition lp;
      lp.partition_index = tp.partition;
      lp.timestamp = p->reset_timestamp;
      request.topics.back().partitions.push_back(lp);
    }
    core_->Call<kafka::ListOffsetsResponse>(
        leader, std::move(request), [this, asked](absl::StatusOr<kafka::ListOffsetsResponse> response) {
          auto current = [&](const TopicPartition& tp) -> ConsumerAssignment::Partition* {
            ConsumerAssignment::Partition* p = assignment_.Find(tp);
            auto it = asked.find(tp);
            if (p == nullptr || it == asked.end() || p->epoch != it->second.first ||
                p->phase != ConsumerAssignment::Phase::kNeedsReset) {
              return nullptr;
            }
            return p;
          };
          if (!response.ok()) {
            for (const auto& [tp, a] : asked) {
              if (ConsumerAssignment::Partition* p = current(tp)) p->lookup_in_flight = false;
            }
            lookups_after_ms_ = SteadyNowMs() + config_.retry_backoff_ms;
            metadata_wanted_ = true;
            return;
          }
          for (const auto& t : response->topics) {
            for (const auto& lp : t.partitions) {
              const TopicPartition tp{t.name, lp.partition_index};
              ConsumerAssignment::Partition* p = current(tp);
              if (p == nullptr) continue;
              if (lp.error_code != 0) {
                p->lookup_in_flight = false;
                lookups_after_ms_ = SteadyNowMs() + config_.retry_backoff_ms;
                if (LeaderMoved(lp.error_code)) {
                  stale_leaders_.insert(tp);
                  metadata_wanted_ = true;
                }
                continue;
              }
              if (lp.offset >= 0) {
                assignment_.SetPosition(tp, lp.offset);
              } else {
                // No record at or after the timestamp: read from the end, as
                // the Java client's offsetsForTimes + seek would leave it.
                assignment_.RequestReset(tp, ConsumerAssignment::kLatestTimestamp);
              }
            }
          }
          Notify();
          Pump();
        });
  }
}

void ConsumerEngine::SendFetches() {
  const int64_t now = SteadyNowMs();
  FetchPlan plan = PlanFetches(assignment_, buffer_, fetching_nodes_,
                               [this](const TopicPartition& tp) { return LeaderOf(tp); }, limits_);
  if (!plan.leaderless.empty()) metadata_wanted_ = true;
  for (auto& [node, partitions] : plan.by_node) {
    auto backoff = node_backoff_ms_.find(node);
    if (backoff != node_backoff_ms_.end() && now < backoff->second) continue;
    kafka::FetchRequest request;
    request.replica_id = -1;  // a consumer, not a follower
    request.max_wait_ms = limits_.max_wait_ms;
    request.min_bytes = limits_.min_bytes;
    request.max_bytes = limits_.max_bytes;
    request.isolation_level = 0;  // read_uncommitted, the Java default
    // Session id 0 with epoch -1: a full fetch that opens no fetch session
    // (KIP-227), so every request names all its partitions.
    request.session_id = 0;
    request.session_epoch = -1;
    std::map<TopicPartition, PlannedPartition> planned;
    for (const PlannedPartition& pp : partitions) {
      if (request.topics.empty() || request.topics.back().topic != pp.tp.topic) {
        request.topics.push_back({pp.tp.topic, {}, {}});
      }
      kafka::FetchRequest::FetchPartition fp;
      fp.partition = pp.tp.partition;
      fp.fetch_offset = pp.fetch_offset;
      fp.partition_max_bytes = limits_.partition_max_bytes;
      request.topics.back().partitions.push_back(fp);
      planned[pp.tp] = pp;
    }
    fetching_nodes_.insert(node);
    // The records are decoded straight from the response frame.
    core_->CallKeepingRecords<kafka::FetchResponse>(
        node, std::move(request),
        [this, node, planned = std::move(planned)](absl::StatusOr<kafka::FetchResponse> response,
                                                   ClientCore::RecordsInPlace records) {
          OnFetchResponse(node, planned, std::move(response), records);
        });
  }
}

void ConsumerEngine::OnFetchResponse(int32_t node, const std::map<TopicPartition, PlannedPartition>& planned,
                                     absl::StatusOr<kafka::FetchResponse> response,
                                     ClientCore::RecordsInPlace records) {
  fetching_nodes_.erase(node);
  if (!response.ok() || response->error_code != 0) {
    if (!response.ok() && absl::IsCancelled(response.status())) return;  // shutting down
    node_backoff_ms_[node] = SteadyNowMs() + config_.retry_backoff_ms;
    metadata_wanted_ = true;
    return;
  }
  bool got_records = false;
  size_t next_records = 0;  // one entry of `records` per partition, in order
  for (auto& t : response->responses) {
    for (auto& pd : t.partitions) {
      CAIRN_CHECK(next_records < records.size()) << "a Fetch partition without its records field";
      const std::optional<ByteSpan> bytes = records[next_records++];
      const TopicPartition tp{t.topic, pd.partition_index};
      auto asked = planned.find(tp);
      ConsumerAssignment::Partition* p = assignment_.Find(tp);
      // Drop answers for a position that changed while the fetch was out. A
      // prefetch (made at the end of buffered records) must still continue
      // them, or have been made at the position they were drained up to.
      if (asked == planned.end() || p == nullptr || p->revoking ||
          p->phase != ConsumerAssignment::Phase::kFetchable || p->epoch != asked->second.epoch) {
        continue;
      }
      const bool prefetch = buffer_.Has(tp);
      if (prefetch ? !buffer_.Continues(tp, asked->second.fetch_offset, asked->second.epoch)
                   : p->position != asked->second.fetch_offset) {
        continue;
      }
      if (pd.error_code == kafka_error::kOffsetOutOfRange) {
        // After a prefetch, the buffered records are still valid: hand them
        // out first, then fetch from the position (and reset if needed).
        if (prefetch) {
          buffer_.StopPrefetch(tp);
        } else {
          ResetByPolicy(tp);
        }
        continue;
      }
      if (LeaderMoved(pd.error_code)) {
        stale_leaders_.insert(tp);
        metadata_wanted_ = true;
        continue;
      }
      if (pd.error_code != 0) {
        node_backoff_ms_[node] = SteadyNowMs() + config_.retry_backoff_ms;
        continue;
      }
      p->high_watermark = pd.high_watermark;
      if (!bytes.has_value() || bytes->empty()) continue;
      // A batch decompresses to at most a few times what was fetched; the
      // cap only stops a lying batch from exhausting memory. What was
      // fetched may exceed the fetch limits: a broker returns the first
      // batch whole however large (KIP-74), so that the consumer progresses.
      const size_t fetched_bytes =
          std::max({static_cast<size_t>(limits_.max_bytes), static_cast<size_t>(limits_.partition_max_bytes),
                    bytes->size()});
      const size_t cap = fetched_bytes * 16 + (1 << 20);
      absl::StatusOr<FetchedRecords> fetched =
          DecodeFetchedRecords(tp.topic, tp.partition, *bytes, asked->second.fetch_offset, cap);
      if (!fetched.ok()) {
        pending_error_ = fetched.status();
        continue;
      }
      if (fetched->records.empty() && fetched->next_offset == asked->second.fetch_offset) continue;
      got_records = true;
      if (prefetch) {
        buffer_.Append(tp, std::move(*fetched));
      } else {
        buffer_.Add(tp, asked->second.fetch_offset, asked->second.epoch, std::move(*fetched));
      }
    }
  }
  if (got_records || !pending_error_.ok()) Notify();
  Pump();
}

}  // namespace cairn::client
