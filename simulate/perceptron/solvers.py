"""One interface to every binary-perceptron learning algorithm: registry, paper presets, one result record.

:func:`solve_perceptron` runs a method of :data:`PERCEPTRON_SOLVERS` on a
:class:`~simulate.perceptron.instances.PerceptronInstance` and returns a
:class:`PerceptronRun` with the same fields for every method. The registry maps a
method name to its backend (the per-algorithm function, which stays callable
directly), the backend's hyperparameters with their defaults (read from the
backend's signature: one source) and a one-line description.
:data:`PERCEPTRON_PRESETS` is the one table of the paper's settings, each with its
citation; :func:`solve_perceptron` applies it on top of the defaults (``preset=True``),
then the caller's overrides.

Hyperparameters actually used (defaults, preset, overrides, with the values the
backend would choose for ``None`` resolved, e.g. the learning rate of rule 43 at
this ``N``) are recorded in :attr:`PerceptronRun.hyperparameters`, together with the
seed, so that ``backend(instance, **run.hyperparameters)`` repeats the run
exactly.

Conventions of :class:`PerceptronRun`: ``generalization`` is ``None`` without a
teacher and a float (``1 - arccos(rho)/pi``) with one, for every method; ``m`` is
None for the methods without a continuous state (SA, BP+R); ``n_iter`` counts the
method's own iterations, named by ``iter_unit`` (epochs, sweeps, stages).
"""
from __future__ import annotations

import inspect
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from types import MappingProxyType
from typing import Any

import numpy as np

from simulate.core import SeedLike
from simulate.perceptron._outcome import BinaryOutcome, integer_seed
from simulate.perceptron.bp_reinforcement import BPRResult, run_bp_reinforcement
from simulate.perceptron.gd import FixedNormResult, GDResult, default_qstar_schedule, fixed_norm_gd, gradient_ascent
from simulate.perceptron.instances import PerceptronInstance
from simulate.perceptron.rules import (
    OnlineRuleResult,
    clipped_perceptron,
    default_rule_eta,
    plain_perceptron,
    run_online_rule,
    stochastic_clipped_perceptron,
    weighted_stochastic_perceptron,
)
from simulate.perceptron.sa import SAResult, sa_default_beta0, simulated_annealing
from theory.core import ComputationError

__all__ = ["PerceptronRun", "PerceptronSolverSpec", "PaperSetting", "PERCEPTRON_SOLVERS", "PERCEPTRON_PRESETS",
           "PERCEPTRON_PACKED_METHODS", "solve_perceptron", "perceptron_methods"]


# --------------------------------------------------------------------------- the result record


@dataclass(frozen=True, kw_only=True)
class PerceptronRun(BinaryOutcome):
    """One run of a perceptron learning method, the same fields for every method.

    Attributes
    ----------
    method : str
        Key in :data:`PERCEPTRON_SOLVERS`.
    N, M, alpha, solved, train_error, generalization, W
        As in every solver record: ``W`` is the binary configuration found
        (``sign(m)`` for the continuous methods), ``train_error = H(W)/M``
        [baldassi2018, Eq. 2], ``generalization`` None without a teacher.
    n_iter : int
        Iterations done, in ``iter_unit`` (-1 when the run failed).
    iter_unit : str
        ``"epochs"`` (GD, on-line rules), ``"sweeps"`` (SA, BP+R) or ``"stages"`` (fixed-norm GD).
    hyperparameters : dict
        Every hyperparameter used (defaults, preset and overrides, ``None`` resolved) plus ``seed``.
    seconds : float
        Wall time of the backend call.
    message : str
        What happened (why it failed, for a failure).
    m : float array (N,) or None
        Final control variables (magnetizations) of the continuous methods, None otherwise.
    history : dict of arrays or None
        Per-iteration record of the backend (its ``trajectory``/``stages``/error trace).
    details : Record or None
        The backend's own record (method-specific diagnostics: ``qstar``, ``L``, ``r_final``...).
    """

    method: str
    n_iter: int
    iter_unit: str
    hyperparameters: dict
    seconds: float
    message: str
    m: np.ndarray | None = field(default=None, repr=False, compare=False, metadata={"internal": True})
    history: dict | None = field(default=None, repr=False, compare=False, metadata={"internal": True})
    details: Any = field(default=None, repr=False, compare=False, metadata={"internal": True})


# --------------------------------------------------------------------------- presets


class _SigmaScaled:
    """A learning rate proportional to ``sigma = sqrt(N/2)`` [baldassi2018, SM Eq. 43]."""

    def __init__(self, factor: float):
        self.factor = factor

    def __call__(self, N: int) -> float:
        return self.factor * math.sqrt(0.5 * N)

    def __repr__(self) -> str:
        return f"{self.factor:g} * sqrt(N/2)"


@dataclass(frozen=True, kw_only=True)
class PaperSetting:
    """A hyperparameter value of the paper and where it is stated.

    ``value`` is a number or string, or a callable of ``N`` for a size-dependent setting.
    """

    value: Any
    citation: str

    def at(self, N: int) -> Any:
        """The value at size ``N``."""
        return self.value(N) if callable(self.value) else self.value


_SEC7 = "[baldassi2018, SM Sec. VII]"
#: The paper's settings, per method and hyperparameter, with their citation; applied by
#: :func:`solve_perceptron` (``preset=True``) on top of the backends' defaults. The SA
#: ``beta0`` and sweeps per temperature are not given in the paper (ours: backend defaults).
PERCEPTRON_PRESETS: Mapping[str, Mapping[str, PaperSetting]] = MappingProxyType({
    "gd": {"eta": PaperSetting(value=0.1, citation=_SEC7)},
    "gd-fixed-norm": {"eta": PaperSetting(value=0.1, citation=_SEC7)},
    "cp": {"eta": PaperSetting(value=2e-3, citation=_SEC7),
           "max_epochs": PaperSetting(value=2000, citation=_SEC7)},
    "cp-s": {"eta": PaperSetting(value=2e-3, citation=_SEC7),
             "max_epochs": PaperSetting(value=2000, citation=_SEC7)},
    "rule43": {"eta": PaperSetting(value=_SigmaScaled(1e-2), citation="[baldassi2018, SM Fig. 4]"),
               "max_epochs": PaperSetting(value=2000, citation="[baldassi2018, SM Fig. 4]")},
    "perceptron": {"max_epochs": PaperSetting(value=2000, citation=_SEC7)},
    "sa": {"rate": PaperSetting(value=5e-3, citation=_SEC7),
           "energy": PaperSetting(value="linear", citation=_SEC7)},
    "bpr": {"rate": PaperSetting(value=1e-3, citation=_SEC7),
            "r0": PaperSetting(value=0.0, citation=_SEC7)},
})


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True, kw_only=True)
class PerceptronSolverSpec:
    """A registered method: its backend, hyperparameters with defaults, description and adapters.

    ``backend(instance, seed=..., **hyperparameters)`` is the per-algorithm function;
    ``annotations`` the type of each hyperparameter as written in the backend's signature;
    ``resolve(instance, hp)`` fills the values the backend would choose for ``None``;
    ``summarize(result)`` gives ``(n_iter, m, history)`` of the backend's record.
    """

    method: str
    backend: Callable[..., Any]
    description: str
    iter_unit: str
    hyperparameters: Mapping[str, Any]
    annotations: Mapping[str, str]
    summarize: Callable[[Any], tuple[int, np.ndarray | None, dict | None]]
    resolve: Callable[[PerceptronInstance, dict], dict] = field(default=lambda inst, hp: hp)


def _defaults(fn: Callable, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """``hyperparameters`` and ``annotations`` of a spec: the keyword parameters of ``fn`` with a
    default (not the instance, seed or initial state), read from its signature."""
    skip = {"inst", "seed", "rule", *exclude}
    params = [(k, p) for k, p in inspect.signature(fn).parameters.items()
              if k not in skip and p.default is not inspect.Parameter.empty]
    return {"hyperparameters": MappingProxyType({k: p.default for k, p in params}),
            "annotations": MappingProxyType({k: "" if p.annotation is inspect.Parameter.empty else str(p.annotation)
                                             for k, p in params})}


def _gd_summary(r: GDResult):
    return r.epochs, r.m, (r.trajectory if len(r.trajectory["epoch"]) else None)


def _fixed_norm_summary(r: FixedNormResult):
    return len(r.stages["qstar"]), r.m, r.stages


def _rule_summary(r: OnlineRuleResult):
    return r.epochs, r.m, r.trajectory


def _sa_summary(r: SAResult):
    return r.sweeps, None, {"sweep": r.trace_sweeps, "errors": r.trace_errors}


def _bpr_summary(r: BPRResult):
    return r.iterations, None, {"sweep": np.arange(1, r.iterations + 1), "errors": r.trace_errors}


def _resolve_rule(rule: str, inst: PerceptronInstance, hp: dict) -> dict:
    return {**hp, "eta": default_rule_eta(rule, inst.N) if hp["eta"] is None else hp["eta"]}


def _resolve_schedule(inst: PerceptronInstance, hp: dict) -> dict:
    sched = default_qstar_schedule() if hp["schedule"] is None else hp["schedule"]
    return {**hp, "schedule": [float(q) for q in np.asarray(sched, dtype=float)]}


def _resolve_sa(inst: PerceptronInstance, hp: dict) -> dict:
    return {**hp, "beta0": sa_default_beta0(hp["energy"]) if hp["beta0"] is None else hp["beta0"]}


def _rule_spec(method: str, backend: Callable, description: str) -> PerceptronSolverSpec:
    return PerceptronSolverSpec(method=method, backend=backend, description=description, iter_unit="epochs",
                                **_defaults(run_online_rule), summarize=_rule_summary,
                                resolve=partial(_resolve_rule, method))


#: method name -> :class:`PerceptronSolverSpec`.
PERCEPTRON_SOLVERS: Mapping[str, PerceptronSolverSpec] = MappingProxyType({s.method: s for s in (
    PerceptronSolverSpec(
        method="gd", backend=gradient_ascent, iter_unit="epochs", **_defaults(gradient_ascent, ("m0",)),
        description="gradient ascent on L(m) [baldassi2018, Eq. 7] (clipped m, or variant='field' on atanh m)",
        summarize=_gd_summary),
    PerceptronSolverSpec(
        method="gd-fixed-norm", backend=fixed_norm_gd, iter_unit="stages",
        **_defaults(fixed_norm_gd), resolve=_resolve_schedule, summarize=_fixed_norm_summary,
        description=("GD at fixed |m|^2 = q* N along a q* schedule [baldassi2018, SM Eq. 42] "
                     "([baldassi2018, Fig. 2 left])")),
    _rule_spec("cp", clipped_perceptron, "clipped perceptron, h = sign(m).x [baldassi2018, SM Eq. 44]"),
    _rule_spec("cp-s", stochastic_clipped_perceptron,
               "stochastic clipped perceptron, h = W.x with W ~ Q_m [baldassi2018, SM Eq. 44]"),
    _rule_spec("rule43", weighted_stochastic_perceptron,
               "weighted stochastic perceptron rule [baldassi2018, SM Eq. 43] (sign corrected)"),
    _rule_spec("perceptron", plain_perceptron,
               "plain perceptron rule on m (expected to fail) [baldassi2018, SM Eq. 44]"),
    PerceptronSolverSpec(
        method="sa", backend=simulated_annealing, iter_unit="sweeps",
        **_defaults(simulated_annealing, ("W0",)), resolve=_resolve_sa, summarize=_sa_summary,
        description="simulated annealing on sum_mu Theta_1(-y W.x/sqrt N) [baldassi2018, SM Sec. VII]"),
    PerceptronSolverSpec(
        method="bpr", backend=run_bp_reinforcement, iter_unit="sweeps", **_defaults(run_bp_reinforcement),
        summarize=_bpr_summary,
        description="belief propagation with reinforcement [braunstein2006, Eq. 4] "
                    "(schedule [baldassi2018, SM Sec. VII])"),
)})


#: methods that run on bit-packed instances (``PerceptronInstance.packed``); the on-line rules other than CP
#: unpack one pattern at a time (same numbers)
PERCEPTRON_PACKED_METHODS = ("gd", "gd-fixed-norm", "cp", "cp-s", "rule43", "perceptron")


def perceptron_methods() -> tuple[str, ...]:
    """Names of the registered methods.

    Examples
    --------
    >>> perceptron_methods()
    ('gd', 'gd-fixed-norm', 'cp', 'cp-s', 'rule43', 'perceptron', 'sa', 'bpr')
    """
    return tuple(PERCEPTRON_SOLVERS)


def _spec(method: str) -> PerceptronSolverSpec:
    if method not in PERCEPTRON_SOLVERS:
        raise ValueError(f"method must be one of {list(PERCEPTRON_SOLVERS)} (got {method!r})")
    return PERCEPTRON_SOLVERS[method]


def solve_perceptron(instance: PerceptronInstance, method: str, *, seed: SeedLike, preset: bool = True,
                     **hyperparameters: Any) -> PerceptronRun:
    """Run ``method`` of :data:`PERCEPTRON_SOLVERS` on ``instance``: a thin layer over the backend.

    Parameters
    ----------
    instance : PerceptronInstance
        Training set (:func:`simulate.perceptron.instances.generate_instance`).
    method : str
        A key of :data:`PERCEPTRON_SOLVERS`: ``gd``, ``gd-fixed-norm``, ``cp``, ``cp-s``,
        ``rule43``, ``perceptron``, ``sa``, ``bpr``.
    seed : int or numpy.random.Generator
        Passed to the backend unchanged: same seed, same numbers as the backend called directly.
    preset : bool
        Apply :data:`PERCEPTRON_PRESETS` (the paper's settings) on top of the backend's defaults.
    **hyperparameters
        Overrides; the names are those of ``PERCEPTRON_SOLVERS[method].hyperparameters``.

    Returns
    -------
    PerceptronRun
        Built with :meth:`~theory.core.results.Record.failure` when the backend raises a
        :class:`~theory.core.solver.ComputationError` (non-finite numbers).

    Raises
    ------
    ValueError
        Unknown method or hyperparameter, or a hyperparameter the backend rejects.

    Examples
    --------
    >>> from simulate.perceptron.instances import generate_instance
    >>> inst = generate_instance(51, 0.3, seed=1)
    >>> run = solve_perceptron(inst, "cp", seed=2)
    >>> run.solved, run.iter_unit, run.hyperparameters["eta"], run.hyperparameters["seed"]
    (True, 'epochs', 0.002, 2)
    """
    spec = _spec(method)
    if instance.packed and method not in PERCEPTRON_PACKED_METHODS:
        raise ValueError(f"{method} needs the int8 pattern matrix: bit-packed instances run "
                         f"{list(PERCEPTRON_PACKED_METHODS)} (unpack with dense_patterns, or generate the "
                         "instance with packed=False)")
    unknown = set(hyperparameters) - set(spec.hyperparameters)
    if unknown:
        raise ValueError(f"{method}: unknown hyperparameters {sorted(unknown)} "
                         f"(known: {list(spec.hyperparameters)})")
    hp = dict(spec.hyperparameters)
    if preset:
        hp.update({k: s.at(instance.N) for k, s in PERCEPTRON_PRESETS.get(method, {}).items()})
    hp = spec.resolve(instance, {**hp, **hyperparameters})
    used = {**hp, "seed": integer_seed(seed)}
    t0 = time.perf_counter()
    try:
        r = spec.backend(instance, seed=seed, **hp)
    except ComputationError as exc:
        return PerceptronRun.failure(f"{method}: {exc}", method=method, N=instance.N, M=instance.M,
                                     alpha=instance.alpha, generalization=None, iter_unit=spec.iter_unit,
                                     hyperparameters=used, seconds=time.perf_counter() - t0)
    seconds = time.perf_counter() - t0
    n_iter, m, history = spec.summarize(r)
    msg = getattr(r, "message", "") or (f"solution found after {n_iter} {spec.iter_unit}" if r.solved else
                                        f"no solution after {n_iter} {spec.iter_unit} "
                                        f"(training error {r.train_error:.4g})")
    if getattr(r, "stopped_early", False):
        msg += f"; stopped early: best training error not improved for patience = {hp['patience']} {spec.iter_unit}"
    return PerceptronRun(method=method, n_iter=int(n_iter), iter_unit=spec.iter_unit, hyperparameters=used,
                         seconds=seconds, message=msg, m=m, history=history, details=r, N=r.N, M=r.M,
                         alpha=r.alpha, solved=bool(r.solved), train_error=float(r.train_error),
                         generalization=r.generalization, W=r.W)
