"""The README's quick start, as a user runs it: scripts/run-single-node.sh
(install what is missing, here nothing; build cairnd and the `cairn` CLI;
start a single-node cairnd on 127.0.0.1:9092 with its data in ./data), then
the `cairn` commands of the README's "Try it" block, read from README.md
itself so that the two cannot drift apart."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

# Kafka's default partitioner as kafka-python implements it, to know where
# the README's keys must land without asking Cairn.
from kafka.partitioner.default import murmur2

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCRIPT = os.path.join(REPO, "scripts", "run-single-node.sh")
CLI = os.path.join(REPO, "build", "release", "client", "cli", "cairn")
READY_URL = "http://127.0.0.1:9644/v1/ready"  # admin.listener's default


def readme_try_it_block():
    """The command lines of README.md's "Try it" block, after its alias line."""
    with open(os.path.join(REPO, "README.md")) as f:
        text = f.read()
    match = re.search(r"\nTry it, .*?```sh\n(.*?)```", text, re.S)
    assert match, "README.md has no \"Try it\" block"
    lines = [line for line in match.group(1).splitlines() if line.strip()]
    assert lines[0] == "alias cairn=$PWD/build/release/client/cli/cairn", lines[0]
    return lines[1:]


def ready():
    try:
        with urllib.request.urlopen(READY_URL, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


class QuickStart(unittest.TestCase):
    def setUp(self):
        # Where the user stands: the broker's ./data goes here, not into the
        # repository.
        self.dir = tempfile.mkdtemp(prefix="cairn-quickstart-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.log = open(os.path.join(self.dir, "run-single-node.log"), "w+")
        self.addCleanup(self.log.close)

    def log_text(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-4000:]

    def start(self):
        for port in (9092, 9644):
            with socket.socket() as probe:
                self.assertNotEqual(probe.connect_ex(("127.0.0.1", port)), 0,
                                    "something already listens on 127.0.0.1:%d" % port)
        # The script execs cairnd, so this process becomes the broker.
        self.proc = subprocess.Popen([SCRIPT], cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.addCleanup(self.kill)
        deadline = time.time() + 900  # it builds first when the release build is missing
        while not ready():
            if self.proc.poll() is not None:
                self.fail("run-single-node.sh exited with %d:\n%s" % (self.proc.returncode, self.log_text()))
            if time.time() > deadline:
                self.fail("cairnd not ready after 900 s:\n" + self.log_text())
            time.sleep(0.2)

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def run_readme_line(self, line):
        # Each `cairn` word that starts a command (alone or after a pipe) is
        # the alias the README defines.
        command = re.sub(r"(^|\| )cairn ", lambda m: m.group(1) + CLI + " ", line)
        result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=REPO, capture_output=True,
                                text=True, timeout=60)
        self.assertEqual(result.returncode, 0, "%s\nstderr: %s" % (line, result.stderr))
        return result.stdout

    def test_readme_quick_start(self):
        self.start()
        lines = readme_try_it_block()
        self.assertEqual([line.split()[0] for line in lines], ["cairn", "cairn", "printf", "cairn"])
        info, created, produced, consumed = (self.run_readme_line(line) for line in lines)

        summary, brokers = info.split("\n\n")
        self.assertEqual(summary.splitlines()[0], "CLUSTER     cairn")
        self.assertEqual(summary.splitlines()[2], "BROKERS     1")
        self.assertEqual([row.split() for row in brokers.splitlines()][1][1:], ["127.0.0.1", "9092", "-"])
        self.assertEqual(created, "Created topic demo.\n")
        self.assertRegex(produced, r"\AProduced 2 records to demo in \d+\.\d{3} s\.\n\Z")

        # printf 'k1:hello\nk2:world\n' with key separator ':' into 3
        # partitions, read back as '%p/%o %k=%v': each record in the
        # partition Kafka's partitioner gives its key, offsets from 0.
        expected, next_offset = [], {}
        for key, value in (("k1", "hello"), ("k2", "world")):
            partition = (murmur2(key.encode()) & 0x7FFFFFFF) % 3
            offset = next_offset.get(partition, 0)
            next_offset[partition] = offset + 1
            expected.append("%d/%d %s=%s" % (partition, offset, key, value))
        self.assertEqual(sorted(consumed.splitlines()), sorted(expected))

        # A clean stop, and the data where the README says.
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(timeout=30), 0, self.log_text())
        self.assertEqual(sorted(d for d in os.listdir(os.path.join(self.dir, "data")) if d.startswith("demo-")),
                         ["demo-0", "demo-1", "demo-2"])


if __name__ == "__main__":
    unittest.main()
