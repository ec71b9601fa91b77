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

With a hot standby (``failover``, ``mps worker --failover``), a worker does what the Java worker's
``FailoverParameterClient`` does: when its server is lost (UNAVAILABLE, or CANCELLED by a server shutting
down) it moves to the other server, registers there under its rank (retrying with backoff, from 20 ms
doubling to 1 s, while the standby still has its primary; the standby gives it back its id, clock and last
sequence number), offers the initial weights again (a no-op) and sends the call that failed again. A push
goes again with the same base version and sequence number: the standby applies it, or, when the primary
forwarded it before dying, refuses it as ALREADY_EXISTS, and the push is complete once the standby's version
passes its base version (whose weights the worker then pulls). Nothing acknowledged is lost and nothing is
applied twice.
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


def _gone(error):
    """The server itself is gone: unreachable (what a killed process's reset connection gives), or it
    cancelled the call (a server that shuts down at once resets the calls in flight)."""
    return error.code in ("UNAVAILABLE", "CANCELLED")


class Worker:
    """One worker of a momentum-ps run: ``Worker("127.0.0.1:7070", rank, world_size, model)``.

    :meth:`start` registers, initialises the server (first offer wins) and pulls the weights into the
    model; :meth:`push` sends the gradient that ``backward()`` left in the parameters' ``.grad`` and puts
    the fresh weights into the parameters; :meth:`close` leaves the cluster. ``transport``: "auto" (the
    Java client's choice), "tcp", "socket", "grpc-unary", "grpc-stream" or "shared-memory"; ``compress``: None or
    "fp16"; ``deadline``: seconds allowed to every call; ``reconnect``: seconds to keep trying after losing
    the server; the bearer token from ``token``, ``token_file`` or ``$MPS_TOKEN``; TLS with ``tls_ca``,
    mutual TLS with ``tls_cert`` and ``tls_key`` too; ``await_workers``: start only once ``world_size``
    workers have registered (reproducible synchronous runs); ``failover``: the HOST:PORT of the server's hot
    standby, which this worker moves to when the server is lost (the same TLS and token).
    """

    def __init__(self, server, rank, world_size, model, transport=clients.AUTO, compress=None, deadline=120.0,
                 reconnect=120.0, token=None, token_file=None, tls_ca=None, tls_cert=None, tls_key=None, name=None,
                 await_workers=False, log=None, failover=None):
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
        self.servers = [server] if not failover else [server, failover]
        self.channels = []
        for address, flag in zip(self.servers, ("--server", "--failover")):
            self.channels.append(clients.open_channel(address, tls_ca, tls_cert, tls_key, flag))
            clients.warn_plaintext_token(address, tls_ca, token)
        self.current = 0
        self.client = clients.GrpcClient(self.channels[0], deadline, transport, token, owns_channel=False,
                                         address=self.servers[0], plaintext=tls_ca is None)
        self.client.on_region = self._bind_region
        self.backoff = Backoff(seed=time.time_ns() ^ rank)
        self.version = 0
        self.sequence = 0
        self.last_version_seen = 0
        self.reconnects = 0
        self.pushes_dropped = 0
        self.updates_lost = 0
        self.failover_backoff = Backoff(0.02, 1.0, seed=time.time_ns() ^ (rank + 1))
        self.failovers = 0
        self.pushes_resent = 0
        self.pushes_found_taken = 0
        self._offered = False
        self.registration = None
        self._closed = False

    @property
    def layout(self):
        return self.flat.layout

    @property
    def last_transport(self):
        """The path the last push took: "shared-memory", "socket", "grpc-unary" or "grpc-stream" (None before
        one)."""
        return self.client.last_transport

    def _bind_region(self, region):
        self.flat.move_to(region.weights_tensor, region.gradient_tensor)

    def _seen(self, version):
        self.last_version_seen = max(self.last_version_seen, version)
        return version

    @property
    def current_server(self):
        """The HOST:PORT this worker talks to (its standby's after a failover)."""
        return self.servers[self.current]

    def _can_fail_over(self, error):
        return len(self.servers) > 1 and _gone(error)

    def _fail_over(self, cause):
        """Moves to the next server that takes this worker's registration (a standby answers UNAVAILABLE
        while its primary is attached), with bounded backoff for up to ``reconnect`` seconds; offers the
        initial weights there again if they were offered before. Returns the registration."""
        self.log("lost %s (%s); failing over" % (self.current_server, cause))
        give_up = time.monotonic() + self.reconnect_seconds
        self.failover_backoff.reset()
        while True:
            self.current = (self.current + 1) % len(self.servers)
            self.client.use(self.channels[self.current], self.servers[self.current])
            try:
                reg = self.client.register(self.rank, self.name)
                if self._offered:
                    self.client.initialize(self.flat.layout, self.initial_weights.numpy())
            except ServerError as e:
                wait = self.failover_backoff.next()
                if e.code != "UNAVAILABLE" or time.monotonic() + wait > give_up:
                    raise ServerError(e.code, "failing over to %s: %s" % (self.current_server, e.details)) from None
                time.sleep(wait)
                continue
            self.failovers += 1
            self.log("registered with %s (worker id %d) at version %d" % (self.current_server, reg.worker_id,
                                                                          reg.version))
            return reg

    def _retrying(self, what, call):
        give_up = time.monotonic() + self.reconnect_seconds
        while True:
            try:
                result = call()
                self.backoff.reset()
                return result
            except ServerError as e:
                if self._can_fail_over(e):
                    reg = self._fail_over(e)
                    if what == "Register":
                        return reg
                    continue
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
            initialized = self._retrying("Initialize", lambda: self.client.initialize(self.flat.layout,
                                                                                         self.initial_weights.numpy()))
            self._offered = True
            return initialized
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
                if self._can_fail_over(e):
                    self._fail_over(e)
                    continue
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
            r = self._send(loss, batch_size)
        except ServerError as e:
            if self._can_fail_over(e):
                self._fail_over(e)
                return self._push_again(loss, batch_size)
            if not _server_lost(e):
                raise
            self._reconnect(e)
            return self._dropped()
        self.version = self._seen(r.version)
        return r

    def _send(self, loss, batch_size):
        return self.client.push(self.version, self.sequence, self.flat.grad_numpy(), float(loss), int(batch_size),
                                self.flat.weights_numpy(), self.compress)

    def _dropped(self):
        self.pushes_dropped += 1
        self.version = self.pull()
        return clients.PushResult(self.version, 0, False)

    def _push_again(self, loss, batch_size):
        """The push whose server was lost, sent again to the standby with the same base version and sequence
        number. ALREADY_EXISTS: the standby has it from the primary, and it is complete once the standby's
        version passes its base version. A base version from the standby's future (the lost server's pull
        showed updates it never replicated) is refused as OUT_OF_RANGE: that push was never acknowledged and
        is dropped."""
        self.pushes_resent += 1
        try:
            r = self._send(loss, batch_size)
        except ServerError as e:
            if e.code == "ALREADY_EXISTS":
                self.pushes_found_taken += 1
                base = self.version
                version = self._await_past(base)
                r = clients.PushResult(version, max(0, version - 1 - base), True)
            elif _server_lost(e) and not _gone(e):
                return self._dropped()
            else:
                raise
        self.version = self._seen(r.version)
        return r

    def _await_past(self, base):
        """Pulls until the weights' version passes ``base`` (the push's round is complete)."""
        give_up = time.monotonic() + self.reconnect_seconds
        while True:
            version = self.pull()
            if version > base:
                return version
            if time.monotonic() > give_up:
                raise ServerError("DEADLINE_EXCEEDED", "the standby at %s did not pass version %d within %g s"
                                  % (self.current_server, base, self.reconnect_seconds))
            time.sleep(0.002)

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
                try:
                    self.client.deregister()
                except ServerError as e:
                    if not self._can_fail_over(e):
                        raise
                    self._fail_over(e)
                    self.client.deregister()
        except ServerError as e:
            self.log("deregister: %s" % e)
        finally:
            self.client.close()
            for channel in self.channels:
                channel.close()

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


def _minibatches(loader):
    """The loader's minibatches, pass after pass."""
    while True:
        progressed = False
        for batch in loader:
            progressed = True
            yield batch
        if not progressed:
            raise UsageError("data: the loader yields no minibatches")


def train(model, loss_fn, loader, epochs=1, steps=None, worker=None, delay=0.0, slowdown=1.0, on_step=None,
          method=None, **worker_args):
    """Trains ``model`` as one worker: for each minibatch ``(x, y)`` of ``loader`` (``epochs`` passes, or
    exactly ``steps`` pushes), ``loss_fn(model(x), y).backward()`` and a push that brings the fresh
    weights back. ``worker``: a :class:`Worker` of this model (else one is made from ``worker_args``:
    ``server``, ``rank``, ``world_size`` and the options of :class:`Worker`), started here and closed at
    the end. ``delay``: seconds to sleep before each push; ``slowdown`` K: each step takes K times as long
    (a straggler); ``on_step(step, loss, result)`` hears of each push; ``method``: what a push carries
    (:mod:`momentumps.methods`: DANA-Slim's momentum-corrected gradient, the displacement of H local steps,
    an elastic worker's weights; default one plain gradient). With H local steps a push takes H minibatches,
    so ``epochs`` passes make ceil(epochs * len(loader) / H) pushes. Returns a :class:`Result`.
    """
    from momentumps import methods

    if delay < 0:
        raise UsageError("--delay-ms must be >= 0, got %s" % (delay * 1000))
    if slowdown < 1:
        raise UsageError("--slowdown must be >= 1, got %s" % slowdown)
    if worker is None:
        worker = Worker(model=model, **worker_args)
    elif worker.model is not model:
        raise UsageError("worker: it was made for another model")
    method = method or methods.Plain()
    result = Result()
    batches = _minibatches(loader)

    def compute():
        x, y = next(batches)
        worker.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        worker.flat.grad_numpy()  # a .grad that autograd replaced is copied back into the flat gradient
        return float(loss.item()), len(y)

    try:
        worker.start()
        model.train()
        total = steps if steps is not None else methods.pushes(epochs * len(loader), method)
        while result.steps < total:
            started = time.monotonic()
            value, examples = method.next(worker.flat, compute)
            if delay > 0:
                time.sleep(delay)
            if slowdown > 1:
                time.sleep((slowdown - 1) * (time.monotonic() - started))
            r = worker.push(value, examples)
            result.steps += 1
            result.version = r.version
            result.last_loss = value
            if r.applied:
                result.applied += 1
                result.staleness_sum += r.staleness
                result.max_staleness = max(result.max_staleness, r.staleness)
            if on_step is not None:
                on_step(result.steps, value, r)
    finally:
        worker.close()
    return result
