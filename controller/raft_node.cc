// RaftNode (see raft_node.h).

#include "controller/raft_node.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/logging.h"
#include "controller/raft/raft.h"
#include "controller/raft_node_codec.h"
#include "io/shard.h"

namespace cairn::controller {

absl::StatusOr<std::unique_ptr<RaftNode>> RaftNode::Start(io::Shard& shard, io::FileSystem& fs,
                                                          Options options,
                                                          ApplyCallback on_apply,
                                                          RestoreCallback on_restore,
                                                          SnapshotSource snapshot_source) {
  CAIRN_CHECK(on_apply != nullptr);
  CAIRN_CHECK(options.snapshot_after_bytes == 0 || (on_restore != nullptr && snapshot_source != nullptr))
      << "snapshots need a restore callback and a source";
  raft::ConfState bootstrap;
  std::optional<PeerAddress> self;
  std::vector<PeerAddress> peers;
  for (const PeerAddress& voter : options.voters) {
    bootstrap.voters.push_back(voter.id);
    if (voter.id == options.id) {
      self = voter;
    } else {
      peers.push_back(voter);
    }
  }
  std::sort(bootstrap.voters.begin(), bootstrap.voters.end());
  if (bootstrap.voters.empty()) return absl::InvalidArgumentError("raft node: no voters");
  // Not a voter: a learner (or one until its conf change commits), which
  // listens where its AddLearner conf change says.
  const bool is_voter = self.has_value();
  if (!self) self = PeerAddress{options.id, options.learner_host, options.learner_port};
  std::unique_ptr<RaftNode> node(new RaftNode(shard, options, std::move(on_apply)));
  RaftNode* n = node.get();
  n->on_restore_ = std::move(on_restore);
  n->snapshot_source_ = std::move(snapshot_source);

  absl::StatusOr<std::unique_ptr<RaftStorage>> storage =
      RaftStorage::Open(fs, options.data_dir, bootstrap);
  if (!storage.ok()) return storage.status();
  n->storage_ = *std::move(storage);

  raft::Config config;
  config.id = options.id;
  config.storage = n->storage_.get();
  config.election_tick = options.election_tick;
  config.heartbeat_tick = options.heartbeat_tick;
  // The state machine starts from the snapshot (if any) and applies the
  // entries after it.
  config.applied = raft::LogIndex(n->storage_->FirstIndex().value() - 1);
  if (config.applied.value() > 0) {
    absl::StatusOr<raft::Snapshot> snapshot = n->storage_->GetSnapshot();
    if (!snapshot.ok()) return snapshot.status();
    if (n->on_restore_ == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(options.data_dir, " holds a snapshot but nothing restores it"));
    }
    n->Restore(*snapshot);
  }
  config.random_seed = options.random_seed;
  absl::StatusOr<std::unique_ptr<raft::RawNode>> raw = raft::RawNode::Create(config);
  if (!raw.ok()) return raw.status();
  n->raw_ = *std::move(raw);
  n->applied_ = config.applied;

  RaftTransport::Options transport;
  transport.cluster_id = options.cluster_id;
  transport.self = options.id;
  transport.listen_host = self->host;
  transport.listen_port = self->port;
  if (is_voter && !options.voter_listen_host.empty()) {
    transport.listen_host = options.voter_listen_host;
    transport.listen_port = options.voter_listen_port;
  }
  // A quorum of one on port 0 listens nowhere: nobody could dial it.
  transport.listen = !(peers.empty() && self->port == 0 && n->raw_->raft().IsVoter());
  // Learners known from the snapshot; those added after it come as their
  // conf change entries are applied again.
  for (const auto& [id, address] : n->learner_addresses_) peers.push_back(address);
  transport.peers = std::move(peers);
  absl::StatusOr<std::unique_ptr<RaftTransport>> t = RaftTransport::Start(
      shard, std::move(transport), [n](raft::Message message) { n->Give(std::move(message)); });
  if (!t.ok()) return t.status();
  n->transport_ = *std::move(t);

  n->ScheduleTick();
  return node;
}

RaftNode::RaftNode(io::Shard& shard, Options options, ApplyCallback on_apply)
    : shard_(shard),
      options_(std::move(options)),
      on_apply_(std::move(on_apply)),
      tick_timer_(shard) {}

RaftNode::~RaftNode() {
  *alive_ = false;
  tick_timer_.Cancel();
  transport_.reset();  // no more messages into a half-destroyed node
  FailPending(absl::CancelledError("raft node stopped"));
  for (Input& input : queued_) {
    if (auto* proposal = std::get_if<Proposal>(&input)) {
      std::move(proposal->done)(absl::CancelledError("raft node stopped"));
    }
  }
}

void RaftNode::ScheduleTick() {
  tick_timer_.ExpireAfter(options_.tick_interval, [this, alive = alive_](absl::Status status) {
    if (!status.ok() || !*alive) return;
    Give(Tick{});
    ScheduleTick();
  });
}

void RaftNode::Propose(Buffer data, ProposeCallback done) {
  Give(Proposal{std::move(data), std::move(done), std::nullopt});
}

void RaftNode::ProposeConfChange(raft::ConfChange change, ProposeCallback done) {
  Give(Proposal{{}, std::move(done), std::move(change)});
}

void RaftNode::ProposeAddLearner(const PeerAddress& learner, ProposeCallback done) {
  ProposeConfChange(raft::ConfChange{raft::ConfChangeType::kAddLearner, learner.id,
                                     EncodePeerContext(learner.host, learner.port)},
                    std::move(done));
}

std::optional<PeerAddress> RaftNode::learner_address(raft::NodeId id) const {
  const auto it = learner_addresses_.find(id);
  if (it == learner_addresses_.end()) return std::nullopt;
  return it->second;
}

bool RaftNode::is_leader() const { return raw_->raft().role() == raft::Role::kLeader; }

raft::NodeId RaftNode::leader() const { return raw_->raft().lead(); }

raft::Term RaftNode::term() const { return raw_->raft().term(); }

void RaftNode::Give(Input input) {
  if (!failure_.ok()) {
    if (auto* proposal = std::get_if<Proposal>(&input)) std::move(proposal->done)(failure_);
    return;
  }
  if (in_ready_) {
    queued_.push_back(std::move(input));
    return;
  }
  Handle(std::move(input));
  ProcessReady();
}

void RaftNode::Handle(Input input) {
  if (std::holds_alternative<Tick>(input)) {
    raw_->Tick();
  } else if (auto* message = std::get_if<raft::Message>(&input)) {
    // Stale or unexpected messages are normal in Raft; the core says why.
    absl::Status status = raw_->Step(std::move(*message));
    if (!status.ok()) {
      CAIRN_LOG(kDebug) << "raft node " << options_.id << ": step: " << status;
    }
  } else {
    Proposal& proposal = std::get<Proposal>(input);
    absl::StatusOr<raft::LogIndex> index = proposal.conf_change
                                               ? raw_->ProposeConfChange(*std::move(proposal.conf_change))
                                               : raw_->Propose(proposal.data);
    if (!index.ok()) {
      std::move(proposal.done)(index.status());
      return;
    }
    pending_.emplace(*index, Pending{raw_->raft().term(), std::move(proposal.done)});
  }
}

void RaftNode::ProcessReady() {
  while (!in_ready_ && failure_.ok() && raw_->HasReady()) {
    raft::Ready ready = raw_->GetReady();
    in_ready_ = true;
    if (ready.soft_state && ready.soft_state->role != raft::Role::kLeader) {
      FailPending(absl::UnavailableError("leadership lost before the entry committed"));
    }
    if (!ready.MustPersist()) {
      FinishReady(std::move(ready));
      continue;
    }
    auto shared = std::make_shared<raft::Ready>(std::move(ready));
    absl::Status started = storage_->Persist(
        shared->snapshot, shared->entries, shared->hard_state,
        [this, shared, alive = alive_](absl::Status status) {
          if (!*alive) return;
          if (!status.ok()) {
            // The durable state is unknown; continuing could break a promise
            // (a vote, an acknowledged entry). Stop this node.
            CAIRN_LOG(kError) << "raft node " << options_.id << ": persist failed: " << status;
            failure_ = status;
            FailPending(status);
            return;
          }
          FinishReady(std::move(*shared));
          ProcessReady();
        });
    if (!started.ok()) {
      CAIRN_LOG(kError) << "raft node " << options_.id << ": persist failed: " << started;
      failure_ = started;
      FailPending(started);
    }
    return;
  }
}

void RaftNode::FinishReady(raft::Ready ready) {
  // Durable now: the messages may promise it.
  for (const raft::Message& message : ready.messages) transport_->Send(message);
  if (ready.snapshot && !ready.snapshot->IsEmpty()) {
    CAIRN_CHECK(on_restore_ != nullptr) << "a snapshot arrived but nothing restores it";
    Restore(*ready.snapshot);
    applied_ = ready.snapshot->metadata.index;
    applied_bytes_since_snapshot_ = 0;
  }
  for (const raft::Entry& entry : ready.committed_entries) {
    if (entry.type == raft::EntryType::kConfChange) ApplyConfChange(entry);
    on_apply_(entry);
    applied_ = entry.index;
    applied_bytes_since_snapshot_ += entry.data.size();
    const auto it = pending_.find(entry.index);
    if (it == pending_.end()) continue;
    Pending pending = std::move(it->second);
    pending_.erase(it);
    if (pending.term == entry.term) {
      std::move(pending.done)(entry.index);
    } else {
      std::move(pending.done)(absl::UnavailableError("the entry was replaced by another leader's"));
    }
  }
  raw_->Advance();
  in_ready_ = false;
  MaybeSnapshot();
  // Inputs that arrived during the Ready, in order; each may add to the next.
  while (!in_ready_ && !queued_.empty()) {
    Input input = std::move(queued_.front());
    queued_.pop_front();
    Handle(std::move(input));
  }
}

void RaftNode::MaybeSnapshot() {
  if (options_.snapshot_after_bytes == 0 || applied_bytes_since_snapshot_ < options_.snapshot_after_bytes ||
      storage_->persisting() || !failure_.ok()) {
    return;
  }
  // Rare (every snapshot_after_bytes of metadata), so the storage's blocking
  // atomic file writes are acceptable here.
  const raft::ConfState conf_state = raw_->raft().conf_state();
  NodeSnapshotData data;
  for (raft::NodeId learner : conf_state.learners) {
    if (auto it = learner_addresses_.find(learner); it != learner_addresses_.end()) {
      data.learners.push_back(it->second);
    }
  }
  data.state = snapshot_source_();
  absl::Status status = storage_->CreateSnapshot(applied_, conf_state, EncodeNodeSnapshot(data));
  if (status.ok()) status = storage_->Compact(applied_);
  if (!status.ok()) {
    // The log stays as it was (or the snapshot is newer than the log's
    // start, which is fine); retried after the next batch of entries.
    CAIRN_LOG(kWarning) << "raft node " << options_.id << ": snapshot at " << applied_ << " failed: " << status;
    applied_bytes_since_snapshot_ /= 2;
    return;
  }
  CAIRN_LOG(kInfo) << "raft node " << options_.id << ": snapshot at index " << applied_ << ", log compacted";
  applied_bytes_since_snapshot_ = 0;
}

void RaftNode::ApplyConfChange(const raft::Entry& entry) {
  const raft::ConfChange& change = *entry.conf_change;
  // Every node applies the same entries in the same order, so a refusal
  // here is the same everywhere and the membership stays identical.
  absl::StatusOr<raft::ConfState> conf = raw_->ApplyConfChange(change);
  if (!conf.ok()) {
    CAIRN_LOG(kWarning) << "raft node " << options_.id << ": conf change at " << entry.index
                        << " refused: " << conf.status();
    return;
  }
  if (change.type == raft::ConfChangeType::kRemoveLearner) {
    learner_addresses_.erase(change.node);
    if (transport_ != nullptr) transport_->RemovePeer(change.node);
  } else if (change.type == raft::ConfChangeType::kAddLearner) {
    absl::StatusOr<PeerAddress> address = DecodePeerContext(change.node, change.context);
    if (!address.ok()) {
      CAIRN_LOG(kWarning) << "raft node " << options_.id << ": " << address.status()
                          << "; the learner cannot be reached";
    } else {
      learner_addresses_[change.node] = *address;
      if (transport_ != nullptr) transport_->AddPeer(*address);
    }
  }
  CAIRN_LOG(kInfo) << "raft node " << options_.id << ": applied "
                   << raft::ConfChangeTypeName(change.type) << " " << change.node << " at index "
                   << entry.index << "; learners now " << conf->learners.size();
}

void RaftNode::Restore(const raft::Snapshot& snapshot) {
  NodeSnapshotData data = DecodeNodeSnapshot(snapshot.data);
  // The snapshot's membership replaces ours: keep exactly its learners.
  const std::vector<raft::NodeId>& learners = snapshot.metadata.conf_state.learners;
  std::map<raft::NodeId, PeerAddress> addresses;
  for (const PeerAddress& address : data.learners) {
    if (std::binary_search(learners.begin(), learners.end(), address.id)) addresses[address.id] = address;
  }
  if (transport_ != nullptr) {
    for (const auto& [id, address] : learner_addresses_) {
      if (!addresses.contains(id)) transport_->RemovePeer(id);
    }
    for (const auto& [id, address] : addresses) transport_->AddPeer(address);
  }
  learner_addresses_ = std::move(addresses);
  raft::Snapshot state{snapshot.metadata, std::move(data.state)};
  on_restore_(state);
}

void RaftNode::FailPending(const absl::Status& status) {
  std::map<raft::LogIndex, Pending> pending = std::move(pending_);
  pending_.clear();
  for (auto& [index, p] : pending) std::move(p.done)(status);
}

}  // namespace cairn::controller
