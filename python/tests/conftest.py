"""Fixtures: the real Java server (cli/target/mps.jar, or $MPS_JAR) started on an ephemeral port."""
import os
import signal
import subprocess
import sys
import time

import pytest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(PYTHON_DIR)
sys.path.insert(0, PYTHON_DIR)

from momentumps.v1 import parameter_server_pb2 as pb  # noqa: E402


def mps_jar():
    jar = os.environ.get("MPS_JAR") or os.path.join(ROOT, "cli", "target", "mps.jar")
    if not os.path.isfile(jar):
        pytest.fail("no server jar at %s: build it first (./mvnw -B package -DskipTests) or set MPS_JAR" % jar)
    return jar


def java():
    home = os.environ.get("JAVA_HOME")
    return os.path.join(home, "bin", "java") if home else "java"


class ServerProcess:
    """``mps server ARGS --port P --port-file F`` in a child JVM; ``address`` once it listens."""

    def __init__(self, tmp_path, args, port=0, name="server"):
        self.tmp_path = tmp_path
        self.args = list(args)
        self.name = name
        self.log_path = str(tmp_path / (name + ".log"))
        self.port_file = str(tmp_path / (name + ".port"))
        self.process = None
        self.port = port
        self.start()

    def start(self):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        cmd = [java(), "-jar", mps_jar(), "server",
               "--port", str(self.port), "--port-file", self.port_file] + self.args
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 60
        while not os.path.exists(self.port_file):
            if self.process.poll() is not None:
                raise RuntimeError("the server exited with code %d before listening:\n%s"
                                   % (self.process.returncode, self.log()))
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("the server did not listen within 60 s:\n" + self.log())
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.port = int(f.read().strip())
        self.address = "127.0.0.1:%d" % self.port

    def log(self):
        with open(self.log_path) as f:
            return f.read()[-4000:]

    def kill(self):
        """SIGKILL: a crash, no final checkpoint."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="session")
def shared_server(tmp_path_factory):
    """shared_server(key, *args) -> a ServerProcess started once per test run for that key (tests that
    share one must not assume a fresh model: they compare before and after)."""
    started = {}

    def get(key, *args):
        if key not in started:
            started[key] = ServerProcess(tmp_path_factory.mktemp("server"), args)
        return started[key]

    yield get
    for s in started.values():
        s.stop()


@pytest.fixture
def start_server(tmp_path):
    """start_server(*args) -> a listening ServerProcess; every one started is stopped after the test."""
    started = []

    def start(*args, **kwargs):
        s = ServerProcess(tmp_path, args, **kwargs)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def observe(address, token=None):
    """The server's (version, weights) as an observer sees them (Pull with worker id -1)."""
    import grpc
    import numpy as np
    from momentumps.v1 import parameter_server_pb2_grpc as pb_grpc
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.ParameterServerStub(channel)
        metadata = None if token is None else (("authorization", "Bearer " + token),)
        status = stub.Status(pb.StatusRequest(), timeout=30, metadata=metadata)
        if not status.initialized:
            return status.version, None
        version, parts = None, []
        for frame in stub.Pull(pb.PullRequest(worker_id=-1), timeout=30, metadata=metadata):
            if frame.HasField("header"):
                version = frame.header.version
            else:
                parts.append(np.frombuffer(frame.chunk.data, dtype="<f4"))
        return version, np.concatenate(parts)
