"""Median and range of kafka_bench's main figures over several runs (the
--json-file outputs given as arguments), for docs/benchmarks.md."""
import json
import statistics
import sys

# (JSON key, label, scale, unit)
FIGURES = [
    ("idle_rss_bytes", "idle RSS", 1 / 2**20, "MiB"),
    ("produce_a_records_per_s", "produce A, records/s", 1, ""),
    ("produce_a_mb_per_s", "produce A, MB/s", 1, ""),
    ("produce_b_mb_per_s", "produce A', MB/s", 1, ""),
    ("produce_a_broker_cpu_seconds", "broker CPU, produce A", 1, "s"),
    ("produce_a_producer_cpu_seconds", "producer CPU, produce A", 1, "s"),
    ("produce_a_latency_p50_ms", "produce latency p50 (A)", 1, "ms"),
    ("produce_a_latency_p99_ms", "produce latency p99 (A)", 1, "ms"),
    ("produce_a_latency_p999_ms", "produce latency p999 (A)", 1, "ms"),
    ("produce_a_latency_max_ms", "produce latency max (A)", 1, "ms"),
    ("bytes_per_sync", "broker bytes per fdatasync", 1, "B"),
    ("baseline_mb_per_s", "baseline write+fdatasync, 1 file, MB/s", 1, ""),
    ("baseline_streams_mb_per_s", "baseline, one file per partition, MB/s", 1, ""),
    ("produce_vs_baseline", "durable produce / baseline (goal >= 0.70)", 1, ""),
    ("produce_vs_baseline_streams", "durable produce / per-partition baseline", 1, ""),
    ("fetch_records_per_s", "fetch, records/s", 1, ""),
    ("fetch_mb_per_s", "fetch, MB/s", 1, ""),
    ("fetch_broker_cpu_seconds", "broker CPU during fetch", 1, "s"),
    ("fetch_consumer_cpu_seconds", "consumer CPU during fetch", 1, "s"),
    ("loopback_before_mb_per_s", "loopback TCP before, MB/s", 1, ""),
    ("loopback_after_mb_per_s", "loopback TCP after, MB/s", 1, ""),
    ("fetch_vs_loopback", "librdkafka fetch / loopback", 1, ""),
    ("fetch_thread_cpu_seconds", "librdkafka fetch thread CPU", 1, "s"),
    ("fetch_thread_ceiling_vs_loopback", "librdkafka fetch thread ceiling / loopback", 1, ""),
    ("raw_fetch_mb_per_s", "raw Fetch v4 client, 1 in flight, MB/s", 1, ""),
    ("raw_fetch_broker_cpu_seconds", "broker CPU during raw fetch, 1 in flight", 1, "s"),
    ("raw_fetch_vs_loopback", "raw fetch / loopback, 1 in flight", 1, ""),
    ("raw_fetch_2_in_flight_mb_per_s", "raw Fetch v4 client, 2 in flight, MB/s", 1, ""),
    ("raw_fetch_2_in_flight_broker_cpu_seconds", "broker CPU during raw fetch, 2 in flight", 1, "s"),
    ("raw_fetch_2_in_flight_vs_loopback", "raw fetch / loopback, 2 in flight (goal >= 0.50)", 1, ""),
    ("cpu_us_per_record", "broker CPU per 100 B record (goal <= 1)", 1, "us"),
    ("cpu_records_per_s", "CPU phase records/s", 1, ""),
    ("flood_idle_rss_bytes", "flood broker idle RSS", 1 / 2**20, "MiB"),
    ("flood_peak_rss_bytes", "flood peak RSS", 1 / 2**20, "MiB"),
    ("flood_budget_bytes", "flood budget", 1 / 2**20, "MiB"),
    ("flood_max_unacknowledged_bytes", "flood: client bytes unacknowledged, max", 1 / 2**20, "MiB"),
]


def main(paths):
    runs = []
    for path in paths:
        with open(path) as f:
            runs.append(json.load(f))
    print("%d runs: median [min - max]" % len(runs))
    for key, label, scale, unit in FIGURES:
        values = [r[key] * scale for r in runs if r.get(key) is not None]
        if not values:
            continue
        largest = max(abs(v) for v in values)
        digits = 3 if largest < 10 else 1 if largest < 1000 else 0
        fmt = "%%.%df" % digits
        print("  %-45s %s [%s - %s] %s" % (label, fmt % statistics.median(values), fmt % min(values),
                                          fmt % max(values), unit))


if __name__ == "__main__":
    main(sys.argv[1:])
