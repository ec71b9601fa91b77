"""The MNIST example's CNN on UCI optdigits (8x8 digits, 3,823 train, 1,797 test): a quick example.

Same layers as mnist_cnn.py (two 5x5 convolutions of 16 and 32 channels with 2x2 max-pooling, 128 hidden
units), 31,050 parameters. ``./mps train --worker-script python/examples/optdigits_cnn.py --workers 4``.
"""
import os
import sys

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from momentumps.data import optdigits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mnist_cnn import Cnn  # noqa: E402  the same network, for 8x8 inputs

DEFAULTS = {"batch_size": 32, "epochs": 3}
_cache = {}


def _data():
    if not _cache:
        _cache["sets"] = [torch.from_numpy(a) for a in optdigits()]
    return _cache["sets"]


def model():
    return Cnn(8)


def loss(output, target):
    return F.cross_entropy(output, target)


def data(rank, workers, batch_size, seed):
    x, y, _, _ = _data()
    g = torch.Generator().manual_seed(seed * 1000 + rank)
    return DataLoader(TensorDataset(x[rank::workers], y[rank::workers]), batch_size=batch_size, shuffle=True,
                      generator=g)


def evaluate(m):
    x, y, tx, ty = _data()
    with torch.no_grad():
        m.eval()
        test = m(tx)
        result = {"loss": F.cross_entropy(m(x), y).item(), "test_loss": F.cross_entropy(test, ty).item(),
                  "accuracy": (test.argmax(1) == ty).float().mean().item()}
        m.train()
    return result
