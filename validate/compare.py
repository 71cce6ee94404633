"""Theory against simulation: comparison rows, verdicts and the registry of comparisons.

A *comparison* is a function ``fn(mode: str, store, seed) -> Comparison``
registered with :func:`comparison`; the report (``python -m validate report``)
runs every registered one. ``mode`` is ``"quick"`` or ``"full"``; ``store`` is
a :class:`validate.store.ResultStore` (or ``None``) to pass to
:func:`validate.sweep.run_sweep` so that simulation points are resumable.

Each :class:`Comparison` carries its table rows, the records that regenerate
its figure (``data``) and the figure itself (``figure``, a matplotlib Figure,
not serialised).
"""
from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from theory.core import Record

__all__ = ["Row", "Comparison", "comparison", "REGISTRY", "mean_se", "deviation"]


def mean_se(samples) -> tuple[float, float, int]:
    """Sample mean, its standard error (ddof=1) and the count; s.e. is NaN for n < 2.

    Non-finite samples (failed runs) are left out of all three.

    Parameters
    ----------
    samples
        Array-like of floats.

    Returns
    -------
    tuple
        ``(mean, standard error, number of finite samples)``.

    Examples
    --------
    >>> mean_se([1.0, 3.0, float("nan")])
    (2.0, 1.0, 2)
    """
    x = np.asarray(samples, dtype=float)
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        return math.nan, math.nan, 0
    se = float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return float(x.mean()), se, n


def deviation(value: float, reference: float, se: float) -> float:
    """``(value - reference) / se``; NaN where the s.e. is missing or zero.

    Examples
    --------
    >>> round(deviation(1.3, 1.0, 0.1), 12)
    3.0
    >>> deviation(1.3, 1.0, 0.0)
    nan
    """
    if not (math.isfinite(value) and math.isfinite(reference) and math.isfinite(se)) or se <= 0:
        return math.nan
    return (value - reference) / se


@dataclass(frozen=True, kw_only=True)
class Row(Record):
    """One line of a comparison table.

    The verdict: ``agrees`` when ``|sim - ref| <= max(n_se * se, abs_tol)``,
    where ``ref`` is the theory value if given, else the published one;
    ``disagrees`` otherwise; ``measured`` when a simulation value is reported with
    no reference to compare it with (a measurement given for context: a KL growth,
    an error per method, a Parzen value); ``not comparable`` only when a comparison
    was meant but could not be made (a reference without a simulation value, or
    neither). ``tolerance`` states the rule in words for the table.
    """

    quantity: str
    theory: float = math.nan
    sim_mean: float = math.nan
    sim_se: float = math.nan
    n: int = 0
    published: float = math.nan
    source: str = ""
    n_se: float = 3.0
    abs_tol: float = 0.0
    note: str = ""
    verdict: str = field(default="", init=True)
    deviation_se: float = field(default=math.nan, init=True)
    tolerance: str = field(default="", init=True)

    def __post_init__(self):
        ref = self.theory if math.isfinite(self.theory) else self.published
        tol = f"{self.n_se:g} s.e." + (f" or {self.abs_tol:g} abs." if self.abs_tol else "")
        object.__setattr__(self, "tolerance", self.tolerance or tol)
        object.__setattr__(self, "deviation_se", deviation(self.sim_mean, ref, self.sim_se))
        if self.verdict:
            return
        if math.isfinite(self.sim_mean) and not math.isfinite(ref):
            v = "measured"
        elif not (math.isfinite(ref) and math.isfinite(self.sim_mean)):
            v = "not comparable"
        else:
            se = self.sim_se if math.isfinite(self.sim_se) else 0.0
            v = "agrees" if abs(self.sim_mean - ref) <= max(self.n_se * se, self.abs_tol) else "disagrees"
        object.__setattr__(self, "verdict", v)


@dataclass(frozen=True, kw_only=True)
class Comparison(Record):
    """A theory-versus-simulation comparison: table, data for the figure, figure.

    Examples
    --------
    >>> c = Comparison(key="demo.sum", title="1 + 1", rows=(Row(quantity="sum", theory=2.0, sim_mean=2.0),
    ...                                                       Row(quantity="product", theory=1.0)))
    >>> c.counts()
    {'agrees': 1, 'disagrees': 0, 'measured': 0, 'not comparable': 1}
    """

    key: str
    title: str
    rows: tuple[Row, ...]
    data: dict[str, Any] = field(default_factory=dict)
    command: str = ""
    wall_time: float = 0.0
    notes: str = ""
    figure: Any = field(default=None, repr=False, compare=False, metadata={"internal": True})

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["rows"] = [r.to_dict() for r in self.rows]
        return d

    def counts(self) -> dict[str, int]:
        out = {"agrees": 0, "disagrees": 0, "measured": 0, "not comparable": 0}
        for r in self.rows:
            out[r.verdict] = out.get(r.verdict, 0) + 1
        return out


REGISTRY: dict[str, dict[str, Any]] = {}

_ComparisonFn = TypeVar("_ComparisonFn", bound=Callable[..., Comparison])


#: the Parameters and Returns sections every comparison shares, added to its docstring on registration
COMPARISON_DOC_SECTIONS = """Parameters
----------
mode
    ``"quick"`` (reduced sizes, minutes) or ``"full"`` (the sizes of the papers, hours; resumable).
store
    :class:`validate.store.ResultStore` (or ``None``) passed to :func:`validate.sweep.run_sweep`, so that
    finished simulation points are reused.
seed
    Base seed of the simulation points.

Returns
-------
Comparison
    The table rows (theory, simulation mean and s.e., published value, verdict), the data of the figure and
    the figure.
"""


def _with_shared_sections(doc: str | None, key: str, title: str) -> str:
    """``doc`` completed with what every comparison shares: :data:`COMPARISON_DOC_SECTIONS` (unless it
    has its own Parameters) and, when it has no Examples, the example showing its registry entry (a run
    takes minutes even in quick mode)."""
    text = inspect.cleandoc(doc or title)
    head, sep, tail = text.partition("\nExamples\n--------")
    if "Parameters\n----------" not in head:
        head = head.rstrip() + "\n\n" + COMPARISON_DOC_SECTIONS
    if not sep:
        sep, tail = "Examples\n--------", (f"\nRegistered for the report under ``{key}``:\n\n"
                                          f">>> from validate.compare import REGISTRY\n"
                                          f">>> REGISTRY[{key!r}][\"title\"]\n{title!r}\n")
    return head.rstrip() + "\n\n" + sep.lstrip("\n") + tail


def comparison(key: str, title: str, section: str, order: int = 0) -> Callable[[_ComparisonFn], _ComparisonFn]:
    """Register ``fn(mode, store, seed) -> Comparison`` for the report.

    ``section`` groups comparisons in the report (e.g. ``"Stochastic perceptron"``). The Parameters and
    Returns sections that every comparison shares (:data:`COMPARISON_DOC_SECTIONS`), and an example
    showing the registry entry when the function has none, are added to its docstring here, so that each
    module writes only what is its own.

    Examples
    --------
    >>> @comparison("demo.sum", "1 + 1", "Demo")
    ... def demo_sum(mode="quick", store=None, seed=0):
    ...     row = Row(quantity="sum", theory=2.0, sim_mean=1.0 + 1.0)
    ...     return Comparison(key="demo.sum", title="1 + 1", rows=(row,))
    >>> entry = REGISTRY.pop("demo.sum")                  # (removed again: this is only an example)
    >>> entry["fn"] is demo_sum, entry["section"], entry["fn"]().rows[0].verdict
    (True, 'Demo', 'agrees')
    """
    def deco(fn: _ComparisonFn) -> _ComparisonFn:
        REGISTRY[key] = {"fn": fn, "title": title, "section": section, "order": order}
        fn.__doc__ = _with_shared_sections(fn.__doc__, key, title)
        return fn

    return deco
