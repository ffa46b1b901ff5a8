#include "broker/metrics.h"

#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <thread>

#include "common/record_batch.h"

namespace cairn::broker {
namespace {

constexpr double kTwoBuckets[] = {1, 2.5};
constexpr MetricFamily kTestCounter{"test_events_total", MetricType::kCounter, "Events seen."};
constexpr MetricFamily kTestGauge{"test_level", MetricType::kGauge, "A level with a \\ and\na newline."};
constexpr MetricFamily kTestHistogram{"test_latency_ms", MetricType::kHistogram, "Latency.", kTwoBuckets};

TEST_CASE("Metrics: a small registry renders the exact Prometheus text") {
  Metrics metrics;
  metrics.Add(kTestCounter, {{"topic", "b"}}, 2);
  metrics.Add(kTestCounter, {{"topic", "a"}}, 1);
  metrics.Add(kTestCounter, {{"topic", "b"}}, 3);
  metrics.Set(kTestGauge, {}, 0.25);
  metrics.Observe(kTestHistogram, {{"request", "Produce"}}, 0.5);
  metrics.Observe(kTestHistogram, {{"request", "Produce"}}, 2);
  metrics.Observe(kTestHistogram, {{"request", "Produce"}}, 7);
  CHECK(metrics.Render() ==
        "# HELP test_events_total Events seen.\n"
        "# TYPE test_events_total counter\n"
        "test_events_total{topic=\"a\"} 1\n"
        "test_events_total{topic=\"b\"} 5\n"
        "# HELP test_latency_ms Latency.\n"
        "# TYPE test_latency_ms histogram\n"
        "test_latency_ms_bucket{request=\"Produce\",le=\"1\"} 1\n"
        "test_latency_ms_bucket{request=\"Produce\",le=\"2.5\"} 2\n"
        "test_latency_ms_bucket{request=\"Produce\",le=\"+Inf\"} 3\n"
        "test_latency_ms_sum{request=\"Produce\"} 9.5\n"
        "test_latency_ms_count{request=\"Produce\"} 3\n"
        "# HELP test_level A level with a \\\\ and\\na newline.\n"
        "# TYPE test_level gauge\n"
        "test_level 0.25\n");
}

TEST_CASE("Metrics: label values are escaped and label order is kept") {
  Metrics metrics;
  metrics.Set(kTestGauge, {{"topic", "a\"b\\c\nd"}, {"partition", "0"}}, 1);
  CHECK(metrics.Render().find("test_level{topic=\"a\\\"b\\\\c\\nd\",partition=\"0\"} 1\n") != std::string::npos);
  CHECK(RenderLabels({{"x", "1"}, {"y", "2"}}) == "x=\"1\",y=\"2\"");
}

TEST_CASE("Metrics: a histogram without labels has only le on its buckets") {
  Metrics metrics;
  metrics.Observe(kTestHistogram, {}, 1);  // le is inclusive: 1 falls in le="1"
  const std::string text = metrics.Render();
  CHECK(text.find("test_latency_ms_bucket{le=\"1\"} 1\n") != std::string::npos);
  CHECK(text.find("test_latency_ms_bucket{le=\"+Inf\"} 1\n") != std::string::npos);
  CHECK(text.find("test_latency_ms_sum 1\ntest_latency_ms_count 1\n") != std::string::npos);
}

TEST_CASE("Metrics: values print as integers, shortest decimals, or Inf and NaN") {
  CHECK(FormatMetricValue(0) == "0");
  CHECK(FormatMetricValue(123456789012) == "123456789012");
  CHECK(FormatMetricValue(-3) == "-3");
  CHECK(FormatMetricValue(0.1) == "0.1");
  CHECK(FormatMetricValue(1234.5678) == "1234.5678");
  CHECK(FormatMetricValue(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(FormatMetricValue(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(FormatMetricValue(std::numeric_limits<double>::quiet_NaN()) == "NaN");
}

TEST_CASE("Metrics: merging shards sums counters, gauges and histogram buckets") {
  Metrics shard0;
  Metrics shard1;
  shard0.Add(kTestCounter, {{"topic", "a"}}, 4);
  shard1.Add(kTestCounter, {{"topic", "a"}}, 6);
  shard1.Add(kTestCounter, {{"topic", "only-on-1"}}, 1);
  shard0.Set(kTestGauge, {}, 2);
  shard1.Set(kTestGauge, {}, 3);
  shard0.Observe(kTestHistogram, {{"request", "Fetch"}}, 0.1);
  shard1.Observe(kTestHistogram, {{"request", "Fetch"}}, 100);
  Metrics total;
  total.Merge(shard0);
  total.Merge(shard1);
  CHECK(total.Value("test_events_total", {{"topic", "a"}}) == 10);
  CHECK(total.Value("test_events_total", {{"topic", "only-on-1"}}) == 1);
  CHECK(total.Value("test_level", {}) == 5);
  CHECK(total.Value("test_latency_ms", {{"request", "Fetch"}}) == 2);
  const std::string text = total.Render();
  CHECK(text.find("test_latency_ms_bucket{request=\"Fetch\",le=\"1\"} 1\n"
                  "test_latency_ms_bucket{request=\"Fetch\",le=\"2.5\"} 1\n"
                  "test_latency_ms_bucket{request=\"Fetch\",le=\"+Inf\"} 2\n"
                  "test_latency_ms_sum{request=\"Fetch\"} 100.1\n"
                  "test_latency_ms_count{request=\"Fetch\"} 2\n") != std::string::npos);
  // The parts are unchanged.
  CHECK(shard0.Value("test_events_total", {{"topic", "a"}}) == 4);
}

TEST_CASE("Metrics: an empty registry renders nothing") {
  CHECK(Metrics().Render().empty());
}

TEST_CASE("Metrics: each thread counts into its own registry") {
  Metrics::Local().Clear();
  Metrics::Local().Add(kTestCounter, {}, 1);
  double other_thread_value = -1;
  std::thread([&] {
    Metrics::Local().Add(kTestCounter, {}, 5);
    other_thread_value = Metrics::Local().Value("test_events_total", {});
  }).join();
  CHECK(other_thread_value == 5);
  CHECK(Metrics::Local().Value("test_events_total", {}) == 1);
  Metrics::Local().Clear();
}

TEST_CASE("Metrics: record tallies sum recordCount over the batches") {
  const std::pair<std::optional<std::string>, std::optional<std::string>> three[] = {
      {"k1", "v1"}, {std::nullopt, "v2"}, {"k3", std::nullopt}};
  const std::pair<std::optional<std::string>, std::optional<std::string>> two[] = {{"a", "b"}, {"c", "d"}};
  Buffer records = MakeRecordBatch(three);
  const Buffer second = MakeRecordBatch(two);
  records.insert(records.end(), second.begin(), second.end());
  RecordTally tally = TallyRecords(records);
  CHECK(tally.records == 5);
  CHECK(tally.bytes == static_cast<int64_t>(records.size()));
  // A torn tail is not counted.
  records.resize(records.size() - 1);
  tally = TallyRecords(records);
  CHECK(tally.records == 3);
  CHECK(TallyRecords({}).records == 0);
}

TEST_CASE("Metrics: a measured request is counted at once and timed when it answers") {
  Metrics::Local().Clear();
  bool answered = false;
  Respond respond = MeasureRequest("Produce", [&answered](Reply) { answered = true; });
  CHECK(Metrics::Local().Value("kafka_network_requestmetrics_requests_total", {{"request", "Produce"}}) == 1);
  CHECK(Metrics::Local().Value("kafka_network_requestmetrics_totaltimems", {{"request", "Produce"}}) == 0);
  std::move(respond)(Reply::NoResponse());
  CHECK(answered);
  CHECK(Metrics::Local().Value("kafka_network_requestmetrics_totaltimems", {{"request", "Produce"}}) == 1);
  CountMessagesIn("t", RecordTally{3, 100});
  CountBytesOut("t", 40);
  CHECK(Metrics::Local().Value("kafka_server_brokertopicmetrics_messagesin_total", {{"topic", "t"}}) == 3);
  CHECK(Metrics::Local().Value("kafka_server_brokertopicmetrics_bytesin_total", {{"topic", "t"}}) == 100);
  CHECK(Metrics::Local().Value("kafka_server_brokertopicmetrics_bytesout_total", {{"topic", "t"}}) == 40);
  Metrics::Local().Clear();
}

}  // namespace
}  // namespace cairn::broker
