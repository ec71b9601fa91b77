"""A torch linear model and the Java ``linear`` model compute the same loss and gradient on the same
minibatch of the airfoil data (within 1e-6, relative to the gradient's largest element)."""
import os
import subprocess

import numpy as np
import pytest
import torch

from conftest import java, mps_jar
from momentumps.data import airfoil
from momentumps.layout import FlatModel

JAVA_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "java", "LinearGradient.java")


def java_loss_and_gradient(x, y, w):
    lines = ["%d %d" % x.shape]
    lines += [" ".join(repr(float(v)) for v in row) + " " + repr(float(label)) for row, label in zip(x, y)]
    lines.append(" ".join(repr(float(v)) for v in w))
    out = subprocess.run([java(), "-cp", mps_jar(), JAVA_SOURCE], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    values = out.stdout.split()
    return float(values[0]), np.array([np.float32(v) for v in values[1:]], dtype=np.float32)


@pytest.mark.parametrize("start", [0, 320])
def test_torch_linear_gradient_equals_javas(start):
    x, y = airfoil(1500)
    x, y = x[start:start + 32], y[start:start + 32]
    model = torch.nn.Linear(5, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.3, -0.7, 0.2, 1.1, -0.4]]))
        model.bias.fill_(0.25)
    flat = FlatModel(model)
    flat.zero_grad()
    loss = ((model(torch.from_numpy(x)).squeeze(1) - torch.from_numpy(y)) ** 2).mean() / 2
    loss.backward()
    ours = flat.grad_numpy().copy()

    java_loss, theirs = java_loss_and_gradient(x, y, flat.weights_numpy())

    assert theirs.shape == ours.shape == (6,)
    scale = np.abs(theirs).max()
    assert scale > 0.1
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6 * scale)
    assert abs(loss.item() - java_loss) <= 1e-6 * java_loss
