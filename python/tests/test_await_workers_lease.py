"""A Python worker that waits for the others to register (``await_workers``) longer than its lease keeps its
registration: every Status it polls while it waits names it and renews its lease, so its first push of the
synchronous run is taken."""
import threading
import time

import torch

from momentumps import Worker

LEASE_MS = 1000


def test_a_worker_waiting_three_leases_keeps_its_registration(start_server):
    server = start_server("--mode", "sync", "--optimizer", "sgd", "--lr", "0.1", "--lease-ms", str(LEASE_MS))
    torch.manual_seed(1)
    early = Worker(server.address, 0, 2, torch.nn.Linear(3, 1), await_workers=True, deadline=30.0, reconnect=0)
    late = Worker(server.address, 1, 2, torch.nn.Linear(3, 1), await_workers=True, deadline=30.0, reconnect=0)
    registered = []
    started = threading.Thread(target=lambda: registered.append(early.start().worker_id))
    started.start()
    time.sleep(3 * LEASE_MS / 1000)  # the early worker waits three leases for the other
    late.start()
    started.join(30)
    assert registered == [0]
    status = late.status()
    assert [(w.rank, w.alive) for w in sorted(status.workers, key=lambda w: w.rank)] == [(0, True), (1, True)]
    assert "marked dead" not in server.log()

    results = [None, None]

    def push(rank, worker):
        for p in worker.model.parameters():
            p.grad = torch.ones_like(p)
        results[rank] = worker.push(loss=0.5, batch_size=1)

    t = threading.Thread(target=push, args=(0, early))
    t.start()
    push(1, late)
    t.join(30)
    assert results[0].applied and results[1].applied, results
    assert late.status().version == 1
    early.close()
    late.close()
