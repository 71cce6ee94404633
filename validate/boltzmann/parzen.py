"""Gaussian Parzen-window log-likelihood (Goodfellow et al. 2014; Desjardins et al. 2010), as
used in [liu2018, Table 2].

For samples ``mu_1..mu_K`` in ``R^d`` and width ``sigma``,

    log p(x) = logsumexp_k( -||x - mu_k||^2 / (2 sigma^2) ) - log K - (d/2) log(2 pi sigma^2).

Evaluated in log-sum-exp form over chunks of test points and of samples, so
memory stays at ``O(chunk_x * chunk_mu)`` whatever the sizes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from theory.core import Record, check_array, check_int, check_real

__all__ = ["parzen_loglik", "ParzenResult", "parzen_score", "select_sigma"]


def parzen_loglik(x: np.ndarray, mu: np.ndarray, sigma: npt.ArrayLike, *, chunk_x: int = 1000,
                  chunk_mu: int = 2000) -> np.ndarray:
    """Log density of every row of ``x`` under the Parzen mixture centred at the rows of ``mu``.

    ``sigma`` may be a number (result shape ``(n_x,)``) or a 1-d array of widths
    (result ``(n_sigma, n_x)``; the squared distances are computed once for all widths).

    Examples
    --------
    At the centre of a single sample, ``log p = -(d/2) log(2 pi sigma^2)``:

    >>> import math
    >>> import numpy as np
    >>> round(float(parzen_loglik(np.zeros((1, 2)), np.zeros((1, 2)), 1.0)[0]), 6), round(-math.log(2 * math.pi), 6)
    (-1.837877, -1.837877)
    >>> parzen_loglik(np.zeros((3, 2)), np.zeros((1, 2)), [0.5, 1.0]).shape         # one row per width
    (2, 3)
    """
    x = check_array("x", x, ndim=2, dtype=np.float64)
    mu = check_array("mu", mu, ndim=2, dtype=np.float64)
    if x.shape[1] != mu.shape[1]:
        raise ValueError(f"x and mu must have the same dimension (got {x.shape[1]} and {mu.shape[1]})")
    if len(mu) == 0:
        raise ValueError("mu must contain at least one sample")
    scalar = np.ndim(sigma) == 0
    sig = np.atleast_1d(np.asarray(sigma, dtype=np.float64))
    for s in sig:
        check_real("sigma", s, gt=0)
    chunk_x = check_int("chunk_x", chunk_x, ge=1)
    chunk_mu = check_int("chunk_mu", chunk_mu, ge=1)
    d = x.shape[1]
    mu2 = (mu ** 2).sum(axis=1)
    out = np.empty((len(sig), len(x)))
    for a in range(0, len(x), chunk_x):
        xa = x[a:a + chunk_x]
        x2 = (xa ** 2).sum(axis=1)
        run = np.full((len(sig), len(xa)), -np.inf)  # running log-sum-exp over sample chunks
        for c in range(0, len(mu), chunk_mu):
            d2 = np.maximum(x2[:, None] + mu2[None, c:c + chunk_mu] - 2.0 * xa @ mu[c:c + chunk_mu].T, 0.0)
            dmin = d2.min(axis=1)
            for i, s in enumerate(sig):
                e = -(d2 - dmin[:, None]) / (2.0 * s * s)  # <= 0: no overflow, the max term is exp(0)
                run[i] = np.logaddexp(run[i], -dmin / (2.0 * s * s) + np.log(np.exp(e).sum(axis=1)))
        out[:, a:a + chunk_x] = run
    out -= math.log(len(mu)) + 0.5 * d * np.log(2 * math.pi * sig ** 2)[:, None]
    return out[0] if scalar else out


@dataclass(frozen=True, kw_only=True)
class ParzenResult(Record):
    """Mean Parzen log-likelihood of a test set with its standard error ([liu2018, Table 2] format).

    Attributes
    ----------
    mean, se : float
        Mean of :func:`parzen_loglik` over the test points and its standard error (ddof=1; NaN for one point).
    n_test, n_samples : int
        Numbers of test points and of Parzen centres (samples).
    sigma : float
        Window width.
    """

    mean: float
    se: float
    n_test: int
    n_samples: int
    sigma: float


def parzen_score(x: np.ndarray, mu: np.ndarray, sigma: float, **kw) -> ParzenResult:
    """Mean and standard error (ddof=1, over test points) of :func:`parzen_loglik`.

    Examples
    --------
    >>> import numpy as np
    >>> r = parzen_score(np.zeros((2, 2)), np.zeros((1, 2)), 1.0)
    >>> round(r.mean, 6), r.se, r.n_test, r.n_samples
    (-1.837877, 0.0, 2, 1)
    """
    ll = parzen_loglik(x, mu, sigma, **kw)
    se = float(ll.std(ddof=1) / math.sqrt(len(ll))) if len(ll) > 1 else math.nan
    return ParzenResult(mean=float(ll.mean()), se=se, n_test=len(ll), n_samples=len(mu), sigma=float(sigma))


def select_sigma(x_valid: np.ndarray, mu: np.ndarray, sigmas: npt.ArrayLike | None = None,
                 **kw) -> tuple[float, np.ndarray]:
    """The width maximising the mean validation log-likelihood over a grid
    (Desjardins et al. 2010; [liu2018] found 0.2). Returns ``(sigma, mean_ll_per_sigma)``.

    Examples
    --------
    For one centre and a validation point at distance ``r`` the best width is ``r / sqrt(d)`` (0.707 here):

    >>> import numpy as np
    >>> sigma, scores = select_sigma(np.array([[1.0, 0.0]]), np.zeros((1, 2)), np.linspace(0.5, 1.0, 11))
    >>> round(sigma, 6), scores.shape
    (0.7, (11,))
    """
    sigmas = np.logspace(-1, 0, 11) if sigmas is None else np.atleast_1d(np.asarray(sigmas, dtype=float))
    scores = parzen_loglik(x_valid, mu, sigmas, **kw).mean(axis=1)
    return float(sigmas[int(np.argmax(scores))]), scores
