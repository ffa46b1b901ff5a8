// The simulation driving one node: inputs given while it is not busy, its
// Readies persisted (slowly, or cut short by a crash), committed entries and
// conf changes applied, snapshots taken. See simulation.h.
#include "absl/strings/str_cat.h"
#include "controller/raft/describe.h"
#include "tests/sim/simulation.h"

namespace cairn::raft::sim::internal {

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

}  // namespace cairn::raft::sim::internal
