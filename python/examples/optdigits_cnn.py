"""The MNIST example's CNN on UCI optdigits (8x8 digits, 3,823 train, 1,797 test): a quick example.

The network and the rest are digits_cnn.py's, for 8x8 inputs: 31,050 parameters.
``./mps train --worker-script python/examples/optdigits_cnn.py --workers 4``.
"""
import os
import sys

from momentumps.data import optdigits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from digits_cnn import Cnn, DigitsTask, loss  # noqa: E402,F401  loss is this script's loss

DEFAULTS = {"batch_size": 32, "epochs": 3}
_task = DigitsTask(optdigits)
data = _task.data
evaluate = _task.evaluate


def model():
    return Cnn(8)
