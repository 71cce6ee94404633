"""Data sets: IDX files (MNIST, Fashion-MNIST), scikit-learn's 8x8 digits.

Nothing is downloaded. The IDX reader takes any path (gzip or raw), checks the
magic number, the element type and the dimensions against the file size, and
rejects a malformed or truncated file with an error naming the file.
"""
from __future__ import annotations

import gzip
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["read_idx", "Dataset", "load_dataset", "mnist_dir", "fashion_dir", "binarize_images"]

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}

#: where the shared MNIST test set lives relative to the repository root
_REPO = Path(__file__).resolve().parents[2]  # simulate/core/data.py -> the repository root
FASHION_SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")


def mnist_dir() -> Path:
    """Directory of the MNIST IDX files (``$MNIST_DIR`` or ``../shared/data/mnist``).

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch.dict("os.environ", {"MNIST_DIR": "/data/mnist"}):
    ...     print(mnist_dir())
    /data/mnist
    >>> with mock.patch.dict("os.environ"):
    ...     _ = os.environ.pop("MNIST_DIR", None)
    ...     print(mnist_dir().parts[-3:])
    ('shared', 'data', 'mnist')
    """
    env = os.environ.get("MNIST_DIR")
    return Path(env) if env else _REPO.parent / "shared" / "data" / "mnist"


def fashion_dir() -> Path:
    """Directory of Fashion-MNIST (``$FASHION_MNIST_DIR`` or the Debian package's).

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch.dict("os.environ", {"FASHION_MNIST_DIR": "/data/fashion"}):
    ...     print(fashion_dir())
    /data/fashion
    >>> with mock.patch.dict("os.environ"):
    ...     _ = os.environ.pop("FASHION_MNIST_DIR", None)
    ...     print(fashion_dir())
    /usr/share/datasets/fashion-mnist
    """
    env = os.environ.get("FASHION_MNIST_DIR")
    return Path(env) if env else FASHION_SYSTEM_DIR


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into an array, validating its header.

    Raises
    ------
    FileNotFoundError
        The path does not exist.
    ValueError
        Bad magic number, unknown element type, or a payload whose size does
        not match the header's dimensions (truncated or padded file).

    Examples
    --------
    A 2 x 3 unsigned-byte IDX file (magic ``00 00 08 02``, dimensions, payload), then the
    same file truncated by one byte:

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "tiny-idx2-ubyte"
    >>> _ = p.write_bytes(bytes([0, 0, 0x08, 2]) + struct.pack(">II", 2, 3) + bytes(range(6)))
    >>> read_idx(p).tolist()
    [[0, 1, 2], [3, 4, 5]]
    >>> _ = p.write_bytes(p.read_bytes()[:-1])
    >>> read_idx(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ...payload size mismatch: header says dims (2, 3) (18 bytes in all) but the file has 17 bytes ...
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"IDX file not found: {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"{path}: cannot read ({exc})") from exc
    if len(raw) < 4:
        raise ValueError(f"{path}: too short to be an IDX file ({len(raw)} bytes)")
    zero, dtype_code, ndim = raw[0] << 8 | raw[1], raw[2], raw[3]
    if zero != 0 or dtype_code not in _IDX_TYPES or ndim == 0:
        raise ValueError(f"{path}: not an IDX file (magic bytes {raw[:4].hex()})")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated header ({len(raw)} bytes, need {header})")
    dims = struct.unpack(">" + "I" * ndim, raw[4:header])
    dtype = np.dtype(_IDX_TYPES[dtype_code])
    expected = header + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"{path}: payload size mismatch: header says dims {dims} "
                         f"({expected} bytes in all) but the file has {len(raw)} bytes (truncated or corrupt)")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


@dataclass(frozen=True)
class Dataset:
    """Images in [0, 1] as rows ``(n, side*side)``, labels, and the image side."""

    name: str
    images: np.ndarray
    labels: np.ndarray
    side: int

    def __len__(self) -> int:
        return len(self.labels)

    def split(self, fractions=(0.8, 0.1, 0.1), seed: int = 0) -> tuple[Dataset, ...]:
        """Fixed random split (by ``seed``) into train/validation/test parts."""
        if not np.isclose(sum(fractions), 1.0) or any(f < 0 for f in fractions):
            raise ValueError(f"fractions must be >= 0 and sum to 1 (got {fractions})")
        perm = np.random.default_rng(seed).permutation(len(self))
        cuts = np.cumsum([int(round(f * len(self))) for f in fractions[:-1]])
        parts = np.split(perm, cuts)
        return tuple(Dataset(f"{self.name}[{i}]", self.images[p], self.labels[p], self.side)
                     for i, p in enumerate(parts))


def binarize_images(images: np.ndarray, threshold: float = 0.5, spins: bool = False) -> np.ndarray:
    """Threshold pixels in [0, 1]: {0, 1} (uint8) or, with ``spins=True``, {-1, +1} (int8).

    Examples
    --------
    >>> x = np.array([0.2, 0.5, 0.9])
    >>> binarize_images(x).tolist(), binarize_images(x, spins=True).tolist()
    ([0, 0, 1], [-1, -1, 1])
    """
    b = (np.asarray(images) > threshold).astype(np.int8)
    return (2 * b - 1).astype(np.int8) if spins else b.astype(np.uint8)


def _idx_pair(directory: Path, prefix: str, name: str) -> Dataset:
    cands = [directory / f"{prefix}-images-idx3-ubyte{ext}" for ext in (".gz", "")]
    img = next((c for c in cands if c.exists()), None)
    if img is None:
        raise FileNotFoundError(f"{name}: no {prefix}-images-idx3-ubyte[.gz] in {directory}")
    lab = next((c for c in (directory / f"{prefix}-labels-idx1-ubyte.gz", directory / f"{prefix}-labels-idx1-ubyte")
                if c.exists()), None)
    images = read_idx(img)
    labels = read_idx(lab) if lab is not None else np.full(len(images), -1)
    if len(labels) != len(images):
        raise ValueError(f"{name}: {len(images)} images but {len(labels)} labels")
    side = images.shape[1]
    return Dataset(name, images.reshape(len(images), -1).astype(np.float64) / 255.0, labels.astype(np.int64), side)


def load_dataset(name: str = "digits", part: str = "test") -> Dataset:
    """Load a data set by name: ``digits`` (sklearn 8x8, always present), ``mnist``,
    ``fashion``, or a path to an IDX image file (labels looked up beside it).

    ``part`` selects ``"test"`` (t10k files) or ``"train"`` for MNIST/Fashion.

    Examples
    --------
    >>> d = load_dataset("digits")
    >>> len(d), d.side, d.images.shape[1], float(d.images.min()), float(d.images.max())
    (1797, 8, 64, 0.0, 1.0)
    >>> sorted(set(d.labels.tolist())) == list(range(10))
    True
    >>> sum(len(part) for part in d.split((0.8, 0.1, 0.1), seed=0)) == len(d)
    True
    """
    if part not in ("test", "train"):
        raise ValueError(f"part must be 'test' or 'train' (got {part!r})")
    prefix = "t10k" if part == "test" else "train"
    if name == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        return Dataset("digits", d.data.astype(np.float64) / 16.0, d.target.astype(np.int64), 8)
    if name == "mnist":
        return _idx_pair(mnist_dir(), prefix, "mnist")
    if name == "fashion":
        return _idx_pair(fashion_dir(), prefix, "fashion-mnist")
    path = Path(name)
    if path.exists():
        images = read_idx(path)
        if images.ndim != 3:
            raise ValueError(f"{path}: expected a 3-d IDX image file (n, rows, cols), got shape {images.shape}")
        stem = path.name.replace("images-idx3-ubyte", "labels-idx1-ubyte")
        lab = path.with_name(stem)
        labels = read_idx(lab) if lab.exists() and lab != path else np.full(len(images), -1)
        scale = 255.0 if images.dtype == np.uint8 else 1.0
        return Dataset(path.name, images.reshape(len(images), -1) / scale, labels.astype(np.int64), images.shape[1])
    raise ValueError(f"data must be 'digits', 'mnist', 'fashion' or an existing IDX path (got {name!r})")
