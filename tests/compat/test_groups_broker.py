"""Consumer groups from the broker's side: the broker killed with -9 under a live group, group requests no client would
send, the records of __consumer_offsets in Kafka's format, lag on /metrics
and through the admin APIs, and DeleteGroups."""
import struct
import subprocess
import time
import unittest
import urllib.request
import uuid

import confluent_kafka
import kafka
from confluent_kafka import TopicPartition as CTopicPartition

import raw_groups
from cairnd_process import HTTP, Cairnd
from group_harness import PARTITIONS, GroupScenario, wait_until
from kafka_helpers import BrokerTestCase, create_topic

OVERRIDES = ("group.initial.rebalance.delay.ms=0", "offsets.topic.num.partitions=5")

# Kafka's errors, by name.
MESSAGE_TOO_LARGE, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, MEMBER_ID_REQUIRED = 10, 22, 25, 79
UNKNOWN_TOPIC_OR_PARTITION, NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND = 3, 68, 69


def java_hash(s):
    h = 0
    data = s.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (h * 31 + int.from_bytes(data[i:i + 2], "big")) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


class GroupsFromTheBroker(GroupScenario, BrokerTestCase):
    overrides = OVERRIDES

    def test_group_requests_no_client_sends_get_the_right_errors(self):
        b = self.broker.bootstrap
        self.assertEqual(raw_groups.find_coordinator(b, self.group)[0], 0)
        # A subscription too large to ever be stored in __consumer_offsets.
        huge = raw_groups.join_group(b, self.group, protocols=(("range", b"x" * (2 << 20)),))
        self.assertEqual(huge["error"], MESSAGE_TOO_LARGE)
        # An id the coordinator never handed out.
        self.assertEqual(raw_groups.join_group(b, self.group, member_id="ghost")["error"], UNKNOWN_MEMBER_ID)
        first = raw_groups.join_group(b, self.group)
        self.assertEqual(first["error"], MEMBER_ID_REQUIRED)
        joined = raw_groups.join_group(b, self.group, member_id=first["member_id"])
        self.assertEqual(joined["error"], 0)
        self.assertEqual(joined["generation"], 1)
        self.assertEqual(joined["leader"], first["member_id"])
        me, generation = joined["member_id"], joined["generation"]
        self.assertEqual(raw_groups.sync_group(b, self.group, generation, me, [(me, b"A")]), (0, b"A"))
        # Stale generations and unknown members.
        self.assertEqual(raw_groups.heartbeat(b, self.group, generation - 1, me), ILLEGAL_GENERATION)
        self.assertEqual(raw_groups.heartbeat(b, self.group, generation, "stranger"), UNKNOWN_MEMBER_ID)
        self.assertEqual(raw_groups.sync_group(b, self.group, generation + 5, me)[0], ILLEGAL_GENERATION)
        self.assertEqual(raw_groups.offset_commit(b, self.group, generation + 1, me, [(self.topic, 0, 1)]),
                         [(self.topic, 0, ILLEGAL_GENERATION)])
        # Commits for topics or partitions that do not exist.
        self.assertEqual(raw_groups.offset_commit(b, self.group, generation, me,
                                                  [("no-such-topic", 0, 5), (self.topic, 99, 5), (self.topic, 1, 7)]),
                         [("no-such-topic", 0, UNKNOWN_TOPIC_OR_PARTITION), (self.topic, 99, UNKNOWN_TOPIC_OR_PARTITION),
                          (self.topic, 1, 0)])
        self.assertEqual(raw_groups.heartbeat(b, self.group, generation, me), 0)

    def test_consumer_offsets_holds_commits_and_group_metadata_in_kafkas_format(self):
        a = self.start_member()
        self.wait_stable([a])
        self.produce(4, "fmt")
        self.wait_all_consumed()
        admin = kafka.KafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        member_id = admin.describe_consumer_groups([self.group])[0].members[0].member_id
        admin.close()
        partition = abs(java_hash(self.group)) % 5
        consumer = confluent_kafka.Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "reader",
                                             "enable.auto.commit": False})
        _, end = consumer.get_watermark_offsets(CTopicPartition("__consumer_offsets", partition), timeout=10)
        consumer.assign([CTopicPartition("__consumer_offsets", partition, confluent_kafka.OFFSET_BEGINNING)])
        commits, groups = {}, []
        deadline = time.time() + 20
        position = 0
        while time.time() < deadline and position < end:
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            position = message.offset() + 1
            key = message.key()
            version = struct.unpack(">h", key[:2])[0]
            if version in (0, 1):
                group, topic, p = self.decode_offset_key(key)
                if group == self.group:
                    commits[(topic, p)] = self.decode_offset_value(message.value())
            elif version == 2:
                groups.append(self.decode_group_value(message.value()))
        consumer.close()
        self.assertEqual({k: v[0] for k, v in commits.items()},
                         {(self.topic, p): 4 for p in range(PARTITIONS)})
        self.assertTrue(all(v[1] == "" for v in commits.values()))
        stable = [g for g in groups if g["members"]]
        self.assertTrue(stable, "no group metadata record with members")
        last = stable[-1]
        self.assertEqual(last["protocol_type"], "consumer")
        self.assertEqual(last["protocol"], "range")
        self.assertEqual(last["leader"], member_id)
        self.assertEqual([m[0] for m in last["members"]], [member_id])

    # Kafka's record layouts (OffsetCommitKey v1, OffsetCommitValue v3,
    # GroupMetadataValue v3), decoded independently of the broker's code.
    @staticmethod
    def _string(data, pos):
        n = struct.unpack_from(">h", data, pos)[0]
        if n < 0:
            return None, pos + 2
        return data[pos + 2:pos + 2 + n].decode(), pos + 2 + n

    def decode_offset_key(self, key):
        group, pos = self._string(key, 2)
        topic, pos = self._string(key, pos)
        (partition,) = struct.unpack_from(">i", key, pos)
        self.assertEqual(pos + 4, len(key))
        return group, topic, partition

    def decode_offset_value(self, value):
        version, offset, epoch = struct.unpack_from(">hqi", value, 0)
        self.assertEqual(version, 3)
        metadata, pos = self._string(value, 14)
        (timestamp,) = struct.unpack_from(">q", value, pos)
        self.assertEqual(pos + 8, len(value))
        self.assertLess(abs(timestamp / 1000 - time.time()), 120)
        return offset, metadata, epoch

    def decode_group_value(self, value):
        (version,) = struct.unpack_from(">h", value, 0)
        self.assertEqual(version, 2)  # v3 only when a member is static
        protocol_type, pos = self._string(value, 2)
        (generation,) = struct.unpack_from(">i", value, pos)
        protocol, pos = self._string(value, pos + 4)
        leader, pos = self._string(value, pos)
        pos += 8  # current state timestamp
        (count,) = struct.unpack_from(">i", value, pos)
        pos += 4
        members = []
        for _ in range(count):
            member_id, pos = self._string(value, pos)
            instance_id = None
            client_id, pos = self._string(value, pos)
            host, pos = self._string(value, pos)
            rebalance_ms, session_ms, sub_len = struct.unpack_from(">iii", value, pos)
            pos += 12 + sub_len
            (assignment_len,) = struct.unpack_from(">i", value, pos)
            pos += 4 + assignment_len
            members.append((member_id, instance_id, client_id, host, session_ms))
        self.assertEqual(pos, len(value))
        return {"protocol_type": protocol_type, "generation": generation, "protocol": protocol, "leader": leader,
                "members": members}

    def test_lag_is_on_metrics_and_through_describe_offsets_and_list_offsets(self):
        a = self.start_member()
        self.wait_stable([a])
        self.produce(3, "lag")
        self.wait_all_consumed()
        a.stop()
        self.produce(2, "unread")  # 2 records of lag per partition
        with HTTP.open("http://127.0.0.1:%d/metrics" % self.broker.admin_port, timeout=5) as response:
            text = response.read().decode()
        for p in range(PARTITIONS):
            labels = 'consumergroup="%s",topic="%s",partition="%d"' % (self.group, self.topic, p)
            for line in ("kafka_consumergroup_lag{%s} 2" % labels,
                         "kafka_consumergroup_current_offset{%s} 3" % labels,
                         'kafka_topic_partition_current_offset{topic="%s",partition="%d"} 5' % (self.topic, p)):
                self.assertTrue(line + "\n" in text, "missing from /metrics: " + line)
        # What kafka-consumer-groups.sh --describe computes, with kafka-python.
        admin = kafka.KafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        self.assertIn((self.group, "consumer"), admin.list_consumer_groups())
        described = admin.describe_consumer_groups([self.group])[0]
        self.assertEqual(described.state, "Empty")
        offsets = admin.list_consumer_group_offsets(self.group)
        admin.close()
        self.assertEqual({tp.partition: om.offset for tp, om in offsets.items()}, {p: 3 for p in range(PARTITIONS)})
        consumer = kafka.KafkaConsumer(bootstrap_servers=self.broker.bootstrap)
        ends = consumer.end_offsets([kafka.TopicPartition(self.topic, p) for p in range(PARTITIONS)])
        consumer.close()
        self.assertEqual({tp.partition: end - offsets[tp].offset for tp, end in ends.items()},
                         {p: 2 for p in range(PARTITIONS)})

    def test_deleting_a_topic_deletes_its_committed_offsets_and_a_recreated_topic_starts_without_them(self):
        gone = "gone-" + uuid.uuid4().hex[:8]
        only_gone = self.group + "-only-gone"
        create_topic(self.broker, gone, 2)
        for group, offsets in ((self.group, [(self.topic, 0, 1), (gone, 0, 5), (gone, 1, 6)]),
                               (only_gone, [(gone, 1, 9)])):
            committer = confluent_kafka.Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": group,
                                                  "enable.auto.commit": False})
            committer.commit(offsets=[CTopicPartition(t, p, o) for t, p, o in offsets], asynchronous=False)
            committer.close()
        admin = kafka.KafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        try:
            def committed(group):
                return {(tp.topic, tp.partition): om.offset
                        for tp, om in admin.list_consumer_group_offsets(group).items()}
            self.assertEqual(committed(self.group), {(self.topic, 0): 1, (gone, 0): 5, (gone, 1): 6})
            self.assertEqual(committed(only_gone), {(gone, 1): 9})

            admin.delete_topics([gone])
            wait_until(lambda: committed(self.group) == {(self.topic, 0): 1}, 20, "the deleted topic's offsets to go")
            # A group left with no offsets and no members is gone too.
            wait_until(lambda: admin.describe_consumer_groups([only_gone])[0].state == "Dead", 20, "a dead group")
            self.assertNotIn(only_gone, [g for g, _ in admin.list_consumer_groups()])

            create_topic(self.broker, gone, 2)
            self.assertEqual(committed(self.group), {(self.topic, 0): 1})
            self.assertEqual(committed(only_gone), {})
        finally:
            admin.close()

    def test_delete_groups_refuses_active_groups_and_deletes_empty_ones(self):
        a = self.start_member()
        self.wait_stable([a])
        admin = kafka.KafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        try:
            results = dict(admin.delete_consumer_groups([self.group, "never-existed-" + self.group]))
            self.assertEqual(results[self.group].errno, NON_EMPTY_GROUP)
            self.assertEqual(results["never-existed-" + self.group].errno, GROUP_ID_NOT_FOUND)
            a.stop()
            wait_until(lambda: admin.describe_consumer_groups([self.group])[0].state == "Empty", 20, "an empty group")
            results = dict(admin.delete_consumer_groups([self.group]))
            self.assertEqual(results[self.group].errno, 0)
            self.assertEqual(admin.describe_consumer_groups([self.group])[0].state, "Dead")
            self.assertEqual(admin.list_consumer_group_offsets(self.group), {})
        finally:
            admin.close()


class GroupsSurviveBrokerKill9(GroupScenario, unittest.TestCase):
    """The broker is killed with -9 under a live group and restarted on the
    same port and data: commits and membership come back, and the members
    carry on without re-reading anything they committed."""

    def setUp(self):
        self.broker = Cairnd(*OVERRIDES).start()
        super().setUp()

    def tearDown(self):
        super().tearDown()
        code = self.broker.stop()
        logs = self.broker.logs()
        self.broker.cleanup()
        self.assertEqual(code, 0, logs)

    def describe(self):
        admin = kafka.KafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        try:
            group = admin.describe_consumer_groups([self.group])[0]
            return group.state, sorted(m.member_id for m in group.members)
        finally:
            admin.close()

    def test_commits_and_membership_recover_and_nothing_committed_is_read_again(self):
        a, b = self.start_member(), self.start_member()
        self.wait_stable([a, b])
        self.produce(10, "before")
        self.wait_all_consumed()
        state, members_before = self.describe()
        self.assertEqual(state, "Stable")

        self.broker.kill()
        self.broker = Cairnd(*OVERRIDES, data_dir=self.broker.dir, port=self.broker.port).start()
        state, members_after = self.describe()
        self.assertEqual(state, "Stable")
        self.assertEqual(members_after, members_before)

        self.produce(10, "after")
        self.wait_all_consumed()
        self.check_exactly_once()
        # Still the same members: nobody was evicted or had to rejoin.
        self.assertEqual(self.describe(), ("Stable", members_before))


if __name__ == "__main__":
    unittest.main()
