// A running controller Raft node: drives a raft::RawNode on one shard with a
// tick timer, durable RaftStorage and a RaftTransport (docs/raft.md).
//
// The RawNode takes no input between GetReady() and Advance(), and a Ready
// stays outstanding while RaftStorage persists it (asynchronously, fsync
// included). Inputs arriving meanwhile — messages, proposals, ticks — are
// queued and given in arrival order once the Ready is advanced, so a slow
// disk batches work into the next Ready instead of blocking the shard.
//
// Membership: the voters come from Options (they bootstrap a fresh data dir).
// A node whose id is not among them is a learner, or one waiting to become
// one: it listens on Options::learner_listen and never campaigns. Learners
// join through a conf change entry (ProposeAddLearner) whose context is the
// learner's address; every node learns the address when it applies the
// entry, and a snapshot stores the address of every learner it lists
// (raftpb.NodeSnapshot around the application's state), so a node restarted
// from a snapshot can still reach its learners.
//
// Threading: one shard. Start, Propose, the accessors, the destructor and
// every callback run on that shard's thread.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "controller/raft/raw_node.h"
#include "controller/raft_storage.h"
#include "controller/raft_transport.h"
#include "io/file.h"
#include "io/timer.h"

namespace cairn::controller {

class RaftNode {
 public:
  struct Options {
    raft::NodeId id = raft::kNoNode;
    std::string cluster_id;
    std::string data_dir;
    // Every voter (this node included, unless it is a learner); bootstraps a
    // fresh data dir.
    std::vector<PeerAddress> voters;
    // Where a node that is not a voter listens for the quorum's messages
    // (its controller listener); port 0 picks a free one (see port()).
    // Ignored for voters (see voter_listen_host).
    std::string learner_host = "127.0.0.1";
    uint16_t learner_port = 0;
    // Where a voter listens instead of its entry in `voters`, when set: its
    // controller listener, as Kafka's controllers do. The entry says how the
    // others dial it (a name, say), the listener where it binds (an address:
    // cairnd looks a listener's host name up at start).
    std::string voter_listen_host;  // empty: listen at the voters entry
    uint16_t voter_listen_port = 0;
    std::chrono::milliseconds tick_interval{50};
    int election_tick = 10;  // in ticks: 500 ms at the default interval
    int heartbeat_tick = 1;
    uint64_t random_seed = 0;  // election jitter; give each node its own
    // Once this many bytes of entries were applied since the last snapshot,
    // the application's state (SnapshotSource) becomes the new snapshot and
    // the log before it is dropped. 0: never.
    uint64_t snapshot_after_bytes = 0;
  };
  // Called for each committed entry, in log order, exactly once per entry per
  // process lifetime (a restart re-applies the entries after the snapshot).
  // Includes a new leader's empty entry.
  using ApplyCallback = absl::AnyInvocable<void(const raft::Entry&)>;
  // Replaces the application's state with a snapshot's: the one on disk at
  // Start (before any entry is applied), or one installed from the leader.
  using RestoreCallback = absl::AnyInvocable<void(const raft::Snapshot&)>;
  // The application's state as of the last applied entry, as bytes.
  using SnapshotSource = absl::AnyInvocable<Buffer()>;
  // The entry's index once it is committed and applied on this node; or
  // NotLeader (with a hint, raft::LeaderHint) when this node cannot propose,
  // or Unavailable when leadership was lost before the entry committed here
  // (its fate is then unknown: a new leader may still commit it). NotLeader
  // may come inline from Propose; every other outcome comes later.
  using ProposeCallback = absl::AnyInvocable<void(absl::StatusOr<raft::LogIndex>) &&>;

  // Opens (or bootstraps) the data dir and starts listening, dialing and
  // ticking. The listen address is this node's entry in options.voters.
  static absl::StatusOr<std::unique_ptr<RaftNode>> Start(io::Shard& shard, io::FileSystem& fs,
                                                         Options options, ApplyCallback on_apply,
                                                         RestoreCallback on_restore = nullptr,
                                                         SnapshotSource snapshot_source = nullptr);
  // Stops ticking and closes connections; a persist in flight is abandoned
  // (its durability is unaffected) and pending proposals fail with Cancelled.
  ~RaftNode();
  RaftNode(const RaftNode&) = delete;
  RaftNode& operator=(const RaftNode&) = delete;

  void Propose(Buffer data, ProposeCallback done);
  // Proposes a membership change (raft::RawNode::ProposeConfChange); `done`
  // as for Propose, once this node has applied it. Refusals (one change at a
  // time, a voter touched) come as the core's status.
  void ProposeConfChange(raft::ConfChange change, ProposeCallback done);
  // ProposeConfChange of an AddLearner whose context is `learner`'s address
  // (raftpb.PeerContext). Adding a present learner with a new address only
  // updates the address.
  void ProposeAddLearner(const PeerAddress& learner, ProposeCallback done);

  bool is_leader() const;
  raft::NodeId leader() const;
  raft::Term term() const;
  bool is_voter() const { return raw_->raft().IsVoter(); }
  // The membership as of the last applied entry.
  const raft::ConfState& conf_state() const { return raw_->raft().conf_state(); }
  // The address of a learner, as its conf change gave it; nullopt if none.
  std::optional<PeerAddress> learner_address(raft::NodeId id) const;
  // Serves controller commands arriving on this node's listener (see
  // RaftTransport::set_request_handler).
  void set_request_handler(RaftTransport::RequestHandler handler) {
    transport_->set_request_handler(std::move(handler));
  }
  raft::LogIndex applied() const { return applied_; }
  uint16_t port() const { return transport_->port(); }
  const RaftTransport& transport() const { return *transport_; }

 private:
  struct Tick {};
  struct Proposal {
    Buffer data;
    ProposeCallback done;
    std::optional<raft::ConfChange> conf_change;  // instead of data
  };
  struct Pending {
    raft::Term term;
    ProposeCallback done;
  };
  using Input = std::variant<Tick, raft::Message, Proposal>;

  RaftNode(io::Shard& shard, Options options, ApplyCallback on_apply);
  void ScheduleTick();
  void Give(Input input);
  void Handle(Input input);
  void ProcessReady();
  void FinishReady(raft::Ready ready);
  void FailPending(const absl::Status& status);
  // Takes a snapshot and compacts the log when enough was applied since the
  // last one (Options::snapshot_after_bytes).
  void MaybeSnapshot();
  void ApplyConfChange(const raft::Entry& entry);
  // Hands a snapshot's application state to on_restore_ and takes the
  // learner addresses it carries (raftpb.NodeSnapshot).
  void Restore(const raft::Snapshot& snapshot);

  io::Shard& shard_;
  const Options options_;
  ApplyCallback on_apply_;
  RestoreCallback on_restore_;
  SnapshotSource snapshot_source_;
  uint64_t applied_bytes_since_snapshot_ = 0;
  std::unique_ptr<RaftStorage> storage_;
  std::unique_ptr<raft::RawNode> raw_;
  std::unique_ptr<RaftTransport> transport_;
  io::Timer tick_timer_;
  std::deque<Input> queued_;
  bool in_ready_ = false;  // between GetReady() and Advance()
  absl::Status failure_;   // a persist failed: the node stops
  std::map<raft::LogIndex, Pending> pending_;
  // Addresses of the learners in the applied membership (and of this node,
  // if it is one).
  std::map<raft::NodeId, PeerAddress> learner_addresses_;
  raft::LogIndex applied_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cairn::controller
