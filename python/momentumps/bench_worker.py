"""One Python worker of ``mps bench transport --python-workers``: the Java bench worker's loop (push a P-float
gradient, get the fresh weights back) through :class:`momentumps.Worker`, timed over the same window and
reported in the same JSON file (rounds, seconds, CPU seconds, the path taken, every round's latency)."""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

from momentumps.training import Worker


class Flat(torch.nn.Module):
    """The bench's model: one tensor "w" of P floats (the layout the launcher initialised)."""

    def __init__(self, p):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(p))


def cpu_seconds():
    t = os.times()
    return t.user + t.system


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m momentumps.bench_worker")
    p.add_argument("--server", required=True)
    p.add_argument("--params", type=int, required=True)
    p.add_argument("--rank", type=int, default=0)
    p.add_argument("--ready", required=True, help="File this worker creates after its first round.")
    p.add_argument("--go", required=True, help="File the launcher writes (wall-clock ms when timing starts).")
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--transport", default="auto")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    model = Flat(args.params)
    # the bench does not wait for the world (it signals through --ready and --go): any world size over the rank
    worker = Worker(args.server, args.rank, args.rank + 1, model, transport=args.transport,
                    name="bench-%d@%d" % (args.rank, os.getpid()))
    worker.start()
    worker.zero_grad()
    model.w.grad.copy_(torch.from_numpy(np.random.default_rng(args.rank + 1).standard_normal(args.params)
                                        .astype(np.float32) * 1e-3))
    latencies = []
    start_at = end = None
    give_up = time.time() + 300
    last_look = 0.0
    timed_start = timed_end = 0
    cpu_start = None
    rounds = 0
    while True:
        now = time.time()
        if end is not None and now >= end:
            break
        if start_at is None and now - last_look >= 0.02:
            last_look = now
            if rounds >= 1 and not os.path.exists(args.ready):
                with open(args.ready, "w") as f:
                    f.write("ready")
            if os.path.exists(args.go):
                with open(args.go) as f:
                    start_at = int(f.read().strip()) / 1000.0
                end = start_at + args.seconds
            elif now > give_up:
                raise SystemExit("no start signal within 300 s")
        timing = start_at is not None and now >= start_at
        t0 = time.perf_counter_ns()
        if timing and not timed_start:
            timed_start = t0
            cpu_start = cpu_seconds()
        worker.push(float("nan"), 32)
        t1 = time.perf_counter_ns()
        rounds += 1
        if timing:
            latencies.append(t1 - t0)
            timed_end = t1
    if not torch.isfinite(model.w.detach()).all():
        raise SystemExit("weights went non-finite")
    result = {"rank": args.rank, "rounds": len(latencies), "seconds": (timed_end - timed_start) / 1e9,
              "cpu_seconds": cpu_seconds() - (cpu_start or 0.0),
              "transport": worker.last_transport or "none", "latencies_ns": latencies}
    worker.close()
    with open(args.out, "w") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
