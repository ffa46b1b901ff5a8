// Broker metrics (DESIGN.md §10), named as prometheus/jmx_exporter names
// Kafka's MBeans (reference/kafka-protocol.md "Metrics"). Each shard counts
// into its own registry without locks; the admin endpoint copies every
// shard's registry (adding gauges computed at scrape time), sums the copies
// and renders the Prometheus text exposition format 0.0.4.
//
// Threading: Metrics::Local() is the calling thread's registry, so on a shard
// thread it is that shard's; it is only ever touched by that thread. A
// Metrics value is plain data: copy it on its thread, move it anywhere.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/request.h"
#include "common/bytes.h"

namespace cairn::broker {

class ShardContext;

enum class MetricType { kCounter, kGauge, kHistogram };

// A metric family: its name (for a histogram, without _bucket/_sum/_count),
// type and HELP text, plus a histogram's bucket upper bounds (ascending;
// +Inf is implied).
struct MetricFamily {
  std::string_view name;
  MetricType type;
  std::string_view help;
  std::span<const double> buckets = {};
};

// Request latency buckets, in milliseconds.
inline constexpr double kLatencyBucketsMs[] = {0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};

inline constexpr MetricFamily kRequestsTotal{"kafka_network_requestmetrics_requests_total", MetricType::kCounter,
                                             "Kafka requests received, by API."};
inline constexpr MetricFamily kRequestTotalTimeMs{
    "kafka_network_requestmetrics_totaltimems", MetricType::kHistogram,
    "Time from a request's arrival to its response being queued, by API, in milliseconds.", kLatencyBucketsMs};
inline constexpr MetricFamily kMessagesIn{"kafka_server_brokertopicmetrics_messagesin_total", MetricType::kCounter,
                                          "Records appended by Produce, by topic."};
inline constexpr MetricFamily kBytesIn{"kafka_server_brokertopicmetrics_bytesin_total", MetricType::kCounter,
                                       "Record batch bytes appended by Produce, by topic."};
inline constexpr MetricFamily kBytesOut{"kafka_server_brokertopicmetrics_bytesout_total", MetricType::kCounter,
                                        "Record batch bytes returned by Fetch, by topic."};
// Durable write times, in milliseconds: finer at the low end, where a
// healthy disk's writes fall.
inline constexpr double kFlushBucketsMs[] = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500};
inline constexpr MetricFamily kLogFlushTimeMs{
    "kafka_log_logflushstats_logflushrateandtimems", MetricType::kHistogram,
    "Time each durable log write (RWF_DSYNC, one group commit) took from issue to completion, in milliseconds.",
    kFlushBucketsMs};
// Gauges computed at scrape time.
inline constexpr MetricFamily kLogSize{"kafka_log_log_size", MetricType::kGauge,
                                       "Bytes of a partition's log segments on disk."};
inline constexpr MetricFamily kPartitions{"cairn_partitions", MetricType::kGauge,
                                          "Partitions this node stores (online)."};
inline constexpr MetricFamily kPartitionCount{"kafka_server_replicamanager_partitioncount", MetricType::kGauge,
                                              "Partitions this broker hosts."};
inline constexpr MetricFamily kLeaderCount{"kafka_server_replicamanager_leadercount", MetricType::kGauge,
                                           "Partitions this broker leads."};
inline constexpr MetricFamily kUnderReplicated{"kafka_server_replicamanager_underreplicatedpartitions",
                                               MetricType::kGauge, "Partitions with fewer in-sync replicas than replicas."};
inline constexpr MetricFamily kOfflinePartitions{"cairn_offline_partitions", MetricType::kGauge,
                                                 "Partitions whose log failed recovery or creation and serve nothing."};
inline constexpr MetricFamily kPartitionsOfflineForWrites{
    "cairn_partitions_offline_for_writes", MetricType::kGauge,
    "Partitions whose log took a write or fsync error (a full disk, EIO): appends get KAFKA_STORAGE_ERROR, reads "
    "still work, until the broker restarts."};
inline constexpr MetricFamily kOfflinePartitionsCount{"kafka_controller_kafkacontroller_offlinepartitionscount",
                                                      MetricType::kGauge, "Partitions without an online leader."};
inline constexpr MetricFamily kActiveControllerCount{"kafka_controller_kafkacontroller_activecontrollercount",
                                                     MetricType::kGauge, "1 on the active controller, else 0."};

// One label: name and raw (unescaped) value.
using MetricLabel = std::pair<std::string_view, std::string_view>;

class Metrics {
 public:
  // The calling thread's registry (one per shard thread).
  static Metrics& Local();

  // Counter or gauge: adds `delta` to the series (created at 0).
  void Add(const MetricFamily& family, std::initializer_list<MetricLabel> labels, double delta);
  // Gauge: sets the series.
  void Set(const MetricFamily& family, std::initializer_list<MetricLabel> labels, double value);
  // Histogram: counts `value` in its bucket and in _sum/_count.
  void Observe(const MetricFamily& family, std::initializer_list<MetricLabel> labels, double value);

  // A counter or gauge series' value (0 if absent); for a histogram, its count.
  double Value(std::string_view family, std::initializer_list<MetricLabel> labels) const;

  // Adds every series of `other` into this one (counters, gauges and
  // histograms alike: per-shard parts sum to the node's total).
  void Merge(const Metrics& other);

  // The Prometheus text format 0.0.4: families sorted by name, each with
  // HELP and TYPE lines, series sorted by their label text; histograms with
  // cumulative _bucket lines ending at le="+Inf", then _sum and _count.
  std::string Render() const;

  bool empty() const { return families_.empty(); }
  void Clear() { families_.clear(); }

 private:
  struct Series {
    double value = 0;
    std::vector<uint64_t> bucket_counts;  // histograms: per bucket, +Inf last
    double sum = 0;
    uint64_t count = 0;
  };
  struct Family {
    MetricType type = MetricType::kCounter;
    std::string help;
    std::vector<double> buckets;
    // Keyed by the rendered label text, e.g. topic="a",partition="0".
    std::map<std::string, Series, std::less<>> series;
  };

  Series& Find(const MetricFamily& family, std::initializer_list<MetricLabel> labels);

  std::map<std::string, Family, std::less<>> families_;
};

// Label text in exposition form: name="value" pairs joined by commas, values
// escaped (backslash, double quote, newline).
std::string RenderLabels(std::initializer_list<MetricLabel> labels);
// A sample value: integers without a fraction, +Inf, -Inf, NaN, otherwise the
// shortest text that reads back as the same double.
std::string FormatMetricValue(double value);

// --- hooks for the request path (all on the calling shard's registry) ---

// Counts a request of `api` now and observes its latency when `respond` is
// called (on whatever thread calls it: that thread's registry).
Respond MeasureRequest(std::string_view api, Respond respond);

struct RecordTally {
  int64_t records = 0;  // the sum of recordCount over the batches
  int64_t bytes = 0;    // bytes of the batches
};
// Walks the batch headers in `records`; stops at the first incomplete or
// malformed header (the append will reject those anyway).
RecordTally TallyRecords(ByteSpan records);
// After a successful append: messagesin and bytesin of `topic`.
void CountMessagesIn(std::string_view topic, const RecordTally& tally);
// When a Fetch response carries `bytes` of records of `topic`.
void CountBytesOut(std::string_view topic, size_t bytes);
// When a log's durable write completes (storage::PartitionLog::FlushObserver).
void ObserveLogFlush(std::chrono::nanoseconds elapsed);

// A copy of this shard's registry plus its scrape-time gauges: log size per
// partition, partition counts. Runs on `shard`'s thread.
Metrics SnapshotShardMetrics(ShardContext& shard);

}  // namespace cairn::broker
