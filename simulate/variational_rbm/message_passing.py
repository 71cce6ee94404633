"""Message passing (cavity method) on the equivalent RBM of variational learning.

[huang2020, SM Eq. S1-S4] (Supplementary Appendix A) and [huang2020, SM App. B Eq. S4].
Derivations and the deviations from the printed text: ``docs/variational_rbm.md``.

Equivalent model for one Monte Carlo sample ``s`` [huang2020, SM Eq. S1]::

    P_eq(sigma) = prod_mu cosh(beta rho_mu + beta H_mu) / Z_eq,
    rho_mu = sum_i lambda_{i mu} sigma_i / sqrt(N),   H_mu = Xi_mu z_mu^s.

Cavity iteration [huang2020, SM Eq. S3], with ``w_{i mu} = beta lambda_{i mu}/sqrt(N)``::

    chi_{mu->i} = sum_{j != i} lambda_{j mu} m_{j->mu} / sqrt(N)
    u_{mu->i}   = atanh( tanh(beta chi_{mu->i} + beta H_mu) tanh(w_{i mu}) )
    m_{i->mu}   = tanh( sum_{nu != mu} u_{nu->i} )

Outputs: magnetisations ``m_i`` [huang2020, SM App. B Eq. S4a]; hidden means ``mhat_mu``, response
``A_mu`` and correlations ``C_{i mu} = <sigma_i tanh(beta rho_mu + beta H_mu)>``
and the Bethe log-partition function [huang2020, SM Eq. S4]. Two estimators of ``mhat``/``C``/``A``
are provided (``estimator``):

* ``"belief"`` (default): averages under the BP factor belief
  ``b_mu ∝ cosh(beta rho_mu + beta H_mu) prod_i P_{i->mu}``, which gives
  ``mhat_mu = tanh(beta chi_mu + beta H_mu)`` and
  ``C_{i mu} = [p+ sinh(a+w) - p- sinh(a-w)] / [p+ cosh(a+w) + p- cosh(a-w)]``
  (``a = beta chi_{mu->i} + beta H_mu``, ``p± = (1 ± m_{i->mu})/2``);
  exact for a single hidden unit (derivation in the doc);
* ``"paper"``: the printed [huang2020, SM App. B Eq. S4b-S4d], Gaussian averages over
  ``N(chi~_mu, Lambda~_mu^2)`` built from the full magnetisations.

Both agree to ``O(1/N)``; tests compare them with exact enumeration.

Speed: the sweeps (``cavity_sweeps``) run on one core in the product form ``m_{i->mu} = (Pi_i - r)/(Pi_i + r)``,
``r = e^{2u}``, ``Pi_i = e^{2 U_i}``, with the branch-free Taylor series of ``theory.core.special`` when
``fast_path`` holds (``max |beta lam/sqrt N| <= SERIES_MAX``), so that the edge loops vectorise
(docs/variational_rbm.md, Sec. 5 and "Implementation notes").
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np
import numpy.typing as npt

from simulate.variational_rbm._kernels import PRODUCT_MAX, cavity_sweeps, fast_path, row_libm, softplus
from theory.core import ComputationError, Record, check_array, check_choice, check_int, check_real, normal_rule
from theory.core.special import SERIES_MAX, atanh_small, log1p_small, logcosh, logcosh_small, tanh_small

__all__ = ["RBMCavityResult", "rbm_message_passing", "equivalent_rbm_exact", "EquivalentRBMExact", "bp_kernel",
           "bp_observables", "fast_path", "cavity_sweeps"]

#: Gauss-Hermite order for the Gaussian averages of the "paper" estimator
HERMITE_ORDER = 40


@numba.njit(cache=True)
def bp_kernel(lam, tw, H, beta, tol, max_iter, damping, mcav, u):
    """Iterate [huang2020, SM Eq. S3] in place on ``mcav`` (N, P) from its current content; cavity biases
    ``u_{mu->i}`` in ``u``.

    ``tw = tanh(beta lam / sqrt(N))``. Thin wrapper of ``cavity_sweeps``; ``u`` holds the cavity biases computed from
    the final messages. Returns ``(iterations, last max |delta m|)``.
    """
    N, P = lam.shape
    W = np.empty((N, P))
    bH = np.empty(P)
    big = 0.0
    for i in range(N):
        for mu in range(P):
            W[i, mu] = beta * lam[i, mu] / math.sqrt(N)
            if abs(W[i, mu]) > big:
                big = abs(W[i, mu])
    for mu in range(P):
        bH[mu] = beta * H[mu]
    bchi = np.empty(P)
    TA = np.empty(P)
    it, err = cavity_sweeps(W, tw, bH, tol, max_iter, damping, big <= SERIES_MAX and P * big <= PRODUCT_MAX, mcav, bchi)
    # cavity biases from the final messages (``bchi`` = their beta chi)
    for mu in range(P):
        TA[mu] = math.tanh(bchi[mu] + bH[mu])
    for i in range(N):
        row_libm(W[i], tw[i], TA, mcav[i], u[i])
        for mu in range(P):
            u[i, mu] = atanh_small(u[i, mu])
    return it, err


@numba.njit(cache=True)
def bp_observables(lam, H, beta, mcav, u, zq, wq, paper, m, mhat, A, C, want_C, full=True):
    """Fixed-point observables ([huang2020, SM Eq. S4] and [huang2020, SM App. B Eq. S4]) for one sample.

    Fills ``m`` (N), ``mhat`` (P), ``A`` (P) and, if ``want_C``, ``C`` (N, P).
    With ``full=False`` (learning) the edge free energy and, for the belief
    estimator, ``A`` are skipped (``lnZ_edge`` = 0, ``A`` untouched).
    ``ln cosh(a + w)`` and ``tanh a`` per edge are formed from per-unit values
    and small shifts: ``ln cosh(A - d + w) = ln cosh A + ln cosh d + ln(1 - tanh A tanh d)
    + ln cosh w + ln(1 + tanh(A - d) tanh w)``.
    Returns ``(lnZ, lnZ_edge)``: ``sum_i F_i - (N-1) sum_mu F_mu`` as printed
    [huang2020, SM Eq. S4] and the textbook Bethe form ``sum_i F_i + sum_mu F_mu - sum_{i mu} F_{i mu}``.
    """
    N, P = lam.shape
    sq = math.sqrt(N)
    chi = np.zeros(P)
    Lam2 = np.zeros(P)
    for mu in range(P):
        a1 = 0.0
        a2 = 0.0
        for i in range(N):
            a1 += lam[i, mu] * mcav[i, mu]
            a2 += lam[i, mu] * lam[i, mu] * (1.0 - mcav[i, mu] * mcav[i, mu])
        chi[mu] = a1 / sq
        Lam2[mu] = a2 / N
    Fmu = 0.0
    TA = np.empty(P)
    LA = np.empty(P)
    for mu in range(P):
        TA[mu] = math.tanh(beta * chi[mu] + beta * H[mu])
        LA[mu] = logcosh(beta * chi[mu] + beta * H[mu])
        Fmu += 0.5 * beta * beta * Lam2[mu] + LA[mu]
    Fi = 0.0
    Fedge = 0.0
    for i in range(N):
        U = 0.0
        for mu in range(P):
            U += u[i, mu]
        m[i] = math.tanh(U)
        for mu in range(P):
            w = beta * lam[i, mu] / sq
            mc = mcav[i, mu]
            L2 = Lam2[mu] - lam[i, mu] * lam[i, mu] * (1.0 - mc * mc) / N
            d = beta * lam[i, mu] * mc / sq  # a = beta chi_mu + beta H_mu - d
            td = tanh_small(d)
            ta = (TA[mu] - td) / (1.0 - TA[mu] * td)
            tw = tanh_small(w)
            lp = (LA[mu] + logcosh_small(d) + log1p_small(-TA[mu] * td) + logcosh_small(w)
                  + log1p_small(ta * tw))
            Fi += 0.5 * beta * beta * L2 + lp
            if full:
                a = beta * (chi[mu] - lam[i, mu] * mc / sq) + beta * H[mu]
                # F_{i mu} = beta^2 L2/2 + log[p+ cosh(a+w) + p- cosh(a-w)]
                lm = logcosh(a - w)
                pp = 0.5 * (1.0 + mc)
                pm = 0.5 * (1.0 - mc)
                top = max(lp, lm)
                Fedge += 0.5 * beta * beta * L2 + top + math.log(pp * math.exp(lp - top) + pm * math.exp(lm - top))
        Fi += softplus(-2.0 * U)
    lnZ_paper = Fi - (N - 1) * Fmu
    lnZ_bethe = Fi + Fmu - Fedge
    # hidden means, response, correlations
    for mu in range(P):
        if paper:
            ct = 0.0
            L2t = 0.0
            for i in range(N):
                ct += lam[i, mu] * m[i]
                L2t += lam[i, mu] * lam[i, mu] * (1.0 - m[i] * m[i])
            ct /= sq
            Lt = math.sqrt(L2t / N)
            s1 = 0.0
            s2 = 0.0
            for k in range(zq.shape[0]):
                t = math.tanh(beta * ct + beta * H[mu] + beta * Lt * zq[k])
                s1 += wq[k] * t
                s2 += wq[k] * t * t
            mhat[mu] = s1
            A[mu] = 1.0 - s2
        else:
            # factor-belief averages: rho ~ N(chi_mu, Lam_mu^2) tilted by cosh(beta rho + beta H)
            x0 = beta * chi[mu] + beta * H[mu]
            mhat[mu] = TA[mu]
        if full and not paper:
            x0 = beta * chi[mu] + beta * H[mu]
            sL = beta * math.sqrt(Lam2[mu])
            ref = logcosh(x0)
            num = 0.0
            den = 0.0
            for k in range(zq.shape[0]):
                x = x0 + sL * zq[k]
                c = wq[k] * math.exp(logcosh(x) - ref)
                t = math.tanh(x)
                num += c * t * t
                den += c
            A[mu] = 1.0 - num / den
        if want_C:
            for i in range(N):
                w = beta * lam[i, mu] / sq
                if paper:
                    C[i, mu] = mhat[mu] * m[i] + w * (1.0 - m[i] * m[i]) * A[mu]
                else:
                    mc = mcav[i, mu]
                    pp = 0.5 * (1.0 + mc)
                    pm = 0.5 * (1.0 - mc)
                    # ratio of sinh/cosh sums, written with tanh to avoid overflow:
                    # [p+ sinh(a+w) - p- sinh(a-w)] / [p+ cosh(a+w) + p- cosh(a-w)]
                    td = tanh_small(beta * lam[i, mu] * mc / sq)
                    ta = (TA[mu] - td) / (1.0 - TA[mu] * td)
                    tw = tanh_small(w)
                    num = pp * (ta + tw) - pm * (ta - tw)
                    den = pp * (1.0 + ta * tw) + pm * (1.0 - ta * tw)
                    C[i, mu] = num / den
    return lnZ_paper, lnZ_bethe


@dataclass(frozen=True, kw_only=True)
class RBMCavityResult(Record):
    """Fixed point of the cavity iteration on the equivalent RBM for one field vector ``H``."""

    m: np.ndarray
    mhat: np.ndarray
    A: np.ndarray
    C: np.ndarray
    logZ: float
    logZ_edge: float
    converged: bool
    iterations: int
    residual: float
    estimator: str
    message: str = ""


def _check_lam(lam) -> np.ndarray:
    lam = check_array("lam", lam, ndim=2, dtype=float)
    if lam.size == 0:
        raise ValueError(f"lam must be a non-empty (N, P) array (got shape {lam.shape})")
    if np.any(np.abs(lam) > 1.0):
        raise ValueError(f"lam must lie in [-1, 1] (got max |lam| = {np.abs(lam).max():g})")
    return np.ascontiguousarray(lam)


def rbm_message_passing(lam: npt.ArrayLike, H: npt.ArrayLike, beta: float = 1.0, *, tol: float = 1e-10,
                    max_iter: int = 500, damping: float = 0.0, estimator: str = "belief",
                    raise_on_failure: bool = False) -> RBMCavityResult:
    """Run the cavity iteration [huang2020, SM Eq. S3] to a fixed point and return the observables.

    Parameters
    ----------
    lam
        Couplings ``lambda_{i mu}`` in [-1, 1], shape (N, P); the equivalent RBM
        has weights ``lambda / sqrt(N)``.
    H
        Quenched fields ``H_mu = Xi_mu z_mu^s`` on the hidden units, shape (P,).
    beta
        Inverse temperature (> 0).
    tol, max_iter, damping
        Convergence: ``max |delta m_{i->mu}| < tol`` within ``max_iter`` sweeps;
        ``m <- damping m_old + (1 - damping) m_new``.
    estimator
        ``"belief"`` or ``"paper"`` (see the module docstring).
    raise_on_failure
        Raise :class:`ComputationError` instead of returning ``converged=False``.

    Returns
    -------
    RBMCavityResult
        ``logZ`` is the printed ``sum_i F_i - (N-1) sum_mu F_mu`` [huang2020, SM Eq. S4],
        whose lambda-derivative at the fixed point equals the correlation
        gradient built from ``C`` and ``mhat`` (belief estimator) up to
        ``O(N^-3)`` (tested); ``logZ_edge`` the textbook Bethe form with edge
        terms ``F_{i mu}`` (less accurate against enumeration, kept for comparison).

    Examples
    --------
    At ``lambda = 0`` the hidden units decouple: ``mhat = tanh(beta H)``, ``m = 0`` and
    ``ln Z = N ln 2 + sum_mu ln cosh(beta H_mu)``:

    >>> import numpy as np
    >>> H = np.array([0.5, -1.0])
    >>> r = rbm_message_passing(np.zeros((4, 2)), H)
    >>> r.converged, bool(np.allclose(r.mhat, np.tanh(H))), float(np.abs(r.m).max())
    (True, True, 0.0)
    >>> bool(abs(r.logZ - (4 * np.log(2.0) + np.log(np.cosh(H)).sum())) < 1e-12)
    True

    For weak couplings the fixed point agrees with exact enumeration (:func:`equivalent_rbm_exact`):

    >>> lam = 0.3 * np.random.default_rng(1).uniform(-1, 1, (6, 2))
    >>> r, e = rbm_message_passing(lam, [0.3, -0.2]), equivalent_rbm_exact(lam, [0.3, -0.2])
    >>> bool(np.abs(r.m - e.m).max() < 1e-4 and abs(r.logZ - e.logZ) < 1e-4)
    True
    """
    lam = _check_lam(lam)
    N, P = lam.shape
    H = check_array("H", H, shape=(P,), dtype=float)
    beta = check_real("beta", beta, gt=0)
    tol = check_real("tol", tol, gt=0)
    max_iter = check_int("max_iter", max_iter, ge=1)
    damping = check_real("damping", damping, ge=0, lt=1)
    check_choice("estimator", estimator, {"belief", "paper"})
    tw = np.tanh(beta * lam / math.sqrt(N))
    mcav = np.zeros((N, P))
    u = np.zeros((N, P))
    it, err = bp_kernel(lam, tw, H, beta, tol, max_iter, damping, mcav, u)
    rule = normal_rule(HERMITE_ORDER, "hermite")
    m = np.zeros(N)
    mhat = np.zeros(P)
    A = np.zeros(P)
    C = np.zeros((N, P))
    lnZp, lnZb = bp_observables(lam, H, beta, mcav, u, np.asarray(rule.nodes), np.asarray(rule.weights),
                                estimator == "paper", m, mhat, A, C, True)
    conv = bool(err < tol)
    msg = "" if conv else (f"cavity iteration did not converge: max |delta m| = {err:.3g} after {it} sweeps "
                           f"(tol {tol:g})")
    finite = all(np.all(np.isfinite(x)) for x in (m, mhat, A, C)) and math.isfinite(lnZb) and math.isfinite(lnZp)
    if not finite:
        conv = False
        msg = (msg + "; " if msg else "") + "non-finite observables"
    if raise_on_failure and not conv:
        raise ComputationError(msg)
    return RBMCavityResult(m=m, mhat=mhat, A=A, C=C, logZ=float(lnZp), logZ_edge=float(lnZb), converged=conv,
                           iterations=int(it), residual=float(err), estimator=estimator, message=msg)


@dataclass(frozen=True, kw_only=True)
class EquivalentRBMExact(Record):
    """Exact averages of the equivalent RBM by enumeration of the ``2^N`` visible states."""

    m: np.ndarray
    mhat: np.ndarray
    A: np.ndarray
    C: np.ndarray
    logZ: float
    grad_logZ: np.ndarray = field(repr=False)


def equivalent_rbm_exact(lam: npt.ArrayLike, H: npt.ArrayLike, beta: float = 1.0,
                         z: npt.ArrayLike | None = None) -> EquivalentRBMExact:
    """Exact ``m_i``, ``mhat_mu``, ``A_mu = 1 - <tanh^2>``, ``C_{i mu}`` and ``ln Z_eq`` (N <= 20).

    ``A`` here is the exact ``1 - <tanh^2(beta rho_mu + beta H_mu)>``. If ``z``
    (the standard normal draws, ``H = Xi z``) is given, ``grad_logZ`` is the
    exact gradient ``d ln Z_eq / d lambda_{i mu}`` including the dependence of
    ``H_mu = Xi_mu z_mu`` on lambda through ``Xi_mu`` [huang2020, SM App. B Eq. S3].

    Examples
    --------
    At ``lambda = 0`` the hidden units decouple: ``mhat = tanh(beta H)``, ``A = 1 - tanh^2(beta H)``:

    >>> import numpy as np
    >>> H = np.array([0.5, -1.0])
    >>> e = equivalent_rbm_exact(np.zeros((4, 2)), H)
    >>> bool(np.allclose(e.mhat, np.tanh(H)) and np.allclose(e.A, 1 - np.tanh(H) ** 2))
    True
    >>> round(e.logZ - float(np.log(np.cosh(H)).sum()), 6), round(4 * float(np.log(2.0)), 6)
    (2.772589, 2.772589)
    """
    lam = _check_lam(lam)
    N, P = lam.shape
    if N > 20:
        raise ValueError(f"N must be <= 20 for exact enumeration (got {N})")
    H = check_array("H", H, shape=(P,), dtype=float)
    beta = check_real("beta", beta, gt=0)
    idx = np.arange(2 ** N)
    sig = 1.0 - 2.0 * ((idx[:, None] >> np.arange(N)[None, :]) & 1)
    arg = beta * (sig @ lam) / math.sqrt(N) + beta * H[None, :]
    logw = logcosh(arg).sum(axis=1)
    top = logw.max()
    w = np.exp(logw - top)
    Zr = w.sum()
    p = w / Zr
    t = np.tanh(arg)
    m = p @ sig
    mhat = p @ t
    A = 1.0 - p @ (t * t)
    C = sig.T @ (p[:, None] * t)
    grad = np.full((N, P), np.nan)
    if z is not None:
        z = check_array("z", z, shape=(P,), dtype=float)
        Xi = np.sqrt(np.sum(1.0 - lam ** 2, axis=0) / N)
        grad = beta * C / math.sqrt(N) - beta * lam * (z * mhat / (N * Xi))[None, :]
    return EquivalentRBMExact(m=m, mhat=mhat, A=A, C=C, logZ=float(top + math.log(Zr)), grad_logZ=grad)
