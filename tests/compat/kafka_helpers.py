"""Helpers shared by the compatibility tests: topic creation, reading whole
partitions back with an assign()-consumer, and a test case base class that
runs one cairnd for the whole class."""
import time
import unittest

import confluent_kafka
from confluent_kafka import TopicPartition as CTopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from cairnd_process import Cairnd


def create_topic(broker, name, partitions, config=None):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    futures = admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1,
                                            config=config or {})])
    futures[name].result(timeout=20)


def consume_assigned(broker, topic, partitions, expected_count, timeout=30, with_headers=False):
    """Reads every partition from the beginning with assign(); returns
    {partition: [(offset, key, value[, headers]), ...]}."""
    consumer = confluent_kafka.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused",
                                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    consumer.assign([CTopicPartition(topic, p, confluent_kafka.OFFSET_BEGINNING) for p in range(partitions)])
    out = {p: [] for p in range(partitions)}
    deadline = time.time() + timeout
    got = 0
    while got < expected_count and time.time() < deadline:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            raise AssertionError(message.error())
        record = (message.offset(), message.key(), message.value())
        if with_headers:
            record += (message.headers(),)
        out[message.partition()].append(record)
        got += 1
    consumer.close()
    return out


class BrokerTestCase(unittest.TestCase):
    """One cairnd for the whole class; it must stop cleanly at the end."""
    overrides = ()

    @classmethod
    def setUpClass(cls):
        cls.broker = Cairnd(*cls.overrides).start()

    @classmethod
    def tearDownClass(cls):
        code = cls.broker.stop()
        logs = cls.broker.logs()
        cls.broker.cleanup()
        assert code == 0, "cairnd did not stop cleanly:\n" + logs
