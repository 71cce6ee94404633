"""Validation of user input: every message names the parameter, the value and the allowed range."""
from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["check_real", "check_int", "check_choice", "check_array"]


def _range_text(gt, ge, lt, le) -> str:
    parts = []
    if gt is not None:
        parts.append(f"> {gt}")
    if ge is not None:
        parts.append(f">= {ge}")
    if lt is not None:
        parts.append(f"< {lt}")
    if le is not None:
        parts.append(f"<= {le}")
    return " and ".join(parts) if parts else "finite"


def check_real(name: str, value: object, *, gt: float | None = None, ge: float | None = None,
               lt: float | None = None, le: float | None = None, allow_inf: bool = False) -> float:
    """Return ``value`` as a float, or raise ``ValueError`` naming ``name`` and the range.

    Examples
    --------
    >>> check_real("alpha", 0.5, gt=0)
    0.5
    """
    rng = _range_text(gt, ge, lt, le)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise ValueError(f"{name} must be a real number {rng} (got {value!r} of type {type(value).__name__})")
    x = float(value)
    if math.isnan(x) or (math.isinf(x) and not allow_inf):
        raise ValueError(f"{name} must be a finite real number {rng} (got {value!r})")
    bad = (
        (gt is not None and not x > gt)
        or (ge is not None and not x >= ge)
        or (lt is not None and not x < lt)
        or (le is not None and not x <= le)
    )
    if bad:
        raise ValueError(f"{name} must be {rng} (got {value!r})")
    return x


def check_int(name: str, value: object, *, ge: int | None = None, le: int | None = None, odd: bool = False) -> int:
    """Return ``value`` as an int, or raise ``ValueError`` naming ``name`` and the range.

    Examples
    --------
    >>> check_int("order", 8.0, ge=2)   # an integral float is accepted
    8
    >>> check_int("k", 4, odd=True)
    Traceback (most recent call last):
    ...
    ValueError: k must be odd so that sign() of a sum of k terms is never 0 (got 4)
    """
    rng = _range_text(None, ge, None, le)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be an integer {rng} (got {value!r})")
    n = int(value)
    if (ge is not None and n < ge) or (le is not None and n > le):
        raise ValueError(f"{name} must be an integer {rng} (got {n})")
    if odd and n % 2 == 0:
        raise ValueError(f"{name} must be odd so that sign() of a sum of {name} terms is never 0 (got {n})")
    return n


def check_choice(name: str, value: str, choices: Collection[str]) -> str:
    """Raise ``ValueError`` unless ``value`` is one of ``choices``.

    Examples
    --------
    >>> check_choice("kind", "hermite", {"hermite", "legendre"})
    'hermite'
    >>> check_choice("kind", "simpson", {"hermite", "legendre"})
    Traceback (most recent call last):
    ...
    ValueError: kind must be one of ['hermite', 'legendre'] (got 'simpson')
    """
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)} (got {value!r})")
    return value


def check_array(name: str, value: npt.ArrayLike, *, ndim: int | None = None,
                shape: Sequence[int | None] | None = None, dtype: npt.DTypeLike | None = None,
                finite: bool = True) -> np.ndarray:
    """Return ``value`` as an array with the given ndim/shape, or raise ``ValueError``.

    ``shape`` may contain ``None`` for a free dimension.

    Examples
    --------
    >>> check_array("xi", [[1, -1, 1], [-1, 1, 1]], shape=(None, 3)).shape
    (2, 3)
    >>> check_array("xi", [1.0, float("nan")])
    Traceback (most recent call last):
    ...
    ValueError: xi must contain only finite values
    """
    arr = np.asarray(value) if dtype is None else np.asarray(value, dtype=dtype)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array (got shape {arr.shape})")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != t for s, t in zip(shape, arr.shape)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want} (got {arr.shape})")
    if finite and arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values")
    return arr
