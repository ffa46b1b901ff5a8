"""Burrow (Debian's burrow 1.2.1), the lag checker that reads
__consumer_offsets itself, against a real cairnd: it must find the group and
report its committed offsets and lag exactly. Burrow needs ZooKeeper for its
own coordination, so the test runs Debian's zookeeper too. Both come from
scripts/install-deps.sh --with-tests."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error

import confluent_kafka
from confluent_kafka import TopicPartition as CTopicPartition

from cairnd_process import HTTP, Cairnd, free_port
from kafka_helpers import create_topic

ZK_SERVER = "/usr/share/zookeeper/bin/zkServer.sh"


def wait_for_port(port, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("%s did not open port %d" % (what, port))


class Burrow(unittest.TestCase):
    def setUp(self):
        # A missing tool is a failure, not a skip: the test command installs it.
        self.assertTrue(shutil.which("Burrow") and os.path.exists(ZK_SERVER),
                        "burrow or zookeeper missing: run scripts/install-deps.sh --with-tests")
        self.dir = tempfile.mkdtemp(prefix="cairn-burrow-")
        self.processes = []
        zk_port = free_port()
        with open(os.path.join(self.dir, "zoo.cfg"), "w") as f:
            f.write("tickTime=2000\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n"
                    "admin.enableServer=false\n" % (os.path.join(self.dir, "zk"), zk_port))
        self.start([ZK_SERVER, "start-foreground", os.path.join(self.dir, "zoo.cfg")], "zookeeper.log",
                   env=dict(os.environ, ZOO_LOG_DIR=self.dir))
        wait_for_port(zk_port, 60, "ZooKeeper")
        self.zk_port = zk_port
        self.broker = Cairnd("group.initial.rebalance.delay.ms=0").start()

    def start(self, args, log, env=None, cwd=None):
        out = open(os.path.join(self.dir, log), "wb")
        self.processes.append((subprocess.Popen(args, stdout=out, stderr=out, env=env, cwd=cwd), out))

    def tearDown(self):
        for proc, out in reversed(self.processes):
            proc.kill()
            proc.wait(timeout=30)
            out.close()
        code = self.broker.stop()
        logs = self.broker.logs()
        self.broker.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.assertEqual(code, 0, logs)

    def test_burrow_reports_the_committed_offsets_and_lag_of_a_group(self):
        create_topic(self.broker, "burrowed", 2)
        producer = confluent_kafka.Producer({"bootstrap.servers": self.broker.bootstrap})
        for i in range(5):
            producer.produce("burrowed", value=b"a%d" % i, partition=0)
        for i in range(3):
            producer.produce("burrowed", value=b"b%d" % i, partition=1)
        self.assertEqual(producer.flush(20), 0)
        consumer = confluent_kafka.Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "burrow-g",
                                             "enable.auto.commit": False})
        consumer.commit(offsets=[CTopicPartition("burrowed", 0, 2), CTopicPartition("burrowed", 1, 3)],
                        asynchronous=False)
        consumer.close()

        http_port = free_port()
        with open(os.path.join(self.dir, "burrow.toml"), "w") as f:
            f.write("""
[general]
pidfile="{dir}/burrow.pid"
[zookeeper]
servers=["127.0.0.1:{zk}"]
timeout=6
root-path="/burrow"
[client-profile.cairn]
client-id="burrow"
kafka-version="2.0.0"
[cluster.cairn]
class-name="kafka"
servers=["{broker}"]
client-profile="cairn"
topic-refresh=2
offset-refresh=1
[consumer.cairn]
class-name="kafka"
cluster="cairn"
servers=["{broker}"]
client-profile="cairn"
start-latest=false
[httpserver.default]
address="127.0.0.1:{http}"
[storage.default]
class-name="inmemory"
workers=2
intervals=10
min-distance=1
""".format(dir=self.dir, zk=self.zk_port, broker=self.broker.bootstrap, http=http_port))
        self.start(["Burrow", "--config-dir", self.dir], "burrow.log", cwd=self.dir)
        wait_for_port(http_port, 60, "Burrow")

        url = "http://127.0.0.1:%d/v3/kafka/cairn/consumer/burrow-g/lag" % http_port
        deadline = time.time() + 60
        seen, status = None, {}
        while time.time() < deadline:
            try:
                with HTTP.open(url, timeout=5) as response:
                    status = json.loads(response.read())["status"]
            except urllib.error.HTTPError as e:  # 404 until Burrow has read the group
                self.assertEqual(e.code, 404)
                time.sleep(0.5)
                continue
            seen = {p["partition"]: (p["end"]["offset"], p["current_lag"])
                    for p in status.get("partitions") or [] if p["topic"] == "burrowed"}
            if seen == {0: (2, 3), 1: (3, 0)}:
                break
            time.sleep(0.5)
        self.assertEqual(seen, {0: (2, 3), 1: (3, 0)}, "Burrow's view of burrow-g (partition: committed, lag)")
        self.assertEqual(status["totallag"], 3)


if __name__ == "__main__":
    unittest.main()
