#include "client/cli/bench_support.h"

#include <climits>
#include <cstdio>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/cli/connect.h"
#include "client/cli/output.h"
#include "client/cli/producer_flags.h"
#include "client/kafka_error.h"
#include "client/partition_queue.h"
#include "common/record_batch.h"
#include "common/status_macros.h"

namespace cairn::cli {
namespace {

constexpr int64_t kDefaultCount = 100000;
constexpr size_t kPoolBytes = 1 << 20;
// The payload pool holds a record and more in memory, and each record in
// flight is a copy: a bound whatever max.request.size -X allows (2 GiB).
constexpr int64_t kRecordBytesMax = int64_t{1} << 30;

double PerSecond(double amount, double seconds) { return seconds > 0 ? amount / seconds : 0; }

// -s is refused when its records could never be sent: above what
// max.request.size (after -X) admits with the record's framing and its
// batch's header (as the producer counts a record alone in its batch), or
// above kRecordBytesMax. Without this a huge size ran out of memory
// (bad_alloc).
absl::Status CheckRecordSize(const Context& context, int64_t record_bytes) {
  if (record_bytes < 8) return absl::InvalidArgumentError("--record-size must be at least 8 bytes");
  client::ProducerConfig producer;
  ApplySettings(context, producer);
  const int64_t framing =
      static_cast<int64_t>(client::EstimateRecordBytes(std::nullopt, std::string(), {}) + kBatchHeaderBytes);
  const int64_t most = std::min(static_cast<int64_t>(producer.max_request_size) - framing, kRecordBytesMax);
  if (record_bytes <= most) return absl::OkStatus();
  if (most == kRecordBytesMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("--record-size must be at most ", kRecordBytesMax, " bytes (1 GiB)"));
  }
  return absl::InvalidArgumentError(absl::StrCat("--record-size must be at most ", most,
                                                 " bytes, for records within max.request.size ",
                                                 producer.max_request_size, " (-X max.request.size=N raises it)"));
}

}  // namespace

std::vector<FlagSpec> BenchFlags() {
  std::vector<FlagSpec> flags = {
      {"topic", 't', "TOPIC", "topic to use, created if missing (default cairn-bench)"},
      {"record-size", 's', "BYTES", "value size of each record (default 100)"},
      {"count", 'n', "N", "records to send or read (default 100000 unless --duration is given)"},
      {"duration", 'd', "DURATION", "stop after this long (with --count: whichever comes first)"},
      {"partitions", 'p', "N", "partitions of a topic the bench creates (default 1)"},
      {"rate", 0, "N", "offer at most N records per second (default: as fast as possible)"},
      {"json", 0, "", "print the result as one JSON object"},
  };
  for (FlagSpec& f : ProducerFlags()) flags.push_back(std::move(f));
  return flags;
}

absl::StatusOr<BenchOptions> ParseBenchOptions(const Context& context) {
  BenchOptions options;
  options.topic = context.args.GetOr("topic", options.topic);
  options.json = context.args.Has("json");
  if (auto size = context.args.Get("record-size")) {
    absl::StatusOr<int64_t> bytes = ParseBytes("record-size", *size);
    if (!bytes.ok()) return bytes.status();
    RETURN_IF_ERROR(CheckRecordSize(context, *bytes));
    options.record_bytes = *bytes;
  }
  if (auto count = context.args.Get("count")) {
    absl::StatusOr<int64_t> n = ParseInt("count", *count);
    if (!n.ok() || *n <= 0) return absl::InvalidArgumentError("--count must be a positive number");
    options.count = *n;
  }
  if (auto duration = context.args.Get("duration")) {
    absl::StatusOr<int64_t> ms = ParseDurationMs("duration", *duration);
    if (!ms.ok()) return ms.status();
    if (*ms <= 0) return absl::InvalidArgumentError("--duration must be positive");
    options.duration_ms = *ms;
  }
  if (options.count == 0 && options.duration_ms == 0) options.count = kDefaultCount;
  if (auto partitions = context.args.Get("partitions")) {
    absl::StatusOr<int64_t> n = ParseInt("partitions", *partitions);
    if (!n.ok() || *n <= 0 || *n > INT32_MAX) return absl::InvalidArgumentError("--partitions must be a positive number");
    options.partitions = static_cast<int32_t>(*n);
  }
  if (auto rate = context.args.Get("rate")) {
    absl::StatusOr<int64_t> n = ParseInt("rate", *rate);
    if (!n.ok() || *n <= 0) return absl::InvalidArgumentError("--rate must be a positive number");
    options.rate = *n;
  }
  return options;
}

absl::Status RefuseGroupId(const Context& context) {
  for (const auto& [key, value] : context.settings) {
    if (key == "group.id" && !value.empty()) {
      return absl::InvalidArgumentError("the bench reads without a consumer group: -X group.id does not apply");
    }
  }
  return absl::OkStatus();
}

absl::Status EnsureTopic(const Context& context, const BenchOptions& options) {
  auto admin = OpenAdmin(context);
  if (!admin.ok()) return admin.status();
  client::NewTopic topic;
  topic.name = options.topic;
  topic.num_partitions = options.partitions;
  absl::Status created = (*admin)->CreateTopic(topic).get();
  if (client::KafkaErrorCodeOf(created) == client::kafka_error::kTopicAlreadyExists) return absl::OkStatus();
  return created;
}

std::optional<ProduceBenchSetup> PrepareProduceBench(const Context& context, int& exit_code) {
  absl::StatusOr<BenchOptions> options = ParseBenchOptions(context);
  if (!options.ok()) {
    exit_code = UsageError(context.command, OneLine(options.status()));
    return std::nullopt;
  }
  absl::StatusOr<client::ProducerConfig> config = ProducerConfigFor(context);
  if (!config.ok()) {
    exit_code = UsageError(context.command, OneLine(config.status()));
    return std::nullopt;
  }
  if (absl::Status s = EnsureTopic(context, *options); !s.ok()) {
    exit_code = Fail(absl::StrCat("cannot create topic ", options->topic, ": ", OneLine(s)));
    return std::nullopt;
  }
  return ProduceBenchSetup{*std::move(options), *std::move(config)};
}

Payloads::Payloads(int64_t record_bytes) : size_(static_cast<size_t>(record_bytes)) {
  std::mt19937_64 random(42);
  // Up to 512 KiB records the pool is 1 MiB, as it always was, so figures
  // stay comparable; larger ones get 512 KiB of start positions, not a
  // second copy of their size.
  pool_.resize(std::max(kPoolBytes, size_ + kPoolBytes / 2));
  for (char& c : pool_) c = static_cast<char>('a' + random() % 26);
}

std::string Payloads::Next() {
  // A prime stride walks every start position before repeating.
  next_ = (next_ + 7919) % (pool_.size() - size_);
  return pool_.substr(next_, size_);
}

void Pacer::WaitFor(int64_t records_sent) {
  if (rate_ <= 0) return;
  const auto due = start_ + std::chrono::nanoseconds(records_sent * 1'000'000'000 / rate_);
  std::this_thread::sleep_until(due);
}

bool BenchFinished(const BenchOptions& options, int64_t done, std::chrono::steady_clock::duration elapsed) {
  if (options.count > 0 && done >= options.count) return true;
  return options.duration_ms > 0 && elapsed >= std::chrono::milliseconds(options.duration_ms);
}

std::string ProgressText(const std::string& mode, int64_t records, int64_t bytes,
                         std::chrono::steady_clock::duration elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  return absl::StrFormat("%s: %d records in %.0f s, %.0f records/s, %.1f MB/s", mode, records, seconds,
                         PerSecond(static_cast<double>(records), seconds),
                         PerSecond(static_cast<double>(bytes), seconds) / 1e6);
}

void PrintBenchResult(const BenchResult& r, const BenchOptions& options, const Context& context) {
  const double records_per_s = PerSecond(static_cast<double>(r.records), r.seconds);
  const double mb_per_s = PerSecond(static_cast<double>(r.bytes), r.seconds) / 1e6;
  // The topic a consume bench reads may hold records of any size.
  const int64_t record_size = r.produced ? options.record_bytes
                              : r.records > 0 ? (r.bytes + r.records / 2) / r.records
                                              : 0;
  const LatencyHistogram& h = r.latency_us;
  std::string text;
  if (options.json) {
    const std::string producer_fields =
        r.produced ? absl::StrFormat("\"acks\": \"%s\", \"compression\": \"%s\", ", context.args.GetOr("acks", "all"),
                                     context.args.GetOr("compression", "none"))
                   : "";
    text = absl::StrFormat(
        "{\"mode\": \"%s\", \"topic\": \"%s\", \"records\": %d, \"failed\": %d, \"bytes\": %d, "
        "\"record_size\": %d, \"seconds\": %.3f, \"records_per_sec\": %.1f, \"mb_per_sec\": %.3f, "
        "%s\"latency\": \"%s\", \"latency_us\": {\"p50\": %d, \"p99\": %d, \"p999\": %d, \"max\": %d}}\n",
        r.mode, options.topic, r.records, r.failed, r.bytes, record_size, r.seconds, records_per_s, mb_per_s,
        producer_fields, r.latency_kind, h.Percentile(0.50), h.Percentile(0.99), h.Percentile(0.999), h.max());
  } else {
    text = absl::StrFormat(
        "%s: %d records (%d failed) of %d bytes%s in %.3f s\n"
        "throughput: %.0f records/s, %.2f MB/s\n"
        "%s latency (us): p50 %d  p99 %d  p999 %d  max %d\n",
        r.mode, r.records, r.failed, record_size, r.produced ? "" : " on average", r.seconds, records_per_s, mb_per_s,
        r.latency_kind, h.Percentile(0.50), h.Percentile(0.99), h.Percentile(0.999), h.max());
  }
  PrintOut(text);
}

}  // namespace cairn::cli
