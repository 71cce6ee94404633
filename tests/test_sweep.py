"""validate.sweep: determinism across backends, resumption after SIGKILL, failures, Dask."""
from __future__ import annotations

import collections
import contextlib
import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import _sweep_funcs as funcs  # noqa: E402

from theory.core import to_jsonable  # noqa: E402
from validate.store import ResultStore  # noqa: E402
from validate.sweep import SweepError, SweepTable, grid, options, run_sweep  # noqa: E402

NOISY_POINTS = grid(x=[0.0, 0.5, 2.0, -1.0], n=[2, 3])
META = ("wall_time", "cached")


def content(table: SweepTable) -> str:
    """Everything in the table except timings and cache flags, as JSON (NaN-safe comparison)."""
    return json.dumps(to_jsonable(table.to_records(drop=META)), allow_nan=False)


def expected_noisy_rows(points, seeds) -> list[dict]:
    """Rows built by hand from direct calls (independent of the sweep code)."""
    rows = []
    for p in points:
        for s in seeds:
            r = funcs.noisy_point(**p, seed=s)
            rows.append({
                **p, "seed": s, "mean": r["mean"], "draws": r["draws"].tolist(), "count": int(r["count"]),
                "log_x": r["log_x"], "result.x": r["x"], "info": r["info"],
            })
    return rows


def same(a, b) -> bool:
    return json.dumps(to_jsonable(a), allow_nan=False) == json.dumps(to_jsonable(b), allow_nan=False)


# --------------------------------------------------------------------------- grid / table


def test_grid_order_and_fixed_values():
    assert grid(a=[1, 2], b=("x", "y"), c=0.5) == [
        {"a": 1, "b": "x", "c": 0.5}, {"a": 1, "b": "y", "c": 0.5},
        {"a": 2, "b": "x", "c": 0.5}, {"a": 2, "b": "y", "c": 0.5}]
    assert grid(n=np.arange(2)) == [{"n": 0}, {"n": 1}]
    with pytest.raises(ValueError, match="'a'"):
        grid(a=[])


def test_inline_sweep_matches_direct_calls_and_table_api():
    seeds = (0, 7)
    t = run_sweep(funcs.noisy_point, NOISY_POINTS, task="noisy", seeds=seeds, workers=1, progress=False)
    assert (t.n_computed, t.n_cached, t.failed) == (16, 0, ())
    assert same(t.to_records(drop=META), expected_noisy_rows(NOISY_POINTS, seeds))
    assert all(r["cached"] is False and r["wall_time"] >= 0 for r in t.rows)
    # the result field "x" collides with the parameter and is prefixed; others are not
    assert "result.x" in t.columns and "mean" in t.columns and "result.mean" not in t.columns
    log_x = t.column("log_x")
    assert log_x.dtype == float and np.isnan(log_x[-1]) and log_x[0] == -np.inf
    draws = t.column("draws")  # ragged (n = 2 or 3): an object array of lists
    assert draws.dtype == object and draws.shape == (16,) and draws[1] == t.rows[1]["draws"]
    # fresh results went through the store's JSON round trip, like loaded ones
    assert type(t.rows[0]["draws"]) is list and type(t.rows[0]["count"]) is int
    assert list(t.column("seed")) == [0, 7] * 8
    with pytest.raises(KeyError, match="nope"):
        t.column("nope")
    d = json.loads(t.to_json())
    assert d["task"] == "noisy" and len(d["rows"]) == 16 and d["rows"][-1]["log_x"] == "nan"
    df = t.to_dataframe()
    assert len(df) == 16 and list(df.columns) == t.columns
    assert "16 computed" in str(t)


def test_unseeded_points_call_func_without_seed():
    t = run_sweep(funcs.dies_on, [{"x": 3}, {"x": 4}], task="u", workers=1, progress=False)
    assert [r["y"] for r in t.rows] == [3, 4] and t.rows[0]["seed"] is None
    with pytest.warns(RuntimeWarning, match="failed"):
        t = run_sweep(funcs.dies_on, [{"x": 3}], task="u", seeds=(1,), workers=1, progress=False)
    assert t.failed[0].error_type == "TypeError" and "seed" in t.failed[0].message


def test_pool_inline_and_store_give_the_same_table(tmp_path):
    seeds = (0, 1)
    inline = run_sweep(funcs.noisy_point, NOISY_POINTS, task="noisy", seeds=seeds, workers=1, progress=False)
    with ResultStore(tmp_path / "s.sqlite") as st:
        pooled = run_sweep(funcs.noisy_point, NOISY_POINTS, task="noisy", seeds=seeds, store=st,
                           workers=2, progress=False)
        assert (pooled.n_computed, pooled.n_cached) == (16, 0)
        assert st.count("noisy") == 16
        loaded = run_sweep(funcs.noisy_point, NOISY_POINTS, task="noisy", seeds=seeds, store=st,
                           workers=2, progress=False)
    assert (loaded.n_computed, loaded.n_cached) == (0, 16) and all(r["cached"] for r in loaded.rows)
    assert content(inline) == content(pooled) == content(loaded)
    assert [r["wall_time"] for r in loaded.rows] == [r["wall_time"] for r in pooled.rows]
    # a store given by path, and a different code version, recompute
    other = run_sweep(funcs.noisy_point, NOISY_POINTS[:2], task="noisy", seeds=seeds,
                      store=tmp_path / "s.sqlite", code_version="other", workers=1, progress=False)
    assert other.n_computed == 4 and content(other) == json.dumps(
        to_jsonable(inline.to_records(drop=META)[:4]), allow_nan=False)


def test_rows_follow_points_not_completion_order_and_duplicates_run_once(tmp_path):
    pts = [{"x": 3}, {"x": 1}, {"x": 3}, {"x": 0}]
    t = run_sweep(funcs.fails_on, pts, task="dup", seeds=(2, 1), workers=2, progress=False)
    assert [(r["x"], r["seed"]) for r in t.rows] == [(3, 2), (3, 1), (1, 2), (1, 1), (3, 2), (3, 1), (0, 2), (0, 1)]
    assert [r["y"] for r in t.rows] == [6, 3, 2, 1, 6, 3, 0, 0]
    assert t.n_computed == 6


def test_failures_are_reported_not_stored_and_retried(tmp_path, monkeypatch):
    pts = grid(x=list(range(8)))
    path = tmp_path / "f.sqlite"
    monkeypatch.setenv("SWEEP_FAIL_X", "3")
    with pytest.warns(RuntimeWarning, match="2 of 16 points failed"):
        t1 = run_sweep(funcs.fails_on, pts, task="f", seeds=(1, 2), store=path, workers=2, progress=False)
    assert [(f.params, f.seed, f.error_type, f.message) for f in t1.failed] == [
        ({"x": 3}, 1, "ValueError", "bad point x=3"), ({"x": 3}, 2, "ValueError", "bad point x=3")]
    assert "fails_on" in t1.failed[0].traceback
    assert [(r["x"], r["seed"], r["y"]) for r in t1.rows] == [
        (x, s, x * s) for x in range(8) if x != 3 for s in (1, 2)]
    with ResultStore(path) as st:
        assert st.count("f") == 14 and not st.has("f", {"x": 3}, 1, t1.code_version)
    with pytest.raises(SweepError, match="bad point x=3") as err:
        run_sweep(funcs.fails_on, pts, task="f", seeds=(1, 2), store=path, workers=1, progress=False,
                  raise_on_error=True)
    assert err.value.table.n_cached == 14 and len(err.value.table.failed) == 2
    monkeypatch.delenv("SWEEP_FAIL_X")
    t2 = run_sweep(funcs.fails_on, pts, task="f", seeds=(1, 2), store=path, workers=2, progress=False)
    assert (t2.n_cached, t2.n_computed, t2.failed) == (14, 2, ())  # only the failed points ran
    fresh = run_sweep(funcs.fails_on, pts, task="f", seeds=(1, 2), workers=1, progress=False)
    assert content(t2) == content(fresh)


def test_bad_results_and_dead_workers_become_failures(tmp_path):
    with pytest.warns(RuntimeWarning):
        t = run_sweep(funcs.not_a_dict, [{"x": 1}], task="nd", workers=1, progress=False)
    assert t.failed[0].error_type == "TypeError" and "dict" in t.failed[0].message and not t.rows
    path = tmp_path / "d.sqlite"
    with pytest.warns(RuntimeWarning):
        t = run_sweep(funcs.dies_on, grid(x=list(range(6))), task="die", store=path, workers=2, progress=False)
    failed = {f.params["x"]: f.error_type for f in t.failed}
    assert failed.get(2) == "BrokenProcessPool"
    assert sorted([r["x"] for r in t.rows] + list(failed)) == list(range(6))
    with ResultStore(path) as st:
        assert sorted(r["x"] for r in st.records("die")) == sorted(r["x"] for r in t.rows)


def test_argument_checks_and_options():
    with pytest.raises(TypeError, match="top-level"):
        run_sweep(lambda x: {"y": x}, [{"x": 1}, {"x": 2}], task="l", workers=2, progress=False)
    with options(workers=1):  # a lambda is fine inline
        t = run_sweep(lambda x: {"y": x}, [{"x": 1}], task="l", progress=False)
    assert t.rows[0]["y"] == 1
    with pytest.raises(TypeError, match="unknown"):
        with options(worker=1):
            pass
    with pytest.raises(TypeError, match="list of parameter dicts"):
        run_sweep(funcs.fails_on, {"x": 1}, task="l", workers=1)
    with pytest.raises(ValueError, match="seeds"):
        run_sweep(funcs.fails_on, [{"x": 1}], task="l", seeds=(-1,), workers=1)
    with pytest.raises(ValueError, match="NaN"):
        run_sweep(funcs.fails_on, [{"x": math.nan}], task="l", workers=1)
    with pytest.raises(ValueError, match="reserved"):
        run_sweep(funcs.fails_on, [{"x": 1, "seed": 2}], task="l", workers=1)


def test_progress_bar_only_when_asked(capsys):
    run_sweep(funcs.fails_on, grid(x=[1, 2]), task="p", workers=1, progress=True, desc="mybar")
    assert "mybar" in capsys.readouterr().err
    run_sweep(funcs.fails_on, grid(x=[1, 2]), task="p", workers=1)  # stderr is not a TTY here
    run_sweep(funcs.fails_on, grid(x=[1, 2]), task="p", workers=1, progress=False)
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------- SIGKILL and resume

SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path

    import _sweep_funcs
    from validate.sweep import grid, run_sweep

    if __name__ == "__main__":
        store, out = sys.argv[1], sys.argv[2]
        table = run_sweep(_sweep_funcs.slow_logged, grid(x=list(range(20))), task="slow", seeds=(0, 1),
                          store=store, workers=2, progress=False)
        Path(out).write_text(table.to_json())
""")


def _stored_count(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        con = sqlite3.connect(path, timeout=1)
        try:
            return con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def _run_script(tmp_path: Path, store: Path, out: Path, log: Path, **popen) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(TESTS)]), "SWEEP_LOG": str(log)}
    return subprocess.Popen([sys.executable, str(tmp_path / "sweep_script.py"), str(store), str(out)],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def _calls(log: Path) -> list[tuple[int, int]]:
    if not log.exists():
        return []
    return [tuple(map(int, line.split())) for line in log.read_text().splitlines()]


def test_sigkilled_sweep_resumes_without_recomputing(tmp_path):
    (tmp_path / "sweep_script.py").write_text(SCRIPT)
    store, log = tmp_path / "store.sqlite", tmp_path / "calls.log"
    all_points = {(x, s) for x in range(20) for s in (0, 1)}

    proc = _run_script(tmp_path, store, tmp_path / "out1.json", log, start_new_session=True)
    deadline = time.monotonic() + 60
    while _stored_count(store) < 10 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # the parent and its pool workers (own process group)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL, f"sweep ended before it was killed:\n{err.decode()}"
    time.sleep(0.2)  # a worker caught inside write() finishes that write before dying

    with ResultStore(store) as st:
        assert st.integrity_check() == "ok"
        stored = {(r["x"], r["seed"]) for r in st.records("slow")}
    calls_1 = _calls(log)
    assert 10 <= len(stored) < 40, "the kill must interrupt the sweep"
    assert stored <= set(calls_1)

    proc = _run_script(tmp_path, store, tmp_path / "out2.json", log)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    resumed = json.loads((tmp_path / "out2.json").read_text())
    calls_2 = _calls(log)[len(calls_1):]
    assert (resumed["n_cached"], resumed["n_computed"]) == (len(stored), 40 - len(stored))
    # the second run computed exactly the points missing from the store, once each
    assert sorted(calls_2) == sorted(all_points - stored)
    # every point stored before the kill was computed exactly once in total
    counts = collections.Counter(_calls(log))
    assert all(counts[p] == 1 for p in stored)

    fresh_log = tmp_path / "fresh.log"
    proc = _run_script(tmp_path, tmp_path / "fresh.sqlite", tmp_path / "out3.json", fresh_log)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    fresh = json.loads((tmp_path / "out3.json").read_text())
    assert fresh["n_computed"] == 40 and sorted(_calls(fresh_log)) == sorted(all_points)

    def strip(rows):
        return [{k: v for k, v in r.items() if k not in META} for r in rows]

    assert strip(resumed["rows"]) == strip(fresh["rows"])
    assert [(r["x"], r["seed"]) for r in resumed["rows"]] == [(x, s) for x in range(20) for s in (0, 1)]
    assert resumed["code_version"] == fresh["code_version"]


# --------------------------------------------------------------------------- Dask


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield client


def test_dask_gives_the_same_table_as_the_pool(dask_client, tmp_path):
    seeds = (0, 3)
    pooled = run_sweep(funcs.noisy_point, NOISY_POINTS, task="noisy", seeds=seeds, workers=2, progress=False)
    on_client = run_sweep(funcs.noisy_point, NOISY_POINTS, task="noisy", seeds=seeds,
                          scheduler=dask_client, store=tmp_path / "d.sqlite", progress=False)
    assert on_client.n_computed == 16
    by_address = run_sweep(funcs.noisy_point, NOISY_POINTS, task="noisy", seeds=seeds,
                           scheduler=dask_client.scheduler.address, progress=False)
    with options(scheduler=dask_client.scheduler.address):
        loaded = run_sweep(funcs.noisy_point, NOISY_POINTS, task="noisy", seeds=seeds,
                           store=tmp_path / "d.sqlite", progress=False)
    assert loaded.n_cached == 16
    assert content(pooled) == content(on_client) == content(by_address) == content(loaded)
    with pytest.warns(RuntimeWarning):
        bad = run_sweep(funcs.not_a_dict, [{"x": 1}], task="nd", scheduler=dask_client, progress=False)
    assert bad.failed[0].error_type == "TypeError"
