// Text forms for logs and transcripts; see describe.h.
#include "controller/raft/describe.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cairn::raft {
namespace {

std::string Position(LogIndex index, Term term) {
  return absl::StrCat(index.value(), "@t", term.value());
}

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string NodeList(const std::vector<NodeId>& ids) {
  return absl::StrJoin(ids, ",", [](std::string* out, NodeId id) { absl::StrAppend(out, id.value()); });
}

}  // namespace

std::string DescribeNode(NodeId id) {
  return id == kNoNode ? std::string("none") : absl::StrCat(id.value());
}

std::string DescribeEntry(const Entry& entry) {
  std::string out = Position(entry.index, entry.term);
  if (!entry.data.empty()) absl::StrAppend(&out, ":\"", absl::CHexEscape(AbslView(AsStringView(entry.data))), "\"");
  if (entry.conf_change) absl::StrAppend(&out, ":", DescribeConfChange(*entry.conf_change));
  return out;
}

std::string DescribeConfChange(const ConfChange& change) {
  std::string out = absl::StrCat(AbslView(ConfChangeTypeName(change.type)), "(", change.node.value());
  if (!change.context.empty()) {
    absl::StrAppend(&out, ",\"", absl::CHexEscape(AbslView(AsStringView(change.context))), "\"");
  }
  absl::StrAppend(&out, ")");
  return out;
}

std::string DescribeConfState(const ConfState& conf_state) {
  std::string out = absl::StrCat("voters=", NodeList(conf_state.voters));
  if (!conf_state.learners.empty()) absl::StrAppend(&out, " learners=", NodeList(conf_state.learners));
  return out;
}

std::string DescribeEntries(const std::vector<Entry>& entries) {
  return absl::StrCat("[", absl::StrJoin(entries, " ", [](std::string* out, const Entry& e) {
                        absl::StrAppend(out, DescribeEntry(e));
                      }), "]");
}

std::string DescribeSnapshot(const SnapshotMetadata& metadata) {
  return absl::StrCat(Position(metadata.index, metadata.term), " ", DescribeConfState(metadata.conf_state));
}

std::string DescribeMessage(const Message& m) {
  std::string out = absl::StrCat(DescribeNode(m.from), "->", DescribeNode(m.to), " ",
                                 AbslView(MessageTypeName(m.type)), " term=", m.term.value());
  switch (m.type) {
    case MessageType::kAppend:
      absl::StrAppend(&out, " prev=", Position(m.index, m.log_term), " commit=", m.commit.value());
      if (!m.entries.empty()) absl::StrAppend(&out, " entries=", DescribeEntries(m.entries));
      break;
    case MessageType::kAppendResponse:
      if (m.reject) {
        absl::StrAppend(&out, " reject index=", m.index.value(), " conflict=",
                        Position(m.conflict_index, m.conflict_term));
      } else {
        absl::StrAppend(&out, " match=", m.index.value());
      }
      break;
    case MessageType::kHeartbeat:
      absl::StrAppend(&out, " commit=", m.commit.value());
      break;
    case MessageType::kPreVote:
    case MessageType::kVote:
      absl::StrAppend(&out, " last=", Position(m.index, m.log_term));
      if (m.leadership_transfer) absl::StrAppend(&out, " transfer");
      break;
    case MessageType::kPreVoteResponse:
    case MessageType::kVoteResponse:
      absl::StrAppend(&out, m.reject ? " rejected" : " granted");
      break;
    case MessageType::kSnapshot:
      absl::StrAppend(&out, " snapshot=", (m.snapshot ? DescribeSnapshot(m.snapshot->metadata) : std::string("none")));
      break;
    case MessageType::kHeartbeatResponse:
    case MessageType::kTimeoutNow:
      break;
  }
  return out;
}

std::string DescribeHardState(const HardState& hs) {
  return absl::StrCat("term=", hs.term.value(), " vote=", DescribeNode(hs.vote),
                      " commit=", hs.commit.value());
}

std::string DescribeSoftState(const SoftState& ss) {
  return absl::StrCat("role=", RoleName(ss.role), " lead=", DescribeNode(ss.lead));
}

}  // namespace cairn::raft
