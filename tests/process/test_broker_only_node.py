"""Real processes for process.roles (docs/controller.md): a broker-only node
beside the 3-node cluster of deploy/local-cluster.sh follows the metadata log
as a Raft learner, hosts and leads partitions, serves a real client, and
survives kill -9; a controller-only node never shows in Metadata; a node of
another cluster.id is refused; SIGTERM stops a node still waiting for its
quorum."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from test_controller_quorum import Cluster, admin_ready, consume, topic_metadata, topic_on

CAIRND = os.environ.get("CAIRND", "build/release/app/cairnd")
LEARNER = 4


def wait_until(condition, deadline=60, why=lambda: ""):
    end = time.time() + deadline
    while time.time() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out: %s" % why())


def create_topic(bootstrap, name, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})  # must outlive the future
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result(30)


def produce(bootstrap, topic, partitions, per_partition, tag):
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for p in partitions:
        for k in range(per_partition):
            producer.produce(topic, value=b"%s-%d-%d" % (tag, p, k), partition=p)
    return producer.flush(30)


class BrokerOnlyNodeTest(unittest.TestCase):
    def setUp(self):
        self.cluster = Cluster()
        self.cluster.run("start")
        self.addCleanup(shutil.rmtree, self.cluster.dir, ignore_errors=True)
        self.addCleanup(self.cluster.run, "stop")
        self.cluster.wait_ready()

    def learner_ready(self):
        return self.cluster.ready(LEARNER)

    def test_a_broker_only_node_follows_the_log_hosts_partitions_and_survives_kill_9(self):
        cluster = self.cluster
        leader = cluster.leader()
        create_topic(cluster.bootstrap, "before", 2)
        cluster.run("start-node", str(LEARNER))
        wait_until(self.learner_ready, why=cluster.logs)
        learner = cluster.kafka(LEARNER)

        # It is a broker of the cluster, but not a voter: it follows the
        # leader and has applied what the leader has.
        brokers = AdminClient({"bootstrap.servers": learner}).list_topics(timeout=10).brokers
        self.assertEqual(sorted(brokers), [1, 2, 3, 4])
        view = cluster.controller_view(LEARNER)
        self.assertEqual(view["node_id"], LEARNER)
        self.assertFalse(view["is_leader"])
        self.assertEqual(view["leader"], leader)
        self.assertIn("before", topic_metadata(learner))

        # Eight partitions over four brokers: two are led by the learner.
        create_topic(learner, "spread", 8)
        placement = wait_until(lambda: topic_metadata(learner).get("spread"), why=cluster.logs)
        mine = [p for (p, lead, _) in placement if lead == LEARNER]
        self.assertEqual(len(mine), 2, placement)
        for (p, lead, replicas) in placement:
            self.assertEqual(replicas, (lead,))
        # Every node comes to the same view of it. A voter applies the entry
        # when it learns the commit index, which may be after the learner does.
        for n in (1, 2, 3):
            self.assertEqual(topic_on(cluster.kafka(n), "spread"), placement, "node %d" % n)

        self.assertEqual(produce(learner, "spread", mine, 10, b"a"), 0)
        got = consume(learner, "spread", mine, 20)
        for p in mine:
            self.assertEqual(got.get(p), [(k, b"a-%d-%d" % (p, k)) for k in range(10)])

        # kill -9; the cluster goes on without it; it restarts on its log.
        cluster.run("kill-node", str(LEARNER))
        create_topic(cluster.bootstrap, "while-down", 3)
        cluster.run("start-node", str(LEARNER))
        wait_until(self.learner_ready, why=cluster.logs)
        wait_until(lambda: (cluster.controller_view(LEARNER) or {}).get("applied_index")
                   == (cluster.controller_view(leader) or {}).get("applied_index"), why=cluster.logs)
        self.assertIn("while-down", topic_metadata(learner))
        self.assertEqual(topic_metadata(learner)["spread"], placement)
        # It serves its partitions again: the old records, then new ones
        # at the next offsets.
        self.assertEqual(produce(learner, "spread", mine, 5, b"b"), 0)
        got = consume(learner, "spread", mine, 30)
        for p in mine:
            self.assertEqual(got.get(p), [(k, b"a-%d-%d" % (p, k)) for k in range(10)] +
                             [(10 + k, b"b-%d-%d" % (p, k)) for k in range(5)])


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class Node:
    """One cairnd with explicit overrides, its stderr in a log file."""

    def __init__(self, directory, name, overrides):
        self.log_path = os.path.join(directory, name + ".log")
        args = ["setpriv", "--pdeathsig", "KILL", CAIRND]  # dies with the test (see tests/compat/cairnd_process.py)
        for o in overrides:
            args += ["--override", o]
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(args, cwd=directory, stdout=log, stderr=log)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout)
        return self.proc.returncode


class RolesTest(unittest.TestCase):
    """A controller-only voter and broker-only nodes: a cluster of one voter."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cairn-roles-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        (self.controller_port, self.kafka_port, self.learner_port, self.admin_port,
         self.stranger_kafka, self.stranger_controller) = free_ports(6)
        self.nodes = []
        self.addCleanup(lambda: [n.stop() for n in self.nodes])

    def start(self, name, overrides):
        node = Node(self.dir, name, overrides)
        self.nodes.append(node)
        return node

    def common(self, node_id):
        return ["node.id=%d" % node_id, "controller.quorum.voters=1@127.0.0.1:%d" % self.controller_port,
                "log.dirs=%s/node%d" % (self.dir, node_id), "smp=1", "admin.listener="]

    def test_a_controller_only_node_is_not_in_metadata_and_other_clusters_are_refused(self):
        controller = self.start("controller", self.common(1) + [
            "process.roles=controller", "listeners=CONTROLLER://127.0.0.1:%d" % self.controller_port])
        broker = self.start("broker", self.common(2) + [
            "process.roles=broker", "admin.listener=127.0.0.1:%d" % self.admin_port,
            "listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d" % (self.kafka_port, self.learner_port)])
        wait_until(lambda: admin_ready(self.admin_port), why=lambda: controller.log() + broker.log())
        bootstrap = "127.0.0.1:%d" % self.kafka_port
        metadata = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10)
        self.assertEqual(sorted(metadata.brokers), [2])  # the controller-only node 1 is no broker
        create_topic(bootstrap, "only", 2)
        self.assertEqual(wait_until(lambda: topic_metadata(bootstrap).get("only")), [(0, 2, (2,)), (1, 2, (2,))])
        self.assertEqual(produce(bootstrap, "only", [0, 1], 3, b"c"), 0)
        got = consume(bootstrap, "only", [0, 1], 6)
        self.assertEqual(got, {p: [(k, b"c-%d-%d" % (p, k)) for k in range(3)] for p in (0, 1)})
        self.assertIn("roles controller) started", controller.log())

        # A broker of another cluster: refused by the controller, so it never
        # joins; SIGTERM stops it cleanly while it waits.
        stranger = self.start("stranger", self.common(3) + [
            "process.roles=broker", "cluster.id=other-cluster",
            "listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d" % (self.stranger_kafka,
                                                                              self.stranger_controller)])
        wait_until(lambda: "refusing a node of cluster 'other-cluster': this node's cluster.id is 'cairn'"
                   in controller.log(), why=controller.log)
        time.sleep(1)
        self.assertIsNone(stranger.proc.poll())
        self.assertNotIn("started:", stranger.log())
        self.assertEqual(stranger.stop(), 0)
        self.assertIn("during start-up", stranger.log())
        self.assertIn("stopped cleanly", stranger.log())
        self.assertEqual(sorted(AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).brokers), [2])


if __name__ == "__main__":
    unittest.main()
