"""The reference data sets beside the project, and readers for their formats.

The data sets live in ``../shared/data`` relative to the project root (the directory holding ``python/``),
never in the repository; ``$MPS_DATA_DIR`` points elsewhere (a container mounts them). A missing file is a
:class:`FileNotFoundError` naming the path looked at, never an empty data set.
"""
import gzip
import os

import numpy as np

_PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def data_dir():
    """``$MPS_DATA_DIR`` when set, else ``../shared/data`` relative to the project root."""
    env = os.environ.get("MPS_DATA_DIR")
    return env if env else os.path.normpath(os.path.join(_PROJECT_ROOT, "..", "shared", "data"))


def shared_data(name):
    """The path of data file ``name``; FileNotFoundError (saying where it looked) when it is not there."""
    path = os.path.join(data_dir(), name)
    if not os.path.isfile(path):
        raise FileNotFoundError("data file %s not found (data sets are read from ../shared/data beside the "
                                "project, or from $MPS_DATA_DIR)" % path)
    return path


def read_idx(path):
    """An IDX file (MNIST's format, optionally gzipped) as a numpy array of its shape and element type."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError("%s: not an IDX file (bad magic number)" % path)
    types = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if raw[2] not in types:
        raise ValueError("%s: unknown IDX element type 0x%02x" % (path, raw[2]))
    dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims))
    dtype = np.dtype(types[raw[2]])
    count = int(np.prod(shape)) if shape else 0
    body = 4 + 4 * dims
    if len(raw) != body + count * dtype.itemsize:
        raise ValueError("%s: %d bytes, expected %d for shape %s" % (path, len(raw), body + count * dtype.itemsize,
                                                                    shape))
    return np.frombuffer(raw, dtype=dtype, count=count, offset=body).reshape(shape)


def mnist10k():
    """The 10,000 MNIST digits: (train images, train labels, test images, test labels), images float32 in
    [0, 1] shaped (N, 1, 28, 28), labels int64; the first 8,000 train, the last 2,000 test."""
    images = read_idx(shared_data("mnist10k-images-idx3-ubyte.gz"))
    labels = read_idx(shared_data("mnist10k-labels-idx1-ubyte.gz"))
    if images.shape[0] != labels.shape[0]:
        raise ValueError("mnist10k: %d images but %d labels" % (images.shape[0], labels.shape[0]))
    x = (images.astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    y = labels.astype(np.int64)
    return x[:8000], y[:8000], x[8000:], y[8000:]


def optdigits():
    """UCI optdigits: (train images, train labels, test images, test labels), 8x8 images float32 in [0, 1]
    shaped (N, 1, 8, 8) (pixel counts 0..16 divided by 16), labels int64."""
    parts = []
    for name in ("optdigits.tra", "optdigits.tes"):
        with open(shared_data(name)) as f:  # tab separated here, comma separated as UCI ships it
            rows = np.loadtxt((line.replace(",", " ") for line in f), dtype=np.float32, ndmin=2)
        if rows.shape[1] != 65:
            raise ValueError("%s: %d columns, expected 65" % (name, rows.shape[1]))
        parts += [(rows[:, :64] / 16.0).reshape(-1, 1, 8, 8), rows[:, 64].astype(np.int64)]
    return tuple(parts)


def airfoil(rows=1500):
    """UCI airfoil self-noise as Dive into Deep Learning prepares it: every column standardised (mean 0,
    population standard deviation 1), the first ``rows`` rows; (features float32 (N, 5), labels (N,))."""
    data = np.loadtxt(shared_data("airfoil_self_noise.dat"), dtype=np.float64, ndmin=2)
    data = (data - data.mean(axis=0)) / data.std(axis=0)
    data = data[:rows].astype(np.float32)
    return data[:, :5], data[:, 5]
