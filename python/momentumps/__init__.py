"""momentumps: PyTorch workers for the momentum-ps parameter server.

    from momentumps import Worker, train
    train(model, torch.nn.functional.cross_entropy, loader, epochs=5,
          server="127.0.0.1:7070", rank=0, world_size=4)

The server (Java) holds the weights, the update rule and its state; the workers compute gradients of any
``torch.nn.Module`` and exchange them over the language-neutral contract in proto/ (stubs in
:mod:`momentumps.v1`).
"""
from momentumps.errors import MomentumPsError, ServerError, UsageError
from momentumps.layout import FlatModel, layout_of
from momentumps.training import Result, Worker, train

__all__ = ["Worker", "train", "Result", "FlatModel", "layout_of", "MomentumPsError", "ServerError", "UsageError"]
