"""The errors a momentumps worker raises: each prints as one line naming the problem."""


class MomentumPsError(Exception):
    """Base of the package's errors."""


class UsageError(MomentumPsError, ValueError):
    """A bad argument, flag or file, named in the message; nothing was sent to the server."""


class ServerError(MomentumPsError):
    """The server refused a call or could not be reached: ``code`` is the gRPC status name (e.g.
    ``INVALID_ARGUMENT``), ``details`` the server's own message."""

    def __init__(self, code, details):
        self.code = code
        self.details = details
        super().__init__("%s: %s" % (code, details))

    @classmethod
    def of(cls, what, rpc_error):
        code = rpc_error.code()
        name = code.name if code is not None else "UNKNOWN"
        details = (rpc_error.details() or "").replace("\n", " ").strip()
        return cls(name, "%s: %s" % (what, details))
