// `cairn bench produce`: sends records as fast as allowed (or at --rate) and
// measures the time from Send to acknowledgement of each record.
#include <atomic>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "client/cli/bench_commands.h"
#include "client/cli/bench_support.h"
#include "client/cli/interrupt.h"
#include "client/cli/output.h"
#include "client/cli/progress.h"
#include "client/producer.h"

namespace cairn::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Filled by delivery callbacks on the client's io thread.
struct Acks {
  std::mutex mu;
  LatencyHistogram latency_us;
  int64_t bytes = 0;
  int64_t failed = 0;
  std::string first_error;
  std::atomic<int64_t> acked{0};
};

}  // namespace

int RunBenchProduce(const Context& context) {
  int exit_code = kExitOk;
  std::optional<ProduceBenchSetup> setup = PrepareProduceBench(context, exit_code);
  if (!setup) return exit_code;
  const BenchOptions& options = setup->options;
  const client::ProducerConfig& config = setup->config;
  auto producer = client::Producer::Create(config);
  if (!producer.ok()) return Fail(producer.status());

  InstallInterruptHandler();
  ProgressLine progress(ProgressLine::ModeFor(context.stderr_is_terminal, true));
  Payloads payloads(options.record_bytes);
  Pacer pacer(options.rate);
  auto acks = std::make_shared<Acks>();
  const Clock::time_point start = Clock::now();
  int64_t sent = 0;
  while (!Interrupted() && !BenchFinished(options, sent, Clock::now() - start)) {
    pacer.WaitFor(sent);
    client::ProducerRecord record{options.topic, std::nullopt, payloads.Next(), {}, std::nullopt, std::nullopt};
    const int64_t bytes = static_cast<int64_t>(record.value->size());
    const Clock::time_point sent_at = Clock::now();
    (*producer)->Send(std::move(record), [acks, bytes, sent_at](absl::StatusOr<client::RecordMetadata> result) {
      const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent_at).count();
      std::lock_guard lock(acks->mu);
      if (!result.ok()) {
        if (acks->failed++ == 0) acks->first_error = OneLine(result.status());
        return;
      }
      acks->latency_us.Record(micros);
      acks->bytes += bytes;
      acks->acked.fetch_add(1, std::memory_order_relaxed);
    });
    ++sent;
    if (progress.Due()) {
      const int64_t acked = acks->acked.load(std::memory_order_relaxed);
      progress.Show(ProgressText("produce", acked, acked * options.record_bytes, Clock::now() - start));
    }
  }
  const absl::Status flushed = (*producer)->Flush(std::chrono::milliseconds(config.delivery_timeout_ms + 1000));
  const Clock::time_point end = Clock::now();
  (*producer)->Close(std::chrono::milliseconds(1000));
  progress.Finish();

  std::lock_guard lock(acks->mu);
  BenchResult result{"produce", "send-to-ack", acks->acked.load(), acks->failed, acks->bytes,
                     std::chrono::duration<double>(end - start).count(), acks->latency_us};
  PrintBenchResult(result, options, context);
  if (acks->failed > 0) return Fail(absl::StrCat(acks->failed, " of ", sent, " records failed: ", acks->first_error));
  if (!flushed.ok()) return Fail(absl::StrCat("flush: ", OneLine(flushed)));
  return kExitOk;
}

}  // namespace cairn::cli
