"""Measures the time of one training step (forward, backward, SGD step) of the digit CNN
(python/examples/digits_cnn.py) on minibatches of 16 MNIST-sized images, one thread, and prints one
duration in seconds per line: a trace for `--compute-time trace:FILE` (TimeDistribution.Trace).

    /usr/bin/python3 src/scripts/step-times.py 500 > trace.txt
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python", "examples"))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from digits_cnn import Cnn  # noqa: E402


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = Cnn()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(16, 1, 28, 28)
    y = torch.randint(0, 10, (16,))
    print("# seconds per training step of the digit CNN (batch 16, one thread), src/scripts/step-times.py")
    for k in range(steps + 20):
        t = time.perf_counter()
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        if k >= 20:
            print("%.6f" % (time.perf_counter() - t))


if __name__ == "__main__":
    main()
