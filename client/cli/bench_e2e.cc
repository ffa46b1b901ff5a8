// `cairn bench e2e`: one producer and one consumer in this process; each
// record's first 8 bytes carry its send time (steady clock, nanoseconds), so
// the consumer measures produce-to-consume latency on the same clock.
#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/cli/bench_commands.h"
#include "client/cli/bench_support.h"
#include "client/cli/connect.h"
#include "client/cli/interrupt.h"
#include "client/cli/output.h"
#include "client/cli/progress.h"
#include "client/producer.h"

namespace cairn::cli {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowNanos() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count(); }

// The consumer thread's results; read by the main thread after join (and
// `received`/`bytes` for the progress line while it runs).
struct Received {
  std::atomic<int64_t> records{0};
  std::atomic<int64_t> bytes{0};
  std::atomic<bool> finished{false};  // set last by the consumer thread
  LatencyHistogram latency_us;
  absl::Status failure;
};

// Assigns every partition at its end and polls until each position is known,
// so no record the producer sends later is missed.
absl::StatusOr<std::unique_ptr<client::Consumer>> ConsumerAtEnd(const Context& context, const BenchOptions& options) {
  auto admin = OpenAdmin(context);
  if (!admin.ok()) return admin.status();
  auto topic = (*admin)->DescribeTopic(options.topic).get();
  if (!topic.ok()) return topic.status();
  std::vector<client::TopicPartitionOffset> assignment;
  for (const client::PartitionMetadata& p : topic->partitions) {
    assignment.push_back({options.topic, p.partition, client::kOffsetEnd, ""});
  }
  auto consumer = client::Consumer::Create(ConsumerConfigFor(context));
  if (!consumer.ok()) return consumer.status();
  if (absl::Status s = (*consumer)->Assign(assignment); !s.ok()) return s;
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(context.timeout_ms);
  while ((*consumer)->Positions().size() < assignment.size()) {
    if (Clock::now() > deadline) return absl::DeadlineExceededError("the consumer found no start position in time");
    auto polled = (*consumer)->Poll(std::chrono::milliseconds(50));
    if (!polled.ok()) return polled.status();
  }
  return std::move(*consumer);
}

void ConsumeUntil(client::Consumer& consumer, const std::atomic<int64_t>& target, const std::atomic<bool>& stop,
                  int64_t idle_limit_ms, Received& received) {
  Clock::time_point last = Clock::now();
  while (!stop.load() && received.records.load() < target.load()) {
    auto records = consumer.Poll(std::chrono::milliseconds(100));
    if (!records.ok()) {
      received.failure = records.status();
      return;
    }
    const int64_t now = NowNanos();
    for (const client::ConsumerRecord& r : *records) {
      if (!r.value || r.value->size() < sizeof(int64_t)) continue;  // not one of ours
      int64_t sent_ns = 0;
      std::memcpy(&sent_ns, r.value->data(), sizeof sent_ns);
      received.latency_us.Record((now - sent_ns) / 1000);
      received.bytes.fetch_add(static_cast<int64_t>(r.value->size()));
      received.records.fetch_add(1);
    }
    if (!records->empty()) last = Clock::now();
    if (Clock::now() - last > std::chrono::milliseconds(idle_limit_ms)) {
      received.failure = absl::DeadlineExceededError(absl::StrCat("no records for ", idle_limit_ms, " ms"));
      return;
    }
  }
}

}  // namespace

int RunBenchEndToEnd(const Context& context) {
  if (absl::Status s = RefuseGroupId(context); !s.ok()) return UsageError(context.command, OneLine(s));
  int exit_code = kExitOk;
  std::optional<ProduceBenchSetup> setup = PrepareProduceBench(context, exit_code);
  if (!setup) return exit_code;
  const BenchOptions& options = setup->options;
  const client::ProducerConfig& config = setup->config;
  auto consumer = ConsumerAtEnd(context, options);
  if (!consumer.ok()) return Fail(absl::StrCat("cannot start the consumer: ", OneLine(consumer.status())));
  auto producer = client::Producer::Create(config);
  if (!producer.ok()) return Fail(producer.status());

  InstallInterruptHandler();
  Received received;
  // The consumer stops at `target`, which is the count, or what was
  // acknowledged once a duration-bound run stops sending.
  std::atomic<int64_t> target{options.count > 0 ? options.count : INT64_MAX};
  std::atomic<bool> stop{false};
  auto failed = std::make_shared<std::atomic<int64_t>>(0);
  auto acked = std::make_shared<std::atomic<int64_t>>(0);
  std::thread reader([&] {
    ConsumeUntil(**consumer, target, stop, context.timeout_ms, received);
    received.finished.store(true);
  });

  ProgressLine progress(ProgressLine::ModeFor(context.stderr_is_terminal, true));
  Payloads payloads(options.record_bytes);
  Pacer pacer(options.rate);
  const Clock::time_point start = Clock::now();
  int64_t sent = 0;
  while (!Interrupted() && !BenchFinished(options, sent, Clock::now() - start)) {
    pacer.WaitFor(sent);
    std::string value = payloads.Next();
    const int64_t now = NowNanos();
    std::memcpy(value.data(), &now, sizeof now);
    (*producer)->Send({options.topic, std::nullopt, std::move(value), {}, std::nullopt, std::nullopt},
                      [failed, acked](absl::StatusOr<client::RecordMetadata> r) { (r.ok() ? acked : failed)->fetch_add(1); });
    ++sent;
    if (progress.Due()) progress.Show(ProgressText("e2e (received)", received.records.load(), received.bytes.load(), Clock::now() - start));
  }
  const absl::Status flushed = (*producer)->Flush(std::chrono::milliseconds(config.delivery_timeout_ms + 1000));
  target.store(acked->load());
  while (!Interrupted() && !received.finished.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (progress.Due()) progress.Show(ProgressText("e2e (received)", received.records.load(), received.bytes.load(), Clock::now() - start));
  }
  stop.store(true);
  reader.join();
  const Clock::time_point end = Clock::now();
  (*producer)->Close(std::chrono::milliseconds(1000));
  (void)(*consumer)->Close();
  progress.Finish();

  BenchResult result{"e2e", "produce-to-consume", received.records.load(), failed->load(), received.bytes.load(),
                     std::chrono::duration<double>(end - start).count(), received.latency_us};
  PrintBenchResult(result, options, context);
  if (failed->load() > 0) return Fail(absl::StrCat(failed->load(), " of ", sent, " records failed to produce"));
  if (!flushed.ok()) return Fail(absl::StrCat("flush: ", OneLine(flushed)));
  if (!received.failure.ok()) return Fail(absl::StrCat("bench e2e consumer: ", OneLine(received.failure)));
  return kExitOk;
}

}  // namespace cairn::cli
