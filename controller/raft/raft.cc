// Roles, elections and the follower side of the Raft state machine. The
// leader side is in raft_leader.cc.
#include "controller/raft/raft.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/status_macros.h"

namespace cairn::raft {
namespace {

constexpr char kLeaderHintPayload[] = "cairn.raft.LeaderHint";

bool IsFromLeader(MessageType type) {
  return type == MessageType::kAppend || type == MessageType::kHeartbeat ||
         type == MessageType::kSnapshot;
}

MessageType ResponseTo(MessageType request) {
  return request == MessageType::kPreVote ? MessageType::kPreVoteResponse
                                          : MessageType::kVoteResponse;
}

}  // namespace

absl::Status NotLeaderError(NodeId leader) {
  absl::Status status = absl::UnavailableError(
      leader == kNoNode ? std::string("not the raft leader; no leader known")
                        : absl::StrCat("not the raft leader; leader is node ", leader.value()));
  if (leader != kNoNode) status.SetPayload(kLeaderHintPayload, absl::Cord(absl::StrCat(leader.value())));
  return status;
}

bool IsNotLeaderError(const absl::Status& status) {
  return absl::IsUnavailable(status) && absl::StartsWith(status.message(), "not the raft leader");
}

NodeId LeaderHint(const absl::Status& status) {
  auto payload = status.GetPayload(kLeaderHintPayload);
  int32_t id = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &id)) return kNoNode;
  return NodeId(id);
}

absl::StatusOr<std::unique_ptr<Raft>> Raft::Create(const Config& config) {
  RETURN_IF_ERROR(config.Validate());
  ASSIGN_OR_RETURN(InitialState state, config.storage->GetInitialState());
  if (state.conf_state.voters.empty()) {
    return absl::InvalidArgumentError("raft: the configuration has no voters");
  }
  const LogIndex last = config.storage->LastIndex();
  if (state.hard_state.commit > last) {
    // A commit index is persisted only after the entries it covers.
    return absl::DataLossError(absl::StrCat("raft: hard state commit ", state.hard_state.commit.value(),
                                            " is past the last stored index ", last.value()));
  }
  // The state machine cannot be ahead of what is known to be committed.
  if (config.applied > std::max(state.hard_state.commit, config.storage->FirstIndex() - 1)) {
    return absl::InvalidArgumentError(absl::StrCat("raft: applied index ", config.applied.value(),
                                                   " past the commit index"));
  }
  return std::unique_ptr<Raft>(new Raft(config, state));
}

Raft::Raft(const Config& config, const InitialState& state)
    : id_(config.id),
      storage_(config.storage),
      election_tick_(config.election_tick),
      heartbeat_tick_(config.heartbeat_tick),
      max_append_bytes_(config.max_append_bytes),
      max_inflight_appends_(config.max_inflight_appends),
      pre_vote_(config.pre_vote),
      check_quorum_(config.check_quorum),
      mutations_(config.mutations),
      random_(config.random_seed),
      log_(config.storage, config.max_committed_bytes_per_ready),
      voters_({}) {
  ApplyConfState(state.conf_state);
  term_ = state.hard_state.term;
  vote_ = state.hard_state.vote;
  // The snapshot's entries are committed even if the hard state written
  // after it was lost in a crash.
  log_.CommitTo(std::max(state.hard_state.commit, log_.committed()));
  log_.AppliedTo(std::max(config.applied, log_.applied()));
  BecomeFollower(term_, kNoNode);
}

void Raft::ApplyConfState(const ConfState& conf_state) {
  conf_state_ = conf_state;
  voters_ = MajorityConfig(conf_state.voters);
  progress_.clear();
  const LogIndex next = log_.LastIndex() + 1;
  for (NodeId id : conf_state.voters) progress_.emplace(id, Progress(next, max_inflight_appends_, false));
  for (NodeId id : conf_state.learners) {
    CAIRN_CHECK(!voters_.Contains(id)) << "node " << id << " is both voter and learner";
    progress_.emplace(id, Progress(next, max_inflight_appends_, true));
  }
  if (auto self = progress_.find(id_); self != progress_.end()) self->second.match = log_.LastIndex();
}

// --- roles ---

void Raft::ResetForTerm(Term term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNoNode;
  }
  lead_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedElectionTimeout();
  AbortLeaderTransfer();
  votes_.clear();
  const LogIndex last = log_.LastIndex();
  for (auto& [id, pr] : progress_) {
    pr = Progress(last + 1, max_inflight_appends_, pr.is_learner);
    if (id == id_) pr.match = last;
  }
}

void Raft::BecomeFollower(Term term, NodeId lead) {
  ResetForTerm(term);
  lead_ = lead;
  role_ = Role::kFollower;
}

void Raft::BecomePreCandidate() {
  CAIRN_CHECK(role_ != Role::kLeader) << "leader cannot become pre-candidate";
  // Neither term nor vote changes: a pre-vote must not disturb anyone.
  votes_.clear();
  lead_ = kNoNode;
  role_ = Role::kPreCandidate;
}

void Raft::BecomeCandidate() {
  CAIRN_CHECK(role_ != Role::kLeader) << "leader cannot become candidate";
  ResetForTerm(term_ + 1);
  vote_ = id_;
  role_ = Role::kCandidate;
}

void Raft::BecomeLeader() {
  CAIRN_CHECK(role_ == Role::kCandidate) << "only a candidate becomes leader, not "
                                         << RoleName(role_);
  ResetForTerm(term_);
  lead_ = id_;
  role_ = Role::kLeader;
  progress_.at(id_).recent_active = true;
  pending_conf_index_ = log_.LastIndex();
  // An entry of the new term: once it commits, so does everything before it
  // (a leader never commits earlier terms' entries by counting, §5.4.2).
  AppendEntries({Entry{}});
}

void Raft::ResetRandomizedElectionTimeout() {
  randomized_election_timeout_ =
      election_tick_ + static_cast<int>(random_.Uniform(static_cast<uint64_t>(election_tick_)));
}

void Raft::StartElection(ElectionKind kind, bool leadership_transfer) {
  if (kind == ElectionKind::kPreVote) {
    BecomePreCandidate();
  } else {
    BecomeCandidate();
  }
  const Term campaign_term = kind == ElectionKind::kPreVote ? term_ + 1 : term_;
  votes_[id_] = true;
  if (voters_.Tally(votes_) == VoteResult::kWon) {  // a single voter
    if (kind == ElectionKind::kPreVote) {
      StartElection(ElectionKind::kVote, leadership_transfer);
    } else {
      BecomeLeader();
    }
    return;
  }
  const LogIndex last_index = log_.LastIndex();
  const Term last_term = log_.LastTerm();
  for (NodeId voter : voters_.voters()) {
    if (voter == id_) continue;
    Message m;
    m.type = kind == ElectionKind::kPreVote ? MessageType::kPreVote : MessageType::kVote;
    m.to = voter;
    m.term = campaign_term;
    m.index = last_index;
    m.log_term = last_term;
    m.leadership_transfer = leadership_transfer;
    Send(std::move(m));
  }
}

void Raft::Tick() {
  if (role_ == Role::kLeader) {
    TickLeader();
  } else {
    TickElection();
  }
}

void Raft::TickElection() {
  ++election_elapsed_;
  if (!IsVoter() || election_elapsed_ < randomized_election_timeout_) return;
  election_elapsed_ = 0;
  StartElection(pre_vote_ ? ElectionKind::kPreVote : ElectionKind::kVote, false);
}

absl::Status Raft::Campaign() {
  if (!IsVoter()) return absl::FailedPreconditionError("a learner cannot campaign");
  if (role_ == Role::kLeader) return absl::OkStatus();
  StartElection(pre_vote_ ? ElectionKind::kPreVote : ElectionKind::kVote, false);
  return absl::OkStatus();
}

// --- stepping ---

absl::Status Raft::Step(Message m) {
  if (m.from == id_) return absl::InvalidArgumentError("raft: message from self");
  if (m.to != id_) return absl::InvalidArgumentError("raft: message for another node");
  if (!StepTerm(m)) return absl::OkStatus();
  switch (m.type) {
    case MessageType::kPreVote:
    case MessageType::kVote:
      HandleVoteRequest(m);
      return absl::OkStatus();
    default:
      break;
  }
  switch (role_) {
    case Role::kLeader: StepLeader(m); break;
    case Role::kCandidate:
    case Role::kPreCandidate: StepCandidate(m); break;
    case Role::kFollower:
      if (m.type == MessageType::kSnapshot) {
        election_elapsed_ = 0;
        lead_ = m.from;
        HandleSnapshot(std::move(m));
      } else {
        StepFollower(m);
      }
      break;
  }
  return absl::OkStatus();
}

bool Raft::StepTerm(const Message& m) {
  if (m.term > term_) {
    if (m.type == MessageType::kPreVote || m.type == MessageType::kVote) {
      // Check-quorum's lease: while we hear from a leader, a node that merely
      // timed out (e.g. one rejoining from a partition) cannot depose it.
      const bool in_lease = check_quorum_ && lead_ != kNoNode && election_elapsed_ < election_tick_;
      if (in_lease && !m.leadership_transfer) {
        Drop();
        return false;
      }
    }
    if (m.type == MessageType::kPreVote) {
      // A pre-vote never changes our term.
    } else if (m.type == MessageType::kPreVoteResponse && !m.reject) {
      // Granted for the term we would campaign in; we raise it if we win.
    } else {
      BecomeFollower(m.term, IsFromLeader(m.type) ? m.from : kNoNode);
    }
    return true;
  }
  if (m.term < term_) {
    if ((check_quorum_ || pre_vote_) &&
        (m.type == MessageType::kHeartbeat || m.type == MessageType::kAppend)) {
      // A leader of an older term (one that was partitioned, say) learns our
      // term from the answer and steps down. Without this, with check-quorum
      // and pre-vote, nobody would ever tell it.
      Message answer;
      answer.type = MessageType::kAppendResponse;
      answer.to = m.from;
      Send(std::move(answer));
    } else if (m.type == MessageType::kPreVote || m.type == MessageType::kVote) {
      // Tell the candidate our term so that it stops campaigning in the past.
      Message answer;
      answer.type = ResponseTo(m.type);
      answer.to = m.from;
      answer.term = term_;
      answer.reject = true;
      Send(std::move(answer));
    } else {
      Drop();
    }
    return false;
  }
  return true;
}

void Raft::HandleVoteRequest(const Message& m) {
  if (!IsVoter()) {
    Drop();  // learners never vote
    return;
  }
  // A vote we already gave may be repeated; a leader we know for this term
  // rules out voting for anyone else; a pre-vote for a later term is free.
  const bool can_vote = vote_ == m.from || (vote_ == kNoNode && lead_ == kNoNode) ||
                        (m.type == MessageType::kPreVote && m.term > term_);
  const bool log_ok = mutations_.vote_ignores_log || log_.IsUpToDate(m.index, m.log_term);
  Message answer;
  answer.type = ResponseTo(m.type);
  answer.to = m.from;
  if (can_vote && log_ok) {
    // Granted: for a vote m.term == term_ by now; for a pre-vote it is the
    // term the candidate would campaign in.
    answer.term = m.term;
    if (m.type == MessageType::kVote) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    answer.term = term_;
    answer.reject = true;
  }
  Send(std::move(answer));
}

void Raft::StepCandidate(const Message& m) {
  switch (m.type) {
    case MessageType::kAppend:
    case MessageType::kHeartbeat:
    case MessageType::kSnapshot:
      // A leader won this term.
      BecomeFollower(term_, m.from);
      if (m.type == MessageType::kSnapshot) {
        HandleSnapshot(m);
      } else {
        StepFollower(m);
      }
      return;
    case MessageType::kPreVoteResponse:
    case MessageType::kVoteResponse: {
      const bool is_pre = role_ == Role::kPreCandidate;
      if (is_pre != (m.type == MessageType::kPreVoteResponse)) break;
      // A grant must be for the term this round campaigns in.
      if (!m.reject && m.term != (is_pre ? term_ + 1 : term_)) break;
      if (!voters_.Contains(m.from)) break;
      votes_.emplace(m.from, !m.reject);  // the first answer counts
      switch (voters_.Tally(votes_)) {
        case VoteResult::kWon:
          if (is_pre) {
            StartElection(ElectionKind::kVote, false);
          } else {
            BecomeLeader();
            BroadcastAppend();
          }
          return;
        case VoteResult::kLost:
          BecomeFollower(term_, kNoNode);
          return;
        case VoteResult::kPending:
          return;
      }
      return;
    }
    default:
      break;
  }
  Drop();
}

void Raft::StepFollower(const Message& m) {
  switch (m.type) {
    case MessageType::kAppend:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleAppend(m);
      return;
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleHeartbeat(m);
      return;
    case MessageType::kTimeoutNow:
      if (IsVoter()) {
        // The leader asked us to take over: campaign at once, without
        // pre-vote, and flag the request so voters ignore their lease.
        StartElection(ElectionKind::kVote, true);
        return;
      }
      break;
    default:
      break;
  }
  Drop();
}

void Raft::HandleAppend(const Message& m) {
  Message answer;
  answer.type = MessageType::kAppendResponse;
  answer.to = m.from;
  if (m.index < log_.committed()) {
    // Everything up to our commit index already matches the leader.
    answer.index = log_.committed();
  } else if (std::optional<LogIndex> last_new =
                 log_.MaybeAppend(m.index, m.log_term, m.commit, m.entries)) {
    answer.index = *last_new;
  } else {
    const ConflictHint hint = log_.ConflictHintAt(m.index);
    answer.index = m.index;
    answer.reject = true;
    answer.conflict_term = hint.term;
    answer.conflict_index = hint.first_index;
  }
  Send(std::move(answer));
}

void Raft::HandleHeartbeat(const Message& m) {
  // The leader sends min(our match, its commit), which we hold.
  log_.CommitTo(m.commit);
  Message answer;
  answer.type = MessageType::kHeartbeatResponse;
  answer.to = m.from;
  Send(std::move(answer));
}

void Raft::HandleSnapshot(Message m) {
  const NodeId leader = m.from;
  Message answer;
  answer.type = MessageType::kAppendResponse;
  answer.to = leader;
  const bool restored = m.snapshot && RestoreSnapshot(std::move(*m.snapshot));
  answer.index = restored ? log_.LastIndex() : log_.committed();
  Send(std::move(answer));
}

bool Raft::RestoreSnapshot(Snapshot snapshot) {
  const SnapshotMetadata& meta = snapshot.metadata;
  if (meta.index <= log_.committed()) return false;  // old news
  if (log_.MatchTerm(meta.index, meta.term)) {
    // We hold the snapshot's last entry, hence everything before it: just
    // commit instead of throwing the log away.
    log_.CommitTo(meta.index);
    return false;
  }
  const ConfState conf_state = meta.conf_state;
  log_.Restore(std::move(snapshot));
  ApplyConfState(conf_state);
  return true;
}

void Raft::Send(Message m) {
  m.from = id_;
  // Pre-vote messages carry the term they are about, set by the caller.
  if (m.type != MessageType::kPreVote && m.type != MessageType::kPreVoteResponse) {
    m.term = term_;
  }
  messages_.push_back(std::move(m));
}

std::vector<Message> Raft::TakeMessages() { return std::exchange(messages_, {}); }

}  // namespace cairn::raft
