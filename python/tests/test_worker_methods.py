"""The worker-side methods of the Python worker (momentumps.methods: DANA-Slim, local SGD / SlowMo's inner
loop, EASGD/EAMSGD) against hand-computed steps and against the Java worker's classes on the same known
gradients (bit for bit), and ``mps train --worker-script`` with them end to end."""
import json
import os
import subprocess

import numpy as np
import pytest
import torch

from conftest import PYTHON_DIR, ROOT, java, mps_jar
from momentumps import methods
from momentumps.errors import UsageError
from momentumps.layout import FlatModel

JAVA_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "java", "WorkerMethods.java")
AIRFOIL = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "airfoil_self_noise.dat"))


class Known:
    """A flat model whose k-th minibatch gradient at x is a*x + c_k (no autograd: the methods' arithmetic alone)."""

    def __init__(self, a, c):
        module = torch.nn.Module()
        module.w = torch.nn.Parameter(torch.zeros(len(a)))
        self.flat = FlatModel(module)
        self.a = torch.tensor(a, dtype=torch.float32)
        self.c = [torch.tensor(ck, dtype=torch.float32) for ck in c]
        self.k = 0
        self.at = []

    def compute(self):
        self.at.append(self.flat.weights.clone())
        self.flat.grad.copy_(self.a * self.flat.weights + self.c[self.k])
        self.k += 1
        return float(self.k), 1

    def push(self, method, sent):
        """One push from the sent weights: the vector the worker sends."""
        self.flat.weights.copy_(torch.tensor(sent, dtype=torch.float32))
        method.next(self.flat, self.compute)
        return self.flat.grad.clone().numpy()


def test_dana_slim_by_hand():
    k = Known([1.0, 2.0], [[0.5, 0.0], [0.0, -1.0]])
    m = methods.DanaSlim(2, 0.5)
    # g = [1, 2]*[1, 1] + [0.5, 0] = [1.5, 2]; v = g; sends g + 0.5 v = [2.25, 3]
    np.testing.assert_array_equal(k.push(m, [1, 1]), [2.25, 3.0])
    # g = [1, 2]*[0, 1] + [0, -1] = [0, 1]; v = 0.5 [1.5, 2] + g = [0.75, 2]; sends [0.375, 2]
    np.testing.assert_array_equal(k.push(m, [0, 1]), [0.375, 2.0])


def test_local_sgd_by_hand():
    k = Known([1.0], [[0.0], [0.0], [0.0], [0.0]])
    m = methods.LocalSgd(1, steps=2, lr=0.5, beta=0.5)
    # x0 = 4: g = 4, d = 4, x = 2; g = 2, d = 0.5*4 + 2 = 4, x = 0: sends x0 - x2 = 4
    np.testing.assert_array_equal(k.push(m, [4]), [4.0])
    assert [float(x) for x in k.at] == [4.0, 2.0], "the gradients are taken at x0 and x1"
    # d carries over: x0 = 2: g = 2, d = 2 + 2 = 4, x = 0; g = 0, d = 2, x = -1: sends 3
    np.testing.assert_array_equal(k.push(m, [2]), [3.0])


def test_elastic_worker_by_hand():
    k = Known([1.0], [[0.0], [0.0]])
    m = methods.ElasticWorker(1, steps=1, lr=0.5, alpha=0.25, delta=0.0)
    # x = 4 (the first sent weights): g = 4, v = -2, x = 2; sends 2, owes 0.25 (2 - 4) = -0.5
    np.testing.assert_array_equal(k.push(m, [4]), [2.0])
    # the center is 3 now; g at x = 2 is 2, v = -1, x = (2 - (-0.5)) - 1 = 1.5; sends 1.5
    np.testing.assert_array_equal(k.push(m, [3]), [1.5])


def run_java(head, params, a, c, sent):
    lines = [head, params, " ".join(repr(float(v)) for v in a)]
    lines += [" ".join(repr(float(v)) for v in ck) for ck in c]
    lines += [" ".join(repr(float(v)) for v in s) for s in sent]
    out = subprocess.run([java(), "-cp", mps_jar(), JAVA_SOURCE], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [np.array([np.float32(v) for v in line.split()], dtype=np.float32) for line in out.stdout.splitlines()]


@pytest.mark.parametrize("name,params,make", [
    ("dana-slim", "0.9", lambda n: methods.DanaSlim(n, 0.9)),
    ("local-sgd", "3 0.07 0.6", lambda n: methods.LocalSgd(n, 3, 0.07, 0.6)),
    ("local-sgd", "2 0.3 0", lambda n: methods.LocalSgd(n, 2, 0.3, 0.0)),
    ("elastic", "2 0.05 0.225 0", lambda n: methods.ElasticWorker(n, 2, 0.05, 0.225, 0.0)),
    ("elastic", "3 0.05 0.3 0.9", lambda n: methods.ElasticWorker(n, 3, 0.05, 0.3, 0.9)),
])
def test_the_python_methods_send_what_the_java_worker_sends(name, params, make):
    rng = np.random.default_rng(7)
    n, pushes = 5, 6
    steps = 1 if name == "dana-slim" else int(params.split()[0])
    a = rng.uniform(0.1, 2.0, n).astype(np.float32)
    c = rng.normal(size=(pushes * steps, n)).astype(np.float32)
    sent = rng.normal(size=(pushes, n)).astype(np.float32)
    theirs = run_java("%s %d %d" % (name, n, pushes), params, a, c, sent)
    k = Known(a, c)
    m = make(n)
    ours = [k.push(m, s) for s in sent]
    assert len(theirs) == pushes
    for t in range(pushes):
        np.testing.assert_array_equal(ours[t], theirs[t], "push %d of %s %s" % (t, name, params))


def test_flags_are_checked_together_and_named():
    with pytest.raises(UsageError, match="--local-lr"):
        methods.from_flags(3, local_steps=2)
    with pytest.raises(UsageError, match="--dana-slim"):
        methods.from_flags(3, local_steps=2, local_lr=0.1, dana_slim=0.9)
    with pytest.raises(UsageError, match="--dana-slim"):
        methods.from_flags(3, dana_slim=1.0)
    with pytest.raises(UsageError, match="--elastic"):
        methods.from_flags(3, local_lr=0.1, elastic=1.5)
    assert methods.pushes(75, methods.from_flags(3, local_steps=4, local_lr=0.1)) == 19


def train(tmp_path, *flags):
    out = tmp_path / "run"
    run = subprocess.run([java(), "-jar", mps_jar(), "train", "--worker-script",
                          os.path.join(PYTHON_DIR, "examples", "linear.py"), "--workers", "2", "--model", "linear",
                          "--data", AIRFOIL, "--rows", "1500", "--standardize", "all", "--batch-size", "10",
                          "--epochs", "1", "--no-progress", "--out", str(out)] + list(flags),
                         capture_output=True, text=True, timeout=600)
    logs = {name: (out / name).read_text() for name in os.listdir(out) if name.endswith(".log")} if out.exists() else {}
    assert run.returncode == 0, run.stdout + run.stderr + json.dumps(logs, indent=1)
    return json.loads((out / "summary.json").read_text()), logs


def test_mps_train_runs_python_workers_with_local_steps_for_slowmo(tmp_path):
    assert os.path.isfile(AIRFOIL), "data file %s not found (../shared/data beside the project)" % AIRFOIL
    summary, logs = train(tmp_path, "--optimizer", "slowmo", "--lr", "0.5", "--local-steps", "3", "--local-lr",
                          "0.02")
    # 750 rows a rank, batch 10: 75 minibatches, 25 pushes of 3 local steps
    assert [w["pushes"] for w in summary["per_worker"]] == [25, 25], summary["per_worker"]
    assert "local-sgd(steps=3, lr=0.02, momentum=0.0)" in logs["worker-0.log"]
    assert summary["final_loss"] < 0.45, summary  # from 0.5 at zero weights (standardised labels)


def test_mps_train_runs_python_workers_with_dana_slim(tmp_path):
    summary, logs = train(tmp_path, "--optimizer", "sgd", "--lr", "0.01", "--dana-slim", "0.9")
    assert [w["pushes"] for w in summary["per_worker"]] == [75, 75], summary["per_worker"]
    assert "dana-slim(gamma=0.9)" in logs["worker-1.log"]
    assert summary["final_loss"] < 0.45, summary
