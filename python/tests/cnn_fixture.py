"""Writes the fixture the Java CNN's gradient is checked against: PyTorch's loss and gradient of
python/examples/digits_cnn.py's network (mnist_cnn.py's), shrunk (8x8 images, 2 and 3 channels, 6 hidden units, 4 classes) so the
fixture stays small, on a seeded minibatch of 5 random images.

    cd python && /usr/bin/python3 tests/cnn_fixture.py

rewrites worker/src/test/resources/dev/momentumps/worker/model/cnn-torch.json; test_cnn_fixture.py checks the
committed file is what this script computes.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "python", "examples"))
FIXTURE = os.path.join(ROOT, "worker", "src", "test", "resources", "dev", "momentumps", "worker", "model",
                       "cnn-torch.json")
SIDE, CHANNELS, HIDDEN, CLASSES, BATCH = 8, (2, 3), 6, 4, 5


def compute():
    from digits_cnn import Cnn
    torch.manual_seed(20)
    model = Cnn(SIDE, CHANNELS, HIDDEN, CLASSES)
    x = torch.rand(BATCH, 1, SIDE, SIDE)
    y = torch.randint(0, CLASSES, (BATCH,))
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    params = list(model.parameters())
    flat = lambda ts: [float("%.9g" % v) for t in ts for v in t.detach().reshape(-1).tolist()]
    return {"side": SIDE, "channels": list(CHANNELS), "hidden": HIDDEN, "classes": CLASSES,
            "names": [n for n, _ in model.named_parameters()],
            "images": flat([x]), "labels": y.tolist(), "weights": flat(params),
            "loss": float("%.9g" % loss.item()), "gradient": flat(p.grad for p in params)}


def main():
    with open(FIXTURE, "w") as f:
        json.dump(compute(), f)
        f.write("\n")
    print(FIXTURE)


if __name__ == "__main__":
    main()
