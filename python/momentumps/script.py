"""A worker script: the Python file ``--script FILE`` names, which defines the model, the loss and the data.

It defines four functions (module level)::

    def model():                              # a torch.nn.Module (made after torch.manual_seed(seed))
    def loss(output, target):                 # a scalar tensor, e.g. torch.nn.functional.cross_entropy
    def data(rank, workers, batch_size, seed):  # this worker's minibatches: an iterable of (x, y), e.g. a
                                              #   DataLoader over the rank-th part of the training set
    def evaluate(model):                      # optional: {"loss": training-set loss, "accuracy": test
                                              #   accuracy or None}, for reports

and may set ``DEFAULTS = {"batch_size": 64, "epochs": 5}``, used when the command line does not say.
python/examples/ holds three: a CNN on MNIST, the same CNN on optdigits (both from digits_cnn.py), a linear
model on airfoil.
"""
import importlib.util
import os

import torch

from momentumps.errors import UsageError

REQUIRED = ("model", "loss", "data")


def load(path):
    """The script as a module; UsageError naming the file when it is missing or lacks a function."""
    if not os.path.isfile(path):
        raise UsageError("--script %s: no such file" % path)
    name = "momentumps_script_" + os.path.splitext(os.path.basename(path))[0].replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for fn in REQUIRED:
        if not callable(getattr(module, fn, None)):
            raise UsageError("--script %s: defines no function %s() (a worker script defines model(), loss(output, "
                             "target), data(rank, workers, batch_size, seed) and may define evaluate(model))"
                             % (path, fn))
    return module


def defaults(module):
    return dict(getattr(module, "DEFAULTS", {}) or {})


def make_model(module, seed):
    """The script's model, its initial weights drawn from ``seed`` (every rank draws the same)."""
    torch.manual_seed(seed)
    m = module.model()
    if not isinstance(m, torch.nn.Module):
        raise UsageError("model(): returned %s, not a torch.nn.Module" % type(m).__name__)
    return m


def make_data(module, rank, workers, batch_size, seed):
    loader = module.data(rank, workers, batch_size, seed)
    try:
        steps = len(loader)
    except TypeError:
        raise UsageError("data(): returned %s, which has no len(); return a DataLoader or a list of (x, y)"
                         % type(loader).__name__) from None
    if steps == 0:
        raise UsageError("data(): rank %d of %d has no minibatches" % (rank, workers))
    return loader
