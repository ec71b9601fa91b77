"""A PyTorch model as a momentum-ps worker: :class:`Worker` and the :func:`train` loop.

The server holds the weights and the optimizer (its update rule, momentum or Adam state, consistency mode
and staleness accounting); a worker computes minibatch gradients on the weights it was sent and pushes
them, getting the fresh weights back in the same round trip. The model's ``named_parameters()`` are its
layout (see :mod:`momentumps.layout`); the first worker to offer its initial weights initialises the
server, the others train from those.

Like the Java worker (``ReconnectingParameterClient``), a worker outlives a server restart: while the
server is unreachable it retries with bounded exponential backoff with jitter (each wait uniform in
[d/2, d], d doubling from 0.1 s up to 5 s) for up to ``reconnect`` seconds; once the server answers
again it registers again under its rank, offers its initial weights again (a no-op when the server
resumed a model from its checkpoint), drops the push that was in flight (the server may have rolled back
past the weights it was computed on) and goes on from the server's weights.
"""
import os
import random
import socket
import time

import grpc

from momentumps import client as clients
from momentumps import layout as layouts
from momentumps.errors import ServerError, UsageError
from momentumps.layout import FlatModel


class Backoff:
    """The k-th wait (k from 0) is uniform in [d/2, d] with d = min(maximum, initial * 2^k)."""

    def __init__(self, initial=0.1, maximum=5.0, seed=None):
        if not 0 < initial <= maximum:
            raise UsageError("backoff needs 0 < initial <= max, got %s, %s" % (initial, maximum))
        self.initial = initial
        self.maximum = maximum
        self.random = random.Random(seed)
        self.attempt = 0

    def next(self):
        d = self.maximum if self.attempt >= 40 else min(self.maximum, self.initial * (2 ** self.attempt))
        self.attempt += 1
        return d / 2 + self.random.random() * (d / 2)

    def reset(self):
        self.attempt = 0


def _server_lost(error):
    """Unreachable, or a different (restarted) server that no longer knows this worker, has no model yet,
    or is behind the version this worker computed on."""
    c, d = error.code, error.details.split(": ", 1)[-1]
    return (c == "UNAVAILABLE"
            or c == "NOT_FOUND" and d.startswith("worker_id")
            or c == "FAILED_PRECONDITION" and ("register again" in d or "not initialised" in d)
            or c == "OUT_OF_RANGE" and d.startswith("base_version"))


class Worker:
    """One worker of a momentum-ps run: ``Worker("127.0.0.1:7070", rank, world_size, model)``.

    :meth:`start` registers, initialises the server (first offer wins) and pulls the weights into the
    model; :meth:`push` sends the gradient that ``backward()`` left in the parameters' ``.grad`` and puts
    the fresh weights into the parameters; :meth:`close` leaves the cluster. ``transport``: "auto" (the
    Java client's choice), "tcp", "grpc-unary", "grpc-stream" or "shared-memory"; ``compress``: None or
    "fp16"; ``deadline``: seconds allowed to every call; ``reconnect``: seconds to keep trying after losing
    the server; the bearer token from ``token``, ``token_file`` or ``$MPS_TOKEN``; TLS with ``tls_ca``,
    mutual TLS with ``tls_cert`` and ``tls_key`` too; ``await_workers``: start only once ``world_size``
    workers have registered (reproducible synchronous runs).
    """

    def __init__(self, server, rank, world_size, model, transport=clients.AUTO, compress=None, deadline=120.0,
                 reconnect=120.0, token=None, token_file=None, tls_ca=None, tls_cert=None, tls_key=None, name=None,
                 await_workers=False, log=None):
        if world_size < 1 or not 0 <= rank < world_size:
            raise UsageError("--rank must be in [0, --workers), got %d of %d" % (rank, world_size))
        if compress not in (None, "none", "fp16"):
            raise UsageError("--compress must be none or fp16, got '%s'" % compress)
        if reconnect < 0:
            raise UsageError("--reconnect must be >= 0 seconds, got %s" % reconnect)
        self.rank = rank
        self.world_size = world_size
        self.model = model
        self.compress = None if compress == "none" else compress
        self.reconnect_seconds = float(reconnect)
        self.name = name or "%s:%d" % (socket.gethostname(), os.getpid())
        self.await_workers = await_workers
        self.log = log or (lambda message: None)
        self.flat = FlatModel(model)
        self.initial_weights = self.flat.weights.clone()
        if token is None:
            token = clients.load_token(token_file)
        channel = clients.open_channel(server, tls_ca, tls_cert, tls_key)
        clients.warn_plaintext_token(server, tls_ca, token)
        self.client = clients.GrpcClient(channel, deadline, transport, token)
        self.client.on_region = self._bind_region
        self.backoff = Backoff(seed=time.time_ns() ^ rank)
        self.version = 0
        self.sequence = 0
        self.last_version_seen = 0
        self.reconnects = 0
        self.pushes_dropped = 0
        self.updates_lost = 0
        self.registration = None
        self._closed = False

    @property
    def layout(self):
        return self.flat.layout

    @property
    def last_transport(self):
        """The path the last push took: "shared-memory", "grpc-unary" or "grpc-stream" (None before one)."""
        return self.client.last_transport

    def _bind_region(self, region):
        self.flat.move_to(region.weights_tensor, region.gradient_tensor)

    def _seen(self, version):
        self.last_version_seen = max(self.last_version_seen, version)
        return version

    def _retrying(self, what, call):
        give_up = time.monotonic() + self.reconnect_seconds
        while True:
            try:
                result = call()
                self.backoff.reset()
                return result
            except ServerError as e:
                if e.code != "UNAVAILABLE":
                    raise
                wait = self.backoff.next()
                if time.monotonic() + wait > give_up:
                    raise ServerError("UNAVAILABLE", "%s: the server did not come back within %g s: %s"
                                      % (what, self.reconnect_seconds, e.details)) from None
                time.sleep(wait)

    def _register(self):
        reg = self._retrying("Register", lambda: self.client.register(self.rank, self.name))
        if reg.initialized and reg.layout != self.flat.layout:
            self._leave_quietly()
            raise UsageError("layout: the server's model is %s (%d values); this worker's model is %s (%d values)"
                             % (layouts.describe(reg.layout), layouts.num_elements(reg.layout),
                                layouts.describe(self.flat.layout), self.flat.n))
        return reg

    def _initialize(self):
        try:
            return self._retrying("Initialize", lambda: self.client.initialize(self.flat.layout,
                                                                                  self.initial_weights.numpy()))
        except ServerError as e:
            if e.code == "FAILED_PRECONDITION" and "layout" in e.details:
                self._leave_quietly()
                raise UsageError("layout: the server refused this worker's model (%s): %s"
                                 % (layouts.describe(self.flat.layout), e.details)) from None
            raise

    def _leave_quietly(self):
        try:
            self.client.deregister()
        except ServerError:
            pass

    def start(self):
        """Registers (waiting for the whole world with ``await_workers``), offers the initial weights and
        pulls the server's weights into the model. Returns the registration."""
        self.registration = self._register()
        self._seen(self.registration.version)
        if self.await_workers:
            deadline = time.monotonic() + self.client.deadline
            while len(self.status().workers) < self.world_size:
                if time.monotonic() > deadline:
                    raise ServerError("DEADLINE_EXCEEDED", "only %d of %d workers registered within %g s"
                                      % (len(self.status().workers), self.world_size, self.client.deadline))
                time.sleep(0.02)
        self._initialize()
        self.client.prepare(self.flat.n)  # the model lives in the shared region from the start, if it is used
        self.version = self.pull()
        return self.registration

    def pull(self):
        """The server's current weights into the model; returns their version."""
        while True:
            try:
                return self._seen(self.client.pull(self.flat.weights_numpy()))
            except ServerError as e:
                if not _server_lost(e):
                    raise
                self._reconnect(e)

    def zero_grad(self):
        self.flat.zero_grad()

    def push(self, loss=float("nan"), batch_size=0):
        """Pushes the gradient in the parameters' ``.grad`` (computed on the weights of ``self.version``)
        and puts the fresh weights into the model. A push lost to a server restart is dropped: the
        result says "not applied" and the model has the restarted server's weights."""
        self.sequence += 1
        self.client.prepare(self.flat.n)
        try:
            r = self.client.push(self.version, self.sequence, self.flat.grad_numpy(), float(loss), int(batch_size),
                                 self.flat.weights_numpy(), self.compress)
        except ServerError as e:
            if not _server_lost(e):
                raise
            self._reconnect(e)
            self.pushes_dropped += 1
            self.version = self.pull()
            return clients.PushResult(self.version, 0, False)
        self.version = self._seen(r.version)
        return r

    def _reconnect(self, cause):
        before = self.last_version_seen
        self.log("lost the server (%s); reconnecting" % cause)
        reg = self._register()
        self._initialize()
        self.reconnects += 1
        lost = max(0, before - reg.version)
        self.updates_lost += lost
        self.last_version_seen = reg.version
        self.log("registered again (worker id %d) at server version %d; this worker last saw %d, so at least %d "
                 "updates were lost" % (reg.worker_id, reg.version, before, lost))

    def status(self):
        return self._retrying("Status", self.client.status)

    def close(self):
        """Leaves the cluster (synchronous rounds stop waiting for this worker) and closes the channel."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.client.worker_id >= 0:
                self.client.deregister()
        except ServerError as e:
            self.log("deregister: %s" % e)
        finally:
            self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Result:
    """What one worker did: steps, the staleness of its applied pushes, its last version and loss."""

    def __init__(self):
        self.steps = 0
        self.staleness_sum = 0
        self.max_staleness = 0
        self.applied = 0
        self.version = 0
        self.last_loss = float("nan")

    @property
    def mean_staleness(self):
        return self.staleness_sum / self.applied if self.applied else 0.0


def train(model, loss_fn, loader, epochs=1, steps=None, worker=None, delay=0.0, slowdown=1.0, on_step=None,
          **worker_args):
    """Trains ``model`` as one worker: for each minibatch ``(x, y)`` of ``loader`` (``epochs`` passes, or
    exactly ``steps`` minibatches), ``loss_fn(model(x), y).backward()`` and a push that brings the fresh
    weights back. ``worker``: a :class:`Worker` of this model (else one is made from ``worker_args``:
    ``server``, ``rank``, ``world_size`` and the options of :class:`Worker`), started here and closed at
    the end. ``delay``: seconds to sleep before each push; ``slowdown`` K: each step takes K times as long
    (a straggler); ``on_step(step, loss, result)`` hears of each push. Returns a :class:`Result`.
    """
    if delay < 0:
        raise UsageError("--delay-ms must be >= 0, got %s" % (delay * 1000))
    if slowdown < 1:
        raise UsageError("--slowdown must be >= 1, got %s" % slowdown)
    if worker is None:
        worker = Worker(model=model, **worker_args)
    elif worker.model is not model:
        raise UsageError("worker: it was made for another model")
    result = Result()
    try:
        worker.start()
        model.train()
        total = steps if steps is not None else epochs * len(loader)
        while result.steps < total:
            progressed = False
            for x, y in loader:
                if result.steps >= total:
                    break
                started = time.monotonic()
                worker.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                value = float(loss.item())
                if delay > 0:
                    time.sleep(delay)
                if slowdown > 1:
                    time.sleep((slowdown - 1) * (time.monotonic() - started))
                r = worker.push(value, len(y))
                result.steps += 1
                result.version = r.version
                result.last_loss = value
                if r.applied:
                    result.applied += 1
                    result.staleness_sum += r.staleness
                    result.max_staleness = max(result.max_staleness, r.staleness)
                if on_step is not None:
                    on_step(result.steps, value, r)
                progressed = True
            if not progressed:
                raise UsageError("data: the loader yields no minibatches")
    finally:
        worker.close()
    return result
