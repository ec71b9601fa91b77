"""A CNN on MNIST (10,000 digits: the first 8,000 train, the last 2,000 test) as a momentum-ps worker script.

The network and the rest are digits_cnn.py's: two 5x5 convolutions (16 and 32 channels, each followed by
ReLU and 2x2 max-pooling), 128 hidden units, 10 outputs: 215,370 parameters.
``./mps train --worker-script python/examples/mnist_cnn.py --workers 4``.
"""
import os
import sys

from momentumps.data import mnist10k

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from digits_cnn import Cnn, DigitsTask, loss  # noqa: E402,F401  loss is this script's loss

DEFAULTS = {"batch_size": 64, "epochs": 5}
_task = DigitsTask(mnist10k)
data = _task.data
evaluate = _task.evaluate


def model():
    return Cnn(28)
