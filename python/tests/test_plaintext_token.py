"""A worker that would send its bearer token without TLS to a host other than this machine warns once."""
import torch

from momentumps import Worker
from momentumps import client as clients

TOKEN = "0123456789abcdef0123"


def test_a_token_in_plaintext_to_another_host_is_warned_of():
    warning = clients.plaintext_token_warning("10.1.2.3:7071", None, TOKEN)
    assert warning is not None and "10.1.2.3" in warning and "without TLS" in warning and "--tls-ca" in warning


def test_loopback_tls_or_no_token_are_not_warned_of():
    for server in ("127.0.0.1:7071", "127.0.0.2:7071", "[::1]:7071", "localhost:7071"):
        assert clients.plaintext_token_warning(server, None, TOKEN) is None, server
    assert clients.plaintext_token_warning("10.1.2.3:7071", None, None) is None
    assert clients.plaintext_token_warning("10.1.2.3:7071", "ca.pem", TOKEN) is None


def test_a_worker_warns_once(monkeypatch, capsys):
    monkeypatch.setattr(clients, "_warned_plaintext_token", False)
    for _ in range(3):
        w = Worker("192.0.2.7:7071", 0, 1, torch.nn.Linear(3, 1), deadline=5, reconnect=0, token=TOKEN)
        w.close()
    err = capsys.readouterr().err
    assert err.count("without TLS") == 1, err
    assert "192.0.2.7" in err
