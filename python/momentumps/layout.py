"""A torch model's parameters as one flat float32 vector, the wire contract's tensor layout.

The layout is ``model.named_parameters()`` in order: each tensor's name and shape, its values the next
``numel`` elements of the flat vector (row-major, little-endian float32 on the wire). :class:`FlatModel`
makes every parameter (and its ``.grad``) a view into one flat weights tensor (and one flat gradient
tensor), so weights coming from the server land in the model, and the gradient ``backward()`` accumulates
is already the vector to push: nothing is gathered or scattered per step. The flat tensors may live in a
shared memory-mapped file (see :mod:`momentumps.region`); :meth:`FlatModel.move_to` rebinds them there.
"""
import sys

import numpy as np
import torch

from momentumps.v1 import parameter_server_pb2 as pb

if sys.byteorder != "little":  # the flat tensors are viewed as the wire's bytes without conversion
    raise ImportError("momentumps needs a little-endian machine")


def layout_of(model):
    """[(name, shape)] of ``model.named_parameters()``, in order."""
    return [(name, tuple(int(d) for d in p.shape)) for name, p in model.named_parameters()]


def to_proto(layout):
    return pb.ModelLayout(tensors=[pb.TensorSpec(name=name, shape=list(shape)) for name, shape in layout])


def from_proto(message):
    return [(t.name, tuple(int(d) for d in t.shape)) for t in message.tensors]


def describe(layout):
    """``weight[1, 5], bias[1]``: how the server's messages print a layout."""
    return ", ".join("%s%s" % (name, list(shape)) for name, shape in layout)


def num_elements(layout):
    total = 0
    for _, shape in layout:
        n = 1
        for d in shape:
            n *= d
        total += n
    return total


class FlatModel:
    """A model whose parameters and gradients are views into two flat float32 tensors."""

    def __init__(self, model):
        self.model = model
        self.params = [p for _, p in model.named_parameters()]
        if not self.params:
            raise ValueError("model: it has no parameters")
        for name, p in model.named_parameters():
            if p.dtype != torch.float32 or p.device.type != "cpu":
                raise ValueError("model: parameter '%s' is %s on %s; momentumps workers train float32 CPU "
                                 "models" % (name, p.dtype, p.device))
        self.layout = layout_of(model)
        self.n = num_elements(self.layout)
        weights = torch.empty(self.n, dtype=torch.float32)
        grad = torch.zeros(self.n, dtype=torch.float32)
        offset = 0
        with torch.no_grad():
            for p in self.params:
                weights[offset:offset + p.numel()].copy_(p.reshape(-1))
                offset += p.numel()
        self._bind(weights, grad)

    def _bind(self, weights, grad):
        self.weights = weights
        self.grad = grad
        offset = 0
        for p in self.params:
            k = p.numel()
            p.data = weights[offset:offset + k].view(p.shape)
            p.grad = grad[offset:offset + k].view(p.shape)
            offset += k

    def move_to(self, weights, grad):
        """Rebinds the parameters to ``weights`` and the gradients to ``grad`` (flat float32 tensors of n
        elements, e.g. a shared region's halves), keeping the current values."""
        weights.copy_(self.weights)
        grad.copy_(self.grad)
        self._bind(weights, grad)

    def zero_grad(self):
        """Zeroes the flat gradient; a ``.grad`` that autograd or the user replaced becomes a view again."""
        self.grad.zero_()
        offset = 0
        for p in self.params:
            k = p.numel()
            if p.grad is None or p.grad.data_ptr() != self.grad[offset:offset + k].data_ptr():
                p.grad = self.grad[offset:offset + k].view(p.shape)
            offset += k

    def weights_numpy(self):
        return self.weights.numpy()

    def grad_numpy(self):
        """The flat gradient; a parameter whose ``.grad`` autograd replaced is copied back in first."""
        offset = 0
        for p in self.params:
            k = p.numel()
            view = self.grad[offset:offset + k]
            if p.grad is None:
                view.zero_()
            elif p.grad.data_ptr() != view.data_ptr():
                view.copy_(p.grad.reshape(-1))
                p.grad = view.view(p.shape)
            offset += k
        return self.grad.numpy()


def as_float32_bytes(array):
    """A float32 numpy array's little-endian bytes (no copy when it is contiguous)."""
    return memoryview(np.ascontiguousarray(array, dtype="<f4")).cast("B")
