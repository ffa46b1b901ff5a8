// Per-shard metric registries and their Prometheus text exposition (see
// metrics.h). Format reference: Prometheus "Exposition formats", text 0.0.4.
#include "broker/metrics.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "broker/shard_context.h"
#include "common/check.h"
#include "common/record_batch.h"

namespace cairn::broker {
namespace {

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

void AppendEscaped(std::string* out, std::string_view text, bool escape_quote) {
  for (char c : text) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '"' && escape_quote) {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

void AppendLabels(std::string* out, std::initializer_list<MetricLabel> labels) {
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out->push_back(',');
    first = false;
    out->append(name);
    out->append("=\"");
    AppendEscaped(out, value, /*escape_quote=*/true);
    out->push_back('"');
  }
}

// `name{labels[,extra]} value\n`, without braces when there are no labels.
void AppendSample(std::string* out, std::string_view name, std::string_view labels, std::string_view extra,
                  double value) {
  out->append(name);
  if (!labels.empty() || !extra.empty()) {
    out->push_back('{');
    out->append(labels);
    if (!labels.empty() && !extra.empty()) out->push_back(',');
    out->append(extra);
    out->push_back('}');
  }
  out->push_back(' ');
  out->append(FormatMetricValue(value));
  out->push_back('\n');
}

}  // namespace

std::string RenderLabels(std::initializer_list<MetricLabel> labels) {
  std::string out;
  AppendLabels(&out, labels);
  return out;
}

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Integers (counts, bytes) print without exponent up to 2^53.
  if (value == std::floor(value) && std::fabs(value) <= 9007199254740992.0) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  CAIRN_CHECK(result.ec == std::errc()) << "to_chars";
  return std::string(buffer, result.ptr);
}

Metrics& Metrics::Local() {
  thread_local Metrics metrics;
  return metrics;
}

Metrics::Series& Metrics::Find(const MetricFamily& family, std::initializer_list<MetricLabel> labels) {
  auto it = families_.find(family.name);
  if (it == families_.end()) {
    Family created;
    created.type = family.type;
    created.help = std::string(family.help);
    created.buckets.assign(family.buckets.begin(), family.buckets.end());
    it = families_.emplace(std::string(family.name), std::move(created)).first;
  }
  CAIRN_CHECK(it->second.type == family.type) << family.name << " registered with another type";
  // Reused per thread: a lookup of an existing series allocates nothing.
  thread_local std::string key;
  key.clear();
  AppendLabels(&key, labels);
  auto series = it->second.series.find(key);
  if (series == it->second.series.end()) {
    Series fresh;
    if (family.type == MetricType::kHistogram) fresh.bucket_counts.assign(it->second.buckets.size() + 1, 0);
    series = it->second.series.emplace(key, std::move(fresh)).first;
  }
  return series->second;
}

void Metrics::Add(const MetricFamily& family, std::initializer_list<MetricLabel> labels, double delta) {
  CAIRN_CHECK(family.type != MetricType::kHistogram) << family.name;
  CAIRN_DCHECK(family.type != MetricType::kCounter || delta >= 0) << family.name << " " << delta;
  Find(family, labels).value += delta;
}

void Metrics::Set(const MetricFamily& family, std::initializer_list<MetricLabel> labels, double value) {
  CAIRN_CHECK(family.type == MetricType::kGauge) << family.name;
  Find(family, labels).value = value;
}

void Metrics::Observe(const MetricFamily& family, std::initializer_list<MetricLabel> labels, double value) {
  CAIRN_CHECK(family.type == MetricType::kHistogram) << family.name;
  Series& series = Find(family, labels);
  size_t bucket = 0;
  while (bucket < family.buckets.size() && value > family.buckets[bucket]) ++bucket;
  ++series.bucket_counts[bucket];
  series.sum += value;
  ++series.count;
}

double Metrics::Value(std::string_view family, std::initializer_list<MetricLabel> labels) const {
  auto it = families_.find(family);
  if (it == families_.end()) return 0;
  auto series = it->second.series.find(RenderLabels(labels));
  if (series == it->second.series.end()) return 0;
  return it->second.type == MetricType::kHistogram ? static_cast<double>(series->second.count)
                                                   : series->second.value;
}

void Metrics::Merge(const Metrics& other) {
  for (const auto& [name, theirs] : other.families_) {
    auto [it, inserted] = families_.try_emplace(name, Family{theirs.type, theirs.help, theirs.buckets, {}});
    Family& ours = it->second;
    CAIRN_CHECK(ours.type == theirs.type) << name << " has two types";
    CAIRN_CHECK(ours.buckets == theirs.buckets) << name << " has two bucket layouts";
    for (const auto& [labels, series] : theirs.series) {
      auto [mine, fresh] = ours.series.try_emplace(labels, series);
      if (fresh) continue;
      mine->second.value += series.value;
      mine->second.sum += series.sum;
      mine->second.count += series.count;
      CAIRN_CHECK(mine->second.bucket_counts.size() == series.bucket_counts.size()) << name;
      for (size_t i = 0; i < series.bucket_counts.size(); ++i) {
        mine->second.bucket_counts[i] += series.bucket_counts[i];
      }
    }
  }
}

std::string Metrics::Render() const {
  std::string out;
  for (const auto& [name, family] : families_) {
    if (family.series.empty()) continue;
    out.append("# HELP ").append(name).push_back(' ');
    AppendEscaped(&out, family.help, /*escape_quote=*/false);
    out.append("\n# TYPE ").append(name).push_back(' ');
    out.append(TypeName(family.type)).push_back('\n');
    for (const auto& [labels, series] : family.series) {
      if (family.type != MetricType::kHistogram) {
        AppendSample(&out, name, labels, "", series.value);
        continue;
      }
      const std::string bucket_name = name + "_bucket";
      uint64_t cumulative = 0;
      for (size_t i = 0; i < family.buckets.size(); ++i) {
        cumulative += series.bucket_counts[i];
        AppendSample(&out, bucket_name, labels, absl::StrCat("le=\"", FormatMetricValue(family.buckets[i]), "\""),
                     static_cast<double>(cumulative));
      }
      cumulative += series.bucket_counts.back();
      CAIRN_DCHECK(cumulative == series.count) << name;
      AppendSample(&out, bucket_name, labels, "le=\"+Inf\"", static_cast<double>(series.count));
      AppendSample(&out, name + "_sum", labels, "", series.sum);
      AppendSample(&out, name + "_count", labels, "", static_cast<double>(series.count));
    }
  }
  return out;
}

// ------------------------------------------------------------------ hooks

Respond MeasureRequest(std::string_view api, Respond respond) {
  Metrics::Local().Add(kRequestsTotal, {{"request", api}}, 1);
  const auto start = std::chrono::steady_clock::now();
  return [api, start, respond = std::move(respond)](Reply reply) mutable {
    const std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
    Metrics::Local().Observe(kRequestTotalTimeMs, {{"request", api}}, elapsed.count());
    std::move(respond)(std::move(reply));
  };
}

RecordTally TallyRecords(ByteSpan records) {
  RecordTally tally;
  tally.bytes = static_cast<int64_t>(records.size());
  size_t pos = 0;
  while (records.size() - pos >= kBatchHeaderBytes) {
    absl::StatusOr<RecordBatchHeader> header = ParseRecordBatchHeader(records.subspan(pos));
    if (!header.ok() || header->size_bytes() > records.size() - pos) break;
    tally.records += header->record_count;
    pos += header->size_bytes();
  }
  return tally;
}

void CountMessagesIn(std::string_view topic, const RecordTally& tally) {
  Metrics& metrics = Metrics::Local();
  metrics.Add(kMessagesIn, {{"topic", topic}}, static_cast<double>(tally.records));
  metrics.Add(kBytesIn, {{"topic", topic}}, static_cast<double>(tally.bytes));
}

void CountBytesOut(std::string_view topic, size_t bytes) {
  Metrics::Local().Add(kBytesOut, {{"topic", topic}}, static_cast<double>(bytes));
}

void ObserveLogFlush(std::chrono::nanoseconds elapsed) {
  Metrics::Local().Observe(kLogFlushTimeMs, {}, std::chrono::duration<double, std::milli>(elapsed).count());
}

Metrics SnapshotShardMetrics(ShardContext& shard) {
  Metrics snapshot = Metrics::Local();
  double online = 0;
  double offline = 0;
  double offline_for_writes = 0;
  if (shard.logs_ready()) {
    for (const TopicPartition& tp : shard.logs().Partitions()) {
      const storage::PartitionLog* log = shard.logs().Find(tp);
      if (log == nullptr) continue;
      ++online;
      if (!log->health().ok()) ++offline_for_writes;
      const std::string partition = absl::StrCat(tp.partition);
      snapshot.Set(kLogSize, {{"topic", tp.topic}, {"partition", partition}}, static_cast<double>(log->size_bytes()));
    }
    offline = static_cast<double>(shard.logs().offline().size());
  }
  // Summed over shards by Merge; single node: it leads all it hosts.
  snapshot.Set(kPartitions, {}, online);
  snapshot.Set(kPartitionCount, {}, online);
  snapshot.Set(kLeaderCount, {}, online);
  snapshot.Set(kUnderReplicated, {}, 0);
  snapshot.Set(kOfflinePartitions, {}, offline);
  snapshot.Set(kPartitionsOfflineForWrites, {}, offline_for_writes);
  snapshot.Set(kOfflinePartitionsCount, {}, offline);
  return snapshot;
}

}  // namespace cairn::broker
