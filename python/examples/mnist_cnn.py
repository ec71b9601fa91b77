"""A CNN on MNIST (10,000 digits: the first 8,000 train, the last 2,000 test) as a momentum-ps worker script.

Two 5x5 convolutions (16 and 32 channels, each followed by ReLU and 2x2 max-pooling), 128 hidden units,
10 outputs: 215,370 parameters. ``./mps train --worker-script python/examples/mnist_cnn.py --workers 4``.
"""
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from momentumps.data import mnist10k

DEFAULTS = {"batch_size": 64, "epochs": 5}
_cache = {}


class Cnn(torch.nn.Module):
    """The Java worker's ``--model cnn`` is this network (dev.momentumps.worker.model.Cnn); the smaller sizes
    serve its gradient fixture (python/tests/cnn_fixture.py)."""

    def __init__(self, side=28, channels=(16, 32), hidden=128, classes=10):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, channels[0], 5, padding=2)
        self.conv2 = torch.nn.Conv2d(channels[0], channels[1], 5, padding=2)
        self.fc1 = torch.nn.Linear(channels[1] * (side // 4) ** 2, hidden)
        self.fc2 = torch.nn.Linear(hidden, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def _data():
    if not _cache:
        _cache["sets"] = [torch.from_numpy(a) for a in mnist10k()]
    return _cache["sets"]


def model():
    return Cnn(28)


def loss(output, target):
    return F.cross_entropy(output, target)


def data(rank, workers, batch_size, seed):
    """Rank r trains on every workers-th example from r, reshuffled each epoch (seeded)."""
    x, y, _, _ = _data()
    g = torch.Generator().manual_seed(seed * 1000 + rank)
    return DataLoader(TensorDataset(x[rank::workers], y[rank::workers]), batch_size=batch_size, shuffle=True,
                      generator=g)


def evaluate(m):
    """Mean cross-entropy over the training and the test split, and the test accuracy."""
    x, y, tx, ty = _data()
    with torch.no_grad():
        m.eval()
        train_loss = sum(F.cross_entropy(m(x[i:i + 1000]), y[i:i + 1000], reduction="sum").item()
                         for i in range(0, len(x), 1000)) / len(x)
        test = m(tx)
        result = {"loss": train_loss, "test_loss": F.cross_entropy(test, ty).item(),
                  "accuracy": (test.argmax(1) == ty).float().mean().item()}
        m.train()
    return result
