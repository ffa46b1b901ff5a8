"""The `cairn` CLI (client/cli, docs/cli.md) run as a real process against a
real cairnd, with exact output checked and cross-checked with kcat and
confluent-kafka (librdkafka). CAIRN_CLI names the binary under test."""
import json
import os
import re
import select
import signal
import struct
import subprocess
import time
import unittest

import confluent_kafka
from confluent_kafka import TopicPartition as CTopicPartition

import raw_groups
from cairnd_process import free_port
from kafka_helpers import BrokerTestCase, create_topic

CAIRN = os.environ.get("CAIRN_CLI", "build/release/client/cli/cairn")


def run(args, stdin=b"", env=None, timeout=120):
    full_env = dict(os.environ)
    full_env.pop("CAIRN_BROKERS", None)
    full_env.update(env or {})
    return subprocess.run([CAIRN] + list(args), input=stdin, capture_output=True, timeout=timeout, env=full_env)


def kcat(broker, *args, stdin=None):
    result = subprocess.run(["kcat", "-b", broker.bootstrap] + list(args), input=stdin, capture_output=True, timeout=60)
    if result.returncode != 0:
        raise AssertionError("kcat %s failed: %s" % (args, result.stderr.decode()))
    return result.stdout


def read_lines(proc, count, deadline_s=60):
    """The next `count` lines of a running cairn's stdout (opened with
    bufsize=0, so that select sees every byte not yet read), or fails after
    the deadline."""
    lines = []
    end = time.time() + deadline_s
    while len(lines) < count:
        ready, _, _ = select.select([proc.stdout], [], [], max(0, end - time.time()))
        if not ready:
            raise AssertionError("only %d of %d lines within %d s: %r" % (len(lines), count, deadline_s, lines))
        line = proc.stdout.readline()
        if not line:
            raise AssertionError("stdout ended after %r" % lines)
        lines.append(line)
    return lines


def rows(text):
    """A table's lines split into cells (cells never contain spaces here)."""
    return [line.split() for line in text.decode().splitlines()]


def run_into(path, args, stdin=b""):
    """Runs cairn with stdout on the file at `path` (/dev/full: every write
    fails with ENOSPC); returns the result with stderr captured."""
    full_env = dict(os.environ)
    full_env.pop("CAIRN_BROKERS", None)
    with open(path, "wb") as out:
        return subprocess.run([CAIRN] + list(args), input=stdin, stdout=out, stderr=subprocess.PIPE, timeout=120,
                              env=full_env)


class CairnCliTest(BrokerTestCase):

    def cairn(self, *args, stdin=b""):
        """Runs cairn against the class's broker and expects success with an empty stderr."""
        result = run(("--brokers", self.broker.bootstrap) + args, stdin=stdin)
        self.assertEqual(result.returncode, 0, "cairn %s failed: %s" % (args, result.stderr.decode()))
        self.assertEqual(result.stderr, b"", "cairn %s" % (args,))
        return result.stdout

    def fails(self, *args, status=1, brokers=True, stdin=b""):
        """Runs cairn expecting `status` and exactly one line on stderr; returns that line."""
        prefix = ("--brokers", self.broker.bootstrap) if brokers else ()
        result = run(prefix + args, stdin=stdin)
        self.assertEqual(result.returncode, status, "cairn %s: %s" % (args, result.stderr.decode()))
        lines = result.stderr.decode().splitlines()
        self.assertEqual(len(lines), 1, "stderr of cairn %s: %r" % (args, result.stderr))
        self.assertTrue(result.stderr.endswith(b"\n"))
        return lines[0]

    def metadata(self):
        admin = confluent_kafka.admin.AdminClient({"bootstrap.servers": self.broker.bootstrap})
        return admin.list_topics(timeout=20)

    # ---- topics ----

    def test_topic_create_describe_alter_add_partitions_list_delete(self):
        self.assertEqual(self.cairn("topic", "create", "cli-topic", "-p", "3", "-r", "1", "-c", "retention.ms=3600000"),
                         b"Created topic cli-topic.\n")
        out = self.cairn("topic", "describe", "cli-topic").decode()
        summary, partitions, configs = out.split("\n\n")
        self.assertEqual(summary, "NAME        cli-topic\nINTERNAL    false\nPARTITIONS  3\nREPLICAS    1")
        # Leaders, replicas and ISR as librdkafka sees them.
        meta = self.metadata().topics["cli-topic"].partitions
        lines = partitions.splitlines()
        self.assertEqual(lines[0], "PARTITION  LEADER  EPOCH  REPLICAS  ISR")
        self.assertEqual(len(lines), 4)
        for p, line in enumerate(lines[1:]):
            partition, leader, epoch, replicas, isr = line.split()
            self.assertEqual((int(partition), int(leader)), (p, meta[p].leader))
            self.assertEqual(replicas, ",".join(str(r) for r in meta[p].replicas))
            self.assertEqual(isr, ",".join(str(r) for r in meta[p].isrs))
            self.assertGreaterEqual(int(epoch), 0)
        config_rows = {r[0]: r[1:] for r in rows(configs.encode())}
        self.assertEqual(config_rows["CONFIG"], ["VALUE", "SOURCE"])
        self.assertEqual(config_rows["retention.ms"], ["3600000", "DYNAMIC_TOPIC_CONFIG"])
        self.assertEqual(config_rows["cleanup.policy"][0], "delete")
        self.assertNotEqual(config_rows["cleanup.policy"][1], "DYNAMIC_TOPIC_CONFIG")

        self.assertEqual(self.cairn("topic", "alter-config", "cli-topic", "--set", "cleanup.policy=compact",
                                    "--delete", "retention.ms"),
                         b"Altered configs of topic cli-topic.\n")
        configs = self.cairn("topic", "describe", "cli-topic").split(b"\n\n")[2]
        config_rows = {r[0]: r[1:] for r in rows(configs)}
        self.assertEqual(config_rows["cleanup.policy"], ["compact", "DYNAMIC_TOPIC_CONFIG"])
        self.assertNotEqual(config_rows["retention.ms"][1], "DYNAMIC_TOPIC_CONFIG")
        self.assertNotEqual(config_rows["retention.ms"][0], "3600000")

        self.assertEqual(self.cairn("topic", "add-partitions", "cli-topic", "-n", "5"),
                         b"Topic cli-topic now has 5 partitions.\n")
        self.assertIn(["PARTITIONS", "5"], rows(self.cairn("topic", "describe", "cli-topic")))
        listed = rows(self.cairn("topic", "list"))
        self.assertEqual(listed[0], ["NAME", "PARTITIONS", "REPLICAS"])
        self.assertIn(["cli-topic", "5", "1"], listed)

        self.assertEqual(self.cairn("topic", "delete", "cli-topic"), b"Deleted topic cli-topic.\n")
        line = self.fails("topic", "describe", "cli-topic")
        self.assertEqual(line, "cairn: cannot describe topic cli-topic: UNKNOWN_TOPIC_OR_PARTITION: cli-topic")
        self.assertNotIn(["cli-topic", "5", "1"], rows(self.cairn("topic", "list")))

    def test_creating_an_existing_topic_fails_with_kafkas_error_name(self):
        self.cairn("topic", "create", "cli-twice", "-p", "1")
        line = self.fails("topic", "create", "cli-twice", "-p", "1")
        self.assertTrue(line.startswith("cairn: cannot create topic cli-twice: TOPIC_ALREADY_EXISTS"), line)

    # ---- produce and consume ----

    def test_produce_counts_one_record_in_the_singular(self):
        self.cairn("topic", "create", "cli-single", "-p", "1")
        out = self.cairn("produce", "cli-single", stdin=b"only\n")
        self.assertRegex(out.decode(), r"^Produced 1 record to cli-single in \d+\.\d{3} s\.\n$")
        self.assertEqual(self.cairn("consume", "cli-single", "-e"), b"only\n")

    def test_produced_keys_values_and_headers_come_back_byte_exact(self):
        self.cairn("topic", "create", "cli-lines", "-p", "1")
        out = self.cairn("produce", "cli-lines", "-k", ":", "-H", "source=cli", "-H", "n=1",
                         stdin=b"k1:v1\nk2:hello world\nno key here\n:empty key\nk5:\n")
        self.assertRegex(out.decode(), r"^Produced 5 records to cli-lines in \d+\.\d{3} s\.\n$")
        got = self.cairn("consume", "cli-lines", "-n", "5", "--format", "%t|%p|%o|%k|%v|%h\\n")
        self.assertEqual(got, b"cli-lines|0|0|k1|v1|source=cli,n=1\n"
                              b"cli-lines|0|1|k2|hello world|source=cli,n=1\n"
                              b"cli-lines|0|2||no key here|source=cli,n=1\n"
                              b"cli-lines|0|3||empty key|source=cli,n=1\n"
                              b"cli-lines|0|4|k5||source=cli,n=1\n")
        # The default format is the value and a newline; -e stops at the end.
        self.assertEqual(self.cairn("consume", "cli-lines", "-e"), b"v1\nhello world\nno key here\nempty key\n\n")
        # Timestamps and keys agree with librdkafka's view (kcat).
        ours = self.cairn("consume", "cli-lines", "-e", "--format", "%o %T %k\\t%v\\n")
        theirs = kcat(self.broker, "-C", "-t", "cli-lines", "-o", "beginning", "-e", "-q", "-f", "%o %T %k\t%s\n")
        self.assertEqual(ours, theirs)

    def test_consume_from_offset_timestamp_and_end(self):
        self.cairn("topic", "create", "cli-from", "-p", "1")
        self.cairn("produce", "cli-from", stdin=b"".join(b"r%d\n" % i for i in range(5)))
        time.sleep(0.05)
        middle_ms = int(time.time() * 1000)
        time.sleep(0.05)
        self.cairn("produce", "cli-from", stdin=b"".join(b"r%d\n" % i for i in range(5, 10)))
        self.assertEqual(self.cairn("consume", "cli-from", "-e", "--from", "offset:7", "--format", "%o:%v\\n"),
                         b"7:r7\n8:r8\n9:r9\n")
        self.assertEqual(self.cairn("consume", "cli-from", "-e", "--from", "timestamp:%d" % middle_ms),
                         b"r5\nr6\nr7\nr8\nr9\n")
        self.assertEqual(self.cairn("consume", "cli-from", "-e", "--from", "end"), b"")
        # Kafka's words for the two ends, and a time in ISO-8601.
        self.assertEqual(self.cairn("consume", "cli-from", "-e", "--from", "latest"), b"")
        self.assertEqual(self.cairn("consume", "cli-from", "-e", "--from", "earliest", "--format", "%v,"),
                         b"r0,r1,r2,r3,r4,r5,r6,r7,r8,r9,")
        middle_iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(middle_ms // 1000)) + ".%03dZ" % (middle_ms % 1000)
        self.assertEqual(self.cairn("consume", "cli-from", "-e", "--from", "timestamp:" + middle_iso),
                         b"r5\nr6\nr7\nr8\nr9\n")
        self.assertEqual(self.fails("consume", "cli-from", "-e", "--from", "timestamp:2024-05-01T12:00:00", status=2),
                         "cairn consume: invalid time '2024-05-01T12:00:00' for --from: give milliseconds since "
                         "the epoch or an ISO-8601 time with a zone, like 2024-05-01T12:00:00Z "
                         "(see 'cairn consume --help')")
        self.assertEqual(self.cairn("consume", "cli-from", "-n", "2", "--from", "offset:3"), b"r3\nr4\n")

    def test_consume_reads_every_partition_and_one_with_p(self):
        self.cairn("topic", "create", "cli-parts", "-p", "3")
        for p in range(3):
            self.cairn("produce", "cli-parts", "-p", str(p), stdin=b"a%d\nb%d\n" % (p, p))
        got = sorted(self.cairn("consume", "cli-parts", "-e", "--format", "%p %o %v\\n").decode().splitlines())
        self.assertEqual(got, ["0 0 a0", "0 1 b0", "1 0 a1", "1 1 b1", "2 0 a2", "2 1 b2"])
        self.assertEqual(self.cairn("consume", "cli-parts", "-e", "-p", "2"), b"a2\nb2\n")

    def test_kcat_reads_what_cairn_wrote_and_cairn_reads_what_kcat_wrote(self):
        self.cairn("topic", "create", "cli-interop", "-p", "1")
        self.cairn("produce", "cli-interop", "-k", "=", "-H", "h=x", "--compression", "zstd",
                   stdin=b"alpha=one\nbeta=two\n")
        kcat(self.broker, "-P", "-t", "cli-interop", "-p", "0", "-K", "=", "-H", "k=y",
             stdin=b"gamma=three\ndelta=four\n")
        theirs = kcat(self.broker, "-C", "-t", "cli-interop", "-o", "beginning", "-e", "-q", "-f", "%o %k %s %h\n")
        self.assertEqual(theirs, b"0 alpha one h=x\n1 beta two h=x\n2 gamma three k=y\n3 delta four k=y\n")
        ours = self.cairn("consume", "cli-interop", "-e", "--format", "%o %k %v %h\\n")
        self.assertEqual(ours, theirs)

    def test_produce_to_a_missing_partition_fails_with_one_line(self):
        self.cairn("topic", "create", "cli-onepart", "-p", "1")
        result = run(("--brokers", self.broker.bootstrap, "produce", "cli-onepart", "-p", "7"), stdin=b"x\ny\n")
        self.assertEqual(result.returncode, 1)
        self.assertRegex(result.stdout.decode(), r"^Produced 0 records to cli-onepart in \d+\.\d{3} s\.\n$")
        lines = result.stderr.decode().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertTrue(lines[0].startswith("cairn: 2 of 2 records failed: UNKNOWN_TOPIC_OR_PARTITION"), lines)

    # ---- groups ----

    def committed_by_librdkafka(self, group, topic, offsets):
        """A confluent-kafka group member commits `offsets` ({partition: offset}) and leaves."""
        consumer = confluent_kafka.Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": group,
                                             "enable.auto.commit": False, "auto.offset.reset": "earliest"})
        consumer.commit(offsets=[CTopicPartition(topic, p, o) for p, o in offsets.items()], asynchronous=False)
        consumer.close()

    def test_group_describe_seek_and_delete_match_kafka_tools(self):
        self.cairn("topic", "create", "cli-grp", "-p", "2")
        self.cairn("produce", "cli-grp", "-p", "0", stdin=b"a\nb\nc\nd\n")
        self.cairn("produce", "cli-grp", "-p", "1", stdin=b"e\nf\ng\n")
        self.committed_by_librdkafka("cli-g1", "cli-grp", {0: 2, 1: 3})
        # Offsets committed outside a membership make a group with no protocol type.
        self.assertIn(["cli-g1", "-"], rows(self.cairn("group", "list")))
        self.assertEqual(self.cairn("group", "describe", "cli-g1"),
                         b"TOPIC    PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG  MEMBER-ID  CLIENT-ID\n"
                         b"cli-grp  0          2               4               2    -          -\n"
                         b"cli-grp  1          3               3               0    -          -\n")

        # A live member: its rows name it, and seek refuses to touch the group.
        member = confluent_kafka.Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "cli-g1",
                                           "client.id": "cli-member", "enable.auto.commit": False})
        member.subscribe(["cli-grp"])
        # It reads on from the committed offsets: c and d of partition 0.
        values = []
        deadline = time.time() + 30
        while len(values) < 2 and time.time() < deadline:
            message = member.poll(0.2)
            if message is not None and not message.error():
                values.append(message.value())
        self.assertEqual(values, [b"c", b"d"])
        self.assertEqual(len(member.assignment()), 2)
        self.assertIn(["cli-g1", "consumer"], rows(self.cairn("group", "list")))
        described = rows(self.cairn("group", "describe", "cli-g1"))
        self.assertEqual([r[:5] + r[6:] for r in described[1:]],
                         [["cli-grp", "0", "2", "4", "2", "cli-member"], ["cli-grp", "1", "3", "3", "0", "cli-member"]])
        self.assertTrue(described[1][5].startswith("cli-member-"), described[1][5])
        member.commit(asynchronous=False)
        described = rows(self.cairn("group", "describe", "cli-g1"))
        self.assertEqual([r[:5] + r[6:] for r in described[1:]],
                         [["cli-grp", "0", "4", "4", "0", "cli-member"], ["cli-grp", "1", "3", "3", "0", "cli-member"]])
        line = self.fails("group", "seek", "cli-g1", "--topic", "cli-grp", "--to", "earliest")
        self.assertEqual(line, "cairn: cannot seek group cli-g1: it has 1 active member(s) (state Stable); "
                               "stop its consumers first")
        line = self.fails("group", "delete", "cli-g1")
        self.assertTrue(line.startswith("cairn: cannot delete group cli-g1: NON_EMPTY_GROUP"), line)
        member.close()

        self.assertEqual(self.cairn("group", "seek", "cli-g1", "--topic", "cli-grp", "--to", "earliest"),
                         b"TOPIC    PARTITION  NEW-OFFSET\ncli-grp  0          0\ncli-grp  1          0\n")
        self.assertEqual(rows(self.cairn("group", "describe", "cli-g1"))[1:],
                         [["cli-grp", "0", "0", "4", "4", "-", "-"], ["cli-grp", "1", "0", "3", "3", "-", "-"]])
        self.cairn("group", "seek", "cli-g1", "--topic", "cli-grp", "--to", "offset:3")  # p1 clamps to its end, 3
        self.assertEqual(rows(self.cairn("group", "describe", "cli-g1"))[1:],
                         [["cli-grp", "0", "3", "4", "1", "-", "-"], ["cli-grp", "1", "3", "3", "0", "-", "-"]])
        self.cairn("group", "seek", "cli-g1", "--topic", "cli-grp", "--to", "latest")
        self.assertEqual(rows(self.cairn("group", "describe", "cli-g1"))[1:],
                         [["cli-grp", "0", "4", "4", "0", "-", "-"], ["cli-grp", "1", "3", "3", "0", "-", "-"]])
        # consume --from's words mean the same here.
        self.cairn("group", "seek", "cli-g1", "--topic", "cli-grp", "--to", "beginning")
        self.assertEqual(rows(self.cairn("group", "describe", "cli-g1"))[1:],
                         [["cli-grp", "0", "0", "4", "4", "-", "-"], ["cli-grp", "1", "0", "3", "3", "-", "-"]])
        self.cairn("group", "seek", "cli-g1", "--topic", "cli-grp", "--to", "end")
        self.assertEqual(rows(self.cairn("group", "describe", "cli-g1"))[1:],
                         [["cli-grp", "0", "4", "4", "0", "-", "-"], ["cli-grp", "1", "3", "3", "0", "-", "-"]])
        # Only the partitions listed, as kafka-consumer-groups.sh's --topic TOPIC:P,...
        self.assertEqual(self.cairn("group", "seek", "cli-g1", "--topic", "cli-grp:1", "--to", "offset:1"),
                         b"TOPIC    PARTITION  NEW-OFFSET\ncli-grp  1          1\n")
        self.assertEqual(rows(self.cairn("group", "describe", "cli-g1"))[1:],
                         [["cli-grp", "0", "4", "4", "0", "-", "-"], ["cli-grp", "1", "1", "3", "2", "-", "-"]])
        self.assertEqual(self.fails("group", "seek", "cli-g1", "--topic", "cli-grp:0,2", "--to", "earliest"),
                         "cairn: cannot seek group cli-g1: topic cli-grp has no partition 2 (2 partitions)")
        self.assertEqual(self.fails("group", "seek", "cli-g1", "--topic", "cli-grp:x", "--to", "earliest", status=2),
                         "cairn group seek: --topic wants TOPIC[:P,...] with partition numbers, got 'cli-grp:x'"
                         " (see 'cairn group seek --help')")
        # The whole topic named as well: every partition.
        self.cairn("group", "seek", "cli-g1", "--topic", "cli-grp:0", "--topic", "cli-grp", "--to", "end")
        self.assertEqual(rows(self.cairn("group", "describe", "cli-g1"))[1:],
                         [["cli-grp", "0", "4", "4", "0", "-", "-"], ["cli-grp", "1", "3", "3", "0", "-", "-"]])
        # librdkafka resumes where seek put the group.
        self.committed_by_librdkafka("cli-g2", "cli-grp", {0: 0})
        self.cairn("group", "seek", "cli-g2", "--topic", "cli-grp", "--to", "offset:1")
        reader = confluent_kafka.Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "cli-g2",
                                           "enable.auto.commit": False})
        committed = reader.committed([CTopicPartition("cli-grp", 0), CTopicPartition("cli-grp", 1)], timeout=20)
        reader.close()
        self.assertEqual([(tp.partition, tp.offset) for tp in committed], [(0, 1), (1, 1)])

        self.assertEqual(self.cairn("group", "delete", "cli-g1", "cli-g2"), b"Deleted group cli-g1.\nDeleted group cli-g2.\n")
        self.assertEqual(self.fails("group", "describe", "cli-g1"), "cairn: group cli-g1 does not exist")

    def test_group_describe_survives_the_deletion_of_a_topic_the_group_committed_on(self):
        self.cairn("topic", "create", "cli-gone", "-p", "2")
        self.cairn("topic", "create", "cli-live", "-p", "1")
        self.cairn("produce", "cli-live", stdin=b"a\nb\nc\n")
        self.cairn("group", "seek", "cli-gmix", "--topic", "cli-gone", "--to", "earliest")
        self.cairn("group", "seek", "cli-gmix", "--topic", "cli-live", "--to", "offset:1")
        self.cairn("topic", "delete", "cli-gone")
        result = run(("--brokers", self.broker.bootstrap, "group", "describe", "cli-gmix"))
        self.assertEqual(result.returncode, 0, result.stderr)
        header = b"TOPIC     PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG  MEMBER-ID  CLIENT-ID\n"
        live = b"cli-live  0          1               3               2    -          -\n"
        if result.stdout == header + live:  # the broker dropped the deleted topic's offsets
            self.assertEqual(result.stderr, b"")
        else:
            self.assertEqual(result.stdout, header +
                             b"cli-gone  0          0               -               -    -          -\n"
                             b"cli-gone  1          0               -               -    -          -\n" + live)
            self.assertEqual(result.stderr, b"cairn group describe: warning: log end offset unknown for cli-gone-0, "
                                            b"cli-gone-1 (UNKNOWN_TOPIC_OR_PARTITION: no leader known for cli-gone-0)\n")
        # Seeking on the topic now says what is wrong with the request.
        self.assertEqual(self.fails("group", "seek", "cli-gmix", "--topic", "cli-gone", "--to", "earliest"),
                         "cairn: cannot seek group cli-gmix: topic cli-gone does not exist")

    def test_group_describe_shows_dashes_where_no_broker_knows_the_log_end(self):
        """A member owns a partition no broker leads (a topic deleted after the
        assignment; here an assignment sent by hand): its log end and lag
        are '-', with a warning, and every other row keeps its numbers.
        Describe used to fail as a whole."""
        self.cairn("topic", "create", "cli-known", "-p", "1")
        self.cairn("produce", "cli-known", stdin=b"a\nb\nc\n")
        group, bootstrap = "cli-gghost", self.broker.bootstrap
        deadline = time.time() + 30  # until __consumer_offsets exists and is loaded
        while raw_groups.find_coordinator(bootstrap, group)[0] != 0:
            self.assertLess(time.time(), deadline, "no coordinator for " + group)
            time.sleep(0.1)
        first = raw_groups.join_group(bootstrap, group)
        joined = raw_groups.join_group(bootstrap, group, member_id=first["member_id"])
        self.assertEqual(joined["error"], 0)
        me, generation = joined["member_id"], joined["generation"]

        def topic(name, partitions):  # ConsumerProtocolAssignment v0's TopicPartition
            return struct.pack(">h", len(name)) + name.encode() + struct.pack(">i", len(partitions)) + b"".join(
                struct.pack(">i", p) for p in partitions)
        assignment = (struct.pack(">hi", 0, 2) + topic("cli-ghost", [0]) + topic("cli-known", [0])
                      + struct.pack(">i", -1))
        self.assertEqual(raw_groups.sync_group(bootstrap, group, generation, me, [(me, assignment)]), (0, assignment))
        self.assertEqual(raw_groups.offset_commit(bootstrap, group, generation, me, [("cli-known", 0, 1)]),
                         [("cli-known", 0, 0)])
        result = run(("--brokers", bootstrap, "group", "describe", group))
        self.assertEqual((result.returncode, result.stderr),
                         (0, b"cairn group describe: warning: log end offset unknown for cli-ghost-0 "
                             b"(UNKNOWN_TOPIC_OR_PARTITION: no leader known for cli-ghost-0)\n"))
        self.assertEqual(rows(result.stdout), [
            ["TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "MEMBER-ID", "CLIENT-ID"],
            ["cli-ghost", "0", "-", "-", "-", me, "cairn-raw"],
            ["cli-known", "0", "1", "3", "2", me, "cairn-raw"]])

    def test_group_seek_to_timestamp_in_ms_and_iso_8601(self):
        self.cairn("topic", "create", "cli-ts", "-p", "2")
        base = 1714564800000  # 2024-05-01T12:00:00Z
        producer = confluent_kafka.Producer({"bootstrap.servers": self.broker.bootstrap})
        # Partition 0: offsets 0, 1, 2 at base, +1 s, +2 s; partition 1: offsets 0, 1 at +0.5 s, +1.5 s.
        for partition, delta in [(0, 0), (0, 1000), (0, 2000), (1, 500), (1, 1500)]:
            producer.produce("cli-ts", value=b"x", partition=partition, timestamp=base + delta)
        self.assertEqual(producer.flush(30), 0)

        def seek(when):
            return rows(self.cairn("group", "seek", "cli-gt", "--topic", "cli-ts", "--to-timestamp", when))

        # The first offset whose timestamp is at least the time, per partition.
        self.assertEqual(seek(str(base + 1000)), [["TOPIC", "PARTITION", "NEW-OFFSET"],
                                                  ["cli-ts", "0", "1"], ["cli-ts", "1", "1"]])
        self.assertEqual(seek("2024-05-01T12:00:01.500Z")[1:], [["cli-ts", "0", "2"], ["cli-ts", "1", "1"]])
        self.assertEqual(seek("2024-05-01T14:00:00.250+02:00")[1:], [["cli-ts", "0", "1"], ["cli-ts", "1", "0"]])
        self.assertEqual(seek(str(base))[1:], [["cli-ts", "0", "0"], ["cli-ts", "1", "0"]])
        # No record that recent: the end of each partition.
        self.assertEqual(seek("2024-05-01T12:00:10Z")[1:], [["cli-ts", "0", "3"], ["cli-ts", "1", "2"]])
        # What librdkafka then reads as the group's committed offsets.
        seek("2024-05-01T12:00:01Z")
        reader = confluent_kafka.Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "cli-gt",
                                           "enable.auto.commit": False})
        committed = reader.committed([CTopicPartition("cli-ts", 0), CTopicPartition("cli-ts", 1)], timeout=20)
        reader.close()
        self.assertEqual([(tp.partition, tp.offset) for tp in committed], [(0, 1), (1, 1)])

        line = self.fails("group", "seek", "cli-gt", "--topic", "cli-ts", "--to-timestamp", "2024-05-01T12:00:00",
                          status=2)
        self.assertTrue(line.startswith("cairn group seek: invalid time '2024-05-01T12:00:00' for --to-timestamp"),
                        line)
        line = self.fails("group", "seek", "cli-gt", "--topic", "cli-ts", "--to", "earliest",
                          "--to-timestamp", "0", status=2)
        self.assertEqual(line, "cairn group seek: give either --to or --to-timestamp, not both "
                               "(see 'cairn group seek --help')")

    def test_consume_with_a_group_commits_what_it_printed(self):
        self.cairn("topic", "create", "cli-gc", "-p", "1")
        self.cairn("produce", "cli-gc", stdin=b"1\n2\n3\n4\n5\n")
        self.assertEqual(self.cairn("consume", "cli-gc", "-g", "cli-gc-group", "-n", "3"), b"1\n2\n3\n")
        self.assertEqual(self.cairn("group", "describe", "cli-gc-group"),
                         b"TOPIC   PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG  MEMBER-ID  CLIENT-ID\n"
                         b"cli-gc  0          3               5               2    -          -\n")
        self.assertEqual(self.cairn("consume", "cli-gc", "-g", "cli-gc-group", "-n", "2"), b"4\n5\n")
        self.assertEqual(rows(self.cairn("group", "describe", "cli-gc-group"))[1],
                         ["cli-gc", "0", "5", "5", "0", "-", "-"])

    def test_consume_with_a_group_whose_output_fails_commits_nothing(self):
        """Records written to a full disk were not printed: the group must read them again."""
        self.cairn("topic", "create", "cli-full", "-p", "1")
        self.cairn("produce", "cli-full", stdin=b"1\n2\n3\n4\n5\n")
        result = run_into("/dev/full", ("--brokers", self.broker.bootstrap, "consume", "cli-full", "-g", "cli-full-g",
                                        "-n", "5"))
        self.assertEqual((result.returncode, result.stderr), (1, b"cairn: cannot write output: No space left on device\n"))
        self.assertEqual(self.cairn("group", "describe", "cli-full-g"),
                         b"TOPIC  PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG  MEMBER-ID  CLIENT-ID\n")
        self.assertEqual(self.cairn("consume", "cli-full", "-g", "cli-full-g", "-n", "5"), b"1\n2\n3\n4\n5\n")
        self.assertEqual(rows(self.cairn("group", "describe", "cli-full-g"))[1:],
                         [["cli-full", "0", "5", "5", "0", "-", "-"]])

    def test_consume_into_a_pipe_whose_reader_left_stops_at_once(self):
        """`cairn consume T -g G | head -1`: once the reader is gone, consume
        exits 1 naming the broken pipe (it used to wait forever), and commits
        only what the pipe took."""
        self.cairn("topic", "create", "cli-pipe", "-p", "1")
        self.cairn("produce", "cli-pipe", stdin=b"a\nb\nc\n")
        read_end, write_end = os.pipe()
        with subprocess.Popen([CAIRN, "--brokers", self.broker.bootstrap, "consume", "cli-pipe", "-g", "cli-pipe-g"],
                              stdout=write_end, stderr=subprocess.PIPE) as proc:
            os.close(write_end)
            try:
                with os.fdopen(read_end, "rb") as reader:
                    self.assertEqual(reader.readline(), b"a\n")
                began = time.monotonic()
                self.assertEqual(proc.wait(timeout=10), 1)
                self.assertLess(time.monotonic() - began, 5)
                self.assertEqual(proc.stderr.read(), b"cairn: cannot write output: Broken pipe\n")
            finally:
                if proc.poll() is None:
                    proc.kill()
        # a, b and c reached the pipe in one write before its reader left.
        self.assertEqual(rows(self.cairn("group", "describe", "cli-pipe-g"))[1:],
                         [["cli-pipe", "0", "3", "3", "0", "-", "-"]])
        # Records arriving after the reader left are never committed.
        read_end, write_end = os.pipe()
        with subprocess.Popen([CAIRN, "--brokers", self.broker.bootstrap, "consume", "cli-pipe", "-g", "cli-pipe-g"],
                              stdout=write_end, stderr=subprocess.PIPE) as proc:
            os.close(write_end)
            os.close(read_end)
            try:
                self.cairn("produce", "cli-pipe", stdin=b"d\n")
                self.assertEqual(proc.wait(timeout=10), 1)
                self.assertEqual(proc.stderr.read(), b"cairn: cannot write output: Broken pipe\n")
            finally:
                if proc.poll() is None:
                    proc.kill()
        self.assertEqual(rows(self.cairn("group", "describe", "cli-pipe-g"))[1:],
                         [["cli-pipe", "0", "3", "4", "1", "-", "-"]])

    def test_x_group_id_is_the_same_as_dash_g(self):
        self.cairn("topic", "create", "cli-xg", "-p", "1")
        self.cairn("produce", "cli-xg", stdin=b"r0\nr1\nr2\nr3\nr4\n")
        self.assertEqual(self.fails("consume", "cli-xg", "-p", "0", "-n", "2", "-X", "group.id=cli-xg-g",
                                    "-f", "offset:3", status=2),
                         "cairn consume: with a group, --from takes only beginning or end, and -p/-e do not apply "
                         "(see 'cairn consume --help')")
        # It commits what it printed, not its fetch position.
        self.assertEqual(self.cairn("consume", "cli-xg", "-n", "2", "-X", "group.id=cli-xg-g"), b"r0\nr1\n")
        self.assertEqual(rows(self.cairn("group", "describe", "cli-xg-g"))[1:], [["cli-xg", "0", "2", "5", "3", "-", "-"]])
        # -g wins over -X group.id, as every verb flag wins over -X.
        self.assertEqual(self.cairn("consume", "cli-xg", "-n", "1", "-g", "cli-xg-g", "-X", "group.id=cli-xg-other"),
                         b"r2\n")
        self.assertEqual(rows(self.cairn("group", "describe", "cli-xg-g"))[1:], [["cli-xg", "0", "3", "5", "2", "-", "-"]])
        self.assertEqual(self.fails("group", "describe", "cli-xg-other"), "cairn: group cli-xg-other does not exist")

    def test_ctrl_c_stops_a_group_consumer_cleanly_and_commits(self):
        self.cairn("topic", "create", "cli-sigint", "-p", "1")
        self.cairn("produce", "cli-sigint", stdin=b"x\ny\nz\n")
        with subprocess.Popen([CAIRN, "--brokers", self.broker.bootstrap, "consume", "cli-sigint", "-g", "cli-sigint-g"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
            try:
                lines = [proc.stdout.readline() for _ in range(3)]
                self.assertEqual(lines, [b"x\n", b"y\n", b"z\n"])
                proc.send_signal(signal.SIGINT)
                self.assertEqual(proc.wait(timeout=60), 0)
                self.assertEqual(proc.stderr.read(), b"")
            finally:
                if proc.poll() is None:
                    proc.kill()
        self.assertEqual(rows(self.cairn("group", "describe", "cli-sigint-g"))[1:],
                         [["cli-sigint", "0", "3", "3", "0", "-", "-"]])

    # ---- client settings (-X) ----

    def test_settings_by_kafka_name_reach_the_producer_and_the_consumer(self):
        self.cairn("topic", "create", "cli-x", "-p", "1")
        # A producer setting: records above max.request.size fail, naming it.
        line = self.fails("produce", "cli-x", "-X", "max.request.size=100", stdin=b"v" * 200 + b"\n")
        self.assertIn("exceeds max.request.size 100", line)
        self.assertRegex(self.cairn("produce", "cli-x", "-Xmax.request.size=1000", stdin=b"v" * 200 + b"\n").decode(),
                         r"^Produced 1 record to cli-x in \d+\.\d{3} s\.\n$")
        # A consumer setting, given before the verb: the group's member shows
        # the client.id, as kafka-consumer-groups.sh would.
        with subprocess.Popen([CAIRN, "--brokers", self.broker.bootstrap, "-X", "client.id=cli-x-reader",
                               "consume", "cli-x", "-g", "cli-x-g"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
            try:
                self.assertEqual(proc.stdout.readline(), b"v" * 200 + b"\n")
                members = rows(self.cairn("group", "describe", "cli-x-g"))[1]
                self.assertEqual(members[0:2], ["cli-x", "0"])
                self.assertEqual(members[6], "cli-x-reader")
                proc.send_signal(signal.SIGINT)
                self.assertEqual(proc.wait(timeout=60), 0)
            finally:
                if proc.poll() is None:
                    proc.kill()

    def test_a_bad_setting_is_a_usage_error_naming_it(self):
        self.assertEqual(self.fails("topic", "list", "-X", "linger.msec=5", status=2),
                         "cairn topic list: -X: unknown setting 'linger.msec' (see 'cairn topic list --help')")
        self.assertEqual(self.fails("produce", "t", "-X", "linger.ms=soon", status=2),
                         "cairn produce: -X: invalid value 'soon' for 'linger.ms': not an integer"
                         " (see 'cairn produce --help')")
        self.assertEqual(self.fails("consume", "t", "-X", "auto.offset.reset=sometime", status=2),
                         "cairn consume: -X: invalid value 'sometime' for 'auto.offset.reset':"
                         " earliest, latest or none (see 'cairn consume --help')")

    def test_a_member_that_gave_a_partition_away_never_commits_it_again(self):
        self.check_handover("cli-handover", "range")

    def test_the_same_with_the_cooperative_sticky_assignor(self):
        self.check_handover("cli-handover-coop", "cooperative-sticky")

    def check_handover(self, topic, assignor):
        """Two members of a group on a 2-partition topic: the first reads
        both partitions, the second joins and takes one over."""
        group = topic + "-g"
        self.cairn("topic", "create", topic, "-p", "2")

        def produce(prefix):  # five records to each partition
            for p in (0, 1):
                self.cairn("produce", topic, "-p", str(p),
                           stdin=b"".join(b"%s%d-%d\n" % (prefix, p, i) for i in range(5)))

        def member():
            return subprocess.Popen([CAIRN, "--brokers", self.broker.bootstrap, "-X",
                                     "partition.assignment.strategy=" + assignor, "consume", topic, "-g", group,
                                     "--format", "%p %v\n"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)

        produce(b"a")
        first, second = member(), None
        try:
            self.assertEqual(sorted(read_lines(first, 10)),
                             sorted(b"%d a%d-%d\n" % (p, p, i) for p in (0, 1) for i in range(5)))
            # A second member joins; the assignor gives each one partition
            # (describe lists members without partitions while the
            # group rebalances: wait for two owners).
            second = member()

            def owners():
                described = rows(self.cairn("group", "describe", group))[1:]
                return {row[5] for row in described if row[1] != "-" and row[5] != "-"}

            deadline = time.time() + 60
            while len(owners()) < 2:
                self.assertLess(time.time(), deadline, "the second member never got a partition")
                time.sleep(0.2)
            # Five more records on each partition: each member prints its own.
            produce(b"b")
            got = read_lines(first, 5) + read_lines(second, 5)
            self.assertEqual(sorted(got), sorted(b"%d b%d-%d\n" % (p, p, i) for p in (0, 1) for i in range(5)))
            self.assertEqual(len({line.split()[0] for line in got[:5]}), 1)  # one partition each
            # The second stops first, committing 10 on its partition; then the
            # first, which printed that partition only up to 5 before giving
            # it away, must not commit it again.
            for proc in (second, first):
                proc.send_signal(signal.SIGINT)
                self.assertEqual(proc.wait(timeout=60), 0)
                self.assertEqual(proc.stderr.read(), b"")
        finally:
            for proc in (first, second):
                if proc is not None and proc.poll() is None:
                    proc.kill()
            for proc in (first, second):
                if proc is not None:
                    proc.stdout.close()
                    proc.stderr.close()
        self.assertEqual([row[:5] for row in rows(self.cairn("group", "describe", group))[1:]],
                         [[topic, "0", "10", "10", "0"], [topic, "1", "10", "10", "0"]])

    # ---- cluster ----

    def test_cluster_info_matches_librdkafkas_metadata(self):
        meta = self.metadata()
        out = self.cairn("cluster", "info").decode()
        summary, brokers = out.split("\n\n")
        user_topics = [t for t in meta.topics if not t.startswith("__")]
        self.assertEqual(meta.cluster_id, "cairn")  # cluster.id's default
        self.assertEqual(summary, "CLUSTER     cairn\nCONTROLLER  %d\nBROKERS     1\nTOPICS      %d"
                         % (meta.controller_id, len(user_topics)))
        (broker,) = meta.brokers.values()
        self.assertEqual(rows(brokers.encode()),
                         [["ID", "HOST", "PORT", "RACK"], ["%d*" % broker.id, broker.host, str(broker.port), "-"]])

    # ---- errors and flags ----

    def test_errors_are_one_line_with_a_non_zero_status(self):
        self.assertEqual(self.fails("consume", "cli-nosuch", "-n", "1"),
                         "cairn: cannot consume topic cli-nosuch: UNKNOWN_TOPIC_OR_PARTITION: cli-nosuch")
        # The same with a group, instead of a member waiting for the topic in silence.
        self.assertEqual(self.fails("consume", "cli-nosuch", "-g", "cli-nosuch-group", "-n", "1"),
                         "cairn: cannot consume topic cli-nosuch: UNKNOWN_TOPIC_OR_PARTITION: cli-nosuch")
        self.assertEqual(self.fails("topic", "list", "--bogus", status=2),
                         "cairn topic list: unknown flag --bogus (see 'cairn topic list --help')")
        self.assertEqual(self.fails("topic", "create", status=2),
                         "cairn topic create: missing NAME (see 'cairn topic create --help')")
        self.assertEqual(self.fails("topic", "frobnicate", status=2),
                         "cairn: unknown command 'topic frobnicate' (see 'cairn topic --help')")
        self.assertEqual(self.fails("consume", "t", "--format", "%q", status=2),
                         "cairn consume: unknown field '%q' in --format (use %t %p %o %k %v %h %T %%) "
                         "(see 'cairn consume --help')")
        self.assertEqual(self.fails("produce", "t", "--acks", "2", status=2),
                         "cairn produce: --acks must be all, 1 or 0, got '2' (see 'cairn produce --help')")

    def test_a_bad_broker_list_is_a_usage_error_naming_where_it_came_from(self):
        for brokers, problem in [("garbage", "--brokers: broker address 'garbage' is not host:port"),
                                 ("127.0.0.1:99999", "--brokers: broker address '127.0.0.1:99999' has a bad port"),
                                 ("", "--brokers names no broker (want HOST:PORT,...)"),
                                 (" , ", "--brokers names no broker (want HOST:PORT,...)")]:
            self.assertEqual(self.fails("topic", "list", "-b", brokers, brokers=False, status=2),
                             "cairn topic list: %s (see 'cairn topic list --help')" % problem)
        result = run(("consume", "t", "-n", "1"), env={"CAIRN_BROKERS": "garbage"})
        self.assertEqual((result.returncode, result.stdout, result.stderr),
                         (2, b"", b"cairn consume: $CAIRN_BROKERS: broker address 'garbage' is not host:port "
                                  b"(see 'cairn consume --help')\n"))
        self.assertEqual(self.fails("cluster", "info", "-X", "bootstrap.servers=garbage", brokers=False, status=2),
                         "cairn cluster info: -X bootstrap.servers: broker address 'garbage' is not host:port "
                         "(see 'cairn cluster info --help')")
        # --brokers wins over -X bootstrap.servers, as verb flags win over -X.
        self.cairn("topic", "create", "cli-bootstrap", "-p", "1")
        self.assertIn(["cli-bootstrap", "1", "1"],
                      rows(self.cairn("topic", "list", "-X", "bootstrap.servers=127.0.0.1:%d" % free_port())))

    def test_consume_names_the_partitions_a_topic_lacks(self):
        self.cairn("topic", "create", "cli-p1", "-p", "1")
        self.cairn("topic", "create", "cli-p3", "-p", "3")
        self.cairn("produce", "cli-p3", "-p", "2", stdin=b"x\n")
        self.assertEqual(self.fails("consume", "cli-p1", "-p", "5"),
                         "cairn: no partition to consume: topic cli-p1 has no partition 5 (1 partition)")
        self.assertEqual(self.fails("consume", "cli-p1", "cli-p3", "-p", "7", "-p", "5"),
                         "cairn: no partition to consume: topic cli-p1 has no partitions 5, 7 (1 partition); "
                         "topic cli-p3 has no partitions 5, 7 (3 partitions)")
        result = run(("--brokers", self.broker.bootstrap, "consume", "cli-p1", "cli-p3", "-p", "2", "-e"))
        self.assertEqual((result.returncode, result.stdout, result.stderr),
                         (0, b"x\n", b"cairn consume: warning: topic cli-p1 has no partition 2 (1 partition)\n"))

    def test_every_verb_checks_its_writes_to_stdout(self):
        self.cairn("topic", "create", "cli-out", "-p", "1")
        full = b"cairn: cannot write output: No space left on device\n"
        for args, stdin in [(("topic", "list"), b""), (("produce", "cli-out"), b"x\n"), (("cluster", "info"), b""),
                            (("group", "list"), b""), (("consume", "cli-out", "-e"), b""),
                            (("bench", "produce", "-t", "cli-out", "-n", "10"), b"")]:
            result = run_into("/dev/full", ("--brokers", self.broker.bootstrap) + args, stdin=stdin)
            # (bench's once-a-second progress lines may come first on a loaded machine)
            stderr = b"".join(line for line in result.stderr.splitlines(True) if not line.startswith(b"produce: "))
            self.assertEqual((result.returncode, stderr), (1, full), args)
        for args in (["--help"], ["--version"], ["topic", "list", "--help"]):
            result = run_into("/dev/full", args)
            self.assertEqual((result.returncode, result.stderr), (1, full), args)

    def test_version(self):
        for args in (["--version"], ["version"]):
            result = run(args)
            self.assertEqual((result.returncode, result.stderr), (0, b""), args)
            self.assertRegex(result.stdout.decode(), r"^cairn \d+(\.\d+)+\n$")
        self.assertEqual(run(["version"]).stdout, run(["--version"]).stdout)
        self.assertIn(b"\n  version ", run(["--help"]).stdout)

    def test_an_unreachable_broker_fails_after_timeout_naming_it(self):
        """Every verb gives up after --timeout (not after the client's 60 s
        default.api.timeout.ms) and names the address it could not reach."""
        port = free_port()  # nothing listens there
        unreachable = ("--brokers", "127.0.0.1:%d" % port, "--timeout", "1s")
        for args, start in [(("topic", "list"), "cairn: cannot list topics: "),
                            (("group", "list"), "cairn: cannot list groups: "),
                            (("cluster", "info"), "cairn: cannot read cluster metadata: "),
                            (("consume", "cli-nowhere", "-n", "1"), "cairn: cannot consume topic cli-nowhere: "),
                            (("consume", "cli-nowhere", "-g", "cli-nowhere-group", "-n", "1"),
                             "cairn: cannot consume topic cli-nowhere: "),
                            # (the metadata request may still be waiting when the record expires)
                            (("produce", "cli-nowhere"), "cairn: 1 of 1 records failed: no metadata for topic "
                                                         "'cli-nowhere' within delivery.timeout.ms: ")]:
            began = time.monotonic()
            line = self.fails(*(unreachable + args), brokers=False, stdin=b"x\n")
            self.assertLess(time.monotonic() - began, 15, args)
            self.assertTrue(line.startswith(start), line)
            self.assertIn("127.0.0.1:%d" % port, line)

    def test_brokers_come_from_the_environment(self):
        self.cairn("topic", "create", "cli-env", "-p", "1")
        result = run(("topic", "list"), env={"CAIRN_BROKERS": self.broker.bootstrap})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(["cli-env", "1", "1"], rows(result.stdout))

    def test_every_verb_has_help(self):
        verbs = ["topic create", "topic list", "topic describe", "topic delete", "topic alter-config",
                 "topic add-partitions", "produce", "consume", "group list", "group describe", "group delete",
                 "group seek", "cluster info", "bench produce", "bench consume", "bench e2e"]
        for verb in verbs:
            result = run(verb.split() + ["--help"])
            self.assertEqual(result.returncode, 0, verb)
            self.assertEqual(result.stderr, b"", verb)
            self.assertIn(b"\nUsage: cairn " + verb.encode() + b" ", result.stdout)
            self.assertIn(b"--brokers HOST:PORT,...", result.stdout)
        overview = run(["--help"])
        self.assertEqual(overview.returncode, 0)
        for verb in verbs:
            self.assertRegex(overview.stdout.decode(), r"\n  %s +\S" % re.escape(verb))

    # ---- bench ----

    def bench(self, *args):
        """Runs a bench with --json: one JSON object on stdout; stderr holds
        nothing but the documented once-a-second progress lines (a loaded
        machine can make a short run last past the first second)."""
        args = ("bench",) + args + ("--json",)
        result = run(("--brokers", self.broker.bootstrap) + args)
        self.assertEqual(result.returncode, 0, "cairn %s failed: %s" % (args, result.stderr.decode()))
        progress = re.compile(r"(produce|consume|e2e|e2e \(received\)): \d+ records in \d+ s, "
                              r"\d+ records/s, [\d.]+ MB/s")
        for line in result.stderr.decode().splitlines():
            self.assertTrue(progress.fullmatch(line), "cairn %s: unexpected stderr line %r" % (args, line))
        return json.loads(result.stdout)

    def test_bench_produce_consume_and_e2e_report_json(self):
        produced = self.bench("produce", "-t", "cli-bench", "-p", "2", "-n", "3000", "-s", "200",
                              "--compression", "lz4")
        self.assertEqual((produced["mode"], produced["records"], produced["failed"], produced["bytes"]),
                         ("produce", 3000, 0, 3000 * 200))
        self.assertEqual((produced["acks"], produced["compression"], produced["record_size"]), ("all", "lz4", 200))
        latency = produced["latency_us"]
        self.assertTrue(0 < latency["p50"] <= latency["p99"] <= latency["p999"] <= latency["max"], latency)
        ends = rows(self.cairn("consume", "cli-bench", "-e", "--format", "%p\\n"))
        self.assertEqual(len(ends), 3000)

        consumed = self.bench("consume", "-t", "cli-bench", "-n", "5000", "-s", "200")
        self.assertEqual((consumed["mode"], consumed["records"], consumed["failed"]), ("consume", 5000, 0))
        self.assertEqual(consumed["bytes"], 5000 * 200)

        e2e = self.bench("e2e", "-t", "cli-bench", "-n", "1000", "-s", "100", "--rate", "2000")
        self.assertEqual((e2e["mode"], e2e["records"], e2e["failed"], e2e["bytes"]), ("e2e", 1000, 0, 100000))
        self.assertTrue(0 < e2e["latency_us"]["p50"] <= e2e["latency_us"]["max"], e2e)


    def test_bench_record_sizes_beyond_what_can_be_sent_are_usage_errors(self):
        """Once a bad_alloc (status 134) or a size wrapped around to 0 or 1 MiB."""
        usage = "cairn bench produce: %s (see 'cairn bench produce --help')"
        for size, problem in [
                ("100000MiB", "--record-size must be at most 1048494 bytes, for records within max.request.size "
                              "1048576 (-X max.request.size=N raises it)"),
                ("1048495", "--record-size must be at most 1048494 bytes, for records within max.request.size "
                            "1048576 (-X max.request.size=N raises it)"),
                ("17592186044416MiB", "invalid value '17592186044416MiB' for --record-size"),
                ("17592186044417MiB", "invalid value '17592186044417MiB' for --record-size"),
                ("18446744073709551616", "invalid value '18446744073709551616' for --record-size")]:
            self.assertEqual(self.fails("bench", "produce", "-t", "cli-bench-big", "-s", size, "-n", "1", status=2),
                             usage % problem)
        self.assertEqual(self.fails("bench", "produce", "-t", "cli-bench-big", "-s", "1025MiB", "-n", "1",
                                    "-X", "max.request.size=2147483647", status=2),
                         usage % "--record-size must be at most 1073741824 bytes (1 GiB)")
        self.assertEqual(self.fails("bench", "produce", "-t", "cli-bench-big", "-s", "2KiB", "-n", "1",
                                    "-X", "max.request.size=2048", status=2),
                         usage % "--record-size must be at most 1966 bytes, for records within max.request.size "
                                 "2048 (-X max.request.size=N raises it)")
        self.assertEqual(self.fails("bench", "e2e", "--timeout", "2147483648", status=2),
                         "cairn bench e2e: invalid duration '2147483648' for --timeout (at most 2147483647 ms) "
                         "(see 'cairn bench e2e --help')")
        self.assertNotIn(["cli-bench-big", "1", "1"], rows(self.cairn("topic", "list")))
        # Just within the limit: the records are sent.
        produced = self.bench("produce", "-t", "cli-bench-big", "-n", "2", "-s", "1966", "-X", "max.request.size=2048")
        self.assertEqual((produced["records"], produced["failed"], produced["record_size"]), (2, 0, 1966))

    def test_bench_reads_without_a_group_and_refuses_group_id(self):
        self.bench("produce", "-t", "cli-bench-nogroup", "-n", "10", "-s", "50")
        for mode in ("consume", "e2e"):
            self.assertEqual(self.fails("bench", mode, "-t", "cli-bench-nogroup", "-n", "10",
                                        "-X", "group.id=cli-bench-g", status=2),
                             "cairn bench %s: the bench reads without a consumer group: -X group.id does not apply "
                             "(see 'cairn bench %s --help')" % (mode, mode))
        # An empty group.id is no group, as in Kafka's clients.
        consumed = self.bench("consume", "-t", "cli-bench-nogroup", "-n", "10", "-X", "group.id=")
        self.assertEqual(consumed["records"], 10)
        self.assertNotIn("cli-bench-g", self.cairn("group", "list").decode())

    def test_bench_consume_reports_the_size_of_the_records_it_read(self):
        self.bench("produce", "-t", "cli-bench-read", "-n", "100", "-s", "300")
        consumed = self.bench("consume", "-t", "cli-bench-read", "-n", "100", "-s", "16")
        self.assertEqual(sorted(consumed), ["bytes", "failed", "latency", "latency_us", "mb_per_sec", "mode",
                                            "record_size", "records", "records_per_sec", "seconds", "topic"])
        self.assertEqual((consumed["records"], consumed["bytes"], consumed["record_size"]), (100, 30000, 300))
        result = run(("--brokers", self.broker.bootstrap, "bench", "consume", "-t", "cli-bench-read", "-n", "100"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.stdout.startswith(b"consume: 100 records (0 failed) of 300 bytes on average in "),
                        result.stdout)


if __name__ == "__main__":
    unittest.main()
