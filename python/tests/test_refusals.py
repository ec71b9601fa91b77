"""What the server refuses — a NaN gradient, a model of another layout, a wrong token — is a one-line
error naming the problem, and the server's weights and version stay as they were."""
import numpy as np
import pytest
import torch

from conftest import observe
from momentumps import ServerError, UsageError, Worker

TOKEN = "s3cret-token-0123456789"


def started(address, model, **kwargs):
    w = Worker(address, 0, 1, model, **kwargs)
    w.start()
    return w


def one_line(error):
    text = str(error)
    assert "\n" not in text and len(text) < 400
    return text


@pytest.mark.parametrize("n,transport", [(6, "auto"), (300_000, "shared-memory"), (300_000, "grpc-stream")])
def test_nan_gradient(shared_server, n, transport):
    server = shared_server("momentum-%d" % n, "--optimizer", "momentum", "--lr", "0.1")
    model = torch.nn.Linear(n - 1, 1)
    w = started(server.address, model, transport=transport)
    w.zero_grad()
    w.push(1.0, 1)
    before = observe(server.address)
    assert before[0] >= 1
    w.zero_grad()
    model.bias.grad[0] = float("nan")
    with pytest.raises(ServerError) as e:
        w.push(1.0, 1)
    assert e.value.code == "INVALID_ARGUMENT"
    assert "finite" in one_line(e.value)
    after = observe(server.address)
    assert after[0] == before[0]
    np.testing.assert_array_equal(after[1], before[1])
    w.close()


def test_wrong_layout(shared_server):
    server = shared_server("momentum-6", "--optimizer", "momentum", "--lr", "0.1")
    started(server.address, torch.nn.Linear(5, 1)).close()
    before = observe(server.address)
    with pytest.raises(UsageError) as e:
        started(server.address, torch.nn.Linear(4, 1))
    text = one_line(e.value)
    assert "layout" in text and "weight[1, 5]" in text and "weight[1, 4]" in text
    after = observe(server.address)
    assert after[0] == before[0]
    np.testing.assert_array_equal(after[1], before[1])


def test_wrong_token(start_server, tmp_path, monkeypatch):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    server = start_server("--token-file", str(token_file))
    good = started(server.address, torch.nn.Linear(3, 1), token_file=str(token_file))
    good.zero_grad()
    good.push(1.0, 1)
    before = observe(server.address, token=TOKEN)
    with pytest.raises(ServerError) as e:
        started(server.address, torch.nn.Linear(3, 1), token="not-the-token-0123456789")
    assert e.value.code == "UNAUTHENTICATED" and "wrong bearer token" in one_line(e.value)
    monkeypatch.delenv("MPS_TOKEN", raising=False)
    with pytest.raises(ServerError) as e:
        started(server.address, torch.nn.Linear(3, 1))
    assert e.value.code == "UNAUTHENTICATED" and "missing bearer token" in one_line(e.value)
    monkeypatch.setenv("MPS_TOKEN", TOKEN)  # the environment variable works as the file does
    from_env = started(server.address, torch.nn.Linear(3, 1))
    from_env.close()
    good.close()
    after = observe(server.address, token=TOKEN)
    assert after[0] == before[0]
    np.testing.assert_array_equal(after[1], before[1])
