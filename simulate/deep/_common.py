"""Helpers shared by the networks of :mod:`simulate.deep` (private to the family)."""
from __future__ import annotations

import math

import numpy as np

from theory.core.params import check_choice, check_int, check_real

#: rows per chunk when a whole data set is pushed through a network (bounded memory)
EVAL_CHUNK = 4096

#: the three training methods (SM Sec. V and its two baselines)
METHODS = ("stochastic", "bnn", "relu")


def check_sizes(sizes) -> tuple[int, ...]:
    """``(n_in, hidden..., n_out)`` as a tuple of positive ints, or ``ValueError`` naming ``sizes``."""
    try:
        sizes = tuple(sizes)
    except TypeError:
        raise ValueError(f"sizes must be a sequence of layer widths (got {sizes!r})") from None
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least the input and output widths (got {sizes!r})")
    return tuple(check_int(f"sizes[{i}]", s, ge=1) for i, s in enumerate(sizes))


def check_dropout(name: str, p) -> float:
    """A dropout probability in [0, 1)."""
    return check_real(name, p, ge=0.0, lt=1.0)


def training_batch(net, x, y, rng) -> tuple[np.ndarray, np.ndarray, np.random.Generator | None]:
    """The checked inputs and labels of one training batch of ``net`` and its random generator (required,
    and refused when missing, as soon as ``net`` has dropout)."""
    from simulate.core.rng import as_generator

    x = check_inputs(x, net.sizes[0], net.dtype)
    y = check_labels(y, net.sizes[-1], len(x))
    if (net.dropout > 0 or net.input_dropout > 0) and rng is None:
        raise ValueError("rng is needed for dropout masks (dropout > 0)")
    return x, y, (as_generator(rng) if rng is not None else None)


def set_network_settings(net, sizes, dtype, dropout, input_dropout) -> None:
    """Check and store on ``net`` what every network of the family has: ``sizes``, ``dtype``, ``dropout``
    (hidden units) and ``input_dropout`` (pixels); ``ValueError`` naming the argument otherwise."""
    net.sizes = check_sizes(sizes)
    net.dtype = check_dtype(dtype)
    net.dropout = check_dropout("dropout", dropout)
    net.input_dropout = check_dropout("input_dropout", input_dropout)


def check_dtype(dtype) -> np.dtype:
    dt = np.dtype(dtype)
    check_choice("dtype", dt.name, ("float32", "float64"))
    return dt


def sign_pm(x: np.ndarray, dtype=None) -> np.ndarray:
    """``+1`` where ``x >= 0``, ``-1`` elsewhere (``sign(0) = +1``: a binary unit has no third state)."""
    dt = np.dtype(dtype if dtype is not None else x.dtype)
    return np.where(x >= 0, dt.type(1), dt.type(-1))


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of ``softmax(logits)`` and its gradient w.r.t. ``logits``."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(len(labels))
    loss = float(np.mean(np.log(s[:, 0]) - z[rows, labels]))
    g = e / s
    g[rows, labels] -= 1.0
    g /= len(labels)
    return loss, g


def check_labels(y, n_out: int, n_rows: int) -> np.ndarray:
    """Integer class labels ``0..n_out-1`` (or ``-1/+1`` when ``n_out == 1``), one per row."""
    y = np.asarray(y)
    if y.shape != (n_rows,):
        raise ValueError(f"y must have shape ({n_rows},) (got {y.shape})")
    if not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise ValueError("y must hold integer class labels")
    y = y.astype(np.int64)
    if n_out == 1:
        if not np.all(np.abs(y) == 1):
            raise ValueError("with one output unit y must hold labels -1 or +1")
    elif y.size and (y.min() < 0 or y.max() >= n_out):
        raise ValueError(f"y must hold class labels in 0..{n_out - 1} (got range {y.min()}..{y.max()})")
    return y


def check_inputs(x, n_in: int, dtype) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != n_in:
        raise ValueError(f"x must have shape (n, {n_in}) (got {x.shape})")
    x = np.ascontiguousarray(x, dtype=dtype)
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite")
    return x


def error_rate(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(pred != y)) if len(y) else math.nan


def labels_from_outputs(out: np.ndarray) -> np.ndarray:
    """argmax over classes, or the sign (``+1`` at 0) of a single output."""
    if out.shape[1] == 1:
        return np.where(out[:, 0] >= 0, 1, -1)
    return np.argmax(out, axis=1)


def chunked(fn, x: np.ndarray, chunk: int = EVAL_CHUNK) -> np.ndarray:
    """``fn`` applied to consecutive row blocks of ``x``, concatenated."""
    if len(x) <= chunk:
        return fn(x)
    return np.concatenate([fn(x[i:i + chunk]) for i in range(0, len(x), chunk)])


def dropout_mask(rng: np.random.Generator, shape, p: float, dtype) -> np.ndarray:
    """Inverted-dropout mask: ``0`` with probability ``p``, else ``1/(1-p)``."""
    keep = rng.random(shape, dtype=np.float32) >= p
    return (keep / (1.0 - p)).astype(dtype)
