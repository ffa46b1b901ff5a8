"""Starts and stops a real cairnd for the compatibility tests."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

CAIRND = os.environ.get("CAIRND", "build/release/app/cairnd")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cairnd:
    """A single-node cairnd on a free loopback port with its own data dir."""

    def __init__(self, *overrides, data_dir=None, port=None):
        self.dir = data_dir or tempfile.mkdtemp(prefix="cairn-compat-")
        self.port = port or free_port()
        self.overrides = list(overrides)
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
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("cairnd exited with %d:\n%s" % (self.proc.returncode, self.logs()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("cairnd did not start listening:\n" + self.logs())

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
