"""One synchronous Python worker through the real server ends with the weights of torch's own
SGD(momentum=0.9) loop on the same minibatches."""
import copy

import numpy as np
import torch

from momentumps import train

LR, BETA, STEPS = 0.05, 0.9, 30


def model_and_batches():
    torch.manual_seed(3)
    model = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    g = torch.Generator().manual_seed(4)
    x = torch.randn(STEPS * 10, 6, generator=g)
    y = torch.randint(0, 3, (STEPS * 10,), generator=g)
    return model, [(x[i:i + 10], y[i:i + 10]) for i in range(0, STEPS * 10, 10)]


def test_sync_worker_matches_torch_sgd_with_momentum(start_server):
    server = start_server("--mode", "sync", "--optimizer", "momentum", "--lr", str(LR), "--beta", str(BETA))
    model, batches = model_and_batches()
    reference = copy.deepcopy(model)
    opt = torch.optim.SGD(reference.parameters(), lr=LR, momentum=BETA)
    for x, y in batches:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(reference(x), y).backward()
        opt.step()

    result = train(model, torch.nn.functional.cross_entropy, batches, epochs=1, server=server.address, rank=0,
                   world_size=1)

    assert result.steps == STEPS and result.version == STEPS and result.max_staleness == 0
    ours = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy()
    theirs = torch.cat([p.detach().reshape(-1) for p in reference.parameters()]).numpy()
    assert not np.allclose(theirs, torch.cat([p.detach().reshape(-1) for p in model_and_batches()[0].parameters()]))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
