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

import ast
import contextlib
import copy
import hashlib
import importlib.metadata
import inspect
import json
import math
import os
import random
import socket
import sqlite3
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from theory.core import to_jsonable

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
    "check_store_path",
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


# --------------------------------------------------------------------------- code version

#: Top-level packages whose modules count as "the project's code" for :func:`code_version`.
PROJECT_PACKAGES: tuple[str, ...] = ("theory", "simulate", "validate")
#: Project modules that cannot change a computed number (storage, sweeping,
#: reporting, CLI plumbing, the result records): their definitions are left out
#: of the :func:`code_version` hash, so that editing them does not make every
#: stored point stale.
NEUTRAL_MODULES: frozenset[str] = frozenset({
    "validate.store", "validate.sweep", "validate.compare", "validate.report", "validate.report_modules",
    "validate.published", "theory.core.cli", "theory.core.results",
})

_MODULE_ENTRY = "<module>"  # hash key of a module hashed whole (the fallback)


def _project_root() -> str:
    """Directory holding the project packages (read at call time: tests point it elsewhere)."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _find_module(name: str, roots: tuple[str, ...]) -> str | None:
    """File of module ``name`` (``a/b.py`` or ``a/b/__init__.py``), found on disk without importing.

    Modules of :data:`PROJECT_PACKAGES` are looked up beside this package, any
    other module under ``roots`` (the directory of the point function's own
    top-level module); everything else (the standard library, numpy, numba) is
    not followed: its version is fixed by the installation, not by this code.
    """
    if not name or any(not p.isidentifier() for p in name.split(".")):
        return None
    top = name.split(".")[0]
    for root in ((_project_root(),) if top in PROJECT_PACKAGES else roots):
        base = os.path.join(root, *name.split("."))
        for path in (base + ".py", os.path.join(base, "__init__.py")):
            if os.path.isfile(path):
                return path
    return None


class _Normalise(ast.NodeTransformer):
    """Strip what cannot change a number: docstrings and other bare string
    statements, annotations (type hints; a dataclass field keeps its name and
    default) and import statements (they only say where a definition lives;
    what they bind is followed to the definition). Comments and formatting are
    not in the AST at all."""

    def _body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        return [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                        and isinstance(s.value.value, str))
                and not isinstance(s, (ast.Import, ast.ImportFrom))] or [ast.Pass()]

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        for block in ("body", "orelse", "finalbody"):
            value = getattr(node, block, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                setattr(node, block, self._body(value))
        if isinstance(node, ast.arg):
            node.annotation = None
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.returns = None
        elif isinstance(node, ast.AnnAssign):  # ``K: int = 3`` is ``K = 3``; a bare ``x: int`` keeps its name
            if node.value is not None:
                return ast.Assign(targets=[node.target], value=node.value)
            node.annotation = ast.Constant(None)
        return node


def _chains(node: ast.AST) -> list[tuple[ast.AST, str, list[str]]]:
    """Every name the code uses, as ``(node, name, attributes)``: ``np.linalg.norm``
    gives ``(node, "np", ["linalg", "norm"])``, a bare ``x`` gives ``(node, "x", [])``."""
    out: list[tuple[ast.AST, str, list[str]]] = []

    def visit(n: ast.AST) -> None:
        if isinstance(n, ast.Attribute):
            attrs, cur = [], n
            while isinstance(cur, ast.Attribute):
                attrs.append(cur.attr)
                cur = cur.value
            if isinstance(cur, ast.Name):
                out.append((n, cur.id, attrs[::-1]))
            else:
                visit(cur)
            return
        if isinstance(n, ast.Name):
            out.append((n, n.id, []))
            return
        for child in ast.iter_child_nodes(n):
            visit(child)

    visit(node)
    return out


class _Canonical(ast.NodeTransformer):
    """Write each use of an imported definition as the definition's bare name."""

    def __init__(self, names: dict[int, str]):
        self.names = names

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if id(node) in self.names:
            return ast.Name(self.names[id(node)], ast.Load())
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Name(self.names.get(id(node), node.id), node.ctx)


@dataclass
class _Module:
    """Top-level bindings of one parsed module."""

    name: str
    tree: ast.Module
    package: str
    defs: dict[str, list[ast.stmt]]  # name -> every top-level statement binding it
    imports: dict[str, list[tuple[str, str | None]]]  # name -> [(module, attribute or None)]
    star: list[str]  # modules of ``from m import *``


def _import_base(node: ast.ImportFrom, package: str) -> str:
    """Absolute module name of an ``ImportFrom`` node inside ``package``."""
    if node.level:
        parts = package.split(".")
        return ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
    return node.module or ""


def _import_bindings(node: ast.Import | ast.ImportFrom, package: str) -> dict[str, tuple[str, str | None]]:
    """Names bound by one import statement: ``name -> (module, attribute)`` (attribute ``None``: the module)."""
    if isinstance(node, ast.Import):  # ``import a.b`` binds ``a``; ``import a.b as c`` binds ``c`` to ``a.b``
        return {a.asname or a.name.split(".")[0]: (a.name if a.asname else a.name.split(".")[0], None)
                for a in node.names}
    base = _import_base(node, package)
    return {a.asname or a.name: (base, a.name) for a in node.names if a.name != "*"}


class _Hasher:
    """The closure of definitions a point function reaches, as ``{(name, normalised AST dump)}``."""

    def __init__(self, roots: tuple[str, ...]):
        self.roots = roots
        self.modules: dict[str, _Module | None] = {}
        self.entries: set[tuple[str, str]] = set()
        self.seen: set[tuple[str, str]] = set()
        self.whole: set[str] = set()
        self.todo: list[tuple[str, str]] = []

    # -- modules
    def module(self, name: str) -> _Module | None:
        if name in self.modules:
            return self.modules[name]
        path = _find_module(name, self.roots)
        mod = None
        if path is not None:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            try:
                tree = ast.parse(text)
            except SyntaxError:  # hash the text itself: never nothing
                self.entries.add((_MODULE_ENTRY, text))
            else:
                package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
                mod = _Module(name, tree, package, {}, {}, [])
                for node in self._statements(tree.body):
                    self._index(mod, node)
        self.modules[name] = mod
        return mod

    @staticmethod
    def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
        """Module-level statements, also inside top-level if/try/with/for/while blocks (optional imports)."""
        for node in body:
            yield node
            if isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
                for block in ("body", "orelse", "finalbody"):
                    yield from _Hasher._statements(getattr(node, block, []))
                for handler in getattr(node, "handlers", []):
                    yield from _Hasher._statements(handler.body)

    @staticmethod
    def _index(mod: _Module, node: ast.stmt) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            mod.defs.setdefault(node.name, []).append(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                for n in ast.walk(t):
                    if isinstance(n, ast.Name) and node not in mod.defs.setdefault(n.id, []):
                        mod.defs[n.id].append(node)
        elif isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            mod.star.append(_import_base(node, mod.package))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for bound, target in _import_bindings(node, mod.package).items():
                mod.imports.setdefault(bound, []).append(target)

    def is_module(self, name: str) -> bool:
        return _find_module(name, self.roots) is not None

    # -- resolution
    def resolve(self, target: tuple[str, str | None], attrs: list[str]) -> tuple[tuple[str, str], int] | str | None:
        """Follow an import target plus attributes to ``((module, name), attributes used)`` of a
        definition, to a module name (a module used as an object), or ``None`` (not project code)."""
        mod, attr = target
        if attr is not None:
            if self.is_module(f"{mod}.{attr}"):
                mod = f"{mod}.{attr}"
            else:
                return ((mod, attr), 0) if self.is_module(mod) else None
        if not self.is_module(mod):
            return None
        for i, a in enumerate(attrs):
            if self.is_module(f"{mod}.{a}"):
                mod = f"{mod}.{a}"
            else:
                return (mod, a), i + 1
        return mod

    def add_name(self, module: str, name: str) -> None:
        if module in NEUTRAL_MODULES or (module, name) in self.seen:
            return
        self.seen.add((module, name))
        self.todo.append((module, name))

    def add_module(self, module: str) -> None:
        """Hash a module whole (the fallback): its normalised AST and every top-level name it binds."""
        if module in NEUTRAL_MODULES or module in self.whole:
            return
        self.whole.add(module)
        mod = self.module(module)
        if mod is None:
            self.entries.add((_MODULE_ENTRY, f"unresolved {module}"))
            return
        self.entries.add((_MODULE_ENTRY, ast.dump(_Normalise().visit(copy.deepcopy(mod.tree)))))
        for name in list(mod.defs) + list(mod.imports):
            self.add_name(module, name)
        for star in mod.star:
            self.add_module(star)

    def run(self) -> None:
        while self.todo:
            module, name = self.todo.pop()
            mod = self.module(module)
            if mod is None:
                self.add_module(module)
                continue
            found = False
            for node in mod.defs.get(name, []):
                found = True
                self.add_definition(mod, name, node)
            for target in mod.imports.get(name, []):
                found = True
                self.follow(target, [])
            if not found:  # maybe from ``from m import *`` (followed only where m binds it)
                for star in mod.star:
                    if self.module(star) is not None:
                        self.add_name(star, name)
            # else: a builtin, a local variable or a parameter

    def follow(self, target: tuple[str, str | None], attrs: list[str]) -> tuple[str, int] | None:
        """Queue what an import target (plus attributes) reaches; return the definition's
        name and the number of attributes that led to it, if it is a definition."""
        resolved = self.resolve(target, attrs)
        if resolved is None:
            return None
        if isinstance(resolved, str):  # a module used as an object: hash it whole
            self.add_module(resolved)
            return None
        hit, used = resolved
        mod = self.module(hit[0])
        if mod is not None and hit[0] not in NEUTRAL_MODULES and not (
                hit[1] in mod.defs or hit[1] in mod.imports or mod.star):
            self.add_module(hit[0])  # unresolvable: the name is not bound there
            return None
        self.add_name(*hit)
        return hit[1], used

    def add_definition(self, mod: _Module, name: str, node: ast.stmt) -> None:
        local: dict[str, list[tuple[str, str | None]]] = {}
        for sub in ast.walk(node):  # imports written inside the definition
            if isinstance(sub, (ast.Import, ast.ImportFrom)):
                for bound, target in _import_bindings(sub, mod.package).items():
                    local.setdefault(bound, []).append(target)
        tree = _Normalise().visit(copy.deepcopy(node))
        canonical: dict[int, str] = {}  # use of an imported definition -> the definition's name
        for use, head, attrs in _chains(tree):
            targets = local.get(head) or ([] if head in mod.defs else mod.imports.get(head, []))
            if not targets:
                self.add_name(mod.name, head)
                continue
            hits = {self.follow(target, attrs) for target in targets}
            if len(hits) == 1 and None not in hits:
                defname, used = hits.pop()
                for _ in range(len(attrs) - used):  # ``m.f.x``: only ``m.f`` is the definition
                    use = use.value
                canonical[id(use)] = defname
        if canonical:  # ``m.f``, ``pkg.m.f`` and ``g`` (``from m import f as g``) are all written ``f``
            tree = _Canonical(canonical).visit(tree)
        self.entries.add((name, ast.dump(tree)))


def code_version(func: Callable | None = None) -> str:
    """Version tag for stored results: package version, plus a hash of the code ``func`` runs.

    ``"<version>+<sha1[:10]>"``: ``<version>`` is the installed version of
    ``lowprec-learning`` (``"0+unknown"`` when the distribution is not
    installed; bumping it invalidates every stored point), and the hash covers
    the *normalised code* of what ``func`` reaches:

    * the definition of ``func`` and, transitively, of every function, class
      (its whole body: the methods) and module-level constant it references,
      across modules: ``from m import f`` and ``import m`` + ``m.f`` are
      followed to the definition of ``f`` (through re-exports in package
      ``__init__`` files), also for imports written inside functions;
    * each definition is hashed as its name plus its AST (:func:`ast.dump`)
      without docstrings, comments, formatting, type annotations and import
      statements, and with ``m.f`` written ``f``; the module it lives in does
      not count. Decorators count (``@njit(cache=True)``: the Python source of
      a numba kernel and its options).

    So moving a function to another module, reformatting it, editing its
    docstring, comments or type hints keeps the tag, while changing a constant
    it uses or one line of a kernel it calls (at any depth) changes it. Not
    followed: the standard library and installed third-party packages, and the
    :data:`NEUTRAL_MODULES` (storage, sweeping, reporting, CLI, records).
    Fallbacks, conservative and never empty: a module used as an object (not as
    ``m.f``), a name that is not bound where an import says, or a ``func`` that
    is not a top-level definition (a lambda, a nested function) hashes that
    whole module (normalised) and everything it references. The analysis is by
    name: a local variable with the name of a module-level definition only adds
    that definition. Nothing is imported or executed: files are parsed.

    Parameters
    ----------
    func
        The point function (a :class:`functools.partial` is unwrapped).

    Returns
    -------
    str
        The tag; without ``func`` the version alone.

    Examples
    --------
    >>> import json
    >>> code_version(json.dumps) == code_version(json.dumps) != code_version(json.loads)
    True
    """
    try:
        version = importlib.metadata.version(DIST_NAME)
    except importlib.metadata.PackageNotFoundError:
        version = "0+unknown"
    if func is None:
        return version
    func = getattr(func, "func", func)  # functools.partial
    module = inspect.getmodule(func)
    path = getattr(module, "__file__", None)
    roots: tuple[str, ...] = ()
    if module is not None and path:
        root = os.path.dirname(os.path.abspath(path))
        depth = module.__name__.count(".") + (os.path.basename(path) == "__init__.py")
        for _ in range(depth):
            root = os.path.dirname(root)
        roots = (root,)
    h = _Hasher(roots)
    qualname = getattr(func, "__qualname__", "")
    if module is not None and _find_module(module.__name__, roots) is not None:
        top = qualname.split(".")[0]
        mod = h.module(module.__name__)
        if "<" not in qualname and mod is not None and top in mod.defs:
            h.add_name(module.__name__, top)
        else:
            h.add_module(module.__name__)
        h.run()
    else:  # no file to parse (``__main__`` of an interactive session, a built-in): the code object itself
        try:
            h.entries.add((qualname, ast.dump(_Normalise().visit(ast.parse(textwrap.dedent(inspect.getsource(func)))))))
        except (OSError, TypeError, SyntaxError):
            code = getattr(func, "__code__", None)
            h.entries.add((qualname, repr((code.co_code, code.co_consts, code.co_names)) if code else repr(func)))
    digest = hashlib.sha1()
    for name, dump in sorted(h.entries):
        digest.update(name.encode() + b"\0" + dump.encode() + b"\0")
    return f"{version}{'.' if '+' in version else '+'}{digest.hexdigest()[:10]}"


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


_SQLITE_MAGIC = b"SQLite format 3\x00"
_COLUMNS = ("task", "params", "seed", "code_version", "result", "wall_time", "created", "host")


def check_store_path(path: str | os.PathLike, option: str = "--store", lock_timeout: float | None = 2.0) -> str:
    """Refuse (``ValueError`` naming ``option`` and the path) a store path that cannot be a result store.

    Refused: a directory, a missing or unwritable parent directory, a file that is not an
    SQLite database (random bytes, text), an SQLite database without this store's
    ``results`` table but with other tables, a corrupt database, and (with
    ``lock_timeout`` seconds, ``None`` for no lock check) a store whose write lock another
    process holds longer than that. A missing file is fine (it will be created).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> check_store_path(d / "new.sqlite") == str(d / "new.sqlite")
    True
    >>> _ = (d / "notes.txt").write_text("hello")
    >>> check_store_path(d / "notes.txt")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: --store .../notes.txt: not an SQLite result store (it starts with b'hello')
    """
    text = os.fspath(path)
    if text == ":memory:":
        return text
    p = Path(text)
    if p.is_dir():
        raise ValueError(f"{option} {text}: is a directory (expected an SQLite file, e.g. {p / 'store.sqlite'})")
    if not p.exists():
        parent = p.parent if str(p.parent) else Path(".")
        if not parent.is_dir():
            raise ValueError(f"{option} {text}: directory {str(parent)!r} does not exist")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise ValueError(f"{option} {text}: directory {str(parent)!r} is not writable")
        return text
    if not p.is_file():
        raise ValueError(f"{option} {text}: not a regular file")
    if not os.access(p, os.R_OK | os.W_OK):
        raise ValueError(f"{option} {text}: the file is not readable and writable")
    if p.stat().st_size > 0:
        with open(p, "rb") as fh:
            head = fh.read(16)
        if head != _SQLITE_MAGIC:
            raise ValueError(f"{option} {text}: not an SQLite result store (it starts with {head[:8]!r})")
    try:
        conn = sqlite3.connect(p.resolve().as_uri() + "?mode=rw", uri=True, timeout=lock_timeout or 1.0,
                               isolation_level=None)
    except sqlite3.Error as exc:
        raise ValueError(f"{option} {text}: cannot open ({exc})") from None
    try:
        tables = {r[0]: r[1] for r in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")}
        if tables and "results" not in tables:
            raise ValueError(f"{option} {text}: an SQLite database but not a result store (tables {sorted(tables)})")
        if "results" in tables:
            cols = tuple(r[1] for r in conn.execute("PRAGMA table_info(results)"))
            if cols != _COLUMNS:
                raise ValueError(f"{option} {text}: its 'results' table has columns {list(cols)}, not a result "
                                 f"store's {list(_COLUMNS)}")
        if lock_timeout is not None:
            conn.execute(f"PRAGMA busy_timeout = {int(lock_timeout * 1000)}")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise ValueError(f"{option} {text}: locked by another process for more than {lock_timeout:g} s (a "
                             "sweep or report writing to it?); wait for it or use another store") from None
        raise ValueError(f"{option} {text}: cannot use this store ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise ValueError(f"{option} {text}: corrupt SQLite file ({exc})") from None
    finally:
        conn.close()
    return text


@dataclass(frozen=True, kw_only=True)
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
        self.path = check_store_path(path, "store", lock_timeout=None)  # not a store: ValueError naming the path
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
    def __enter__(self) -> ResultStore:
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
        return StoredResult(result=decode_result(row[0]), wall_time=row[1], created=row[2], host=row[3])

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

