"""A server killed mid-run and started again from its checkpoint: the Python worker processes reconnect
(register again under their ranks, drop the push in flight) and the run finishes."""
import os
import subprocess
import sys
import time

from conftest import PYTHON_DIR, ServerProcess, observe

SCRIPT = os.path.join(PYTHON_DIR, "examples", "linear.py")


def test_workers_reconnect_after_a_server_restart(tmp_path):
    ckpt = str(tmp_path / "ckpt")
    args = ["--optimizer", "momentum", "--lr", "0.01", "--checkpoint-dir", ckpt, "--checkpoint-every", "10",
            "--checkpoint-seconds", "0"]
    server = ServerProcess(tmp_path, args)
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR)
    workers = []
    for rank in range(2):
        log = open(str(tmp_path / ("worker-%d.log" % rank)), "w")
        workers.append(subprocess.Popen(
            [sys.executable, "-m", "momentumps.worker", "--server", server.address, "--rank", str(rank),
             "--workers", "2", "--script", SCRIPT, "--steps", "150", "--delay-ms", "20", "--deadline-ms", "10000",
             "--reconnect-ms", "60000", "--await-workers"], stdout=log, stderr=subprocess.STDOUT, env=env))
        log.close()
    try:
        deadline = time.monotonic() + 120
        # both workers register before either trains (--await-workers): otherwise one alone could reach
        # version 40 while the other still imports torch, and that one would first register after the restart
        while observe(server.address)[0] < 40:
            assert time.monotonic() < deadline, "the workers made no progress:\n" + server.log()
            assert all(w.poll() is None for w in workers), "a worker ended before the crash"
            time.sleep(0.1)
        server.kill()
        time.sleep(1.0)  # the workers see UNAVAILABLE and back off
        restarted = ServerProcess(tmp_path, args + ["--resume", ckpt], port=server.port, name="restarted")
        try:
            codes = [w.wait(180) for w in workers]
            logs = [open(str(tmp_path / ("worker-%d.log" % r))).read() for r in range(2)]
            assert codes == [0, 0], "\n".join(logs)
            for rank, text in enumerate(logs):
                assert "registered again" in text, text
                assert "worker %d done: 150 steps" % rank in text, text
            assert "resum" in restarted.log().lower(), restarted.log()
            status_version = observe(restarted.address)[0]
            assert status_version >= 40
        finally:
            restarted.stop()
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
        server.stop()
