// ConsumerEngine: the offsets coordinator, OffsetCommit and OffsetFetch.
#include "absl/strings/str_cat.h"
#include "client/consumer_engine.h"
#include "client/group/group_errors.h"
#include "client/kafka_error.h"

namespace cairn::client {
namespace {

// Errors after which the same commit or lookup may succeed once the
// coordinator is found again or has loaded the group.
bool CoordinatorMoved(int16_t code) {
  return code == kafka_error::kNotCoordinator || code == kafka_error::kCoordinatorNotAvailable ||
         code == kafka_error::kRequestTimedOut;
}
bool RetryCommit(int16_t code) {
  return CoordinatorMoved(code) || code == kafka_error::kCoordinatorLoadInProgress ||
         code == kafka_error::kUnstableOffsetCommit;
}

}  // namespace

ConsumerEngine::CommitIdentity ConsumerEngine::CommitIdentityNow() const {
  if (holding_ && leaving_identity_.has_value()) return *leaving_identity_;
  if (membership_ != nullptr && subscribed_ && membership_->generation() >= 0) {
    return {membership_->generation(), membership_->member_id()};
  }
  return {};
}

void ConsumerEngine::RememberLeavingGeneration() {
  leaving_identity_.reset();
  if (membership_ != nullptr && subscribed_ && membership_->generation() >= 0) {
    leaving_identity_ = CommitIdentity{membership_->generation(), membership_->member_id()};
  }
}

absl::Status ConsumerEngine::MayCommit() const {
  // The revocation before leaving commits with the generation it had.
  if (holding_ && leaving_identity_.has_value()) return absl::OkStatus();
  // Manual assignment commits as a "simple" consumer (generation -1).
  if (membership_ == nullptr || !subscribed_) return absl::OkStatus();
  using State = group::GroupMembership::State;
  const State state = membership_->state();
  // As the Java client: a member that is rejoining cannot commit (its
  // generation is about to end); the revocation before a join (holding_)
  // still commits with the generation it has.
  if ((state == State::kJoining || state == State::kSyncing) && !holding_) {
    return KafkaErrorStatus(kafka_error::kRebalanceInProgress,
                            "the consumer is rejoining its group; poll to complete the rebalance, then commit");
  }
  if (membership_->generation() < 0) {
    return KafkaErrorStatus(kafka_error::kIllegalGeneration,
                            "the consumer has no live generation (max.poll.interval.ms expired, it was fenced, "
                            "or it has not joined yet); its partitions are lost");
  }
  return absl::OkStatus();
}

void ConsumerEngine::WithCoordinator(absl::AnyInvocable<void(absl::StatusOr<int32_t>) &&> then) {
  if (offsets_coordinator_.has_value()) {
    std::move(then)(CoordinatorConnectionId(offsets_coordinator_->node_id));
    return;
  }
  coordinator_waiters_.push_back(std::move(then));
  if (finding_coordinator_) return;
  finding_coordinator_ = true;
  kafka::FindCoordinatorRequest request;
  request.key = config_.group_id;
  request.key_type = 0;  // a group
  core_->Call<kafka::FindCoordinatorResponse>(
      ClientCore::kAnyNode, std::move(request), [this](absl::StatusOr<kafka::FindCoordinatorResponse> response) {
        finding_coordinator_ = false;
        absl::StatusOr<int32_t> result;
        if (!response.ok()) {
          result = response.status();
        } else if (response->error_code != 0) {
          result = KafkaErrorStatus(response->error_code, response->error_message.value_or("FindCoordinator"));
        } else {
          offsets_coordinator_ = group::Coordinator{response->node_id, response->host, response->port};
          const int32_t id = CoordinatorConnectionId(response->node_id);
          core_->ConnectionTo(id, BrokerAddress{response->host, static_cast<uint16_t>(response->port)});
          result = id;
        }
        auto waiters = std::move(coordinator_waiters_);
        coordinator_waiters_.clear();
        for (auto& w : waiters) std::move(w)(result);
      });
}

void ConsumerEngine::Commit(std::vector<TopicPartitionOffset> offsets, int64_t deadline_ms,
                            absl::AnyInvocable<void(absl::Status) &&> done) {
  if (config_.group_id.empty()) {
    std::move(done)(absl::FailedPreconditionError("commit needs a group.id"));
    return;
  }
  if (offsets.empty()) {
    std::move(done)(absl::OkStatus());
    return;
  }
  if (absl::Status allowed = MayCommit(); !allowed.ok()) {
    std::move(done)(std::move(allowed));
    return;
  }
  // Retries go through here again, so the attempt is a shareable function.
  auto retry = [this, offsets, deadline_ms](absl::AnyInvocable<void(absl::Status) &&> finish,
                                            absl::Status why) mutable {
    if (SteadyNowMs() + config_.retry_backoff_ms >= deadline_ms) {
      std::move(finish)(std::move(why));
      return;
    }
    Later(config_.retry_backoff_ms,
          [this, offsets = std::move(offsets), deadline_ms, finish = std::move(finish)]() mutable {
            Commit(std::move(offsets), deadline_ms, std::move(finish));
          });
  };
  WithCoordinator([this, offsets = std::move(offsets), done = std::move(done),
                   retry = std::move(retry)](absl::StatusOr<int32_t> node) mutable {
    if (!node.ok()) {
      retry(std::move(done), node.status());
      return;
    }
    kafka::OffsetCommitRequest request;
    request.group_id = config_.group_id;
    // A group member commits with its generation; the coordinator refuses
    // commits from a generation that has ended. Manual assignment commits
    // as a "simple" consumer (generation -1, no member id).
    if (const CommitIdentity identity = CommitIdentityNow(); identity.generation >= 0) {
      request.generation_id = identity.generation;
      request.member_id = identity.member_id;
      if (!config_.group_instance_id.empty()) request.group_instance_id = config_.group_instance_id;
    }
    for (const TopicPartitionOffset& o : offsets) {
      if (request.topics.empty() || request.topics.back().name != o.topic) request.topics.push_back({o.topic, {}, {}});
      kafka::OffsetCommitRequest::OffsetCommitRequestPartition p;
      p.partition_index = o.partition;
      p.committed_offset = o.offset;
      p.committed_metadata = o.metadata;
      request.topics.back().partitions.push_back(std::move(p));
    }
    const int32_t generation = request.generation_id;
    core_->Call<kafka::OffsetCommitResponse>(
        *node, std::move(request),
        [this, generation, done = std::move(done), retry = std::move(retry)](
            absl::StatusOr<kafka::OffsetCommitResponse> response) mutable {
          if (!response.ok()) {
            ForgetCoordinator();
            retry(std::move(done), response.status());
            return;
          }
          for (const auto& t : response->topics) {
            for (const auto& p : t.partitions) {
              if (p.error_code == 0) continue;
              absl::Status failed = KafkaErrorStatus(p.error_code, absl::StrCat("OffsetCommit ", t.name, "-",
                                                                                 p.partition_index));
              if (CoordinatorMoved(p.error_code)) ForgetCoordinator();
              if (RetryCommit(p.error_code)) {
                retry(std::move(done), std::move(failed));
              } else {
                // The membership learns first, so that the application,
                // seeing the error, finds the partitions already lost.
                if (membership_ != nullptr && generation >= 0) {
                  membership_->OnCommitError(SteadyNowMs(), generation, p.error_code);
                  AfterMembership();
                }
                std::move(done)(std::move(failed));
              }
              return;
            }
          }
          std::move(done)(absl::OkStatus());
        });
  });
}

void ConsumerEngine::CommitAsync(std::vector<TopicPartitionOffset> offsets, int64_t deadline_ms,
                                 std::function<void(absl::Status)> done) {
  async_commits_.push_back({next_async_commit_id_++, std::move(offsets), deadline_ms, std::move(done)});
  if (async_commits_.size() == 1) SendNextAsyncCommit();
}

// One asynchronous commit at a time: a retried older commit can then never
// land after a newer one, and callbacks complete in call order (the Java
// client's promise for commitAsync).
void ConsumerEngine::SendNextAsyncCommit() {
  if (async_commits_.empty() || async_commits_.front().sent) return;
  AsyncCommit& front = async_commits_.front();
  front.sent = true;
  const uint64_t id = front.id;
  Commit(std::move(front.offsets), front.deadline_ms, [this, id](absl::Status status) {
    if (async_commits_.empty() || async_commits_.front().id != id) return;  // cancelled by Close
    AddCommitCallback(std::move(async_commits_.front().done), std::move(status));
    async_commits_.pop_front();
    // Posted, not called: Commit may be finishing inside SendNextAsyncCommit.
    core_->Post([this] { SendNextAsyncCommit(); });
  });
}

void ConsumerEngine::CancelAsyncCommits() {
  for (AsyncCommit& c : async_commits_) {
    AddCommitCallback(std::move(c.done), absl::CancelledError("consumer closed before the commit completed"));
  }
  async_commits_.clear();
}

void ConsumerEngine::FetchCommitted(
    std::vector<TopicPartition> partitions, int64_t deadline_ms,
    absl::AnyInvocable<void(absl::StatusOr<std::vector<TopicPartitionOffset>>) &&> done) {
  if (config_.group_id.empty()) {
    std::move(done)(absl::FailedPreconditionError("committed offsets need a group.id"));
    return;
  }
  auto retry = [this, partitions, deadline_ms](decltype(done) finish, absl::Status why) mutable {
    if (SteadyNowMs() + config_.retry_backoff_ms >= deadline_ms) {
      std::move(finish)(std::move(why));
      return;
    }
    Later(config_.retry_backoff_ms,
          [this, partitions = std::move(partitions), deadline_ms, finish = std::move(finish)]() mutable {
            FetchCommitted(std::move(partitions), deadline_ms, std::move(finish));
          });
  };
  WithCoordinator([this, partitions = std::move(partitions), done = std::move(done),
                   retry = std::move(retry)](absl::StatusOr<int32_t> node) mutable {
    if (!node.ok()) {
      retry(std::move(done), node.status());
      return;
    }
    kafka::OffsetFetchRequest request;
    request.group_id = config_.group_id;
    request.topics.emplace();
    for (const TopicPartition& tp : partitions) {
      if (request.topics->empty() || request.topics->back().name != tp.topic) {
        request.topics->push_back({tp.topic, {}, {}});
      }
      request.topics->back().partition_indexes.push_back(tp.partition);
    }
    core_->Call<kafka::OffsetFetchResponse>(
        *node, std::move(request),
        [this, done = std::move(done), retry = std::move(retry)](
            absl::StatusOr<kafka::OffsetFetchResponse> response) mutable {
          if (!response.ok()) {
            ForgetCoordinator();
            retry(std::move(done), response.status());
            return;
          }
          int16_t error = response->error_code;
          std::vector<TopicPartitionOffset> out;
          for (const auto& t : response->topics) {
            for (const auto& p : t.partitions) {
              if (p.error_code != 0 && error == 0) error = p.error_code;
              out.push_back({t.name, p.partition_index, p.committed_offset, p.metadata.value_or("")});
            }
          }
          if (error != 0) {
            absl::Status failed = KafkaErrorStatus(error, "OffsetFetch");
            if (CoordinatorMoved(error)) ForgetCoordinator();
            if (RetryCommit(error)) {
              retry(std::move(done), std::move(failed));
            } else {
              std::move(done)(std::move(failed));
            }
            return;
          }
          std::move(done)(std::move(out));
        });
  });
}

}  // namespace cairn::client
