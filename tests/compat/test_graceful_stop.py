"""SIGTERM while producers are busy (DESIGN.md §3, reliability.md §2): the
broker stops taking requests, lets the appends it accepted become durable,
closes every log cleanly and exits 0. Nothing acknowledged is lost, and the
clean close leaves each partition's producer state at its log end, so the
next start needs no recovery scan."""
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cairnd_process import Cairnd  # noqa: E402
from kafka_helpers import consume_assigned, create_topic  # noqa: E402

import confluent_kafka  # noqa: E402
from confluent_kafka import TopicPartition as CTopicPartition  # noqa: E402

PARTITIONS = 2


def log_end_offsets(broker, topic):
    consumer = confluent_kafka.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused"})
    try:
        return {p: consumer.get_watermark_offsets(CTopicPartition(topic, p), timeout=10)[1]
                for p in range(PARTITIONS)}
    finally:
        consumer.close()


class StopUnderLoad(unittest.TestCase):
    def setUp(self):
        self.broker = Cairnd().start()

    def tearDown(self):
        self.broker.stop()
        self.broker.cleanup()

    def produce_until_stopped(self, topic, acked, stop):
        producer = confluent_kafka.Producer({"bootstrap.servers": self.broker.bootstrap, "acks": "all",
                                             "enable.idempotence": True, "linger.ms": 1,
                                             "message.timeout.ms": 5000})

        def on_delivery(error, message):
            if error is None:
                acked.append((message.partition(), message.offset(), message.value()))

        sequence = 0
        while not stop.is_set():
            try:
                producer.produce(topic, value=b"record-%08d" % sequence, partition=sequence % PARTITIONS,
                                 on_delivery=on_delivery)
                sequence += 1
            except BufferError:
                producer.poll(0.01)
            producer.poll(0)
        producer.flush(10)

    def test_sigterm_during_produce_loses_no_acknowledged_record_and_closes_every_log_cleanly(self):
        topic = "stop-under-load"
        create_topic(self.broker, topic, PARTITIONS)
        acked = []
        stop = threading.Event()
        producer = threading.Thread(target=self.produce_until_stopped, args=(topic, acked, stop))
        producer.start()
        try:
            deadline = time.time() + 30
            while len(acked) < 20000 and time.time() < deadline:
                time.sleep(0.05)
            self.assertGreaterEqual(len(acked), 20000, "the producer got too few acknowledgements")
            # The producer is still sending: appends are in flight now.
            self.broker.proc.send_signal(signal.SIGTERM)
            code = self.broker.proc.wait(timeout=60)
        finally:
            stop.set()
            producer.join(timeout=60)
        logs = self.broker.logs()
        self.assertEqual(code, 0, logs)
        self.assertIn("stopped cleanly", logs)
        self.assertNotIn("unclean close", logs)
        self.broker.proc = None
        self.broker.log.close()

        # A clean close wrote each partition's producer state at its log end.
        snapshots = {}
        for p in range(PARTITIONS):
            directory = os.path.join(self.broker.dir, "data", "%s-%d" % (topic, p))
            names = [n for n in os.listdir(directory) if n.endswith(".snapshot")]
            self.assertEqual(len(names), 1, "partition %d: %s" % (p, sorted(os.listdir(directory))))
            snapshots[p] = int(names[0][:-len(".snapshot")])

        self.broker = Cairnd(data_dir=self.broker.dir, port=self.broker.port).start()
        ends = log_end_offsets(self.broker, topic)
        self.assertEqual(ends, snapshots)
        records = consume_assigned(self.broker, topic, PARTITIONS, sum(ends.values()), timeout=60)
        for p in range(PARTITIONS):
            stored = records[p]
            self.assertEqual([offset for offset, _, _ in stored], list(range(ends[p])), "partition %d" % p)
            # In each partition the records are the producer's, in its order.
            sequences = [int(value[len(b"record-"):]) for _, _, value in stored]
            self.assertEqual(sequences, sorted(set(sequences)), "partition %d" % p)
            self.assertTrue(all(s % PARTITIONS == p for s in sequences), "partition %d" % p)
        by_offset = {(p, offset): value for p in records for offset, _, value in records[p]}
        missing = [(p, o, v) for p, o, v in acked if by_offset.get((p, o)) != v]
        self.assertEqual(missing, [], "acknowledged records not read back as acknowledged")


if __name__ == "__main__":
    unittest.main()
