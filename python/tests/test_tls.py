"""TLS and mutual TLS: a Python worker trains against a server that requires them, and is refused
(one line, the server unchanged) without the CA's trust or without a client certificate."""
import subprocess

import pytest
import torch

from conftest import observe
from momentumps import ServerError, Worker


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("certs")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=momentum-ps test CA", cwd=d)
    for who, san in (("server", "IP:127.0.0.1,DNS:localhost"), ("client", "DNS:worker")):
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", who + ".key", cwd=d)
        openssl("req", "-new", "-key", who + ".key", "-out", who + ".csr", "-subj", "/CN=" + who, cwd=d)
        (d / (who + ".ext")).write_text("subjectAltName=" + san + "\n")
        openssl("x509", "-req", "-in", who + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", who + ".pem", "-days", "2", "-extfile", who + ".ext", cwd=d)
    return {name: str(d / name) for name in ("ca.pem", "server.pem", "server.key", "client.pem", "client.key")}


def train_a_step(address, **tls):
    w = Worker(address, 0, 1, torch.nn.Linear(3, 1), deadline=20, reconnect=0, **tls)
    try:
        w.start()
        w.zero_grad()
        return w.push(1.0, 1)
    finally:
        w.close()


def test_mutual_tls(start_server, certs):
    server = start_server("--tls-cert", certs["server.pem"], "--tls-key", certs["server.key"], "--tls-client-ca",
                          certs["ca.pem"])
    r = train_a_step(server.address, tls_ca=certs["ca.pem"], tls_cert=certs["client.pem"],
                     tls_key=certs["client.key"])
    assert r.applied and r.version == 1
    with pytest.raises(ServerError) as e:  # TLS without a client certificate: the handshake fails
        train_a_step(server.address, tls_ca=certs["ca.pem"])
    assert e.value.code == "UNAVAILABLE" and "\n" not in str(e.value)
    with pytest.raises(ServerError) as e:  # plaintext to a TLS server
        train_a_step(server.address)
    assert e.value.code == "UNAVAILABLE"


def test_tls(start_server, certs):
    server = start_server("--tls-cert", certs["server.pem"], "--tls-key", certs["server.key"])
    assert train_a_step(server.address, tls_ca=certs["ca.pem"]).version == 1
    with pytest.raises(ServerError):  # a server whose certificate the given CA did not sign
        train_a_step(server.address, tls_ca=certs["client.pem"])
