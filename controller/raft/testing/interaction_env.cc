// The scripted cluster behind the golden transcripts; see interaction_env.h.
#include "controller/raft/testing/interaction_env.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/check.h"
#include "controller/raft/describe.h"

namespace cairn::raft::testing {
namespace {

int64_t ToInt(const std::string& text) {
  int64_t value = 0;
  CAIRN_CHECK(absl::SimpleAtoi(text, &value)) << "not a number: " << text;
  return value;
}

std::vector<NodeId> ParseIds(const std::string& text) {
  std::vector<NodeId> ids;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    ids.emplace_back(static_cast<int32_t>(ToInt(std::string(part))));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

bool ParseBool(const std::string& text) {
  CAIRN_CHECK(text == "true" || text == "false") << "not a bool: " << text;
  return text == "true";
}

std::string Option(const Command& c, const std::string& key, const std::string& fallback) {
  auto it = c.options.find(key);
  return it == c.options.end() ? fallback : it->second;
}

}  // namespace

std::string InteractionEnv::Run(const Command& c) {
  std::string out;
  if (c.name == "cluster") {
    Cluster(c, out);
  } else if (c.name == "campaign") {
    Report(At(NodeId(ToInt(c.args.at(0)))).raw->Campaign(), out);
  } else if (c.name == "tick") {
    const int64_t count = ToInt(Option(c, "n", "1"));
    for (NodeId id : Targets(c)) {
      for (int64_t i = 0; i < count; ++i) At(id).raw->Tick();
    }
  } else if (c.name == "propose") {
    absl::StatusOr<LogIndex> index = At(NodeId(ToInt(c.args.at(0)))).raw->Propose(AsBytes(c.args.at(1)));
    if (index.ok()) {
      absl::StrAppend(&out, "index=", index->value(), "\n");
    } else {
      Report(index.status(), out);
    }
  } else if (c.name == "propose-conf-change") {
    ProposeConfChange(c, out);
  } else if (c.name == "conf") {
    for (NodeId id : Targets(c)) {
      absl::StrAppend(&out, id.value(), ": ", DescribeConfState(At(id).raw->raft().conf_state()), "\n");
    }
  } else if (c.name == "add-node") {
    AddNode(NodeId(ToInt(c.args.at(0))), out);
  } else if (c.name == "transfer-leadership") {
    Report(At(NodeId(ToInt(c.args.at(0)))).raw->TransferLeadership(NodeId(ToInt(c.args.at(1)))), out);
  } else if (c.name == "report-unreachable") {
    At(NodeId(ToInt(c.args.at(0)))).raw->ReportUnreachable(NodeId(ToInt(c.args.at(1))));
  } else if (c.name == "process-ready") {
    for (NodeId id : Targets(c)) ProcessReady(id, out);
  } else if (c.name == "deliver-msgs") {
    DeliverMessages(c, /*drop=*/false, out);
  } else if (c.name == "drop-msgs") {
    DeliverMessages(c, /*drop=*/true, out);
  } else if (c.name == "stabilize") {
    Stabilize(c, out);
  } else if (c.name == "isolate") {
    isolated_.insert(NodeId(ToInt(c.args.at(0))));
  } else if (c.name == "heal") {
    isolated_.clear();
  } else if (c.name == "status") {
    PrintStatus(c, out);
  } else if (c.name == "log") {
    PrintLog(NodeId(ToInt(c.args.at(0))), out);
  } else if (c.name == "progress") {
    PrintProgress(NodeId(ToInt(c.args.at(0))), out);
  } else if (c.name == "compact") {
    Compact(NodeId(ToInt(c.args.at(0))), LogIndex(ToInt(c.args.at(1))), out);
  } else if (c.name == "restart") {
    Restart(NodeId(ToInt(c.args.at(0))), out);
  } else {
    CAIRN_CHECK(false) << "unknown command: " << c.line;
  }
  CheckAll(out);
  return out;
}

void InteractionEnv::Cluster(const Command& c, std::string& out) {
  conf_state_ = ConfState{ParseIds(Option(c, "voters", "")), ParseIds(Option(c, "learners", ""))};
  base_config_ = Config{};
  base_config_.election_tick = static_cast<int>(ToInt(Option(c, "election", "10")));
  base_config_.heartbeat_tick = static_cast<int>(ToInt(Option(c, "heartbeat", "1")));
  base_config_.pre_vote = ParseBool(Option(c, "prevote", "true"));
  base_config_.check_quorum = ParseBool(Option(c, "checkquorum", "true"));
  base_config_.random_seed = static_cast<uint64_t>(ToInt(Option(c, "seed", "0")));
  base_config_.max_append_bytes = static_cast<uint64_t>(ToInt(Option(c, "max-append-bytes", "1048576")));
  const std::string mutation = Option(c, "mutation", "none");
  base_config_.mutations.vote_ignores_log = mutation == "vote_ignores_log";
  base_config_.mutations.commit_counts_old_terms = mutation == "commit_counts_old_terms";
  CAIRN_CHECK(mutation == "none" || base_config_.mutations.vote_ignores_log ||
              base_config_.mutations.commit_counts_old_terms)
      << "unknown mutation " << mutation;
  std::vector<NodeId> all = conf_state_.voters;
  all.insert(all.end(), conf_state_.learners.begin(), conf_state_.learners.end());
  for (NodeId id : all) {
    nodes_[id].storage = std::make_unique<MemoryStorage>(conf_state_);
    StartNode(id);
  }
  (void)out;
}

void InteractionEnv::StartNode(NodeId id) {
  Node& node = nodes_.at(id);
  Config config = base_config_;
  config.id = id;
  config.storage = node.storage.get();
  // Each node draws its own election timeouts, reproducibly.
  config.random_seed = base_config_.random_seed * 1000 + static_cast<uint64_t>(id.value());
  node.applied = node.storage->FirstIndex() - 1;  // the state machine restarts from the snapshot
  config.applied = node.applied;
  absl::StatusOr<Snapshot> snapshot = node.storage->GetSnapshot();
  CAIRN_CHECK(snapshot.ok()) << snapshot.status();
  node.conf_history = {{node.applied, snapshot->metadata.conf_state}};
  absl::StatusOr<std::unique_ptr<RawNode>> raw = RawNode::Create(config);
  CAIRN_CHECK(raw.ok()) << raw.status();
  node.raw = std::move(*raw);
  checker_.NodeRestarted(id, node.applied);
}

InteractionEnv::Node& InteractionEnv::At(NodeId id) {
  auto it = nodes_.find(id);
  CAIRN_CHECK(it != nodes_.end()) << "no node " << id;
  return it->second;
}

std::vector<NodeId> InteractionEnv::Targets(const Command& c) const {
  std::vector<NodeId> ids;
  for (const std::string& arg : c.args) ids.emplace_back(static_cast<int32_t>(ToInt(arg)));
  if (ids.empty()) {
    for (const auto& [id, node] : nodes_) ids.push_back(id);
  }
  return ids;
}

void InteractionEnv::Report(const absl::Status& status, std::string& out) {
  if (!status.ok()) absl::StrAppend(&out, "error: ", status.ToString(), "\n");
}

void InteractionEnv::ReportViolation(const absl::Status& status, const char* indent,
                                     std::string& out) {
  if (status.ok() || violated_) return;
  violated_ = true;
  absl::StrAppend(&out, indent, "VIOLATION: ", status.message(), " (checker off from here)\n");
}

void InteractionEnv::CheckAll(std::string& out) {
  for (const auto& [id, node] : nodes_) {
    if (violated_) return;
    ReportViolation(checker_.CheckNode(node.raw->raft()), "", out);
  }
}

void InteractionEnv::ProcessReady(NodeId id, std::string& out) {
  Node& node = At(id);
  if (!node.raw->HasReady()) return;
  Ready ready = node.raw->GetReady();
  absl::StrAppend(&out, "> ", id.value(), " handling Ready\n");
  if (!violated_) ReportViolation(checker_.CheckReady(node.raw->raft(), ready), "  ", out);
  if (ready.soft_state) absl::StrAppend(&out, "  soft: ", DescribeSoftState(*ready.soft_state), "\n");
  if (ready.hard_state) absl::StrAppend(&out, "  hard: ", DescribeHardState(*ready.hard_state), "\n");
  if (ready.snapshot) {
    absl::StrAppend(&out, "  snapshot: ", DescribeSnapshot(ready.snapshot->metadata), "\n");
  }
  if (!ready.entries.empty()) absl::StrAppend(&out, "  entries: ", DescribeEntries(ready.entries), "\n");
  // 1. persist, 2. send, 3. apply (ready.h).
  if (ready.snapshot) CAIRN_CHECK_OK(node.storage->ApplySnapshot(*ready.snapshot));
  node.storage->Append(ready.entries);
  if (ready.hard_state) node.storage->SetHardState(*ready.hard_state);
  for (Message& m : ready.messages) {
    absl::StrAppend(&out, "  send: ", DescribeMessage(m), "\n");
    network_.push_back(std::move(m));
  }
  if (ready.snapshot) {
    if (!violated_) ReportViolation(checker_.CheckRestored(id, ready.snapshot->metadata), "  ", out);
    node.applied = ready.snapshot->metadata.index;
  }
  if (!ready.committed_entries.empty()) {
    absl::StrAppend(&out, "  apply: ", DescribeEntries(ready.committed_entries), "\n");
  }
  if (ready.snapshot) node.conf_history = {{node.applied, ready.snapshot->metadata.conf_state}};
  for (const Entry& entry : ready.committed_entries) {
    if (!violated_) ReportViolation(checker_.CheckApplied(id, entry), "  ", out);
    node.applied = entry.index;
    if (entry.type == EntryType::kConfChange) ApplyConfChange(id, entry, out);
  }
  node.raw->Advance();
}

void InteractionEnv::DeliverMessages(const Command& c, bool drop, std::string& out) {
  const std::string to = Option(c, "to", "");
  const std::string from = Option(c, "from", "");
  const std::vector<NodeId> to_ids = ParseIds(to);
  const std::vector<NodeId> from_ids = ParseIds(from);
  auto selected = [&](const Message& m) {
    return (to_ids.empty() || std::binary_search(to_ids.begin(), to_ids.end(), m.to)) &&
           (from_ids.empty() || std::binary_search(from_ids.begin(), from_ids.end(), m.from));
  };
  std::deque<Message> kept;
  std::vector<Message> chosen;
  for (Message& m : network_) {
    if (selected(m)) {
      chosen.push_back(std::move(m));
    } else {
      kept.push_back(std::move(m));
    }
  }
  network_ = std::move(kept);
  for (Message& m : chosen) {
    const bool cut_off = isolated_.contains(m.from) || isolated_.contains(m.to);
    if (drop || cut_off) {
      absl::StrAppend(&out, "dropped: ", DescribeMessage(m), "\n");
      continue;
    }
    absl::StrAppend(&out, DescribeMessage(m), "\n");
    const NodeId sender = m.from;
    const NodeId receiver = m.to;
    const bool is_snapshot = m.type == MessageType::kSnapshot;
    Report(At(receiver).raw->Step(std::move(m)), out);
    // A transport reports a snapshot it finished sending.
    if (is_snapshot && nodes_.contains(sender)) At(sender).raw->ReportSnapshot(receiver, true);
  }
}

void InteractionEnv::Stabilize(const Command& c, std::string& out) {
  const std::vector<NodeId> ids = Targets(c);
  for (bool progress = true; progress;) {
    progress = false;
    for (NodeId id : ids) {
      if (At(id).raw->HasReady()) {
        ProcessReady(id, out);
        progress = true;
      }
    }
    if (!network_.empty()) {
      Command deliver_all;
      DeliverMessages(deliver_all, false, out);
      progress = true;
    }
  }
}

void InteractionEnv::PrintStatus(const Command& c, std::string& out) {
  for (NodeId id : Targets(c)) {
    const Raft& r = At(id).raw->raft();
    const RaftLog& log = r.log();
    absl::StrAppend(&out, id.value(), ": ", RoleName(r.role()), " term=", r.term().value(),
                    " vote=", DescribeNode(r.vote()), " lead=", DescribeNode(r.lead()),
                    " commit=", log.committed().value(), " applied=", At(id).applied.value(),
                    " last=", log.LastIndex().value(), "@t", log.LastTerm().value(), "\n");
  }
}

void InteractionEnv::PrintLog(NodeId id, std::string& out) {
  const RaftLog& log = At(id).raw->raft().log();
  absl::StatusOr<std::vector<Entry>> entries = log.Slice(log.FirstIndex(), log.LastIndex() + 1, UINT64_MAX);
  CAIRN_CHECK(entries.ok()) << entries.status();
  absl::StrAppend(&out, "first=", log.FirstIndex().value(), " ", DescribeEntries(*entries), "\n");
}

void InteractionEnv::PrintProgress(NodeId id, std::string& out) {
  for (const auto& [peer, pr] : At(id).raw->raft().progress()) {
    if (peer == id) continue;
    absl::StrAppend(&out, peer.value(), ": ", ProgressStateName(pr.state), " match=", pr.match.value(),
                    " next=", pr.next.value(), pr.is_learner ? " learner" : "",
                    pr.state == ProgressState::kSnapshot
                        ? absl::StrCat(" pending=", pr.pending_snapshot.value())
                        : std::string(),
                    "\n");
  }
}

void InteractionEnv::Compact(NodeId id, LogIndex index, std::string& out) {
  Node& node = At(id);
  CAIRN_CHECK(index <= node.applied) << "compacting past applied " << node.applied;
  const std::string data = absl::StrCat("state@", index.value());
  // The membership as of `index`: the last one applied at or before it.
  auto conf = node.conf_history.upper_bound(index);
  CAIRN_CHECK(conf != node.conf_history.begin()) << "no membership known at " << index;
  --conf;
  Report(node.storage->CreateSnapshot(index, conf->second, Buffer(data.begin(), data.end())), out);
  Report(node.storage->Compact(index), out);
}

void InteractionEnv::Restart(NodeId id, std::string& out) {
  At(id).raw.reset();  // everything not in storage is lost
  StartNode(id);
  (void)out;
}

}  // namespace cairn::raft::testing

namespace cairn::raft::testing {

// add-node ID: starts a node that is not a member, bootstrapped with the
// cluster's initial membership (as a broker-only node is, from the voters
// in its config): it takes part once a conf change makes it a learner.
void InteractionEnv::AddNode(NodeId id, std::string& out) {
  CAIRN_CHECK(!nodes_.contains(id)) << "node " << id << " exists";
  nodes_[id].storage = std::make_unique<MemoryStorage>(conf_state_);
  StartNode(id);
  (void)out;
}

// propose-conf-change LEADER add-learner|remove-learner|add-voter|remove-voter NODE [CONTEXT]
void InteractionEnv::ProposeConfChange(const Command& c, std::string& out) {
  ConfChange change;
  const std::string& type = c.args.at(1);
  if (type == "add-learner") {
    change.type = ConfChangeType::kAddLearner;
  } else if (type == "remove-learner") {
    change.type = ConfChangeType::kRemoveLearner;
  } else if (type == "add-voter") {
    change.type = ConfChangeType::kAddVoter;
  } else {
    CAIRN_CHECK(type == "remove-voter") << "unknown conf change " << type;
    change.type = ConfChangeType::kRemoveVoter;
  }
  change.node = NodeId(static_cast<int32_t>(ToInt(c.args.at(2))));
  if (c.args.size() > 3) change.context = Buffer(c.args[3].begin(), c.args[3].end());
  absl::StatusOr<LogIndex> index = At(NodeId(ToInt(c.args.at(0)))).raw->ProposeConfChange(std::move(change));
  if (index.ok()) {
    absl::StrAppend(&out, "index=", index->value(), "\n");
  } else {
    Report(index.status(), out);
  }
}

void InteractionEnv::ApplyConfChange(NodeId id, const Entry& entry, std::string& out) {
  Node& node = At(id);
  absl::StatusOr<ConfState> conf = node.raw->ApplyConfChange(*entry.conf_change);
  if (!conf.ok()) {
    absl::StrAppend(&out, "  conf change ", entry.index.value(), " refused: ", conf.status().ToString(), "\n");
    return;
  }
  absl::StrAppend(&out, "  conf: ", DescribeConfState(*conf), "\n");
  node.conf_history[entry.index] = *conf;
}

}  // namespace cairn::raft::testing
