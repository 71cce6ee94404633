"""Learning threshold of planted RBMs with binary synapses (random-guess instability).

Model ([huang2020, Eq. 1] and [huang2020, Fig. 2]): visible
``sigma in {-1,+1}^N``, hidden ``+-1`` units marginalised out,
``P(sigma | xi) = prod_mu cosh(beta X_mu) / Z(xi)``, ``X_mu = xi^mu . sigma / sqrt(N)``,
binary synapses ``xi^mu_i = +-1``. ``M = alpha N`` samples are drawn from a
planted ``xi^0``; the posterior over ``xi`` uses a uniform prior (the learner
knows neither the planted receptive fields nor their correlation ``c``).

Result (derived in ``docs/planted_rbm_threshold.md``): the random-guess
(paramagnetic) fixed point of the replica-symmetric equations becomes unstable
in the direction of the planted weights at

    alpha_thr(beta, c) = 1 / (beta^4 * lambda_max(A_0 C_0)),

with ``A_0`` the P x P overlap matrix of the planted receptive fields and
``C_0 = <tau_mu tau_nu>`` the hidden-unit correlation under the planted weight
``exp(beta^2 sum_{mu<nu} c_{mu nu} tau_mu tau_nu)``. For ``P = 2`` and overlap
``c`` this is

    alpha_thr = 1 / (beta^4 (1 + |c|) (1 + tanh(beta^2 |c|))),

giving ``alpha_thr(1, 0) = 1`` (Huang JSTAT 2017; Barra et al. PRE 2017:
``beta^{-4}`` for any ``P`` when ``c = 0``) and ``alpha_thr(1, 0.3) = 0.5957``
(Hou, Wong, Huang, J. Phys. A 52, 414001 (2019); quoted as 0.596 in
[huang2020, Fig. 2b]). The replica-replica (spin-glass) direction destabilises at
``beta^{-4}`` >= ``alpha_thr``, so the planted direction goes first.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass

import numpy as np

from theory.core import Record, bound_violations, check_int, check_real, errors_field

__all__ = ["PlantedThresholdResult", "planted_alpha_threshold", "planted_hidden_correlation",
           "planted_learning_threshold"]


def planted_hidden_correlation(beta: float, c: float, P: int = 2) -> float:
    """``t = <tau_1 tau_2>`` for ``P`` hidden spins with weight ``exp(beta^2 c sum_{mu<nu} tau_mu tau_nu)``.

    Exact enumeration of the ``2^P`` states; for ``P = 2`` equals ``tanh(beta^2 c)``.
    (docs/planted_rbm_threshold.md, Eq. T4.)

    Examples
    --------
    >>> planted_hidden_correlation(1.0, 0.3) == math.tanh(0.3)   # P = 2: closed form
    True
    >>> planted_hidden_correlation(1.0, 0.0, P=3)   # no coupling: independent hidden spins
    0.0
    >>> abs(planted_hidden_correlation(0.5, 0.4, P=3) - planted_hidden_correlation(1.0, 0.1, P=3)) < 1e-15
    True
    """
    J = beta * beta * c
    if P == 1:
        return 0.0
    if P == 2:
        return math.tanh(J)
    taus = np.array(list(itertools.product((-1.0, 1.0), repeat=P)))
    S = taus.sum(axis=1)
    e = J * 0.5 * (S * S - P)  # sum_{mu<nu} tau_mu tau_nu
    w = np.exp(e - e.max())
    return float(np.sum(w * taus[:, 0] * taus[:, 1]) / w.sum())


@dataclass(frozen=True, kw_only=True)
class PlantedThresholdResult(Record):
    """Learning threshold [huang2020] and the eigen-structure of the instability.

    ``errors``: the rounding error of ``alpha_thr``, ``alpha_sg``, ``t``, ``lambda_max`` (closed forms and
    an exact enumeration of ``2^P`` states: no truncation or quadrature; the sum over the states
    contributes ``2^P`` ulp relative to its largest term).
    """

    beta: float
    c: float
    P: int
    alpha_thr: float
    alpha_sg: float
    t: float
    lambda_max: float
    mode: str
    converged: bool = True
    message: str = ""
    errors: dict = errors_field()


def planted_learning_threshold(beta: float, c: float = 0.0, P: int = 2) -> PlantedThresholdResult:
    """Random-guess instability of planted-RBM learning (docs/planted_rbm_threshold.md, Eq. T7).

    Parameters
    ----------
    beta
        Inverse temperature of the planted RBM (> 0).
    c
        Pairwise overlap of the planted receptive fields, ``xi^mu . xi^nu / N``;
        ``-1/(P-1) < c < 1``.
    P
        Number of hidden units (1..16; ``C_0`` is computed by enumeration).

    Returns
    -------
    PlantedThresholdResult
        ``alpha_thr`` (planted direction), ``alpha_sg = beta^-4`` (replica-replica
        direction), ``t = <tau_1 tau_2>``, ``lambda_max`` of ``A_0 C_0`` and the
        unstable mode (``"sum"``: ``xi^1 + xi^2 + ...``, or ``"difference"``).

    Examples
    --------
    >>> r = planted_learning_threshold(1.0, 0.3)   # [huang2020, Fig. 2b]: 0.596
    >>> round(r.alpha_thr, 4), r.alpha_sg, r.mode   # the planted direction goes unstable first
    (0.5957, 1.0, 'sum')
    >>> r = planted_learning_threshold(2.0, 0.0, P=4)   # c = 0: beta^-4 for any P
    >>> r.alpha_thr == r.alpha_sg == 2.0**-4
    True
    """
    beta = check_real("beta", beta, gt=0)
    P = check_int("P", P, ge=1, le=16)
    lo = -1.0 / (P - 1) if P > 1 else -1.0
    c = check_real("c", c, gt=lo, lt=1.0) if P > 1 else check_real("c", c, ge=-1.0, le=1.0)
    if P == 1:
        lam, t, mode = 1.0, 0.0, "sum"
    else:
        t = planted_hidden_correlation(beta, c, P)
        # A_0 and C_0 are both of the form (1-x) I + x 11^T and commute:
        # eigenvalues (1+(P-1)x) on the all-ones vector and (1-x) on its complement.
        lam_sum = (1.0 + (P - 1) * c) * (1.0 + (P - 1) * t)
        lam_diff = (1.0 - c) * (1.0 - t)
        lam, mode = (lam_sum, "sum") if lam_sum >= lam_diff else (lam_diff, "difference")
    b4 = beta**4
    eps = 2.0**-52
    e_t = (4.0 if P <= 2 else 4.0 * 2.0**P) * eps   # |t| <= 1; tanh to a few ulp, the enumeration to 2^P ulp
    e_lam = (abs(1.0 + (P - 1) * c) * (P - 1) if mode == "sum" else abs(1.0 - c)) * e_t + 8.0 * eps * lam
    a_thr, a_sg = 1.0 / (b4 * lam), 1.0 / b4
    errs = {"t": e_t, "lambda_max": e_lam, "alpha_sg": 8.0 * eps * a_sg,
            "alpha_thr": a_thr * (e_lam / lam + 8.0 * eps)}
    out = PlantedThresholdResult(beta=beta, c=c, P=P, alpha_thr=a_thr, alpha_sg=a_sg, t=t, lambda_max=lam, mode=mode,
                                 errors=errs)
    # the largest eigenvalue of A_0 C_0 is at least 1 (both have unit trace per row and commute), so the
    # planted direction never destabilises after the replica-replica one
    viol = bound_violations(out, {"t": (-1.0, 1.0), "lambda_max": (1.0, None), "alpha_thr": (0.0, a_sg)}, errs)
    if viol:
        return dataclasses.replace(out, converged=False, message="physical bound violated: " + "; ".join(viol))
    return out


def planted_alpha_threshold(beta: float, c: float = 0.0, P: int = 2) -> float:
    """``alpha_thr(beta, c)``: data density where the random-guess solution becomes unstable.

    ``1 / (beta^4 (1+|c|)(1+tanh(beta^2 |c|)))`` for ``P = 2`` (see :func:`planted_learning_threshold`;
    docs/planted_rbm_threshold.md Eq. T8). ``planted_alpha_threshold(1, 0) = 1``,
    ``planted_alpha_threshold(1, 0.3) = 0.5957`` ([huang2020, Fig. 2b]: 0.596).

    Examples
    --------
    >>> planted_alpha_threshold(1.0, 0.0), round(planted_alpha_threshold(1.0, 0.3), 4)
    (1.0, 0.5957)
    >>> c = 0.3   # P = 2 closed form
    >>> abs(planted_alpha_threshold(1.0, c) - 1 / ((1 + c) * (1 + math.tanh(c)))) < 1e-15
    True
    """
    return planted_learning_threshold(beta, c, P).alpha_thr
