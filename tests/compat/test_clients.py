"""Real Kafka clients against a real cairnd: kcat, confluent-kafka
(librdkafka) and kafka-python. Every test checks exact contents, order per
partition and offsets."""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cairnd_process import Cairnd  # noqa: E402
from kafka_helpers import BrokerTestCase, consume_assigned, create_topic  # noqa: E402

import confluent_kafka  # noqa: E402
from confluent_kafka import TopicPartition as CTopicPartition  # noqa: E402
import kafka  # noqa: E402  (kafka-python)
from kafka.admin import KafkaAdminClient, NewTopic as KNewTopic  # noqa: E402

KCAT = "kcat"


def kcat(broker, *args, stdin=None, timeout=30):
    result = subprocess.run([KCAT, "-b", broker.bootstrap] + list(args), input=stdin, capture_output=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise AssertionError("kcat %s failed (%d): %s" % (args, result.returncode, result.stderr.decode()))
    return result.stdout.decode()


class Clients(BrokerTestCase):
    def test_kcat_lists_the_broker_and_topics(self):
        create_topic(self.broker, "kcat-list", 3)
        metadata = json.loads(kcat(self.broker, "-L", "-J"))
        self.assertEqual([b["id"] for b in metadata["brokers"]], [1])
        self.assertEqual(metadata["brokers"][0]["name"], self.broker.bootstrap)
        topic = next(t for t in metadata["topics"] if t["topic"] == "kcat-list")
        self.assertEqual(sorted(p["partition"] for p in topic["partitions"]), [0, 1, 2])
        for p in topic["partitions"]:
            self.assertEqual(p["leader"], 1)

    def test_kcat_produces_and_consumes_exact_lines_with_offsets(self):
        create_topic(self.broker, "kcat-lines", 1)
        lines = ["k%d:value-%d" % (i, i) for i in range(100)]
        kcat(self.broker, "-P", "-t", "kcat-lines", "-p", "0", "-K", ":", stdin="\n".join(lines).encode() + b"\n")
        out = kcat(self.broker, "-C", "-t", "kcat-lines", "-p", "0", "-o", "beginning", "-e",
                   "-f", "%p %o %k %s\n")
        self.assertEqual(out.splitlines(), ["0 %d k%d value-%d" % (i, i, i) for i in range(100)])
        # From an offset in the middle.
        out = kcat(self.broker, "-C", "-t", "kcat-lines", "-p", "0", "-o", "95", "-e", "-f", "%o %s\n")
        self.assertEqual(out.splitlines(), ["%d value-%d" % (i, i) for i in range(95, 100)])

    def test_librdkafka_producer_with_every_codec_and_assign_consumer(self):
        for codec in ["none", "gzip", "snappy", "lz4", "zstd"]:
            topic = "rdkafka-" + codec
            create_topic(self.broker, topic, 4)
            producer = confluent_kafka.Producer({"bootstrap.servers": self.broker.bootstrap,
                                                 "compression.codec": codec, "linger.ms": 5, "acks": "all"})
            delivered = []
            for i in range(400):
                producer.produce(topic, key=b"key-%d" % (i % 13), value=b"%s-%d" % (codec.encode(), i),
                                 partition=i % 4,
                                 on_delivery=lambda err, msg: delivered.append((err, msg.partition(), msg.offset())))
            self.assertEqual(producer.flush(30), 0)
            self.assertEqual([d for d in delivered if d[0] is not None], [])
            consumed = consume_assigned(self.broker, topic, 4, 400)
            for p in range(4):
                expected = [(n, b"key-%d" % (i % 13), b"%s-%d" % (codec.encode(), i))
                            for n, i in enumerate(range(p, 400, 4))]
                self.assertEqual(consumed[p], expected, "codec %s partition %d" % (codec, p))

    def test_kafka_python_admin_producer_and_consumer(self):
        admin = KafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        admin.create_topics([KNewTopic("kpy", num_partitions=2, replication_factor=1)])
        admin.close()
        producer = kafka.KafkaProducer(bootstrap_servers=self.broker.bootstrap, acks=1)
        futures = [producer.send("kpy", key=b"k", value=b"v%d" % i, partition=i % 2) for i in range(50)]
        offsets = [(f.get(timeout=20).partition, f.get(timeout=20).offset) for f in futures]
        producer.close()
        self.assertEqual(offsets, [(i % 2, i // 2) for i in range(50)])
        consumer = kafka.KafkaConsumer(bootstrap_servers=self.broker.bootstrap, enable_auto_commit=False,
                                       auto_offset_reset="earliest", consumer_timeout_ms=5000)
        consumer.assign([kafka.TopicPartition("kpy", 0), kafka.TopicPartition("kpy", 1)])
        seen = {0: [], 1: []}
        for message in consumer:
            seen[message.partition].append((message.offset, message.value))
            if sum(len(v) for v in seen.values()) == 50:
                break
        consumer.close()
        for p in range(2):
            self.assertEqual(seen[p], [(n, b"v%d" % i) for n, i in enumerate(range(p, 50, 2))])

    def test_list_offsets_earliest_latest_and_by_time(self):
        create_topic(self.broker, "offsets", 1)
        producer = confluent_kafka.Producer({"bootstrap.servers": self.broker.bootstrap})
        for i in range(10):
            producer.produce("offsets", value=b"x", partition=0, timestamp=1_000_000 + i * 1000)
        producer.flush(20)
        consumer = confluent_kafka.Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "unused"})
        low, high = consumer.get_watermark_offsets(CTopicPartition("offsets", 0), timeout=10)
        self.assertEqual((low, high), (0, 10))
        found = consumer.offsets_for_times([CTopicPartition("offsets", 0, 1_000_000 + 4500)], timeout=10)
        self.assertEqual(found[0].offset, 5)
        consumer.close()

    def test_an_oversized_message_is_refused_with_message_too_large(self):
        create_topic(self.broker, "big", 1)
        producer = confluent_kafka.Producer({"bootstrap.servers": self.broker.bootstrap,
                                             "message.max.bytes": 5_000_000})
        errors = []
        producer.produce("big", value=b"x" * 2_000_000, partition=0,
                         on_delivery=lambda err, msg: errors.append(err))
        producer.flush(30)
        self.assertEqual(len(errors), 1)
        self.assertIsNotNone(errors[0])
        self.assertEqual(errors[0].code(), confluent_kafka.KafkaError.MSG_SIZE_TOO_LARGE)

    def test_a_waiting_fetch_returns_as_soon_as_data_arrives(self):
        create_topic(self.broker, "longpoll", 1)
        consumer = confluent_kafka.Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "unused",
                                             "enable.auto.commit": False, "fetch.wait.max.ms": 5000})
        consumer.assign([CTopicPartition("longpoll", 0, 0)])
        consumer.poll(1.0)  # the fetch is now parked on the broker
        start = time.time()
        producer = confluent_kafka.Producer({"bootstrap.servers": self.broker.bootstrap, "linger.ms": 0})
        producer.produce("longpoll", value=b"wake", partition=0)
        producer.flush(10)
        acknowledged = time.time()
        message = None
        while message is None and time.time() - start < 10:
            message = consumer.poll(0.05)
        arrived = time.time()
        consumer.close()
        self.assertIsNotNone(message)
        self.assertEqual(message.value(), b"wake")
        # fetch.wait.max.ms is 5 s: only a woken fetch delivers well before that.
        self.assertLess(arrived - acknowledged, 2.0, "the parked fetch should have been woken, not timed out")


class Durability(unittest.TestCase):
    def test_acknowledged_records_survive_kill_9(self):
        broker = Cairnd().start()
        try:
            create_topic(broker, "durable", 3)
            producer = confluent_kafka.Producer({"bootstrap.servers": broker.bootstrap, "acks": "all",
                                                 "linger.ms": 2})
            acked = []
            for i in range(3000):
                producer.produce("durable", value=b"r%d" % i, partition=i % 3,
                                 on_delivery=lambda err, msg: acked.append(msg.value()) if err is None else None)
                if i % 500 == 0:
                    producer.poll(0)
            producer.flush(30)
            self.assertEqual(len(acked), 3000)
            broker.kill()
            broker.start()
            consumed = consume_assigned(broker, "durable", 3, 3000)
            for p in range(3):
                self.assertEqual([v for _, _, v in consumed[p]], [b"r%d" % i for i in range(p, 3000, 3)])
                self.assertEqual([o for o, _, _ in consumed[p]], list(range(1000)))
            self.assertEqual(broker.stop(), 0)
        finally:
            broker.cleanup()


if __name__ == "__main__":
    unittest.main()
