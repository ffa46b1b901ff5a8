// MetadataController (see metadata_controller.h).
#include "controller/metadata_controller.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/error_reason.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "controller/raft/raft.h"
#include "io/shard.h"

namespace cairn::controller {

namespace ml = cairn::metadata_log;
using metadata::MetadataDelta;
using metadata::MetadataImage;

namespace {

constexpr std::chrono::milliseconds kRetryInterval{100};
// One entry carries at most this many commands' records, and stops taking
// more past this many bytes (the Raft core ships up to 1 MiB per Append).
constexpr size_t kMaxCommandsPerEntry = 1000;
constexpr size_t kMaxEntryBytes = 256 << 10;

absl::Status NotController(raft::NodeId leader) {
  return WithReason(absl::UnavailableError(absl::StrCat("this node is not the active controller (leader: ",
                                                        leader.value(), ")")),
                    ErrorReason::kNotController);
}

bool IsNotController(const controllerpb::ControllerReply& reply) {
  return reply.error_reason() == static_cast<int32_t>(ErrorReason::kNotController) + 1;
}

}  // namespace

controllerpb::ControllerReply ReplyFromStatus(const absl::Status& status) {
  controllerpb::ControllerReply reply;
  reply.set_status_code(static_cast<int32_t>(status.code()));
  if (std::optional<ErrorReason> reason = GetReason(status)) reply.set_error_reason(static_cast<int32_t>(*reason) + 1);
  reply.set_error_message(std::string(status.message()));
  reply.set_leader_hint(-1);
  return reply;
}

absl::Status StatusFromReply(const controllerpb::ControllerReply& reply) {
  if (reply.status_code() == 0) return absl::OkStatus();
  const int32_t code = reply.status_code();
  absl::Status status(code > 0 && code <= static_cast<int32_t>(absl::StatusCode::kUnauthenticated)
                          ? static_cast<absl::StatusCode>(code)
                          : absl::StatusCode::kUnknown,
                      reply.error_message());
  const int32_t reason = reply.error_reason() - 1;
  if (reason >= 0 && reason <= static_cast<int32_t>(kLastErrorReason)) {
    status = WithReason(status, static_cast<ErrorReason>(reason));
  }
  return status;
}

absl::StatusOr<std::unique_ptr<MetadataController>> MetadataController::Start(io::Shard& shard,
                                                                              io::FileSystem& fs,
                                                                              Options options,
                                                                              ImageCallback on_image) {
  CAIRN_CHECK(on_image != nullptr);
  std::unique_ptr<MetadataController> controller(new MetadataController(shard, options, std::move(on_image)));
  MetadataController* c = controller.get();
  absl::StatusOr<std::unique_ptr<RaftNode>> node = RaftNode::Start(
      shard, fs, options.raft, [c](const raft::Entry& entry) { c->Apply(entry); },
      [c](const raft::Snapshot& snapshot) { c->Restore(snapshot); },
      [c] {
        const std::string bytes = metadata::EncodeImageSnapshot(*c->image_);
        return Buffer(bytes.begin(), bytes.end());
      });
  if (!node.ok()) return node.status();
  if (!c->restore_failure_.ok()) return c->restore_failure_;
  c->raft_ = *std::move(node);
  c->raft_->set_request_handler(
      [c](controllerpb::ControllerRequest request, RaftTransport::Responder respond) {
        // Served only by the active controller: a forwarded command is never
        // forwarded again, so two nodes with stale views cannot bounce it.
        c->Serve(std::move(request), [respond = std::move(respond)](controllerpb::ControllerReply reply) mutable {
          std::move(respond)(reply);
        });
      });
  c->rpc_ = std::make_unique<ControllerRpcClient>(shard, options.raft.cluster_id, options.raft.voters);
  c->ScheduleFenceCheck();
  return controller;
}

MetadataController::MetadataController(io::Shard& shard, Options options, ImageCallback on_image)
    : shard_(shard),
      options_(std::move(options)),
      on_image_(std::move(on_image)),
      image_(std::make_shared<MetadataImage>()),
      fence_timer_(shard),
      retry_timer_(shard) {}

MetadataController::~MetadataController() {
  *alive_ = false;
  fence_timer_.Cancel();
  retry_timer_.Cancel();
  rpc_.reset();
  raft_.reset();  // fails its pending proposals, which fail their commands
  for (Work& work : queue_) {
    if (work.done) std::move(work.done)(ReplyFromStatus(absl::CancelledError("controller stopped")));
  }
  for (Attempt& attempt : parked_) {
    std::move(attempt.done)(ReplyFromStatus(absl::CancelledError("controller stopped")));
  }
}

void MetadataController::Apply(const raft::Entry& entry) {
  applied_index_ = entry.index.value();
  applied_term_ = entry.term;
  if (!entry.data.empty()) {
    ml::MetadataRecordBatch batch;
    if (!batch.ParseFromArray(entry.data.data(), static_cast<int>(entry.data.size()))) {
      CAIRN_LOG(kError) << "metadata log entry " << entry.index << " does not decode; skipped";
    } else {
      MetadataDelta delta(image_);
      absl::Status replayed;
      for (const ml::MetadataRecord& record : batch.records()) {
        replayed = delta.Replay(record);
        if (!replayed.ok()) break;
      }
      if (!replayed.ok()) {
        // Every node skips the same entry, so images stay identical.
        CAIRN_LOG(kError) << "metadata log entry " << entry.index << " does not apply; skipped: " << replayed;
      } else if (batch.records_size() > 0) {
        image_ = delta.Apply();
        on_image_(image_, applied_index_);
      }
    }
  }
  CheckCaughtUp();
  // Commands queued while this leader caught up can be planned now.
  if (raft_ != nullptr && raft_->is_leader()) Pump();
}

void MetadataController::Restore(const raft::Snapshot& snapshot) {
  absl::StatusOr<std::shared_ptr<const MetadataImage>> image = metadata::DecodeImageSnapshot(
      std::string_view(reinterpret_cast<const char*>(snapshot.data.data()), snapshot.data.size()));
  if (!image.ok()) {
    // Nothing sound to serve from: at start-up the node refuses to start;
    // from a leader, the image stays as it was and the error is loud.
    restore_failure_ = absl::DataLossError(absl::StrCat("metadata snapshot at index ", snapshot.metadata.index.value(),
                                                        ": ", image.status().message()));
    CAIRN_LOG(kError) << restore_failure_;
    return;
  }
  image_ = *std::move(image);
  applied_index_ = snapshot.metadata.index.value();
  applied_term_ = snapshot.metadata.term;
  on_image_(image_, applied_index_);
}

void MetadataController::WhenCaughtUp(absl::AnyInvocable<void()> done) {
  caught_up_waiters_.push_back(std::move(done));
  CheckCaughtUp();
}

void MetadataController::CheckCaughtUp() {
  if (caught_up_waiters_.empty()) return;
  if (raft_ == nullptr || raft_->leader() == raft::kNoNode || applied_term_ != raft_->term()) return;
  std::vector<absl::AnyInvocable<void()>> waiters = std::move(caught_up_waiters_);
  caught_up_waiters_.clear();
  for (auto& waiter : waiters) waiter();
}

void MetadataController::Submit(controllerpb::ControllerRequest request, ReplyCallback done) {
  Attempt attempt{std::move(request), std::move(done), std::chrono::steady_clock::now() + options_.command_timeout};
  // Never inline: callers may hold state the reply touches.
  shard_.Post([this, alive = alive_, attempt = std::move(attempt)]() mutable {
    if (*alive) Try(std::move(attempt));
  });
}

void MetadataController::Try(Attempt attempt) {
  if (raft_->is_leader()) {
    controllerpb::ControllerRequest request = attempt.request;
    Serve(std::move(request), [this, alive = alive_, attempt = std::move(attempt)](
                                  controllerpb::ControllerReply reply) mutable {
      if (!*alive) return;
      if (IsNotController(reply)) {
        RetryLater(std::move(attempt), StatusFromReply(reply));
        return;
      }
      std::move(attempt.done)(std::move(reply));
    });
    return;
  }
  raft::NodeId leader = raft_->leader();
  if (leader == raft::kNoNode && !raft_->is_voter()) leader = GuessController();
  if (leader == raft::kNoNode) {
    RetryLater(std::move(attempt), absl::UnavailableError("no active controller (an election is under way)"));
    return;
  }
  const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(attempt.deadline -
                                                                               std::chrono::steady_clock::now());
  if (remaining.count() <= 0) {
    RetryLater(std::move(attempt), absl::DeadlineExceededError("out of time"));
    return;
  }
  controllerpb::ControllerRequest request = attempt.request;
  rpc_->Call(leader, std::move(request), remaining,
             [this, alive = alive_, attempt = std::move(attempt)](
                 absl::StatusOr<controllerpb::ControllerReply> reply) mutable {
               if (!*alive) return;
               if (!reply.ok()) {
                 leader_hint_ = raft::kNoNode;
                 ++next_voter_guess_;
                 RetryLater(std::move(attempt), reply.status());
               } else if (IsNotController(*reply)) {
                 leader_hint_ = raft::NodeId(reply->leader_hint());
                 if (leader_hint_.value() < 0) {
                   leader_hint_ = raft::kNoNode;
                   ++next_voter_guess_;
                 }
                 RetryLater(std::move(attempt), StatusFromReply(*reply));
               } else {
                 std::move(attempt.done)(*std::move(reply));
               }
             });
}

raft::NodeId MetadataController::GuessController() {
  if (leader_hint_ != raft::kNoNode) return leader_hint_;
  const std::vector<PeerAddress>& voters = options_.raft.voters;
  if (voters.empty()) return raft::kNoNode;
  return voters[next_voter_guess_ % voters.size()].id;
}

PeerAddress MetadataController::controller_address() const {
  for (const PeerAddress& voter : options_.raft.voters) {
    if (voter.id == options_.raft.id) return PeerAddress{voter.id, voter.host, raft_->port()};
  }
  return PeerAddress{options_.raft.id, options_.raft.learner_host, raft_->port()};
}

void MetadataController::RetryLater(Attempt attempt, const absl::Status& why) {
  if (std::chrono::steady_clock::now() + kRetryInterval >= attempt.deadline) {
    std::move(attempt.done)(ReplyFromStatus(absl::Status(
        why.code() == absl::StatusCode::kDeadlineExceeded ? why.code() : absl::StatusCode::kUnavailable,
        absl::StrCat("no active controller answered in ", options_.command_timeout.count(),
                     " ms; last: ", why.message()))));
    return;
  }
  parked_.push_back(std::move(attempt));
  ScheduleRetries();
}

void MetadataController::ScheduleRetries() {
  if (retry_armed_) return;
  retry_armed_ = true;
  retry_timer_.ExpireAfter(kRetryInterval, [this, alive = alive_](absl::Status status) {
    if (!status.ok() || !*alive) return;
    retry_armed_ = false;
    std::vector<Attempt> parked = std::move(parked_);
    parked_.clear();
    for (Attempt& attempt : parked) Try(std::move(attempt));
  });
}

void MetadataController::Serve(controllerpb::ControllerRequest request, ReplyCallback done) {
  if (!raft_->is_leader()) {
    controllerpb::ControllerReply reply = ReplyFromStatus(NotController(raft_->leader()));
    reply.set_leader_hint(raft_->leader().value());
    std::move(done)(std::move(reply));
    return;
  }
  // A heartbeat writes nothing to the log, so it is answered at once rather
  // than behind the queued proposals: a burst of admin commands (one commit
  // each) must not hold heartbeats past the session timeout and get every
  // broker fenced.
  if (request.command_case() == controllerpb::ControllerRequest::kBrokerHeartbeat) {
    absl::StatusOr<Plan> planned = PlanCommand(request, *image_);
    if (!planned.ok()) {
      std::move(done)(ReplyFromStatus(planned.status()));
      return;
    }
    CAIRN_DCHECK(planned->records.empty());
    planned->reply.set_applied_index(applied_index_);
    std::move(done)(std::move(planned->reply));
    return;
  }
  if (queue_.size() >= options_.max_queued_commands) {
    std::move(done)(ReplyFromStatus(absl::UnavailableError(
        absl::StrCat("the controller has ", queue_.size(), " commands queued; try again later"))));
    return;
  }
  queue_.push_back(Work{std::move(request), std::move(done)});
  Pump();
}

void MetadataController::Pump() {
  if (proposing_ || queue_.empty()) return;
  if (!raft_->is_leader()) {
    while (!queue_.empty()) {
      Work work = std::move(queue_.front());
      queue_.pop_front();
      if (work.done) std::move(work.done)(ReplyFromStatus(NotController(raft_->leader())));
    }
    return;
  }
  // A new leader may still have entries of earlier terms to apply (they
  // commit with its first entry): planning against that older image could
  // pass a command the log already contradicts, and the entry would then be
  // skipped at apply while its commands were told they succeeded. So it
  // waits until it has applied an entry of its own term (Apply pumps again).
  if (applied_term_ != raft_->term()) return;
  // Group commit: every queued command is planned against the image that
  // includes the commands before it (a working copy of the committed image),
  // and their records go out as one entry. A burst of N commands then costs
  // one commit, not N, and each is still validated as if run alone in order.
  std::optional<MetadataDelta> working;
  std::vector<metadata::Record> records;
  std::vector<Waiter> waiters;
  size_t bytes = 0;
  while (!queue_.empty() && waiters.size() < kMaxCommandsPerEntry && bytes < kMaxEntryBytes) {
    const MetadataImage& base = working ? working->Current() : *image_;
    Plan plan;
    if (!queue_.front().request) {
      plan.records = machine_.FenceExpiredBrokers(base, options_.clock->NowMs(), options_.session_timeout.count());
      if (!plan.records.empty()) {
        CAIRN_LOG(kInfo) << "controller: fencing brokers whose session expired (" << plan.records.size()
                         << " records)";
      }
    } else {
      absl::StatusOr<Plan> planned = PlanCommand(*queue_.front().request, base);
      if (!planned.ok()) {
        Work work = PopWork();
        std::move(work.done)(ReplyFromStatus(planned.status()));
        continue;
      }
      plan = *std::move(planned);
    }
    if (plan.add_learner) {
      // A conf change is an entry of its own; it goes first when nothing is
      // collected yet, else right after this batch (planned again then).
      if (!waiters.empty()) break;
      Work work = PopWork();
      ProposeLearnerThenRecords(std::move(plan), std::move(work.done));
      return;
    }
    Work work = PopWork();
    if (plan.records.empty()) {  // nothing to write: a fencing check with no one to fence, a validate-only command
      if (work.done) {
        plan.reply.set_applied_index(applied_index_);
        std::move(work.done)(std::move(plan.reply));
      }
      continue;
    }
    if (!working) working.emplace(image_);
    if (absl::Status fits = working->ReplayAll(plan.records); !fits.ok()) {
      // The state machine built these records from `base`, so this is a bug;
      // the working copy may now hold part of them, so the batch ends here.
      CAIRN_LOG(kError) << "controller: a planned command does not replay: " << fits;
      if (work.done) std::move(work.done)(ReplyFromStatus(absl::InternalError(fits.message())));
      break;
    }
    for (metadata::Record& record : plan.records) {
      bytes += record.ByteSizeLong();
      records.push_back(std::move(record));
    }
    waiters.push_back(Waiter{std::move(work.done), std::move(plan.reply)});
  }
  if (!records.empty()) ProposeRecords(std::move(records), std::move(waiters));
}

MetadataController::Work MetadataController::PopWork() {
  Work work = std::move(queue_.front());
  queue_.pop_front();
  return work;
}

void MetadataController::ProposeLearnerThenRecords(Plan plan, ReplyCallback done) {
  proposing_ = true;
  const PeerAddress learner = *plan.add_learner;
  raft_->ProposeAddLearner(
      learner, [this, alive = alive_, learner, plan = std::move(plan), done = std::move(done)](
                   absl::StatusOr<raft::LogIndex> index) mutable {
        if (!*alive) return;
        proposing_ = false;
        if (!index.ok()) {
          // Another conf change pending, leadership lost: the broker retries.
          absl::Status why = raft::IsNotLeaderError(index.status())
                                 ? NotController(raft_->leader())
                                 : absl::UnavailableError(absl::StrCat("adding node ", learner.id.value(),
                                                                       " as a learner: ", index.status().message()));
          std::move(done)(ReplyFromStatus(why));
          Pump();
          return;
        }
        CAIRN_LOG(kInfo) << "controller: node " << learner.id << " follows the metadata log as a learner at "
                         << learner.host << ":" << learner.port << " (index " << *index << ")";
        std::vector<Waiter> waiters;
        waiters.push_back(Waiter{std::move(done), std::move(plan.reply)});
        ProposeRecords(std::move(plan.records), std::move(waiters));
      });
}

void MetadataController::ProposeRecords(std::vector<metadata::Record> records, std::vector<Waiter> waiters) {
  ml::MetadataRecordBatch batch;
  for (metadata::Record& record : records) *batch.add_records() = std::move(record);
  const std::string bytes = batch.SerializeAsString();
  proposing_ = true;
  raft_->Propose(Buffer(bytes.begin(), bytes.end()),
                 [this, alive = alive_, waiters = std::move(waiters)](absl::StatusOr<raft::LogIndex> index) mutable {
                   if (!*alive) return;
                   proposing_ = false;
                   for (Waiter& waiter : waiters) {
                     if (!waiter.done) continue;  // a fencing check
                     if (index.ok()) {
                       waiter.reply.set_applied_index(index->value());
                       std::move(waiter.done)(std::move(waiter.reply));
                     } else if (raft::IsNotLeaderError(index.status())) {
                       std::move(waiter.done)(ReplyFromStatus(NotController(raft_->leader())));
                     } else {
                       std::move(waiter.done)(ReplyFromStatus(absl::UnavailableError(
                           absl::StrCat("the command's outcome is unknown: ", index.status().message()))));
                     }
                   }
                   Pump();
                 });
}

absl::StatusOr<std::optional<PeerAddress>> MetadataController::LearnerToAdd(
    const controllerpb::RegisterBroker& command) const {
  const raft::NodeId id(command.broker_id());
  if (raft_->conf_state().IsVoter(id)) return std::nullopt;
  const controllerpb::Endpoint& endpoint = command.controller_endpoint();
  if (endpoint.host().empty() || endpoint.port() <= 0 || endpoint.port() > UINT16_MAX) {
    return WithReason(absl::InvalidArgumentError(absl::StrCat(
                          "broker ", id.value(), " is not a controller voter, so it must give the controller "
                          "endpoint where it follows the metadata log as a learner")),
                      ErrorReason::kInvalidRequest);
  }
  const PeerAddress address{id, endpoint.host(), static_cast<uint16_t>(endpoint.port())};
  // Already a learner at that address (a restart): nothing to change.
  if (raft_->conf_state().IsLearner(id) && raft_->learner_address(id) == address) return std::nullopt;
  return address;
}

absl::StatusOr<MetadataController::Plan> MetadataController::PlanCommand(const controllerpb::ControllerRequest& request,
                                                                         const MetadataImage& image) {
  Plan plan;
  plan.reply = ReplyFromStatus(absl::OkStatus());
  switch (request.command_case()) {
    case controllerpb::ControllerRequest::kCreateTopic: {
      const controllerpb::CreateTopic& c = request.create_topic();
      metadata::CreateTopicCommand command;
      command.name = c.name();
      absl::StatusOr<metadata::TopicUuid> id = metadata::ParseTopicId(c.topic_id());
      if (!id.ok()) return WithReason(id.status(), ErrorReason::kInvalidRequest);
      command.id = *id;
      command.partitions = c.partitions();
      command.replication_factor = c.replication_factor();
      command.configs.insert(c.configs().begin(), c.configs().end());
      command.internal = c.internal();
      absl::StatusOr<std::vector<metadata::Record>> records = machine_.CreateTopic(image, command);
      if (!records.ok()) return records.status();
      if (!c.validate_only()) plan.records = *std::move(records);
      return plan;
    }
    case controllerpb::ControllerRequest::kDeleteTopic: {
      absl::StatusOr<std::vector<metadata::Record>> records = machine_.DeleteTopic(image, request.delete_topic().name());
      if (!records.ok()) return records.status();
      plan.records = *std::move(records);
      return plan;
    }
    case controllerpb::ControllerRequest::kCreatePartitions: {
      const controllerpb::CreatePartitions& c = request.create_partitions();
      absl::StatusOr<std::vector<metadata::Record>> records = machine_.CreatePartitions(image, c.name(), c.new_total());
      if (!records.ok()) return records.status();
      if (!c.validate_only()) plan.records = *std::move(records);
      return plan;
    }
    case controllerpb::ControllerRequest::kAlterTopicConfigs: {
      const controllerpb::AlterTopicConfigs& c = request.alter_topic_configs();
      std::vector<metadata::ConfigOp> ops;
      for (const controllerpb::ConfigOp& op : c.ops()) {
        ops.push_back({op.key(), op.has_value() ? std::optional<std::string>(op.value()) : std::nullopt});
      }
      absl::StatusOr<std::vector<metadata::Record>> records = machine_.AlterTopicConfigs(image, c.name(), ops);
      if (!records.ok()) return records.status();
      plan.records = *std::move(records);
      return plan;
    }
    case controllerpb::ControllerRequest::kRegisterBroker: {
      const controllerpb::RegisterBroker& c = request.register_broker();
      metadata::RegisterBrokerCommand command;
      command.broker_id = c.broker_id();
      for (const controllerpb::Endpoint& e : c.endpoints()) command.endpoints.push_back({e.name(), e.host(), e.port()});
      command.incarnation_id = c.incarnation_id();
      command.rack = c.rack();
      command.max_partitions = c.max_partitions();
      absl::StatusOr<std::vector<metadata::Record>> records =
          machine_.RegisterBroker(image, command, options_.clock->NowMs());
      if (!records.ok()) return records.status();
      ASSIGN_OR_RETURN(plan.add_learner, LearnerToAdd(c));
      for (const metadata::Record& record : *records) {
        if (record.has_register_broker()) plan.reply.set_broker_epoch(record.register_broker().broker_epoch());
      }
      plan.records = *std::move(records);
      return plan;
    }
    case controllerpb::ControllerRequest::kBrokerHeartbeat: {
      const controllerpb::BrokerHeartbeat& c = request.broker_heartbeat();
      absl::Status status = machine_.BrokerHeartbeat(image, c.broker_id(), c.broker_epoch(), options_.clock->NowMs());
      if (!status.ok()) return status;
      plan.reply.set_broker_epoch(c.broker_epoch());
      return plan;
    }
    case controllerpb::ControllerRequest::kAllocateProducerIds: {
      const controllerpb::AllocateProducerIds& c = request.allocate_producer_ids();
      absl::StatusOr<std::vector<metadata::Record>> records =
          machine_.AllocateProducerIds(image, c.broker_id(), c.broker_epoch());
      if (!records.ok()) return records.status();
      plan.reply.set_producer_id_start(image.next_producer_id);
      plan.reply.set_producer_id_count(metadata::kProducerIdBlockSize);
      plan.records = *std::move(records);
      return plan;
    }
    case controllerpb::ControllerRequest::COMMAND_NOT_SET:
      break;
  }
  return WithReason(absl::InvalidArgumentError("controller request without a command"), ErrorReason::kInvalidRequest);
}

void MetadataController::ScheduleFenceCheck() {
  fence_timer_.ExpireAfter(options_.fence_check_interval, [this, alive = alive_](absl::Status status) {
    if (!status.ok() || !*alive) return;
    if (raft_->is_leader()) {
      queue_.push_back(Work{std::nullopt, nullptr});
      Pump();
    }
    ScheduleFenceCheck();
  });
}

}  // namespace cairn::controller
