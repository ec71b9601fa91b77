"""The same-host fast path: a file both the worker and the server map into memory.

The file holds ``n`` little-endian float32 gradient values from byte 0, then ``n`` float32 weights (the
contract's ``SharedRegion`` message). The worker creates it in ``/dev/shm`` under a name starting with
``mps-region-`` (the only files the server agrees to map), writes its gradient, and sends a PushPull naming
the file; the server reads the gradient and writes the fresh weights into the second half before it
answers. Both halves are numpy arrays over the mapping and torch tensors over those arrays: a model bound
to them (:meth:`momentumps.layout.FlatModel.move_to`) reads and writes the region without copies.
"""
import mmap
import os
import uuid

import numpy as np
import torch

PREFIX = "mps-region-"


def host_id():
    """This host's kernel boot id, as the server reports its own; empty when unreadable (no fast path)."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return ""


def directory():
    """``/dev/shm`` when it is a writable directory (the server looks for regions there), else /tmp."""
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK):
        return shm
    return os.environ.get("TMPDIR", "/tmp")


class SharedRegion:
    """A region of ``n`` float32 values each way; :meth:`close` unmaps and deletes the file."""

    def __init__(self, n):
        if n < 1:
            raise ValueError("a region needs at least one element, got %d" % n)
        self.n = n
        self.path = os.path.join(directory(), "%s%d-%s" % (PREFIX, os.getpid(), uuid.uuid4()))
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.ftruncate(fd, 8 * n)
            self._map = mmap.mmap(fd, 8 * n, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        except BaseException:
            os.close(fd)
            os.unlink(self.path)
            raise
        os.close(fd)
        self.gradient = np.frombuffer(self._map, dtype="<f4", count=n, offset=0)
        self.weights = np.frombuffer(self._map, dtype="<f4", count=n, offset=4 * n)
        self.gradient_tensor = torch.from_numpy(self.gradient)
        self.weights_tensor = torch.from_numpy(self.weights)

    def close(self):
        """Deletes the file; the mapping goes once nothing (no model parameter) views it any more."""
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
