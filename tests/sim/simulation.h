// The simulation's internals, shared by raft_simulation.cc (events, network,
// faults, the client, checks) and sim_node_driver.cc (feeding one node its
// inputs and handling its Readies). Not for use outside tests/sim.
#pragma once

#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "controller/raft/describe.h"
#include "controller/raft/invariants.h"
#include "controller/raft/memory_storage.h"
#include "controller/raft/prng.h"
#include "controller/raft/raw_node.h"
#include "tests/sim/raft_simulation.h"
#include "tests/sim/sim_network.h"
#include "tests/sim/sim_profile.h"
#include "tests/sim/sim_state_machine.h"

namespace cairn::raft::sim::internal {

inline constexpr int kElectionTick = 10;
inline constexpr int kHeartbeatTick = 3;
inline constexpr int64_t kTickMs = 10;  // nominal; each node's clock runs a little fast or slow

enum class Phase { kChaos, kHealing, kQuiet, kDone };

enum class EventKind { kTick, kDeliver, kPersisted, kRestart, kFault, kPropose, kHeal, kMembership };

// Events and inputs are plain values; a message in flight waits in a
// mailbox slot, so it is moved twice (in, out) however long its path.
using Slot = uint32_t;

struct Event {
  EventKind kind;
  NodeId node = kNoNode;
  uint64_t incarnation = 0;  // kPersisted, kRestart: void if the node crashed since
  Slot slot = 0;             // kDeliver
  uint64_t proposal = 0;     // kPropose: which one (0: a new phase-1 proposal)
  bool quiet = false;        // kPropose: a phase-2 proposal that must commit
  bool retried = false;      // kPropose: sent again after a refusal
};

struct QueuedEvent {
  int64_t at_ms;
  uint64_t seq;  // ties break in scheduling order
  Event event;
  bool operator>(const QueuedEvent& other) const {
    return at_ms != other.at_ms ? at_ms > other.at_ms : seq > other.seq;
  }
};

// What a node is given, in order, once it is not busy with a Ready.
struct Input {
  enum class Kind { kMessage, kTick, kSnapshotReport, kUnreachable, kPropose, kTransfer, kConfChange } kind;
  Slot slot = 0;          // kMessage
  NodeId peer = kNoNode;  // kSnapshotReport, kUnreachable, kTransfer
  bool ok = false;        // kSnapshotReport
  uint64_t proposal = 0;  // kPropose
  bool quiet = false;     // kPropose
  bool retried = false;   // kPropose
  ConfChangeType change = ConfChangeType::kAddLearner;  // kConfChange, of node `peer`
};

inline std::string ProposalData(uint64_t proposal, bool quiet) {
  return absl::StrCat(quiet ? "q" : "p", proposal);
}

struct SimNode {
  NodeId id;
  std::unique_ptr<MemoryStorage> storage;  // the durable disk: survives crashes
  std::unique_ptr<RawNode> raw;            // null while crashed
  SimStateMachine state;
  LogIndex snapshot_index;  // of the snapshot in storage
  uint64_t incarnation = 0;
  int64_t tick_interval_ms = kTickMs;
  // Between GetReady() and Advance(): the Ready is being written (held in
  // `persisting` while the simulated disk is slow) or finished.
  bool in_ready = false;
  std::optional<Ready> persisting;
  std::deque<Input> inputs;
};

// A phase-2 proposal as its client sees it. A leader change may drop an
// accepted proposal, so like a real client it proposes again when one is not
// committed in time; it succeeds once any attempt is committed.
struct QuietProposal {
  struct Attempt {
    LogIndex index;
    Term term;
  };
  std::vector<Attempt> attempts;  // where leaders accepted it
  int64_t accepted_at_ms = 0;     // the last acceptance
  bool retrying = false;          // a proposal is under way
};

class Simulation {
 public:
  explicit Simulation(const SimOptions& options);
  SimResult Run();

 private:
  // --- events ---
  void Schedule(int64_t at_ms, Event event);
  Slot Park(Message message);
  Message Unpark(Slot slot);
  SimNode& Node(NodeId id) { return nodes_[static_cast<size_t>(id.value() - 1)]; }
  void Dispatch(Event& event);
  void OnDeliver(Slot slot);
  void OnFault();
  void OnPropose(Event& event);
  void OnHeal();
  // Dynamic-learner seeds: asks the leader to add the learner if its
  // membership lacks it, or (`toggle`) to remove it if present.
  void ProposeMembership(bool toggle);
  void ApplyConfChange(SimNode& node, const Entry& entry);

  // --- nodes ---
  void Give(SimNode& node, Input input);
  void Drain(SimNode& node);
  void ApplyInput(SimNode& node, Input& input);
  void HandleReady(SimNode& node);
  void FinishReady(SimNode& node, Ready ready);
  void PersistPrefix(SimNode& node, const Ready& ready, size_t parts);
  void ApplyCommitted(SimNode& node, const Ready& ready);
  void MaybeSnapshot(SimNode& node);
  void Send(Message message);
  void Crash(SimNode& node);
  void Restart(SimNode& node);
  SimNode* Leader();
  SimNode& RandomNode(bool voters_only);

  // --- checks ---
  void Check(const absl::Status& status);
  void Fail(const std::string& what);
  void CheckDigest(const SimNode& node);
  void CheckLiveness();
  bool StableLeaderExists() const;
  bool QuietProposalsApplied(std::string* missing);

  // --- reproducibility ---
  void Hash(uint64_t value);
  void HashMessage(const Message& m);
  // Prints one event line with --trace.
  template <typename... Args>
  void Trace(const Args&... args) {
    if (!options_.trace) return;
    std::printf("%8lldms %s\n", static_cast<long long>(now_ms_), absl::StrCat(args...).c_str());
  }

  const SimOptions options_;
  Prng random_;
  Profile profile_;
  SimNetwork network_;
  ConfState conf_state_;  // every node: the voters, then the learner if any
  NodeId dynamic_learner_ = kNoNode;
  int64_t next_membership_ms_ = 0;  // phase 2: when to ask for the learner again
  std::vector<SimNode> nodes_;  // node i has id i + 1
  std::priority_queue<QueuedEvent, std::vector<QueuedEvent>, std::greater<>> events_;
  std::vector<Message> mailbox_;
  std::vector<Slot> free_slots_;
  uint64_t next_event_seq_ = 0;
  int64_t now_ms_ = 0;
  Phase phase_ = Phase::kChaos;
  int64_t healed_at_ms_ = 0;
  int64_t leader_at_ms_ = 0;
  uint64_t proposal_seq_ = 0;
  NodeId client_leader_guess_ = kNoNode;
  std::vector<QuietProposal> quiet_;  // by proposal number
  InvariantChecker checker_;
  std::map<uint64_t, uint64_t> digests_;  // applied index -> state digest there
  std::set<NodeId> touched_;               // nodes the current step gave input to
  SimResult result_;
};

}  // namespace cairn::raft::sim::internal
