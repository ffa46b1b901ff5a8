// Sampled byte rates and throttle times per client id (see quotas.h).
#include "broker/quotas.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "broker/request.h"
#include "broker/shard_context.h"
#include "common/check.h"
#include "common/server_config.h"

namespace cairn::broker {

// ----------------------------------------------------------------- ByteRate

ByteRate::ByteRate(QuotaWindow window) : window_(window) {
  CAIRN_CHECK(window.samples >= 1) << window.samples;
  CAIRN_CHECK(window.sample_ms >= 1) << window.sample_ms;
}

bool ByteRate::Obsolete(const Sample& sample, int64_t now_ms) const {
  return now_ms - sample.start_ms >= window_.samples * window_.sample_ms;
}

void ByteRate::Record(int64_t bytes, int64_t now_ms) {
  while (!samples_.empty() && Obsolete(samples_.front(), now_ms)) samples_.pop_front();
  if (samples_.empty() || now_ms - samples_.back().start_ms >= window_.sample_ms) {
    samples_.push_back({now_ms, 0});
    if (samples_.size() > static_cast<size_t>(window_.samples)) samples_.pop_front();
  }
  samples_.back().bytes += bytes;
}

int64_t ByteRate::TotalBytes(int64_t now_ms) const {
  int64_t total = 0;
  for (const Sample& sample : samples_) {
    if (!Obsolete(sample, now_ms)) total += sample.bytes;
  }
  return total;
}

int64_t ByteRate::ElapsedMs(int64_t now_ms) const {
  for (const Sample& sample : samples_) {
    if (!Obsolete(sample, now_ms)) return std::max<int64_t>(now_ms - sample.start_ms, 0);
  }
  return 0;
}

int64_t ByteRate::ThrottleMs(double bytes_per_second, int64_t now_ms) const {
  const int64_t total = TotalBytes(now_ms);
  if (total <= 0) return 0;
  const int64_t elapsed = ElapsedMs(now_ms);
  // The time over which `total` bytes are exactly at the quota.
  const double needed_ms = static_cast<double>(total) * 1000.0 / bytes_per_second;
  if (needed_ms <= static_cast<double>(std::max(elapsed, window_.sample_ms))) return 0;
  const double throttle = std::ceil(needed_ms - static_cast<double>(elapsed));
  const int64_t cap = window_.samples * window_.sample_ms;
  return throttle >= static_cast<double>(cap) ? cap : static_cast<int64_t>(throttle);
}

std::optional<int64_t> ByteRate::newest_sample_ms() const {
  if (samples_.empty()) return std::nullopt;
  return samples_.back().start_ms;
}

// ----------------------------------------------------------------- ClientQuotas

ClientQuotas::ClientQuotas(int64_t bytes_per_second, QuotaWindow window)
    : unlimited_(bytes_per_second <= 0 || bytes_per_second == std::numeric_limits<int64_t>::max()),
      bytes_per_second_(static_cast<double>(bytes_per_second)),
      window_(window) {}

int32_t ClientQuotas::RecordAndGetThrottleMs(std::string_view client_id, int64_t bytes, int64_t now_ms) {
  if (unlimited_) return 0;
  ForgetIdle(now_ms);
  auto it = rates_.find(std::string(client_id));
  if (it == rates_.end()) it = rates_.emplace(std::string(client_id), ByteRate(window_)).first;
  it->second.Record(bytes, now_ms);
  return static_cast<int32_t>(it->second.ThrottleMs(bytes_per_second_, now_ms));
}

int32_t ClientQuotas::ThrottleMs(std::string_view client_id, int64_t now_ms) const {
  if (unlimited_) return 0;
  auto it = rates_.find(std::string(client_id));
  if (it == rates_.end()) return 0;
  return static_cast<int32_t>(it->second.ThrottleMs(bytes_per_second_, now_ms));
}

void ClientQuotas::ForgetIdle(int64_t now_ms) {
  // A sweep per window keeps the map bounded by the client ids seen in the
  // last two windows, whatever ids clients make up.
  const int64_t span = window_.samples * window_.sample_ms;
  if (now_ms - last_sweep_ms_ < span) return;
  last_sweep_ms_ = now_ms;
  for (auto it = rates_.begin(); it != rates_.end();) {
    const std::optional<int64_t> newest = it->second.newest_sample_ms();
    if (!newest || now_ms - *newest >= span) {
      it = rates_.erase(it);
    } else {
      ++it;
    }
  }
}

ShardQuotas::ShardQuotas(const ServerConfig& config)
    : produce(config.quota_producer_default,
              QuotaWindow{config.quota_window_num, int64_t{config.quota_window_size_seconds} * 1000}),
      fetch(config.quota_consumer_default,
            QuotaWindow{config.quota_window_num, int64_t{config.quota_window_size_seconds} * 1000}) {}

// ----------------------------------------------------------------- registry

namespace {

// Indexed by shard id; written before shards serve requests and after they
// stopped, read-only in between (like ShardContext's registry).
std::vector<ShardQuotas*>& Registry() {
  static std::vector<ShardQuotas*> quotas;
  return quotas;
}

}  // namespace

int64_t QuotaNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void RegisterShardQuotas(std::vector<ShardQuotas*> quotas) { Registry() = std::move(quotas); }

ShardQuotas* QuotasOf(const ShardContext& shard) {
  const auto& registry = Registry();
  const size_t id = static_cast<size_t>(shard.shard_id());
  return id < registry.size() ? registry[id] : nullptr;
}

int32_t RecordProduceQuota(const ShardContext& shard, const Request& request) {
  ShardQuotas* quotas = QuotasOf(shard);
  if (quotas == nullptr || quotas->produce.unlimited()) return 0;
  return quotas->produce.RecordAndGetThrottleMs(request.header.client_id.value_or(""),
                                                static_cast<int64_t>(request.frame.size()), QuotaNowMs());
}

int32_t RecordFetchQuota(const ShardContext& shard, const std::optional<std::string>& client_id, size_t bytes) {
  ShardQuotas* quotas = QuotasOf(shard);
  if (quotas == nullptr || quotas->fetch.unlimited()) return 0;
  return quotas->fetch.RecordAndGetThrottleMs(client_id.value_or(""), static_cast<int64_t>(bytes), QuotaNowMs());
}

}  // namespace cairn::broker
