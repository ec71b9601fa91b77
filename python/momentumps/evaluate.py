"""``python3 -m momentumps.evaluate --script FILE``: evaluates weights with the script's ``evaluate(model)``
for ``mps train``'s reports (summary.json, metrics.csv, loss.png).

Reads requests from stdin, each the element count (8 bytes, little-endian) and that many little-endian
float32 weights in the model's layout; answers each with one JSON line ``{"loss": training loss,
"test_loss": .. or null, "accuracy": test accuracy or null}`` on stdout. Ends at the end of stdin.
"""
import argparse
import json
import math
import sys

import numpy as np
import torch

from momentumps import script as scripts
from momentumps.errors import UsageError
from momentumps.layout import FlatModel


def _read(stream, n):
    data = stream.read(n)
    if len(data) != n:
        return None
    return data


def _number(value):
    return None if value is None or not math.isfinite(float(value)) else float(value)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m momentumps.evaluate")
    p.add_argument("--script", required=True, metavar="FILE")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    try:
        module = scripts.load(args.script)
        if not callable(getattr(module, "evaluate", None)):
            raise UsageError("--script %s: defines no evaluate(model)" % args.script)
        model = scripts.make_model(module, args.seed)
    except (UsageError, FileNotFoundError) as e:
        print("momentumps evaluate: %s" % e, file=sys.stderr, flush=True)
        return 2
    flat = FlatModel(model)
    torch.set_num_threads(1)  # beside W workers on the same cores
    module.evaluate(model)  # loads the script's data now, not in the first timed request
    stdin = sys.stdin.buffer
    while True:
        head = _read(stdin, 8)
        if head is None:
            return 0
        n = int.from_bytes(head, "little")
        body = _read(stdin, 4 * n)
        if body is None:
            return 0
        if n != flat.n:
            print(json.dumps({"error": "%d weights, the script's model has %d" % (n, flat.n)}), flush=True)
            continue
        flat.weights.copy_(torch.from_numpy(np.frombuffer(body, dtype="<f4").copy()))
        r = module.evaluate(model)
        print(json.dumps({"loss": _number(r.get("loss")), "test_loss": _number(r.get("test_loss")),
                          "accuracy": _number(r.get("accuracy"))}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
