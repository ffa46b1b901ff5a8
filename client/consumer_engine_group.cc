// ConsumerEngine: driving client/group's GroupMembership with real requests.
#include <type_traits>
#include <variant>

#include "client/consumer_engine.h"
#include "client/kafka_error.h"

namespace cairn::client {

void ConsumerEngine::AfterMembership() {
  if (membership_ == nullptr) return;
  std::vector<group::GroupEvent> events = membership_->TakeEvents();
  std::vector<group::GroupRequest> requests = membership_->TakeRequests();
  bool news = false;
  for (group::GroupEvent& e : events) {
    switch (e.type) {
      case group::GroupEvent::Type::kPartitionsRevoked:
        // Not fetched any more, but positions stay until the application's
        // OnRevoked (where auto commit commits them) has run.
        for (const TopicPartition& tp : e.partitions) {
          if (ConsumerAssignment::Partition* p = assignment_.Find(tp)) p->revoking = true;
          buffer_.Drop(tp);
        }
        holding_ = true;
        app_events_.push_back({RebalanceEvent::Type::kRevoked, std::move(e.partitions)});
        news = true;
        break;
      case group::GroupEvent::Type::kPartitionsAssigned:
        // Positions come from the group's committed offsets (or the reset
        // policy). A partition lost and given back before the application
        // heard of the loss starts afresh.
        for (const TopicPartition& tp : e.partitions) {
          const ConsumerAssignment::Partition* p = assignment_.Find(tp);
          if (p != nullptr && p->revoking) assignment_.Remove({tp});
        }
        assignment_.Add(e.partitions, ConsumerAssignment::Phase::kNeedsCommitted);
        app_events_.push_back({RebalanceEvent::Type::kAssigned, std::move(e.partitions)});
        metadata_wanted_ = true;
        news = true;
        break;
      case group::GroupEvent::Type::kPartitionsLost:
        // Someone else may own these already: not fetched any more. They stay
        // (positions included) until the application's OnLost has run, as in
        // the Java client, so that a commit meanwhile fails loudly
        // (ILLEGAL_GENERATION) instead of committing nothing.
        for (const TopicPartition& tp : e.partitions) {
          if (ConsumerAssignment::Partition* p = assignment_.Find(tp)) p->revoking = true;
          buffer_.Drop(tp);
        }
        app_events_.push_back({RebalanceEvent::Type::kLost, std::move(e.partitions)});
        news = true;
        break;
      case group::GroupEvent::Type::kMetadataNeeded:
        RefreshGroupMetadata(std::move(e.topics));
        break;
      case group::GroupEvent::Type::kError:
        break;  // the membership retries on its own
      case group::GroupEvent::Type::kFatal:
        // The membership is Failed for good: every Poll reports it.
        fatal_error_ = KafkaErrorStatus(e.error_code, e.message);
        news = true;
        break;
    }
  }
  for (group::GroupRequest& request : requests) {
    if (holding_) {
      held_requests_.push_back(std::move(request));
    } else {
      SendGroupRequest(std::move(request));
    }
  }
  if (news) Notify();
}

void ConsumerEngine::AckEvents(const std::vector<RebalanceEvent>& events) {
  for (const RebalanceEvent& e : events) {
    if (e.type == RebalanceEvent::Type::kAssigned) continue;
    for (const TopicPartition& tp : e.partitions) {
      const ConsumerAssignment::Partition* p = assignment_.Find(tp);
      if (p != nullptr && p->revoking) assignment_.Remove({tp});
    }
  }
  for (const RebalanceEvent& e : app_events_) {
    if (e.type == RebalanceEvent::Type::kRevoked) return;  // still held behind a later revocation
  }
  holding_ = false;
  leaving_identity_.reset();
  std::vector<group::GroupRequest> held = std::move(held_requests_);
  held_requests_.clear();
  for (group::GroupRequest& request : held) SendGroupRequest(std::move(request));
  Pump();
}

void ConsumerEngine::BeginClose() {
  if (membership_ == nullptr) return;
  RememberLeavingGeneration();
  membership_->Close(SteadyNowMs());
  AfterMembership();
  if (!holding_) leaving_identity_.reset();  // nothing was revoked
}

template <typename Response, typename Request>
void ConsumerEngine::CallCoordinatorOfMembership(Request request, kafka::ApiKey key,
                                                 void (group::GroupMembership::*on)(int64_t, const Response&)) {
  const std::optional<group::Coordinator>& coordinator = membership_->coordinator();
  if (!coordinator.has_value()) {
    // The membership only asks for coordinator requests once it knows one;
    // answer as a lost request so its bookkeeping stays exact.
    Later(0, [this, key] {
      membership_->OnRequestFailed(SteadyNowMs(), key);
      AfterMembership();
    });
    return;
  }
  const int32_t id = CoordinatorConnectionId(coordinator->node_id);
  core_->ConnectionTo(id, BrokerAddress{coordinator->host, static_cast<uint16_t>(coordinator->port)});
  core_->Call<Response>(id, std::move(request), [this, key, on](absl::StatusOr<Response> response) mutable {
    if (membership_ == nullptr) return;
    const int64_t now = SteadyNowMs();
    if (!response.ok()) {
      membership_->OnRequestFailed(now, key);
    } else {
      ((*membership_).*on)(now, *response);
    }
    if constexpr (std::is_same_v<Response, kafka::LeaveGroupResponse>) --leave_pending_;
    AfterMembership();
    Pump();
  });
}

void ConsumerEngine::SendGroupRequest(group::GroupRequest request) {
  std::visit(
      [this](auto&& r) {
        using R = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<R, kafka::FindCoordinatorRequest>) {
          core_->Call<kafka::FindCoordinatorResponse>(
              ClientCore::kAnyNode, std::move(r), [this](absl::StatusOr<kafka::FindCoordinatorResponse> response) {
                const int64_t now = SteadyNowMs();
                if (!response.ok()) {
                  membership_->OnRequestFailed(now, kafka::ApiKey::kFindCoordinator);
                } else {
                  membership_->OnFindCoordinator(now, *response);
                }
                AfterMembership();
              });
        } else if constexpr (std::is_same_v<R, kafka::JoinGroupRequest>) {
          CallCoordinatorOfMembership<kafka::JoinGroupResponse>(std::move(r), kafka::ApiKey::kJoinGroup,
                                                                &group::GroupMembership::OnJoinGroup);
        } else if constexpr (std::is_same_v<R, kafka::SyncGroupRequest>) {
          CallCoordinatorOfMembership<kafka::SyncGroupResponse>(std::move(r), kafka::ApiKey::kSyncGroup,
                                                                &group::GroupMembership::OnSyncGroup);
        } else if constexpr (std::is_same_v<R, kafka::HeartbeatRequest>) {
          CallCoordinatorOfMembership<kafka::HeartbeatResponse>(std::move(r), kafka::ApiKey::kHeartbeat,
                                                                &group::GroupMembership::OnHeartbeat);
        } else {
          static_assert(std::is_same_v<R, kafka::LeaveGroupRequest>);
          ++leave_pending_;
          CallCoordinatorOfMembership<kafka::LeaveGroupResponse>(std::move(r), kafka::ApiKey::kLeaveGroup,
                                                                 &group::GroupMembership::OnLeaveGroup);
        }
      },
      std::move(request));
}

void ConsumerEngine::RefreshGroupMetadata(std::vector<std::string> topics) {
  // The leader needs partition counts for every member's topics. Topics that
  // do not exist get no partitions.
  core_->RefreshMetadata(topics, false, [this, topics](absl::StatusOr<std::vector<TopicMetadata>> answer) {
    if (membership_ == nullptr) return;
    if (!answer.ok()) {
      Later(config_.retry_backoff_ms, [this, topics] { RefreshGroupMetadata(topics); });
      return;
    }
    // Every topic asked for gets a count, 0 if it has none yet (no leader,
    // say): the leader assigns once all are counted, and a later refresh
    // that sees partitions rebalances.
    group::PartitionCounts counts = GroupPartitionCounts(*answer);
    for (const std::string& topic : topics) counts.try_emplace(topic, 0);
    membership_->UpdateMetadata(SteadyNowMs(), counts);
    AfterMembership();
  });
}

}  // namespace cairn::client
