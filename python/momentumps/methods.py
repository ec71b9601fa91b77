"""What a worker sends besides one plain minibatch gradient: the worker-side methods of the Java worker
(``dev.momentumps.worker.loop``), with the same formulas in the same float32 order of operations.

* :class:`DanaSlim` (Hakimi, Barkai, Gabel, Schuster, "Taming Momentum in a Distributed Asynchronous
  Environment"): v <- gamma*v + g, sends g + gamma*v; the server runs plain SGD.
* :class:`LocalSgd` (SlowMo's inner loop, Wang, Tantia, Ballas, Rabbat, ICLR 2020): from the weights x0 the
  server sent, H steps d <- beta*d + grad f(x_k), x_{k+1} <- x_k - gamma*d; sends x0 - x_H (server: slowmo, or
  sgd with lr 1 for plain local SGD).
* :class:`ElasticWorker` (EASGD/EAMSGD, Zhang, Choromanska, LeCun, NeurIPS 2015, Algorithms 1 and 2): keeps its
  own weights x, every H local steps v <- delta*v - eta*grad f(x + delta*v), x <- x + v (the elastic move
  alpha*(x - center) owed from the previous push enters the first), then sends x (server: easgd, lr alpha).

One :meth:`next` is one push: ``compute()`` takes the next minibatch and leaves its gradient at the model's
current weights in ``flat.grad``, returning (loss, examples); ``next`` leaves the vector to push in
``flat.grad`` and returns the mean loss over its minibatches and their examples.
"""
import torch

from momentumps.errors import UsageError


def _positive(flag, value):
    if not (value > 0) or value == float("inf"):
        raise UsageError("%s must be finite and > 0, got %s" % (flag, value))
    return float(value)


def _unit(flag, value):
    if not 0 <= value < 1:
        raise UsageError("%s must be in [0, 1), got %s" % (flag, value))
    return float(value)


def _at_least_one(flag, value):
    if value < 1:
        raise UsageError("%s must be >= 1, got %s" % (flag, value))
    return int(value)


class Plain:
    """One minibatch gradient per push."""
    steps = 1

    def next(self, flat, compute):
        return compute()

    def __str__(self):
        return "plain"


class DanaSlim:
    """DANA-Slim's worker momentum: v <- gamma*v + g, sends g + gamma*v."""
    steps = 1

    def __init__(self, n, gamma):
        self.gamma = _unit("--dana-slim", gamma)
        self.v = torch.zeros(n, dtype=torch.float32)

    def next(self, flat, compute):
        loss, examples = compute()
        g = flat.grad
        self.v.mul_(self.gamma).add_(g)
        g.add_(self.v.mul(self.gamma))
        return loss, examples

    def __str__(self):
        return "dana-slim(gamma=%s)" % self.gamma


class LocalSgd:
    """H local steps of SGD with heavy-ball momentum beta from the weights x0 the server sent; sends x0 - x_H.
    The momentum buffer d is kept from one push to the next."""

    def __init__(self, n, steps, lr, beta):
        self.steps = _at_least_one("--local-steps", steps)
        self.lr = _positive("--local-lr", lr)
        self.beta = _unit("--local-momentum", beta)
        self.d = torch.zeros(n, dtype=torch.float32)

    def next(self, flat, compute):
        w = flat.weights
        x0 = w.clone()
        loss = 0.0
        examples = 0
        for _ in range(self.steps):
            l, e = compute()  # at x_k, the model's weights
            loss += l
            examples += e
            self.d.mul_(self.beta).add_(flat.grad)
            w.sub_(self.d.mul(self.lr))
        torch.sub(x0, w, out=flat.grad)
        return loss / self.steps, examples

    def __str__(self):
        return "local-sgd(steps=%d, lr=%s, momentum=%s)" % (self.steps, self.lr, self.beta)


class ElasticWorker:
    """EASGD (delta 0) or EAMSGD (Nesterov momentum delta): the worker's own weights x, pushed every H local
    steps; the elastic move alpha*(x - w), w the weights the server sent with the previous reply, enters the
    next period's first step."""

    def __init__(self, n, steps, lr, alpha, delta):
        self.steps = _at_least_one("--local-steps", steps)
        self.lr = _positive("--local-lr", lr)
        if not 0 < alpha < 1:
            raise UsageError("--elastic (the moving rate alpha) must be in (0, 1), got %s" % alpha)
        self.alpha = float(alpha)
        self.delta = _unit("--local-momentum", delta)
        self.x = None
        self.v = torch.zeros(n, dtype=torch.float32)
        self.elastic = torch.zeros(n, dtype=torch.float32)

    def next(self, flat, compute):
        w = flat.weights
        sent = w.clone()
        if self.x is None:
            self.x = sent.clone()
        x, v = self.x, self.v
        loss = 0.0
        examples = 0
        for _ in range(self.steps):
            w.copy_(x + v.mul(self.delta))  # the point the gradient is taken at
            l, e = compute()
            loss += l
            examples += e
            v.mul_(self.delta).add_(flat.grad.mul(-self.lr))
            x.sub_(self.elastic).add_(v)
            self.elastic.zero_()
        flat.grad.copy_(x)
        torch.sub(x, sent, out=self.elastic).mul_(self.alpha)
        return loss / self.steps, examples

    def __str__(self):
        if self.delta == 0:
            return "easgd(steps=%d, lr=%s, alpha=%s)" % (self.steps, self.lr, self.alpha)
        return "eamsgd(steps=%d, lr=%s, alpha=%s, delta=%s)" % (self.steps, self.lr, self.alpha, self.delta)


def from_flags(n, local_steps=1, local_lr=None, local_momentum=0.0, elastic=None, dana_slim=None):
    """The method the flags name, checked together as ``mps worker`` checks them (errors name the flags)."""
    local = local_steps != 1 or local_lr is not None or local_momentum != 0
    if local_steps < 1:
        raise UsageError("--local-steps must be >= 1, got %d" % local_steps)
    if dana_slim is not None and (local or elastic is not None):
        raise UsageError("--dana-slim computes one gradient per push: not with --local-steps, --local-lr, "
                         "--local-momentum or --elastic")
    if (local_steps > 1 or elastic is not None or local_momentum != 0) and local_lr is None:
        raise UsageError("--local-steps, --elastic and --local-momentum need --local-lr")
    if dana_slim is not None:
        return DanaSlim(n, dana_slim)
    if elastic is not None:
        return ElasticWorker(n, local_steps, local_lr, elastic, local_momentum)
    if local:
        return LocalSgd(n, local_steps, local_lr, local_momentum)
    return Plain()


def pushes(gradients, method):
    """The pushes of a worker that computes ``gradients`` minibatch gradients: ceil(gradients / H)."""
    return (gradients + method.steps - 1) // method.steps
