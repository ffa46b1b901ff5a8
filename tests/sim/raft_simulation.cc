// The deterministic Raft cluster simulation; see raft_simulation.h. Events,
// the network, faults, the client and the checks; sim_node_driver.cc drives
// each node.
#include "tests/sim/raft_simulation.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "tests/sim/simulation.h"

namespace cairn::raft::sim {
namespace internal {

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

}  // namespace internal

SimResult RunSimulation(const SimOptions& options) {
  internal::Simulation simulation(options);
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
