"""The consumer-group scenario every client runs (tests/compat/test_groups_*):
three members share a 6-partition topic; one leaves cleanly, one is killed,
one joins, and a restarted member resumes at the committed offsets. Every
record must be consumed exactly once across the group, in offset order per
partition, by the member that owned the partition."""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid

import confluent_kafka
import kafka

from kafka_helpers import create_topic

HERE = os.path.dirname(os.path.abspath(__file__))
PARTITIONS = 6


class Member:
    """A group member process (group_member.py or kafkajs_group_member.js)
    whose JSON lines are collected as they arrive."""

    def __init__(self, client, bootstrap, group, topic, assignor="range"):
        if client == "kafkajs":
            args = ["node", os.path.join(HERE, "kafkajs_group_member.js"), bootstrap, group, topic]
        else:
            args = [sys.executable, os.path.join(HERE, "group_member.py"), client, bootstrap, group, topic, assignor]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=dict(os.environ, NODE_PATH=os.path.join(HERE, "node", "node_modules")))
        self.records = []
        self.assignment = None
        self.errors = []
        self.stderr = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            event = json.loads(line)
            with self.lock:
                if "assigned" in event:
                    self.assignment = set(event["assigned"])
                elif "error" in event:
                    self.errors.append(event["error"])
                else:
                    self.records.append((event["p"], event["o"], event["v"]))

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr.append(line)

    def owned(self):
        with self.lock:
            return set(self.assignment) if self.assignment is not None else None

    def consumed(self):
        with self.lock:
            return list(self.records)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=30)


class KcatMember:
    """kcat -G: librdkafka's balanced consumer, printing "partition offset
    value" per record; it commits automatically every 200 ms and on close."""
    ASSIGNED = re.compile(r"rebalanced \(memberid [^)]*\): assigned: (.*)$")

    def __init__(self, bootstrap, group, topic):
        self.proc = subprocess.Popen(
            ["kcat", "-b", bootstrap, "-G", group, topic, "-u", "-f", "%p %o %s\\n",
             "-X", "auto.offset.reset=earliest", "-X", "session.timeout.ms=6000",
             "-X", "heartbeat.interval.ms=500", "-X", "auto.commit.interval.ms=200"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.records, self.assignment, self.lock = [], None, threading.Lock()
        self.errors, self.stderr = [], []
        threading.Thread(target=self._out, daemon=True).start()
        threading.Thread(target=self._err, daemon=True).start()

    def _out(self):
        for line in self.proc.stdout:
            p, o, v = line.rstrip("\n").split(" ", 2)
            with self.lock:
                self.records.append((int(p), int(o), v))

    def _err(self):
        for line in self.proc.stderr:
            self.stderr.append(line)
            match = self.ASSIGNED.search(line.strip())
            with self.lock:
                if match:
                    self.assignment = {int(p) for p in re.findall(r"\[(\d+)\]", match.group(1))}
                elif "revoked" in line:
                    self.assignment = set()

    def owned(self):
        with self.lock:
            return None if self.assignment is None else set(self.assignment)

    def consumed(self):
        with self.lock:
            return list(self.records)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=30)


def wait_until(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


class GroupScenario:
    """Mixin for a BrokerTestCase: self.client and self.assignor name the
    client under test."""
    client = "librdkafka"
    assignor = "range"

    def setUp(self):
        self.topic = "groups-" + uuid.uuid4().hex[:8]
        self.group = "g-" + uuid.uuid4().hex[:8]
        create_topic(self.broker, self.topic, PARTITIONS)
        self.members = []
        self.produced = {}  # (partition, offset) -> value
        self.producer = confluent_kafka.Producer({"bootstrap.servers": self.broker.bootstrap, "acks": "all"})

    def tearDown(self):
        for member in self.members:
            if member.proc.poll() is None:
                member.kill()
            member.proc.stdout.close()
            member.proc.stderr.close()

    def start_member(self):
        if self.client == "kcat":
            member = KcatMember(self.broker.bootstrap, self.group, self.topic)
            self.members.append(member)
            return member
        member = Member(self.client, self.broker.bootstrap, self.group, self.topic, self.assignor)
        self.members.append(member)
        return member

    def produce(self, per_partition, tag):
        delivered = []

        def on_delivery(err, message):
            self.assertIsNone(err)
            delivered.append((message.partition(), message.offset(), message.value().decode()))

        for i in range(per_partition):
            for p in range(PARTITIONS):
                self.producer.produce(self.topic, value="%s-%d-%d" % (tag, p, i), partition=p, on_delivery=on_delivery)
        self.assertEqual(self.producer.flush(30), 0)
        for p, o, v in delivered:
            self.produced[(p, o)] = v

    def wait_stable(self, members, timeout=60):
        """Until the members' assignments are disjoint and cover every partition."""
        def stable():
            owned = [m.owned() for m in members]
            if any(o is None for o in owned):
                return False
            union = set().union(*owned)
            return union == set(range(PARTITIONS)) and sum(len(o) for o in owned) == PARTITIONS
        wait_until(stable, timeout, "a stable assignment over %d members: %s" %
                   (len(members), [m.owned() for m in members]))

    def all_consumed(self):
        return [r for m in self.members for r in m.consumed()]

    def wait_all_consumed(self, timeout=60):
        wait_until(lambda: len(self.all_consumed()) >= len(self.produced), timeout,
                   "%d records consumed, got %d" % (len(self.produced), len(self.all_consumed())))
        time.sleep(1)  # anything consumed twice would show up now

    def wait_committed(self, timeout=30):
        """Until the group's committed offsets reach the end of every
        partition (kcat commits every few seconds; the others at once)."""
        ends = {}
        for p, o in self.produced:
            ends[p] = max(ends.get(p, 0), o + 1)
        admin = kafka.KafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        try:
            wait_until(lambda: {tp.partition: om.offset for tp, om in
                                admin.list_consumer_group_offsets(self.group).items()} == ends,
                       timeout, "the group to commit up to %s" % ends)
        finally:
            admin.close()

    def check_exactly_once(self):
        consumed = self.all_consumed()
        keys = [(p, o) for p, o, _ in consumed]
        self.assertEqual(len(keys), len(set(keys)), "a record was consumed twice")
        self.assertEqual({(p, o): v for p, o, v in consumed}, self.produced)
        for member in self.members:
            per_partition = {}
            for p, o, _ in member.consumed():
                per_partition.setdefault(p, []).append(o)
            for p, offsets in per_partition.items():
                self.assertEqual(offsets, sorted(offsets), "partition %d out of order" % p)

    def run_scenario(self):
        a, b, c = self.start_member(), self.start_member(), self.start_member()
        self.wait_stable([a, b, c])
        if self.assignor == "range":
            self.assertEqual(sorted(len(m.owned()) for m in (a, b, c)), [2, 2, 2])
        self.produce(20, "first")
        self.wait_all_consumed()
        self.check_exactly_once()
        for member in (a, b, c):
            self.assertTrue({p for p, _, _ in member.consumed()} <= member.owned())
            self.assertEqual(member.errors, [])

        # A member leaves cleanly: the others take its partitions.
        self.assertEqual(a.stop(), 0, "".join(a.stderr))
        self.wait_stable([b, c])
        self.produce(5, "after-leave")
        self.wait_all_consumed()
        self.check_exactly_once()

        # A member dies: its partitions move once its session (6 s) expires.
        self.wait_committed()
        killed_at = time.time()
        b.kill()
        wait_until(lambda: c.owned() == set(range(PARTITIONS)), 60, "the survivor to own every partition")
        self.assertGreater(time.time() - killed_at, 3.0, "partitions moved before the session timeout")
        self.produce(5, "after-kill")
        self.wait_all_consumed()
        self.check_exactly_once()

        # A new member joins: the partitions are shared again.
        d = self.start_member()
        self.wait_stable([c, d])
        self.produce(5, "after-join")
        self.wait_all_consumed()
        self.check_exactly_once()

        # Everyone stops; a restarted member resumes at the committed offsets.
        self.assertEqual(c.stop(), 0, "".join(c.stderr))
        self.assertEqual(d.stop(), 0, "".join(d.stderr))
        before = len(self.all_consumed())
        self.produce(3, "after-restart")
        e = self.start_member()
        self.wait_all_consumed()
        self.check_exactly_once()
        self.assertEqual(sorted(v for _, _, v in e.consumed()),
                         sorted("after-restart-%d-%d" % (p, i) for p in range(PARTITIONS) for i in range(3)))
        self.assertEqual(len(self.all_consumed()), before + 3 * PARTITIONS)
