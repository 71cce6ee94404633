"""validate.store: canonical keys, JSON encoding of non-finite values, INSERT OR IGNORE, concurrency."""
from __future__ import annotations

import dataclasses
import json
import math
import multiprocessing
import sqlite3
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from validate.store import (  # noqa: E402
    NO_SEED,
    ResultStore,
    canonical_params,
    code_version,
    decode_params,
    decode_result,
    encode_result,
)


@pytest.fixture
def store():
    with ResultStore(":memory:") as s:
        yield s


def test_round_trip_with_nonfinite_and_numpy(store):
    result = {
        "a": 0.1, "nan": math.nan, "inf": math.inf, "ninf": -np.inf,
        "arr": np.array([1.5, np.nan, -np.inf]), "i": np.int32(7), "f": np.float32(0.5),
        "b": np.bool_(True), "nested": {"deep": [np.float64(np.inf), "text"]},
    }
    assert store.put("t", {"n": 3}, 0, "v", result, wall_time=1.25)
    got = store.get("t", {"n": 3}, 0, "v")
    assert got["a"] == 0.1 and math.isnan(got["nan"]) and got["inf"] == math.inf and got["ninf"] == -math.inf
    assert got["arr"][0] == 1.5 and math.isnan(got["arr"][1]) and got["arr"][2] == -math.inf
    assert got["i"] == 7 and type(got["i"]) is int and got["f"] == 0.5 and got["b"] is True
    assert got["nested"] == {"deep": [math.inf, "text"]}
    # what is on disk is strict JSON (no NaN/Infinity tokens)
    text = store.conn.execute("SELECT result FROM results").fetchone()[0]
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["nan"] == "nan" and json.loads(text)["ninf"] == "-inf"
    assert store.get("t", {"n": 3}, 1, "v") is None
    assert store.get("t", {"n": 3}, 0, "other") is None


def test_record_objects_use_to_dict(store):
    @dataclasses.dataclass(frozen=True)
    class Rec:
        q: float
        hidden: str = "x"

        def to_dict(self):
            return {"q": self.q}

    store.put("t", {"a": 1}, None, "v", Rec(math.nan), 0.0)
    got = store.get("t", {"a": 1}, None, "v")
    assert list(got) == ["q"] and math.isnan(got["q"])


def test_non_dict_and_unencodable_results_rejected(store):
    with pytest.raises(TypeError, match="dict"):
        store.put("t", {"a": 1}, 0, "v", 3.0, 0.0)
    with pytest.raises(TypeError):
        store.put("t", {"a": 1}, 0, "v", {"x": object()}, 0.0)
    assert store.count() == 0


def test_canonical_params_order_and_types():
    a = canonical_params({"b": 0.1, "a": np.int64(3), "c": (1, 2)})
    b = canonical_params({"c": [1, 2], "a": 3, "b": np.float64(0.1)})
    assert a == b == '{"a":3,"b":0.1,"c":[1,2]}'
    assert canonical_params({"x": 1}) != canonical_params({"x": 1.0}) != canonical_params({"x": True})
    assert decode_params(canonical_params({"beta": np.inf})) == {"beta": math.inf}


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_params_round_trip_exactly(x):
    assert decode_params(canonical_params({"x": x}))["x"] == x


def test_nan_param_rejected_naming_it():
    with pytest.raises(ValueError, match="'alpha'"):
        canonical_params({"n": 1, "alpha": float("nan")})
    with pytest.raises(ValueError, match="'v'"):
        canonical_params({"v": np.array([1.0, np.nan])})
    with pytest.raises(ValueError, match="reserved"):
        canonical_params({"seed": 1})
    with pytest.raises(TypeError):
        canonical_params({"f": object()})


def test_key_is_independent_of_dict_order(store):
    store.put("t", {"a": 1, "b": 0.1}, 5, "v", {"r": 1}, 0.0)
    assert store.has("t", {"b": 0.1, "a": 1}, 5, "v")
    assert store.get("t", {"b": np.float64(0.1), "a": np.int8(1)}, 5, "v") == {"r": 1}
    assert not store.has("t", {"a": 1, "b": 0.30000000000000004}, 5, "v")


def test_insert_or_ignore_keeps_first(store):
    assert store.put("t", {"a": 1}, 0, "v", {"r": 1}, 0.5) is True
    assert store.put("t", {"a": 1}, 0, "v", {"r": 2}, 0.7) is False
    assert store.get("t", {"a": 1}, 0, "v") == {"r": 1}
    assert store.count() == 1
    # any differing key part is a new point
    assert store.put("t", {"a": 1}, 1, "v", {"r": 3}, 0.1)
    assert store.put("t", {"a": 1}, None, "v", {"r": 4}, 0.1)
    assert store.put("t", {"a": 1}, 0, "v2", {"r": 5}, 0.1)
    assert store.put("u", {"a": 1}, 0, "v", {"r": 6}, 0.1)
    assert store.count() == 5 and store.count("t") == 4


def test_seed_none_sentinel_and_negative_seed(store):
    store.put("t", {"a": 1}, None, "v", {"r": 0}, 0.0)
    assert store.conn.execute("SELECT seed FROM results").fetchone()[0] == NO_SEED
    assert store.records("t")[0]["seed"] is None
    with pytest.raises(ValueError, match="seed"):
        store.put("t", {"a": 1}, -1, "v", {"r": 0}, 0.0)
    with pytest.raises(TypeError, match="seed"):
        store.get("t", {"a": 1}, 1.5, "v")


def test_records_sorted_and_filtered(store):
    for a in (10, 2, 1):
        for seed in (3, None, 0):
            store.put("t", {"a": a, "z": "q"}, seed, "v1", {"r": a * 10}, wall_time=0.5)
    store.put("t", {"a": 1, "z": "q"}, 0, "v2", {"r": -1}, 0.0)
    store.put("other", {"a": 1}, 0, "v1", {"r": 0}, 0.0)
    recs = store.records("t", "v1")
    # canonical JSON text order: '{"a":1,' < '{"a":10,' < '{"a":2,'; seed None (-1) first
    assert [(r["a"], r["seed"]) for r in recs] == [
        (1, None), (1, 0), (1, 3), (10, None), (10, 0), (10, 3), (2, None), (2, 0), (2, 3)]
    assert recs[0] == {"a": 1, "z": "q", "seed": None, "code_version": "v1", "result": {"r": 10},
                       "wall_time": 0.5}
    assert len(store.records("t")) == 10
    assert store.tasks() == ["other", "t"]
    assert store.delete("other") == 1 and store.tasks() == ["t"]
    assert store.delete() == 10 and store.tasks() == [] and len(store) == 0


def test_file_store_persists_and_uses_wal(tmp_path):
    path = tmp_path / "s.sqlite"
    with ResultStore(path) as s:
        s.put("t", {"a": 1}, 0, "v", {"r": math.inf}, 0.1)
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with ResultStore(str(path)) as s:
        assert s.get("t", {"a": 1}, 0, "v") == {"r": math.inf}
        assert s.integrity_check() == "ok"
    with pytest.raises(ValueError, match="closed"):
        s.get("t", {"a": 1}, 0, "v")


def test_encode_decode_helpers():
    text = encode_result({"b": 1, "a": [math.nan]})
    assert text == '{"b":1,"a":["nan"]}'
    assert math.isnan(decode_result(text)["a"][0])


def test_code_version_tracks_module_source():
    import _sweep_funcs

    v = code_version(_sweep_funcs.noisy_point)
    assert v == code_version(_sweep_funcs.noisy_point)
    assert v != code_version(_sweep_funcs.fails_on)  # another function's code -> another hash
    base = code_version()
    assert v.startswith(base) and len(v) == len(base) + 11
    assert v != code_version(json.dumps)  # another module -> another hash


@pytest.fixture
def point_modules(tmp_path, monkeypatch):
    """``(write, tag)``: ``write({"name.py": text})`` writes top-level modules into a
    directory on ``sys.path``; ``tag("mod", "func")`` imports ``mod`` afresh and
    returns ``code_version(mod.func)`` (the files are parsed anew each time)."""
    import importlib

    monkeypatch.syspath_prepend(str(tmp_path))
    written: set[str] = set()

    def write(files: dict[str, str | None]) -> None:
        for name, text in files.items():
            path = tmp_path / name
            if text is None:
                path.unlink()
            else:
                path.write_text(textwrap.dedent(text))
            written.add(name.removesuffix(".py"))

    def tag(module: str, func: str) -> str:
        for name in written:
            sys.modules.pop(name, None)
        importlib.invalidate_caches()
        return code_version(getattr(importlib.import_module(module), func))

    yield write, tag
    for name in written:
        sys.modules.pop(name, None)


_TASK = """\
from cv_kern import step


def point(n, seed):
    return {"y": step(n) + seed}


def theory_curve(x):
    return 2 * x
"""
_KERN = """\
SCALE = 3


def _inner(x):
    return x * SCALE


def step(x):
    return _inner(x) + 1


def unrelated():
    return 0
"""
# the same code after a refactor: step, _inner and SCALE moved to another module,
# reached through ``import m`` + ``m.step``, reformatted, documented, annotated
_TASK_MOVED = '''\
"""Task module, after the move."""
import cv_moved as kernels


def point(n: int, seed: int) -> dict:
    """One point (docstring added)."""
    # comment added
    return {
        "y": kernels.step(n) + seed,
    }
'''
_MOVED = '''\
"""The kernels' new home."""
from __future__ import annotations

SCALE: int = 3  # a constant


def step(x: float) -> float:
    """One step."""
    return (_inner(x)
            + 1)


def _inner(x: float) -> float:
    return x*SCALE
'''


def test_code_version_survives_move_reformatting_and_docs(point_modules):
    """(a) Moving the functions a point reaches to another module, importing them
    another way, reformatting them and changing docstrings, comments and type
    hints keeps the tag; the unrelated rest of both modules does not count."""
    write, tag = point_modules
    write({"cv_task.py": _TASK, "cv_kern.py": _KERN})
    v0 = tag("cv_task", "point")
    write({"cv_task.py": _TASK_MOVED, "cv_moved.py": _MOVED, "cv_kern.py": "def unrelated():\n    return 1\n"})
    assert tag("cv_task", "point") == v0
    # ``from m import f as g`` is the same code too
    write({"cv_task.py": "from cv_moved import step as stp\n\n\ndef point(n, seed):\n"
                         "    return {'y': stp(n) + seed}\n"})
    assert tag("cv_task", "point") == v0
    # but a change of what the code does is not
    write({"cv_moved.py": _MOVED.replace("+ 1)", "+ 2)")})
    assert tag("cv_task", "point") != v0


@pytest.mark.parametrize("edit", [
    ("cv_kern.py", "SCALE = 3", "SCALE = 4"),  # (b) a constant used two calls deep, in another module
    ("cv_kern.py", "x * SCALE", "x * SCALE - 1"),  # (c) one line of a helper two calls deep
    ("cv_kern.py", "_inner(x) + 1", "_inner(x) + 1.0"),  # the helper it calls directly
    ("cv_task.py", "step(n) + seed", "step(n) - seed"),  # the point function itself
])
def test_code_version_changes_with_the_code_it_reaches(point_modules, edit):
    write, tag = point_modules
    write({"cv_task.py": _TASK, "cv_kern.py": _KERN})
    v0 = tag("cv_task", "point")
    name, old, new = edit
    text = {"cv_task.py": _TASK, "cv_kern.py": _KERN}[name]
    assert old in text
    write({name: text.replace(old, new)})
    assert tag("cv_task", "point") != v0


def test_code_version_ignores_unrelated_code(point_modules):
    """(d) Unrelated functions in the same modules (the task's theory curve, another kernel) do not count."""
    write, tag = point_modules
    write({"cv_task.py": _TASK, "cv_kern.py": _KERN})
    v0 = tag("cv_task", "point")
    write({"cv_task.py": _TASK.replace("2 * x", "3 * x") + "\n\nEXTRA = 1\n",
           "cv_kern.py": _KERN.replace("return 0", "return 42")})
    assert tag("cv_task", "point") == v0
    assert tag("cv_task", "theory_curve") != v0


def test_code_version_of_numba_kernels_covers_decorator_options(point_modules):
    write, tag = point_modules
    kern = "import numba\n\n\n@numba.njit(cache=False)\ndef kernel(x):\n    return x + 1\n"
    write({"cv_task.py": "from cv_nb import kernel\n\n\ndef point(n, seed):\n    return {'y': kernel(n)}\n",
           "cv_nb.py": kern})
    v0 = tag("cv_task", "point")
    write({"cv_nb.py": kern.replace("cache=False", "cache=False, fastmath=True")})
    assert tag("cv_task", "point") != v0
    write({"cv_nb.py": kern.replace("x + 1", "x + 2")})
    assert tag("cv_task", "point") != v0
    write({"cv_nb.py": kern.replace("(x)", "(x: float)").replace("    return", "    # c\n    return")})
    assert tag("cv_task", "point") == v0


def test_code_version_methods_are_the_class_body(point_modules):
    write, tag = point_modules
    kern = "class Chain:\n    def __init__(self, n):\n        self.n = n\n\n    def run(self):\n        return self.n\n"
    write({"cv_task.py": "from cv_cls import Chain\n\n\ndef point(n, seed):\n    return {'y': Chain(n).run()}\n",
           "cv_cls.py": kern})
    v0 = tag("cv_task", "point")
    write({"cv_cls.py": kern.replace("return self.n", "return 2 * self.n")})
    assert tag("cv_task", "point") != v0


@pytest.mark.parametrize("task", [
    # a module used as an object, not as ``m.f``
    "import cv_kern\n\n\ndef point(n, seed):\n    return {'y': getattr(cv_kern, 'step')(n)}\n",
    # a name the module does not bind (optional import)
    "try:\n    from cv_kern import fast_step\nexcept ImportError:\n    fast_step = None\n\n\n"
    "def point(n, seed):\n    return {'y': fast_step}\n",
])
def test_code_version_falls_back_to_the_whole_module(point_modules, task):
    """What cannot be resolved hashes the whole module it points to (never nothing)."""
    write, tag = point_modules
    write({"cv_task.py": task, "cv_kern.py": _KERN})
    v0 = tag("cv_task", "point")
    write({"cv_kern.py": _KERN.replace("return 0", "return 42")})
    assert tag("cv_task", "point") != v0


def test_code_version_of_a_lambda_hashes_its_module(point_modules):
    write, tag = point_modules
    task = "from cv_kern import step\n\npoint = lambda n, seed: {'y': step(n)}\n\n\ndef other():\n    return 1\n"
    write({"cv_task.py": task, "cv_kern.py": _KERN})
    v0 = tag("cv_task", "point")
    write({"cv_task.py": task.replace("return 1", "return 2")})
    v1 = tag("cv_task", "point")
    assert v1 != v0
    write({"cv_kern.py": _KERN.replace("SCALE = 3", "SCALE = 4")})
    assert tag("cv_task", "point") != v1  # and what the module uses


@pytest.fixture
def fake_project(tmp_path, monkeypatch):
    """``make(files) -> module``: a throw-away theory/simulate/validate tree under
    ``tmp_path`` (``{"pkg/mod.py": text}``) that :mod:`validate.store` takes as the
    project; returns the imported ``validate.task``."""
    import importlib

    import validate.store as vs

    def make(files: dict[str, str]):
        for pkg in ("theory", "simulate", "validate"):
            (tmp_path / pkg).mkdir()
            (tmp_path / pkg / "__init__.py").write_text("")
        for path, text in files.items():
            (tmp_path / path).write_text(text)
        monkeypatch.setattr(vs, "__file__", str(tmp_path / "validate" / "store.py"))
        monkeypatch.syspath_prepend(str(tmp_path))
        for name in [m for m in sys.modules if m.split(".")[0] in ("theory", "simulate", "validate")]:
            monkeypatch.delitem(sys.modules, name)
        return importlib.import_module("validate.task")

    return make


def test_code_version_follows_project_imports_transitively(tmp_path, fake_project):
    """The tag changes when a definition the task reaches through another project
    module (a re-export in a package ``__init__``) changes, and not when an
    unrelated or a neutral (storage/reporting) module changes."""
    import validate.store as vs

    task_src = ("from simulate import algo\nfrom . import store\n\n"
                "def point(params, seed):\n    return {'x': algo.X, 's': store.Z}\n")
    task = fake_project({"theory/kern.py": "X = 1\n", "simulate/algo.py": "from theory import X\n",
                         "theory/__init__.py": "from .kern import X\n",
                         "simulate/other.py": "Y = 2\n", "validate/store.py": "Z = 3\n", "validate/task.py": task_src})
    v0 = vs.code_version(task.point)
    (tmp_path / "simulate" / "other.py").write_text("Y = 20\n")
    (tmp_path / "validate" / "store.py").write_text("Z = 30\n")
    assert vs.code_version(task.point) == v0  # unrelated and neutral modules
    (tmp_path / "theory" / "kern.py").write_text("X = 2\n")
    assert vs.code_version(task.point) != v0  # a dependency of a dependency


def test_code_version_is_per_function(tmp_path, fake_project):
    """The tag covers the point function, what it uses of its own module
    (helpers, constants, the imports binding its names, imports inside it) and
    the definitions behind those; the rest of the module (theory curves,
    figures) and modules only the rest imports do not count."""
    import validate.store as vs

    task_src = ("import numpy as np\nfrom simulate import algo\nfrom simulate.star import *\n"
                "try:\n    from simulate.opt import O\nexcept ImportError:\n    O = 0\n"
                "from theory.curve import C\n\nK = 3\nK += 0\n\n"
                "def _helper(x):\n    return x * K\n\n"
                "def point(n, seed):\n    from simulate.local import L\n"
                "    return {'v': _helper(algo.A + L + n + O + S)}\n\n"
                "def theory_curve():\n    return C\n")
    task = fake_project({"theory/curve.py": "C = 1\n", "simulate/algo.py": "A = 1\n", "simulate/local.py": "L = 1\n",
                         "simulate/star.py": "S = 1\nT = 1\n", "simulate/opt.py": "O = 1\n", "validate/store.py": "",
                         "validate/task.py": task_src})

    def tag():
        return vs.code_version(task.point)  # reads the files anew each time

    v0 = tag()
    (tmp_path / "validate" / "task.py").write_text(task_src.replace("return C", "return 2 * C"))
    (tmp_path / "theory" / "curve.py").write_text("C = 2\n")
    (tmp_path / "simulate" / "star.py").write_text("S = 1\nT = 2\n")
    assert tag() == v0  # the rest of the module, what only it imports, an unused name of a star import
    for path, text in [("validate/task.py", task_src.replace("x * K", "x * K + 1")),  # a helper
                       ("validate/task.py", task_src.replace("K = 3", "K = 4")),  # a constant
                       ("validate/task.py", task_src.replace("K += 0", "K += 1")),  # ... rebound later
                       ("simulate/star.py", "S = 2\nT = 2\n"),  # a name from a star import
                       ("simulate/opt.py", "O = 2\n"),  # an optional import in a top-level try block
                       ("validate/task.py", task_src.replace("O = 0", "O = -1")),  # ... and its fallback
                       ("simulate/algo.py", "A = 2\n"),  # a module-level import
                       ("simulate/local.py", "L = 2\n")]:  # an import inside the function
        old = (tmp_path / path).read_text()
        (tmp_path / path).write_text(text)
        assert tag() != v0, path
        (tmp_path / path).write_text(old)
        assert tag() == v0


def test_two_processes_write_one_file_concurrently(tmp_path):
    import _sweep_funcs

    path = str(tmp_path / "conc.sqlite")
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_sweep_funcs.write_points, args=(path, off, 200, 30, barrier))
             for off in (0, 1000)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    with ResultStore(path) as s:
        assert s.integrity_check() == "ok"
        recs = s.records("conc", "v1")
        own = sorted(r["i"] for r in recs if r["i"] >= 0)
        assert own == list(range(200)) + list(range(1000, 1200))
        for r in recs:
            if r["i"] >= 0:
                assert r["result"] == {"who": 0 if r["i"] < 1000 else 1000, "val": (r["i"] % 1000) / 7}
                assert r["seed"] == (r["i"] % 1000) % 3
        shared = [r for r in recs if r["i"] < 0]
        assert len(shared) == 30 and all(r["result"]["who"] in (0, 1000) for r in shared)
        # the test is only meaningful if the two writers' commits really interleaved
        who = [w for (w,) in s.conn.execute(
            "SELECT json_extract(result, '$.who') FROM results WHERE json_extract(result, '$.val') "
            "IS NOT NULL ORDER BY created")]
        switches = sum(a != b for a, b in zip(who, who[1:]))
        assert switches >= 10, f"writers did not overlap ({switches} switches)"
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
