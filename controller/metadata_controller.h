// The controller around the Raft node (DESIGN.md §5): every node of the
// quorum runs one. The node that leads the Raft group is the active
// controller: it validates commands (controller_rpc.proto) against its
// committed MetadataImage with the ControllerStateMachine, proposes the
// resulting records as one entry, and replies once they are committed and
// applied. Every node — leader or follower — applies each committed entry to
// its own image and hands the new image to its owner (the broker), so all
// nodes derive the same metadata from the same log.
//
// Commands run in order on the active controller: each is validated against
// the image that includes every earlier command, so two creations of one name
// can never both pass. The commands queued while an entry is in flight are
// planned together and committed as the next entry (group commit). A
// heartbeat writes nothing and is answered at once. A node that is not the active controller
// forwards a command to the one that is (ControllerRpcClient), retrying while
// there is none or it moves, until the command's deadline.
//
// A RegisterBroker from a node that is not a voter (a broker-only node)
// makes the active controller first add it as a Raft learner (a conf change
// carrying its controller endpoint), then register it: from then on the
// quorum pushes it the metadata log, and it applies every entry like any
// member. Such a node forwards its commands to a voter even before it knows
// the leader (it learns of it only once it is a learner).
//
// The active controller also fences brokers whose heartbeats stopped
// (broker.session.timeout.ms) and moves their leaderships (the state
// machine's FenceExpiredBrokers), checked every fence_check_interval.
//
// Threading: one shard. Everything here, callbacks included, runs there.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "cairn/controller_rpc.pb.h"
#include "common/clock.h"
#include "controller/controller_rpc_client.h"
#include "controller/metadata/controller_state_machine.h"
#include "controller/metadata/metadata_image.h"
#include "controller/raft_node.h"
#include "io/timer.h"

namespace cairn::controller {

class MetadataController {
 public:
  struct Options {
    RaftNode::Options raft;
    std::chrono::milliseconds session_timeout{9000};
    std::chrono::milliseconds fence_check_interval{1000};
    // How long Submit keeps trying to reach an active controller.
    std::chrono::milliseconds command_timeout{15000};
    // Commands queued on the active controller beyond this are refused
    // (Unavailable) rather than buffered without bound.
    size_t max_queued_commands = 4096;
    const Clock* clock = &SystemClock::Instance();
  };
  // A new image after each applied entry that changed it, with the index of
  // that entry.
  using ImageCallback =
      absl::AnyInvocable<void(std::shared_ptr<const metadata::MetadataImage>, uint64_t applied_index)>;
  using ReplyCallback = absl::AnyInvocable<void(controllerpb::ControllerReply) &&>;

  static absl::StatusOr<std::unique_ptr<MetadataController>> Start(io::Shard& shard, io::FileSystem& fs,
                                                                   Options options, ImageCallback on_image);
  ~MetadataController();
  MetadataController(const MetadataController&) = delete;
  MetadataController& operator=(const MetadataController&) = delete;

  // Runs `request` on the active controller and replies with its outcome
  // (StatusFromReply); never inline. A reply of Unavailable or
  // DeadlineExceeded leaves the outcome unknown (see ControllerRpcClient).
  void Submit(controllerpb::ControllerRequest request, ReplyCallback done);

  // Calls `done` once this node has applied an entry of the current leader's
  // term: its image then holds everything committed before that leader took
  // over (on a restart, the whole durable log). Inline when already so.
  void WhenCaughtUp(absl::AnyInvocable<void()> done);

  std::shared_ptr<const metadata::MetadataImage> image() const { return image_; }
  uint64_t applied_index() const { return applied_index_; }
  bool is_leader() const { return raft_->is_leader(); }
  bool is_voter() const { return raft_->is_voter(); }
  const raft::ConfState& conf_state() const { return raft_->conf_state(); }
  // Where this node listens for the quorum (its controller listener; for a
  // learner, the address its AddLearner conf change must carry).
  PeerAddress controller_address() const;
  raft::NodeId leader() const { return raft_->leader(); }
  uint16_t port() const { return raft_->port(); }

 private:
  // A command waiting on the active controller; no request means a fencing
  // check.
  struct Work {
    std::optional<controllerpb::ControllerRequest> request;
    ReplyCallback done;
  };
  // What a validated command will do.
  struct Plan {
    std::vector<metadata::Record> records;
    controllerpb::ControllerReply reply;  // success fields, sent once applied
    // Proposed and applied before `records`: a broker-only node joins the
    // metadata log as a learner before it is registered.
    std::optional<PeerAddress> add_learner;
  };

  // A command whose records ride in the entry being proposed: its reply
  // goes out once that entry commits. No callback for a fencing check.
  struct Waiter {
    ReplyCallback done;
    controllerpb::ControllerReply reply;
  };

  MetadataController(io::Shard& shard, Options options, ImageCallback on_image);
  void Apply(const raft::Entry& entry);
  void Restore(const raft::Snapshot& snapshot);
  // A command on its way to the active controller.
  struct Attempt {
    controllerpb::ControllerRequest request;
    ReplyCallback done;
    std::chrono::steady_clock::time_point deadline;
  };
  void Try(Attempt attempt);
  // Parks `attempt` for the next retry round, or fails it with `why` when
  // its deadline has passed.
  void RetryLater(Attempt attempt, const absl::Status& why);
  void ScheduleRetries();
  void Serve(controllerpb::ControllerRequest request, ReplyCallback done);
  // Plans the queued commands and proposes their records as one entry.
  void Pump();
  Work PopWork();
  // Proposes `records` as one entry; replies to every waiter and pumps once
  // it is settled.
  void ProposeRecords(std::vector<metadata::Record> records, std::vector<Waiter> waiters);
  void ProposeLearnerThenRecords(Plan plan, ReplyCallback done);
  // Where to send a command while this node knows no leader: a voter
  // (learners learn of the leader only once it reaches them).
  raft::NodeId GuessController();
  // Validates `request` against `image`: the committed image, or the working
  // one holding the commands batched before it.
  absl::StatusOr<Plan> PlanCommand(const controllerpb::ControllerRequest& request,
                                   const metadata::MetadataImage& image);
  // For a RegisterBroker: the learner to add first, if the broker is not a
  // voter and not already a learner at its controller endpoint.
  absl::StatusOr<std::optional<PeerAddress>> LearnerToAdd(const controllerpb::RegisterBroker& command) const;
  void ScheduleFenceCheck();
  void CheckCaughtUp();

  io::Shard& shard_;
  const Options options_;
  ImageCallback on_image_;
  std::unique_ptr<RaftNode> raft_;
  std::unique_ptr<ControllerRpcClient> rpc_;
  metadata::ControllerStateMachine machine_;
  std::shared_ptr<const metadata::MetadataImage> image_;
  uint64_t applied_index_ = 0;
  raft::Term applied_term_{0};
  absl::Status restore_failure_;
  std::deque<Work> queue_;
  bool proposing_ = false;
  io::Timer fence_timer_;
  std::vector<Attempt> parked_;
  raft::NodeId leader_hint_ = raft::kNoNode;  // from a NotController reply
  size_t next_voter_guess_ = 0;
  io::Timer retry_timer_;
  bool retry_armed_ = false;
  std::vector<absl::AnyInvocable<void()>> caught_up_waiters_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// A reply carrying `status` (OK, or its code, ErrorReason and message), and
// the status a reply carries.
controllerpb::ControllerReply ReplyFromStatus(const absl::Status& status);
absl::Status StatusFromReply(const controllerpb::ControllerReply& reply);

}  // namespace cairn::controller
