"""Model files of :mod:`simulate.deep`: ``.npz`` without pickles, with a checked layout.

Layout (``format_version`` 1; documented in ``docs/deep_networks.md``), for layers ``l = 0..L``:

=================  ==========================  ===============================================
key                dtype, shape                meaning
=================  ==========================  ===============================================
``format_version`` int64, ()                   1
``method``         str, ()                     ``stochastic``, ``bnn`` or ``relu``
``sizes``          int64, (L+2,)               ``(n_in, hidden..., n_out)``
``encoding``       str, ()                     input pixels: ``real``, ``binary`` or ``spin``
``meta``           str, ()                     JSON object (data set, seed, epochs, errors...)
``m{l}``           float32, (out, in)          stochastic: synaptic means ``m`` (binary net: ``sign m``);
                                               bnn: latent weights (binary weights ``sign``);
                                               relu: the continuous weights
``b{l}``           float32, (out,)             biases (stochastic, relu)
``gamma{l}``...    float32, (out,)             bnn only: ``gamma``, ``beta``, ``mean``, ``var``
                                               (batch norm and its running statistics)
=================  ==========================  ===============================================
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from simulate.deep._common import METHODS
from simulate.deep.baselines import BinarizedSTENetwork, ReluNetwork
from simulate.deep.stochastic import StochasticBinaryNetwork

#: any of the three networks of the family
DeepNetwork = StochasticBinaryNetwork | BinarizedSTENetwork | ReluNetwork

__all__ = ["save_deep_model", "load_deep_model", "check_model_output_path", "DEEP_MODEL_FORMAT_VERSION"]

DEEP_MODEL_FORMAT_VERSION = 1
_CLASSES = {"stochastic": StochasticBinaryNetwork, "bnn": BinarizedSTENetwork, "relu": ReluNetwork}
_PER_LAYER = {"stochastic": ("b",), "relu": ("b",), "bnn": ("gamma", "beta", "mean", "var")}
_ENCODINGS = ("real", "binary", "spin")


def check_model_output_path(path: str | os.PathLike, option: str = "--save") -> Path:
    """Refuse an output path before any work: it must end in ``.npz`` and its directory must be writable.

    Examples
    --------
    >>> import tempfile, os
    >>> check_model_output_path(os.path.join(tempfile.gettempdir(), "model.npz")).suffix
    '.npz'
    """
    p = Path(path)
    if p.suffix != ".npz":
        raise ValueError(f"{option} must name a .npz file (got {str(path)!r})")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise ValueError(f"{option} {str(path)!r}: directory {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK):
        raise ValueError(f"{option} {str(path)!r}: directory {str(parent)!r} is not writable")
    if p.exists() and p.is_dir():
        raise ValueError(f"{option} {str(path)!r} is a directory")
    return p


def save_deep_model(net: DeepNetwork, path: str | os.PathLike, *, encoding: str = "real",
                    meta: dict[str, Any] | None = None) -> Path:
    """Write a trained network to ``path`` (``.npz``, no pickles; atomic replace).

    Parameters
    ----------
    net : StochasticBinaryNetwork, BinarizedSTENetwork or ReluNetwork
    path : path ending in ``.npz``
    encoding : str
        The input encoding the network was trained on (evaluation must use the same).
    meta : dict, optional
        JSON-serialisable information stored as the ``meta`` string.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, os
    >>> net = StochasticBinaryNetwork((4, 3, 2), seed=0)
    >>> p = save_deep_model(net, os.path.join(tempfile.mkdtemp(), "m.npz"))
    >>> load_deep_model(p)[0].sizes
    (4, 3, 2)
    """
    p = check_model_output_path(path, "path")
    if net.method not in METHODS:
        raise ValueError(f"cannot save a network of method {net.method!r}")
    if encoding not in _ENCODINGS:
        raise ValueError(f"encoding must be one of {list(_ENCODINGS)} (got {encoding!r})")
    arrays = {k: np.asarray(v, dtype=np.float32) for k, v in net.arrays().items()}
    arrays.update(format_version=np.array(DEEP_MODEL_FORMAT_VERSION, dtype=np.int64), method=np.array(net.method),
                  sizes=np.array(net.sizes, dtype=np.int64), encoding=np.array(encoding),
                  meta=np.array(json.dumps(meta or {}, allow_nan=True)))
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=p.parent if str(p.parent) else ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, p)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return p


def _scalar(z, key: str, path, kind):
    if key not in z.files:
        raise ValueError(f"{path}: not a deep-network model file (no {key!r} entry)")
    a = z[key]
    if a.shape != () or (kind is str and a.dtype.kind != "U") or (kind is int and a.dtype.kind not in "iu"):
        raise ValueError(f"{path}: entry {key!r} must be a scalar {kind.__name__} "
                         f"(got dtype {a.dtype}, shape {a.shape})")
    return kind(a[()])


def load_deep_model(path: str | os.PathLike, dtype: npt.DTypeLike = np.float32) -> tuple[DeepNetwork, dict[str, Any]]:
    """Read a model file written by :func:`save_deep_model`, checking every entry.

    Parameters
    ----------
    path : path
    dtype : float32 or float64

    Returns
    -------
    net, info
        The network, and ``info`` with ``method``, ``sizes``, ``encoding``, ``meta``.

    Raises
    ------
    ValueError
        Missing file, not an ``.npz`` (or truncated), an entry needing a pickle, wrong format version,
        unknown method, missing/extra layer arrays, wrong shapes or dtypes, non-finite values,
        or ``|m| > 1`` for a stochastic network; the message names the file and the entry.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "bad.npz")
    >>> _ = open(p, "wb").write(b"not a zip")
    >>> try:
    ...     load_deep_model(p)
    ... except ValueError as e:
    ...     print(str(e).split(": ", 1)[1][:21])
    not a valid .npz file
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"--load {str(path)!r}: no such file")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not a valid .npz file (not a zip archive of .npy arrays)")
    try:
        z = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ValueError(f"{path}: not a valid .npz file ({type(exc).__name__}: {exc})") from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise ValueError(f"{path}: not a valid .npz file (a single .npy array)")
    try:
        with z:
            return _read(z, path, dtype)
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
        raise ValueError(f"{path}: truncated or corrupt entry ({type(exc).__name__}: {exc})") from None
    except ValueError as exc:
        msg = str(exc)
        if msg.startswith(str(path)):
            raise
        raise ValueError(f"{path}: unreadable entry ({msg})") from None


def _read(z, path, dtype):
    version = _scalar(z, "format_version", path, int)
    if version != DEEP_MODEL_FORMAT_VERSION:
        raise ValueError(f"{path}: format_version {version} is not supported (this code reads "
                         f"{DEEP_MODEL_FORMAT_VERSION})")
    method = _scalar(z, "method", path, str)
    if method not in METHODS:
        raise ValueError(f"{path}: method must be one of {list(METHODS)} (got {method!r})")
    encoding = _scalar(z, "encoding", path, str)
    if encoding not in _ENCODINGS:
        raise ValueError(f"{path}: encoding must be one of {list(_ENCODINGS)} (got {encoding!r})")
    if "sizes" not in z.files:
        raise ValueError(f"{path}: no 'sizes' entry")
    sizes = z["sizes"]
    if sizes.ndim != 1 or sizes.dtype.kind not in "iu" or len(sizes) < 2 or np.any(sizes < 1):
        raise ValueError(f"{path}: 'sizes' must be a 1-d array of >= 2 positive integers (got {sizes!r})")
    sizes = tuple(int(s) for s in sizes)
    meta = {}
    if "meta" in z.files:
        try:
            meta = json.loads(_scalar(z, "meta", path, str))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: 'meta' is not valid JSON ({exc})") from None
    L = len(sizes) - 1
    names = ("m",) + _PER_LAYER[method]
    expected = {f"{n}{l}" for n in names for l in range(L)}
    known = {"format_version", "method", "encoding", "sizes", "meta"}
    extra = sorted(set(z.files) - expected - known)
    if extra:
        raise ValueError(f"{path}: unexpected entries {extra} for a {method} network with sizes {sizes}")
    arrays = {}
    for l in range(L):
        for n in names:
            key = f"{n}{l}"
            if key not in z.files:
                raise ValueError(f"{path}: missing entry {key!r} (a {method} network with sizes {sizes} has "
                                 f"{len(expected)} layer arrays)")
            a = z[key]
            shape = (sizes[l + 1], sizes[l]) if n == "m" else (sizes[l + 1],)
            if a.shape != shape:
                raise ValueError(f"{path}: entry {key!r} has shape {a.shape}, expected {shape} from sizes {sizes}")
            if a.dtype.kind != "f":
                raise ValueError(f"{path}: entry {key!r} must be floating point (got {a.dtype})")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{path}: entry {key!r} has non-finite values")
            if n == "m" and method in ("stochastic", "bnn") and np.any(np.abs(a) > 1):
                raise ValueError(f"{path}: entry {key!r} must lie in [-1, 1] for a {method} network")
            if n == "var" and np.any(a < 0):
                raise ValueError(f"{path}: entry {key!r} (a variance) has negative values")
            arrays[key] = a
    if method != "stochastic" and sizes[-1] < 2:
        raise ValueError(f"{path}: a {method} network needs >= 2 outputs (sizes {sizes})")
    net = _CLASSES[method].from_arrays(arrays, dtype=dtype)
    return net, {"method": method, "sizes": sizes, "encoding": encoding, "meta": meta, "format_version": version}
