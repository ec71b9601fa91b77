"""Each path a push can take (inline PushPull, streamed chunks, the shared region, the payload socket;
float32 and float16) is exercised against the real server, asserted to be the path taken, and moves the weights exactly as
plain SGD with lr 0.5 says (w - 0.5 g, exact in float32)."""
import os

import numpy as np
import pytest
import torch

from conftest import observe
from momentumps import Worker
from momentumps.client import half

LR = 0.5
SMALL, MEDIUM, BIG = 6, 20_000, 300_000  # 24 B; 80 KB (over the 64 KiB inline-first size); 1.2 MB (over a chunk)
AT_SOCKET_LIMIT = 1 << 18  # 1 MiB: the largest model auto sends over the payload socket on the server's host


def sgd_server(shared_server, n):
    """One plain-SGD server per model size, shared by the tests (each compares before and after)."""
    return shared_server("sgd-%d" % n, "--optimizer", "sgd", "--lr", str(LR))


def push_once(address, n, transport, compress=None):
    """Starts a worker of an n-parameter model, pushes one gradient; returns the worker, the push's result,
    the weights plain SGD expects and the model's weights after the push."""
    torch.manual_seed(n)
    model = torch.nn.Linear(n - 1, 1)
    worker = Worker(address, 0, 1, model, transport=transport, compress=compress)
    worker.start()
    assert worker.version == observe(address)[0]
    w0 = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy().copy()
    g = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    worker.zero_grad()
    offset = 0
    for p in model.parameters():  # as backward() would: into each parameter's .grad
        p.grad.copy_(torch.from_numpy(g[offset:offset + p.numel()]).view(p.shape))
        offset += p.numel()
    result = worker.push(loss=1.0, batch_size=1)
    sent = half(g).astype(np.float32) if compress == "fp16" else g
    expected = w0 - np.float32(LR) * sent
    after = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy()
    return worker, result, expected, after


@pytest.mark.parametrize("n,transport,compress,path", [
    (SMALL, "auto", None, "socket"),  # one host, the server offers its payload socket: small models take it
    (AT_SOCKET_LIMIT, "auto", None, "socket"),
    (AT_SOCKET_LIMIT + 1, "auto", None, "shared-memory"),
    (BIG, "auto", None, "shared-memory"),
    (SMALL, "grpc-unary", None, "grpc-unary"),
    (BIG, "tcp", None, "grpc-stream"),
    (MEDIUM, "tcp", None, "grpc-unary"),
    (MEDIUM, "grpc-stream", None, "grpc-stream"),
    (BIG, "grpc-unary", None, "grpc-stream"),  # does not fit one message: the stream after all
    (SMALL, "auto", "fp16", "socket"),
    (SMALL, "tcp", "fp16", "grpc-unary"),
    (BIG, "tcp", "fp16", "grpc-stream"),
    (BIG, "shared-memory", "fp16", "shared-memory"),
    (SMALL, "socket", None, "socket"),
    (BIG, "socket", None, "socket"),  # more than one 1 MiB block each way
    (BIG, "socket", "fp16", "socket"),  # the rounded values, as float32
])
def test_push_takes_the_path_and_moves_the_weights(shared_server, n, transport, compress, path):
    server = sgd_server(shared_server, n)
    worker, result, expected, after = push_once(server.address, n, transport, compress)
    try:
        assert worker.last_transport == path
        if path == "socket":
            assert worker.client.region is None  # no region made for pushes that never use it
        assert result.applied and result.staleness == 0
        np.testing.assert_array_equal(after, expected)
        version, weights = observe(server.address)
        assert version == result.version
        np.testing.assert_array_equal(weights, expected)
    finally:
        worker.close()


def test_shared_region_is_the_models_own_memory(shared_server):
    worker, _, expected, _ = push_once(sgd_server(shared_server, BIG).address, BIG, "shared-memory")
    region = worker.client.region
    try:
        assert region is not None and os.path.dirname(region.path) == "/dev/shm"
        assert os.path.basename(region.path).startswith("mps-region-")
        params = list(worker.model.parameters())
        # the parameters are views into the region's weights half, the gradients into its gradient half
        assert params[0].data_ptr() == region.weights.ctypes.data
        assert params[0].grad.data_ptr() == region.gradient.ctypes.data
        np.testing.assert_array_equal(region.weights, expected)
    finally:
        worker.close()
    assert not os.path.exists(region.path)


def test_a_refused_region_falls_back_to_tcp(shared_server, monkeypatch, tmp_path):
    """The server maps only mps-region-* files in its /dev/shm: a region elsewhere is refused with the typed
    reason SHARED_REGION_UNAVAILABLE, and the same push goes streamed instead (nothing was applied twice)."""
    import momentumps.region
    monkeypatch.setattr(momentumps.region, "directory", lambda: str(tmp_path))
    worker, result, expected, after = push_once(sgd_server(shared_server, BIG).address, BIG, "auto")
    try:
        assert worker.last_transport == "grpc-stream" and not worker.client.same_host
        assert worker.client.region is None and os.listdir(str(tmp_path)) == []
        assert result.applied
        np.testing.assert_array_equal(after, expected)
    finally:
        worker.close()


def test_auto_on_another_host_takes_the_payload_socket(shared_server, monkeypatch):
    """A worker whose host id is not the server's (another host) moves its tensors on the payload socket the
    server offers, pulls included; the server counts the pushes under "socket"."""
    import momentumps.client
    monkeypatch.setattr(momentumps.client, "host_id", lambda: "another-host")
    server = sgd_server(shared_server, MEDIUM)
    worker, result, expected, after = push_once(server.address, MEDIUM, "auto")
    try:
        assert worker.last_transport == "socket" and worker.client.region is None
        np.testing.assert_array_equal(after, expected)
        weights = np.zeros(MEDIUM, dtype=np.float32)
        assert worker.client.pull(weights) == result.version
        np.testing.assert_array_equal(weights, expected)
        assert dict(worker.client.status().pushes_by_path).get("socket", 0) >= 1
    finally:
        worker.close()


def test_auto_stays_on_grpc_when_the_offered_socket_cannot_be_opened(shared_server, monkeypatch):
    """An offered socket that nothing answers on (a firewall, a port not forwarded): the push goes over gRPC,
    is applied once, and the socket is not tried again."""
    import socket
    import momentumps.client
    from momentumps.payload import PayloadSocket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]

    class Closed(PayloadSocket):
        def __init__(self, host, port, *args, **kwargs):
            super().__init__(host, closed_port, *args, **kwargs)

    monkeypatch.setattr(momentumps.client, "host_id", lambda: "another-host")
    monkeypatch.setattr(momentumps.client, "PayloadSocket", Closed)
    worker, result, expected, after = push_once(sgd_server(shared_server, BIG).address, BIG, "auto")
    try:
        assert worker.last_transport == "grpc-stream"
        assert worker.client.payload is None and worker.client.payload_unreachable
        assert result.applied
        np.testing.assert_array_equal(after, expected)
    finally:
        worker.close()


def test_socket_is_refused_with_tls():
    from momentumps.errors import UsageError
    import grpc
    from momentumps.client import GrpcClient
    with pytest.raises(UsageError, match="--transport socket sends gradients and weights in plaintext"):
        GrpcClient(grpc.insecure_channel("127.0.0.1:1"), transport="socket", address="127.0.0.1:1", plaintext=False)
