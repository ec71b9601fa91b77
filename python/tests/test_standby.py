"""Python workers with a hot standby: the primary server process is killed with SIGKILL mid-run, the workers
fail over to the standby and lose no acknowledged update (a synchronous run ends with exactly the weights
of the same run against one server that never failed), in threads against ``mps server`` processes and as
worker processes of ``mps train --standby --worker-script``."""
import json
import os
import signal
import subprocess
import threading
import time

import numpy as np
import pytest
import torch

from conftest import PYTHON_DIR, ROOT, ServerProcess, java, mps_jar, observe
from momentumps import Worker, train
from momentumps.errors import UsageError

OPTIONS = ["--mode", "sync", "--optimizer", "momentum", "--lr", "0.05", "--beta", "0.9"]
WORKERS, STEPS, KILL_AT_STEP = 2, 30, 10
AIRFOIL = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "airfoil_self_noise.dat"))


def model_and_batches(rank):
    torch.manual_seed(3)
    model = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    g = torch.Generator().manual_seed(10 + rank)
    x = torch.randn(STEPS * 10, 6, generator=g)
    y = torch.randint(0, 3, (STEPS * 10,), generator=g)
    return model, [(x[i:i + 10], y[i:i + 10]) for i in range(0, STEPS * 10, 10)]


def run(server, failover=None, kill=None):
    """WORKERS synchronous workers in threads; rank 0 kills ``kill`` (SIGKILL) after its step KILL_AT_STEP.
    Returns the workers and their results."""
    workers, results, errors = [], [None] * WORKERS, []

    def on_step(step, loss, r):
        if kill is not None and step == KILL_AT_STEP:
            kill.process.send_signal(signal.SIGKILL)  # while the other worker pushes this round

    for rank in range(WORKERS):
        model, _ = model_and_batches(rank)
        workers.append(Worker(server, rank, WORKERS, model, failover=failover, await_workers=True, deadline=20.0,
                              reconnect=30.0))

    def go(rank):
        try:
            _, batches = model_and_batches(rank)
            results[rank] = train(workers[rank].model, torch.nn.functional.cross_entropy, batches,
                                  worker=workers[rank], on_step=on_step if rank == 0 else None)
        except Exception as e:  # reported below, with the servers' logs
            errors.append(e)

    threads = [threading.Thread(target=go, args=(r,)) for r in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    return workers, results


def test_sigkilled_primary_loses_no_acknowledged_update(tmp_path):
    plain = ServerProcess(tmp_path, OPTIONS, name="plain")
    try:
        run(plain.address)
        expected_version, expected = observe(plain.address)
    finally:
        plain.stop()
    assert expected_version == STEPS

    standby = ServerProcess(tmp_path, OPTIONS + ["--as-standby"], name="standby")
    primary = None
    try:
        primary = ServerProcess(tmp_path, OPTIONS + ["--standby", standby.address], name="primary")
        assert "replicating to the hot standby" in primary.log(), primary.log()
        workers, results = run(primary.address, failover=standby.address, kill=primary)
        assert primary.process.wait(10) == -signal.SIGKILL
        assert "the primary is gone" in standby.log(), standby.log()
        for w, r in zip(workers, results):
            assert w.failovers == 1 and w.current_server == standby.address, (w.failovers, w.current_server)
            assert w.pushes_dropped == 0 and w.reconnects == 0
            assert r.steps == STEPS and r.applied == STEPS and r.version == STEPS, vars(r)
        version, weights = observe(standby.address)
        assert version == STEPS, "one version per synchronous round, every round completed once"
        np.testing.assert_array_equal(weights, expected)  # bit for bit: nothing lost, nothing applied twice
    finally:
        if primary is not None:
            primary.stop()
        standby.stop()


def test_a_bad_failover_address_is_named():
    with pytest.raises(UsageError, match="--failover must be HOST:PORT"):
        Worker("127.0.0.1:1", 0, 1, torch.nn.Linear(2, 1), failover="nowhere")


def _children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                with open("/proc/%s/cmdline" % entry, "rb") as f:
                    cmdline = f.read().split(b"\0")
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                kids.append((int(entry), [a.decode() for a in cmdline]))
    return kids


def test_mps_train_standby_with_python_workers(tmp_path):
    """mps train --standby --worker-script: the server process is killed with SIGKILL mid-run, the Python
    workers (given --failover through MPS_FAILOVER) finish on the standby, and every push of the synchronous
    run is applied once there."""
    assert os.path.isfile(AIRFOIL), "data file %s not found (../shared/data beside the project)" % AIRFOIL
    out = tmp_path / "run"
    train_run = subprocess.Popen(
        [java(), "-jar", mps_jar(), "train", "--standby", "--worker-script",
         os.path.join(PYTHON_DIR, "examples", "linear.py"), "--python-workers", "2", "--workers", "2", "--mode",
         "sync", "--model", "linear", "--data", AIRFOIL, "--rows", "1500", "--standardize", "all", "--batch-size",
         "10", "--epochs", "1", "--optimizer", "momentum", "--lr", "0.01", "--delay-ms", "5", "--no-progress",
         "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 180
        primary = None
        while primary is None:
            assert train_run.poll() is None and time.monotonic() < deadline, train_run.stdout.read()
            primary = next((pid for pid, cmd in _children(train_run.pid) if "server" in cmd and "--standby" in cmd),
                           None)
            time.sleep(0.05)
        port_file = out / "server.port"
        while not (port_file.exists() and port_file.read_text().strip()):
            assert time.monotonic() < deadline, "no server port"
            time.sleep(0.05)
        address = "127.0.0.1:" + port_file.read_text().strip()
        while observe(address)[0] < 8:
            assert train_run.poll() is None and time.monotonic() < deadline, train_run.stdout.read()
            time.sleep(0.05)
        os.kill(primary, signal.SIGKILL)
        output, _ = train_run.communicate(timeout=180)
    finally:
        if train_run.poll() is None:
            train_run.kill()
            train_run.wait()
    logs = {name: (out / name).read_text() for name in os.listdir(out) if name.endswith(".log")}
    assert train_run.returncode == 0, output + json.dumps(logs, indent=1)
    assert "server died (killed by SIGKILL); the workers fail over to the hot standby" in output, output
    summary = json.loads((out / "summary.json").read_text())
    # 750 rows a rank, batch 10: 75 pushes each, every one applied once, one version per round
    assert [w["pushes"] for w in sorted(summary["per_worker"], key=lambda w: w["rank"])] == [75, 75], summary
    assert summary["gradients_applied"] == 150 and summary["updates"] == 75, summary
    for rank in range(2):
        assert "worker %d failed over 1 times" % rank in logs["worker-%d.log" % rank], logs
        assert "worker %d done: 75 steps" % rank in logs["worker-%d.log" % rank], logs
    assert "the primary is gone" in logs["standby.log"], logs["standby.log"]
