"""Random instances of the binary perceptron problem and their error measures.

Source: [baldassi2018, Eq. 2] and the paragraph after [baldassi2018, Eq. 7]: inputs ``x_i^mu``
uniform and independent in ``{-1, +1}``,
labels ``y^mu = 1`` (random-label problem; by the gauge symmetry
``x^mu -> y^mu x^mu`` this loses no generality), or, in the teacher-student
scenario ([baldassi2018, SM Sec. VII]), ``y^mu = sign(sum_i W^T_i x_i^mu)`` with a teacher
``W^T`` uniform in ``{-1, +1}^N``. The load is ``alpha = M / N`` and ``N`` is
odd so that ``sum_i W_i x_i^mu`` is never 0 for binary ``W``.

Patterns are stored C-contiguous ``(M, N)`` ``int8``, or bit-packed (``packed=True``:
1 bit per entry, ``uint64`` words, layout in :mod:`simulate.perceptron._bitpatterns`;
``X`` is then None and ``bits`` holds them); labels and teacher are ``int8`` vectors.
Random numbers: ``X`` is drawn first, then the teacher (if any), from
:func:`simulate.core.rng.as_generator` (``seed``), so an instance is a deterministic
function of ``(N, alpha, seed, teacher)``; the packed generator draws the same numbers
block by block and gives the same patterns without holding the dense matrix.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numba
import numpy as np
import numpy.typing as npt

from simulate.core import SeedLike, as_generator
from simulate.perceptron._bitpatterns import (
    draw_packed_patterns,
    pack_matrix,
    pack_signs,
    packed_binary_fields,
    unpack_rows,
)
from theory.core import Record, check_array, check_int, check_real

__all__ = [
    "PerceptronInstance",
    "generate_instance",
    "make_instance",
    "sign_binarize",
    "check_binary",
    "stabilities",
    "n_errors",
    "training_error",
    "teacher_overlap",
    "generalization_accuracy",
    "linear_predictor_accuracy",
    "holdout_accuracy",
    "pack_instance",
    "dense_patterns",
]


@dataclass(frozen=True, kw_only=True)
class PerceptronInstance(Record):
    """A training set ``D = {(x^mu, y^mu)}``, ``mu = 1..M``, of the binary perceptron.

    Attributes
    ----------
    N, M, alpha : int, int, float
        Input size, number of patterns and the load ``alpha = M / N``.
    X : ndarray of int8, shape (M, N), C-contiguous, or None
        Patterns ``x^mu`` (rows) with entries in ``{-1, +1}``; None for a packed instance.
    y : ndarray of int8, shape (M,)
        Labels in ``{-1, +1}`` (all +1 for the random-label problem).
    teacher : ndarray of int8, shape (N,), or None
        Teacher weights ``W^T`` in the teacher-student scenario.
    seed : int or None
        The integer seed the instance was generated from (None if built from
        arrays or from a Generator).
    bits : ndarray of uint64, shape (n_chunks, M, 4), or None
        The patterns bit-packed (bit ``i % 64`` of word ``i // 64`` set iff ``x_i = +1``; word
        ``w`` of row ``mu`` at ``bits[w // 4, mu, w % 4]``, chunk-major, see
        :mod:`simulate.perceptron._bitpatterns`), for a packed instance (:func:`pack_instance`,
        ``generate_instance(..., packed=True)``).
    """

    N: int
    M: int
    alpha: float
    seed: int | None
    X: np.ndarray | None = field(repr=False, compare=False, metadata={"internal": True})
    y: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})
    teacher: np.ndarray | None = field(default=None, repr=False, compare=False, metadata={"internal": True})
    bits: np.ndarray | None = field(default=None, repr=False, compare=False, metadata={"internal": True})

    @property
    def has_teacher(self) -> bool:
        return self.teacher is not None

    @property
    def packed(self) -> bool:
        """True if the patterns are stored bit-packed (``bits``) instead of as int8 ``X``."""
        return self.bits is not None

    def to_dict(self):
        d = super().to_dict()
        d["teacher_student"] = self.has_teacher
        d["packed"] = self.packed
        return d


def _n_patterns(N: int, alpha: float) -> int:
    M = int(round(alpha * N))
    if M < 1:
        raise ValueError(f"alpha * N must give at least one pattern (got alpha={alpha}, N={N}: M = {M})")
    return M


def generate_instance(N: int, alpha: float, seed: SeedLike, teacher: bool = False,
                      packed: bool = False) -> PerceptronInstance:
    """Draw a random instance (text after [baldassi2018, Eq. 7]; [baldassi2018, SM Sec. VII] for the teacher).

    Parameters
    ----------
    N : int
        Number of synapses; odd, >= 1.
    alpha : float
        Load ``M / N`` > 0; ``M = round(alpha N)``.
    seed : int or numpy.random.Generator
        Source of randomness (reproducible).
    teacher : bool
        If True, draw ``W^T`` uniform in ``{-1,+1}^N`` and set
        ``y^mu = sign(W^T . x^mu)``; otherwise ``y^mu = 1``.
    packed : bool
        If True, store the patterns bit-packed (``bits``, ``X = None``): the same
        patterns as the dense instance of the same seed, drawn block by block without
        ever holding the int8 matrix (N/8 bytes per pattern).

    Raises
    ------
    ValueError
        ``N`` even or < 1, ``alpha <= 0`` or too small to give one pattern,
        bad seed.

    Examples
    --------
    >>> inst = generate_instance(11, 0.5, seed=0, teacher=True)
    >>> inst.N, inst.M, round(inst.alpha, 6), inst.seed, inst.has_teacher
    (11, 6, 0.545455, 0, True)
    >>> n_errors(inst.teacher, inst)  # the teacher labels its own patterns
    0
    >>> bool((generate_instance(11, 0.5, seed=0).X == inst.X).all())  # X is drawn before the teacher
    True
    >>> p = generate_instance(11, 0.5, seed=0, teacher=True, packed=True)
    >>> p.X is None, bool((dense_patterns(p) == inst.X).all()), bool((p.teacher == inst.teacher).all())
    (True, True, True)
    """
    N = check_int("N", N, ge=1, odd=True)
    alpha = check_real("alpha", alpha, gt=0)
    M = _n_patterns(N, alpha)
    int_seed = int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None
    rng = as_generator(seed)
    if packed:
        X, P = None, draw_packed_patterns(rng, M, N)
    else:
        P = None
        X = rng.integers(0, 2, size=(M, N), dtype=np.int8)
        X *= 2
        X -= 1
    if teacher:
        WT = rng.integers(0, 2, size=N, dtype=np.int8)
        WT *= 2
        WT -= 1
        f = _fields(X, WT) if P is None else packed_binary_fields(P, pack_signs(WT), N)
        y = np.where(f > 0, 1, -1).astype(np.int8)
    else:
        WT = None
        y = np.ones(M, dtype=np.int8)
    return PerceptronInstance(N=N, M=M, alpha=M / N, seed=int_seed, X=X, y=y, teacher=WT, bits=P)


def pack_instance(inst: PerceptronInstance) -> PerceptronInstance:
    """The same instance with its patterns bit-packed (``X = None``, ``bits`` set; 8x less memory).

    Examples
    --------
    >>> inst = generate_instance(65, 0.5, seed=3)
    >>> p = pack_instance(inst)
    >>> p.packed, p.bits.shape, bool((dense_patterns(p) == inst.X).all())  # 65 inputs: 2 words, padded to 4
    (True, (1, 32, 4), True)
    """
    if inst.packed:
        return inst
    return dataclasses.replace(inst, X=None, bits=pack_matrix(inst.X))


def dense_patterns(inst: PerceptronInstance) -> np.ndarray:
    """The int8 pattern matrix ``X`` (M, N) of an instance (unpacked, a new array, if it is packed).

    Examples
    --------
    >>> inst = make_instance([[1, -1, 1], [-1, -1, 1]])
    >>> dense_patterns(pack_instance(inst)).tolist()
    [[1, -1, 1], [-1, -1, 1]]
    """
    return inst.X if inst.bits is None else unpack_rows(inst.bits, inst.N)


def make_instance(X: npt.ArrayLike, y: npt.ArrayLike | None = None,
                  teacher: npt.ArrayLike | None = None) -> PerceptronInstance:
    """Build an :class:`PerceptronInstance` from given arrays (validated).

    ``X`` must be a 2-d array with entries in ``{-1,+1}`` and an odd number of
    columns; ``y`` (default all ones) a length-``M`` vector in ``{-1,+1}``;
    ``teacher`` (optional) a length-``N`` vector in ``{-1,+1}``.

    Examples
    --------
    >>> inst = make_instance([[1, -1, 1], [1, 1, -1]], y=[1, -1])
    >>> inst.N, inst.M, inst.y.tolist(), inst.seed, inst.has_teacher
    (3, 2, [1, -1], None, False)
    """
    X = check_array("X", X, ndim=2)
    M, N = X.shape
    check_int("N (number of columns of X)", N, ge=1, odd=True)
    if M < 1:
        raise ValueError(f"X must have at least one row (got shape {X.shape})")
    X = _as_pm1("X", X)
    if y is None:
        y = np.ones(M, dtype=np.int8)
    else:
        y = _as_pm1("y", check_array("y", y, shape=(M,)))
    if teacher is not None:
        teacher = _as_pm1("teacher", check_array("teacher", teacher, shape=(N,)))
    return PerceptronInstance(N=N, M=M, alpha=M / N, seed=None, X=np.ascontiguousarray(X), y=y, teacher=teacher)


def _as_pm1(name: str, a: np.ndarray) -> np.ndarray:
    if not np.all((a == 1) | (a == -1)):
        raise ValueError(f"{name} must have entries in {{-1, +1}}")
    return np.ascontiguousarray(a, dtype=np.int8)


def sign_binarize(m: npt.ArrayLike) -> np.ndarray:
    """Binarized configuration ``W_i = sign(m_i)`` as int8 (text after [baldassi2018, Eq. 7]).

    ``sign(0)`` is taken as +1 (a measure-zero event for continuous ``m``).

    Examples
    --------
    >>> sign_binarize([0.3, -0.2, 0.0]).tolist()
    [1, -1, 1]
    """
    m = np.asarray(m)
    return np.where(m >= 0, 1, -1).astype(np.int8)


def check_binary(name: str, W, N: int) -> np.ndarray:
    """Validate a binary weight vector of length ``N`` and return it as int8."""
    W = check_array(name, W, shape=(N,))
    return _as_pm1(name, W)


@numba.njit(cache=True)
def _fields(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Integer fields ``sum_i W_i x_i^mu`` for int8 ``X`` (M, N) and int8 ``W`` (N,)."""
    M, N = X.shape
    out = np.empty(M, dtype=np.int64)
    for mu in range(M):
        s = 0
        row = X[mu]
        for i in range(N):
            s += row[i] * W[i]
        out[mu] = s
    return out


def stabilities(W: npt.ArrayLike, inst: PerceptronInstance) -> np.ndarray:
    """Integer stabilities ``Delta^mu = y^mu sum_i W_i x_i^mu`` of binary ``W``.

    Examples
    --------
    Odd N: the stabilities are odd integers, positive for every pattern of the teacher:

    >>> inst = generate_instance(11, 0.5, seed=0, teacher=True)
    >>> D = stabilities(inst.teacher, inst)
    >>> bool((D > 0).all()), bool((D % 2 == 1).all()), bool((stabilities(-inst.teacher, inst) == -D).all())
    (True, True, True)
    """
    W = check_binary("W", W, inst.N)
    f = _fields(inst.X, W) if inst.bits is None else packed_binary_fields(inst.bits, pack_signs(W), inst.N)
    return inst.y.astype(np.int64) * f


def n_errors(W: npt.ArrayLike, inst: PerceptronInstance) -> int:
    """Error-counting Hamiltonian ``H(W) = sum_mu Theta(-y^mu W . x^mu)`` [baldassi2018, Eq. 2].

    Examples
    --------
    >>> inst = make_instance([[1, -1, 1], [1, 1, -1]], y=[1, -1])
    >>> stabilities([1, 1, 1], inst).tolist(), n_errors([1, 1, 1], inst)
    ([1, -1], 1)
    """
    return int(np.count_nonzero(stabilities(W, inst) < 0))


def training_error(W: npt.ArrayLike, inst: PerceptronInstance) -> float:
    """Training error per pattern ``E = H(W) / M`` of a binary ``W``.

    [baldassi2018, Eq. 2], text after [baldassi2018, Eq. 7].

    Examples
    --------
    >>> inst = make_instance([[1, -1, 1], [1, 1, -1]], y=[1, -1])
    >>> training_error([1, 1, 1], inst), training_error([1, -1, 1], inst)
    (0.5, 0.0)
    """
    return n_errors(W, inst) / inst.M


def teacher_overlap(W: npt.ArrayLike, inst: PerceptronInstance) -> float:
    """Overlap ``rho = W . W^T / N`` between a binary student and the teacher.

    Examples
    --------
    >>> inst = generate_instance(11, 0.5, seed=0, teacher=True)
    >>> teacher_overlap(inst.teacher, inst), teacher_overlap(-inst.teacher, inst)
    (1.0, -1.0)
    """
    if inst.teacher is None:
        raise ValueError("inst has no teacher: generate it with teacher=True")
    W = check_binary("W", W, inst.N)
    return float(np.dot(W.astype(np.int64), inst.teacher.astype(np.int64))) / inst.N


def generalization_accuracy(W: npt.ArrayLike, inst: PerceptronInstance) -> float:
    """Exact test accuracy of binary ``W`` for a teacher ``W^T``: ``1 - arccos(rho)/pi``.

    For a fresh pattern ``x`` uniform in ``{-1,+1}^N`` the fields ``W.x/sqrt N``
    and ``W^T.x/sqrt N`` are, for large N, jointly Gaussian with unit variances
    and correlation ``rho = W.W^T/N``; the probability that they have the same
    sign is ``1 - arccos(rho)/pi`` (Sheppard's formula). Finite-N corrections
    are O(1/sqrt N) at most (lattice effects of the discrete fields).

    Examples
    --------
    ``rho = 1`` gives 1, ``rho = -1`` gives 0:

    >>> inst = generate_instance(11, 0.5, seed=0, teacher=True)
    >>> generalization_accuracy(inst.teacher, inst), generalization_accuracy(-inst.teacher, inst)
    (1.0, 0.0)
    """
    rho = teacher_overlap(W, inst)
    return 1.0 - math.acos(max(-1.0, min(1.0, rho))) / math.pi


def linear_predictor_accuracy(w: npt.ArrayLike, inst: PerceptronInstance) -> float:
    """Large-N test accuracy of the real-valued predictor ``sign(w . x)``: ``1 - arccos(rho)/pi``.

    ``rho = w . W^T / (|w| sqrt N)``: for a fresh ``x`` uniform in ``{-1,+1}^N`` the fields
    ``w.x/|w|`` and ``W^T.x/sqrt N`` are, for large N and ``w`` not concentrated on a few
    sites, jointly Gaussian with unit variances and correlation ``rho`` (Sheppard's formula,
    as in :func:`generalization_accuracy`, which it equals for binary ``w``). With ``w = m``
    the marginals of a message-passing run this is the accuracy of the centre-of-mass
    (Bayes) predictor; ``docs/bp_reinforcement.md``, Sec. 8.

    Raises
    ------
    ValueError
        No teacher, wrong length, non-finite entries, or ``w = 0``.

    Examples
    --------
    >>> inst = generate_instance(11, 0.5, seed=0, teacher=True)
    >>> round(linear_predictor_accuracy(0.3 * inst.teacher, inst), 6), linear_predictor_accuracy(-inst.teacher, inst)
    (1.0, 0.0)
    >>> w = np.where(np.arange(11) < 6, 1.0, -1.0)  # binary w: the same number as generalization_accuracy
    >>> abs(linear_predictor_accuracy(w, inst) - generalization_accuracy(w, inst)) < 1e-15
    True
    """
    if inst.teacher is None:
        raise ValueError("inst has no teacher: generate it with teacher=True")
    w = check_array("w", w, shape=(inst.N,), dtype=float)  # refuses non-finite entries
    norm = float(np.linalg.norm(w))
    if norm == 0.0:
        raise ValueError("w must not be the zero vector (the predictor sign(w . x) is undefined)")
    rho = float(np.dot(w, inst.teacher.astype(np.float64))) / (norm * math.sqrt(inst.N))
    return 1.0 - math.acos(max(-1.0, min(1.0, rho))) / math.pi


def holdout_accuracy(W: npt.ArrayLike, inst: PerceptronInstance, n_test: int, seed: SeedLike) -> float:
    """Fraction of ``n_test`` fresh teacher-labelled patterns that ``W`` classifies correctly.

    Examples
    --------
    >>> inst = generate_instance(11, 0.5, seed=0, teacher=True)
    >>> holdout_accuracy(inst.teacher, inst, 100, seed=1), holdout_accuracy(-inst.teacher, inst, 100, seed=1)
    (1.0, 0.0)
    """
    if inst.teacher is None:
        raise ValueError("inst has no teacher: generate it with teacher=True")
    W = check_binary("W", W, inst.N)
    n_test = check_int("n_test", n_test, ge=1)
    rng = as_generator(seed)
    correct = 0
    chunk = max(1, min(n_test, 2**24 // inst.N))
    done = 0
    while done < n_test:
        k = min(chunk, n_test - done)
        Xt = rng.integers(0, 2, size=(k, inst.N), dtype=np.int8)
        Xt *= 2
        Xt -= 1
        correct += int(np.count_nonzero((_fields(Xt, W) > 0) == (_fields(Xt, inst.teacher) > 0)))
        done += k
    return correct / n_test
