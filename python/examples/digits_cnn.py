"""The CNN of the digit examples (mnist_cnn.py, optdigits_cnn.py) and what they share: the loss, each rank's
minibatches and the evaluation. A script names its data and image side and takes the rest from here.

Two 5x5 convolutions (16 and 32 channels, each followed by ReLU and 2x2 max-pooling), 128 hidden units,
10 outputs: 215,370 parameters on 28x28 images, 31,050 on 8x8.
"""
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


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


class DigitsTask:
    """A digit classification set for the CNN: ``load()`` returns numpy arrays (train x, train y, test x,
    test y), read once per process on first use."""

    def __init__(self, load):
        self._load = load
        self._sets = None

    def sets(self):
        if self._sets is None:
            self._sets = [torch.from_numpy(a) for a in self._load()]
        return self._sets

    def data(self, rank, workers, batch_size, seed):
        """Rank r trains on every workers-th example from r, reshuffled each epoch (seeded)."""
        x, y, _, _ = self.sets()
        g = torch.Generator().manual_seed(seed * 1000 + rank)
        return DataLoader(TensorDataset(x[rank::workers], y[rank::workers]), batch_size=batch_size, shuffle=True,
                          generator=g)

    def evaluate(self, m):
        """Mean cross-entropy over the training and the test split, and the test accuracy."""
        x, y, tx, ty = self.sets()
        with torch.no_grad():
            m.eval()
            train_loss = sum(F.cross_entropy(m(x[i:i + 1000]), y[i:i + 1000], reduction="sum").item()
                             for i in range(0, len(x), 1000)) / len(x)
            test = m(tx)
            result = {"loss": train_loss, "test_loss": F.cross_entropy(test, ty).item(),
                      "accuracy": (test.argmax(1) == ty).float().mean().item()}
            m.train()
        return result


def loss(output, target):
    return F.cross_entropy(output, target)
