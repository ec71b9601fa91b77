"""The worker's end of the server's payload socket: dense pushes and pulls on a plain TCP socket beside the
gRPC channel, in the Java worker's frames (``wire.socket.PayloadFrames``), no HTTP/2 and no protobuf.

Every number is little-endian; tensors are float32 values, their bytes exactly a contiguous ``<f4`` array's::

    hello   (once):     int magic "MPSP", int protocol version, int worker id, 32-byte secret
    request:            int kind (1 push, 2 pull), int worker id, long base version, long sequence,
                        double loss, int batch size, int flags (1: weights back), int values, int 0;
                        then the values (push)
    reply:              int status (a gRPC status code, 0 OK), int flags (1 applied, 2 closing), long version,
                        long staleness, int weight values, int message bytes; the UTF-8 message; the weights

A push's values are sent straight from the array's buffer (``sendall`` of a memoryview, no copy) and the
weights are received straight into ``weights_out``'s buffer (``recv_into``): no per-element work in Python.
Every call gives up at its deadline. The secret comes from the registration's ``RegisterReply.payload_socket``
and is good until the worker leaves (deregisters, or its lease expires).
"""
import socket
import struct
import time

import numpy as np

from momentumps.errors import ServerError

MAGIC = 0x5053504D  # "MPSP" read as a little-endian int
VERSION = 1
KIND_PUSH, KIND_PULL = 1, 2
FLAG_RETURN_WEIGHTS = 1
FLAG_APPLIED, FLAG_CLOSING = 1, 2
MAX_MESSAGE_BYTES = 16 << 10
_HELLO = struct.Struct("<iii")
_REQUEST = struct.Struct("<iiqqdiiii")  # 48 bytes
_REPLY = struct.Struct("<iiqqii")  # 32 bytes
# a push's values up to this size go out in one send with its header (joined in a copy), bigger ones after it
SMALL_PUSH_BYTES = 64 << 10
# under "auto" the socket is one path among others: its first connection may take this long
OPTIONAL_CONNECT_SECONDS = 3.0
# grpc.StatusCode by the code's number, for the server's refusals
_CODES = {0: "OK", 1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND",
          6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION",
          10: "ABORTED", 11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED", 13: "INTERNAL", 14: "UNAVAILABLE",
          15: "DATA_LOSS", 16: "UNAUTHENTICATED"}


class Unreachable(Exception):
    """An optional socket could not be opened the first time; nothing was sent on it."""


class PayloadSocket:
    """One worker's payload socket to ``(host, port)``, opened on first use with ``worker_id`` and ``secret``.
    ``optional``: the caller has another path, so a first connection that fails raises :class:`Unreachable`
    (before any request byte is sent) instead of a :class:`ServerError`. Not for concurrent use."""

    def __init__(self, host, port, worker_id, secret, deadline, optional=False):
        self.address = (host, port)
        self.worker_id = worker_id
        self.secret = bytes(secret)
        self.deadline = float(deadline)
        self.optional = optional
        self.connected_once = False
        self.sock = None
        self._reply = bytearray(_REPLY.size)

    def _where(self):
        return "payload socket to %s:%d" % self.address

    def pull(self, out):
        """The weights into ``out`` (a contiguous float32 array); returns their version."""
        status, flags, version, staleness = self._call(KIND_PULL, 0, 0, 0.0, 0, FLAG_RETURN_WEIGHTS, None, out)
        return version

    def push(self, base_version, sequence, gradient, loss, batch_size, weights_out):
        """A dense push of ``gradient`` (a float32 array); the fresh weights into ``weights_out`` when given.
        Returns (version, staleness, applied)."""
        status, flags, version, staleness = self._call(
            KIND_PUSH, base_version, sequence, loss, batch_size,
            FLAG_RETURN_WEIGHTS if weights_out is not None else 0, gradient, weights_out)
        return version, staleness, bool(flags & FLAG_APPLIED)

    def _call(self, kind, base_version, sequence, loss, batch_size, flags, values, weights_out):
        end = time.monotonic() + self.deadline
        if self.optional and not self.connected_once:
            try:
                self._open(min(end, time.monotonic() + OPTIONAL_CONNECT_SECONDS))
            except (OSError, ServerError) as e:
                raise Unreachable("%s cannot be opened (%s)" % (self._where(), e)) from None
        ok = False
        try:
            sock = self._open(end)
            n = 0 if values is None else values.size
            header = _REQUEST.pack(kind, self.worker_id, base_version, sequence,
                                   float("nan") if loss is None else float(loss), batch_size, flags, n, 0)
            if values is None:
                self._send(sock, header, end)
            else:
                data = _bytes_of(values)
                try:
                    if len(data) <= SMALL_PUSH_BYTES:  # one send, one segment: the server finds both together
                        self._send(sock, header + data, end)
                    else:
                        self._send(sock, header, end)
                        self._send(sock, data, end)
                except OSError:
                    self._raise_refusal(sock)  # the server may have refused the header and closed: say why
                    raise
            status, rflags, version, staleness, count, message = self._read_reply(sock, end)
            if status != 0:
                ok = not rflags & FLAG_CLOSING
                raise ServerError(_CODES.get(status, "UNKNOWN"), message)
            if weights_out is not None:
                if count != weights_out.size:
                    raise ServerError("FAILED_PRECONDITION", "server sends %d weights, this worker's model has %d"
                                      % (count, weights_out.size))
                self._recv_into(sock, _bytes_of(weights_out, writable=True), end)
            elif count != 0:
                raise ServerError("INTERNAL", "payload socket: %d weights sent unasked" % count)
            ok = True
            return status, rflags, version, staleness
        except socket.timeout:
            raise ServerError("DEADLINE_EXCEEDED", "%s: no answer within %g s" % (self._where(), self.deadline)) \
                from None
        except OSError as e:
            raise ServerError("UNAVAILABLE", "%s: %s" % (self._where(), e)) from None
        finally:
            if not ok:
                self.close()  # the stream's position is unknown (or the server closes it): open afresh

    def _raise_refusal(self, sock):
        try:
            status, _, _, _, _, message = self._read_reply(sock, time.monotonic() + min(1.0, self.deadline))
        except OSError:
            return  # no refusal to read: the send's failure stands
        if status != 0:
            raise ServerError(_CODES.get(status, "UNKNOWN"), message)

    def _open(self, end):
        if self.sock is not None:
            return self.sock
        sock = socket.create_connection(self.address, timeout=max(0.001, end - time.monotonic()))
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._send(sock, _HELLO.pack(MAGIC, VERSION, self.worker_id) + self.secret, end)
            status, _, _, _, _, message = self._read_reply(sock, end)
            if status != 0:
                raise ServerError(_CODES.get(status, "UNKNOWN"), "payload socket: " + message)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        self.connected_once = True
        return sock

    @staticmethod
    def _left(end):
        left = end - time.monotonic()
        if left <= 0:
            raise socket.timeout("timed out")
        return left

    def _send(self, sock, data, end):
        sock.settimeout(self._left(end))  # the timeout bounds the whole sendall
        sock.sendall(data)

    def _recv_into(self, sock, view, end):
        got = 0
        while got < len(view):
            sock.settimeout(self._left(end))
            n = sock.recv_into(view[got:])
            if n == 0:
                raise ConnectionError("the server closed the socket with %d bytes still to come" % (len(view) - got))
            got += n

    def _read_reply(self, sock, end):
        view = memoryview(self._reply)
        self._recv_into(sock, view, end)
        status, flags, version, staleness, count, message_bytes = _REPLY.unpack(self._reply)
        if message_bytes < 0 or message_bytes > MAX_MESSAGE_BYTES or count < 0:
            raise ConnectionError("a malformed reply (message of %d bytes, %d values)" % (message_bytes, count))
        message = ""
        if message_bytes:
            m = bytearray(message_bytes)
            self._recv_into(sock, memoryview(m), end)
            message = m.decode("utf-8", "replace")
        return status, flags, version, staleness, count, message

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None


def _bytes_of(array, writable=False):
    """The bytes of a contiguous little-endian float32 array, without a copy."""
    if not (isinstance(array, np.ndarray) and array.dtype == np.dtype("<f4") and array.flags.c_contiguous):
        if writable:
            raise ValueError("weights_out must be a contiguous float32 array")
        array = np.ascontiguousarray(array, dtype="<f4")
    return memoryview(array).cast("B")
