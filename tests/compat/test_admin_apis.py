"""Admin APIs against a real cairnd: DescribeConfigs (kafka-python,
confluent-kafka and hand-built v4), IncrementalAlterConfigs (hand-built: no
client here sends it; kafkajs 2.2.4 and confluent-kafka 1.7 only have the
older AlterConfigs), AlterConfigs (confluent-kafka, kafka-python),
CreatePartitions (confluent-kafka, kafka-python) and
OffsetForLeaderEpoch (hand-built: librdkafka 2.0.2 never sends it). Exact
values, sources, error codes and messages."""
import glob
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from kafka_helpers import BrokerTestCase, consume_assigned  # noqa: E402
import raw_kafka  # noqa: E402
from raw_kafka import OP_APPEND, OP_DELETE, OP_SET, RESOURCE_BROKER, RESOURCE_TOPIC  # noqa: E402

import confluent_kafka  # noqa: E402
from confluent_kafka import KafkaException  # noqa: E402
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewPartitions, NewTopic  # noqa: E402
from kafka.admin import ConfigResource as KConfigResource, ConfigResourceType  # noqa: E402
from kafka.admin import KafkaAdminClient, NewPartitions as KNewPartitions, NewTopic as KNewTopic  # noqa: E402

# Kafka error codes.
UNKNOWN_TOPIC_OR_PARTITION = 3
INVALID_PARTITIONS = 37
INVALID_CONFIG = 40
INVALID_REQUEST = 42
UNKNOWN_LEADER_EPOCH = 75
# DescribeConfigs config_source.
SOURCE_TOPIC = 1
SOURCE_STATIC_BROKER = 4
SOURCE_DEFAULT = 5


def admin(broker):
    """A new AdminClient. Keep it in a variable until its futures are done:
    a dropped client cancels them (_DESTROY)."""
    return AdminClient({"bootstrap.servers": broker.bootstrap})


def create_topic(broker, name, partitions, configs=None):
    client = admin(broker)
    futures = client.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1,
                                             config=configs or {})])
    futures[name].result(timeout=20)


def describe_topic(broker, name):
    """{key: confluent ConfigEntry} of a topic."""
    resource = ConfigResource("topic", name)
    client = admin(broker)
    return client.describe_configs([resource])[resource].result(timeout=20)


def produce(broker, topic, records, linger_ms=0):
    """records: [(partition, key, value)], each sent and flushed in order."""
    producer = confluent_kafka.Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": linger_ms})
    errors = []
    for partition, key, value in records:
        producer.produce(topic, value=value, key=key, partition=partition,
                         on_delivery=lambda err, msg: errors.append(err) if err else None)
        if linger_ms == 0:
            producer.flush(20)
    producer.flush(20)
    if errors:
        raise AssertionError(errors)


class AdminApis(BrokerTestCase):
    # DescribeConfigs

    def test_kafka_python_describes_an_override_and_a_default(self):
        client = KafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        try:
            client.create_topics([KNewTopic("kp-configs", 1, 1, topic_configs={"retention.ms": "12345"})])
            response = client.describe_configs([KConfigResource(ConfigResourceType.TOPIC, "kp-configs")])
        finally:
            client.close()
        self.assertEqual(len(response), 1)
        self.assertEqual(response[0].API_VERSION, 2)  # min(kafka-python max 2, ours 4)
        [(error, message, resource_type, name, entries)] = response[0].resources
        self.assertEqual((error, message, resource_type, name), (0, None, 2, "kp-configs"))
        by_name = {e[0]: e for e in entries}
        # (name, value, read_only, config_source, is_sensitive, synonyms)
        self.assertEqual(by_name["retention.ms"], ("retention.ms", "12345", False, SOURCE_TOPIC, False, []))
        self.assertEqual(by_name["segment.bytes"], ("segment.bytes", "1073741824", False, SOURCE_DEFAULT, False, []))
        self.assertEqual(by_name["cleanup.policy"][1:4], ("delete", False, SOURCE_DEFAULT))

    def test_confluent_describes_topic_keys_and_the_broker(self):
        create_topic(self.broker, "ck-configs", 1, {"retention.ms": "12345", "cleanup.policy": "compact"})
        entries = describe_topic(self.broker, "ck-configs")
        self.assertEqual(entries["retention.ms"].value, "12345")
        self.assertEqual(entries["retention.ms"].source, ConfigSource.DYNAMIC_TOPIC_CONFIG.value)
        self.assertEqual(entries["cleanup.policy"].value, "compact")
        self.assertEqual(entries["max.message.bytes"].value, "1048588")
        self.assertEqual(entries["max.message.bytes"].source, ConfigSource.DEFAULT_CONFIG.value)

        resource = ConfigResource("broker", "1")
        client = admin(self.broker)
        broker = client.describe_configs([resource])[resource].result(timeout=20)
        self.assertEqual(broker["num.partitions"].value, "1")
        self.assertEqual(broker["num.partitions"].source, ConfigSource.DEFAULT_CONFIG.value)
        self.assertTrue(broker["num.partitions"].is_read_only)
        self.assertEqual(broker["log.dirs"].value, os.path.join(self.broker.dir, "data"))
        self.assertEqual(broker["log.dirs"].source, ConfigSource.STATIC_BROKER_CONFIG.value)
        self.assertEqual(broker["log.retention.hours"].value, "168")
        self.assertEqual(broker["log.retention.ms"].value, "604800000")
        self.assertEqual(broker["log.segment.bytes"].value, "1073741824")
        self.assertEqual(broker["message.max.bytes"].value, "1048588")
        self.assertEqual(broker["auto.create.topics.enable"].value, "true")
        self.assertEqual(broker["default.replication.factor"].value, "1")
        self.assertEqual(broker["min.insync.replicas"].value, "1")

    def test_describe_configs_errors_per_resource(self):
        create_topic(self.broker, "desc-errors", 1)
        results = raw_kafka.describe_configs(self.broker.bootstrap, [
            (RESOURCE_TOPIC, "no-such-topic", None),
            (RESOURCE_TOPIC, "desc-errors", ["retention.ms", "not.a.key"]),
            (RESOURCE_BROKER, "2", None),
            (RESOURCE_BROKER, "", None),
            (3, "group", None),
        ], version=4)
        self.assertEqual([(r[0], r[2]) for r in results],
                         [(UNKNOWN_TOPIC_OR_PARTITION, "no-such-topic"), (0, "desc-errors"), (INVALID_REQUEST, "2"),
                          (0, ""), (INVALID_REQUEST, "group")])
        # Only the requested key, with its type (LONG = 5) and documentation (v3+).
        self.assertEqual(list(results[1][3]), ["retention.ms"])
        value, read_only, source, config_type, documentation = results[1][3]["retention.ms"]
        self.assertEqual((value, read_only, source, config_type), ("604800000", False, SOURCE_DEFAULT, 5))
        self.assertTrue(documentation)
        self.assertEqual(results[2][1], "Unexpected broker id, expected 1 or empty string, but received 2")
        self.assertEqual(results[3][3], {})  # no dynamic cluster-wide defaults
        for version in (0, 1, 2, 3):
            [(error, _, _, entries)] = raw_kafka.describe_configs(
                self.broker.bootstrap, [(RESOURCE_BROKER, "1", ["log.segment.bytes"])], version=version)
            self.assertEqual(error, 0)
            self.assertEqual(entries["log.segment.bytes"][0], "1073741824")
            self.assertEqual(entries["log.segment.bytes"][1], True)

    # IncrementalAlterConfigs

    def test_incremental_alter_sets_and_deletes_and_the_log_rolls_at_the_new_size(self):
        create_topic(self.broker, "alter-me", 1, {"retention.ms": "12345"})
        produce(self.broker, "alter-me", [(0, b"k0", b"v" * 300)])
        partition_dir = os.path.join(self.broker.dir, "data", "alter-me-0")
        self.assertEqual(len(glob.glob(os.path.join(partition_dir, "*.log"))), 1)

        for version in (0, 1):
            result = raw_kafka.incremental_alter_configs(self.broker.bootstrap, [
                (RESOURCE_TOPIC, "alter-me", [("segment.bytes", OP_SET, "1024"), ("retention.ms", OP_DELETE, None),
                                              ("cleanup.policy", OP_APPEND, "compact")]),
            ], version=version)
            self.assertEqual(result, [(0, None, RESOURCE_TOPIC, "alter-me")])
        entries = describe_topic(self.broker, "alter-me")
        self.assertEqual((entries["segment.bytes"].value, entries["segment.bytes"].source),
                         ("1024", ConfigSource.DYNAMIC_TOPIC_CONFIG.value))
        self.assertEqual((entries["retention.ms"].value, entries["retention.ms"].source),
                         ("604800000", ConfigSource.DEFAULT_CONFIG.value))
        self.assertEqual(entries["cleanup.policy"].value, "delete,compact")

        # The partition log took the new segment.bytes: ~400-byte batches roll
        # a new segment every two or three batches.
        produce(self.broker, "alter-me", [(0, b"k%d" % i, b"v" * 300) for i in range(1, 11)])
        self.assertGreaterEqual(len(glob.glob(os.path.join(partition_dir, "*.log"))), 4)
        got = consume_assigned(self.broker, "alter-me", 1, 11)
        self.assertEqual(got[0], [(i, b"k%d" % i, b"v" * 300) for i in range(11)])

    def test_incremental_alter_validate_only_and_errors(self):
        create_topic(self.broker, "alter-errors", 1)
        result = raw_kafka.incremental_alter_configs(self.broker.bootstrap, [
            (RESOURCE_TOPIC, "alter-errors", [("retention.ms", OP_SET, "5000")]),
        ], validate_only=True)
        self.assertEqual(result, [(0, None, RESOURCE_TOPIC, "alter-errors")])
        self.assertEqual(describe_topic(self.broker, "alter-errors")["retention.ms"].value, "604800000")

        result = raw_kafka.incremental_alter_configs(self.broker.bootstrap, [
            (RESOURCE_TOPIC, "alter-errors", [("retention.ms", OP_SET, "abc"), ("segment.bytes", OP_SET, "2048")]),
            (RESOURCE_TOPIC, "alter-errors-missing", [("retention.ms", OP_SET, "1")]),
            (RESOURCE_TOPIC, "alter-errors", [("bogus.key", OP_SET, "1")]),
            (RESOURCE_BROKER, "1", [("log.retention.ms", OP_SET, "1")]),
            (RESOURCE_TOPIC, "alter-errors2", [("retention.ms", OP_SET, None)]),
        ])
        codes = [(r[0], r[3]) for r in result]
        self.assertEqual(codes, [(INVALID_CONFIG, "alter-errors"), (UNKNOWN_TOPIC_OR_PARTITION, "alter-errors-missing"),
                                 (INVALID_REQUEST, "alter-errors"), (INVALID_REQUEST, "1"),
                                 (INVALID_CONFIG, "alter-errors2")])
        self.assertEqual(result[0][1],
                         "Invalid value abc for configuration retention.ms: Not a number of type LONG")
        self.assertIn("Dynamic broker configuration is not supported yet", result[3][1])
        self.assertEqual(result[4][1], "Null value not supported for : retention.ms")
        # All or nothing per resource: segment.bytes did not change either.
        self.assertEqual(describe_topic(self.broker, "alter-errors")["segment.bytes"].value, "1073741824")

        [(error, message, _, _)] = raw_kafka.incremental_alter_configs(self.broker.bootstrap, [
            (RESOURCE_TOPIC, "alter-errors", [("bogus.key", OP_SET, "1")])])
        self.assertEqual((error, message), (INVALID_CONFIG, "Unknown topic config name: bogus.key"))

    # AlterConfigs (legacy): the given keys become the topic's only overrides

    def test_legacy_alter_replaces_the_overrides_through_confluent_kafka_and_kafka_python(self):
        create_topic(self.broker, "legacy-alter", 1, {"retention.ms": "12345", "cleanup.policy": "compact"})
        client = admin(self.broker)
        resource = ConfigResource("topic", "legacy-alter", set_config={"segment.bytes": "1024",
                                                                       "max.message.bytes": "5000"})
        client.alter_configs([resource], validate_only=True)[resource].result(timeout=20)
        self.assertEqual(describe_topic(self.broker, "legacy-alter")["retention.ms"].value, "12345")

        client.alter_configs([resource])[resource].result(timeout=20)
        entries = describe_topic(self.broker, "legacy-alter")
        self.assertEqual({k: (e.value, e.source) for k, e in entries.items()
                          if k in ("segment.bytes", "max.message.bytes", "retention.ms", "cleanup.policy")},
                         {"segment.bytes": ("1024", ConfigSource.DYNAMIC_TOPIC_CONFIG.value),
                          "max.message.bytes": ("5000", ConfigSource.DYNAMIC_TOPIC_CONFIG.value),
                          "retention.ms": ("604800000", ConfigSource.DEFAULT_CONFIG.value),
                          "cleanup.policy": ("delete", ConfigSource.DEFAULT_CONFIG.value)})
        # The partition log took the new segment.bytes.
        partition_dir = os.path.join(self.broker.dir, "data", "legacy-alter-0")
        produce(self.broker, "legacy-alter", [(0, b"k%d" % i, b"v" * 300) for i in range(8)])
        self.assertGreaterEqual(len(glob.glob(os.path.join(partition_dir, "*.log"))), 3)
        self.assertEqual(consume_assigned(self.broker, "legacy-alter", 1, 8)[0],
                         [(i, b"k%d" % i, b"v" * 300) for i in range(8)])

        kadmin = KafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        try:
            response = kadmin.alter_configs([KConfigResource(ConfigResourceType.TOPIC, "legacy-alter",
                                                             configs={"retention.ms": "777"})])
        finally:
            kadmin.close()
        self.assertEqual([tuple(r) for r in response.resources], [(0, None, RESOURCE_TOPIC, "legacy-alter")])
        entries = describe_topic(self.broker, "legacy-alter")
        self.assertEqual((entries["retention.ms"].value, entries["retention.ms"].source),
                         ("777", ConfigSource.DYNAMIC_TOPIC_CONFIG.value))
        self.assertEqual(sorted(k for k, e in entries.items() if e.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value),
                         ["retention.ms"])

    def test_legacy_alter_errors_change_nothing(self):
        create_topic(self.broker, "legacy-errors", 1, {"retention.ms": "12345"})
        client = admin(self.broker)
        for set_config, code, message in [
                ({"retention.ms": "abc", "segment.bytes": "2048"}, INVALID_CONFIG,
                 "Invalid value abc for configuration retention.ms: Not a number of type LONG"),
                ({"bogus.key": "1"}, INVALID_CONFIG, "Unknown topic config name: bogus.key")]:
            resource = ConfigResource("topic", "legacy-errors", set_config=set_config)
            with self.assertRaises(KafkaException) as raised:
                client.alter_configs([resource])[resource].result(timeout=20)
            self.assertEqual((raised.exception.args[0].code(), raised.exception.args[0].str()), (code, message))
        entries = describe_topic(self.broker, "legacy-errors")
        self.assertEqual((entries["retention.ms"].value, entries["segment.bytes"].value), ("12345", "1073741824"))

        missing = ConfigResource("topic", "legacy-missing", set_config={"retention.ms": "1"})
        with self.assertRaises(KafkaException) as raised:
            client.alter_configs([missing])[missing].result(timeout=20)
        self.assertEqual(raised.exception.args[0].code(), UNKNOWN_TOPIC_OR_PARTITION)
        broker = ConfigResource("broker", "1", set_config={"log.retention.ms": "1"})
        with self.assertRaises(KafkaException) as raised:
            client.alter_configs([broker])[broker].result(timeout=20)
        self.assertEqual(raised.exception.args[0].code(), INVALID_REQUEST)
        self.assertIn("Dynamic broker configuration is not supported yet", raised.exception.args[0].str())

    # CreatePartitions

    def test_create_partitions_from_2_to_5_then_produce_to_partition_4(self):
        create_topic(self.broker, "grow", 2)
        client = admin(self.broker)
        client.create_partitions([NewPartitions("grow", 5)], validate_only=True)["grow"].result(timeout=20)
        self.assertEqual(len(client.list_topics("grow", timeout=10).topics["grow"].partitions), 2)
        client.create_partitions([NewPartitions("grow", 5)])["grow"].result(timeout=20)
        metadata = client.list_topics("grow", timeout=10).topics["grow"]
        self.assertEqual(sorted(metadata.partitions), [0, 1, 2, 3, 4])
        for p in metadata.partitions.values():
            self.assertEqual((p.leader, p.replicas, p.isrs), (1, [1], [1]))

        records = [(p, b"key-%d-%d" % (p, i), b"value-%d-%d" % (p, i)) for i in range(3) for p in (4, 0, 3)]
        produce(self.broker, "grow", records)
        got = consume_assigned(self.broker, "grow", 5, len(records))
        for p in range(5):
            expected = [(i, b"key-%d-%d" % (p, i), b"value-%d-%d" % (p, i)) for i in range(3)] if p in (0, 3, 4) else []
            self.assertEqual(got[p], expected, "partition %d" % p)

        with self.assertRaises(KafkaException) as caught:
            client.create_partitions([NewPartitions("grow", 3)])["grow"].result(timeout=20)
        error = caught.exception.args[0]
        self.assertEqual(error.code(), INVALID_PARTITIONS)
        self.assertEqual(error.str(), "The topic grow currently has 5 partition(s); 3 would not be an increase.")

    def test_kafka_python_create_partitions_errors(self):
        from kafka.errors import InvalidPartitionsError, UnknownTopicOrPartitionError
        create_topic(self.broker, "kp-grow", 1)
        client = KafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        try:
            response = client.create_partitions({"kp-grow": KNewPartitions(4)})
            self.assertEqual(response.topic_errors, [("kp-grow", 0, None)])
            with self.assertRaises(InvalidPartitionsError):
                client.create_partitions({"kp-grow": KNewPartitions(4)})
            with self.assertRaises(UnknownTopicOrPartitionError):
                client.create_partitions({"kp-missing": KNewPartitions(4)})
        finally:
            client.close()
        metadata = admin(self.broker).list_topics("kp-grow", timeout=10)
        self.assertEqual(len(metadata.topics["kp-grow"].partitions), 4)

    # OffsetForLeaderEpoch

    def test_offset_for_leader_epoch_answers_from_the_epoch_cache(self):
        create_topic(self.broker, "epochs", 2)
        produce(self.broker, "epochs", [(0, b"k", b"v%d" % i) for i in range(7)])
        for version in (0, 1, 2, 3, 4):
            results = raw_kafka.offset_for_leader_epoch(self.broker.bootstrap, [
                ("epochs", [(0, -1, 0), (1, -1, 0), (2, -1, 0)]),
                ("epochs-missing", [(0, -1, 0)]),
            ], version=version)
            epoch = 0 if version >= 1 else -1  # v0 has no leader_epoch in the answer
            self.assertEqual(results[("epochs", 0)], (0, epoch, 7), "v%d" % version)
            self.assertEqual(results[("epochs", 1)], (0, -1, -1), "v%d: an empty log" % version)
            self.assertEqual(results[("epochs", 2)][0], UNKNOWN_TOPIC_OR_PARTITION)
            self.assertEqual(results[("epochs-missing", 0)][0], UNKNOWN_TOPIC_OR_PARTITION)
        def ask(current_leader_epoch, leader_epoch):
            results = raw_kafka.offset_for_leader_epoch(self.broker.bootstrap,
                                                        [("epochs", [(0, current_leader_epoch, leader_epoch)])])
            return results[("epochs", 0)]
        self.assertEqual(ask(0, 5), (0, 0, 7))  # a later epoch: the latest one, ending at the log end
        self.assertEqual(ask(-1, -1), (0, -1, -1))  # before every epoch: undefined
        self.assertEqual(ask(3, 0)[0], UNKNOWN_LEADER_EPOCH)  # the client knows a newer leader than we do

    def test_offset_for_leader_epoch_from_a_replica_id_closes_the_connection(self):
        create_topic(self.broker, "epochs-replica", 1)
        with self.assertRaises(ConnectionError):
            raw_kafka.offset_for_leader_epoch(self.broker.bootstrap, [("epochs-replica", [(0, -1, 0)])],
                                              replica_id=1)
        # The broker is fine afterwards.
        results = raw_kafka.offset_for_leader_epoch(self.broker.bootstrap, [("epochs-replica", [(0, -1, 0)])])
        self.assertEqual(results[("epochs-replica", 0)], (0, -1, -1))



class PartitionCapacity(BrokerTestCase):
    """A broker registers how many partitions it can host (2 shards × 10
    here, its open-file limit being far higher); topics and partitions past
    that are refused whole, with the reason, and the broker keeps serving."""
    overrides = ("smp=2", "topic.partitions.per.shard=10", "offsets.topic.num.partitions=2")

    def test_topics_and_partitions_past_the_brokers_capacity_are_refused(self):
        client = admin(self.broker)
        client.create_topics([NewTopic("cap-a", num_partitions=15, replication_factor=1)])["cap-a"].result(timeout=20)
        refused = "Broker 1 hosts 15 partition replicas and can host 20 (its topic.partitions.per.shard and " \
                  "open-file limit); 6 more would exceed that."
        with self.assertRaises(KafkaException) as caught:
            client.create_topics([NewTopic("cap-b", num_partitions=6, replication_factor=1)])["cap-b"].result(timeout=20)
        self.assertEqual(caught.exception.args[0].code(), INVALID_PARTITIONS)
        self.assertEqual(caught.exception.args[0].str(), refused)
        with self.assertRaises(KafkaException) as caught:
            client.create_partitions([NewPartitions("cap-a", 21)])["cap-a"].result(timeout=20)
        self.assertEqual(caught.exception.args[0].code(), INVALID_PARTITIONS)
        self.assertEqual(caught.exception.args[0].str(), refused)
        # Nothing of the refused requests exists; up to the limit still works.
        topics = client.list_topics(timeout=10).topics
        self.assertNotIn("cap-b", topics)
        self.assertEqual(len(topics["cap-a"].partitions), 15)
        client.create_partitions([NewPartitions("cap-a", 20)])["cap-a"].result(timeout=20)
        records = [(p, b"k%d" % p, b"v%d" % p) for p in range(20)]
        produce(self.broker, "cap-a", records)
        got = consume_assigned(self.broker, "cap-a", 20, len(records))
        self.assertEqual({p: got[p] for p in range(20)}, {p: [(0, b"k%d" % p, b"v%d" % p)] for p in range(20)})
        # Deleting frees the room again. The consumer above made the internal
        # __consumer_offsets (2 partitions: never refused, but counted).
        client.delete_topics(["cap-a"])["cap-a"].result(timeout=20)
        client.create_topics([NewTopic("cap-c", num_partitions=18, replication_factor=1)])["cap-c"].result(timeout=20)
        with self.assertRaises(KafkaException) as caught:
            client.create_topics([NewTopic("cap-d", num_partitions=1, replication_factor=1)])["cap-d"].result(timeout=20)
        self.assertEqual(caught.exception.args[0].code(), INVALID_PARTITIONS)

if __name__ == "__main__":
    unittest.main()
