"""On-line perceptron-like rules for the control variables ``m`` of the stochastic perceptron.

Source: [baldassi2018, SM Sec. VI], [baldassi2018, SM Eq. 43-44] and the text
after them; protocol of [baldassi2018, SM Sec. VII] (``eta = 2e-3`` for CP and CP-S) and
[baldassi2018, SM Fig. 4] (``eta = 1e-2 sigma`` for rule 43 at N = 1001, 2000 epochs).

Each epoch presents the ``M`` patterns once, in a fresh random order; for
pattern ``mu`` a field ``h^mu`` is formed and ``m`` is updated:

* ``cp``   ([baldassi2018, SM Eq. 44], deterministic): ``h = sum_i sign(m_i) x_i``;
  ``m <- clip(m + eta Theta(-y h) y x)``;
* ``cp-s`` ([baldassi2018, SM Eq. 44], stochastic): as ``cp`` with ``h = sum_i W_i x_i``,
  ``W_i ~ Q_m`` [baldassi2018, Eq. 4] drawn afresh for every presentation;
* ``rule43`` ([baldassi2018, SM Eq. 43], sign corrected, see ``docs/perceptron_algorithms.md``):
  ``h = W . x`` with ``W ~ Q_m``, ``sigma = sqrt(N/2)``,
  ``m_i <- clip(m_i + eta GH(-y h/sigma) (y x_i/sigma + y h m_i/sigma^3))``;
* ``perceptron`` (the plain rule on ``m``, text after [baldassi2018, SM Eq. 44]):
  ``h = sum_i m_i x_i``; ``m <- clip(m + eta Theta(-y h) y x)``.

``Theta(x) = 1`` for ``x >= 0`` (as in [baldassi2018, SM Sec. VI]): a zero field counts as an
error. The samples ``W ~ Q_m`` come from a xoroshiro128+ stream
(:mod:`simulate.core.fast_rng`) seeded once per run from the caller's generator:
the sampling was 80 % of the run time with numba's Mersenne Twister. The run stops
at the end of the first epoch whose binarized configuration ``sign(m)`` solves the training set, or at the epoch cap.

Bit-packed patterns (issue 22; ``docs/perceptron_algorithms.md``, "Bit-packed patterns"). CP always
runs :func:`packed_cp_epoch` on row-major packed words (a packed copy of a dense instance, N/8 bytes
per pattern): the field ``sum_i sign(m_i) x_i = N - 2 popcount(x XOR w)`` costs N/64 word
operations, and on an error the update of ``m`` rewrites the sign words ``w`` in the same pass.
The field is an integer and the update adds ``+-eta y`` exactly as the int8 kernel does, so the
trajectory of ``m`` is bit-identical to :func:`online_rule_epoch` (4-34x faster per epoch, measured in
``benchmarks/bench_perceptron_rules.py``). CP-S, rule 43 and the plain perceptron keep the int8
kernel (their cost is the sampling of ``W ~ Q_m`` or a float field, which packing does not remove); on
a packed instance they unpack one pattern at a time (:func:`unpacked_rule_epoch`, same numbers).
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numba
import numpy as np

from simulate.core import SeedLike, as_generator, new_fast_stream, next_double
from simulate.perceptron._bitpatterns import pack_signs, packed_binary_fields, popcount64, row_major_words
from simulate.perceptron._outcome import ContinuousOutcome, outcome_fields
from simulate.perceptron.gd import stochastic_log_likelihood
from simulate.perceptron.instances import PerceptronInstance, pack_instance, sign_binarize
from theory.core import GH, check_choice, check_int, check_real

__all__ = ["ONLINE_RULES", "OnlineRule", "default_rule_eta", "OnlineRuleResult", "run_online_rule",
           "online_rule_epoch", "packed_cp_epoch", "unpacked_rule_epoch", "weighted_rule_update",
           "clipped_perceptron", "stochastic_clipped_perceptron",
           "weighted_stochastic_perceptron", "plain_perceptron"]


class OnlineRule(enum.IntEnum):
    """The on-line rules, by the code the numba kernel :func:`online_rule_epoch` takes.

    Examples
    --------
    >>> OnlineRule.from_name("cp-s"), OnlineRule.RULE43.rule_name
    (<OnlineRule.CP_S: 1>, 'rule43')
    """

    CP = 0  #: clipped perceptron, field sign(m).x [baldassi2018, SM Eq. 44]
    CP_S = 1  #: stochastic clipped perceptron, field W.x with W ~ Q_m [baldassi2018, SM Eq. 44]
    RULE43 = 2  #: weighted stochastic rule [baldassi2018, SM Eq. 43] (sign corrected)
    PERCEPTRON = 3  #: plain perceptron rule on m, field m.x [baldassi2018, SM Eq. 44]

    @property
    def rule_name(self) -> str:
        """The rule's name in :data:`ONLINE_RULES`."""
        return self.name.lower().replace("_", "-")

    @classmethod
    def from_name(cls, rule: str) -> OnlineRule:
        """The member of a name in :data:`ONLINE_RULES`."""
        return cls[check_choice("rule", rule, ONLINE_RULES).upper().replace("-", "_")]


ONLINE_RULES = ("cp", "cp-s", "rule43", "perceptron")


def default_rule_eta(rule: str, N: int) -> float:
    """The paper's learning rate of an on-line rule at size ``N``.

    ``2e-3`` for CP, CP-S [baldassi2018, SM Sec. VII] and the plain perceptron (ours: as CP);
    ``1e-2 sigma``, ``sigma = sqrt(N/2)``, for rule 43 [baldassi2018, SM Fig. 4].

    Examples
    --------
    >>> default_rule_eta("cp", 1001), round(default_rule_eta("rule43", 200), 12)
    (0.002, 0.1)
    """
    return 1e-2 * math.sqrt(0.5 * check_int("N", N, ge=1)) if OnlineRule.from_name(rule) == OnlineRule.RULE43 else 2e-3


@numba.njit(cache=True)
def _field_Q(m, row, state):
    """``h = sum_i W_i x_i`` with ``W ~ Q_m`` [baldassi2018, Eq. 4], ``P(W_i = +1) = (1 + m_i)/2``: one
    uniform of the xoroshiro128+ stream ``state`` per ``i`` in order, drawn inside the sum."""
    h = 0.0
    for i in range(m.size):
        x = np.float64(row[i])
        h += x if next_double(state) < 0.5 * (1.0 + m[i]) else -x
    return h


@numba.njit(cache=True)
def weighted_rule_update(m, row, ymu, h, eta, sigma):
    """Rule 43 in place: ``m_i <- clip(m_i + eta GH(-y h/sigma) (y x_i/sigma + y h m_i/sigma^3))``.

    [baldassi2018, SM Eq. 43] with the sign corrected (``docs/perceptron_algorithms.md``); numba kernel.
    """
    g = GH(-ymu * h / sigma)
    a = eta * g * ymu / sigma
    bb = eta * g * ymu * h / (sigma * sigma * sigma)
    for i in range(m.size):
        v = m[i] + a * row[i] + bb * m[i]
        m[i] = 1.0 if v > 1.0 else (-1.0 if v < -1.0 else v)


@numba.njit(cache=True)
def online_rule_epoch(X, y, order, m, eta, rule, sigma, state):
    """One pass of rule ``rule`` (an :class:`OnlineRule` code) over the patterns ``order`` (numba kernel).

    ``m`` is updated in place; ``state`` is the xoroshiro128+ state of the samples ``W ~ Q_m``
    (:func:`simulate.core.fast_rng.new_fast_stream`). Returns the number of updates made (errors
    seen, for the CP-type rules [baldassi2018, SM Eq. 44]).
    """
    N = m.size
    n_upd = 0
    for k in range(order.size):
        mu = order[k]
        row = X[mu]
        ymu = np.float64(y[mu])
        h = 0.0
        if rule == OnlineRule.CP:
            for i in range(N):
                h += (1.0 if m[i] >= 0.0 else -1.0) * row[i]
        elif rule == OnlineRule.PERCEPTRON:
            for i in range(N):
                h += m[i] * row[i]
        else:
            h = _field_Q(m, row, state)
        if rule == OnlineRule.RULE43:
            weighted_rule_update(m, row, ymu, h, eta, sigma)
            n_upd += 1
        elif ymu * h <= 0.0:
            a = eta * ymu
            for i in range(N):
                v = m[i] + a * row[i]
                m[i] = 1.0 if v > 1.0 else (-1.0 if v < -1.0 else v)
            n_upd += 1
    return n_upd


@numba.njit(inline="always")
def _cp_update_word(m, i0, nb, x, a):
    """``m_i <- clip(m_i + a x_i)`` for the ``nb`` inputs ``i0 ..`` of the packed word ``x``; returns
    the packed sign word (bit ``j`` set iff the new ``m_{i0+j} >= 0``)."""
    w = np.uint64(0)
    for j in range(nb):
        v = m[i0 + j] + (a if (x >> np.uint64(j)) & np.uint64(1) else -a)
        v = 1.0 if v > 1.0 else (-1.0 if v < -1.0 else v)
        m[i0 + j] = v
        w |= np.uint64(v >= 0.0) << np.uint64(j)
    return w


@numba.njit(cache=True)
def packed_cp_epoch(R, y, order, m, eta, wbits, N):
    """One CP epoch [baldassi2018, SM Eq. 44] over the patterns ``order`` on row-major packed words (numba kernel).

    ``R`` (M, nw) uint64: :func:`simulate.perceptron._bitpatterns.row_major_words` of the packed
    patterns; ``wbits`` (nw,): the packed signs ``m_i >= 0`` (:func:`~simulate.perceptron._bitpatterns.pack_signs`),
    kept in step with ``m``. The field ``h = sum_i sign(m_i) x_i = N - 2 popcount(x XOR w)``; on an
    error (``y h <= 0``) ``m <- clip(m + eta y x)`` and the sign words are rewritten in the same pass.
    Same ``m`` as :func:`online_rule_epoch` with ``rule = CP``, bit for bit. Returns the number of updates.
    """
    nw = R.shape[1]
    nfull = N // 64
    rem = N - 64 * nfull
    n_upd = 0
    for k in range(order.size):
        mu = order[k]
        row = R[mu]
        d = 0
        for w in range(nw):
            d += np.int64(popcount64(row[w] ^ wbits[w]))
        ymu = np.float64(y[mu])
        if ymu * np.float64(N - 2 * d) <= 0.0:
            a = eta * ymu
            for w in range(nfull):
                wbits[w] = _cp_update_word(m, 64 * w, 64, row[w], a)
            if rem > 0:
                wbits[nfull] = _cp_update_word(m, 64 * nfull, rem, row[nfull], a)
            n_upd += 1
    return n_upd


def _byte_rows() -> np.ndarray:
    v = np.arange(256)[:, None]
    rows = np.where((v >> np.arange(8)[None, :]) & 1, 1, -1).astype(np.int8)
    return np.ascontiguousarray(rows).view(np.uint64)[:, 0].copy()


#: ``_BYTE_ROWS[v]``: the 8 int8 entries ``2 v_j - 1`` of byte value ``v`` as one uint64 (little endian)
_BYTE_ROWS = _byte_rows()


@numba.njit(cache=True)
def unpacked_rule_epoch(R, y, order, m, eta, rule, sigma, state, N):
    """:func:`online_rule_epoch` on row-major packed words ``R`` (M, nw), unpacking one pattern at a time.

    Each pattern is unpacked into an int8 row (one 8-byte table word per packed byte) and passed to
    :func:`online_rule_epoch` alone, so the numbers (and the draws of ``state``) are those of the
    int8 kernel on the dense patterns; the unpacking adds 0-10 % to an epoch.
    """
    nw = R.shape[1]
    buf = np.empty(nw * 8, dtype=np.uint64)
    row1 = buf.view(np.int8)[:N].reshape((1, N))
    ybuf = np.empty(1, dtype=np.int8)
    one = np.zeros(1, dtype=np.int64)
    n_upd = 0
    for k in range(order.size):
        mu = order[k]
        row = R[mu]
        for w in range(nw):
            x = row[w]
            for b in range(8):
                buf[8 * w + b] = _BYTE_ROWS[(x >> np.uint64(8 * b)) & np.uint64(255)]
        ybuf[0] = y[mu]
        n_upd += online_rule_epoch(row1, ybuf, one, m, eta, rule, sigma, state)
    return n_upd


@dataclass(frozen=True, kw_only=True)
class OnlineRuleResult(ContinuousOutcome):
    """Final state of an on-line rule run, with the per-epoch trajectory.

    ``trajectory``: arrays ``epoch``, ``train_error`` (of ``sign(m^t)``),
    ``qstar`` (``|m^t|^2/N``), ``L`` ([baldassi2018, Eq. 6], if recorded) and ``updates``
    (number of pattern updates in the epoch that led to this state). ``stopped_early``: stopped
    by the ``patience`` rule (no improvement of the best training error for ``patience`` epochs).
    """

    stopped_early: bool = False


def run_online_rule(
    inst: PerceptronInstance,
    rule: str,
    *,
    eta: float | None = None,
    max_epochs: int = 2000,
    seed: SeedLike = 0,
    record_L: bool = False,
    patience: int | None = None,
) -> OnlineRuleResult:
    """Run one of :data:`ONLINE_RULES` [baldassi2018, SM Eq. 43-44] until ``sign(m)`` solves ``inst`` or ``max_epochs``.

    Parameters
    ----------
    inst : PerceptronInstance
        Dense (int8) or bit-packed; the same seed gives the same run on both (CP runs the packed
        kernel :func:`packed_cp_epoch` in either case, the other rules the int8 kernel, one unpacked
        row at a time on a packed instance).
    rule : {"cp", "cp-s", "rule43", "perceptron"}
    eta : float, optional
        Learning rate (default :func:`default_rule_eta`).
    max_epochs : int
        Epoch cap (>= 1); the paper uses 2000.
    seed : int or Generator
        Initialisation ``m^0 ~ N(0, 1/N)``, then the state of the
        xoroshiro128+ stream of the samples ``W ~ Q_m``
        (:func:`simulate.core.fast_rng.new_fast_stream`), then one presentation order
        per epoch.
    record_L : bool
        Also record ``L(m^t)`` of [baldassi2018, Eq. 6] every epoch (one more pass).
    patience : int or None
        Stopping rule for hopeless runs: stop at the first epoch ``t`` whose best training
        error of ``sign(m)`` over epochs ``0..t`` was reached at ``t - patience`` or earlier
        (``stopped_early``). None (default): run to a solution or ``max_epochs``.

    Examples
    --------
    >>> from simulate.perceptron.instances import generate_instance
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> r = run_online_rule(inst, "cp-s", seed=2)
    >>> r.solved, r.algorithm, r.eta, float(r.trajectory["train_error"][-1])
    (True, 'cp-s', 0.002, 0.0)
    >>> bool((run_online_rule(inst, "cp-s", seed=2).m == r.m).all())  # same seed, same samples W ~ Q_m
    True
    >>> from simulate.perceptron.instances import pack_instance
    >>> bool((run_online_rule(pack_instance(inst), "cp-s", seed=2).m == r.m).all())  # packed: the same run
    True
    >>> s = run_online_rule(generate_instance(51, 0.95, seed=0), "rule43", seed=2, patience=20)  # no solution
    >>> s.solved, s.stopped_early, s.epochs < 2000
    (False, True, True)
    """
    code = OnlineRule.from_name(rule)
    rule = code.rule_name
    N, M = inst.N, inst.M
    eta = default_rule_eta(rule, N) if eta is None else check_real("eta", eta, gt=0)
    max_epochs = check_int("max_epochs", max_epochs, ge=1)
    if patience is not None:
        patience = check_int("patience", patience, ge=1)
    rng = as_generator(seed)
    m = np.clip(rng.normal(0.0, 1.0 / math.sqrt(N), size=N), -1.0, 1.0)
    state = new_fast_stream(rng)
    sigma = math.sqrt(0.5 * N)
    traj = {k: [] for k in ("epoch", "train_error", "qstar", "L", "updates")}
    upd = 0
    t = 0
    best, t_best, stopped = M + 1, 0, False
    # error counts of sign(m) by popcount on a packed copy (N/8 bytes per pattern; 60x faster than int8)
    bits, y = pack_instance(inst).bits, inst.y.astype(np.int64)
    # CP: always the packed kernel; the other rules: int8, unpacking one row at a time on a packed instance
    R = row_major_words(bits) if code == OnlineRule.CP or inst.packed else None
    while True:
        wbits = pack_signs(m)
        nerr = int(np.count_nonzero(y * packed_binary_fields(bits, wbits, N) < 0))
        if nerr < best:
            best, t_best = nerr, t
        traj["epoch"].append(t)
        traj["train_error"].append(nerr / M)
        traj["qstar"].append(float(np.dot(m, m)) / N)
        traj["L"].append(stochastic_log_likelihood(m, inst) if record_L else math.nan)
        traj["updates"].append(upd)
        if nerr == 0 or t >= max_epochs:
            break
        if patience is not None and t - t_best >= patience:
            stopped = True
            break
        order = rng.permutation(M).astype(np.int64)
        if code == OnlineRule.CP:
            upd = packed_cp_epoch(R, inst.y, order, m, eta, wbits, N)
        elif inst.packed:
            upd = unpacked_rule_epoch(R, inst.y, order, m, eta, int(code), sigma, state, N)
        else:
            upd = online_rule_epoch(inst.X, inst.y, order, m, eta, int(code), sigma, state)
        t += 1
    return OnlineRuleResult(
        algorithm=rule, eta=eta, epochs=t, qstar=float(np.dot(m, m)) / N, m=m, stopped_early=stopped,
        trajectory={k: np.array(v) for k, v in traj.items() if not (k == "L" and not record_L)},
        **outcome_fields(sign_binarize(m), inst, nerr),
    )


def clipped_perceptron(inst: PerceptronInstance, **kw) -> OnlineRuleResult:
    """Clipped perceptron, [baldassi2018, SM Eq. 44] with ``h = sum_i sign(m_i) x_i``.

    Examples
    --------
    >>> from simulate.perceptron.instances import generate_instance, n_errors
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> r = clipped_perceptron(inst, seed=2)
    >>> r.solved, r.algorithm, n_errors(r.W, inst)
    (True, 'cp', 0)
    """
    return run_online_rule(inst, "cp", **kw)


def stochastic_clipped_perceptron(inst: PerceptronInstance, **kw) -> OnlineRuleResult:
    """Stochastic clipped perceptron CP-S, [baldassi2018, SM Eq. 44] with ``h = W . x``, ``W ~ Q_m``.

    Examples
    --------
    >>> from simulate.perceptron.instances import generate_instance, n_errors
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> r = stochastic_clipped_perceptron(inst, seed=2)
    >>> r.solved, r.algorithm, n_errors(r.W, inst)
    (True, 'cp-s', 0)
    """
    return run_online_rule(inst, "cp-s", **kw)


def weighted_stochastic_perceptron(inst: PerceptronInstance, **kw) -> OnlineRuleResult:
    """Weighted stochastic perceptron rule, [baldassi2018, SM Eq. 43] (sign corrected).

    Examples
    --------
    >>> from simulate.perceptron.instances import generate_instance
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> r = weighted_stochastic_perceptron(inst, seed=2)
    >>> r.solved, r.algorithm, r.eta == default_rule_eta("rule43", 51)
    (True, 'rule43', True)
    """
    return run_online_rule(inst, "rule43", **kw)


def plain_perceptron(inst: PerceptronInstance, **kw) -> OnlineRuleResult:
    """Ordinary perceptron rule on ``m`` (text after [baldassi2018, SM Eq. 44]): expected to fail.

    Examples
    --------
    >>> from simulate.perceptron.instances import generate_instance
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> r = plain_perceptron(inst, seed=2, max_epochs=200)
    >>> r.solved, r.epochs, r.train_error > 0
    (False, 200, True)
    """
    return run_online_rule(inst, "perceptron", **kw)
