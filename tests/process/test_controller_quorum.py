"""A real 3-node cluster (deploy/local-cluster.sh): every node a broker and a
voter of the controller quorum. Topics are created through any node while the
controller leader is killed with -9, again and again; afterwards every
acknowledged topic exists on every node, with the same partitions and
placement everywhere, and records produced through the cluster come back
exactly."""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "compat"))
from cairnd_process import first_ephemeral_port  # noqa: E402
SCRIPT = os.path.join(REPO, "deploy", "local-cluster.sh")
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))
NODES = (1, 2, 3)
ALL_NODES = (1, 2, 3, 4)  # 4: the optional broker-only node (node4.properties)


def ports_free(ports):
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def admin_ready(admin_port):
    """/v1/ready: the node has registered and its Kafka listeners are open."""
    try:
        with HTTP.open("http://127.0.0.1:%d/v1/ready" % admin_port, timeout=2) as r:
            return r.status == 200
    except Exception:  # not up yet, or still registering
        return False


class Cluster:
    def __init__(self, overrides=(), host_name="127.0.0.1"):
        self.dir = tempfile.mkdtemp(prefix="cairn-quorum-")
        # Every port below the kernel's ephemeral range. While a node is
        # down, any client connection on this machine (this test's own, to
        # the other nodes) may be given the node's port as its local port,
        # and the restarted node then exits: "listen on 127.0.0.1:39022:
        # address already in use" in one ASan run, with offsets up to 30000.
        highest_offset = first_ephemeral_port() - 1 - max(19643 + n for n in ALL_NODES)
        while True:
            self.offset = random.randrange(1000, highest_offset, 10)
            if ports_free([p + self.offset for n in ALL_NODES for p in (19091 + n, 19191 + n, 19643 + n)]):
                break
        self.env = dict(os.environ, CLUSTER_DIR=self.dir, PORT_OFFSET=str(self.offset),
                        CAIRND=os.environ.get("CAIRND", os.path.join(REPO, "build/release/app/cairnd")),
                        OVERRIDES=" ".join(overrides), HOST_NAME=host_name)
        # local-cluster.sh leaves its nodes running in the background, so a
        # test process killed before its tearDown (a CI timeout's SIGKILL)
        # would leave them behind. A watcher in a session of its own stops
        # them once this process is gone (a no-op after a normal "stop").
        subprocess.Popen(["sh", "-c", 'while kill -0 "$0" 2>/dev/null; do sleep 1; done; exec "$1" stop',
                          str(os.getpid()), SCRIPT], env=self.env, start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def run(self, *args):
        subprocess.run([SCRIPT, *args], env=self.env, check=True, stdout=subprocess.DEVNULL)

    def kafka(self, n):
        return "127.0.0.1:%d" % (19091 + n + self.offset)

    @property
    def bootstrap(self):
        return ",".join(self.kafka(n) for n in NODES)

    def controller_view(self, n):
        try:
            with HTTP.open("http://127.0.0.1:%d/v1/controller" % (19643 + n + self.offset), timeout=2) as r:
                return json.loads(r.read())
        except Exception:  # not up yet, or being killed
            return None

    def ready(self, n):
        return admin_ready(19643 + n + self.offset)

    def wait_ready(self, nodes=NODES, deadline=60):
        """Until every given node has registered and opened its listeners.
        A topic created before then is placed on the brokers registered so
        far, so tests that expect a placement over all nodes wait for this."""
        end = time.time() + deadline
        while time.time() < end:
            if all(self.ready(n) for n in nodes):
                return
            time.sleep(0.1)
        raise AssertionError("nodes %s not ready\n%s" % (nodes, self.logs()))

    def leader(self, nodes=NODES, deadline=60):
        """The node every given node agrees leads the quorum."""
        end = time.time() + deadline
        while time.time() < end:
            views = [self.controller_view(n) for n in nodes]
            if all(views) and len({v["leader"] for v in views}) == 1 and views[0]["leader"] in nodes:
                return views[0]["leader"]
            time.sleep(0.1)
        raise AssertionError("no agreed leader among %s: %s\n%s"
                             % (nodes, [self.controller_view(n) for n in nodes], self.logs()))

    def logs(self):
        out = []
        for n in ALL_NODES:
            path = os.path.join(self.dir, "node%d.log" % n)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    out.append("--- node %d ---\n%s" % (n, "".join(f.readlines()[-40:])))
        return "\n".join(out)


def topic_metadata(bootstrap):
    """name -> [(partition, leader, replicas)] as one broker reports it."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    md = admin.list_topics(timeout=10)
    return {name: sorted((p.id, p.leader, tuple(p.replicas)) for p in t.partitions.values())
            for name, t in md.topics.items() if not name.startswith("__")}


def topic_on(bootstrap, name, deadline=30):
    """`name`'s partitions as one broker reports them, once it reports them.
    CreateTopics answers when the controller has committed the topic; each
    broker serves it once it has applied that entry, which may be later."""
    end = time.time() + deadline
    while True:
        partitions = topic_metadata(bootstrap).get(name)
        if partitions or time.time() > end:
            return partitions
        time.sleep(0.2)


def consume(bootstrap, topic, partitions, count, start=0):
    """partition -> [(offset, value)], `count` records in all, from `start`."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, start) for p in partitions])
    got = {}
    deadline = time.time() + 30
    while sum(len(v) for v in got.values()) < count and time.time() < deadline:
        m = consumer.poll(1)
        if m is None or m.error():
            continue
        got.setdefault(m.partition(), []).append((m.offset(), m.value()))
    consumer.close()
    return got


def assert_records_round_trip(test, bootstrap, topic, partitions, per_partition):
    """An idempotent librdkafka producer writes v0, v1, ... round-robin over
    the partitions (each to its leader); a consumer reads every partition
    back, and each holds exactly its records, in order, from offset 0."""
    total = partitions * per_partition
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for i in range(total):
        producer.produce(topic, value=b"v%d" % i, partition=i % partitions)
    test.assertEqual(producer.flush(30), 0)
    got = consume(bootstrap, topic, range(partitions), total)
    for p in range(partitions):
        test.assertEqual(got.get(p), [(k, b"v%d" % (p + partitions * k)) for k in range(per_partition)])


class ClusterTestCase(unittest.TestCase):
    """Each test gets a fresh three-node cluster, started with the class's
    OVERRIDES and HOST_NAME, and stopped and removed after."""
    OVERRIDES = ()
    HOST_NAME = "127.0.0.1"

    def setUp(self):
        self.cluster = Cluster(overrides=self.OVERRIDES, host_name=self.HOST_NAME)
        self.cluster.run("start")
        self.cluster.wait_ready()

    def tearDown(self):
        self.cluster.run("stop")
        shutil.rmtree(self.cluster.dir, ignore_errors=True)


class ClusterHarnessTest(unittest.TestCase):
    def test_a_killed_test_process_leaves_no_node_running(self):
        child = subprocess.Popen(
            [sys.executable, "-c",
             "import sys, time; sys.path.insert(0, sys.argv[1]); from test_controller_quorum import Cluster\n"
             "c = Cluster(); c.run('start'); c.wait_ready(); print(c.dir, flush=True); time.sleep(600)",
             os.path.dirname(os.path.abspath(__file__))],
            stdout=subprocess.PIPE, text=True)
        cluster_dir = child.stdout.readline().strip()
        self.addCleanup(shutil.rmtree, cluster_dir, ignore_errors=True)
        pids = []
        for n in NODES:
            with open(os.path.join(cluster_dir, "node%d.pid" % n)) as f:
                pids.append(int(f.read()))
        child.kill()  # no tearDown, no atexit
        child.wait()
        child.stdout.close()

        def alive():
            running = []
            for pid in pids:
                try:
                    os.kill(pid, 0)
                    running.append(pid)
                except ProcessLookupError:
                    pass
            return running

        deadline = time.time() + 30
        while alive() and time.time() < deadline:
            time.sleep(0.2)
        still = alive()
        for pid in still:
            os.kill(pid, signal.SIGKILL)
        self.assertEqual(still, [], "nodes still running 30 s after their test process was killed")


class ControllerQuorumTest(ClusterTestCase):
    # Short sessions, so that fencing happens within the test.
    OVERRIDES = ("broker.session.timeout.ms=3000", "broker.heartbeat.interval.ms=500")

    def test_topics_survive_repeated_leader_kills(self):
        cluster = self.cluster
        cluster.leader()
        acknowledged = []
        stop = threading.Event()

        def create_topics():
            admin = AdminClient({"bootstrap.servers": cluster.bootstrap, "socket.timeout.ms": 5000})
            i = 0
            while not stop.is_set():
                name = "t%03d" % i
                i += 1
                futures = admin.create_topics([NewTopic(name, 2, 1)], request_timeout=20)
                try:
                    futures[name].result(timeout=30)
                    acknowledged.append(name)
                except Exception:  # unknown outcome: not acknowledged
                    pass

        creator = threading.Thread(target=create_topics)
        creator.start()
        try:
            for _ in range(3):
                time.sleep(2)
                victim = cluster.leader()
                cluster.run("kill-node", str(victim))
                survivors = [n for n in NODES if n != victim]
                new_leader = cluster.leader(survivors)
                self.assertNotEqual(new_leader, victim)
                time.sleep(1)
                cluster.run("start-node", str(victim))
                cluster.leader()
            time.sleep(2)
        finally:
            stop.set()
            creator.join(120)
        self.assertGreater(len(acknowledged), 5, cluster.logs())

        # Every node, once it has caught up, reports every acknowledged topic
        # with the same partitions, leaders and replicas.
        deadline = time.time() + 60
        while True:
            views = [topic_metadata(cluster.kafka(n)) for n in NODES]
            complete = all(set(acknowledged) <= set(v) for v in views)
            led = all(leader >= 0 for v in views for parts in v.values() for (_, leader, _) in parts)
            if complete and led and views[0] == views[1] == views[2]:
                break
            if time.time() > deadline:
                self.fail("nodes disagree or miss topics: acknowledged %s, views %s\n%s"
                          % (acknowledged, views, cluster.logs()))
            time.sleep(0.5)
        for name in acknowledged:
            self.assertEqual([p for (p, _, _) in views[0][name]], [0, 1])

    def test_records_reach_the_leader_of_each_partition(self):
        cluster = self.cluster
        cluster.leader()
        admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
        admin.create_topics([NewTopic("spread", 6, 1)])["spread"].result(30)
        leaders = {p for (_, p, _) in topic_on(cluster.kafka(1), "spread")}
        self.assertEqual(leaders, {1, 2, 3})  # six partitions over three brokers
        assert_records_round_trip(self, cluster.bootstrap, "spread", partitions=6, per_partition=10)


    def test_a_silent_broker_is_fenced_and_its_leaderships_move(self):
        cluster = self.cluster
        cluster.leader()
        # Three replicas per partition (metadata only: see docs/controller.md),
        # so leadership has somewhere to go.
        admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
        admin.create_topics([NewTopic("fenced", 3, 3)])["fenced"].result(30)
        before = topic_on(cluster.kafka(1), "fenced")
        victim = next(n for n in NODES if n != cluster.leader())  # not the controller
        led = [p for (p, leader, _) in before if leader == victim]
        self.assertEqual(len(led), 1)  # one of three partitions each
        cluster.run("kill-node", str(victim))
        survivor = next(n for n in NODES if n != victim)
        deadline = time.time() + 30
        while True:
            after = {p: leader for (p, leader, _) in topic_on(cluster.kafka(survivor), "fenced")}
            if victim not in after.values():
                break
            if time.time() > deadline:
                self.fail("broker %d still leads %s\n%s" % (victim, after, cluster.logs()))
            time.sleep(0.2)
        # Every other leadership stayed where it was.
        for (p, leader, _) in before:
            if leader != victim:
                self.assertEqual(after[p], leader)
        admin_view = AdminClient({"bootstrap.servers": cluster.kafka(survivor)}).list_topics(timeout=10)
        self.assertNotIn(victim, admin_view.brokers)  # fenced brokers are not listed
        cluster.run("start-node", str(victim))
        deadline = time.time() + 30
        while victim not in AdminClient({"bootstrap.servers": cluster.kafka(survivor)}).list_topics(timeout=10).brokers:
            if time.time() > deadline:
                self.fail("broker %d did not come back\n%s" % (victim, cluster.logs()))
            time.sleep(0.2)


class NamedHostsTest(ClusterTestCase):
    """The nodes know each other, and clients know them, by a name: the
    quorum voters and the advertised listeners say LOCALHOST (/etc/hosts'
    localhost, in capitals so that it stays a test of the resolver even if
    "localhost" were special-cased again, as io/ once did)."""
    HOST_NAME = "LOCALHOST"

    def test_quorum_and_clients_work_through_host_names(self):
        cluster = self.cluster
        cluster.leader()  # the voters reached each other by name
        admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
        admin.create_topics([NewTopic("named", 3, 1)])["named"].result(30)
        partitions = topic_on(cluster.kafka(1), "named")
        self.assertEqual({leader for (_, leader, _) in partitions}, {1, 2, 3}, cluster.logs())
        md = admin.list_topics(timeout=10)
        self.assertEqual(sorted((b.id, b.host) for b in md.brokers.values()),
                         [(1, "LOCALHOST"), (2, "LOCALHOST"), (3, "LOCALHOST")])
        # Bootstrapped by address; each partition's leader is then reached
        # through the name it advertises.
        assert_records_round_trip(self, cluster.bootstrap, "named", partitions=3, per_partition=10)


if __name__ == "__main__":
    unittest.main()
