"""A full disk under a real cairnd, its log dir on a small tmpfs: appends fail
with KAFKA_STORAGE_ERROR and nothing acknowledged is lost; the broker keeps
running and serving reads and reports the partitions on /metrics; a topic
created on the full disk is offline (KAFKA_STORAGE_ERROR), not unknown. Once
space is freed, a restart truncates the torn tails and every partition takes
appends again at the next offset. Needs root, to mount the tmpfs."""
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cairnd_process import HTTP, Cairnd  # noqa: E402
from kafka_helpers import consume_assigned, create_topic  # noqa: E402
from test_admin_http import parse_metrics  # noqa: E402

import confluent_kafka  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

CAIRN_CLI = os.environ.get("CAIRN_CLI", "build/release/client/cli/cairn")
STORAGE_ERROR = confluent_kafka.KafkaError.KAFKA_STORAGE_ERROR
RECORD_BYTES = 1024


class SmallTmpfs:
    def __init__(self, size_mib):
        self.path = tempfile.mkdtemp(prefix="cairn-full-disk-")
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm" % size_mib, "tmpfs", self.path], check=True)

    def resize(self, size_mib):
        subprocess.run(["mount", "-o", "remount,size=%dm" % size_mib, self.path], check=True)

    def cleanup(self):
        subprocess.run(["umount", self.path], check=False)
        os.rmdir(self.path)


def value(i):
    head = b"record-%06d-" % i
    return head + b"x" * (RECORD_BYTES - len(head))


def produce_until_both_fail(broker, topic):
    """Sends records alternately to partitions 0 and 1, without retries, until
    both have failed; returns ({partition: [(offset, value)]}, [error codes])."""
    producer = confluent_kafka.Producer({"bootstrap.servers": broker.bootstrap, "acks": "all",
                                         "enable.idempotence": False, "message.send.max.retries": 0,
                                         "linger.ms": 1, "message.timeout.ms": 30000})
    acked = {0: [], 1: []}
    failed = {0: 0, 1: 0}
    codes = []

    def on_delivery(err, msg):
        if err is None:
            acked[msg.partition()].append((msg.offset(), msg.value()))
        else:
            failed[msg.partition()] += 1
            codes.append(err.code())

    i = 0
    while not (failed[0] and failed[1]) and i < 200000:
        for _ in range(256):
            producer.produce(topic, value=value(i), partition=i % 2, on_delivery=on_delivery)
            i += 1
        producer.flush(60)
    for p in acked:
        acked[p].sort()
    return acked, codes


def metric(broker, name):
    with HTTP.open("http://127.0.0.1:%d/metrics" % broker.admin_port, timeout=10) as response:
        samples, _ = parse_metrics(response.read().decode())
    return samples[(name, ())]


def produce_one(broker, topic, partition, retries=True):
    """One record with librdkafka (retrying for up to 5 s, or not at all):
    (error or None, offset)."""
    producer = confluent_kafka.Producer({"bootstrap.servers": broker.bootstrap, "acks": "all",
                                         "message.timeout.ms": 5000, "enable.idempotence": False,
                                         "message.send.max.retries": 5 if retries else 0})
    result = []
    producer.produce(topic, value=b"after", partition=partition,
                     on_delivery=lambda err, msg: result.append((err, msg.offset())))
    producer.flush(30)
    return result[0]


class FullDisk(unittest.TestCase):
    def setUp(self):
        self.disk = SmallTmpfs(16)
        self.broker = Cairnd("log.dirs=%s" % os.path.join(self.disk.path, "data"))

    def tearDown(self):
        self.broker.cleanup()
        self.disk.cleanup()

    def test_a_full_disk_refuses_appends_loses_nothing_and_a_restart_with_space_appends_again(self):
        self.broker.start()
        create_topic(self.broker, "full", 2)
        acked, codes = produce_until_both_fail(self.broker, "full")
        self.assertEqual(set(codes), {STORAGE_ERROR})
        for p in (0, 1):
            self.assertGreater(len(acked[p]), 1000)
            self.assertEqual([o for o, _ in acked[p]], list(range(len(acked[p]))))
        self.assertIsNone(self.broker.proc.poll(), "cairnd exited")
        self.assertEqual(metric(self.broker, "cairn_partitions_offline_for_writes"), 2)

        # Reads go on: exactly what was acknowledged, in order.
        consumed = consume_assigned(self.broker, "full", 2, len(acked[0]) + len(acked[1]))
        for p in (0, 1):
            self.assertEqual([(o, v) for o, _, v in consumed[p]], acked[p], "partition %d" % p)

        # The CLI names the storage error when the record's time runs out.
        cli = subprocess.run([CAIRN_CLI, "-b", self.broker.bootstrap, "--timeout", "2s", "produce", "full", "-p",
                              "0"], input=b"late\n", capture_output=True, timeout=60)
        self.assertEqual(cli.returncode, 1)
        self.assertIn(b"KAFKA_STORAGE_ERROR: log ", cli.stderr)
        self.assertIn(b"No space left on device", cli.stderr)

        # A topic created now: the metadata quorum may still take the command
        # (its log file has room in its last page) or may fail to persist it;
        # either way the answer is an error or a partition that says why.
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        late_created = True
        try:
            admin.create_topics([NewTopic("late", 1, 1)])["late"].result(timeout=30)
        except confluent_kafka.KafkaException as e:
            late_created = False
            self.assertIn("No space left on device", str(e))
        if late_created:
            err, _ = produce_one(self.broker, "late", 0, retries=False)
            self.assertIsNotNone(err)
            self.assertEqual(err.code(), STORAGE_ERROR)
            # (__consumer_offsets, created on the full disk by the consumer
            # above, is offline too.)
            self.assertGreaterEqual(metric(self.broker, "cairn_offline_partitions"), 1)
        self.assertIsNone(self.broker.proc.poll(), "cairnd exited")

        # Free space and restart: nothing acknowledged is lost, the torn
        # tails are gone, and appends continue at the next offset.
        # The offline logs cannot close cleanly, and the node says so rather
        # than "stopped cleanly"; it still exits 0 (nothing acknowledged is lost).
        self.disk.resize(64)
        self.assertEqual(self.broker.stop(), 0)
        last_line = self.broker.logs().rstrip("\n").rsplit("\n", 1)[-1]
        self.assertRegex(last_line, r"stopped; the logs of \d+ shard\(s\) did not close cleanly")
        self.assertNotIn("stopped cleanly", self.broker.logs())
        self.broker.start()
        self.assertEqual(metric(self.broker, "cairn_partitions_offline_for_writes"), 0)
        self.assertEqual(metric(self.broker, "cairn_offline_partitions"), 0)
        consumed = consume_assigned(self.broker, "full", 2, len(acked[0]) + len(acked[1]))
        for p in (0, 1):
            self.assertEqual([(o, v) for o, _, v in consumed[p]], acked[p], "partition %d after restart" % p)
            self.assertEqual(produce_one(self.broker, "full", p), (None, len(acked[p])))
        if late_created:
            self.assertEqual(produce_one(self.broker, "late", 0), (None, 0))
        self.assertEqual(self.broker.stop(), 0)
        self.assertTrue(self.broker.logs().rstrip("\n").endswith("stopped cleanly"))


if __name__ == "__main__":
    unittest.main()
