// The shared load of every driver (see load_runner.h).
#include "bench/compare/load_runner.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <latch>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace cairn::bench::compare {
namespace {

uint64_t NowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

struct Connection {
  std::unique_ptr<Pipeline> pipeline;
  int64_t records = 0;
  double records_per_second = 0;
  LatencyHistogram latency;
  uint64_t last_ack_ns = 0;
  absl::Status status;
};

// One connection's send/acknowledge loop, from `start_ns` on.
absl::Status Drive(Connection& c, int64_t record_bytes, int64_t window, uint64_t start_ns, uint64_t seed) {
  std::string record(static_cast<size_t>(record_bytes), '\0');
  std::mt19937_64 rng(seed);
  for (char& ch : record) ch = static_cast<char>(rng());  // incompressible
  // Due (or send) time of each unacknowledged record; at most `window` are.
  std::vector<uint64_t> sent_ns(static_cast<size_t>(window));
  const bool paced = c.records_per_second > 0;
  const double interval_ns = paced ? 1e9 / c.records_per_second : 0;
  const auto records = static_cast<uint64_t>(c.records);
  uint64_t sent = 0;
  uint64_t acked = 0;
  const std::function<void(uint64_t)> on_ack = [&](uint64_t seq) {
    c.last_ack_ns = NowNs();
    c.latency.Record(c.last_ack_ns - sent_ns[seq % static_cast<uint64_t>(window)]);
    ++acked;
  };
  while (acked < records) {
    uint64_t now = NowNs();
    uint64_t next_due = 0;
    while (sent < records && sent - acked < static_cast<uint64_t>(window)) {
      const uint64_t due = paced ? start_ns + static_cast<uint64_t>(static_cast<double>(sent) * interval_ns) : now;
      if (due > now) {
        next_due = due;
        break;
      }
      sent_ns[sent % static_cast<uint64_t>(window)] = due;
      std::memcpy(record.data(), &sent, sizeof(sent));  // distinct records; NATS reads it back
      if (absl::Status s = c.pipeline->Send(sent, record); !s.ok()) return s;
      ++sent;
      if (paced) now = NowNs();
    }
    if (absl::Status s = c.pipeline->Flush(); !s.ok()) return s;
    // Wake for the next acknowledgement, or when the next record is due.
    int64_t timeout_us = 100000;
    if (next_due != 0) timeout_us = std::max<int64_t>(0, static_cast<int64_t>(next_due - NowNs()) / 1000);
    if (absl::Status s = c.pipeline->Poll(timeout_us, on_ack); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LoadResult> RunLoad(const LoadSpec& spec, const PipelineFactory& open) {
  if (spec.record_bytes < 8) return absl::InvalidArgumentError("records must be at least 8 bytes");
  std::vector<Connection> connections(static_cast<size_t>(spec.connections));
  for (int i = 0; i < spec.connections; ++i) {
    absl::StatusOr<std::unique_ptr<Pipeline>> pipeline = open(i);
    if (!pipeline.ok()) return pipeline.status();
    Connection& c = connections[static_cast<size_t>(i)];
    c.pipeline = std::move(*pipeline);
    c.records = spec.records / spec.connections + (i < spec.records % spec.connections ? 1 : 0);
    c.records_per_second = spec.records_per_second / spec.connections;
  }
  std::latch ready(spec.connections + 1);
  uint64_t start_ns = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < spec.connections; ++i) {
    threads.emplace_back([&, i] {
      ready.arrive_and_wait();
      Connection& c = connections[static_cast<size_t>(i)];
      c.status = Drive(c, spec.record_bytes, spec.window, start_ns, 1000 + static_cast<uint64_t>(i));
    });
  }
  start_ns = NowNs();  // before the latch opens: the threads read it after
  ready.arrive_and_wait();
  for (std::thread& thread : threads) thread.join();

  LoadResult result;
  uint64_t end_ns = start_ns;
  for (Connection& c : connections) {
    if (!c.status.ok()) return c.status;
    result.records += c.records;
    result.latency.Merge(c.latency);
    end_ns = std::max(end_ns, c.last_ack_ns);
  }
  result.seconds = static_cast<double>(end_ns - start_ns) / 1e9;
  return result;
}

}  // namespace cairn::bench::compare
