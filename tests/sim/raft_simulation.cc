// The deterministic Raft cluster simulation; see raft_simulation.h.
#include "tests/sim/raft_simulation.h"

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
#include "tests/sim/sim_network.h"
#include "tests/sim/sim_profile.h"
#include "tests/sim/sim_state_machine.h"

namespace cairn::raft::sim {
namespace {

constexpr int kElectionTick = 10;
constexpr int kHeartbeatTick = 3;
constexpr int64_t kTickMs = 10;  // nominal; each node's clock runs a little fast or slow

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

std::string ProposalData(uint64_t proposal, bool quiet) {
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
  template <typename... Args>
  void Trace(const Args&... args);

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

Simulation::Simulation(const SimOptions& options)
    : options_(options), random_(options.seed), profile_(DrawProfile(random_)),
      network_(random_.Next()) {
  CAIRN_CHECK(options.voters >= 1) << "voters " << options.voters;
  for (int i = 1; i <= options.voters; ++i) conf_state_.voters.emplace_back(i);
  if (profile_.learner) conf_state_.learners.emplace_back(options.voters + 1);
  result_.stats.learner = profile_.learner;
  result_.stats.dynamic_learner = profile_.dynamic_learner;
  // A dynamic learner, like a broker-only node, starts from the voters alone.
  ConfState bootstrap = conf_state_;
  if (profile_.dynamic_learner) {
    dynamic_learner_ = conf_state_.learners.front();
    bootstrap.learners.clear();
  }
  network_.set_faults(profile_.chaos_network);
  nodes_.resize(conf_state_.voters.size() + conf_state_.learners.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    SimNode& node = nodes_[i];
    const NodeId id(static_cast<int32_t>(i + 1));
    node.id = id;
    node.storage = std::make_unique<MemoryStorage>(bootstrap);
    // Clock drift: each node's ticks come every 9 to 11 ms.
    node.tick_interval_ms = kTickMs + random_.Between(-1, 1);
    Restart(node);
    Event tick{EventKind::kTick, id};
    Schedule(random_.Between(0, node.tick_interval_ms), tick);
  }
  Schedule(random_.Between(50, 300), Event{EventKind::kFault});
  Schedule(random_.Between(5, 50), Event{EventKind::kPropose});
  Schedule(options_.chaos_ms, Event{EventKind::kHeal});
  if (profile_.dynamic_learner) Schedule(random_.Between(20, 200), Event{EventKind::kMembership});
}

void Simulation::Schedule(int64_t at_ms, Event event) {
  events_.push(QueuedEvent{at_ms, next_event_seq_++, event});
}

Slot Simulation::Park(Message message) {
  if (free_slots_.empty()) {
    mailbox_.push_back(std::move(message));
    return static_cast<Slot>(mailbox_.size() - 1);
  }
  const Slot slot = free_slots_.back();
  free_slots_.pop_back();
  mailbox_[slot] = std::move(message);
  return slot;
}

Message Simulation::Unpark(Slot slot) {
  free_slots_.push_back(slot);
  return std::move(mailbox_[slot]);
}

SimResult Simulation::Run() {
  const int64_t deadline_ms =
      options_.chaos_ms + options_.election_bound_ms + options_.commit_bound_ms + 1000;
  while (result_.ok && phase_ != Phase::kDone) {
    CAIRN_CHECK(!events_.empty()) << "event queue ran dry";
    now_ms_ = events_.top().at_ms;
    Event event = events_.top().event;
    events_.pop();
    if (now_ms_ > deadline_ms) {
      Fail("simulation passed its deadline");
      break;
    }
    ++result_.stats.events;
    Hash(static_cast<uint64_t>(now_ms_));
    Hash(static_cast<uint64_t>(event.kind));
    Hash(static_cast<uint64_t>(event.node.value()));
    Dispatch(event);
    // Invariants after every step, on every node the step reached (the
    // others have not changed).
    for (NodeId id : touched_) {
      const SimNode& node = Node(id);
      if (node.raw && result_.ok) Check(checker_.CheckNode(node.raw->raft()));
    }
    touched_.clear();
    if (result_.ok) CheckLiveness();
  }
  result_.stats.committed_index = checker_.committed_index().value();
  return result_;
}

void Simulation::Dispatch(Event& event) {
  switch (event.kind) {
    case EventKind::kTick: {
      SimNode& node = Node(event.node);
      if (node.raw) Give(node, Input{Input::Kind::kTick});
      Schedule(now_ms_ + node.tick_interval_ms, Event{EventKind::kTick, node.id});
      return;
    }
    case EventKind::kDeliver:
      OnDeliver(event.slot);
      return;
    case EventKind::kPersisted: {
      SimNode& node = Node(event.node);
      if (event.incarnation != node.incarnation || !node.persisting) return;
      touched_.insert(node.id);
      Ready ready = std::move(*node.persisting);
      node.persisting.reset();
      FinishReady(node, std::move(ready));  // clears in_ready
      Drain(node);
      return;
    }
    case EventKind::kRestart: {
      SimNode& node = Node(event.node);
      if (!node.raw && event.incarnation == node.incarnation) Restart(node);
      return;
    }
    case EventKind::kFault:
      OnFault();
      return;
    case EventKind::kPropose:
      OnPropose(event);
      return;
    case EventKind::kHeal:
      OnHeal();
      return;
    case EventKind::kMembership:
      if (phase_ != Phase::kChaos) return;
      ProposeMembership(/*toggle=*/true);
      Schedule(now_ms_ + random_.Between(50, 400), Event{EventKind::kMembership});
      return;
  }
}

// --- network ---

void Simulation::Send(Message message) {
  HashMessage(message);
  const std::vector<int64_t> arrivals = network_.Route(message, now_ms_);
  if (options_.trace) Trace("send ", DescribeMessage(message), arrivals.empty() ? " (lost)" : "");
  if (arrivals.empty() && message.type == MessageType::kSnapshot) {
    // The transport noticed it could not send the snapshot.
    Give(Node(message.from), Input{Input::Kind::kSnapshotReport, 0, message.to, false});
  }
  if (network_.IsCut(message.from, message.to)) {
    // A connection that is down is noticed too (a lost packet is not).
    Give(Node(message.from), Input{Input::Kind::kUnreachable, 0, message.to});
  }
  for (size_t i = 0; i < arrivals.size(); ++i) {
    Event deliver{EventKind::kDeliver, message.to};
    // The last copy takes the message itself.
    deliver.slot = Park(i + 1 == arrivals.size() ? std::move(message) : message);
    Schedule(arrivals[i], deliver);
  }
}

void Simulation::OnDeliver(Slot slot) {
  const Message& message = mailbox_[slot];
  SimNode& receiver = Node(message.to);
  SimNode& sender = Node(message.from);
  const NodeId to = message.to;
  const bool is_snapshot = message.type == MessageType::kSnapshot;
  const bool arrives = receiver.raw != nullptr && !network_.IsCut(message.from, message.to);
  if (options_.trace) Trace(arrives ? "deliver " : "drop ", DescribeMessage(message));
  if (!arrives) Unpark(slot);  // `message` dangles from here
  if (is_snapshot) Give(sender, Input{Input::Kind::kSnapshotReport, 0, to, arrives});
  if (!arrives) return;
  ++result_.stats.messages_delivered;
  Give(receiver, Input{Input::Kind::kMessage, slot});
}

// --- faults ---

void Simulation::OnFault() {
  if (phase_ != Phase::kChaos) return;
  const uint64_t dice = random_.Uniform(100);
  std::vector<NodeId> voters = conf_state_.voters;
  if (dice < 30) {
    SimNode& victim = RandomNode(/*voters_only=*/false);
    if (victim.raw) {
      Trace("crash node ", victim.id.value());
      Crash(victim);
    }
  } else if (dice < 45) {
    const NodeId isolated = RandomNode(false).id;
    Trace("isolate node ", isolated.value());
    for (const SimNode& node : nodes_) {
      if (node.id == isolated) continue;
      network_.Cut(isolated, node.id);
      network_.Cut(node.id, isolated);
    }
  } else if (dice < 60) {
    // Split into two random sides, each node's side by coin flip.
    std::map<NodeId, bool> side;
    for (const SimNode& node : nodes_) side[node.id] = random_.Chance(0.5);
    Trace("partition");
    for (const auto& [a, side_a] : side) {
      for (const auto& [b, side_b] : side) {
        if (side_a != side_b) network_.Cut(a, b);
      }
    }
  } else if (dice < 75) {
    // One-way: a node that can hear everyone but reach no one, or the reverse.
    const NodeId node_id = RandomNode(false).id;
    const bool deaf = random_.Chance(0.5);
    Trace(deaf ? "deafen node " : "mute node ", node_id.value());
    for (const SimNode& node : nodes_) {
      if (node.id == node_id) continue;
      if (deaf) {
        network_.Cut(node.id, node_id);
      } else {
        network_.Cut(node_id, node.id);
      }
    }
  } else if (dice < 92) {
    Trace("heal network");
    network_.HealAll();
  } else if (SimNode* leader = Leader()) {
    const NodeId to = voters[random_.Uniform(voters.size())];
    Trace("transfer leadership ", leader->id.value(), " -> ", to.value());
    Give(*leader, Input{Input::Kind::kTransfer, 0, to});
  }
  Schedule(now_ms_ + random_.Between(50, 400), Event{EventKind::kFault});
}

void Simulation::OnHeal() {
  Trace("heal: faults end");
  phase_ = Phase::kHealing;
  healed_at_ms_ = now_ms_;
  network_.HealAll();
  network_.set_faults(NetworkFaults{0, 0, 1, 5});
  for (SimNode& node : nodes_) {
    if (!node.raw) Restart(node);
  }
}

void Simulation::ProposeMembership(bool toggle) {
  SimNode* leader = Leader();
  if (leader == nullptr) return;
  const bool present = leader->raw->raft().conf_state().IsLearner(dynamic_learner_);
  if (present && !toggle) return;
  Input input{Input::Kind::kConfChange};
  input.peer = dynamic_learner_;
  input.change = present ? ConfChangeType::kRemoveLearner : ConfChangeType::kAddLearner;
  Give(*leader, input);
}

void Simulation::Crash(SimNode& node) {
  node.raw.reset();
  node.in_ready = false;
  node.persisting.reset();
  for (const Input& input : node.inputs) {
    if (input.kind == Input::Kind::kMessage) Unpark(input.slot);
  }
  node.inputs.clear();
  ++node.incarnation;
  ++result_.stats.crashes;
  Schedule(now_ms_ + random_.Between(20, 600), Event{EventKind::kRestart, node.id, node.incarnation});
}

void Simulation::Restart(SimNode& node) {
  // The state machine comes back from the snapshot on disk, and the node
  // from everything else on disk; nothing else survived.
  absl::StatusOr<Snapshot> snapshot = node.storage->GetSnapshot();
  CAIRN_CHECK(snapshot.ok()) << snapshot.status();
  node.state.Restore(snapshot->data);
  node.snapshot_index = snapshot->metadata.index;
  Config config;
  config.id = node.id;
  config.storage = node.storage.get();
  config.election_tick = kElectionTick;
  config.heartbeat_tick = kHeartbeatTick;
  config.applied = snapshot->metadata.index;
  config.max_append_bytes = profile_.max_append_bytes;
  config.max_inflight_appends = profile_.max_inflight_appends;
  config.random_seed = random_.Next();
  config.mutations = options_.mutations;
  absl::StatusOr<std::unique_ptr<RawNode>> raw = RawNode::Create(config);
  if (!raw.ok()) {
    Fail(absl::StrCat("node ", node.id.value(), " cannot restart: ", raw.status().ToString()));
    return;
  }
  node.raw = std::move(*raw);
  touched_.insert(node.id);
  checker_.NodeRestarted(node.id, snapshot->metadata.index);
  Trace("start node ", node.id.value(), " at applied ", snapshot->metadata.index.value());
}

SimNode* Simulation::Leader() {
  SimNode* leader = nullptr;
  for (SimNode& node : nodes_) {
    if (node.raw && node.raw->raft().role() == Role::kLeader &&
        (leader == nullptr || node.raw->raft().term() > leader->raw->raft().term())) {
      leader = &node;
    }
  }
  return leader;
}

SimNode& Simulation::RandomNode(bool voters_only) {
  // Voters come first in nodes_.
  const size_t count = voters_only ? conf_state_.voters.size() : nodes_.size();
  return nodes_[random_.Uniform(count)];
}

// --- the client ---

void Simulation::OnPropose(Event& event) {
  if (!event.quiet && event.proposal == 0) {
    if (phase_ != Phase::kChaos) return;
    event.proposal = ++proposal_seq_;
    Schedule(now_ms_ + random_.Between(10, 100), Event{EventKind::kPropose});
  }
  // The client sends to the leader it believes in, or to anyone.
  SimNode* target = nullptr;
  if (client_leader_guess_ != kNoNode) target = &Node(client_leader_guess_);
  if (target == nullptr || !target->raw) target = &RandomNode(/*voters_only=*/true);
  if (!target->raw) {
    if (event.quiet) Schedule(now_ms_ + 10, event);
    return;
  }
  Input input{Input::Kind::kPropose};
  input.proposal = event.proposal;
  input.quiet = event.quiet;
  input.retried = event.retried;
  Give(*target, input);
}

// --- driving a node ---

void Simulation::Give(SimNode& node, Input input) {
  if (!node.raw) return;  // a crashed node hears nothing
  touched_.insert(node.id);
  node.inputs.push_back(input);
  Drain(node);
}

void Simulation::Drain(SimNode& node) {
  // RawNode takes no input between GetReady() and Advance(): while a Ready
  // is being handled, inputs wait in node.inputs. Then they are all given at
  // once and answered by one Ready, as a node batches behind a slow disk.
  while (node.raw && !node.in_ready && result_.ok) {
    while (!node.inputs.empty() && node.raw) {
      Input input = node.inputs.front();
      node.inputs.pop_front();
      ApplyInput(node, input);
    }
    if (!node.raw || !node.raw->HasReady()) return;
    HandleReady(node);
  }
}

void Simulation::ApplyInput(SimNode& node, Input& input) {
  RawNode& raw = *node.raw;
  switch (input.kind) {
    case Input::Kind::kMessage:
      Check(raw.Step(Unpark(input.slot)));
      return;
    case Input::Kind::kTick:
      raw.Tick();
      return;
    case Input::Kind::kSnapshotReport:
      raw.ReportSnapshot(input.peer, input.ok);
      return;
    case Input::Kind::kUnreachable:
      raw.ReportUnreachable(input.peer);
      return;
    case Input::Kind::kTransfer:
      (void)raw.TransferLeadership(input.peer);  // may be refused; that is fine
      return;
    case Input::Kind::kConfChange: {
      const std::string context = absl::StrCat("sim-node-", input.peer.value());
      absl::StatusOr<LogIndex> index =
          raw.ProposeConfChange(ConfChange{input.change, input.peer, Buffer(context.begin(), context.end())});
      Hash(index.ok() ? index->value() : 0);
      // Refusals are expected: another change pending, a transfer under
      // way, leadership lost since the input was queued.
      if (index.ok()) ++result_.stats.conf_changes_accepted;
      Trace(ConfChangeTypeName(input.change), " ", input.peer.value(), " at node ", node.id.value(), ": ",
            index.ok() ? absl::StrCat("index ", index->value()) : index.status().ToString());
      return;
    }
    case Input::Kind::kPropose: {
      const std::string data = ProposalData(input.proposal, input.quiet);
      absl::StatusOr<LogIndex> index = raw.Propose(AsBytes(data));
      Hash(index.ok() ? index->value() : 0);
      if (index.ok()) {
        ++result_.stats.proposals_accepted;
        client_leader_guess_ = node.id;
        Trace("proposal ", data, " accepted by node ", node.id.value(), " at ", index->value());
        if (input.quiet) {
          QuietProposal& proposal = quiet_.at(input.proposal);
          proposal.attempts.push_back({*index, raw.raft().term()});
          proposal.accepted_at_ms = now_ms_;
          proposal.retrying = false;
        }
        return;
      }
      client_leader_guess_ = LeaderHint(index.status());
      // A phase-2 proposal is retried until accepted; a phase-1 one once,
      // at the leader the refusal named, as a client would.
      if (input.quiet || (client_leader_guess_ != kNoNode && !input.retried)) {
        Event retry{EventKind::kPropose};
        retry.proposal = input.proposal;
        retry.quiet = input.quiet;
        retry.retried = true;
        Schedule(now_ms_ + 1, retry);
      }
      return;
    }
  }
}

void Simulation::HandleReady(SimNode& node) {
  Ready ready = node.raw->GetReady();
  node.in_ready = true;
  Check(checker_.CheckReady(node.raw->raft(), ready));
  Hash(static_cast<uint64_t>(node.id.value()));
  if (ready.hard_state) {
    Hash(ready.hard_state->term.value());
    Hash(ready.hard_state->commit.value());
  }
  Hash(ready.entries.size());
  Hash(ready.committed_entries.size());
  if (ready.soft_state && ready.soft_state->role == Role::kLeader) {
    ++result_.stats.elections_won;
    Trace("node ", node.id.value(), " leads term ", node.raw->raft().term().value());
  }
  const int64_t latency_ms = random_.Between(0, profile_.disk_latency_max_ms);
  if (latency_ms == 0) {
    FinishReady(node, std::move(ready));
    return;
  }
  node.persisting = std::move(ready);
  Schedule(now_ms_ + latency_ms, Event{EventKind::kPersisted, node.id, node.incarnation});
}

void Simulation::FinishReady(SimNode& node, Ready ready) {
  // 1. Persist: snapshot, entries, hard state. A crash may stop it midway.
  const size_t parts = (ready.snapshot ? 1 : 0) + ready.entries.size() + (ready.hard_state ? 1 : 0);
  if (phase_ == Phase::kChaos && ready.MustPersist() &&
      random_.Chance(profile_.crash_while_persisting)) {
    const size_t written = random_.Uniform(parts + 1);
    PersistPrefix(node, ready, written);
    ++result_.stats.crashes_while_persisting;
    Trace("crash node ", node.id.value(), " after persisting ", written, " of ", parts);
    Crash(node);
    return;
  }
  PersistPrefix(node, ready, parts);
  // 2. Only now may the messages promise what was persisted.
  for (Message& m : ready.messages) Send(std::move(m));
  // 3. Apply.
  ApplyCommitted(node, ready);
  if (!result_.ok) return;
  MaybeSnapshot(node);
  node.raw->Advance();
  node.in_ready = false;
}

void Simulation::PersistPrefix(SimNode& node, const Ready& ready, size_t parts) {
  size_t left = parts;
  if (ready.snapshot && left > 0) {
    Check(node.storage->ApplySnapshot(*ready.snapshot));
    node.snapshot_index = ready.snapshot->metadata.index;
    --left;
  }
  const size_t entries = std::min(left, ready.entries.size());
  node.storage->Append(std::vector<Entry>(ready.entries.begin(),
                                          ready.entries.begin() + static_cast<ptrdiff_t>(entries)));
  left -= entries;
  if (ready.hard_state && left > 0) node.storage->SetHardState(*ready.hard_state);
}

void Simulation::ApplyCommitted(SimNode& node, const Ready& ready) {
  if (ready.snapshot) {
    Check(checker_.CheckRestored(node.id, ready.snapshot->metadata));
    node.state.Restore(ready.snapshot->data);
    ++result_.stats.snapshots_installed;
    if (node.state.applied() != ready.snapshot->metadata.index) {
      Fail(absl::StrCat("node ", node.id.value(), " snapshot data is for index ",
                        node.state.applied().value(), ", metadata says ",
                        ready.snapshot->metadata.index.value()));
      return;
    }
    CheckDigest(node);
  }
  for (const Entry& entry : ready.committed_entries) {
    Check(checker_.CheckApplied(node.id, entry));
    if (!result_.ok) return;
    node.state.Apply(entry);
    if (entry.type == EntryType::kConfChange) ApplyConfChange(node, entry);
    CheckDigest(node);
  }
}

void Simulation::ApplyConfChange(SimNode& node, const Entry& entry) {
  CAIRN_CHECK(entry.conf_change.has_value()) << "conf change entry " << entry.index << " without a change";
  // Learner changes are never refused at apply time: any error is a bug.
  absl::StatusOr<ConfState> conf = node.raw->ApplyConfChange(*entry.conf_change);
  if (!conf.ok()) {
    Fail(absl::StrCat("node ", node.id.value(), " refused committed ", DescribeEntry(entry), ": ",
                      conf.status().ToString()));
    return;
  }
  Hash(conf->learners.size());
  Trace("node ", node.id.value(), " applied ", DescribeEntry(entry), ": ", DescribeConfState(*conf));
}

void Simulation::CheckDigest(const SimNode& node) {
  const uint64_t index = node.state.applied().value();
  if (index == 0) return;
  auto [it, inserted] = digests_.emplace(index, node.state.digest());
  if (!inserted && it->second != node.state.digest()) {
    Fail(absl::StrCat("state machine safety: node ", node.id.value(),
                      " reached a different state at index ", index));
  }
}

void Simulation::MaybeSnapshot(SimNode& node) {
  const LogIndex applied = node.state.applied();
  if (applied.value() < node.snapshot_index.value() + profile_.snapshot_every) return;
  Check(node.storage->CreateSnapshot(applied, node.raw->raft().conf_state(), node.state.TakeSnapshot()));
  node.snapshot_index = applied;
  // Keep a few entries behind the snapshot, so a follower slightly behind
  // still gets entries rather than the whole snapshot.
  if (applied.value() > profile_.compaction_lag) {
    Check(node.storage->Compact(applied - profile_.compaction_lag));
  }
}

// --- checks ---

void Simulation::Check(const absl::Status& status) {
  if (!status.ok()) Fail(std::string(status.message()));
}

void Simulation::Fail(const std::string& what) {
  if (!result_.ok) return;
  result_.ok = false;
  result_.failure = absl::StrCat("t=", now_ms_, "ms: ", what);
  Trace("FAIL ", result_.failure);
}

bool Simulation::StableLeaderExists() const {
  const SimNode* leader = nullptr;
  for (const SimNode& node : nodes_) {
    if (node.raw && node.raw->raft().role() == Role::kLeader) leader = &node;
  }
  if (leader == nullptr) return false;
  const Raft& lead = leader->raw->raft();
  for (NodeId id : conf_state_.voters) {
    const SimNode& node = nodes_[static_cast<size_t>(id.value() - 1)];
    if (!node.raw || node.raw->raft().term() != lead.term() || node.raw->raft().lead() != lead.id()) {
      return false;
    }
  }
  return true;
}

bool Simulation::QuietProposalsApplied(std::string* missing) {
  // Long enough for a healthy cluster, short of the commit bound.
  constexpr int64_t kClientTimeoutMs = 300;
  bool all_applied = true;
  for (uint64_t number = 0; number < quiet_.size(); ++number) {
    const std::string data = ProposalData(number, /*quiet=*/true);
    QuietProposal& proposal = quiet_[number];
    const QuietProposal::Attempt* committed = nullptr;
    for (const QuietProposal::Attempt& attempt : proposal.attempts) {
      const Entry* entry = checker_.CommittedEntry(attempt.index);
      if (entry != nullptr && entry->term == attempt.term && AsStringView(entry->data) == data) {
        committed = &attempt;
      }
    }
    if (committed == nullptr) {
      all_applied = false;
      *missing = absl::StrCat("proposal ", data, " not committed after ", proposal.attempts.size(),
                              " acceptances");
      if (!proposal.retrying && now_ms_ - proposal.accepted_at_ms > kClientTimeoutMs) {
        Trace("proposal ", data, " not committed in time; proposing again");
        proposal.retrying = true;
        Event retry{EventKind::kPropose};
        retry.proposal = number;
        retry.quiet = true;
        Schedule(now_ms_ + 1, retry);
      }
      continue;
    }
    for (const SimNode& node : nodes_) {
      if (!node.raw || node.state.applied() < committed->index) {
        *missing = absl::StrCat("proposal ", data, " (index ", committed->index.value(),
                                ") not applied on node ", node.id.value());
        all_applied = false;
        break;
      }
    }
  }
  return all_applied;
}

void Simulation::CheckLiveness() {
  if (phase_ == Phase::kHealing) {
    if (StableLeaderExists()) {
      phase_ = Phase::kQuiet;
      leader_at_ms_ = now_ms_;
      quiet_.assign(static_cast<size_t>(options_.quiet_proposals), QuietProposal{});
      for (QuietProposal& proposal : quiet_) proposal.retrying = true;  // first attempts below
      result_.stats.leader_after_heal_ms = now_ms_ - healed_at_ms_;
      Trace("stable leader after ", result_.stats.leader_after_heal_ms, " ms");
      for (int i = 0; i < options_.quiet_proposals; ++i) {
        Event propose{EventKind::kPropose};
        propose.proposal = static_cast<uint64_t>(i);
        propose.quiet = true;
        Schedule(now_ms_ + 10 * (i + 1), propose);
      }
    } else if (now_ms_ - healed_at_ms_ > options_.election_bound_ms) {
      Fail(absl::StrCat("liveness: no leader followed by every voter within ",
                        options_.election_bound_ms, " ms of healing"));
    }
  } else if (phase_ == Phase::kQuiet) {
    // The learner ends as a member: phase 2 proves it is added and catches up.
    if (dynamic_learner_ != kNoNode && now_ms_ >= next_membership_ms_) {
      next_membership_ms_ = now_ms_ + 50;
      ProposeMembership(/*toggle=*/false);
    }
    std::string missing;
    if (QuietProposalsApplied(&missing)) {
      phase_ = Phase::kDone;
      result_.stats.applied_after_leader_ms = now_ms_ - leader_at_ms_;
    } else if (now_ms_ - leader_at_ms_ > options_.commit_bound_ms) {
      Fail(absl::StrCat("liveness: within ", options_.commit_bound_ms, " ms of a stable leader, ",
                        missing));
    }
  }
}

// --- reproducibility ---

void Simulation::Hash(uint64_t value) {
  for (int i = 0; i < 8; ++i) {
    result_.trace_hash ^= (value >> (8 * i)) & 0xff;
    result_.trace_hash *= 0x100000001b3ULL;
  }
}

void Simulation::HashMessage(const Message& m) {
  Hash(static_cast<uint64_t>(m.type));
  Hash(static_cast<uint64_t>(m.from.value()));
  Hash(static_cast<uint64_t>(m.to.value()));
  Hash(m.term.value());
  Hash(m.index.value());
  Hash(m.log_term.value());
  Hash(m.commit.value());
  Hash(m.reject ? 1 : 0);
  Hash(m.entries.size());
}

template <typename... Args>
void Simulation::Trace(const Args&... args) {
  if (!options_.trace) return;
  std::printf("%8lldms %s\n", static_cast<long long>(now_ms_), absl::StrCat(args...).c_str());
}

}  // namespace

SimResult RunSimulation(const SimOptions& options) {
  Simulation simulation(options);
  return simulation.Run();
}

std::string ReplayFlags(const SimOptions& options) {
  std::string flags = absl::StrCat("--seed ", options.seed, " --nodes ", options.voters);
  if (options.mutations.vote_ignores_log) absl::StrAppend(&flags, " --mutation vote_ignores_log");
  if (options.mutations.commit_counts_old_terms) {
    absl::StrAppend(&flags, " --mutation commit_counts_old_terms");
  }
  return flags;
}

}  // namespace cairn::raft::sim
