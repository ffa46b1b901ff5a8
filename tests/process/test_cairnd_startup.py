"""Real-process tests of cairnd start-up: config errors, data dir ownership,
recovery of a damaged partition, and a clean stop. Run by ctest with the
CAIRND environment variable naming the binary."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

from confluent_kafka.admin import AdminClient

CAIRND = os.environ.get("CAIRND", "build/release/app/cairnd")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, cwd, timeout=20):
    return subprocess.run([CAIRND] + args, cwd=cwd, capture_output=True, text=True, timeout=timeout)


class Node:
    """A cairnd process running in the background until stop()."""

    def __init__(self, cwd, args=()):
        self.proc = subprocess.Popen([CAIRND] + list(args), cwd=cwd, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)

    def wait_for_log(self, text, timeout=10):
        deadline = time.time() + timeout
        seen = []
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            seen.append(line)
            if text in line:
                return "".join(seen)
        raise AssertionError("cairnd never logged %r; got:\n%s" % (text, "".join(seen)))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=20)
        return self.proc.returncode, err


class ConfigErrors(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cairnd-test-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def assert_config_error(self, args, *expected):
        result = run(args, self.dir)
        self.assertEqual(result.returncode, 2, result.stderr)
        for text in expected:
            self.assertIn(text, result.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "data")), "a bad config must not touch data")

    def test_unknown_key_names_the_key_and_line(self):
        path = os.path.join(self.dir, "server.properties")
        with open(path, "w") as f:
            f.write("# comment\nnode.id=1\nlog.retention.hourz=5\n")
        self.assert_config_error(["--config", path], "unknown config key 'log.retention.hourz' (line 3)")

    def test_bad_value_names_the_key(self):
        self.assert_config_error(["--override", "num.partitions=many"], "'num.partitions'", "expected an integer")

    def test_out_of_range_value_names_the_key(self):
        self.assert_config_error(["--override", "num.partitions=0"], "'num.partitions'", "at least 1")

    def test_missing_required_key_names_the_key(self):
        self.assert_config_error(["--override", "process.roles=broker"], "controller.quorum.voters")

    def test_bad_listener_names_the_key(self):
        self.assert_config_error(["--override", "listeners=PLAINTEXT:/nowhere"], "listeners")

    def test_a_listener_host_that_does_not_resolve_names_the_key(self):
        self.assert_config_error(["--override", "listeners=PLAINTEXT://no-such-broker.invalid:9092"],
                                 "invalid value 'PLAINTEXT://no-such-broker.invalid:9092' for 'listeners'",
                                 "cannot resolve the host 'no-such-broker.invalid'")

    def test_an_admin_listener_host_that_does_not_resolve_names_the_key(self):
        self.assert_config_error(["--override", "admin.listener=no-such-broker.invalid:9644"],
                                 "invalid value 'no-such-broker.invalid:9644' for 'admin.listener'",
                                 "cannot resolve the host 'no-such-broker.invalid'")

    def test_an_own_voters_entry_that_does_not_resolve_names_the_key(self):
        self.assert_config_error(["--override", "controller.quorum.voters=1@no-such-broker.invalid:9093"],
                                 "invalid value '1@no-such-broker.invalid:9093' for 'controller.quorum.voters'",
                                 "cannot resolve the host 'no-such-broker.invalid'")

    def test_unreadable_config_file(self):
        self.assert_config_error(["--config", "/nonexistent/server.properties"], "/nonexistent/server.properties")

    def test_malformed_override(self):
        self.assert_config_error(["--override", "no-equals-sign"], "key=value")

    def test_unknown_flag(self):
        self.assert_config_error(["--frobnicate"], "--frobnicate")

    def test_check_config_prints_effective_values(self):
        result = run(["--check-config", "--override", "num.partitions=6"], self.dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("num.partitions=6\n", result.stdout)
        self.assertIn("log.segment.bytes=1073741824\n", result.stdout)


class Lifecycle(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cairnd-test-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def test_starts_with_defaults_claims_the_data_dir_and_stops_cleanly(self):
        node = Node(self.dir)
        node.wait_for_log("started")
        with open(os.path.join(self.dir, "data", "meta.properties")) as f:
            self.assertEqual(f.read(), "version=1\nnode.id=1\n")
        second = run([], self.dir)
        self.assertEqual(second.returncode, 1)
        self.assertIn("is in use by another process", second.stderr)
        code, err = node.stop()
        self.assertEqual(code, 0, err)
        self.assertIn("stopped cleanly", err)

    def shard_cpus(self, pid):
        """Each shard thread's allowed CPUs (Cpus_allowed_list), by thread name."""
        cpus = {}
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                name = f.read().strip()
            if name.startswith("shard-"):
                with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                    cpus[name] = next(l.split()[1] for l in f if l.startswith("Cpus_allowed_list:"))
        return cpus

    def test_shards_float_over_the_cpus_unless_smp_pin_cpus(self):
        allowed = sorted(os.sched_getaffinity(0))
        for pin, expected in (("false", None), ("true", [str(allowed[i % len(allowed)]) for i in range(2)])):
            node = Node(self.dir, ["--override", "smp=2", "--override", "smp.pin.cpus=" + pin,
                                   "--override", "listeners=PLAINTEXT://127.0.0.1:%d" % free_port(),
                                   "--override", "admin.listener="])
            node.wait_for_log("started")
            cpus = self.shard_cpus(node.proc.pid)
            code, err = node.stop()
            self.assertEqual(code, 0, err)
            self.assertEqual(sorted(cpus), ["shard-0", "shard-1"])
            if expected is None:  # as this test's own CPUs, written as a list
                with open("/proc/self/status") as f:
                    own = next(l.split()[1] for l in f if l.startswith("Cpus_allowed_list:"))
                self.assertEqual([cpus["shard-0"], cpus["shard-1"]], [own, own])
            else:
                self.assertEqual([cpus["shard-0"], cpus["shard-1"]], expected)

    def test_a_listener_named_by_host_binds_its_address_and_advertises_the_name(self):
        # localhost in capitals: resolved (RFC 4343), not the usual spelling's shortcut.
        port, admin_port = free_port(), free_port()
        node = Node(self.dir, ["--override", "listeners=PLAINTEXT://LOCALHOST:%d" % port,
                               "--override", "admin.listener=LOCALHOST:%d" % admin_port])
        log = node.wait_for_log("started")
        self.assertIn("listening on [PLAINTEXT://127.0.0.1:%d]" % port, log)
        no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
        with no_proxy.open("http://127.0.0.1:%d/v1/ready" % admin_port, timeout=5) as ready:
            self.assertEqual(ready.status, 200)
        metadata = AdminClient({"bootstrap.servers": "127.0.0.1:%d" % port}).list_topics(timeout=10)
        self.assertEqual([(b.id, b.host, b.port) for b in metadata.brokers.values()], [(1, "LOCALHOST", port)])
        code, err = node.stop()
        self.assertEqual(code, 0, err)

    def test_a_voter_without_a_controller_listener_binds_its_named_voters_entry(self):
        port, admin_port, quorum_port = free_port(), free_port(), free_port()
        node = Node(self.dir, ["--override", "listeners=PLAINTEXT://127.0.0.1:%d" % port,
                               "--override", "admin.listener=127.0.0.1:%d" % admin_port,
                               "--override", "controller.quorum.voters=1@LOCALHOST:%d" % quorum_port])
        node.wait_for_log("started")
        with socket.create_connection(("127.0.0.1", quorum_port), timeout=5):
            pass  # the quorum's port is bound at the name's address
        code, err = node.stop()
        self.assertEqual(code, 0, err)

    def test_a_data_dir_of_another_node_is_refused(self):
        os.makedirs(os.path.join(self.dir, "data"))
        with open(os.path.join(self.dir, "data", "meta.properties"), "w") as f:
            f.write("version=1\nnode.id=7\n")
        result = run([], self.dir)
        self.assertEqual(result.returncode, 1)
        self.assertIn("belongs to node.id 7", result.stderr)

    def test_a_damaged_partition_goes_offline_and_the_node_still_starts(self):
        partition = os.path.join(self.dir, "data", "orders-0")
        os.makedirs(partition)
        with open(os.path.join(partition, "leader-epoch-checkpoint"), "w") as f:
            f.write("not a checkpoint")
        healthy = os.path.join(self.dir, "data", "payments-3")
        os.makedirs(healthy)
        node = Node(self.dir)
        log = node.wait_for_log("started")
        self.assertIn("partition orders-0 is offline", log)
        self.assertIn("1 partition(s) recovered, 1 offline", log)
        code, err = node.stop()
        self.assertEqual(code, 0, err)
        # The damaged partition was left exactly as found, for an operator.
        with open(os.path.join(partition, "leader-epoch-checkpoint")) as f:
            self.assertEqual(f.read(), "not a checkpoint")
        self.assertTrue(os.path.exists(os.path.join(healthy, "00000000000000000000.log")))


if __name__ == "__main__":
    unittest.main()
