"""Parallel sweeps over parameters and seeds, resumable through a :class:`ResultStore`.

>>> from validate.sweep import grid, run_sweep
>>> table = run_sweep(my_point, grid(n=[100, 200], alpha=[0.2, 0.4]), task="demo",
...                   seeds=range(10), store=store)                    # doctest: +SKIP
>>> table.column("error")                                              # doctest: +SKIP

``func(**params, seed=seed) -> dict`` (or a record with ``to_dict()``) must be a
top-level function that worker processes can import. Points already in the
store under the same ``(task, params, seed, code_version)`` are loaded, not
recomputed; the others run in a process pool (``spawn`` start method: numba and
``fork`` do not mix), inline (``workers=1``), or on a Dask cluster
(``scheduler=``). Each result is committed to the store by the parent process
the moment it arrives, so a killed sweep loses only the points in flight.

Every result goes through the store's JSON encoding (:func:`encode_result` /
:func:`decode_result`) whether or not it is stored, so a table is the same
whether its points were computed inline, in a pool, on Dask, or loaded.
"""
from __future__ import annotations

import contextlib
import contextvars
import copy
import itertools
import json
import math
import multiprocessing
import os
import pickle
import sqlite3
import sys
import time
import traceback
import types
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np

from theory.core import Record, format_table, to_jsonable
from validate.store import (
    ResultStore,
    canonical_params,
    decode_params,
    decode_result,
    encode_result,
)
from validate.store import (
    code_version as default_code_version,
)

__all__ = ["run_sweep", "grid", "options", "accounting", "SweepTable", "FailedPoint", "SweepError"]

_OPTION_NAMES = ("scheduler", "workers", "progress", "start_method")
_DEFAULTS: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "validate_sweep_defaults", default=types.MappingProxyType({}))  # read-only: each options() sets a new dict
_META = ("seed", "wall_time", "cached")
_LEDGER: contextvars.ContextVar[list | None] = contextvars.ContextVar("validate_sweep_ledger", default=None)

Key = tuple[str, "int | None"]  # (canonical params JSON, seed)


# --------------------------------------------------------------------------- helpers


def grid(**axes: Any) -> list[dict[str, Any]]:
    """Cartesian product of parameter axes, first axis slowest.

    A list/tuple/range/array is an axis; any other value (a number, a string)
    is held fixed. ``grid(n=[10, 20], beta=[1.0, 2.0])`` gives
    ``[{'n': 10, 'beta': 1.0}, {'n': 10, 'beta': 2.0}, {'n': 20, ...}, ...]``.
    """
    names = list(axes)
    values = []
    for name, v in axes.items():
        if isinstance(v, (list, tuple, range, np.ndarray)):
            v = list(v)
            if not v:
                raise ValueError(f"grid axis {name!r} is empty")
            values.append(v)
        else:
            values.append([v])
    return [dict(zip(names, combo)) for combo in itertools.product(*values)]


@contextlib.contextmanager
def options(**kw: Any) -> Iterator[None]:
    """Defaults for :func:`run_sweep` calls inside the ``with`` block.

    Accepts ``scheduler``, ``workers``, ``progress``, ``start_method``; a value
    of ``None`` leaves the current default. Arguments passed to ``run_sweep``
    explicitly win. Used by the report to send every comparison's sweeps to
    one Dask scheduler.
    """
    unknown = sorted(set(kw) - set(_OPTION_NAMES))
    if unknown:
        raise TypeError(f"unknown sweep option(s) {unknown}; known: {list(_OPTION_NAMES)}")
    token = _DEFAULTS.set({**_DEFAULTS.get(), **{k: v for k, v in kw.items() if v is not None}})
    try:
        yield
    finally:
        _DEFAULTS.reset(token)


def _run_point(func: Callable, params: dict[str, Any], seed: int | None) -> tuple:
    """Worker side: call ``func`` and encode its result; never raises for the func's errors.

    Returns ``("ok", result_json, wall_time)`` or
    ``("error", type_name, message, traceback_text, wall_time)``.
    """
    t0 = time.perf_counter()
    try:
        out = func(**params) if seed is None else func(**params, seed=seed)
        wall = time.perf_counter() - t0
        return ("ok", encode_result(out), wall)
    except Exception as exc:  # reported in the table, not raised
        return ("error", type(exc).__name__, str(exc), traceback.format_exc(), time.perf_counter() - t0)


def _future_outcome(fut: Any) -> tuple:
    """Result of a pool/Dask future; infrastructure failures become error outcomes."""
    try:
        return fut.result()
    except Exception as exc:  # BrokenProcessPool, KilledWorker, CancelledError, ...
        return ("error", type(exc).__name__, str(exc), traceback.format_exc(), math.nan)


def _check_seed(seed: Any) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seeds must be non-negative ints or None (got {seed!r})")
    return int(seed)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, kw_only=True)
class FailedPoint(Record):
    """A point whose function raised (or whose worker died); not stored, retried next run."""

    params: dict[str, Any]
    seed: int | None
    error_type: str
    message: str
    traceback: str = ""

    def __str__(self) -> str:
        return f"{self.params} seed={self.seed}: {self.error_type}: {self.message}"


@contextlib.contextmanager
def accounting() -> Iterator[list[dict[str, Any]]]:
    """Collect one entry per :func:`run_sweep` finished inside the ``with`` block.

    Each entry is ``{"task", "n_computed", "n_cached", "seconds_computed",
    "seconds_cached"}``: the points computed now and their summed wall time,
    and the points loaded from the store with the wall time stored with them
    (what computing them cost when they were made). The report uses it to
    quote the compute behind a run that resumed from earlier ones.

    >>> def square(x, seed=None):
    ...     return {"y": x * x}
    >>> with accounting() as ledger:
    ...     _ = run_sweep(square, grid(x=[1, 2]), task="demo", workers=1, progress=False)
    >>> ledger[0]["n_computed"]
    2
    """
    entries: list[dict[str, Any]] = []
    token = _LEDGER.set(entries)
    try:
        yield entries
    finally:
        _LEDGER.reset(token)


@dataclass(frozen=True, kw_only=True)
class SweepTable:
    """Results of a sweep, one row per (point, seed) in the order of ``points`` x ``seeds``.

    Attributes
    ----------
    task, code_version
        The store key parts shared by all rows.
    rows
        Tuple of dicts: the parameters, ``seed``, the result's fields (one
        level flattened; a field whose name is taken by a parameter or by
        ``seed``/``wall_time``/``cached`` is called ``result.<name>``),
        ``wall_time`` (seconds in the function) and ``cached`` (loaded from the
        store). Failed points have no row; they are in ``failed``.
    n_computed, n_cached
        Distinct (params, seed) points computed now / loaded from the store.
    failed
        :class:`FailedPoint` for every point that raised, in point order.

    Examples
    --------
    >>> t = SweepTable(task="demo", rows=({"x": 1, "y": 2.0}, {"x": 2}), n_computed=2, n_cached=0)
    >>> t.columns, t.column("y").tolist(), len(t), t.ok
    (['x', 'y'], [2.0, nan], 2, True)
    """

    task: str
    rows: tuple[dict[str, Any], ...]
    n_computed: int
    n_cached: int
    failed: tuple[FailedPoint, ...] = ()
    code_version: str = ""

    @property
    def ok(self) -> bool:
        """No point failed."""
        return not self.failed

    @property
    def columns(self) -> list[str]:
        """Column names in first-seen order."""
        return list(dict.fromkeys(k for r in self.rows for k in r))

    def __len__(self) -> int:
        return len(self.rows)

    def to_records(self, drop: Iterable[str] = ()) -> list[dict[str, Any]]:
        """Copies of the rows, without the columns named in ``drop``."""
        drop = set(drop)
        return [{k: copy.deepcopy(v) for k, v in r.items() if k not in drop} for r in self.rows]

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "code_version": self.code_version,
            "n_computed": self.n_computed,
            "n_cached": self.n_cached,
            "rows": self.to_records(),
            "failed": [f.to_dict() for f in self.failed],
        }

    def to_json(self, **kw: Any) -> str:
        """JSON text; non-finite floats as ``"nan"``/``"inf"``/``"-inf"``."""
        return json.dumps(to_jsonable(self.to_dict()), allow_nan=False, **kw)

    def column(self, name: str) -> np.ndarray:
        """Values of one column as an array (NaN where a row lacks the column)."""
        if not any(name in r for r in self.rows):
            raise KeyError(f"no column {name!r} in sweep {self.task!r} (columns: {self.columns})")
        values = [r.get(name, math.nan) for r in self.rows]
        try:
            return np.asarray(values)
        except ValueError:  # ragged lists
            out = np.empty(len(values), dtype=object)
            out[:] = values
            return out

    def to_dataframe(self):
        """The rows as a :class:`pandas.DataFrame` (pandas is optional)."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("SweepTable.to_dataframe needs pandas (pip install pandas)") from exc
        return pd.DataFrame(self.to_records(), columns=self.columns)

    def __str__(self) -> str:
        head = (f"sweep {self.task!r}: {len(self.rows)} rows, {self.n_computed} computed, "
                f"{self.n_cached} cached, {len(self.failed)} failed")
        lines = [head, format_table(list(self.rows))]
        lines += [f"FAILED {f}" for f in self.failed]
        return "\n".join(lines)


class SweepError(RuntimeError):
    """Raised by ``run_sweep(..., raise_on_error=True)`` after the sweep, if points failed."""

    def __init__(self, message: str, table: SweepTable):
        super().__init__(message)
        self.table = table


def _build_rows(order: list[Key], params_of: dict[Key, dict], outcomes: dict[Key, tuple]) -> tuple[dict, ...]:
    taken = set(_META).union(*(params_of[k].keys() for k in order)) if order else set()
    rows = []
    for key in order:
        if key not in outcomes:
            continue
        result, wall_time, cached = outcomes[key]
        row = {**copy.deepcopy(params_of[key]), "seed": key[1]}
        for name, value in result.items():
            row[f"result.{name}" if name in taken else name] = copy.deepcopy(value)
        row["wall_time"] = wall_time
        row["cached"] = cached
        rows.append(row)
    return tuple(rows)


# --------------------------------------------------------------------------- backends


def _run_inline(func, jobs, finish) -> None:
    for key, params, seed in jobs:
        finish(key, _run_point(func, params, seed))


def _run_pool(func, jobs, workers: int, start_method: str, finish) -> None:
    try:
        pickle.dumps(func)
    except Exception as exc:
        raise TypeError(f"func {func!r} cannot be pickled: run_sweep needs a top-level function "
                        "that worker processes can import (or workers=1)") from exc
    ctx = multiprocessing.get_context(start_method)
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx) as ex:
        futures = {ex.submit(_run_point, func, params, seed): key for key, params, seed in jobs}
        try:
            for fut in as_completed(futures):
                finish(futures[fut], _future_outcome(fut))
        except BaseException:
            ex.shutdown(wait=False, cancel_futures=True)
            raise


def _dask_client(scheduler: Any) -> tuple[Any, bool]:
    if isinstance(scheduler, str):
        try:
            from distributed import Client
        except ImportError as exc:
            raise ImportError(
                "run_sweep(scheduler=...) needs dask.distributed; install the 'distributed' extra: "
                "pip install -e '.[distributed]'") from exc
        return Client(scheduler, set_as_default=False), True
    if hasattr(scheduler, "submit") and hasattr(scheduler, "gather"):
        return scheduler, False
    raise TypeError(f"scheduler must be a Dask scheduler address or a distributed.Client (got {scheduler!r})")


def _run_dask(func, jobs, scheduler, finish) -> None:
    client, own = _dask_client(scheduler)
    from distributed import as_completed as dask_as_completed

    futures: dict = {}
    try:
        for key, params, seed in jobs:
            futures[client.submit(_run_point, func, params, seed, pure=False)] = key
        for fut in dask_as_completed(list(futures)):
            finish(futures[fut], _future_outcome(fut))
    except BaseException:
        client.cancel(list(futures))
        raise
    finally:
        futures.clear()
        if own:
            client.close()


# --------------------------------------------------------------------------- run_sweep


def run_sweep(
    func: Callable[..., Any],
    points: Sequence[Mapping[str, Any]],
    *,
    task: str,
    seeds: Iterable[int | None] = (None,),
    store: ResultStore | str | os.PathLike | None = None,
    code_version: str | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool | None = None,
    desc: str | None = None,
    raise_on_error: bool = False,
    start_method: str | None = None,
    data_versions: Sequence[str] = (),
) -> SweepTable:
    """Evaluate ``func`` on every point and seed, reusing and filling the store.

    Parameters
    ----------
    func
        Top-level function ``func(**params, seed=seed) -> dict`` (or a record
        with ``to_dict()``); called as ``func(**params)`` when the seed is
        ``None``. It receives the parameters as stored (canonical JSON decoded:
        Python scalars, lists for tuples/arrays).
    points
        Parameter dicts (see :func:`grid`). Duplicates are computed once.
    task
        Name under which the results are stored.
    seeds
        Seeds to run every point with (non-negative ints, or ``None``).
    store
        :class:`ResultStore` (or a path to open one); ``None`` stores nothing.
    code_version
        Store key part; default :func:`validate.store.code_version` of ``func``.
    data_versions
        Fingerprints of the data sets the points read
        (:func:`simulate.core.dataset_fingerprint`: name and content hash); appended to the
        code version, so a point computed on other data is never loaded for this data.
    workers
        Pool size (default ``os.cpu_count()``); ``1`` runs inline in this process.
    scheduler
        Dask scheduler address (``"tcp://host:8786"``) or a
        ``distributed.Client``; the points then run on that cluster, whose
        workers must be able to import ``func``'s module and ``validate``.
    progress
        tqdm bar on stderr; ``None``: only if stderr is a terminal.
    desc
        Bar label (default: the task).
    raise_on_error
        Raise :class:`SweepError` at the end (after every other point is
        done and stored) if any point failed. Otherwise failures are listed in
        ``SweepTable.failed`` and announced with a :class:`RuntimeWarning`.
    start_method
        Multiprocessing start method of the pool (default ``"spawn"``).

    ``workers``, ``scheduler``, ``progress`` and ``start_method`` left as
    ``None`` take the defaults set by :func:`options`.

    Returns
    -------
    SweepTable
        Rows in the order of ``points`` x ``seeds`` (seeds fastest).

    Examples
    --------
    Inline (``workers=1``) over two points and two seeds; a second call loads every point from the store:

    >>> from validate.store import ResultStore
    >>> def shifted_square(x, seed):
    ...     return {"y": x * x + seed}
    >>> with ResultStore(":memory:") as store:
    ...     first = run_sweep(shifted_square, grid(x=[1, 2]), task="demo", seeds=[0, 10], store=store, workers=1,
    ...                       progress=False)
    ...     again = run_sweep(shifted_square, grid(x=[1, 2]), task="demo", seeds=[0, 10], store=store, workers=1,
    ...                       progress=False)
    >>> first.column("y").tolist(), first.n_computed, (again.n_computed, again.n_cached)
    ([1, 11, 4, 14], 4, (0, 4))
    >>> again.column("cached").tolist()
    [True, True, True, True]
    """
    defaults = _DEFAULTS.get()
    scheduler = scheduler if scheduler is not None else defaults.get("scheduler")
    workers = workers if workers is not None else defaults.get("workers")
    progress = progress if progress is not None else defaults.get("progress")
    start_method = start_method or defaults.get("start_method") or "spawn"
    if not callable(func):
        raise TypeError(f"func must be callable (got {func!r})")
    if not isinstance(task, str) or not task:
        raise ValueError(f"task must be a non-empty string (got {task!r})")
    if isinstance(points, Mapping):
        raise TypeError("points must be a list of parameter dicts (got a single dict); use [params] or grid(...)")
    if isinstance(seeds, (int, np.integer)) or seeds is None:
        raise TypeError(f"seeds must be an iterable of seeds, e.g. range(10) or (None,) (got {seeds!r})")
    seeds = [_check_seed(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty")
    if workers is not None and (not isinstance(workers, (int, np.integer)) or workers < 1):
        raise ValueError(f"workers must be a positive int or None (got {workers!r})")
    workers = int(workers) if workers is not None else (os.cpu_count() or 1)
    cv = code_version if code_version is not None else default_code_version(func)
    if data_versions:
        cv = f"{cv}+data:{','.join(sorted(str(d) for d in data_versions))}"

    order: list[Key] = []
    params_of: dict[Key, dict[str, Any]] = {}
    for p in points:
        pj = canonical_params(p)
        decoded = decode_params(pj)
        params = {k: decoded[k] for k in p}  # the caller's key order, canonical values
        for s in seeds:
            key = (pj, s)
            order.append(key)
            params_of.setdefault(key, params)

    own_store = store is not None and not isinstance(store, ResultStore)
    if own_store:
        store = ResultStore(store)
    try:
        return _sweep(func, task, cv, order, params_of, store, workers, scheduler, start_method,
                      progress, desc, raise_on_error)
    finally:
        if own_store:
            store.close()


def _sweep(func, task, cv, order, params_of, store, workers, scheduler, start_method,
           progress, desc, raise_on_error) -> SweepTable:
    outcomes: dict[Key, tuple[dict, float, bool]] = {}
    failures: dict[Key, FailedPoint] = {}
    jobs = []
    for key, params in params_of.items():
        entry = store.entry(task, params, key[1], cv) if store is not None else None
        if entry is not None:
            outcomes[key] = (entry.result, entry.wall_time, True)
        else:
            jobs.append((key, params, key[1]))
    n_cached = len(outcomes)

    if progress is None:
        progress = sys.stderr.isatty()
    bar = None
    if progress and params_of:
        from tqdm import tqdm

        bar = tqdm(total=len(params_of), initial=n_cached, desc=desc or task, file=sys.stderr)

    unstored: list[Key] = []

    def finish(key: Key, outcome: tuple) -> None:
        params, seed = params_of[key], key[1]
        if outcome[0] == "ok":
            result = decode_result(outcome[1])
            outcomes[key] = (result, outcome[2], False)
            if store is not None:
                try:
                    store.put(task, params, seed, cv, result, outcome[2])
                except sqlite3.OperationalError as exc:   # locked past the busy timeout, disk full...
                    unstored.append(key)
                    if len(unstored) == 1:
                        warnings.warn(f"sweep {task!r}: could not store a finished point in {store.path} ({exc}); "
                                      "it is kept in this run's table, and later ones are tried again",
                                      RuntimeWarning, stacklevel=2)
        else:
            _, etype, message, tb, _wall = outcome
            failures[key] = FailedPoint(params=copy.deepcopy(params), seed=seed, error_type=etype, message=message,
                                        traceback=tb)
        if bar is not None:
            bar.update()
            if failures:
                bar.set_postfix(failed=len(failures), refresh=False)

    try:
        if not jobs:
            pass
        elif scheduler is not None:
            _run_dask(func, jobs, scheduler, finish)
        elif workers == 1:
            _run_inline(func, jobs, finish)
        else:
            _run_pool(func, jobs, workers, start_method, finish)
    finally:
        if bar is not None:
            bar.close()

    failed = tuple(failures[k] for k in dict.fromkeys(order) if k in failures)
    ledger = _LEDGER.get()
    if ledger is not None:
        ledger.append({"task": task, "n_computed": len(outcomes) - n_cached, "n_cached": n_cached,
                       "seconds_computed": float(sum(o[1] for o in outcomes.values() if not o[2])),
                       "seconds_cached": float(sum(o[1] for o in outcomes.values() if o[2]))})
    table = SweepTable(task=task, rows=_build_rows(order, params_of, outcomes), n_computed=len(outcomes) - n_cached,
                       n_cached=n_cached, failed=failed, code_version=cv)
    if failed:
        msg = (f"sweep {task!r}: {len(failed)} of {len(params_of)} points failed; first: {failed[0]}")
        if raise_on_error:
            raise SweepError(f"{msg}\n{failed[0].traceback}", table)
        warnings.warn(msg, RuntimeWarning, stacklevel=3)
    return table
