"""Top-level functions for the sweep/store tests; worker processes import this module.

The tests put ``tests/`` on ``sys.path`` (spawned pool and Dask workers inherit
it; subprocesses get it through ``PYTHONPATH``), so the module is imported as
``_sweep_funcs``.
"""
from __future__ import annotations

import math
import os
import time

import numpy as np

from validate.store import ResultStore


def noisy_point(x: float, n: int = 3, seed: int | None = None) -> dict:
    """Deterministic in (x, n, seed); also returns NaN/inf, an array and a nested dict."""
    rng = np.random.default_rng(seed if seed is not None else 12345)
    draws = rng.normal(size=n)
    return {
        "mean": float(x + draws.mean()),
        "draws": draws,                                  # numpy array -> list
        "count": np.int64(n),                            # numpy scalar -> int
        "log_x": math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan),
        "x": x * 2,                                      # collides with the parameter name
        "info": {"pid_free": True, "third": 1 / 3},
    }


def fails_on(x: int, seed: int | None = None) -> dict:
    """Raises for x == int($SWEEP_FAIL_X); otherwise returns x * seed."""
    if str(x) == os.environ.get("SWEEP_FAIL_X"):
        raise ValueError(f"bad point x={x}")
    return {"y": x * (seed if seed is not None else 1)}


def dies_on(x: int) -> dict:
    """Kills its worker process for x == 2 (to check a broken pool doesn't hang the sweep)."""
    if x == 2:
        os._exit(3)
    time.sleep(0.05)
    return {"y": x}


def not_a_dict(x: int) -> float:
    return float(x)


def slow_logged(x: int, seed: int | None = None) -> dict:
    """Sleeps 0.1 s and appends one line per *call* to $SWEEP_LOG (recomputation shows up)."""
    with open(os.environ["SWEEP_LOG"], "a") as fh:
        fh.write(f"{x} {seed}\n")
    time.sleep(0.1)
    rng = np.random.default_rng([x, seed])
    return {"value": float(rng.random()), "sq": x * x}


def write_points(path: str, offset: int, n: int, shared: int, barrier=None) -> None:
    """Writer process for the concurrency test: n own points, then ``shared`` common ones.

    Waits at ``barrier`` (if given) so that both writers start together, and
    pauses 1 ms between commits so that their transactions interleave.
    """
    if barrier is not None:
        barrier.wait(60)
    with ResultStore(path) as st:
        for i in range(n):
            st.put("conc", {"i": offset + i}, i % 3, "v1", {"who": offset, "val": i / 7}, 0.001)
            time.sleep(0.001)
        for i in range(shared):
            st.put("conc", {"i": -1 - i}, None, "v1", {"who": offset}, 0.001)
