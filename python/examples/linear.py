"""Linear least squares on the airfoil data as Dive into Deep Learning prepares it (every column
standardised, the first 1,500 rows): the same model, layout and loss as the Java ``linear`` model
(weight [1, 5], bias [1]; loss (y_hat - y)^2 / 2 averaged), so Java and Python workers can share a run:
``./mps train --model linear --data ../shared/data/airfoil_self_noise.dat --rows 1500 --standardize all
--worker-script python/examples/linear.py --python-workers 2 --workers 4``.
"""
import torch
from torch.utils.data import DataLoader, TensorDataset

from momentumps.data import airfoil

DEFAULTS = {"batch_size": 10, "epochs": 2}
_cache = {}


def _data():
    if not _cache:
        x, y = airfoil(1500)
        _cache["sets"] = torch.from_numpy(x), torch.from_numpy(y)
    return _cache["sets"]


def model():
    m = torch.nn.Linear(5, 1)
    torch.nn.init.zeros_(m.weight)  # as the Java linear model starts
    torch.nn.init.zeros_(m.bias)
    return m


def loss(output, target):
    return ((output.squeeze(1) - target) ** 2).mean() / 2


def data(rank, workers, batch_size, seed):
    x, y = _data()
    g = torch.Generator().manual_seed(seed * 1000 + rank)
    return DataLoader(TensorDataset(x[rank::workers], y[rank::workers]), batch_size=batch_size, shuffle=True,
                      generator=g)


def evaluate(m):
    x, y = _data()
    with torch.no_grad():
        return {"loss": loss(m(x), y).item(), "accuracy": None}
