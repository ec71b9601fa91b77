"""The wire client: one method per RPC of the contract, with the Java client's manners.

Every call carries a deadline. A push-and-pull takes the path the Java worker takes
(``GrpcParameterClient``): when the server offers its payload socket (a plaintext server), dense pushes and
pulls go there (``momentumps.payload``), unless it cannot be opened, on the server's host only for tensors up
to 1 MiB; else through a shared memory-mapped region when the server reports this host's boot id and the
tensor is bigger than 64 KiB, else one unary ``PushPull`` with the tensor inline when it fits in one chunk
(the size the server announced at registration, about 1 MiB), else a ``Push`` stream of chunks of that size. ``transport`` forces one path
("shared-memory", "socket", "grpc-unary", "grpc-stream") or TCP gRPC only ("tcp"); a forced gRPC path still
falls back to the stream when the tensor does not fit. With ``compress="fp16"``
the gradient travels as IEEE half floats (saturated at +-65504, rounded to nearest even), inline or
streamed; through a region it is rounded to half and written as float32 (the region is memory, not wire).
"""
import ipaddress
import os
import socket
import sys

import grpc
import numpy as np

from momentumps import layout as layouts
from momentumps.errors import ServerError, UsageError
from momentumps.payload import PayloadSocket, Unreachable
from momentumps.region import SharedRegion, host_id
from momentumps.v1 import parameter_server_pb2 as pb
from momentumps.v1 import parameter_server_pb2_grpc as pb_grpc

AUTO, SHARED_MEMORY, UNARY, STREAM, TCP, SOCKET = ("auto", "shared-memory", "grpc-unary", "grpc-stream", "tcp",
                                                 "socket")
TRANSPORTS = (AUTO, TCP, SOCKET, SHARED_MEMORY, UNARY, STREAM)
DEFAULT_CHUNK_BYTES = 1 << 20
# under AUTO, tensors up to this size go inline even on one host: a region saves nothing there
INLINE_FIRST_BYTES = 64 << 10
# under AUTO on one host, tensors up to this size take the payload socket when the server offers it (a round
# there costs less CPU than the region's gRPC call up to about this size); bigger ones go through the region
SOCKET_ON_ONE_HOST_BYTES = 1 << 20
FLOAT16_MAX = 65504.0
MODES = {pb.ASYNCHRONOUS: "async", pb.SYNCHRONOUS: "sync", pb.STALE_SYNCHRONOUS: "ssp",
         pb.BACKUP_WORKERS: "backup"}


def allows(preferred, path):
    if preferred == AUTO:
        return True
    if preferred == TCP:
        return path in (UNARY, STREAM)
    return preferred == path


def load_token(token_file=None, environ=None):
    """The bearer token: the first line of ``token_file``, else ``$MPS_TOKEN``, else None."""
    environ = os.environ if environ is None else environ
    if token_file is not None:
        try:
            with open(token_file, encoding="utf-8") as f:
                lines = f.read().split("\n")
        except OSError as e:
            raise UsageError("--token-file %s: cannot read it (%s)" % (token_file, e.strerror))
        return _valid_token(lines[0].strip(), "--token-file " + str(token_file))
    token = environ.get("MPS_TOKEN")
    return None if token is None else _valid_token(token.strip(), "environment variable MPS_TOKEN")


def _valid_token(token, where):
    if len(token) < 16:
        raise UsageError(where + ": the token must have at least 16 characters")
    for i, c in enumerate(token):
        if c <= " " or c > "~":
            raise UsageError(where + ": the token must be printable ASCII without spaces (character %d is not)"
                             % (i + 1))
    return token


def _read(path, flag):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise UsageError("%s %s: cannot read it (%s)" % (flag, path, e.strerror))


def open_channel(server, tls_ca=None, tls_cert=None, tls_key=None, flag="--server"):
    """A channel to HOST:PORT: plaintext, TLS (``tls_ca``) or mutual TLS (also ``tls_cert`` and ``tls_key``);
    ``flag`` names the address in an error."""
    host, sep, port = server.rpartition(":")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise UsageError("%s must be HOST:PORT with a port in [1, 65535], got '%s'" % (flag, server))
    if (tls_cert is None) != (tls_key is None):
        raise UsageError("--tls-cert and --tls-key go together (mutual TLS)")
    if tls_cert is not None and tls_ca is None:
        raise UsageError("--tls-cert needs --tls-ca (mutual TLS is TLS with a client certificate)")
    options = [("grpc.max_receive_message_length", 32 << 20), ("grpc.max_send_message_length", 32 << 20),
               # after a server restart, connect again within about a second, not grpc's default 20 s+ (not
               # grpc.min_reconnect_backoff_ms: grpc-core also takes it as the time a connection attempt,
               # TLS handshake included, may take)
               ("grpc.initial_reconnect_backoff_ms", 100), ("grpc.max_reconnect_backoff_ms", 1000)]
    if tls_ca is None:
        return grpc.insecure_channel(server, options=options)
    creds = grpc.ssl_channel_credentials(
        root_certificates=_read(tls_ca, "--tls-ca"),
        private_key=None if tls_key is None else _read(tls_key, "--tls-key"),
        certificate_chain=None if tls_cert is None else _read(tls_cert, "--tls-cert"))
    return grpc.secure_channel(server, creds, options=options)


_warned_plaintext_token = False


def plaintext_token_warning(server, tls_ca, token):
    """The warning for a bearer token that would travel without TLS to a host that is not this machine's
    loopback (anyone on the path can read it); None when there is nothing to warn of."""
    if token is None or tls_ca is not None:
        return None
    host = server.rpartition(":")[0].strip("[]")
    if _is_loopback(host):
        return None
    return ("warning: the bearer token is sent to %s without TLS, readable by anyone on the path; "
            "give --tls-ca to encrypt the connection" % host)


def warn_plaintext_token(server, tls_ca, token, out=None):
    """Prints the plaintext-token warning (if any) the first time this process has one."""
    global _warned_plaintext_token
    warning = plaintext_token_warning(server, tls_ca, token)
    if warning is not None and not _warned_plaintext_token:
        _warned_plaintext_token = True
        print(warning, file=out or sys.stderr, flush=True)


def _is_loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False  # not resolvable here: not known to be this machine
    return bool(infos) and all(ipaddress.ip_address(i[4][0].split("%")[0]).is_loopback for i in infos)


class PushResult:
    __slots__ = ("version", "staleness", "applied")

    def __init__(self, version, staleness, applied):
        self.version = version
        self.staleness = staleness
        self.applied = applied

    def __repr__(self):
        return "PushResult(version=%d, staleness=%d, applied=%s)" % (self.version, self.staleness, self.applied)


class Registration:
    __slots__ = ("worker_id", "mode", "update_rule", "staleness_bound", "version", "layout", "initialized")

    def __init__(self, reply):
        self.worker_id = reply.worker_id
        self.mode = MODES.get(reply.mode, "async")
        self.update_rule = reply.update_rule
        self.staleness_bound = reply.staleness_bound
        self.version = reply.version
        self.layout = layouts.from_proto(reply.layout)
        self.initialized = reply.initialized


def half(gradient):
    """float16 of a float32 array, saturated at +-65504 like the Java client (NaN stays NaN)."""
    return np.clip(gradient, -FLOAT16_MAX, FLOAT16_MAX).astype("<f2")


class GrpcClient:
    """One worker's (or an observer's) calls to one server. Not for concurrent use. ``address``: the server's
    HOST:PORT the channel goes to (the payload socket is on that host); ``plaintext``: the channel has no TLS
    (only then may the payload socket, which is plaintext, carry the tensors)."""

    def __init__(self, channel, deadline=120.0, transport=AUTO, token=None, owns_channel=True, address=None,
                 plaintext=True):
        if transport not in TRANSPORTS:
            raise UsageError("--transport must be one of %s; got '%s'" % (", ".join(TRANSPORTS), transport))
        if transport == SOCKET and not plaintext:
            raise UsageError("--transport socket sends gradients and weights in plaintext beside the TLS channel; "
                             "with --tls-ca use --transport tcp")
        if transport == SOCKET and address is None:
            raise UsageError("--transport socket needs the server's address")
        if not deadline > 0:
            raise UsageError("--deadline must be > 0 seconds, got %s" % deadline)
        self.channel = channel
        self.owns_channel = owns_channel
        self.deadline = float(deadline)
        self.preferred = transport
        self.metadata = None if token is None else (("authorization", "Bearer " + token),)
        self.stub = pb_grpc.ParameterServerStub(channel)
        self.worker_id = -1
        self.chunk_bytes = DEFAULT_CHUNK_BYTES
        self.same_host = False
        self.push_pull_unavailable = False
        self.region = None
        self.address = address
        self.plaintext = plaintext
        self.payload = None
        # "auto" found the payload socket offered but could not open it: tensors stay on gRPC for good
        self.payload_unreachable = False
        self.last_transport = None
        # called with a new region before pushes go through it (the model may then live in its memory; the
        # mapping stays valid as plain memory after the file is deleted, so nothing moves back when it is)
        self.on_region = None

    def use(self, channel, address=None):
        """Talks to another server from now on (a hot standby taking over): its stub on ``channel`` (to
        ``address``), not yet registered there. The shared region stays: a standby on this host maps the same
        file."""
        self.close_payload()
        self.address = address
        self.channel = channel
        self.stub = pb_grpc.ParameterServerStub(channel)
        self.worker_id = -1
        self.push_pull_unavailable = False

    def _call(self, what, method, request):
        try:
            return method(request, timeout=self.deadline, metadata=self.metadata)
        except grpc.RpcError as e:
            raise ServerError.of(what, e) from None

    def register(self, rank, name):
        r = self._call("Register", self.stub.Register, pb.RegisterRequest(rank=rank, name=name))
        self.worker_id = r.worker_id
        if r.chunk_bytes > 0:
            self.chunk_bytes = r.chunk_bytes
        here = host_id()
        self.same_host = bool(here) and here == r.host_id
        self.close_payload()
        offered = r.HasField("payload_socket")
        if self.preferred == SOCKET and not offered:
            raise ServerError("FAILED_PRECONDITION", "--transport socket: the server at %s offers no payload socket "
                              "(start it with mps server --payload-port PORT; a server with TLS offers none)"
                              % self.address)
        if self.preferred == SOCKET or (self.preferred == AUTO and offered and self.plaintext
                                        and self.address is not None and not self.payload_unreachable):
            host = self.address.rpartition(":")[0].strip("[]")
            self.payload = PayloadSocket(host, r.payload_socket.port, r.worker_id, r.payload_socket.secret,
                                         self.deadline, optional=self.preferred == AUTO)
        return Registration(r)

    def initialize(self, layout, weights):
        """Offers the layout and initial weights; True when this call initialised the model."""
        data = layouts.as_float32_bytes(weights)
        per = max(4, self.chunk_bytes - self.chunk_bytes % 4)

        def frames():
            yield pb.InitializeFrame(header=pb.InitializeHeader(worker_id=self.worker_id,
                                                                layout=layouts.to_proto(layout)))
            for start in range(0, len(data), per):
                yield pb.InitializeFrame(chunk=pb.Chunk(offset=start // 4, data=bytes(data[start:start + per])))

        reply = self._call("Initialize", self.stub.Initialize, frames())
        return not reply.already_initialized

    def _payload_unreachable(self, error):
        print("momentumps worker: %s; tensors go over gRPC" % error, file=sys.stderr, flush=True)
        self.payload_unreachable = True
        self.close_payload()

    def pull(self, out):
        """Copies the current weights into ``out`` (a float32 numpy array); returns their version."""
        if self._takes_socket(out.size):
            try:
                return self.payload.pull(out)
            except Unreachable as e:
                self._payload_unreachable(e)
        return self._receive("Pull", self.stub.Pull(pb.PullRequest(worker_id=self.worker_id), timeout=self.deadline,
                                                   metadata=self.metadata), out).version

    def _receive(self, what, frames, out):
        """Reads a WeightsHeader and the chunks after it into ``out``; returns the header."""
        header = None
        filled = 0
        try:
            for frame in frames:
                if frame.HasField("header"):
                    header = frame.header
                    if out is not None and header.num_elements and header.num_elements != out.size:
                        frames.cancel()
                        raise ServerError("FAILED_PRECONDITION", "%s: the server sends %d weights, this worker's "
                                          "model has %d" % (what, header.num_elements, out.size))
                else:
                    chunk = frame.chunk
                    values = np.frombuffer(chunk.data, dtype="<f4")
                    if out is None or chunk.offset != filled or filled + values.size > out.size:
                        frames.cancel()
                        raise ServerError("INTERNAL", "%s: unexpected chunk at offset %d" % (what, chunk.offset))
                    out[filled:filled + values.size] = values
                    filled += values.size
        except grpc.RpcError as e:
            raise ServerError.of(what, e) from None
        if header is None:
            raise ServerError("INTERNAL", what + ": the server sent no header")
        if out is not None and header.num_elements and filled != out.size:
            raise ServerError("INTERNAL", "%s: received %d of %d weights" % (what, filled, out.size))
        return header

    def _header(self, base_version, sequence, loss, batch_size, return_weights, encoding=pb.FLOAT32):
        return pb.GradientHeader(worker_id=self.worker_id, base_version=base_version, sequence=sequence,
                                 loss=loss, batch_size=batch_size, return_weights=return_weights,
                                 value_encoding=encoding)

    def push(self, base_version, sequence, gradient, loss, batch_size, weights_out, compress=None):
        """Pushes ``gradient`` (a float32 numpy array, e.g. a region's half) computed on ``base_version``;
        the fresh weights come back into ``weights_out`` when it is not None."""
        n = gradient.size
        if self._takes_socket(n):
            if compress == "fp16":
                gradient = half(gradient).astype("<f4")  # float32 only on the socket: the rounded values
            try:
                version, staleness, applied = self.payload.push(base_version, sequence, gradient, loss, batch_size,
                                                                weights_out)
                self.last_transport = SOCKET
                return PushResult(version, staleness, applied)
            except Unreachable as e:
                self._payload_unreachable(e)
        if self._goes_shared(n):
            r = self._push_shared(base_version, sequence, gradient, loss, batch_size, weights_out, compress)
            if r is not None:
                return r
        if compress == "fp16":
            return self._push_half(base_version, sequence, gradient, loss, batch_size, weights_out)
        if not self.push_pull_unavailable and allows(self.preferred, UNARY) and 4 * n <= self.chunk_bytes:
            request = pb.PushPullRequest(
                header=self._header(base_version, sequence, loss, batch_size, weights_out is not None),
                gradient=layouts.as_float32_bytes(gradient).tobytes())
            r = self._push_pull(request, False, weights_out, UNARY)
            if r is not None:
                return r
        return self._push_stream(self._header(base_version, sequence, loss, batch_size, weights_out is not None),
                                 layouts.as_float32_bytes(gradient), 4, weights_out)

    def prepare(self, n):
        """Makes the region now when pushes of n elements will go through it, so that a model bound to it
        (``on_region``) computes its gradients there before the push's arrays are taken."""
        if self._goes_shared(n):
            self.region_for(n)

    def _takes_socket(self, n):
        """Whether a dense push or pull of n elements goes over the payload socket: always when one is open
        across hosts or forced, on the server's host only up to SOCKET_ON_ONE_HOST_BYTES."""
        return self.payload is not None and (self.preferred != AUTO or not self.same_host
                                             or 4 * n <= SOCKET_ON_ONE_HOST_BYTES)

    def _goes_shared(self, n):
        tiny = 4 * n <= INLINE_FIRST_BYTES
        return (not self._takes_socket(n) and not self.push_pull_unavailable and self.same_host and not (tiny and self.preferred == AUTO)
                and allows(self.preferred, SHARED_MEMORY))

    def _push_half(self, base_version, sequence, gradient, loss, batch_size, weights_out):
        n = gradient.size
        halves = memoryview(half(gradient)).cast("B")
        fits = 2 * n <= self.chunk_bytes and (weights_out is None or 4 * weights_out.size <= self.chunk_bytes)
        if not self.push_pull_unavailable and allows(self.preferred, UNARY) and fits:
            request = pb.PushPullRequest(
                header=self._header(base_version, sequence, loss, batch_size, weights_out is not None),
                gradient=halves.tobytes(), gradient_encoding=pb.FLOAT16)
            r = self._push_pull(request, False, weights_out, UNARY)
            if r is not None:
                return r
        return self._push_stream(self._header(base_version, sequence, loss, batch_size, weights_out is not None,
                                              pb.FLOAT16), halves, 2, weights_out)

    def region_for(self, n):
        """The region pushes of n elements go through (made, or made again for another n)."""
        if self.region is None or self.region.n != n:
            self.close_region()
            self.region = SharedRegion(n)
            if self.on_region is not None:
                self.on_region(self.region)
        return self.region

    def _push_shared(self, base_version, sequence, gradient, loss, batch_size, weights_out, compress):
        region = self.region_for(gradient.size)
        if compress == "fp16":
            region.gradient[:] = half(gradient)
        elif gradient is not region.gradient and not np.shares_memory(gradient, region.gradient):
            region.gradient[:] = gradient
        request = pb.PushPullRequest(
            header=self._header(base_version, sequence, loss, batch_size, weights_out is not None),
            shared_region=pb.SharedRegion(path=region.path, num_elements=gradient.size))
        r = self._push_pull(request, True, None, SHARED_MEMORY)
        if r is None:
            self.same_host = False
            self.close_region()
            return None
        if weights_out is not None and not np.shares_memory(weights_out, region.weights):
            weights_out[:] = region.weights
        return r

    def _push_pull(self, request, via_region, weights_out, path):
        """The unary PushPull; None means "take another path": the server has no PushPull (UNIMPLEMENTED), or
        refuses to map the region (it is on another host after all, or has regions off). Both refusals come
        before the server takes the push in, so the same sequence number can be sent again."""
        try:
            reply = self.stub.PushPull(request, timeout=self.deadline, metadata=self.metadata)
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.UNIMPLEMENTED:
                self.push_pull_unavailable = True
                return None
            if via_region and region_refused(e):
                return None
            raise ServerError.of("PushPull", e) from None
        h = reply.header
        if weights_out is not None and path == UNARY:
            if h.num_elements != weights_out.size:
                raise ServerError("FAILED_PRECONDITION", "PushPull: the server sends %d weights, this worker's "
                                  "model has %d" % (h.num_elements, weights_out.size))
            if len(reply.weights) != 4 * weights_out.size:
                raise ServerError("INTERNAL", "PushPull: reply weights have %d bytes, expected %d"
                                  % (len(reply.weights), 4 * weights_out.size))
            weights_out[:] = np.frombuffer(reply.weights, dtype="<f4")
        self.last_transport = path
        return PushResult(h.version, h.staleness, h.applied)

    def _push_stream(self, header, data, value_bytes, weights_out):
        """A streaming Push: the header, ~chunk_bytes chunks of ``data`` (bytes of values of value_bytes
        each), half-close; the reply's weights into ``weights_out``."""
        per = max(1, self.chunk_bytes // value_bytes) * value_bytes

        def frames():
            yield pb.GradientFrame(header=header)
            for start in range(0, len(data), per):
                yield pb.GradientFrame(chunk=pb.Chunk(offset=start // value_bytes,
                                                      data=bytes(data[start:start + per])))

        replies = self.stub.Push(frames(), timeout=self.deadline, metadata=self.metadata)
        h = self._receive("Push", replies, weights_out)
        self.last_transport = STREAM
        return PushResult(h.version, h.staleness, h.applied)

    def status(self):
        """The server's StatusReply with every worker listed: a reply lists as many workers as fit about
        1 MiB, so the pages from ``first_worker`` on are asked for until ``workers_total`` are in."""
        # once registered, a Status is this worker's sign of life: it renews the lease (while await_workers waits)
        mine = getattr(self, "worker_id", -1) >= 0
        reply = self._call("Status", self.stub.Status, pb.StatusRequest(from_worker=mine,
                                                                        worker_id=self.worker_id if mine else 0))
        while len(reply.workers) < reply.workers_total:
            page = self._call("Status", self.stub.Status, pb.StatusRequest(first_worker=len(reply.workers)))
            if not page.workers:
                break  # workers are never removed: a server that lists none from here
            reply.workers.extend(page.workers)
        return reply

    def deregister(self):
        self._call("Deregister", self.stub.Deregister, pb.DeregisterRequest(worker_id=self.worker_id))

    def close_region(self):
        if self.region is not None:
            self.region.close()
            self.region = None

    def close_payload(self):
        if self.payload is not None:
            self.payload.close()
            self.payload = None

    def close(self):
        self.close_payload()
        self.close_region()
        if self.owns_channel:
            self.channel.close()


REASON_KEY = "mps-error-reason"


def error_reason(error):
    """The ``ErrorReason`` a refusal carries in its ``mps-error-reason`` trailer, or ERROR_REASON_UNSPECIFIED."""
    trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    for key, value in trailers or ():
        if key == REASON_KEY:
            try:
                return pb.ErrorReason.Value(value)
            except ValueError:
                return pb.ERROR_REASON_UNSPECIFIED
    return pb.ERROR_REASON_UNSPECIFIED


def region_refused(error):
    """The server's refusal to use a region: FAILED_PRECONDITION typed SHARED_REGION_UNAVAILABLE."""
    return (error.code() == grpc.StatusCode.FAILED_PRECONDITION
            and error_reason(error) == pb.SHARED_REGION_UNAVAILABLE)
