"""Embedded SQLite store of sweep results, safe to resume and to share between processes.

One row per finished point, keyed by ``(task, params, seed, code_version)``:

``task``
    Name of the computation (free text, e.g. ``"perceptron.capacity"``).
``params``
    Canonical JSON of the parameter dict (:func:`canonical_params`): sorted
    keys, no whitespace, floats written with ``repr`` (so ``0.1`` round-trips),
    numpy scalars/arrays turned into Python scalars/lists, tuples into lists.
    NaN is rejected (``ValueError`` naming the parameter); ``inf``/``-inf`` are
    written as the strings ``"inf"``/``"-inf"`` (see "Non-finite floats").
    The names in :data:`RESERVED_NAMES` are not allowed as parameter names.
``seed``
    A non-negative integer, or ``None`` ("no seed"), which is stored as the
    sentinel :data:`NO_SEED` ``= -1``; negative seeds are therefore rejected.
``code_version``
    Text identifying the code that produced the result (:func:`code_version`),
    so results from changed code are not reused.

Other columns: ``result`` (JSON object), ``wall_time`` (seconds spent in the
function), ``created`` (unix time) and ``host``.

Non-finite floats
    JSON has no NaN or infinity. Floats that are NaN, ``inf`` or ``-inf``
    are written as the strings ``"nan"``, ``"inf"``, ``"-inf"`` (in results and,
    for the infinities, in parameters) and every string equal to one of these
    is read back as the float by :meth:`ResultStore.get` and
    :meth:`ResultStore.records`. (A genuine string value ``"nan"`` therefore
    comes back as a float.) Numpy arrays become lists, numpy scalars Python
    scalars, and objects with a ``to_dict()`` method (result records) their dict.

Concurrency
    The database runs in WAL mode with ``synchronous=NORMAL`` (a committed
    point survives the writing process being killed; only an OS crash can lose
    the last commits) and a 60 s busy timeout. Every :meth:`ResultStore.put` is
    one short ``BEGIN IMMEDIATE`` transaction using ``INSERT OR IGNORE``: when
    two sweeps compute the same point, the first commit wins and the second is
    dropped (``put`` returns ``False``). A connection belongs to the thread and
    process that opened it: open one store per process.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import inspect
import json
import math
import os
import random
import socket
import sqlite3
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from theory.core.results import to_jsonable

__all__ = [
    "ResultStore",
    "StoredResult",
    "canonical_params",
    "decode_params",
    "encode_result",
    "decode_result",
    "code_version",
    "NO_SEED",
    "RESERVED_NAMES",
    "DIST_NAME",
]

#: Stored in the ``seed`` column for ``seed=None``.
NO_SEED = -1
#: Names that cannot be parameters: they are the extra keys of records and sweep rows.
RESERVED_NAMES = frozenset({"seed", "result", "wall_time", "cached", "code_version"})
#: Distribution name whose version goes into :func:`code_version`.
DIST_NAME = "lowprec-learning"

#: Seconds a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT = 60.0

_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    task         TEXT    NOT NULL,
    params       TEXT    NOT NULL,
    seed         INTEGER NOT NULL,
    code_version TEXT    NOT NULL,
    result       TEXT    NOT NULL,
    wall_time    REAL    NOT NULL,
    created      REAL    NOT NULL,
    host         TEXT    NOT NULL,
    PRIMARY KEY (task, params, seed, code_version)
)
"""


# --------------------------------------------------------------------------- encoding


def _param_value(name: str, v: Any) -> Any:
    if isinstance(v, np.ndarray):
        v = v.tolist()
    elif isinstance(v, np.generic):
        v = v.item()
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            raise ValueError(f"parameter {name!r} is NaN; NaN cannot identify a sweep point")
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(v, (list, tuple)):
        return [_param_value(name, x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): _param_value(f"{name}.{k}", x) for k, x in v.items()}
    raise TypeError(f"parameter {name!r} has unsupported type {type(v).__name__} "
                    "(use numbers, strings, bools, None, lists or dicts)")


def canonical_params(params: Mapping[str, Any]) -> str:
    """Canonical JSON text of a parameter dict (the store key; dict order is irrelevant).

    Raises
    ------
    ValueError
        A value is NaN, or a name is reserved (:data:`RESERVED_NAMES`).
    TypeError
        ``params`` is not a mapping with string keys, or a value is not JSON-like.
    """
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict (got {type(params).__name__})")
    clean = {}
    for k, v in params.items():
        if not isinstance(k, str):
            raise TypeError(f"parameter names must be strings (got {k!r})")
        if k in RESERVED_NAMES:
            raise ValueError(f"parameter name {k!r} is reserved (reserved: {sorted(RESERVED_NAMES)})")
        clean[k] = _param_value(k, v)
    return json.dumps(clean, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _decode_nonfinite(obj: Any) -> Any:
    if isinstance(obj, str):
        return _NONFINITE.get(obj, obj)
    if isinstance(obj, list):
        return [_decode_nonfinite(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _decode_nonfinite(x) for k, x in obj.items()}
    return obj


def decode_params(text: str) -> dict[str, Any]:
    """Parameters back from :func:`canonical_params` text (``"inf"`` strings -> floats)."""
    return _decode_nonfinite(json.loads(text))


def encode_result(result: Any) -> str:
    """JSON text of a result dict (or record with ``to_dict()``); non-finite floats as strings.

    Keys keep the order the function produced them in (the same function gives
    the same text).

    Raises
    ------
    TypeError
        The result is not a dict (after ``to_dict()``) or holds a value JSON cannot hold.
    """
    obj = to_jsonable(result)
    if not isinstance(obj, dict):
        raise TypeError(f"a result must be a dict or have to_dict() (got {type(result).__name__})")
    return json.dumps(obj, separators=(",", ":"), allow_nan=False)


def decode_result(text: str) -> dict[str, Any]:
    """Result dict back from :func:`encode_result` text (``"nan"``/``"inf"``/``"-inf"`` -> floats)."""
    return _decode_nonfinite(json.loads(text))


def _seed_value(seed: Any) -> int:
    if seed is None:
        return NO_SEED
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be a non-negative int or None (got {seed!r})")
    if seed < 0:
        raise ValueError(f"seed must be >= 0 or None (got {seed}); {NO_SEED} stands for None in the store")
    return int(seed)


def _seed_out(stored: int) -> int | None:
    return None if stored == NO_SEED else stored


#: Top-level packages whose modules count as "the project's code" for :func:`code_version`.
PROJECT_PACKAGES: tuple[str, ...] = ("theory", "simulate", "validate")
#: Project modules that cannot change a computed number (storage, sweeping,
#: reporting, CLI plumbing): left out of the :func:`code_version` hash so that
#: editing them does not make every stored point stale.
NEUTRAL_MODULES: frozenset[str] = frozenset({
    "validate.store", "validate.sweep", "validate.compare", "validate.report", "validate.report_modules",
    "theory.core.cli", "theory.core.results",
})


def _project_path(name: str) -> str | None:
    """File of project module ``name`` (``a/b.py`` or ``a/b/__init__.py``), found
    on disk beside this package without importing anything."""
    if name.split(".")[0] not in PROJECT_PACKAGES:
        return None
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    base = os.path.join(root, *name.split("."))
    for path in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(path):
            return path
    return None


def _module_source(name: str) -> str | None:
    """Source text of project module ``name``, or ``None`` when it is not one."""
    path = _project_path(name)
    if path is None:
        return None
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _imported_project_modules(name: str, source: str) -> set[str]:
    """Names of project modules that ``source`` (the text of module ``name``) imports.

    Parsed with :mod:`ast` (nothing is executed): ``import a.b``, ``from a.b
    import c`` (``a.b.c`` too when it is a module) and relative imports,
    restricted to files of :data:`PROJECT_PACKAGES`.
    """
    import ast

    path = _project_path(name)
    package = name if path is not None and path.endswith("__init__.py") else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _import_base(node, package)
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
    return {m for m in out if m not in NEUTRAL_MODULES and _project_path(m) is not None}


def _function_closure(module_name: str, source: str, name: str) -> tuple[list[str], set[str]]:
    """The code of function ``name`` of module ``module_name`` (its text ``source``), as
    ``(fragments, modules)``.

    ``fragments`` are the source texts of the function, of every top-level
    function, class or assignment of the same module that it uses (by name,
    recursively) and of the import statements that bind the names it uses;
    ``modules`` are the project modules reached through those imports (also
    imports written inside the functions). Names are found with :mod:`ast`,
    conservatively: a name is followed wherever it appears, every top-level
    statement binding it counts (``K = 1`` and a later ``K += 1``), a local
    variable that shadows a module-level one only adds text to the hash,
    bindings inside top-level ``if``/``try``/``with`` blocks count (optional
    imports), and the modules of ``from m import *`` always count.
    Raises ``LookupError`` when ``name`` is not a top-level definition.
    """
    import ast

    tree = ast.parse(source)
    defs: dict[str, list[ast.AST]] = {}  # every top-level statement binding the name
    imports: dict[str, tuple[ast.AST, set[str]]] = {}
    path = _project_path(module_name)
    package = module_name if path is not None and path.endswith("__init__.py") else module_name.rpartition(".")[0]

    def targets(node: ast.AST) -> set[str]:
        if isinstance(node, ast.Import):
            return {a.name for a in node.names}
        base = _import_base(node, package)
        return {base} | {f"{base}.{a.name}" for a in node.names}

    def statements(body):  # module-level statements, also inside top-level if/try/with/for/while blocks
        for node in body:
            yield node
            if isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
                for block in ("body", "orelse", "finalbody"):
                    yield from statements(getattr(node, block, []))
                for handler in getattr(node, "handlers", []):
                    yield from statements(handler.body)

    star: set[str] = set()  # modules of ``from m import *``: any name may come from them
    for node in statements(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs.setdefault(node.name, []).append(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                for n in ast.walk(t):
                    if isinstance(n, ast.Name) and node not in defs.setdefault(n.id, []):
                        defs[n.id].append(node)
        elif isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            star.add(_import_base(node, package))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                bound = a.asname or a.name.split(".")[0]
                mods = {a.name if isinstance(node, ast.Import) else f"{_import_base(node, package)}.{a.name}"}
                if isinstance(node, ast.ImportFrom):
                    mods.add(_import_base(node, package))
                imports[bound] = (node, mods)
    if name not in defs:
        raise LookupError(name)
    fragments: dict[tuple[int, int], str] = {}  # keyed by position: stable order
    modules: set[str] = set()
    todo, seen = [name], set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        if n in imports:
            node, mods = imports[n]
            fragments[(node.lineno, node.col_offset)] = ast.get_source_segment(source, node) or ""
            modules |= mods
        for node in defs.get(n, []):  # also when an import binds it too (``except ImportError: X = None``)
            text = ast.get_source_segment(source, node) or ""
            deco = [ast.get_source_segment(source, d) or "" for d in getattr(node, "decorator_list", [])]
            fragments[(node.lineno, node.col_offset)] = "\n".join(deco + [text])
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name):
                    todo.append(sub.id)
                elif isinstance(sub, (ast.Import, ast.ImportFrom)):
                    modules |= targets(sub)
    frag = [fragments[k] for k in sorted(fragments)]
    modules |= star
    return frag, {m for m in modules if m not in NEUTRAL_MODULES and _project_path(m) is not None}


def _import_base(node: Any, package: str) -> str:
    """Absolute module name of an ``ImportFrom`` node inside ``package``."""
    if node.level:
        parts = package.split(".")[: len(package.split(".")) - node.level + 1]
        return ".".join(parts + ([node.module] if node.module else []))
    return node.module or ""


def code_version(func: Callable | None = None) -> str:
    """Version tag for stored results: package version, plus a hash of the code ``func`` runs.

    ``"<version>+<sha1[:10]>"``, where ``<version>`` is the installed version
    of ``lowprec-learning`` (``"0+unknown"`` when the distribution is not
    installed) and the hash covers

    * the source of ``func`` and of what it uses from its own module: the
      top-level functions, classes and constants it names (recursively) and the
      import statements that bind its names (:func:`_function_closure`);
    * the whole source of every project module (:data:`PROJECT_PACKAGES`)
      reached through those imports, transitively (found by parsing the import
      statements; :data:`NEUTRAL_MODULES` left out).

    A change in a kernel, in ``theory.core`` or in the point function therefore
    makes the stored points of every task that depends on it stale, while a
    change elsewhere in the comparison module (its theory curves, figures,
    tables) or in an unrelated module does not. When ``func`` is not a
    top-level function of a module with source, the whole module is hashed.
    Pass ``code_version=`` explicitly to force a rerun. Without ``func`` (or
    without its source) the tag is the version.
    """
    try:
        version = importlib.metadata.version(DIST_NAME)
    except importlib.metadata.PackageNotFoundError:
        version = "0+unknown"
    if func is None:
        return version
    func = getattr(func, "func", func)  # functools.partial
    module = inspect.getmodule(func)
    try:
        source = inspect.getsource(module) if module is not None else None
    except (OSError, TypeError):
        source = None
    if not source:
        return version
    try:
        own, deps = _function_closure(module.__name__, source, func.__name__)
        sources = {f"{module.__name__}:{func.__name__}": "\0".join(own)}
    except (LookupError, AttributeError, SyntaxError):
        deps = _imported_project_modules(module.__name__, source)
        sources = {module.__name__: source}
    todo = sorted(deps)
    for dep in todo:
        sources.setdefault(dep, _module_source(dep) or "")
    while todo:
        name = todo.pop()
        for dep in _imported_project_modules(name, sources[name]):
            if dep not in sources:
                sources[dep] = _module_source(dep) or ""
                todo.append(dep)
    h = hashlib.sha1()
    for name in sorted(sources):
        h.update(name.encode() + b"\0" + sources[name].encode() + b"\0")
    digest = h.hexdigest()[:10]
    return f"{version}{'.' if '+' in version else '+'}{digest}"


# --------------------------------------------------------------------------- store


def _retry_locked(op: Callable[[], Any], timeout: float = BUSY_TIMEOUT) -> Any:
    """Run ``op``, retrying while SQLite reports the database locked/busy (up to ``timeout`` s)."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            return op()
        except sqlite3.OperationalError as exc:
            msg = str(exc)
            if ("locked" not in msg and "busy" not in msg) or time.monotonic() > deadline:
                raise
            time.sleep(delay * (0.5 + random.random()))
            delay = min(2 * delay, 0.2)


@dataclass(frozen=True)
class StoredResult:
    """A stored point: its result and how it was made."""

    result: dict[str, Any]
    wall_time: float
    created: float
    host: str


class ResultStore:
    """SQLite store of finished sweep points (see the module docstring for the format).

    Parameters
    ----------
    path
        Database file (created if missing), or ``":memory:"``.

    Examples
    --------
    >>> with ResultStore(":memory:") as st:
    ...     st.put("demo", {"n": 10}, 0, "v1", {"err": 0.5}, wall_time=0.01)
    ...     st.get("demo", {"n": 10}, 0, "v1")
    True
    {'err': 0.5}
    """

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        # autocommit mode: every transaction below is explicit
        self._conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        self._conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        # Switching a new file to WAL needs an exclusive lock and, when two
        # processes open a fresh store at once, can fail with "database is
        # locked" without consulting the busy handler: retry it ourselves.
        _retry_locked(lambda: self._conn.execute("PRAGMA journal_mode = WAL").fetchone())
        self._conn.execute("PRAGMA synchronous = NORMAL")
        _retry_locked(lambda: self._conn.execute(_SCHEMA))
        self._host = socket.gethostname()

    # context manager
    def __enter__(self) -> "ResultStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __repr__(self) -> str:
        return f"ResultStore({self.path!r})"

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("the ResultStore is closed")
        return self._conn

    # queries
    def entry(self, task: str, params: Mapping[str, Any], seed: int | None,
              code_version: str) -> StoredResult | None:
        """The stored point with its metadata, or ``None``."""
        row = self.conn.execute(
            "SELECT result, wall_time, created, host FROM results "
            "WHERE task = ? AND params = ? AND seed = ? AND code_version = ?",
            (task, canonical_params(params), _seed_value(seed), code_version),
        ).fetchone()
        if row is None:
            return None
        return StoredResult(decode_result(row[0]), row[1], row[2], row[3])

    def get(self, task: str, params: Mapping[str, Any], seed: int | None,
            code_version: str) -> dict[str, Any] | None:
        """The stored result dict of one point, or ``None`` if it is not stored."""
        e = self.entry(task, params, seed, code_version)
        return None if e is None else e.result

    def has(self, task: str, params: Mapping[str, Any], seed: int | None, code_version: str) -> bool:
        """Whether the point is stored."""
        return self.conn.execute(
            "SELECT 1 FROM results WHERE task = ? AND params = ? AND seed = ? AND code_version = ?",
            (task, canonical_params(params), _seed_value(seed), code_version),
        ).fetchone() is not None

    def put(self, task: str, params: Mapping[str, Any], seed: int | None, code_version: str,
            result: Any, wall_time: float) -> bool:
        """Store one finished point in its own transaction.

        Returns
        -------
        bool
            ``True`` if inserted, ``False`` if the point was already stored
            (``INSERT OR IGNORE``: the stored result is kept).
        """
        if not isinstance(task, str) or not task:
            raise ValueError(f"task must be a non-empty string (got {task!r})")
        if not isinstance(code_version, str):
            raise TypeError(f"code_version must be a string (got {code_version!r})")
        row = (task, canonical_params(params), _seed_value(seed), code_version, encode_result(result),
               float(wall_time), time.time(), self._host)
        with self._transaction():
            cur = self.conn.execute(
                "INSERT OR IGNORE INTO results "
                "(task, params, seed, code_version, result, wall_time, created, host) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
        return cur.rowcount == 1

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (write lock taken up front, waiting up to the busy timeout)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def records(self, task: str, code_version: str | None = None) -> list[dict[str, Any]]:
        """All stored points of a task (of one code version, or of all).

        Each record is ``{**params, "seed": seed, "code_version": ..., "result":
        {...}, "wall_time": ...}``, sorted by canonical params JSON, then seed,
        then code version. ``seed`` is ``None`` for unseeded points.
        """
        sql = "SELECT params, seed, code_version, result, wall_time FROM results WHERE task = ?"
        args: tuple = (task,)
        if code_version is not None:
            sql += " AND code_version = ?"
            args += (code_version,)
        sql += " ORDER BY params, seed, code_version"
        out = []
        for p, seed, cv, res, wt in self.conn.execute(sql, args):
            out.append({**decode_params(p), "seed": _seed_out(seed), "code_version": cv,
                        "result": decode_result(res), "wall_time": wt})
        return out

    def tasks(self) -> list[str]:
        """Sorted names of the tasks with stored points."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT task FROM results ORDER BY task")]

    def count(self, task: str | None = None) -> int:
        """Number of stored points (of one task, or in total)."""
        if task is None:
            return self.conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        return self.conn.execute("SELECT COUNT(*) FROM results WHERE task = ?", (task,)).fetchone()[0]

    def __len__(self) -> int:
        return self.count()

    def delete(self, task: str | None = None) -> int:
        """Delete the points of ``task`` (or all points); returns how many were deleted."""
        with self._transaction():
            if task is None:
                cur = self.conn.execute("DELETE FROM results")
            else:
                cur = self.conn.execute("DELETE FROM results WHERE task = ?", (task,))
        return cur.rowcount

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` verdict (``"ok"`` when sound)."""
        return "\n".join(r[0] for r in self.conn.execute("PRAGMA integrity_check"))

