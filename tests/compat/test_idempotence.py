"""Idempotent producers against a real cairnd: librdkafka with
enable.idempotence (InitProducerId, producer ids, epochs, sequences) delivers
every record exactly once, in order, across restarts of the broker."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cairnd_process import Cairnd  # noqa: E402
from kafka_helpers import consume_assigned, create_topic  # noqa: E402

import confluent_kafka  # noqa: E402


def produce_idempotently(broker, topic, partitions, count, codec):
    producer = confluent_kafka.Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True,
                                         "compression.codec": codec, "linger.ms": 5,
                                         "max.in.flight.requests.per.connection": 5})
    errors = []
    for i in range(count):
        producer.produce(topic, value=b"%s-%d" % (codec.encode(), i), partition=i % partitions,
                         on_delivery=lambda err, msg: errors.append(err) if err else None)
        if i % 1000 == 0:
            producer.poll(0)
    remaining = producer.flush(60)
    return remaining, errors


class Idempotence(unittest.TestCase):
    def test_idempotent_librdkafka_producer_delivers_exactly_once_with_every_codec(self):
        broker = Cairnd().start()
        try:
            for codec in ["none", "zstd", "lz4", "gzip", "snappy"]:
                topic = "idem-" + codec
                create_topic(broker, topic, 3)
                remaining, errors = produce_idempotently(broker, topic, 3, 3000, codec)
                self.assertEqual((remaining, errors), (0, []), codec)
                consumed = consume_assigned(broker, topic, 3, 3000)
                for p in range(3):
                    expected = [(n, None, b"%s-%d" % (codec.encode(), i)) for n, i in enumerate(range(p, 3000, 3))]
                    self.assertEqual(consumed[p], expected, "%s partition %d" % (codec, p))
            self.assertEqual(broker.stop(), 0)
        finally:
            broker.cleanup()

    def test_producer_ids_stay_unique_and_state_survives_a_restart(self):
        broker = Cairnd().start()
        try:
            create_topic(broker, "idem-restart", 1)
            self.assertEqual(produce_idempotently(broker, "idem-restart", 1, 500, "none"), (0, []))
            self.assertEqual(broker.stop(), 0)
            broker.start()
            self.assertEqual(produce_idempotently(broker, "idem-restart", 1, 500, "none"), (0, []))
            broker.kill()
            broker.start()
            self.assertEqual(produce_idempotently(broker, "idem-restart", 1, 500, "none"), (0, []))
            consumed = consume_assigned(broker, "idem-restart", 1, 1500)
            self.assertEqual([o for o, _, _ in consumed[0]], list(range(1500)))
            self.assertEqual([v for _, _, v in consumed[0]], [b"none-%d" % i for i in range(500)] * 3)
            self.assertEqual(broker.stop(), 0)
        finally:
            broker.cleanup()


if __name__ == "__main__":
    unittest.main()
