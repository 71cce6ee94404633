"""Data sets: IDX files (MNIST, Fashion-MNIST), scikit-learn's 8x8 digits.

Nothing is downloaded. The IDX reader takes any path (gzip or raw), checks the
magic number, the element type and the dimensions against the file size, and
rejects a malformed or truncated file with an error naming the file.
"""
from __future__ import annotations

import gzip
import hashlib
import math
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from theory.core.cli import available_memory, format_bytes

__all__ = ["read_idx", "idx_shape", "dataset_shape", "dataset_fingerprint", "load_npz_arrays", "Dataset",
           "load_dataset", "mnist_dir", "fashion_dir", "binarize_images"]

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
    dtype, dims, header, size = _idx_header(path)
    payload = size - header
    avail = available_memory()
    if avail is not None and 2 * payload > avail:
        raise ValueError(f"{path}: header says dims {dims} of {dtype} ({format_bytes(payload)}), more than this "
                         f"machine can hold (MemAvailable {format_bytes(avail)})")
    opener = gzip.open if path.suffix == ".gz" else open
    chunks, got = [], 0
    try:
        with opener(path, "rb") as fh:
            fh.seek(header) if opener is open else fh.read(header)
            while got <= payload:   # stream: never read more than one chunk past what the header announces
                chunk = fh.read(min(1 << 24, payload + 1 - got))
                if not chunk:
                    break
                chunks.append(chunk)
                got += len(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{path}: cannot read ({exc})") from exc
    if got != payload:
        more = "more than" if got > payload else f"{header + got} bytes, not"
        raise ValueError(f"{path}: payload size mismatch: header says dims {dims} ({size} bytes in all) but the "
                         f"file has {more} {size} bytes (truncated or corrupt)")
    raw = b"".join(chunks)
    return np.frombuffer(raw, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="))


def _idx_header(path: Path) -> tuple[np.dtype, tuple[int, ...], int, int]:
    """``(dtype, dims, header bytes, total bytes announced)`` of an IDX file, reading only its header.

    A raw file's size is compared with the header at once; a gzip file's with the size modulo
    2**32 recorded in its trailer (so a small archive claiming 1e9 images is refused without
    decompressing it).
    """
    if not path.exists():
        raise FileNotFoundError(f"IDX file not found: {path}")
    if not path.is_file():
        raise ValueError(f"{path}: not a file")
    gz = path.suffix == ".gz"
    try:
        with (gzip.open if gz else open)(path, "rb") as fh:
            head = fh.read(4)
            if len(head) < 4:
                raise ValueError(f"{path}: too short to be an IDX file ({len(head)} bytes)")
            zero, dtype_code, ndim = head[0] << 8 | head[1], head[2], head[3]
            if zero != 0 or dtype_code not in _IDX_TYPES or ndim == 0:
                raise ValueError(f"{path}: not an IDX file (magic bytes {head.hex()})")
            rest = fh.read(4 * ndim)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{path}: cannot read ({exc})") from exc
    header = 4 + 4 * ndim
    if len(rest) < 4 * ndim:
        raise ValueError(f"{path}: truncated header ({4 + len(rest)} bytes, need {header})")
    dims = struct.unpack(">" + "I" * ndim, rest)
    dtype = np.dtype(_IDX_TYPES[dtype_code])
    size = header + math.prod(dims) * dtype.itemsize
    if gz:
        with open(path, "rb") as fh:
            fh.seek(-4, os.SEEK_END)
            isize = struct.unpack("<I", fh.read(4))[0]
        if isize != size % 2 ** 32:
            raise ValueError(f"{path}: payload size mismatch: header says dims {dims} ({size} bytes in all) but the "
                             f"gzip trailer records {isize} bytes (mod 2**32): truncated or corrupt")
    elif path.stat().st_size != size:
        raise ValueError(f"{path}: payload size mismatch: header says dims {dims} ({size} bytes in all) but the "
                         f"file has {path.stat().st_size} bytes (truncated or corrupt)")
    return dtype, dims, header, size


def idx_shape(path: str | os.PathLike) -> tuple[int, ...]:
    """The dimensions an IDX file (optionally gzipped) announces, reading only its header and size.

    Raises ``FileNotFoundError`` or ``ValueError`` as :func:`read_idx`.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "tiny-idx3-ubyte"
    >>> _ = p.write_bytes(bytes([0, 0, 0x08, 3]) + struct.pack(">III", 2, 2, 2) + bytes(8))
    >>> idx_shape(p)
    (2, 2, 2)
    """
    return _idx_header(Path(path))[1]


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
    return _idx_dataset(name, img, lab)


def _idx_dataset(name: str, img: Path, lab: Path | None) -> Dataset:
    """Images (3-d IDX, at least one, pixels uint8 or floats in [0, 1]) and their labels (1-d IDX, one per image)."""
    images = read_idx(img)
    if images.ndim != 3:
        raise ValueError(f"{img}: expected a 3-d IDX image file (n, rows, cols), got shape {images.shape}")
    if images.shape[0] == 0 or images.shape[1] == 0 or images.shape[2] == 0:
        raise ValueError(f"{img}: no images (header dims {images.shape})")
    if images.dtype == np.uint8:
        x = images.reshape(len(images), -1).astype(np.float64) / 255.0
    elif images.dtype.kind == "f":
        x = images.reshape(len(images), -1).astype(np.float64)
        bad = ~np.isfinite(x) | (x < 0) | (x > 1)
        if bad.any():
            raise ValueError(f"{img}: float pixels must be finite and in [0, 1] ({int(bad.sum())} are not, "
                             f"e.g. {x[bad][0]!r})")
    else:
        raise ValueError(f"{img}: pixels must be unsigned bytes (0-255) or floats in [0, 1] (got {images.dtype})")
    labels = np.full(len(images), -1, dtype=np.int64)
    if lab is not None:
        lab_arr = read_idx(lab)
        if lab_arr.ndim != 1 or lab_arr.dtype.kind not in "iu":
            raise ValueError(f"{lab}: expected a 1-d integer IDX labels file, got shape {lab_arr.shape} "
                             f"of {lab_arr.dtype}")
        if len(lab_arr) != len(images):
            raise ValueError(f"{name}: {len(images)} images in {img} but {len(lab_arr)} labels in {lab}")
        labels = lab_arr.astype(np.int64)
    return Dataset(name, x, labels, images.shape[1])


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
        lab = path.with_name(path.name.replace("images-idx3-ubyte", "labels-idx1-ubyte"))
        return _idx_dataset(path.name, path, lab if lab.exists() and lab != path else None)
    raise ValueError(f"data must be 'digits', 'mnist', 'fashion' or an existing IDX path (got {name!r})")


def _dataset_files(name: str, part: str) -> list[Path]:
    """The image (and labels) files behind a data-set name; ``[]`` for the built-in digits."""
    if part not in ("test", "train"):
        raise ValueError(f"part must be 'test' or 'train' (got {part!r})")
    if name == "digits":
        return []
    prefix = "t10k" if part == "test" else "train"
    if name in ("mnist", "fashion"):
        directory = mnist_dir() if name == "mnist" else fashion_dir()
        files = []
        for kind, nd in (("images", 3), ("labels", 1)):
            f = next((c for c in (directory / f"{prefix}-{kind}-idx{nd}-ubyte.gz",
                                  directory / f"{prefix}-{kind}-idx{nd}-ubyte") if c.exists()), None)
            if f is None and kind == "images":
                raise FileNotFoundError(f"{name}: no {prefix}-images-idx3-ubyte[.gz] in {directory}")
            if f is not None:
                files.append(f)
        return files
    path = Path(name)
    if path.exists():
        lab = path.with_name(path.name.replace("images-idx3-ubyte", "labels-idx1-ubyte"))
        return [path] + ([lab] if lab.exists() and lab != path else [])
    raise ValueError(f"data must be 'digits', 'mnist', 'fashion' or an existing IDX path (got {name!r})")


def dataset_shape(name: str = "digits", part: str = "test") -> tuple[int, int]:
    """``(number of images, pixels per image)`` of :func:`load_dataset` ``(name, part)``, from the headers only.

    For up-front memory estimates: nothing is decompressed.

    Examples
    --------
    >>> dataset_shape("digits")
    (1797, 64)
    """
    files = _dataset_files(name, part)
    if not files:
        return 1797, 64
    dims = idx_shape(files[0])
    if len(dims) != 3:
        raise ValueError(f"{files[0]}: expected a 3-d IDX image file (n, rows, cols), got dims {dims}")
    return dims[0], dims[1] * dims[2]


_FINGERPRINTS: dict[tuple, str] = {}


def dataset_fingerprint(name: str = "digits", part: str = "test") -> str:
    """``"<name>:<sha256 prefix>"`` of the files (or, for digits, the pixels) :func:`load_dataset` would read.

    A stored result that depends on a data set keys on this, so a result computed on other
    data (another file, the digits fallback) is never loaded under this data set's name.

    Examples
    --------
    >>> f = dataset_fingerprint("digits")
    >>> f.startswith("digits:"), len(f), f == dataset_fingerprint("digits")
    (True, 23, True)
    """
    files = _dataset_files(name, part)
    key = (name, part, tuple((str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns) for f in files))
    if key not in _FINGERPRINTS:
        h = hashlib.sha256()
        if not files:
            h.update(np.ascontiguousarray(load_dataset("digits").images).tobytes())
        for f in files:
            with open(f, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
        _FINGERPRINTS[key] = f"{name}:{h.hexdigest()[:16]}"
    return _FINGERPRINTS[key]


def load_npz_arrays(path: str | os.PathLike, option: str, required: tuple[str, ...] = (),
                    optional: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Read named numeric arrays from an ``.npz`` file, refusing everything else with a message naming the file.

    Refused: a missing file, a file that is not a zip archive of ``.npy`` arrays (e.g. text
    named ``.npz``), pickled (object) entries, a missing required entry, and entries that are
    not real numbers (strings, complex numbers: the imaginary part is never dropped) or not
    finite. Returns ``{name: array}`` for the required and the present optional names.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "d.npz"
    >>> np.savez(p, sigma=np.ones((2, 3), dtype=np.int8))
    >>> load_npz_arrays(p, "--data", ("sigma",))["sigma"].shape
    (2, 3)
    >>> _ = p.write_text("not numpy")
    >>> load_npz_arrays(p, "--data", ("sigma",))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: --data ...d.npz: not an .npz file (not a zip archive of .npy arrays)
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{option} {path}: no such file")
    if not path.is_file():
        raise ValueError(f"{option} {path}: not a file")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{option} {path}: not an .npz file (not a zip archive of .npy arrays)")
    out = {}
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in required if k not in z.files]
            if missing:
                raise ValueError(f"{option} {path}: no {missing[0]!r} array (entries: {sorted(z.files)})")
            for k in (*required, *(o for o in optional if o in z.files)):
                try:
                    a = z[k]
                except ValueError as exc:
                    raise ValueError(f"{option} {path}: entry {k!r} is not a plain numeric array ({exc})") from None
                if a.dtype.kind not in "biuf":
                    raise ValueError(f"{option} {path}: entry {k!r} must hold real numbers (got dtype {a.dtype})")
                if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
                    raise ValueError(f"{option} {path}: entry {k!r} has non-finite values")
                out[k] = a
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{option} {path}: corrupt .npz file ({type(exc).__name__}: {exc})") from None
    return out
