#include "client/consumer_engine.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <set>

#include "absl/strings/str_cat.h"
#include "client/group/cooperative_sticky_assignor.h"
#include "client/group/range_assignor.h"
#include "client/kafka_error.h"
#include "common/topic_partition.h"

namespace cairn::client {
namespace {

// Seek, Pause or Resume of a partition not assigned (the Java consumer's words).
absl::Status NotAssigned(const TopicPartition& tp) {
  return absl::FailedPreconditionError(absl::StrCat("No current assignment for partition ", tp.DirectoryName()));
}

constexpr auto kTickInterval = std::chrono::milliseconds(20);

std::unique_ptr<group::GroupMembership> MakeMembership(const ConsumerConfig& config) {
  if (config.group_id.empty()) return nullptr;
  group::MembershipConfig mc;
  mc.group_id = config.group_id;
  if (!config.group_instance_id.empty()) mc.group_instance_id = config.group_instance_id;
  mc.session_timeout_ms = config.session_timeout_ms;
  mc.rebalance_timeout_ms = config.max_poll_interval_ms;
  mc.heartbeat_interval_ms = config.heartbeat_interval_ms;
  mc.max_poll_interval_ms = config.max_poll_interval_ms;
  mc.retry_backoff_ms = config.retry_backoff_ms;
  std::vector<std::unique_ptr<group::Assignor>> assignors;
  if (config.assignor == "cooperative-sticky") {
    assignors.push_back(std::make_unique<group::CooperativeStickyAssignor>());
  } else {
    assignors.push_back(std::make_unique<group::RangeAssignor>());
  }
  return std::make_unique<group::GroupMembership>(std::move(mc), std::move(assignors));
}

}  // namespace

int32_t CoordinatorConnectionId(int32_t node_id) { return std::numeric_limits<int32_t>::max() - node_id; }

ConsumerEngine::ConsumerEngine(ConsumerConfig config, std::unique_ptr<ClientCore> core)
    : core_(std::move(core)), config_(std::move(config)), membership_(MakeMembership(config_)) {
  limits_.max_wait_ms = config_.fetch_max_wait_ms;
  limits_.min_bytes = config_.fetch_min_bytes;
  limits_.max_bytes = config_.fetch_max_bytes;
  limits_.partition_max_bytes = config_.max_partition_fetch_bytes;
  limits_.max_buffered_bytes = static_cast<size_t>(config_.max_buffered_bytes);
  core_->Post([this] {
    tick_timer_ = std::make_unique<io::Timer>(core_->shard());
    next_auto_commit_ms_ = SteadyNowMs() + config_.auto_commit_interval_ms;
    Tick();
  });
}

ConsumerEngine::~ConsumerEngine() {
  Shutdown();
  // The io thread is stopped: io-thread objects may go now, before the shard.
  tick_timer_.reset();
}

void ConsumerEngine::Shutdown() {
  core_->Shutdown([this] {
    if (tick_timer_) tick_timer_->Cancel();
  });
}

void ConsumerEngine::WaitForNews(uint64_t seen, int64_t until_ms) {
  std::unique_lock lock(news_mu_);
  const auto until = std::chrono::steady_clock::time_point(std::chrono::milliseconds(until_ms));
  news_cv_.wait_until(lock, until, [&] { return news_ != seen; });
}

uint64_t ConsumerEngine::news() {
  std::lock_guard lock(news_mu_);
  return news_;
}

void ConsumerEngine::Notify() {
  {
    std::lock_guard lock(news_mu_);
    ++news_;
  }
  news_cv_.notify_all();
}

void ConsumerEngine::Tick() {
  tick_timer_->ExpireAfter(kTickInterval, [this](absl::Status status) {
    if (!status.ok()) return;
    const int64_t now = SteadyNowMs();
    if (membership_ != nullptr) {
      membership_->Tick(now);
      AfterMembership();
    }
    if (now >= next_metadata_ms_ && (!topics_.empty() || !assignment_.partitions().empty())) {
      metadata_wanted_ = true;  // metadata.max.age.ms
    }
    Pump();
    Tick();
  });
}

// On the client core's timer; dropped when the core shuts down (the task
// would find the engine closing).
void ConsumerEngine::Later(int64_t delay_ms, absl::AnyInvocable<void() &&> task) {
  core_->After(delay_ms, [this, task = std::move(task)](absl::Status status) mutable {
    if (!status.ok()) return;
    std::move(task)();
    Pump();
  });
}

namespace {

// INVALID_TOPIC_EXCEPTION for a name Kafka refuses (as the producer's Send):
// the broker would only answer it with that error, so a subscription or
// assignment naming it would wait for nothing, in silence.
absl::Status CheckTopicNames(const std::vector<std::string>& topics) {
  for (const std::string& topic : topics) {
    if (absl::Status valid = ValidateTopicName(topic); !valid.ok()) {
      return KafkaErrorStatus(kafka_error::kInvalidTopicException, std::string(valid.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ConsumerEngine::Subscribe(std::vector<std::string> topics) {
  if (membership_ == nullptr) return absl::InvalidArgumentError("Subscribe needs a group.id");
  if (absl::Status valid = CheckTopicNames(topics); !valid.ok()) return valid;
  if (!subscribed_ && !assignment_.partitions().empty()) {
    return absl::FailedPreconditionError("Subscribe after Assign: Unsubscribe first");
  }
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  if (topics.empty()) RememberLeavingGeneration();  // unsubscribing leaves the group
  topics_ = topics;
  subscribed_ = !topics.empty();
  membership_->Subscribe(SteadyNowMs(), std::move(topics));
  AfterMembership();
  if (!holding_) leaving_identity_.reset();  // nothing was revoked
  metadata_wanted_ = true;
  Pump();
  return absl::OkStatus();
}

absl::Status ConsumerEngine::Unsubscribe() {
  if (subscribed_) return Subscribe({});
  assignment_.Clear();
  buffer_.Clear();
  return absl::OkStatus();
}

absl::Status ConsumerEngine::Assign(const std::vector<TopicPartitionOffset>& partitions) {
  if (subscribed_) return absl::FailedPreconditionError("Assign while subscribed: Unsubscribe first");
  std::vector<std::string> topics;
  for (const TopicPartitionOffset& tpo : partitions) topics.push_back(tpo.topic);
  if (absl::Status valid = CheckTopicNames(topics); !valid.ok()) return valid;
  assignment_.Clear();
  buffer_.Clear();
  for (const TopicPartitionOffset& tpo : partitions) {
    const TopicPartition tp{tpo.topic, tpo.partition};
    if (tpo.offset >= 0) {
      assignment_.Add({tp}, ConsumerAssignment::Phase::kFetchable);
      assignment_.SetPosition(tp, tpo.offset);
    } else if (tpo.offset == kOffsetBeginning) {
      assignment_.Add({tp}, ConsumerAssignment::Phase::kNeedsReset, ConsumerAssignment::kEarliestTimestamp);
    } else if (tpo.offset == kOffsetEnd) {
      assignment_.Add({tp}, ConsumerAssignment::Phase::kNeedsReset, ConsumerAssignment::kLatestTimestamp);
    } else if (tpo.offset == kOffsetCommitted) {
      assignment_.Add({tp}, ConsumerAssignment::Phase::kNeedsCommitted);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("bad offset ", tpo.offset, " for ", tp.DirectoryName()));
    }
  }
  metadata_wanted_ = true;
  Pump();
  return absl::OkStatus();
}

absl::Status ConsumerEngine::Seek(const TopicPartition& tp, int64_t offset) {
  if (!assignment_.Contains(tp)) return NotAssigned(tp);
  buffer_.Drop(tp);
  if (offset >= 0) {
    assignment_.SetPosition(tp, offset);
  } else if (offset == kOffsetBeginning) {
    assignment_.RequestReset(tp, ConsumerAssignment::kEarliestTimestamp);
  } else if (offset == kOffsetEnd) {
    assignment_.RequestReset(tp, ConsumerAssignment::kLatestTimestamp);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("bad offset ", offset, " for Seek"));
  }
  Pump();
  return absl::OkStatus();
}

absl::Status ConsumerEngine::SeekToTimestamp(const TopicPartition& tp, int64_t timestamp) {
  if (!assignment_.Contains(tp)) return NotAssigned(tp);
  if (timestamp < 0) return absl::InvalidArgumentError("timestamp must be >= 0");
  buffer_.Drop(tp);
  assignment_.RequestReset(tp, timestamp);
  Pump();
  return absl::OkStatus();
}

absl::Status ConsumerEngine::SetPaused(const std::vector<TopicPartition>& partitions, bool paused) {
  for (const TopicPartition& tp : partitions) {
    if (!assignment_.Contains(tp)) return NotAssigned(tp);
  }
  for (const TopicPartition& tp : partitions) assignment_.Find(tp)->paused = paused;
  Pump();
  return absl::OkStatus();
}

std::vector<TopicPartition> ConsumerEngine::Paused() const {
  std::vector<TopicPartition> out;
  for (const auto& [tp, p] : assignment_.partitions()) {
    if (p.paused) out.push_back(tp);
  }
  return out;
}

std::vector<TopicPartitionOffset> ConsumerEngine::Positions(bool all) const {
  std::vector<TopicPartitionOffset> out;
  for (const auto& [tp, p] : assignment_.partitions()) {
    const bool known = p.phase == ConsumerAssignment::Phase::kFetchable;
    if (known || all) out.push_back({tp.topic, tp.partition, known ? p.position : -1, {}});
  }
  return out;
}

std::vector<TopicPartitionOffset> ConsumerEngine::AnnouncedAssignment() const {
  // A group's new partitions join assignment_ here, on the io thread, as the
  // SyncGroup answer arrives; the application hears of them in its next
  // Poll. The Java client changes assignment() only inside poll, right
  // before onPartitionsAssigned, so an application never sees partitions it
  // was not told of: neither does ours. A partition whose first pending
  // event is a loss or revocation is still the application's.
  std::set<TopicPartition> unannounced;
  std::set<TopicPartition> decided;
  for (const RebalanceEvent& e : app_events_) {
    for (const TopicPartition& tp : e.partitions) {
      if (!decided.insert(tp).second) continue;
      if (e.type == RebalanceEvent::Type::kAssigned) unannounced.insert(tp);
    }
  }
  std::vector<TopicPartitionOffset> out = Positions(true);
  std::erase_if(out, [&](const TopicPartitionOffset& p) { return unannounced.contains({p.topic, p.partition}); });
  return out;
}

bool ConsumerEngine::PositionsKnown(const std::vector<TopicPartition>& partitions) const {
  for (const TopicPartition& tp : partitions) {
    const ConsumerAssignment::Partition* p = assignment_.Find(tp);
    if (p != nullptr && p->phase != ConsumerAssignment::Phase::kFetchable) return false;
  }
  return true;
}

PollStep ConsumerEngine::Step(bool app_poll, size_t max_records) {
  PollStep step;
  const int64_t now = SteadyNowMs();
  if (membership_ != nullptr && app_poll) {
    membership_->Poll(now);
    AfterMembership();
  }
  if (membership_ != nullptr && config_.enable_auto_commit && app_poll && now >= next_auto_commit_ms_) {
    next_auto_commit_ms_ = now + config_.auto_commit_interval_ms;
    std::vector<TopicPartitionOffset> positions = Positions(false);
    if (!positions.empty()) {
      // A failed auto commit is retried by the next one. It queues behind
      // the application's asynchronous commits, so commits land in order.
      CommitAsync(std::move(positions), now + config_.auto_commit_interval_ms, nullptr);
    }
  }
  step.commit_callbacks = std::move(commit_callbacks_);
  commit_callbacks_.clear();
  {
    std::lock_guard lock(news_mu_);
    step.news_seen = news_;
  }
  if (!app_events_.empty()) {
    step.events = std::move(app_events_);
    app_events_.clear();
    return step;
  }
  if (!pending_error_.ok()) {
    step.error = std::move(pending_error_);
    pending_error_ = absl::OkStatus();
    return step;
  }
  if (!fatal_error_.ok() && subscribed_) {
    step.error = fatal_error_;
    return step;
  }
  // auto.offset.reset=none: as the Java client's poll throws
  // NoOffsetForPartitionException (or OffsetOutOfRangeException) every time
  // until the application seeks, so does every Poll here, without records.
  for (const auto& [tp, p] : assignment_.partitions()) {
    if (p.phase == ConsumerAssignment::Phase::kAwaitingSeek && !p.revoking) {
      step.error = absl::OutOfRangeError(
          absl::StrCat("no valid offset for ", tp.DirectoryName(), " and auto.offset.reset is none; Seek it"));
      return step;
    }
  }
  step.records = buffer_.Drain(assignment_, max_records);
  Pump();
  return step;
}

void ConsumerEngine::AddCommitCallback(std::function<void(absl::Status)> done, absl::Status status) {
  commit_callbacks_.emplace_back(std::move(done), std::move(status));
  Notify();
}

}  // namespace cairn::client
