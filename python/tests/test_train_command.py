"""mps train with Python workers: a mixed run (2 Python + 2 Java workers, asynchronous) trains one model
and reports every worker's staleness in the same run directory files a Java run writes."""
import json
import os
import subprocess

from conftest import PYTHON_DIR, ROOT, java, mps_jar

AIRFOIL = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "airfoil_self_noise.dat"))


def test_mixed_python_and_java_workers(tmp_path):
    assert os.path.isfile(AIRFOIL), "data file %s not found (../shared/data beside the project)" % AIRFOIL
    out = tmp_path / "run"
    run = subprocess.run([java(), "-jar", mps_jar(), "train", "--worker-script",
                          os.path.join(PYTHON_DIR, "examples", "linear.py"), "--python-workers", "2", "--workers",
                          "4", "--model", "linear", "--data", AIRFOIL, "--rows", "1500", "--standardize", "all",
                          "--batch-size", "10", "--epochs", "1", "--optimizer", "momentum", "--lr", "0.01",
                          "--delay-ms", "2", "--no-progress", "--out", str(out)],
                         capture_output=True, text=True, timeout=600)
    logs = {name: (out / name).read_text() for name in os.listdir(out) if name.endswith(".log")} if out.exists() else {}
    assert run.returncode == 0, run.stdout + run.stderr + json.dumps(logs, indent=1)
    summary = json.loads((out / "summary.json").read_text())
    workers = summary["per_worker"]
    assert sorted(w["rank"] for w in workers) == [0, 1, 2, 3]
    for w in workers:
        assert w["pushes"] == 38, w  # 375 rows a rank, batch 10: 38 minibatches, Java and Python alike
        hist = w["staleness_histogram"]
        assert sum(hist) == w["pushes"], w
    assert "worker 0 done: 38 steps" in logs["worker-0.log"] and "worker 1 done: 38 steps" in logs["worker-1.log"]
    assert "worker 2 done: 38 steps" in logs["worker-2.log"]  # a Java worker's line
    for name in ("metrics.csv", "loss.png", "staleness.png"):
        assert (out / name).stat().st_size > 0, name
    assert "(2 Python)" in run.stdout


def test_bench_transport_with_python_workers(tmp_path):
    """The benchmark's Python-worker flag runs (a short smoke run, not a measurement)."""
    run = subprocess.run([java(), "-jar", mps_jar(), "bench", "transport", "--python-workers", "--params", "1000",
                          "--workers", "1", "--seconds", "0.5", "--warmup-seconds", "0", "--dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["impl"] == "momentum-ps (Python workers)" and result["rounds"] > 0
    assert result["transport"] == "socket"  # 4 KB on the server's host: the payload socket, as the Java client chooses
