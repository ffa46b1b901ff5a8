// `cairn bench consume`: reads a topic from the beginning of every partition
// and measures throughput (filling the topic first when it holds fewer
// records than --count). Latency is the duration of each Poll that returned
// records.
#include <algorithm>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "client/cli/bench_commands.h"
#include "client/cli/bench_support.h"
#include "client/cli/connect.h"
#include "client/cli/interrupt.h"
#include "client/cli/output.h"
#include "client/cli/producer_flags.h"
#include "client/cli/progress.h"

namespace cairn::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Sends `count` records of options.record_bytes and waits for them all.
absl::Status Prefill(const Context& context, const BenchOptions& options, int64_t count) {
  absl::StatusOr<client::ProducerConfig> config = ProducerConfigFor(context);
  if (!config.ok()) return config.status();
  auto producer = client::Producer::Create(*config);
  if (!producer.ok()) return producer.status();
  ProgressLine progress(ProgressLine::ModeFor(context.stderr_is_terminal, true));
  Payloads payloads(options.record_bytes);
  auto failures = std::make_shared<std::atomic<int64_t>>(0);
  const Clock::time_point start = Clock::now();
  for (int64_t i = 0; i < count && !Interrupted(); ++i) {
    (*producer)->Send({options.topic, std::nullopt, payloads.Next(), {}, std::nullopt, std::nullopt},
                      [failures](absl::StatusOr<client::RecordMetadata> r) {
                        if (!r.ok()) failures->fetch_add(1);
                      });
    if (progress.Due()) progress.Show(ProgressText("prefill (sent)", i, i * options.record_bytes, Clock::now() - start));
  }
  absl::Status flushed = (*producer)->Flush(std::chrono::milliseconds(config->delivery_timeout_ms + 1000));
  (*producer)->Close(std::chrono::milliseconds(1000));
  progress.Finish();
  if (failures->load() > 0) return absl::UnavailableError(absl::StrCat(failures->load(), " prefill records failed"));
  return flushed;
}

}  // namespace

int RunBenchConsume(const Context& context) {
  absl::StatusOr<BenchOptions> options = ParseBenchOptions(context);
  if (!options.ok()) return UsageError(context.command, OneLine(options.status()));
  if (absl::Status s = RefuseGroupId(context); !s.ok()) return UsageError(context.command, OneLine(s));
  if (absl::Status s = EnsureTopic(context, *options); !s.ok()) {
    return Fail(absl::StrCat("cannot create topic ", options->topic, ": ", OneLine(s)));
  }
  auto admin = OpenAdmin(context);
  if (!admin.ok()) return Fail(admin.status());
  auto topic = (*admin)->DescribeTopic(options->topic).get();
  if (!topic.ok()) return Fail(absl::StrCat("cannot describe topic ", options->topic, ": ", OneLine(topic.status())));
  std::vector<TopicPartition> partitions;
  std::vector<client::TopicPartitionOffset> assignment;
  for (const client::PartitionMetadata& p : topic->partitions) {
    partitions.push_back({options->topic, p.partition});
    assignment.push_back({options->topic, p.partition, client::kOffsetBeginning, ""});
  }
  auto earliest = (*admin)->ListOffsets(partitions, client::OffsetSpec::kEarliest).get();
  auto latest = (*admin)->ListOffsets(partitions, client::OffsetSpec::kLatest).get();
  if (!earliest.ok() || !latest.ok()) {
    return Fail(absl::StrCat("cannot list offsets: ", OneLine(earliest.ok() ? latest.status() : earliest.status())));
  }
  int64_t available = 0;
  for (size_t i = 0; i < earliest->size() && i < latest->size(); ++i) available += (*latest)[i].offset - (*earliest)[i].offset;
  if (options->count > available) {
    if (absl::Status s = Prefill(context, *options, options->count - available); !s.ok()) {
      return Fail(absl::StrCat("cannot fill topic ", options->topic, ": ", OneLine(s)));
    }
    available = options->count;
  }
  if (available == 0) return Fail(absl::StrCat("topic ", options->topic, " is empty: give --count to fill it first"));
  const int64_t target = options->count > 0 ? options->count : available;

  client::ConsumerConfig config = ConsumerConfigFor(context);
  auto consumer = client::Consumer::Create(config);
  if (!consumer.ok()) return Fail(consumer.status());
  if (absl::Status s = (*consumer)->Assign(assignment); !s.ok()) return Fail(s);

  InstallInterruptHandler();
  ProgressLine progress(ProgressLine::ModeFor(context.stderr_is_terminal, true));
  BenchResult result{"consume", "poll", 0, 0, 0, 0, {}, false};
  const Clock::time_point start = Clock::now();
  Clock::time_point last_record = start;
  absl::Status failure;
  while (!Interrupted() && result.records < target && !BenchFinished(*options, result.records, Clock::now() - start)) {
    const Clock::time_point poll_start = Clock::now();
    auto records = (*consumer)->Poll(std::chrono::milliseconds(200));
    if (!records.ok()) {
      failure = records.status();
      break;
    }
    const Clock::time_point now = Clock::now();
    if (records->empty()) {
      if (now - last_record > std::chrono::milliseconds(context.timeout_ms)) {
        failure = absl::DeadlineExceededError(absl::StrCat("no records for ", context.timeout_ms, " ms after ",
                                                           result.records, " of ", target));
        break;
      }
      continue;
    }
    last_record = now;
    result.latency_us.Record(std::chrono::duration_cast<std::chrono::microseconds>(now - poll_start).count());
    // Records past the target are read but not counted, so --count is exact.
    for (const client::ConsumerRecord& r : *records) {
      if (result.records == target) break;
      result.bytes += static_cast<int64_t>((r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0));
      ++result.records;
    }
    if (progress.Due()) progress.Show(ProgressText("consume", result.records, result.bytes, now - start));
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  (void)(*consumer)->Close();
  progress.Finish();
  PrintBenchResult(result, *options, context);
  if (!failure.ok()) return Fail(absl::StrCat("bench consume: ", OneLine(failure)));
  return kExitOk;
}

}  // namespace cairn::cli
