"""Gradient ascent on the log-likelihood of the stochastic binary perceptron.

Source: [baldassi2018, Eq. 6-7], [baldassi2018, Fig. 1-2]; [baldassi2018, SM Sec. II]
and [baldassi2018, SM Fig. 2] (fixed-norm schedule), [baldassi2018, SM Eq. 42] (the gradient, printed
with a sign error: see ``docs/perceptron_algorithms.md``).

With ``hbar^mu = sum_i m_i x_i^mu`` and, because ``(x_i^mu)^2 = 1``,
``sigma^2 = sum_i (1 - m_i^2)`` (the same for every pattern),

    L(m) = sum_mu log H(u^mu),        u^mu = -y^mu hbar^mu / sigma        [baldassi2018, Eq. 6]
    dL/dm_i = sum_mu GH(u^mu) [ y^mu x_i^mu / sigma + y^mu hbar^mu m_i / sigma^3 ]

(``GH = G/H = -K``). The update of [baldassi2018, Eq. 7] is ``m <- clip(m + eta dL/dm)``; the
field variant updates ``h_i = atanh(m_i)`` by ``h <- h + eta (1 - m^2) dL/dm``
without clipping. Mini-batches use the same *unnormalised* sum restricted to
the batch, so one epoch moves ``m`` by about as much as one full-batch step.

One step streams the int8 pattern matrix twice (fields, then ``X^T c``); the
binarized configuration's fields ``sum_i sign(m_i) x_i^mu`` and ``L(m)`` come
out of the first pass for free. On a bit-packed instance (``inst.packed``) the same
step runs on the packed patterns without unpacking them (byte tables of partial sums
of ``m`` forward, byte histograms of ``c`` backward, popcount for the BC fields; see
:mod:`simulate.perceptron._bitpatterns`): the same numbers to rounding, 8x less memory.

Stopping rule for hopeless runs (``patience``, off by default): stop when the best
training error of ``sign(m)`` has not improved for ``patience`` consecutive epochs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np
import numpy.typing as npt

from simulate.core import SeedLike, as_generator
from simulate.perceptron._bitpatterns import CHUNK_WORDS, SIGN_TABLE, n_words, packed_backward, packed_forward
from simulate.perceptron._outcome import BinaryOutcome, ContinuousOutcome, outcome_fields
from simulate.perceptron.instances import PerceptronInstance, sign_binarize
from theory.core import GH, ComputationError, check_array, check_choice, check_int, check_real, logH

__all__ = [
    "GDResult",
    "FixedNormResult",
    "stochastic_log_likelihood",
    "stochastic_log_likelihood_gradient",
    "gradient_ascent",
    "project_norm",
    "fixed_norm_gd",
    "default_qstar_schedule",
    "SIGMA2_FLOOR",
]

#: floor on sigma^2 = sum_i (1 - m_i^2): the variance of one synapse of mean zero. The field
#: h = W.x lives on a lattice of spacing 2; below one synapse's variance its distribution is a few
#: lattice points and the central-limit (Gaussian) form of [baldassi2018, Eq. 6] has no meaning,
#: while its gradient grows like hbar^2 / sigma^4 and a finite step of the stiff term d m overshoots
#: through m = 0: with the former floor 1e-12 N, GD at |m_i| = 1 jumped between m and -m
#: (docs/perceptron_algorithms.md, "Sign-flip cycle"). Above the floor nothing changes.
SIGMA2_FLOOR = 1.0


# --------------------------------------------------------------------------- kernels


@numba.njit(cache=True, fastmath=True)
def _sigma2(m: np.ndarray) -> float:
    s = 0.0
    for i in range(m.size):
        s += (1.0 - m[i]) * (1.0 + m[i])
    return s


@numba.njit(cache=True)
def _four_rows(X, rows, k):
    return X[rows[k]], X[rows[k + 1]], X[rows[k + 2]], X[rows[k + 3]]


@numba.njit(cache=True, fastmath=True)
def _pass_fields(X, y, rows, m, w, hbar, b):
    """First pass: ``hbar^mu = m . x^mu`` and BC fields ``b^mu = sign(m) . x^mu`` for ``mu`` in rows.

    Four rows per sweep over ``i`` so that ``m`` and ``w`` are read from cache once per four rows.
    """
    N = m.size
    K = rows.size
    k = 0
    while k + 4 <= K:
        r0, r1, r2, r3 = _four_rows(X, rows, k)
        s0 = s1 = s2 = s3 = 0.0
        t0 = t1 = t2 = t3 = 0.0
        for i in range(N):
            mi = m[i]
            wi = w[i]
            x0 = np.float64(r0[i])
            x1 = np.float64(r1[i])
            x2 = np.float64(r2[i])
            x3 = np.float64(r3[i])
            s0 += mi * x0
            s1 += mi * x1
            s2 += mi * x2
            s3 += mi * x3
            t0 += wi * x0
            t1 += wi * x1
            t2 += wi * x2
            t3 += wi * x3
        hbar[k] = s0
        hbar[k + 1] = s1
        hbar[k + 2] = s2
        hbar[k + 3] = s3
        b[k] = t0
        b[k + 1] = t1
        b[k + 2] = t2
        b[k + 3] = t3
        k += 4
    while k < K:
        row = X[rows[k]]
        s = 0.0
        t = 0.0
        for i in range(N):
            xi = np.float64(row[i])
            s += m[i] * xi
            t += w[i] * xi
        hbar[k] = s
        b[k] = t
        k += 1


@numba.njit(cache=True)
def _coefficients(y, rows, hbar, b, sigma, c):
    """``c^mu = GH(u^mu) y^mu / sigma``; returns (L, n BC errors, d = sum GH y hbar / sigma^3)."""
    L = 0.0
    nerr = 0
    d = 0.0
    for k in range(rows.size):
        ymu = np.float64(y[rows[k]])
        u = -ymu * hbar[k] / sigma
        L += logH(u)
        g = GH(u)
        c[k] = g * ymu / sigma
        d += g * ymu * hbar[k]
        if ymu * b[k] < 0.0:
            nerr += 1
    return L, nerr, d / (sigma * sigma * sigma)


@numba.njit(cache=True, fastmath=True)
def _pass_gradient(X, rows, c, m, d, grad):
    """Second pass: ``grad = X[rows]^T c + d m`` (four rows per sweep over ``grad``)."""
    N = m.size
    for i in range(N):
        grad[i] = d * m[i]
    K = rows.size
    k = 0
    while k + 4 <= K:
        r0, r1, r2, r3 = _four_rows(X, rows, k)
        c0 = c[k]
        c1 = c[k + 1]
        c2 = c[k + 2]
        c3 = c[k + 3]
        for i in range(N):
            grad[i] += (c0 * np.float64(r0[i]) + c1 * np.float64(r1[i])
                        + c2 * np.float64(r2[i]) + c3 * np.float64(r3[i]))
        k += 4
    while k < K:
        row = X[rows[k]]
        ck = c[k]
        for i in range(N):
            grad[i] += ck * np.float64(row[i])
        k += 1


@numba.njit(cache=True)
def _sign(m, w):
    for i in range(m.size):
        w[i] = 1.0 if m[i] >= 0.0 else -1.0


@numba.njit(cache=True)
def gd_step(X, y, rows, m, h, eta, field_variant, floor, hbar, b, c, w, grad, stop_if_solved):
    """One GD step on the patterns ``rows``: returns (L, BC errors on rows) *before* the update.

    With ``stop_if_solved`` the update is skipped when ``sign(m)`` makes no error on ``rows``.
    """
    _sign(m, w)
    s2 = _sigma2(m)
    if s2 < floor:
        s2 = floor
    sigma = math.sqrt(s2)
    _pass_fields(X, y, rows, m, w, hbar, b)
    L, nerr, d = _coefficients(y, rows, hbar, b, sigma, c)
    _pass_gradient(X, rows, c, m, d, grad)
    if stop_if_solved and nerr == 0:
        return L, nerr
    _apply_update(m, h, grad, eta, field_variant)
    return L, nerr


@numba.njit(cache=True)
def _apply_update(m, h, grad, eta, field_variant):
    """``m <- clip(m + eta grad)`` [baldassi2018, Eq. 7], or ``h <- h + eta (1 - m^2) grad, m = tanh h``."""
    if field_variant:
        for i in range(m.size):
            h[i] += eta * (1.0 - m[i] * m[i]) * grad[i]
            m[i] = math.tanh(h[i])
    else:
        for i in range(m.size):
            v = m[i] + eta * grad[i]
            m[i] = 1.0 if v > 1.0 else (-1.0 if v < -1.0 else v)


@numba.njit(cache=True)
def _sign_bits(m, wbits):
    """Packed ``m_i >= 0`` (the BC ``sign(m)``, +1 for m = 0 as :func:`sign_binarize`)."""
    for k in range(wbits.size):
        wbits[k] = 0
    for i in range(m.size):
        if m[i] >= 0.0:
            wbits[i >> 6] |= np.uint64(1) << np.uint64(i & 63)


@numba.njit(cache=True)
def gd_step_packed(P, y, rows, m, h, eta, field_variant, floor, hbar, b, c, wbits, T, grad, stop_if_solved):
    """:func:`gd_step` on bit-packed patterns ``P`` (same arguments; ``T``: kernel scratch)."""
    N = m.size
    _sign_bits(m, wbits)
    s2 = _sigma2(m)
    if s2 < floor:
        s2 = floor
    sigma = math.sqrt(s2)
    packed_forward(P, rows, m, wbits, N, T, hbar, b)
    L, nerr, d = _coefficients(y, rows, hbar, b, sigma, c)
    packed_backward(P, rows, c, m, d, N, T, SIGN_TABLE, grad)
    if stop_if_solved and nerr == 0:
        return L, nerr
    _apply_update(m, h, grad, eta, field_variant)
    return L, nerr


@numba.njit(cache=True)
def _evaluate_packed(P, y, rows, m, floor, hbar, b, c, wbits, T):
    _sign_bits(m, wbits)
    s2 = _sigma2(m)
    if s2 < floor:
        s2 = floor
    packed_forward(P, rows, m, wbits, m.size, T, hbar, b)
    L, nerr, d = _coefficients(y, rows, hbar, b, math.sqrt(s2), c)
    return L, nerr


@numba.njit(cache=True)
def _evaluate(X, y, rows, m, floor, hbar, b, c, w):
    _sign(m, w)
    s2 = _sigma2(m)
    if s2 < floor:
        s2 = floor
    _pass_fields(X, y, rows, m, w, hbar, b)
    L, nerr, d = _coefficients(y, rows, hbar, b, math.sqrt(s2), c)
    return L, nerr


class GDWorkspace:
    """Scratch buffers for the kernels (allocated once per run) and the kernel of the instance's storage.

    ``step(rows, m, h, eta, field_variant, stop_if_solved)`` and ``evaluate(rows, m)`` run
    :func:`gd_step` / :func:`gd_step_packed` and their evaluation-only forms on ``inst``.
    """

    def __init__(self, M: int, N: int, inst: PerceptronInstance | None = None):
        self.hbar = np.empty(M)
        self.b = np.empty(M)
        self.c = np.empty(M)
        self.w = np.empty(N)
        self.grad = np.empty(N)
        self.all_rows = np.arange(M, dtype=np.int64)
        self.wbits = np.zeros(n_words(N), dtype=np.uint64)
        self.T = np.empty(CHUNK_WORDS * 2048)
        self.inst = inst

    def step(self, rows, m, h, eta, field_variant, stop_if_solved):
        inst = self.inst
        if inst.packed:
            return gd_step_packed(inst.bits, inst.y, rows, m, h, eta, field_variant, SIGMA2_FLOOR, self.hbar,
                                  self.b, self.c, self.wbits, self.T, self.grad, stop_if_solved)
        return gd_step(inst.X, inst.y, rows, m, h, eta, field_variant, SIGMA2_FLOOR, self.hbar, self.b, self.c,
                       self.w, self.grad, stop_if_solved)

    def evaluate(self, rows, m):
        inst = self.inst
        if inst.packed:
            return _evaluate_packed(inst.bits, inst.y, rows, m, SIGMA2_FLOOR, self.hbar, self.b, self.c,
                                    self.wbits, self.T)
        return _evaluate(inst.X, inst.y, rows, m, SIGMA2_FLOOR, self.hbar, self.b, self.c, self.w)


# --------------------------------------------------------------------------- public API


def _check_m(m, N: int) -> np.ndarray:
    m = check_array("m", m, shape=(N,), dtype=float)
    if np.any(np.abs(m) > 1.0):
        raise ValueError("m must have entries in [-1, 1] (magnetizations of Q_m, [baldassi2018, Eq. 4])")
    return np.ascontiguousarray(m, dtype=np.float64)


def stochastic_log_likelihood(m: npt.ArrayLike, inst: PerceptronInstance) -> float:
    """``L(m)`` of [baldassi2018, Eq. 6] (central-limit form), with ``sigma^2`` floored at ``SIGMA2_FLOOR``.

    Examples
    --------
    At ``m = 0`` every pattern has ``u = 0`` and ``H(0) = 1/2``, so ``L = M log(1/2)``:

    >>> from simulate.perceptron.instances import generate_instance
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> abs(stochastic_log_likelihood(np.zeros(51), inst) - inst.M * math.log(0.5)) < 1e-12
    True
    """
    m = _check_m(m, inst.N)
    wk = GDWorkspace(inst.M, inst.N, inst)
    L, _ = wk.evaluate(wk.all_rows, m)
    return float(L)


def stochastic_log_likelihood_gradient(m: npt.ArrayLike, inst: PerceptronInstance) -> np.ndarray:
    """``dL/dm`` of [baldassi2018, Eq. 6] ([baldassi2018, SM Eq. 42] with the sign corrected; see module docstring).

    Examples
    --------
    Agrees with a central finite difference of :func:`stochastic_log_likelihood`:

    >>> from simulate.perceptron.instances import generate_instance
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> m, e = np.full(51, 0.1), np.zeros(51)
    >>> e[0] = 1e-6
    >>> fd = (stochastic_log_likelihood(m + e, inst) - stochastic_log_likelihood(m - e, inst)) / 2e-6
    >>> bool(abs(fd - stochastic_log_likelihood_gradient(m, inst)[0]) < 1e-5)
    True
    """
    m = _check_m(m, inst.N)
    wk = GDWorkspace(inst.M, inst.N, inst)
    wk.step(wk.all_rows, m.copy(), np.zeros(inst.N), 0.0, False, False)
    return wk.grad.copy()


@dataclass(frozen=True, kw_only=True)
class GDResult(ContinuousOutcome):
    """Final state of a GD run [baldassi2018, Eq. 7] with its per-epoch trajectory.

    ``trajectory`` holds arrays ``epoch``, ``train_error`` (of ``sign(m^t)``),
    ``qstar`` (``|m^t|^2/N``) and ``L`` [baldassi2018, Eq. 6], one entry per evaluated epoch
    ``t = 0, 1, ...`` (the state *before* the ``t``-th update). ``stopped_early``: the run was stopped by the
    ``patience`` rule (no improvement of the best training error for ``patience`` epochs).
    """

    batch_size: int
    L: float
    stopped_early: bool = False


def _init_m(N: int, rng: np.random.Generator) -> np.ndarray:
    """``m_i^0 ~ N(0, 1/N)`` (text after [baldassi2018, Eq. 7]), clipped to [-1, 1]."""
    return np.clip(rng.normal(0.0, 1.0 / math.sqrt(N), size=N), -1.0, 1.0)


def gradient_ascent(
    inst: PerceptronInstance,
    *,
    eta: float = 0.1,
    max_epochs: int = 1000,
    seed: SeedLike = 0,
    variant: str = "clip",
    batch_size: int | None = None,
    m0: npt.ArrayLike | None = None,
    record: bool = True,
    patience: int | None = None,
) -> GDResult:
    """Gradient ascent on ``L(m)`` [baldassi2018, Eq. 6-7] until ``sign(m)`` solves the instance.

    Parameters
    ----------
    inst : PerceptronInstance
        Training set (see :mod:`simulate.perceptron.instances`).
    eta : float
        Learning rate ``eta > 0`` of [baldassi2018, Eq. 7] (unnormalised gradient, as printed;
        [baldassi2018, SM Sec. VII] uses ``eta = 0.1`` at N = 1001).
    max_epochs : int
        Epoch cap (>= 1).
    seed : int or Generator
        Initialisation ``m^0 ~ N(0, 1/N)`` and mini-batch order.
    variant : {"clip", "field"}
        ``"clip"``: [baldassi2018, Eq. 7] on ``m``; ``"field"``: GD on ``h = atanh(m)``
        (note [30] of [baldassi2018]), no clipping.
    batch_size : int or None
        ``None`` or ``>= M``: full batch; otherwise mini-batches of this size
        in a fresh random order every epoch.
    m0 : array, optional
        Initial magnetizations (overrides the random initialisation).
    record : bool
        Keep the per-epoch trajectory.
    patience : int or None
        Stopping rule for hopeless runs: stop at the first epoch ``t`` whose best training
        error of ``sign(m)`` over epochs ``0..t`` was reached at ``t - patience`` or earlier
        (``stopped_early``). None (default): run to a solution or ``max_epochs``.

    Returns
    -------
    GDResult
        ``solved`` is True iff ``sign(m)`` has zero training error; ``epochs``
        is the number of updates performed (0 if ``m^0`` already solves it).

    Examples
    --------
    >>> from simulate.perceptron.instances import generate_instance, training_error
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> r = gradient_ascent(inst, seed=1)
    >>> r.solved, training_error(r.W, inst), int(r.trajectory["epoch"][-1]) == r.epochs
    (True, 0.0, True)
    >>> bool((gradient_ascent(inst, seed=1).m == r.m).all())  # same seed, same run
    True
    >>> from simulate.perceptron.instances import pack_instance
    >>> bool(np.allclose(gradient_ascent(pack_instance(inst), seed=1).m, r.m, atol=1e-12))  # packed patterns
    True
    >>> hard = generate_instance(51, 0.9, seed=0)  # beyond capacity: no solution
    >>> s = gradient_ascent(hard, seed=1, max_epochs=1000, patience=50)
    >>> s.solved, s.stopped_early, s.epochs < 1000
    (False, True, True)
    """
    eta = check_real("eta", eta, gt=0)
    max_epochs = check_int("max_epochs", max_epochs, ge=1)
    variant = check_choice("variant", variant, ("clip", "field"))
    if patience is not None:
        patience = check_int("patience", patience, ge=1)
    M, N = inst.M, inst.N
    if batch_size is None:
        B = M
    else:
        B = min(check_int("batch_size", batch_size, ge=1), M)
    rng = as_generator(seed)
    m = _init_m(N, rng) if m0 is None else _check_m(m0, N).copy()
    if variant == "field":
        m = np.clip(m, -1 + 1e-12, 1 - 1e-12)
    h = np.arctanh(m) if variant == "field" else np.zeros(N)
    wk = GDWorkspace(M, N, inst)
    field_variant = variant == "field"
    ep, err, qs, Ls = [], [], [], []
    full = B == M
    t = 0
    best, t_best, stopped = M + 1, 0, False
    while True:
        q = float(np.dot(m, m)) / N
        # a full-batch step evaluates and updates in one call: only evaluate when the run may stop here
        may_stop = t >= max_epochs or (patience is not None and t - t_best >= patience)
        stepped = full and not may_stop
        if stepped:
            L, nerr = wk.step(wk.all_rows, m, h, eta, field_variant, True)
        else:
            L, nerr = wk.evaluate(wk.all_rows, m)
        if nerr < best:
            best, t_best = nerr, t
        if record:
            ep.append(t)
            err.append(nerr / M)
            qs.append(q)
            Ls.append(L)
        if nerr == 0 or t >= max_epochs:
            break
        if patience is not None and t - t_best >= patience:
            stopped = True
            break
        if full and not stepped:  # improved at the epoch where it could have stopped: update after all
            wk.step(wk.all_rows, m, h, eta, field_variant, False)
        if not full:
            order = rng.permutation(M)
            for start in range(0, M, B):
                rows = np.ascontiguousarray(order[start:start + B])
                wk.step(rows, m, h, eta, field_variant, False)
        t += 1
    return _result("gd-" + variant if variant != "clip" else "gd", inst, m, t, nerr, q, L, eta, B,
                   dict(epoch=np.array(ep), train_error=np.array(err), qstar=np.array(qs), L=np.array(Ls)),
                   stopped)


def _result(name, inst, m, t, nerr, q, L, eta, B, traj, stopped=False) -> GDResult:
    if not math.isfinite(L):
        raise ComputationError(f"{name}: non-finite log-likelihood L = {L} at epoch {t}")
    return GDResult(algorithm=name, eta=eta, batch_size=B, epochs=t, qstar=q, L=float(L), m=m, trajectory=traj,
                    stopped_early=stopped, **outcome_fields(sign_binarize(m), inst, nerr))


# --------------------------------------------------------------------------- fixed-norm GD


def project_norm(m: npt.ArrayLike, qstar: float) -> np.ndarray:
    """Return ``clip(s m)`` with the scale ``s > 0`` such that ``|clip(s m)|^2 = q* N``.

    ``sum_i min(1, s|m_i|)^2`` is continuous and increasing in ``s``; with the
    ``k`` largest ``|m_i|`` saturated at 1, ``s^2 = (q* N - k) / sum_rest m_i^2``,
    and the right ``k`` is found after sorting ``|m|``. Requires
    ``0 < q* < 1`` and more than ``q* N`` non-zero entries.

    Examples
    --------
    The largest entry saturates at 1, the others are scaled so that ``|m|^2 = q* N``:

    >>> p = project_norm([0.1, 0.2, -0.4, 0.8], 0.5)
    >>> float(p[3]), round(float(p @ p) / 4, 12), bool(np.allclose(p[:3] / p[0], [1, 2, -4]))
    (1.0, 0.5, True)
    """
    m = np.asarray(m, dtype=float)
    N = m.size
    qstar = check_real("qstar", qstar, gt=0, lt=1)
    a = np.sort(np.abs(m))[::-1]
    if np.count_nonzero(a) <= qstar * N:
        raise ValueError(f"m has only {np.count_nonzero(a)} non-zero entries: "
                         f"cannot reach |m|^2 = qstar N = {qstar * N}")
    tail = np.concatenate([np.cumsum((a * a)[::-1])[::-1], [0.0]])  # tail[k] = sum_{j>=k} a_j^2
    target = qstar * N
    for k in range(N):
        if tail[k] <= 0.0:
            break
        s = math.sqrt((target - k) / tail[k])
        if s * a[k] <= 1.0 and (k == 0 or s * a[k - 1] >= 1.0):
            return np.clip(s * m, -1.0, 1.0)
    raise ValueError(f"cannot rescale m to qstar = {qstar}")  # unreachable for valid input


@dataclass(frozen=True, kw_only=True)
class FixedNormResult(BinaryOutcome):
    """Fixed-norm GD along a ``q*`` schedule ([baldassi2018, Fig. 2 left] "GD variant"; [baldassi2018, SM Sec. III]).

    Per stage arrays (in ``stages``): ``qstar``, ``train_error`` of ``sign(m)``
    at the end of the stage, ``L``, ``steps`` used and ``equilibrated`` (the
    stage reached ``max|dm| < tol`` before the step cap).
    """

    eta: float
    tol: float
    final_qstar: float
    all_equilibrated: bool
    m: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})
    stages: dict = field(repr=False, compare=False, metadata={"internal": True})


def default_qstar_schedule(q_start: float = 0.3, q_stop: float = 0.99, count: int = 24) -> np.ndarray:
    """An increasing ``q*`` schedule, uniform in ``log(1 - q*)`` (denser near 1).

    Examples
    --------
    >>> s = default_qstar_schedule()
    >>> s.size, round(float(s[0]), 12), round(float(s[-1]), 12), bool(np.all(np.diff(s) > 0))
    (24, 0.3, 0.99, True)
    >>> [round(float(q), 12) for q in default_qstar_schedule(0.5, 0.875, 3)]  # 1 - q* halves at each step
    [0.5, 0.75, 0.875]
    """
    q_start = check_real("q_start", q_start, gt=0, lt=1)
    q_stop = check_real("q_stop", q_stop, gt=q_start, lt=1)
    count = check_int("count", count, ge=2)
    return 1.0 - np.geomspace(1.0 - q_start, 1.0 - q_stop, count)


def fixed_norm_gd(
    inst: PerceptronInstance,
    schedule: npt.ArrayLike | None = None,
    *,
    eta: float = 0.1,
    tol: float = 1e-4,
    max_steps: int = 500,
    seed: SeedLike = 0,
    stop_when_solved: bool = False,
) -> FixedNormResult:
    """GD on ``L(m)`` at fixed norm ``|m|^2 = q* N``, ``q*`` moved along ``schedule``.

    After every update of [baldassi2018, Eq. 7] ``m`` is rescaled by :func:`project_norm`;
    at each ``q*`` the steps repeat until ``max_i |m_i^{t+1} - m_i^t| < tol``
    (equilibrated) or ``max_steps``; then the next ``q*`` of the schedule
    starts from the current ``m``. The training error of the BC ``sign(m)`` at
    the end of each stage estimates ``E(q*)`` of [baldassi2018, Eq. 9] ([baldassi2018, Fig. 2 left]).

    Parameters
    ----------
    schedule : increasing sequence in (0, 1), default :func:`default_qstar_schedule`.
    stop_when_solved : stop at the first stage whose BC is a solution.

    Examples
    --------
    >>> from simulate.perceptron.instances import generate_instance
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> r = fixed_norm_gd(inst, [0.3, 0.6, 0.9], seed=0)
    >>> r.stages["qstar"].tolist(), round(float(r.m @ r.m) / inst.N, 9), r.solved
    ([0.3, 0.6, 0.9], 0.9, True)
    """
    qs = default_qstar_schedule() if schedule is None else check_array("schedule", schedule, ndim=1, dtype=float)
    if qs.size == 0 or np.any(qs <= 0) or np.any(qs >= 1) or np.any(np.diff(qs) <= 0):
        raise ValueError(f"schedule must be a non-empty increasing sequence in (0, 1) (got {qs})")
    eta = check_real("eta", eta, gt=0)
    tol = check_real("tol", tol, gt=0)
    max_steps = check_int("max_steps", max_steps, ge=1)
    rng = as_generator(seed)
    M, N = inst.M, inst.N
    m = project_norm(_init_m(N, rng), float(qs[0]))
    h = np.zeros(N)
    wk = GDWorkspace(M, N, inst)
    out = {k: [] for k in ("qstar", "train_error", "L", "steps", "equilibrated")}
    nerr = M
    for q in qs:
        m = project_norm(m, float(q))
        steps, eq = 0, False
        while steps < max_steps:
            old = m.copy()
            wk.step(wk.all_rows, m, h, eta, False, False)
            m = project_norm(m, float(q))
            steps += 1
            if np.max(np.abs(m - old)) < tol:
                eq = True
                break
        L, nerr = wk.evaluate(wk.all_rows, m)
        if not math.isfinite(L):
            raise ComputationError(f"fixed_norm_gd: non-finite L = {L} at qstar = {q}")
        for k, v in zip(out, (float(q), nerr / M, float(L), steps, eq)):
            out[k].append(v)
        if stop_when_solved and nerr == 0:
            break
    stages = {k: np.array(v) for k, v in out.items()}
    return FixedNormResult(eta=eta, tol=tol, final_qstar=float(stages["qstar"][-1]),
                           all_equilibrated=bool(stages["equilibrated"].all()), m=m, stages=stages,
                           **outcome_fields(sign_binarize(m), inst, nerr))
