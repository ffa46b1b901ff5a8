"""Starts and stops a real cairnd for the compatibility tests."""
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

CAIRND = os.environ.get("CAIRND", "build/release/app/cairnd")
# Prefixed to a broker's command line: the broker gets SIGKILL when the test
# process dies (a test that ctest kills on timeout runs no tearDown), so no
# broker outlives its test. setpriv is util-linux's, on every Debian
# machine. The signal follows the thread that started the broker: start
# brokers from the test's main thread.
DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL"]
# Loopback HTTP never goes through an http_proxy from the environment.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def first_ephemeral_port():
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        return int(f.read().split()[0])


def free_port():
    """A loopback port nothing is bound to, below the kernel's ephemeral range.
    Tests restart a broker on its old port; a port from the ephemeral range
    could meanwhile become the local port of any outgoing connection on this
    machine, and the restarted broker would fail with "address already in
    use" (seen in the quorum test, tests/process/test_controller_quorum.py)."""
    highest = first_ephemeral_port() - 1
    lowest = min(10000, highest // 2)
    while True:
        port = random.randint(lowest, highest)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


class Cairnd:
    """A single-node cairnd on a free loopback port with its own data dir."""

    def __init__(self, *overrides, data_dir=None, port=None):
        self.dir = data_dir or tempfile.mkdtemp(prefix="cairn-compat-")
        self.port = port or free_port()
        self.overrides = list(overrides)
        # A free admin port unless the test sets admin.listener itself: the
        # default (127.0.0.1:9644) would collide between tests run at once.
        self.admin_port = None
        if not any(o.startswith("admin.listener=") for o in self.overrides):
            self.admin_port = free_port()
            self.overrides.insert(0, "admin.listener=127.0.0.1:%d" % self.admin_port)
        self.proc = None
        self.log_path = os.path.join(self.dir, "cairnd.log")

    @property
    def bootstrap(self):
        return "127.0.0.1:%d" % self.port

    def start(self):
        args = [CAIRND,
                "--override", "listeners=PLAINTEXT://127.0.0.1:%d" % self.port,
                "--override", "log.dirs=%s" % os.path.join(self.dir, "data"),
                "--override", "smp=2"]
        for o in self.overrides:
            args += ["--override", o]
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(DIE_WITH_PARENT + args, stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("cairnd exited with %d:\n%s" % (self.proc.returncode, self.logs()))
            if self.ready():
                return self
            time.sleep(0.05)
        raise AssertionError("cairnd did not start listening:\n" + self.logs())

    def ready(self):
        """Whether the broker serves clients. With the admin listener this is
        /v1/ready, which opens no Kafka connection (a probe connection would
        count against max.connections.per.ip until the broker saw it close)."""
        try:
            if self.admin_port is not None:
                url = "http://127.0.0.1:%d/v1/ready" % self.admin_port
                with HTTP.open(url, timeout=0.5) as response:
                    return response.status == 200
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:  # refused, or HTTPError (503: not ready yet)
            return False

    def logs(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        code = self.proc.returncode if self.proc else 0
        self.proc = None
        self.log.close()
        return code

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc = None
        self.log.close()

    def cleanup(self):
        if self.proc:
            self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
