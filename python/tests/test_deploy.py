"""The Python worker image and its manifest (src/deploy/python) agree with the worker command and with
the Java deployment's Secret and server."""
import os
import re

import yaml

from conftest import ROOT
from momentumps.worker import parser

DEPLOY = os.path.join(ROOT, "src", "deploy")


def load(path):
    with open(path) as f:
        return list(yaml.safe_load_all(f))


def test_the_manifest_runs_the_worker_command_of_the_image():
    (job,) = load(os.path.join(DEPLOY, "python", "workers.yaml"))
    assert job["kind"] == "Job" and job["spec"]["completionMode"] == "Indexed"
    (c,) = job["spec"]["template"]["spec"]["containers"]
    args = c["args"]
    flags = {s for a in parser()._actions for s in a.option_strings}
    for a in args:
        if a.startswith("--"):
            assert a in flags, "python3 -m momentumps.worker has no option " + a
    value = {a: args[i + 1] for i, a in enumerate(args[:-1]) if a.startswith("--")}
    assert value["--rank"] == "$(JOB_COMPLETION_INDEX)"
    assert int(value["--workers"]) == job["spec"]["completions"] == job["spec"]["parallelism"]
    assert "--await-workers" in args
    # the script is one the image copies, and exists here
    script = value["--script"]
    assert script.startswith("/opt/mps/python/examples/")
    assert os.path.isfile(os.path.join(ROOT, "python", "examples", os.path.basename(script)))
    # the server is the first pod of the Java deployment's StatefulSet, on its port
    server = [d for d in load(os.path.join(DEPLOY, "k8s", "server.yaml")) if d["kind"] == "StatefulSet"][0]
    port = [e["value"] for e in server["spec"]["template"]["spec"]["containers"][0]["env"]
            if e["name"] == "MPS_PORT"][0]
    assert value["--server"] == "%s-0.mps-server:%s" % (server["metadata"]["name"], port)
    # the token and the CA come from the same Secret as the Java containers'
    (secret,) = load(os.path.join(DEPLOY, "k8s", "secret.yaml"))
    ref = [e for e in c["env"] if e["name"] == "MPS_TOKEN"][0]["valueFrom"]["secretKeyRef"]
    assert ref["name"] == secret["metadata"]["name"] and ref["key"] in secret["stringData"]
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    assert value["--tls-ca"] == mounts["credentials"] + "/ca.crt" and "ca.crt" in secret["stringData"]
    assert mounts["data"] == "/data"


def test_the_image_has_debians_packages_and_the_package():
    with open(os.path.join(DEPLOY, "python", "Dockerfile")) as f:
        docker = f.read()
    for package in ("python3-torch", "python3-numpy", "python3-grpcio", "python3-protobuf"):
        assert package in docker
    assert "COPY python/momentumps /opt/mps/python/momentumps" in docker
    assert "COPY python/examples /opt/mps/python/examples" in docker
    assert re.search(r"ENV PYTHONPATH=/opt/mps/python MPS_DATA_DIR=/data", docker)
    assert 'ENTRYPOINT ["python3", "-m", "momentumps.worker"]' in docker
    (job,) = load(os.path.join(DEPLOY, "python", "workers.yaml"))
    image = job["spec"]["template"]["spec"]["containers"][0]["image"]
    assert "-t " + image in docker
