// Byte-rate quotas per client id (DESIGN.md §8): produce bytes in
// (quota.producer.default) and fetch bytes out (quota.consumer.default),
// measured over a sliding window of samples as Kafka does
// (quota.window.num samples of quota.window.size.seconds). A client over its
// quota is told how long to back off in the response's throttle_time_ms, and
// the broker answers at once but stops reading from that connection for as
// long (Kafka ≥ 2.0, KIP-219); ClientSession does the muting.
//
// Threading: every object here belongs to one shard. Each shard enforces the
// whole quota for the client ids connected to it: a client normally has one
// connection per broker, so it lives on one shard; a client id spread over
// connections on k shards can reach k times its quota (shared nothing: no
// cross-shard state on the request path).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cairn {
struct ServerConfig;
}  // namespace cairn

namespace cairn::broker {

class ShardContext;
struct Request;

struct QuotaWindow {
  int samples = 11;         // quota.window.num
  int64_t sample_ms = 1000;  // quota.window.size.seconds
};

// Bytes recorded in a sliding window of samples. A sample starts at the first
// record past the previous one's end and is forgotten `samples` sample
// lengths after it started. Times are monotonic milliseconds.
class ByteRate {
 public:
  explicit ByteRate(QuotaWindow window);

  void Record(int64_t bytes, int64_t now_ms);
  // Bytes in the samples still retained at `now_ms`.
  int64_t TotalBytes(int64_t now_ms) const;
  // Time since the oldest retained sample started (0 with none).
  int64_t ElapsedMs(int64_t now_ms) const;
  // How long the client must stay silent for the rate to fall back to
  // `bytes_per_second`: 0 while the bytes fit the quota over the elapsed
  // time, or over one sample when less has elapsed (a burst of one sample's
  // worth is free); otherwise ceil(bytes / quota) - elapsed. Capped at the
  // whole window. Unlike Kafka, which treats a young window as if it were
  // samples-1 long (a new client may then burst ten seconds' worth), the
  // rate here is measured over the time that really passed.
  int64_t ThrottleMs(double bytes_per_second, int64_t now_ms) const;
  // When the newest sample started, or nullopt with none.
  std::optional<int64_t> newest_sample_ms() const;

 private:
  struct Sample {
    int64_t start_ms;
    int64_t bytes;
  };
  bool Obsolete(const Sample& sample, int64_t now_ms) const;

  QuotaWindow window_;
  std::deque<Sample> samples_;  // oldest first
};

// One quota (bytes per second) applied to every client id separately.
class ClientQuotas {
 public:
  // A rate of 0 or less, or INT64_MAX (Kafka's default), is unlimited.
  ClientQuotas(int64_t bytes_per_second, QuotaWindow window);

  bool unlimited() const { return unlimited_; }
  // Records `bytes` for `client_id` and returns the throttle time: how long
  // the client must wait to be back within its quota (0 if it is within).
  int32_t RecordAndGetThrottleMs(std::string_view client_id, int64_t bytes, int64_t now_ms);
  // The throttle time at `now_ms` without recording anything.
  int32_t ThrottleMs(std::string_view client_id, int64_t now_ms) const;
  // Client ids with a rate kept (idle ones are forgotten after a window).
  size_t tracked_clients() const { return rates_.size(); }

 private:
  void ForgetIdle(int64_t now_ms);

  const bool unlimited_;
  const double bytes_per_second_;
  const QuotaWindow window_;
  std::unordered_map<std::string, ByteRate> rates_;
  int64_t last_sweep_ms_ = 0;
};

// A shard's quotas.
struct ShardQuotas {
  explicit ShardQuotas(const ServerConfig& config);
  ClientQuotas produce;  // request bytes in
  ClientQuotas fetch;    // response bytes out
};

// Monotonic milliseconds, the clock of the broker's quotas.
int64_t QuotaNowMs();

// Each shard's quotas, indexed by shard id; set by the Broker before any
// request is served and cleared after the shards stopped (empty to clear).
void RegisterShardQuotas(std::vector<ShardQuotas*> quotas);
// The quotas of `shard`, or nullptr when none are registered (unit tests).
ShardQuotas* QuotasOf(const ShardContext& shard);

// For the handlers: records a Produce request (its whole frame, as Kafka
// counts it) or a Fetch response's bytes against the client id's quota and
// returns the response's throttle_time_ms.
int32_t RecordProduceQuota(const ShardContext& shard, const Request& request);
int32_t RecordFetchQuota(const ShardContext& shard, const std::optional<std::string>& client_id, size_t bytes);

}  // namespace cairn::broker
