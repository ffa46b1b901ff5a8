"""bench/compare's Cairn drivers (cairn_compare through librdkafka,
cairn_client_compare through Cairn's own C++ client) run as real processes
against a real cairnd: the records they report are exactly the records in the
log, one partition per connection, read back with confluent-kafka.
CAIRN_COMPARE and CAIRN_CLIENT_COMPARE name the drivers under test."""
import json
import os
import subprocess
import unittest

import confluent_kafka

from kafka_helpers import BrokerTestCase, consume_assigned

CONNECTIONS = 2
RECORD_BYTES = 100
RECORDS = 2001  # not a multiple of CONNECTIONS: the first connection sends one more


def high_watermark(bootstrap, topic, partition):
    consumer = confluent_kafka.Consumer({"bootstrap.servers": bootstrap, "group.id": "unused"})
    _, high = consumer.get_watermark_offsets(confluent_kafka.TopicPartition(topic, partition), timeout=20)
    consumer.close()
    return high


class CompareDriversTest(BrokerTestCase):

    def run_driver(self, variable, topic, paced=False):
        """Throughput mode, or (paced) RECORDS spread over one second at the fixed-load mode's schedule."""
        driver = os.environ.get(variable)
        if not driver:
            self.fail(variable + " is not set (tests/CMakeLists.txt sets it)")
        port = self.broker.bootstrap.rsplit(":", 1)[1]
        load = ["--rate", str(RECORDS), "--seconds", "1"] if paced else ["--total-bytes", str(RECORDS * RECORD_BYTES)]
        result = subprocess.run([driver, "--port", port, "--name", topic, "--connections", str(CONNECTIONS),
                                 "--record-bytes", str(RECORD_BYTES), "--window-bytes", "8K"] + load,
                                capture_output=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        report = json.loads(result.stdout)
        self.assertEqual(report["system"], "cairn")
        self.assertEqual(report["mode"], "rate" if paced else "throughput")
        self.assertEqual(report["records"], RECORDS)
        self.assertGreater(report["records_per_s"], 0)
        self.assertLessEqual(report["latency_p50_ms"], report["latency_max_ms"])
        return report

    def check_partitions(self, topic, leading_records):
        """Each connection's records, in its own partition, after `leading_records`."""
        expected = {p: RECORDS // CONNECTIONS + (1 if p < RECORDS % CONNECTIONS else 0) for p in range(CONNECTIONS)}
        total = RECORDS + len(leading_records) * CONNECTIONS
        consumed = consume_assigned(self.broker, topic, CONNECTIONS, total)
        for partition in range(CONNECTIONS):
            records = consumed[partition]
            self.assertEqual(high_watermark(self.broker.bootstrap, topic, partition), len(records))
            self.assertEqual([offset for offset, _, _ in records], list(range(len(records))))
            values = [value for _, _, value in records]
            self.assertEqual(values[:len(leading_records)], leading_records)
            body = values[len(leading_records):]
            self.assertEqual(len(body), expected[partition], "partition %d" % partition)
            self.assertEqual({len(v) for v in body}, {RECORD_BYTES})

    def test_librdkafka_driver_writes_exactly_the_records_it_reports(self):
        self.run_driver("CAIRN_COMPARE", "cmp-librdkafka")
        self.check_partitions("cmp-librdkafka", [])

    def test_cairn_client_driver_writes_exactly_the_records_it_reports(self):
        self.run_driver("CAIRN_CLIENT_COMPARE", "cmp-cairn-client")
        # One record per connection connects before the clock starts.
        self.check_partitions("cmp-cairn-client", [b"warm-up"])

    def test_cairn_client_driver_at_a_fixed_load_writes_exactly_the_records_it_reports(self):
        # Paced, the driver keeps one request in flight per partition, so
        # records gather in the client while it is out.
        self.run_driver("CAIRN_CLIENT_COMPARE", "cmp-cairn-client-paced", paced=True)
        self.check_partitions("cmp-cairn-client-paced", [b"warm-up"])


if __name__ == "__main__":
    unittest.main()
