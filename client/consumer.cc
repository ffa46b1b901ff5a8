// The application-thread side of the Consumer: blocking calls that run their
// work on the io thread (ConsumerEngine), and Poll, which also runs the
// rebalance listener and commit callbacks here, on the caller's thread.
#include "client/consumer.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>

#include "absl/strings/str_cat.h"
#include "client/consumer_engine.h"

namespace cairn::client {
namespace {

absl::Status Validate(const ConsumerConfig& c) {
  if (c.assignor != "range" && c.assignor != "cooperative-sticky") {
    return absl::InvalidArgumentError(absl::StrCat("unknown assignor '", c.assignor, "' (range, cooperative-sticky)"));
  }
  if (c.auto_offset_reset != "earliest" && c.auto_offset_reset != "latest" && c.auto_offset_reset != "none") {
    return absl::InvalidArgumentError(
        absl::StrCat("auto.offset.reset must be earliest, latest or none, not '", c.auto_offset_reset, "'"));
  }
  if (c.fetch_max_bytes <= 0 || c.max_partition_fetch_bytes <= 0 || c.fetch_min_bytes < 0 ||
      c.fetch_max_wait_ms < 0 || c.max_poll_records <= 0 || c.max_buffered_bytes <= 0) {
    return absl::InvalidArgumentError("fetch sizes and max.poll.records must be positive");
  }
  if (c.metadata_max_age_ms <= 0) return absl::InvalidArgumentError("metadata.max.age.ms must be positive");
  if (c.heartbeat_interval_ms <= 0 || c.session_timeout_ms <= c.heartbeat_interval_ms) {
    return absl::InvalidArgumentError("heartbeat.interval.ms must be positive and below session.timeout.ms");
  }
  return absl::OkStatus();
}

std::vector<TopicPartition> PartitionsOf(const std::vector<TopicPartitionOffset>& list) {
  std::vector<TopicPartition> out;
  for (const auto& tpo : list) out.push_back({tpo.topic, tpo.partition});
  return out;
}

}  // namespace

// The application-thread state the facade keeps next to the engine.
struct ConsumerState {
  RebalanceListener* listener = nullptr;
  bool closed = false;
  // Close / Unsubscribe have just committed every position (auto commit):
  // the revocation they cause does not commit again.
  bool leaving_committed = false;
  // Set by Close: its one time limit, which also bounds a CommitSync the
  // application makes from OnRevoked while Close runs.
  std::optional<int64_t> close_deadline;
};

absl::StatusOr<std::unique_ptr<Consumer>> Consumer::Create(ConsumerConfig config) {
  if (absl::Status valid = Validate(config); !valid.ok()) return valid;
  ClientConfig client;
  client.bootstrap_servers = config.bootstrap_servers;
  client.client_id = config.client_id;
  client.request_timeout_ms = config.request_timeout_ms;
  client.retry_backoff_ms = config.retry_backoff_ms;
  client.metadata_max_age_ms = config.metadata_max_age_ms;
  absl::StatusOr<std::unique_ptr<ClientCore>> core = ClientCore::Create(client);
  if (!core.ok()) return core.status();
  return std::unique_ptr<Consumer>(
      new Consumer(std::make_unique<ConsumerEngine>(std::move(config), std::move(*core))));
}

Consumer::Consumer(std::unique_ptr<ConsumerEngine> engine)
    : engine_(std::move(engine)), state_(std::make_unique<ConsumerState>()) {}

Consumer::~Consumer() { (void)Close(); }

absl::Status Consumer::CheckOpen() const {
  return state_->closed ? absl::FailedPreconditionError("consumer is closed") : absl::OkStatus();
}

absl::Status Consumer::Subscribe(const std::vector<std::string>& topics, RebalanceListener* listener) {
  if (absl::Status open = CheckOpen(); !open.ok()) return open;
  state_->listener = listener;
  return engine_->Run<absl::Status>([this, topics] { return engine_->Subscribe(topics); });
}

absl::Status Consumer::Unsubscribe() {
  if (absl::Status open = CheckOpen(); !open.ok()) return open;
  const bool auto_commit = engine_->config().enable_auto_commit && engine_->has_group();
  if (auto_commit) (void)CommitSync();
  absl::Status status = engine_->Run<absl::Status>([this] { return engine_->Unsubscribe(); });
  // The revocation (and the LeaveGroup behind it) is delivered by Poll; run
  // it now so the group sees us go.
  state_->leaving_committed = auto_commit;
  (void)DeliverPending();
  state_->leaving_committed = false;
  return status;
}

absl::Status Consumer::Assign(const std::vector<TopicPartitionOffset>& partitions) {
  if (absl::Status open = CheckOpen(); !open.ok()) return open;
  return engine_->Run<absl::Status>([this, partitions] { return engine_->Assign(partitions); });
}

absl::Status Consumer::Seek(const std::string& topic, int32_t partition, int64_t offset) {
  if (absl::Status open = CheckOpen(); !open.ok()) return open;
  return engine_->Run<absl::Status>(
      [this, tp = TopicPartition{topic, partition}, offset] { return engine_->Seek(tp, offset); });
}

absl::Status Consumer::SeekToBeginning(const std::vector<TopicPartitionOffset>& partitions) {
  for (const auto& tpo : partitions) {
    if (absl::Status s = Seek(tpo.topic, tpo.partition, kOffsetBeginning); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Consumer::SeekToEnd(const std::vector<TopicPartitionOffset>& partitions) {
  for (const auto& tpo : partitions) {
    if (absl::Status s = Seek(tpo.topic, tpo.partition, kOffsetEnd); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Consumer::SeekToTimestamp(const std::vector<TopicPartitionOffset>& partitions, int64_t timestamp_ms) {
  if (absl::Status open = CheckOpen(); !open.ok()) return open;
  for (const auto& tpo : partitions) {
    absl::Status s = engine_->Run<absl::Status>([this, tp = TopicPartition{tpo.topic, tpo.partition}, timestamp_ms] {
      return engine_->SeekToTimestamp(tp, timestamp_ms);
    });
    if (!s.ok()) return s;
  }
  // Wait for the ListOffsets answers, so Positions() is exact on return.
  const std::vector<TopicPartition> tps = PartitionsOf(partitions);
  const int64_t deadline = SteadyNowMs() + engine_->config().request_timeout_ms;
  while (!engine_->Run<bool>([this, tps] { return engine_->PositionsKnown(tps); })) {
    if (SteadyNowMs() >= deadline) return absl::DeadlineExceededError("offset lookup by timestamp timed out");
    engine_->WaitForNews(engine_->news(), SteadyNowMs() + 10);
  }
  return absl::OkStatus();
}

absl::Status Consumer::Pause(const std::vector<TopicPartitionOffset>& partitions) {
  if (absl::Status open = CheckOpen(); !open.ok()) return open;
  return engine_->Run<absl::Status>([this, tps = PartitionsOf(partitions)] { return engine_->SetPaused(tps, true); });
}

absl::Status Consumer::Resume(const std::vector<TopicPartitionOffset>& partitions) {
  if (absl::Status open = CheckOpen(); !open.ok()) return open;
  return engine_->Run<absl::Status>([this, tps = PartitionsOf(partitions)] { return engine_->SetPaused(tps, false); });
}

std::vector<TopicPartitionOffset> Consumer::Paused() const {
  if (!CheckOpen().ok()) return {};
  std::vector<TopicPartition> tps = engine_->Run<std::vector<TopicPartition>>([this] { return engine_->Paused(); });
  std::vector<TopicPartitionOffset> out;
  for (auto& tp : tps) out.push_back({tp.topic, tp.partition, kOffsetCommitted, {}});
  return out;
}

void Consumer::RunCallbacks(std::vector<std::pair<std::function<void(absl::Status)>, absl::Status>>& callbacks) {
  for (auto& [done, status] : callbacks) {
    if (done) done(status);
  }
  callbacks.clear();
}

void Consumer::DeliverEvents(const std::vector<RebalanceEvent>& events) {
  const bool auto_commit = engine_->config().enable_auto_commit;
  for (const RebalanceEvent& e : events) {
    std::vector<TopicPartitionOffset> list;
    for (const TopicPartition& tp : e.partitions) list.push_back({tp.topic, tp.partition, kOffsetCommitted, {}});
    switch (e.type) {
      case RebalanceEvent::Type::kRevoked: {
        if (auto_commit && !e.partitions.empty() && !state_->leaving_committed) {
          // Commit what was consumed from them while we still own them.
          std::vector<TopicPartitionOffset> positions;
          for (const TopicPartitionOffset& p : Positions()) {
            if (std::find(e.partitions.begin(), e.partitions.end(), TopicPartition{p.topic, p.partition}) !=
                e.partitions.end()) {
              positions.push_back(p);
            }
          }
          (void)CommitSync(positions);
        }
        if (state_->listener != nullptr) state_->listener->OnRevoked(list);
        break;
      }
      case RebalanceEvent::Type::kAssigned:
        if (state_->listener != nullptr) state_->listener->OnAssigned(list);
        break;
      case RebalanceEvent::Type::kLost:
        if (state_->listener != nullptr) state_->listener->OnLost(list);
        break;
    }
  }
  engine_->Run<bool>([this, events] {
    engine_->AckEvents(events);
    return true;
  });
}

absl::Status Consumer::DeliverPending() {
  PollStep step = engine_->Run<PollStep>([this] { return engine_->Step(false, 0); });
  RunCallbacks(step.commit_callbacks);
  if (!step.events.empty()) DeliverEvents(step.events);
  return step.error;
}

absl::StatusOr<std::vector<ConsumerRecord>> Consumer::Poll(std::chrono::milliseconds timeout) {
  if (absl::Status open = CheckOpen(); !open.ok()) return open;
  const int64_t deadline = SteadyNowMs() + timeout.count();
  const size_t max_records = static_cast<size_t>(engine_->config().max_poll_records);
  while (true) {
    PollStep step = engine_->Run<PollStep>([this, max_records] { return engine_->Step(true, max_records); });
    RunCallbacks(step.commit_callbacks);
    if (!step.events.empty()) {
      DeliverEvents(step.events);
      continue;
    }
    if (!step.error.ok()) return step.error;
    if (!step.records.empty()) return std::move(step.records);
    const int64_t now = SteadyNowMs();
    if (now >= deadline) return std::vector<ConsumerRecord>{};
    // Wake up at least every 100 ms so that the group's poll clock and auto
    // commit keep running while the application waits here.
    engine_->WaitForNews(step.news_seen, std::min(deadline, now + 100));
  }
}

absl::Status Consumer::CommitSync() { return CommitSync(Positions()); }

absl::Status Consumer::CommitSync(const std::vector<TopicPartitionOffset>& offsets) {
  int64_t deadline = SteadyNowMs() + engine_->config().request_timeout_ms;
  if (state_->close_deadline) deadline = std::min(deadline, *state_->close_deadline);
  return CommitSyncUntil(offsets, deadline);
}

absl::Status Consumer::CommitSyncUntil(const std::vector<TopicPartitionOffset>& offsets, int64_t deadline) {
  if (absl::Status open = CheckOpen(); !open.ok()) return open;
  auto status = RunOnIoThread<absl::Status>(
      engine_->core(), [this, offsets, deadline](absl::AnyInvocable<void(absl::Status) &&> reply) mutable {
        engine_->Commit(offsets, deadline, std::move(reply));
      });
  // The engine stops retrying at the deadline, but an attempt under way
  // (waiting for a connection, say) runs for request.timeout.ms: do not
  // wait for it past the deadline. Its answer goes nowhere.
  const auto until = std::chrono::steady_clock::time_point(std::chrono::milliseconds(deadline));
  if (status.wait_until(until) != std::future_status::ready) {
    return absl::DeadlineExceededError("the commit did not complete in time");
  }
  return status.get();
}

void Consumer::CommitAsync(std::function<void(absl::Status)> done) { CommitAsyncImpl(std::nullopt, std::move(done)); }

void Consumer::CommitAsync(const std::vector<TopicPartitionOffset>& offsets, std::function<void(absl::Status)> done) {
  CommitAsyncImpl(offsets, std::move(done));
}

void Consumer::CommitAsyncImpl(std::optional<std::vector<TopicPartitionOffset>> offsets,
                               std::function<void(absl::Status)> done) {
  if (!CheckOpen().ok()) {
    if (done) done(absl::FailedPreconditionError("consumer is closed"));
    return;
  }
  const int64_t deadline = SteadyNowMs() + engine_->config().request_timeout_ms;
  engine_->Run<bool>([this, deadline, offsets = std::move(offsets), done = std::move(done)]() mutable {
    // Positions are taken now, on the io thread, in call order.
    engine_->CommitAsync(offsets ? std::move(*offsets) : engine_->Positions(false), deadline, std::move(done));
    return true;
  });
}

absl::StatusOr<std::vector<TopicPartitionOffset>> Consumer::Committed(
    const std::vector<TopicPartitionOffset>& partitions) {
  if (absl::Status open = CheckOpen(); !open.ok()) return open;
  const int64_t deadline = SteadyNowMs() + engine_->config().request_timeout_ms;
  using Result = absl::StatusOr<std::vector<TopicPartitionOffset>>;
  return RunOnIoThread<Result>(engine_->core(),
                               [this, tps = PartitionsOf(partitions), deadline](
                                   absl::AnyInvocable<void(Result) &&> reply) mutable {
                                 engine_->FetchCommitted(std::move(tps), deadline, std::move(reply));
                               })
      .get();
}

std::vector<TopicPartitionOffset> Consumer::Assignment() const {
  if (!CheckOpen().ok()) return {};
  return engine_->Run<std::vector<TopicPartitionOffset>>([this] { return engine_->AnnouncedAssignment(); });
}

std::vector<TopicPartitionOffset> Consumer::Positions() const {
  if (!CheckOpen().ok()) return {};
  return engine_->Run<std::vector<TopicPartitionOffset>>([this] { return engine_->Positions(false); });
}

absl::Status Consumer::Close() {
  if (state_->closed) return absl::OkStatus();
  absl::Status result;
  const bool has_group = engine_->has_group();
  const bool auto_commit = has_group && engine_->config().enable_auto_commit;
  // One time limit for all of Close, as the Java client's close(timeout):
  // each step below gets what the ones before left of it.
  const int64_t close_deadline = SteadyNowMs() + engine_->config().request_timeout_ms;
  state_->close_deadline = close_deadline;
  // Asynchronous commits finish first (while the member is still in its
  // generation); what is still queued after that is cancelled, so every
  // CommitAsync callback runs exactly once.
  while (engine_->Run<bool>([this] { return engine_->AsyncCommitsPending(); }) && SteadyNowMs() < close_deadline) {
    engine_->WaitForNews(engine_->news(), std::min(close_deadline, SteadyNowMs() + 10));
  }
  engine_->Run<bool>([this] {
    engine_->CancelAsyncCommits();
    return true;
  });
  if (auto_commit) {
    std::vector<TopicPartitionOffset> positions = Positions();
    if (!positions.empty()) result = CommitSyncUntil(positions, close_deadline);
  }
  if (has_group) {
    // Revoke (the listener runs here; the positions were just committed),
    // then LeaveGroup; wait briefly for its answer.
    engine_->Run<bool>([this] {
      engine_->BeginClose();
      return true;
    });
    state_->leaving_committed = auto_commit;
    (void)DeliverPending();
    state_->leaving_committed = false;
    const int64_t deadline = std::min(close_deadline, SteadyNowMs() + 5000);
    while (engine_->Run<bool>([this] { return engine_->LeavePending(); }) && SteadyNowMs() < deadline) {
      engine_->WaitForNews(engine_->news(), std::min(deadline, SteadyNowMs() + 10));
    }
  }
  std::vector<std::pair<std::function<void(absl::Status)>, absl::Status>> callbacks;
  callbacks = engine_->Run<decltype(callbacks)>([this] { return engine_->Step(false, 0).commit_callbacks; });
  RunCallbacks(callbacks);
  state_->closed = true;
  engine_->Shutdown();
  return result;
}

}  // namespace cairn::client
