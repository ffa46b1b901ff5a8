"""The HTTP admin listener of a real cairnd (DESIGN.md §10): /v1/health,
/v1/ready, and /metrics in Prometheus text format counting what a real
client (confluent-kafka) produced and fetched; admin.listener= disables it
and a port in use stops the start with an error naming the key."""
import os
import re
import socket
import sys
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from cairnd_process import HTTP, Cairnd, free_port  # noqa: E402

import confluent_kafka  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def http_get(port, path, timeout=10):
    """(status, headers, body) of GET http://127.0.0.1:port/path."""
    try:
        with HTTP.open("http://127.0.0.1:%d%s" % (port, path), timeout=timeout) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def parse_metrics(text):
    """{(name, ((label, value), ...)): float} plus {family: type}; checks
    that every sample line parses and every family has HELP and TYPE."""
    samples, types, helps = {}, {}, set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helps.add(line.split(" ")[2])
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            types[name] = kind
            continue
        match = SAMPLE.match(line)
        if not match:
            raise AssertionError("unparsable metrics line: %r" % line)
        name, labels, value = match.groups()
        key = (name, tuple(LABEL.findall(labels or "")))
        if key in samples:
            raise AssertionError("duplicate sample %r" % (key,))
        samples[key] = float(value)
    if set(types) != helps:
        raise AssertionError("HELP and TYPE lines differ: %r vs %r" % (sorted(types), sorted(helps)))
    return samples, types


def listening_ports(pid):
    """TCP ports the process `pid` listens on (from /proc)."""
    inodes = set()
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as f:
            next(f)
            for row in f:
                fields = row.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


class AdminEndpoints(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Cairnd().start()  # returns once /v1/ready answers 200
        cls.port = cls.broker.admin_port

    @classmethod
    def tearDownClass(cls):
        code = cls.broker.stop()
        cls.broker.cleanup()
        if code != 0:
            raise AssertionError("cairnd exited with %d" % code)

    def test_health_and_ready_answer_200(self):
        status, _, body = http_get(self.port, "/v1/health")
        self.assertEqual((status, body), (200, "ok\n"))
        status, _, body = http_get(self.port, "/v1/ready")
        self.assertEqual((status, body), (200, "ready\n"))

    def test_unknown_paths_and_other_methods_are_refused(self):
        self.assertEqual(http_get(self.port, "/nope")[0], 404)
        request = urllib.request.Request("http://127.0.0.1:%d/metrics" % self.port, data=b"x", method="POST")
        with self.assertRaises(urllib.error.HTTPError) as raised:
            HTTP.open(request, timeout=10)
        self.assertEqual(raised.exception.code, 405)

    def test_the_process_listens_on_the_kafka_and_admin_ports(self):
        self.assertEqual(listening_ports(self.broker.proc.pid), {self.broker.port, self.port})

    def test_metrics_count_produced_records_exactly(self):
        topic = "admin-metrics"
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(timeout=20)

        # Several batches of different sizes: flush between rounds.
        producer = confluent_kafka.Producer({"bootstrap.servers": self.broker.bootstrap, "linger.ms": 5})
        delivered = []
        total = 0
        for round_size in (1, 10, 100, 3):
            for i in range(round_size):
                producer.produce(topic, key=b"k%d" % i, value=b"value-%d" % total,
                                 on_delivery=lambda err, msg: delivered.append(err))
                total += 1
            producer.flush(20)
        self.assertEqual(len(delivered), total)
        self.assertEqual([e for e in delivered if e is not None], [])

        consumer = confluent_kafka.Consumer({"bootstrap.servers": self.broker.bootstrap, "group.id": "unused",
                                             "enable.auto.commit": False, "auto.offset.reset": "earliest"})
        consumer.assign([confluent_kafka.TopicPartition(topic, 0, confluent_kafka.OFFSET_BEGINNING)])
        got, deadline = 0, time.time() + 30
        while got < total and time.time() < deadline:
            message = consumer.poll(0.5)
            if message is not None and not message.error():
                got += 1
        consumer.close()
        self.assertEqual(got, total)

        status, headers, body = http_get(self.port, "/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
        samples, types = parse_metrics(body)
        by_topic = (("topic", topic),)
        self.assertEqual(types["kafka_server_brokertopicmetrics_messagesin_total"], "counter")
        self.assertEqual(samples[("kafka_server_brokertopicmetrics_messagesin_total", by_topic)], total)
        self.assertGreater(samples[("kafka_server_brokertopicmetrics_bytesin_total", by_topic)], 0)
        self.assertGreater(samples[("kafka_server_brokertopicmetrics_bytesout_total", by_topic)], 0)
        produce = (("request", "Produce"),)
        self.assertGreaterEqual(samples[("kafka_network_requestmetrics_requests_total", produce)], 1)
        self.assertGreaterEqual(samples[("kafka_network_requestmetrics_requests_total", (("request", "Fetch"),))], 1)
        self.assertEqual(types["kafka_network_requestmetrics_totaltimems"], "histogram")
        self.assertEqual(samples[("kafka_network_requestmetrics_totaltimems_bucket", produce + (("le", "+Inf"),))],
                         samples[("kafka_network_requestmetrics_totaltimems_count", produce)])
        # Each of the four flushed rounds needed at least one durable write.
        self.assertEqual(types["kafka_log_logflushstats_logflushrateandtimems"], "histogram")
        flushes = samples[("kafka_log_logflushstats_logflushrateandtimems_count", ())]
        self.assertGreaterEqual(flushes, 4)
        self.assertEqual(samples[("kafka_log_logflushstats_logflushrateandtimems_bucket", (("le", "+Inf"),))],
                         flushes)
        self.assertGreater(samples[("kafka_log_logflushstats_logflushrateandtimems_sum", ())], 0)
        self.assertGreater(samples[("kafka_log_log_size", by_topic + (("partition", "0"),))], 0)
        self.assertGreaterEqual(samples[("cairn_partitions", ())], 1)
        self.assertEqual(samples[("cairn_offline_partitions", ())], 0)
        self.assertEqual(samples[("cairn_partitions_offline_for_writes", ())], 0)
        self.assertEqual(samples[("kafka_controller_kafkacontroller_activecontrollercount", ())], 1)


class AdminListenerSettings(unittest.TestCase):
    def test_an_empty_admin_listener_disables_it(self):
        port = free_port()
        # The later override wins: the admin listener is off.
        broker = Cairnd("admin.listener=127.0.0.1:%d" % port, "admin.listener=")
        self.addCleanup(broker.cleanup)
        broker.start()
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        self.assertEqual(listening_ports(broker.proc.pid), {broker.port})
        self.assertEqual(broker.stop(), 0)

    def test_an_admin_port_in_use_stops_the_start_naming_the_key(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            broker = Cairnd("admin.listener=127.0.0.1:%d" % port)
            self.addCleanup(broker.cleanup)
            with self.assertRaises(AssertionError) as raised:
                broker.start()
            self.assertIn("admin.listener", str(raised.exception))
            self.assertIn("127.0.0.1:%d" % port, str(raised.exception))
            self.assertEqual(broker.proc.returncode, 1)


if __name__ == "__main__":
    unittest.main()
