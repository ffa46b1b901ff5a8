// `cairn consume TOPIC...`: prints records through a --format template,
// either as a group member (-g, committing what it printed) or assigned to
// every partition of the topics from --from. Stops after -n records, at the
// end of the partitions with -e, or on Ctrl-C, closing cleanly.
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/cli/command.h"
#include "client/cli/connect.h"
#include "client/cli/interrupt.h"
#include "client/cli/output.h"
#include "client/cli/progress.h"
#include "client/cli/record_format.h"
#include "client/cli/timestamp_arg.h"

namespace cairn::cli {
namespace {

constexpr auto kPollTimeout = std::chrono::milliseconds(200);
constexpr auto kCommitInterval = std::chrono::seconds(5);

// --from, parsed: where an assigned partition starts.
struct StartPosition {
  int64_t offset = client::kOffsetBeginning;  // or kOffsetEnd, or an exact offset
  std::optional<int64_t> timestamp_ms;
};

// "earliest" and "latest" are Kafka's words (auto.offset.reset, `group
// seek --to`); both spellings work in either command.
absl::StatusOr<StartPosition> ParseFrom(absl::string_view text) {
  if (text == "beginning" || text == "earliest") return StartPosition{client::kOffsetBeginning, std::nullopt};
  if (text == "end" || text == "latest") return StartPosition{client::kOffsetEnd, std::nullopt};
  if (absl::StartsWith(text, "offset:")) {
    absl::StatusOr<int64_t> n = ParseInt("from", text.substr(7));
    if (n.ok() && *n >= 0) return StartPosition{*n, std::nullopt};
  }
  if (absl::StartsWith(text, "timestamp:")) {
    absl::StatusOr<int64_t> ms = ParseTimestampMs("from", text.substr(10));
    if (!ms.ok()) return ms.status();
    return StartPosition{client::kOffsetBeginning, *ms};
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--from must be beginning, end, offset:N or timestamp:TIME, got '", text, "'"));
}

// "topic c has no partition 5 (1 partition)", for the -p partitions a
// topic lacks.
std::string MissingPartitions(const std::string& topic, const std::set<int32_t>& missing, size_t partitions) {
  return absl::StrCat("topic ", topic, " has no partition", missing.size() == 1 ? " " : "s ",
                      absl::StrJoin(missing, ", "), " (", partitions, " partition", partitions == 1 ? "" : "s", ")");
}

// Every partition of `topics` (or only `only` of each), starting at `from`.
// A topic lacking some of `only` is a warning on stderr (the other topics
// may have them); no partition at all is an error naming what is missing.
absl::StatusOr<std::vector<client::TopicPartitionOffset>> PartitionsToAssign(const Context& context,
                                                                              const std::vector<int32_t>& only,
                                                                              const StartPosition& from) {
  auto admin = OpenAdmin(context);
  if (!admin.ok()) return admin.status();
  std::vector<client::TopicPartitionOffset> partitions;
  std::vector<std::string> missing;
  for (const std::string& topic : context.args.positionals()) {
    auto described = (*admin)->DescribeTopic(topic).get();
    if (!described.ok()) {
      return absl::Status(described.status().code(), absl::StrCat("cannot consume topic ", topic, ": ",
                                                                  OneLine(described.status())));
    }
    std::set<int32_t> absent(only.begin(), only.end());
    for (const client::PartitionMetadata& p : described->partitions) {
      absent.erase(p.partition);
      if (!only.empty() && std::find(only.begin(), only.end(), p.partition) == only.end()) continue;
      partitions.push_back({topic, p.partition, from.offset, ""});
    }
    if (!absent.empty()) missing.push_back(MissingPartitions(topic, absent, described->partitions.size()));
  }
  if (partitions.empty()) {
    return absl::NotFoundError(absl::StrCat("no partition to consume: ", absl::StrJoin(missing, "; ")));
  }
  for (const std::string& warning : missing) {
    std::fprintf(stderr, "cairn consume: warning: %s\n", warning.c_str());
  }
  return partitions;
}

// --group, else -X group.id: the same thing said two ways, so both join the
// group and commit what was printed (the flag wins, as verb flags win over
// -X). An empty group.id is no group, as in Kafka's clients.
std::optional<std::string> GroupOf(const Context& context) {
  if (auto flag = context.args.Get("group")) return flag;
  for (auto it = context.settings.rbegin(); it != context.settings.rend(); ++it) {
    if (it->first != "group.id") continue;
    if (it->second.empty()) return std::nullopt;
    return it->second;
  }
  return std::nullopt;
}

// With -e: the log end of each assigned partition when consuming started.
absl::StatusOr<std::map<TopicPartition, int64_t>> EndOffsets(const Context& context,
                                                              const std::vector<client::TopicPartitionOffset>& assigned) {
  auto admin = OpenAdmin(context);
  if (!admin.ok()) return admin.status();
  std::vector<TopicPartition> partitions;
  for (const auto& p : assigned) partitions.push_back({p.topic, p.partition});
  auto ends = (*admin)->ListOffsets(partitions, client::OffsetSpec::kLatest).get();
  if (!ends.ok()) return ends.status();
  std::map<TopicPartition, int64_t> out;
  for (const client::PartitionOffset& end : *ends) out[{end.topic, end.partition}] = end.offset;
  return out;
}

bool ReachedEnds(const client::Consumer& consumer, const std::map<TopicPartition, int64_t>& ends) {
  std::map<TopicPartition, int64_t> positions;
  for (const auto& p : consumer.Positions()) positions[{p.topic, p.partition}] = p.offset;
  for (const auto& [tp, end] : ends) {
    auto it = positions.find(tp);
    if (it == positions.end() || it->second < end) return false;
  }
  return true;
}

std::vector<client::TopicPartitionOffset> ToCommit(const std::map<TopicPartition, int64_t>& next_offsets) {
  std::vector<client::TopicPartitionOffset> out;
  for (const auto& [tp, offset] : next_offsets) out.push_back({tp.topic, tp.partition, offset, ""});
  return out;
}

// A group member's printed positions at a rebalance: committed for the
// partitions it gives up, before their new owner starts, and dropped from
// what it commits later (also for lost partitions), so that the member never
// commits a partition another member has moved on since.
class CommitOnRevoke final : public client::RebalanceListener {
 public:
  explicit CommitOnRevoke(std::map<TopicPartition, int64_t>& printed_next) : printed_next_(printed_next) {}
  void set_consumer(client::Consumer* consumer) { consumer_ = consumer; }

  void OnRevoked(const std::vector<client::TopicPartitionOffset>& partitions) override {
    std::map<TopicPartition, int64_t> revoked = Take(partitions);
    if (revoked.empty()) return;
    if (absl::Status committed = consumer_->CommitSync(ToCommit(revoked)); !committed.ok()) {
      // Not fatal: the new owner reads those records again (at least once).
      std::fprintf(stderr, "cairn consume: warning: commit of revoked partitions failed: %s\n",
                   OneLine(committed).c_str());
    }
  }
  void OnLost(const std::vector<client::TopicPartitionOffset>& partitions) override { Take(partitions); }

 private:
  std::map<TopicPartition, int64_t> Take(const std::vector<client::TopicPartitionOffset>& partitions) {
    std::map<TopicPartition, int64_t> taken;
    for (const client::TopicPartitionOffset& p : partitions) {
      auto it = printed_next_.find({p.topic, p.partition});
      if (it == printed_next_.end()) continue;
      taken.insert(*it);
      printed_next_.erase(it);
    }
    return taken;
  }

  std::map<TopicPartition, int64_t>& printed_next_;
  client::Consumer* consumer_ = nullptr;
};

int Consume(const Context& context) {
  const std::optional<std::string> group = GroupOf(context);
  absl::StatusOr<RecordFormat> format = RecordFormat::Parse(context.args.GetOr("format", "%v\\n"));
  if (!format.ok()) return UsageError(context.command, OneLine(format.status()));
  absl::StatusOr<StartPosition> from = ParseFrom(context.args.GetOr("from", "beginning"));
  if (!from.ok()) return UsageError(context.command, OneLine(from.status()));
  int64_t limit = 0;
  if (auto n = context.args.Get("count")) {
    absl::StatusOr<int64_t> parsed = ParseInt("count", *n);
    if (!parsed.ok() || *parsed <= 0) return UsageError(context.command, "--count must be a positive number");
    limit = *parsed;
  }
  std::vector<int32_t> only;
  for (const std::string& p : context.args.GetAll("partition")) {
    absl::StatusOr<int64_t> n = ParseInt("partition", p);
    if (!n.ok() || *n < 0 || *n > INT32_MAX) return UsageError(context.command, "--partition must be a partition number");
    only.push_back(static_cast<int32_t>(*n));
  }
  const bool exit_at_end = context.args.Has("exit-at-end");
  if (group && (from->timestamp_ms || from->offset >= 0 || !only.empty() || exit_at_end)) {
    return UsageError(context.command, "with a group, --from takes only beginning or end, and -p/-e do not apply");
  }

  client::ConsumerConfig config = ConsumerConfigFor(context);
  std::vector<client::TopicPartitionOffset> assigned;
  std::map<TopicPartition, int64_t> ends;
  if (group) {
    // Described first, as without a group: an unreachable broker fails after
    // --timeout and a missing topic at once, instead of a group member
    // waiting in silence for a coordinator or a topic.
    if (auto topics = PartitionsToAssign(context, only, *from); !topics.ok()) return Fail(topics.status());
    config.group_id = *group;
    // The group's committed offsets win; --from only says where a partition
    // without one starts (auto.offset.reset).
    config.auto_offset_reset = from->offset == client::kOffsetEnd ? "latest" : "earliest";
    config.enable_auto_commit = false;  // we commit exactly what was printed
  } else {
    auto partitions = PartitionsToAssign(context, only, *from);
    if (!partitions.ok()) return Fail(partitions.status());
    assigned = std::move(*partitions);
    if (exit_at_end) {
      auto end_offsets = EndOffsets(context, assigned);
      if (!end_offsets.ok()) return Fail(absl::StrCat("cannot read end offsets: ", OneLine(end_offsets.status())));
      ends = std::move(*end_offsets);
    }
  }
  // Declared before the consumer, so that they outlive it: its destructor
  // may still revoke partitions through the listener.
  std::map<TopicPartition, int64_t> printed_next;  // per partition: the offset after the last record printed
  CommitOnRevoke on_rebalance(printed_next);
  auto consumer = client::Consumer::Create(config);
  if (!consumer.ok()) return Fail(consumer.status());
  on_rebalance.set_consumer(consumer->get());
  absl::Status started = group ? (*consumer)->Subscribe(context.args.positionals(), &on_rebalance)
                               : (*consumer)->Assign(assigned);
  if (started.ok() && from->timestamp_ms) started = (*consumer)->SeekToTimestamp(assigned, *from->timestamp_ms);
  if (!started.ok()) return Fail(started);

  InstallInterruptHandler();
  // Progress only when it cannot mix with the records on the same terminal.
  ProgressLine progress(ProgressLine::ModeFor(context.stderr_is_terminal && isatty(STDOUT_FILENO) != 1, false));
  auto last_commit = std::chrono::steady_clock::now();
  int64_t printed = 0;
  absl::Status failure;
  absl::Status output;  // a failed write: reported as itself, not as a consume failure
  std::string out;
  std::map<TopicPartition, int64_t> batch_next;
  while (!Interrupted() && (limit == 0 || printed < limit)) {
    if (exit_at_end && ReachedEnds(**consumer, ends)) break;
    // `consume | head -1`: stop once the reader is gone, even with no record to write.
    if (OutputReaderGone()) {
      output = FlushOutput();
      break;
    }
    absl::StatusOr<std::vector<client::ConsumerRecord>> records = (*consumer)->Poll(kPollTimeout);
    if (!records.ok()) {
      if (Interrupted()) break;
      failure = records.status();
      break;
    }
    out.clear();
    batch_next.clear();
    for (const client::ConsumerRecord& record : *records) {
      if (limit != 0 && printed >= limit) break;
      format->Append(record, &out);
      batch_next[{record.topic, record.partition}] = record.offset + 1;
      ++printed;
    }
    // Records count as printed (and so get committed) only once flushed:
    // output lost to a full disk or a closed pipe is read again by the group.
    PrintOut(out);
    output = FlushOutput();
    if (!output.ok()) break;
    for (const auto& [tp, next] : batch_next) printed_next[tp] = next;
    if (progress.Due()) progress.Show(absl::StrCat(printed, " records"));
    if (group && std::chrono::steady_clock::now() - last_commit >= kCommitInterval && !printed_next.empty()) {
      (*consumer)->CommitAsync(ToCommit(printed_next), nullptr);  // exactly what was printed
      last_commit = std::chrono::steady_clock::now();
    }
  }
  progress.Finish();
  absl::Status closing;
  if (group && !printed_next.empty()) {
    closing = (*consumer)->CommitSync(ToCommit(printed_next));
    printed_next.clear();  // committed: nothing left for the revocation in Close
  }
  closing.Update((*consumer)->Close());
  if (!output.ok()) return Fail(output);
  if (!failure.ok()) return Fail(absl::StrCat("consume failed: ", OneLine(failure)));
  if (!closing.ok()) return Fail(absl::StrCat("closing the consumer: ", OneLine(closing)));
  return kExitOk;
}

}  // namespace

std::vector<Command> ConsumeCommands() {
  return {{"consume", "TOPIC...", "Print records of topics",
           {{"group", 'g', "GROUP", "consume as a member of GROUP, committing what was printed (as -X group.id=GROUP)"},
            {"from", 'f', "WHERE",
             "beginning (default; or earliest), end (or latest), offset:N or timestamp:TIME (ms since the epoch, or "
             "ISO-8601 with a zone); with -g only beginning|end"},
            {"count", 'n', "N", "exit after N records"},
            {"exit-at-end", 'e', "", "exit once every partition's end (at start) is reached (no group)"},
            {"partition", 'p', "N", "only this partition (no group)", true},
            {"format", 0, "TEMPLATE",
             "output per record (default %v\\n): %t topic %p partition %o offset %k key %v value %h headers %T timestamp"}},
           Consume,
           "Without -g every partition of the topics is assigned and read from --from. With -g the group's committed\n"
           "offsets are used (--from applies where none is committed) and the offsets of printed records are committed\n"
           "every 5 s and on exit (after -n records or Ctrl-C).\n"
           "Example:\n  cairn consume orders -f offset:100 -n 10 --format '%p/%o %k=%v\\n'\n",
           1, SIZE_MAX}};
}

}  // namespace cairn::cli
