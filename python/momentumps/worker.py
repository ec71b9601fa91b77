"""``python3 -m momentumps.worker``: one PyTorch worker process against a running momentum-ps server.

    python3 -m momentumps.worker --server HOST:PORT --rank R --workers W --script FILE [--epochs E]

The flags are those of the Java ``mps worker`` where they mean the same (--server, --rank, --workers,
--batch-size, --epochs, --seed, --transport, --compress, --deadline-ms, --reconnect-ms, --await-workers,
--delay-ms, --slowdown, --log-every, --tls-ca, --tls-cert, --tls-key, --token-file, --failover, --local-steps,
--local-lr, --local-momentum, --elastic, --dana-slim), with the
same environment variables (MPS_SERVER, MPS_RANK, MPS_WORKERS, MPS_AWAIT_WORKERS, MPS_TOKEN, MPS_FAILOVER). ``--describe``
prints the script's layout and each rank's steps as one JSON line without contacting a server. An error
is one line on stderr: exit code 2 for a bad flag or script, 1 when the server refuses or is lost.
"""
import argparse
import json
import os
import signal
import socket
import sys

from momentumps import layout as layouts
from momentumps import methods
from momentumps import script as scripts
from momentumps.client import TRANSPORTS
from momentumps.errors import ServerError, UsageError
from momentumps.training import Worker, train


def _env_bool(name):
    return os.environ.get(name, "false").lower() in ("1", "true", "yes")


def parser():
    p = argparse.ArgumentParser(prog="python3 -m momentumps.worker",
                                description="Run one PyTorch worker: the script's model, loss and data, trained "
                                            "against a momentum-ps server.")
    p.add_argument("--script", metavar="FILE", default=os.environ.get("MPS_SCRIPT"), required="MPS_SCRIPT" not in
                   os.environ, help="Python file defining model(), loss(output, target), data(rank, workers, "
                                    "batch_size, seed) and optionally evaluate(model). Env MPS_SCRIPT.")
    p.add_argument("--server", metavar="HOST:PORT", default=os.environ.get("MPS_SERVER", "127.0.0.1:7070"),
                   help="The parameter server. Env MPS_SERVER. Default: 127.0.0.1:7070.")
    p.add_argument("--failover", metavar="HOST:PORT", default=os.environ.get("MPS_FAILOVER") or None,
                   help="The server's hot standby (mps server --as-standby): when the server is lost, move there "
                        "and go on from the same state. Env MPS_FAILOVER. Default: none.")
    p.add_argument("--rank", metavar="R", type=int, default=int(os.environ.get("MPS_RANK", "0")),
                   help="This worker's rank in [0, --workers): which part of the data it trains on. Env MPS_RANK.")
    p.add_argument("-w", "--workers", metavar="W", type=int, default=int(os.environ.get("MPS_WORKERS", "1")),
                   help="Workers in the run (the world size). Env MPS_WORKERS. Default: 1.")
    p.add_argument("-b", "--batch-size", metavar="B", type=int, help="Minibatch size (default: the script's, else 32).")
    p.add_argument("--epochs", metavar="E", type=int, help="Passes over this worker's part (default: the script's, "
                                                            "else 5).")
    p.add_argument("--steps", metavar="N", type=int, help="Exactly N pushes instead of --epochs passes.")
    p.add_argument("--seed", metavar="S", type=int, default=42, help="Seeds the initial weights and the shuffling. "
                                                                      "Default: 42.")
    p.add_argument("--transport", default="auto", choices=TRANSPORTS,
                   help="auto (shared memory on the server's host; on another host the server's payload socket "
                        "when it offers one, else inline or streamed), tcp, socket (the payload socket; not with "
                        "TLS), shared-memory, grpc-unary, grpc-stream. Default: auto.")
    p.add_argument("--compress", default="none", choices=("none", "fp16"),
                   help="Send gradients as float16 (half the bytes). Default: none.")
    p.add_argument("--deadline-ms", metavar="MS", type=int, default=120000,
                   help="Deadline of every call to the server. Default: 120000.")
    p.add_argument("--reconnect-ms", metavar="MS", type=int, default=120000,
                   help="When the server is lost, keep trying to reconnect (exponential backoff with jitter, at "
                        "most 5 s apart) for this long. Default: 120000.")
    p.add_argument("--await-workers", action="store_true", default=_env_bool("MPS_AWAIT_WORKERS"),
                   help="Start training only once all --workers have registered. Env MPS_AWAIT_WORKERS.")
    p.add_argument("--delay-ms", metavar="MS", type=float, default=0, help="Sleep this long before each push.")
    p.add_argument("--slowdown", metavar="K", type=float, default=1,
                   help="A straggler: each step takes K times as long. Default: 1.")
    p.add_argument("--log-every", metavar="N", type=int, default=0, help="A line every N steps; 0: about ten in all.")
    p.add_argument("--tls-ca", metavar="PEM", help="Connect with TLS, trusting servers signed by this CA.")
    p.add_argument("--tls-cert", metavar="PEM", help="Mutual TLS: this client's certificate chain.")
    p.add_argument("--tls-key", metavar="PEM", help="Mutual TLS: the private key of --tls-cert.")
    p.add_argument("--token-file", metavar="FILE", help="Send this bearer token (the file's first line) with every "
                                                        "call; without it $MPS_TOKEN is used if set.")
    p.add_argument("--threads", metavar="N", type=int, default=0,
                   help="torch's intra-op threads; 0: the cores divided among --workers (at least 1).")
    p.add_argument("--local-steps", metavar="H", type=int, default=1,
                   help="Local steps per push (needs --local-lr): the worker steps its own copy H times and pushes "
                        "the displacement x0 - xH (server: --optimizer slowmo, or sgd --lr 1 for local SGD), or with "
                        "--elastic its own weights every H steps. Pushes are ceil(steps / H), so --epochs keeps its "
                        "meaning. Default: 1.")
    p.add_argument("--local-lr", metavar="GAMMA", type=float,
                   help="The local learning rate for --local-steps and --elastic.")
    p.add_argument("--local-momentum", metavar="B", type=float, default=0.0,
                   help="Local momentum: heavy ball for --local-steps (SlowMo's base optimizer), Nesterov delta for "
                        "--elastic (EAMSGD). Default: 0.")
    p.add_argument("--elastic", metavar="ALPHA", type=float,
                   help="EASGD/EAMSGD worker: keeps its own weights, pushes them every --local-steps and moves "
                        "toward the center by ALPHA (server: --optimizer easgd --lr ALPHA).")
    p.add_argument("--dana-slim", metavar="GAMMA", type=float,
                   help="DANA-Slim worker momentum: v <- GAMMA*v + g, pushes g + GAMMA*v (server: --optimizer sgd).")
    p.add_argument("--describe", action="store_true",
                   help="Print the script's layout and every rank's steps as JSON, and exit.")
    return p


def settings(args, module):
    """batch size and epochs: the flag, else the script's DEFAULTS, else 32 and 5."""
    d = scripts.defaults(module)
    batch = args.batch_size if args.batch_size is not None else int(d.get("batch_size", 32))
    epochs = args.epochs if args.epochs is not None else int(d.get("epochs", 5))
    if batch < 1:
        raise UsageError("--batch-size must be >= 1, got %d" % batch)
    if epochs < 1:
        raise UsageError("--epochs must be >= 1, got %d" % epochs)
    if args.steps is not None and args.steps < 0:
        raise UsageError("--steps must be >= 0, got %d" % args.steps)
    if args.workers < 1 or not 0 <= args.rank < args.workers:
        raise UsageError("--rank must be in [0, --workers), got %d of %d" % (args.rank, args.workers))
    return batch, epochs


def method_of(args, n):
    """The worker-side method of the flags (--local-steps, --local-lr, --local-momentum, --elastic, --dana-slim)."""
    return methods.from_flags(n, args.local_steps, args.local_lr, args.local_momentum, args.elastic, args.dana_slim)


def describe(args, module, batch, epochs):
    model = scripts.make_model(module, args.seed)
    layout = layouts.layout_of(model)
    method = method_of(args, layouts.num_elements(layout))
    steps = []
    for rank in range(args.workers):
        loader = scripts.make_data(module, rank, args.workers, batch, args.seed)
        steps.append(args.steps if args.steps is not None else methods.pushes(epochs * len(loader), method))
    return {"layout": [{"name": n, "shape": list(s)} for n, s in layout], "num_elements": layouts.num_elements(layout),
            "batch_size": batch, "epochs": epochs, "steps": steps, "method": str(method),
            "evaluates": callable(getattr(module, "evaluate", None))}


def run(args):
    module = scripts.load(args.script)
    batch, epochs = settings(args, module)
    if args.describe:
        print(json.dumps(describe(args, module, batch, epochs)))
        return 0
    import torch
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    torch.set_num_threads(args.threads if args.threads > 0 else max(1, cores // args.workers))
    model = scripts.make_model(module, args.seed)
    loader = scripts.make_data(module, args.rank, args.workers, batch, args.seed)
    method = method_of(args, layouts.num_elements(layouts.layout_of(model)))
    steps = args.steps if args.steps is not None else methods.pushes(epochs * len(loader), method)
    every = args.log_every if args.log_every > 0 else max(1, steps // 10)
    rank = args.rank
    name = "%s:%d" % (socket.gethostname(), os.getpid())
    worker = Worker(args.server, rank, args.workers, model, transport=args.transport, compress=args.compress,
                    deadline=args.deadline_ms / 1000.0, reconnect=args.reconnect_ms / 1000.0,
                    token_file=args.token_file, tls_ca=args.tls_ca, tls_cert=args.tls_cert, tls_key=args.tls_key,
                    name=name, await_workers=args.await_workers, failover=args.failover,
                    log=lambda message: print("worker %d: %s" % (rank, message), flush=True))
    print("worker %d/%d (%s) -> %s: %s, %s (%d values), %d steps of %d%s" % (
        rank, args.workers, name, args.server, os.path.basename(args.script), layouts.describe(worker.layout),
        worker.flat.n, steps, batch, "" if isinstance(method, methods.Plain) else ", " + str(method)), flush=True)

    def on_step(step, loss, r):
        if step % every == 0 or step == steps:
            print("worker %d step %d/%d loss %.6f version %d staleness %d" % (rank, step, steps, loss, r.version,
                                                                               r.staleness), flush=True)

    result = train(model, module.loss, loader, steps=steps, worker=worker, delay=args.delay_ms / 1000.0,
                   slowdown=args.slowdown, on_step=on_step, method=method)
    print("worker %d done: %d steps, mean staleness %.3f, max %d, last path %s" % (
        rank, result.steps, result.mean_staleness, result.max_staleness, worker.last_transport), flush=True)
    if worker.failovers:
        print("worker %d failed over %d times (now on %s), sent %d pushes again, %d of them the standby had" % (
            rank, worker.failovers, worker.current_server, worker.pushes_resent, worker.pushes_found_taken),
            flush=True)
    if worker.reconnects:
        print("worker %d reconnected %d times, dropped %d pushes, saw %d updates lost to server restarts" % (
            rank, worker.reconnects, worker.pushes_dropped, worker.updates_lost), flush=True)
    return 0


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through train(), which leaves the cluster


def watch_parent(environ=None):
    """When ``$MPS_PARENT_PID`` names the process that started this one (``mps train`` does), exit as the
    Java children do when it dies, SIGKILL included: a daemon thread checks every 250 ms that it is still
    this process's parent (an orphan is reparented, so a recycled pid cannot pass for it) and sends this
    process SIGTERM when it is not, which leaves the cluster on the way out."""
    import threading
    import time
    value = (environ if environ is not None else os.environ).get("MPS_PARENT_PID", "").strip()
    if not value.isdigit():
        return None
    parent = int(value)

    def watch():
        while os.getppid() == parent:
            time.sleep(0.25)
        print("momentumps worker: the process that started this one (pid %d) is gone; exiting" % parent,
              file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGTERM)

    t = threading.Thread(target=watch, name="mps-parent-watch", daemon=True)
    t.start()
    return t


def main(argv=None):
    args = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    watch_parent()
    try:
        return run(args)
    except UsageError as e:
        print("momentumps worker: %s" % e, file=sys.stderr, flush=True)
        return 2
    except (ServerError, FileNotFoundError) as e:
        print("momentumps worker: %s" % e, file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
