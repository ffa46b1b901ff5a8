"""bench/compare's result scripts, on hand-written round files: median_round.py
picks the round with the median p99 and carries every round's p99 and host
steal, and report.py's fixed-load table shows each round's steal next to its
p99 (and leaves the column as before for rounds recorded without steal)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

COMPARE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "compare")
sys.path.insert(0, COMPARE)
import report  # noqa: E402


def round_file(directory, index, p99, steal=None):
    data = {"system": "cairn", "latency_p50_ms": 1.0 + index, "latency_p99_ms": p99, "latency_p999_ms": p99 + 1,
            "latency_max_ms": p99 + 2, "offered_records_per_s": 20000, "record_bytes": 1024,
            "records_per_s": 19990 + index}
    if steal is not None:
        data["host_steal_percent"] = steal
    path = os.path.join(directory, "cairn-rate-%d.json" % index)
    with open(path, "w") as f:
        json.dump(data, f)
    return path


def median_round(paths):
    out = subprocess.run([sys.executable, os.path.join(COMPARE, "median_round.py")] + paths, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


class MedianRoundTest(unittest.TestCase):

    def test_the_median_round_carries_every_rounds_p99_and_steal_in_round_order(self):
        with tempfile.TemporaryDirectory() as d:
            paths = [round_file(d, 1, 9.5, 0.0), round_file(d, 2, 15.1, 7.0), round_file(d, 3, 5.1, 0.6),
                     round_file(d, 4, 11.1, 3.0)]
            chosen = median_round(paths)
        # p99s sorted: 5.1, 9.5, 11.1, 15.1; with an even count the lower middle one.
        self.assertEqual(chosen["latency_p99_ms"], 9.5)
        self.assertEqual(chosen["latency_p50_ms"], 2.0)
        self.assertEqual(chosen["rounds_p99_ms"], [9.5, 15.1, 5.1, 11.1])
        self.assertEqual(chosen["rounds_steal_percent"], [0.0, 7.0, 0.6, 3.0])

    def test_rounds_without_steal_give_no_steal_list(self):
        with tempfile.TemporaryDirectory() as d:
            chosen = median_round([round_file(d, 1, 8.0, 2.0), round_file(d, 2, 6.0), round_file(d, 3, 7.0, 1.0)])
        self.assertEqual(chosen["latency_p99_ms"], 7.0)
        self.assertNotIn("rounds_steal_percent", chosen)


class ReportTableTest(unittest.TestCase):

    def fixed_load_row(self, run):
        lines = report.tables({"cairn-rate": run}, ["cairn"])
        rows = [line for line in lines if line.startswith("| Cairn | 20000 records/s")]
        self.assertEqual(len(rows), 1, lines)
        return rows[0]

    def test_each_round_shows_its_steal(self):
        run = {"offered_records_per_s": 20000, "record_bytes": 1024, "records_per_s": 19996,
               "latency_p50_ms": 1.9, "latency_p99_ms": 9.57, "latency_p999_ms": 24.38, "latency_max_ms": 34.33,
               "rounds_p99_ms": [5.11, 15.07, 9.57], "rounds_steal_percent": [0.0, 7.0, 2.6]}
        self.assertIn("| 5.11 (0%), 15.07 (7%), 9.57 (3%) |", self.fixed_load_row(run))

    def test_rounds_without_steal_show_the_p99_alone(self):
        run = {"offered_records_per_s": 20000, "record_bytes": 1024, "records_per_s": 19996,
               "latency_p50_ms": 1.9, "latency_p99_ms": 9.57, "latency_p999_ms": 24.38, "latency_max_ms": 34.33,
               "rounds_p99_ms": [5.11, 9.57]}
        self.assertIn("| 5.11, 9.57 |", self.fixed_load_row(run))


class ReportVerdictTest(unittest.TestCase):
    """Cairn's own client is the row the goals judge; the librdkafka row is shown, not judged, and is no peer."""

    @staticmethod
    def run_figures(records_per_s, p99):
        return {"records_per_s": records_per_s, "mb_per_s": records_per_s / 1000.0, "latency_p50_ms": p99 / 2,
                "latency_p99_ms": p99, "latency_p999_ms": p99 + 1, "latency_max_ms": p99 + 2,
                "offered_records_per_s": 20000, "record_bytes": 1024}

    def runs(self):
        runs = {}
        for system, records_per_s, p99 in (("cairn", 900000, 2.0), ("cairn_librdkafka", 800000, 2.5),
                                           ("nats", 100000, 2.2)):
            for key in ("100", "1024", "rate"):
                runs["%s-%s" % (system, key)] = self.run_figures(records_per_s, p99)
        return runs

    def test_goals_compare_cairns_own_client_with_the_peers_only(self):
        present = ["cairn", "cairn_librdkafka", "nats"]
        self.assertEqual(report.peers(present), ["nats"])
        checks = report.verdicts(self.runs(), present)
        self.assertEqual(checks, [
            "- Throughput, 100 B, Cairn ÷ NATS JetStream = 9.00 (goal ≥ 2): met",
            "- Throughput, 1024 B, Cairn ÷ NATS JetStream = 9.00 (goal ≥ 2): met",
            "- p99 at the fixed load, Cairn 2.00 ms vs NATS JetStream 2.20 ms (goal: lower): met",
        ])

    def test_the_p99_verdict_counts_the_rounds_cairn_was_lower_in(self):
        runs = self.runs()
        runs["cairn-rate"]["rounds_p99_ms"] = [2.4, 2.0, 1.9]
        runs["nats-rate"]["rounds_p99_ms"] = [2.3, 2.2, 2.2]
        checks = report.verdicts(runs, ["cairn", "nats"])
        self.assertEqual(checks[-1], "- p99 at the fixed load, Cairn 2.00 ms vs NATS JetStream 2.20 ms (goal: lower): "
                                     "met; Cairn's p99 the lower in 2 of 3 rounds")
        # Round lists of different lengths (a system skipped a round) are not paired.
        runs["nats-rate"]["rounds_p99_ms"] = [2.3, 2.2]
        self.assertTrue(report.verdicts(runs, ["cairn", "nats"])[-1].endswith("(goal: lower): met"))

    def test_the_librdkafka_row_shows_its_figures_and_ratios_to_cairn(self):
        lines = report.tables(self.runs(), ["cairn", "cairn_librdkafka", "nats"])
        rdkafka = [line for line in lines if line.startswith("| Cairn through librdkafka |")]
        self.assertEqual(len(rdkafka), 3, lines)
        self.assertIn("| 1024 B | 800000 | 800.0 |", rdkafka[1])
        self.assertTrue(rdkafka[1].endswith("| 1.12× |"), rdkafka[1])
        self.assertTrue(rdkafka[2].endswith("| 1.25× |"), rdkafka[2])


if __name__ == "__main__":
    unittest.main()
