"""python3 -m momentumps.worker: the example scripts, and one-line errors for bad flags and missing data."""
import json
import os
import types

import pytest

from conftest import PYTHON_DIR
from momentumps.worker import main

EXAMPLES = os.path.join(PYTHON_DIR, "examples")


@pytest.fixture
def worker(capsys):
    """worker(*args) -> (exit code, stdout, stderr) of the command's main(), run in this process."""
    def run(*args):
        code = main(list(args))
        out = capsys.readouterr()
        return types.SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)
    return run


@pytest.mark.parametrize("script,values,steps", [
    ("mnist_cnn.py", 215_370, [5 * 32] * 4),      # 2,000 examples a rank, batch 64: 32 a pass, 5 passes
    ("optdigits_cnn.py", 31_050, [3 * 30] * 4),  # 955-956 a rank, batch 32: 30 a pass, 3 passes
    ("linear.py", 6, [2 * 38] * 4),              # 375 a rank, batch 10: 38 a pass, 2 passes
])
def test_describe_the_examples(worker, script, values, steps):
    out = worker("--script", os.path.join(EXAMPLES, script), "--workers", "4", "--describe")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["num_elements"] == values and d["steps"] == steps and d["evaluates"]


def test_the_mnist_cnns_layout_is_named_parameters_in_order(worker):
    out = worker("--script", os.path.join(EXAMPLES, "mnist_cnn.py"), "--describe")
    names = [(t["name"], t["shape"]) for t in json.loads(out.stdout)["layout"]]
    assert names == [("conv1.weight", [16, 1, 5, 5]), ("conv1.bias", [16]), ("conv2.weight", [32, 16, 5, 5]),
                     ("conv2.bias", [32]), ("fc1.weight", [128, 1568]), ("fc1.bias", [128]),
                     ("fc2.weight", [10, 128]), ("fc2.bias", [10])]


def test_the_digit_examples_train_one_cnn_class():
    from momentumps import script as scripts
    mnist = scripts.load(os.path.join(EXAMPLES, "mnist_cnn.py"))
    digits = scripts.load(os.path.join(EXAMPLES, "optdigits_cnn.py"))
    assert type(mnist.model()) is type(digits.model())
    assert mnist.model().fc1.in_features == 32 * 7 * 7 and digits.model().fc1.in_features == 32 * 2 * 2
    r = digits.evaluate(digits.model())
    assert set(r) == {"loss", "test_loss", "accuracy"} and 0 <= r["accuracy"] <= 1 and r["loss"] > 0


def test_missing_data_is_one_clear_line(worker, tmp_path, monkeypatch):
    monkeypatch.setenv("MPS_DATA_DIR", str(tmp_path / "nowhere"))
    out = worker("--script", os.path.join(EXAMPLES, "mnist_cnn.py"), "--describe")
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "mnist10k-images-idx3-ubyte.gz not found" in lines[0], out.stderr


@pytest.mark.parametrize("args,message", [
    (["--rank", "4", "--workers", "4"], "--rank must be in [0, --workers), got 4 of 4"),
    (["--batch-size", "0"], "--batch-size must be >= 1"),
    (["--server", "nohost"], "--server must be HOST:PORT"),
])
def test_bad_flags_are_one_line(worker, args, message):
    out = worker("--script", os.path.join(EXAMPLES, "linear.py"), *args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], out.stderr


def test_a_script_without_a_model_function(worker, tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def loss(o, t):\n    return o\n")
    out = worker("--script", str(bad))
    assert out.returncode == 2 and "defines no function model()" in out.stderr


def test_a_worker_exits_when_the_process_that_started_it_dies(tmp_path):
    """MPS_PARENT_PID (what mps train gives its children): the worker leaves once that parent is gone."""
    import subprocess
    import sys
    import time
    # a parent shell starts the worker (waiting for a server that never answers) and is then SIGKILLed
    pid_file = tmp_path / "worker.pid"
    code = ("import os, subprocess, sys; p = subprocess.Popen([sys.executable, '-m', 'momentumps.worker', "
            "'--script', %r, '--server', '127.0.0.1:9', '--reconnect-ms', '600000'], "
            "env=dict(os.environ, MPS_PARENT_PID=str(os.getpid()), PYTHONPATH=%r)); "
            "open(%r, 'w').write(str(p.pid)); p.wait()") % (os.path.join(EXAMPLES, "linear.py"), PYTHON_DIR,
                                                          str(pid_file))
    parent = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 60
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    child = int(pid_file.read_text())
    time.sleep(1.0)
    assert os.path.exists("/proc/%d" % child)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 60
    while os.path.exists("/proc/%d" % child) and open("/proc/%d/stat" % child).read().split()[2] != "Z":
        assert time.monotonic() < deadline, "the worker outlived its parent"
        time.sleep(0.1)
