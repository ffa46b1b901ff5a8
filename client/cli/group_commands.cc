// `cairn group list|describe|delete|seek`. describe prints the columns of
// kafka-consumer-groups.sh --describe; seek resets committed offsets the way
// kafka-consumer-groups.sh --reset-offsets --execute does (empty groups only).
#include <algorithm>
#include <climits>
#include <cstdio>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/cli/command.h"
#include "client/cli/connect.h"
#include "client/cli/output.h"
#include "client/cli/timestamp_arg.h"
#include "client/group/topic_partitions.h"
#include "client/kafka_error.h"
#include "common/status_macros.h"

namespace cairn::cli {
namespace {

struct Row {
  int64_t current = -1;
  int64_t log_end = -1;
  int64_t lag = -1;
  std::string member_id = "-";
  std::string client_id = "-";
};

int List(const Context& context) {
  auto admin = OpenAdmin(context);
  if (!admin.ok()) return Fail(admin.status());
  auto groups = (*admin)->ListGroups().get();
  if (!groups.ok()) return Fail(absl::StrCat("cannot list groups: ", OneLine(groups.status())));
  Table table({"GROUP", "PROTOCOL-TYPE"});
  for (const client::GroupListing& g : *groups) table.AddRow({g.group_id, g.protocol_type.empty() ? "-" : g.protocol_type});
  table.Print();
  return kExitOk;
}

// Log end offsets, and the partitions whose end no broker could tell: a
// topic deleted after the group committed on it, or a partition without a
// leader. Those show '-', and hide no other partition's lag.
struct LogEnds {
  std::map<TopicPartition, int64_t> offsets;
  std::vector<std::string> unknown;  // "topic-partition"
  absl::Status first_error;
};

// One ListOffsets for all partitions; when a Kafka error fails it, one per
// topic, then one per partition of a failing topic, so that only the
// partitions at fault are unknown. Other failures (an unreachable broker)
// are returned: the whole answer would be '-'.
absl::Status AddLogEnds(client::Admin& admin, const std::vector<TopicPartition>& partitions, LogEnds& ends) {
  if (partitions.empty()) return absl::OkStatus();
  auto found = admin.ListOffsets(partitions, client::OffsetSpec::kLatest).get();
  if (found.ok()) {
    for (const client::PartitionOffset& end : *found) ends.offsets[{end.topic, end.partition}] = end.offset;
    return absl::OkStatus();
  }
  if (!client::KafkaErrorCodeOf(found.status())) return found.status();
  if (partitions.size() == 1) {
    ends.unknown.push_back(absl::StrCat(partitions[0].topic, "-", partitions[0].partition));
    ends.first_error.Update(found.status());
    return absl::OkStatus();
  }
  // Split by topic when there are several, else into single partitions.
  std::map<std::string, std::vector<TopicPartition>> by_topic;
  for (const TopicPartition& tp : partitions) by_topic[tp.topic].push_back(tp);
  std::vector<std::vector<TopicPartition>> parts;
  if (by_topic.size() > 1) {
    for (auto& [topic, of_topic] : by_topic) parts.push_back(std::move(of_topic));
  } else {
    for (const TopicPartition& tp : partitions) parts.push_back({tp});
  }
  for (const std::vector<TopicPartition>& part : parts) RETURN_IF_ERROR(AddLogEnds(admin, part, ends));
  return absl::OkStatus();
}

int Describe(const Context& context) {
  const std::string& group = context.args.positionals()[0];
  auto admin = OpenAdmin(context);
  if (!admin.ok()) return Fail(admin.status());
  auto description = (*admin)->DescribeGroup(group).get();
  if (!description.ok()) return Fail(absl::StrCat("cannot describe group ", group, ": ", OneLine(description.status())));
  auto committed = (*admin)->ListGroupOffsets(group).get();
  if (!committed.ok()) {
    return Fail(absl::StrCat("cannot read offsets of group ", group, ": ", OneLine(committed.status())));
  }
  if (description->state == "Dead" && description->members.empty() && committed->empty()) {
    return Fail(absl::StrCat("group ", group, " does not exist"));
  }

  std::map<TopicPartition, Row> rows;
  for (const client::PartitionOffset& c : *committed) rows[{c.topic, c.partition}].current = c.offset;
  // Members' assignments: only consumer-protocol groups have ones we can read.
  std::vector<const client::GroupMemberDescription*> idle_members;
  for (const client::GroupMemberDescription& member : description->members) {
    std::vector<TopicPartition> owned;
    if (description->protocol_type == kafka::kConsumerProtocolType && !member.assignment.empty()) {
      auto assignment = kafka::DecodeConsumerAssignment(ByteSpan(member.assignment));
      if (assignment.ok()) owned = client::group::Flatten(assignment->assigned_partitions);
    }
    if (owned.empty()) idle_members.push_back(&member);
    for (const TopicPartition& tp : owned) {
      Row& row = rows[tp];
      row.member_id = member.member_id;
      row.client_id = member.client_id;
    }
  }
  std::vector<TopicPartition> partitions;
  for (const auto& [tp, row] : rows) partitions.push_back(tp);
  LogEnds ends;
  if (absl::Status s = AddLogEnds(**admin, partitions, ends); !s.ok()) {
    return Fail(absl::StrCat("cannot read log end offsets: ", OneLine(s)));
  }
  for (auto& [tp, row] : rows) {
    auto end = ends.offsets.find(tp);
    if (end == ends.offsets.end()) continue;
    row.log_end = end->second;
    if (row.current >= 0) row.lag = std::max<int64_t>(0, row.log_end - row.current);
  }
  if (!ends.unknown.empty()) {
    std::fprintf(stderr, "cairn group describe: warning: log end offset unknown for %s (%s)\n",
                 absl::StrJoin(ends.unknown, ", ").c_str(), OneLine(ends.first_error).c_str());
  }

  Table table({"TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "MEMBER-ID", "CLIENT-ID"});
  for (const auto& [tp, row] : rows) {
    table.AddRow({tp.topic, absl::StrCat(tp.partition), NumberOrDash(row.current), NumberOrDash(row.log_end),
                  NumberOrDash(row.lag), row.member_id, row.client_id});
  }
  for (const client::GroupMemberDescription* member : idle_members) {
    table.AddRow({"-", "-", "-", "-", "-", member->member_id, member->client_id});
  }
  table.Print();
  return kExitOk;
}

int Delete(const Context& context) {
  auto admin = OpenAdmin(context);
  if (!admin.ok()) return Fail(admin.status());
  int status = kExitOk;
  for (const std::string& group : context.args.positionals()) {
    if (absl::Status s = (*admin)->DeleteGroup(group).get(); !s.ok()) {
      status = Fail(absl::StrCat("cannot delete group ", group, ": ", OneLine(s)));
      continue;
    }
    PrintOut(absl::StrCat("Deleted group ", group, ".\n"));
  }
  return status;
}

// --topic TOPIC or TOPIC:P,Q,... (kafka-consumer-groups.sh's form): per
// topic, the partitions chosen (empty: every one).
absl::StatusOr<std::map<std::string, std::set<int32_t>>> ParseTopicSelection(const std::vector<std::string>& args) {
  std::map<std::string, std::set<int32_t>> selected;
  for (const std::string& arg : args) {
    const size_t colon = arg.find(':');
    const std::string topic = arg.substr(0, colon);
    if (topic.empty()) return absl::InvalidArgumentError(absl::StrCat("--topic wants TOPIC[:P,...], got '", arg, "'"));
    const bool whole_topic = colon == std::string::npos;
    auto [it, inserted] = selected.try_emplace(topic);
    if (!inserted && (whole_topic || it->second.empty())) {
      it->second.clear();  // the whole topic named somewhere: every partition
      continue;
    }
    if (whole_topic) continue;
    for (absl::string_view part : absl::StrSplit(absl::string_view(arg).substr(colon + 1), ',')) {
      absl::StatusOr<int64_t> n = ParseInt("topic", part);
      if (!n.ok() || *n < 0 || *n > INT32_MAX) {
        return absl::InvalidArgumentError(
            absl::StrCat("--topic wants TOPIC[:P,...] with partition numbers, got '", arg, "'"));
      }
      it->second.insert(static_cast<int32_t>(*n));
    }
  }
  return selected;
}

// --to: earliest, latest, or offset:N (clamped to the partition's range, as
// kafka-consumer-groups.sh --to-offset does). --to-timestamp: the first
// offset whose timestamp is at least the time, else the log end (as
// --to-datetime does).
int Seek(const Context& context) {
  const std::string& group = context.args.positionals()[0];
  const std::vector<std::string> topics = context.args.GetAll("topic");
  if (topics.empty()) return UsageError(context.command, "missing --topic");
  absl::StatusOr<std::map<std::string, std::set<int32_t>>> selected = ParseTopicSelection(topics);
  if (!selected.ok()) return UsageError(context.command, selected.status().message());
  std::string to = context.args.GetOr("to", "");
  const std::optional<std::string> to_timestamp = context.args.Get("to-timestamp");
  if (to_timestamp && !to.empty()) return UsageError(context.command, "give either --to or --to-timestamp, not both");
  int64_t exact = -1;
  int64_t timestamp_ms = -1;
  if (to_timestamp) {
    absl::StatusOr<int64_t> ms = ParseTimestampMs("to-timestamp", *to_timestamp);
    if (!ms.ok()) return UsageError(context.command, ms.status().message());
    timestamp_ms = *ms;
  } else if (absl::StartsWith(to, "offset:")) {
    absl::StatusOr<int64_t> n = ParseInt("to", absl::string_view(to).substr(7));
    if (!n.ok() || *n < 0) return UsageError(context.command, absl::StrCat("invalid offset in --to ", to));
    exact = *n;
  } else if (to == "beginning" || to == "end") {
    to = to == "beginning" ? "earliest" : "latest";  // `consume --from`'s words
  } else if (to != "earliest" && to != "latest") {
    return UsageError(context.command, "--to must be earliest, latest or offset:N (or give --to-timestamp)");
  }

  auto admin = OpenAdmin(context);
  if (!admin.ok()) return Fail(admin.status());
  auto description = (*admin)->DescribeGroup(group).get();
  if (!description.ok()) return Fail(absl::StrCat("cannot describe group ", group, ": ", OneLine(description.status())));
  if (description->state != "Empty" && description->state != "Dead") {
    return Fail(absl::StrCat("cannot seek group ", group, ": it has ", description->members.size(),
                             " active member(s) (state ", description->state, "); stop its consumers first"));
  }
  std::vector<TopicPartition> partitions;
  for (const auto& [topic, only] : *selected) {
    auto described = (*admin)->DescribeTopic(topic).get();
    if (client::KafkaErrorCodeOf(described.status()) == client::kafka_error::kUnknownTopicOrPartition) {
      return Fail(absl::StrCat("cannot seek group ", group, ": topic ", topic, " does not exist"));
    }
    if (!described.ok()) return Fail(absl::StrCat("cannot seek group ", group, ": ", OneLine(described.status())));
    for (int32_t p : only) {
      if (p >= static_cast<int32_t>(described->partitions.size())) {
        return Fail(absl::StrCat("cannot seek group ", group, ": topic ", topic, " has no partition ", p, " (",
                                 described->partitions.size(), " partitions)"));
      }
    }
    for (const client::PartitionMetadata& p : described->partitions) {
      if (only.empty() || only.contains(p.partition)) partitions.push_back({topic, p.partition});
    }
  }
  auto earliest = (*admin)->ListOffsets(partitions, client::OffsetSpec::kEarliest).get();
  if (!earliest.ok()) return Fail(absl::StrCat("cannot list offsets: ", OneLine(earliest.status())));
  auto latest = (*admin)->ListOffsets(partitions, client::OffsetSpec::kLatest).get();
  if (!latest.ok()) return Fail(absl::StrCat("cannot list offsets: ", OneLine(latest.status())));
  std::vector<client::PartitionOffset> by_time;
  if (timestamp_ms >= 0) {
    auto found = (*admin)->ListOffsetsForTimestamp(partitions, timestamp_ms).get();
    if (!found.ok()) return Fail(absl::StrCat("cannot list offsets by time: ", OneLine(found.status())));
    by_time = std::move(*found);
  }

  // Both lists are sorted by (topic, partition) and cover the same partitions.
  std::vector<client::PartitionOffset> targets;
  for (size_t i = 0; i < earliest->size() && i < latest->size(); ++i) {
    client::PartitionOffset target = (*earliest)[i];
    if (to == "latest") target.offset = (*latest)[i].offset;
    if (exact >= 0) target.offset = std::clamp(exact, (*earliest)[i].offset, (*latest)[i].offset);
    if (timestamp_ms >= 0) {
      // No record that recent: the log end, so only new records are read.
      const int64_t found = i < by_time.size() ? by_time[i].offset : -1;
      target.offset = found >= 0 ? std::clamp(found, (*earliest)[i].offset, (*latest)[i].offset) : (*latest)[i].offset;
    }
    targets.push_back(target);
  }
  if (absl::Status s = (*admin)->AlterGroupOffsets(group, targets).get(); !s.ok()) {
    return Fail(absl::StrCat("cannot seek group ", group, ": ", OneLine(s)));
  }
  Table table({"TOPIC", "PARTITION", "NEW-OFFSET"});
  for (const client::PartitionOffset& t : targets) table.AddRow({t.topic, absl::StrCat(t.partition), absl::StrCat(t.offset)});
  table.Print();
  return kExitOk;
}

}  // namespace

std::vector<Command> GroupCommands() {
  return {
      {"group list", "", "List consumer groups", {}, List, "", 0, 0},
      {"group describe", "GROUP", "Show a group's committed offsets, log end offsets, lag and owners", {}, Describe,
       "Columns as kafka-consumer-groups.sh --describe; '-' where a value is unknown (no commit yet, no owner).\n"
       "Members that own no partition are listed with '-' for the partition columns.\n",
       1, 1},
      {"group delete", "GROUP...", "Delete groups (they must have no members)", {}, Delete, "", 1, SIZE_MAX},
      {"group seek", "GROUP", "Reset a group's committed offsets on topics (the group must have no members)",
       {{"topic", 't', "TOPIC[:P,...]", "a topic whose partitions are reset: every one, or those listed", true},
        {"to", 0, "WHERE",
         "earliest (or beginning), latest (or end), or offset:N (clamped to each partition's offsets)"},
        {"to-timestamp", 0, "TIME",
         "the first offset at or after TIME (ms since the epoch, or ISO-8601 with a zone); the end if none"}},
       Seek,
       "Examples:\n  cairn group seek billing --topic orders --to offset:1000\n"
       "  cairn group seek billing --topic orders:0,2 --to earliest\n"
       "  cairn group seek billing --topic orders --to-timestamp 2024-05-01T12:00:00Z\n",
       1, 1},
  };
}

}  // namespace cairn::cli
