"""Saddle-point solver framework: convergence, failure detection, continuation."""
import dataclasses
import json
import math

import numpy as np
import pytest

from theory.core import ComputationError, ConvergenceError, converge, span


def cosine_map(v):
    return {"x": np.cos(v["x"]), "y": 0.5 * v["y"] + 1.0}


@pytest.mark.parametrize("method", ["iterate", "hybr", "anderson", "auto"])
def test_converges_to_known_fixed_point(method):
    res = converge(cosine_map, {"x": 0.0, "y": 0.0}, tol=1e-12, method=method)
    assert res.converged, res.message
    assert res["x"] == pytest.approx(0.7390851332151607, abs=1e-10)
    assert res["y"] == pytest.approx(2.0, abs=1e-10)
    assert res.residual < 1e-12
    assert res.iterations > 0 and res.wall_time >= 0


def test_newton_is_not_a_converge_method():
    """'newton' is the analytic-Jacobian solver (theory.core.solver.newton) only; converge's root finder is 'hybr'."""
    with pytest.raises(ValueError, match="hybr"):
        converge(cosine_map, {"x": 0.0, "y": 0.0}, method="newton")
    with pytest.raises(ValueError, match="method must be one of"):
        converge(cosine_map, {"x": 0.0, "y": 0.0}, method="powell")


def test_adaptive_damping_rescues_an_oscillating_map():
    # x -> -2x + 3 diverges undamped (slope -2) but has the fixed point 1
    undamped = converge(lambda v: {"x": -2 * v["x"] + 3}, {"x": 0.3}, adaptive=False, maxiter=200)
    assert not undamped.converged
    res = converge(lambda v: {"x": -2 * v["x"] + 3}, {"x": 0.3}, adaptive=True)
    assert res.converged and res["x"] == pytest.approx(1.0, abs=1e-9)


def test_chaotic_map_is_reported_not_returned_silently():
    res = converge(lambda v: {"x": 3.9 * v["x"] * (1 - v["x"])}, {"x": 0.3}, adaptive=False, maxiter=3000)
    assert not res.converged
    assert "stalled" in res.message or "cap" in res.message


def test_nan_is_detected():
    with np.errstate(invalid="ignore"):
        res = converge(lambda v: {"x": np.log(v["x"])}, {"x": 0.3})
    assert not res.converged
    assert "non-finite" in res.message
    assert all(math.isfinite(x) for x in res.values.values())


def test_iteration_cap_and_strict_mode():
    slow = lambda v: {"x": 0.999 * v["x"] + 0.001}
    res = converge(slow, {"x": 0.0}, maxiter=10)
    assert not res.converged and "cap" in res.message and res.iterations == 10
    with pytest.raises(ConvergenceError) as info:
        converge(slow, {"x": 0.0}, maxiter=10, strict=True)
    err = info.value
    assert isinstance(err, ComputationError)
    assert len(err.residuals) == 10 and "x" in err.last


def test_result_is_frozen_and_json():
    res = converge(cosine_map, {"x": 0.0, "y": 0.0})
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.converged = False
    d = json.loads(res.to_json())
    assert d["converged"] is True and set(d["values"]) == {"x", "y"}
    assert "history" not in d
    flat = res.flat()
    assert flat["x"] == res["x"] and flat["converged"]


def test_bad_solver_arguments():
    with pytest.raises(ValueError, match="method"):
        converge(cosine_map, {"x": 0.0, "y": 0.0}, method="magic")
    with pytest.raises(ValueError, match="damping"):
        converge(cosine_map, {"x": 0.0, "y": 0.0}, damping=1.0)
    with pytest.raises(ValueError, match="init"):
        converge(cosine_map, {"x": np.nan, "y": 0.0})


def _solve_fold(p, init):
    """x = a + x^2 / 4 ... has a fixed point only for a <= 1 (fold at a = 1)."""
    a = p["a"]
    start = init or {"x": 0.0}
    return converge(lambda v: {"x": a + 0.25 * v["x"] ** 2}, start, maxiter=3000, method="iterate")


def test_span_warm_starts_and_records_failures():
    path = [{"a": a} for a in np.linspace(0.0, 1.2, 13)]
    curve = span(_solve_fold, path)
    recs = curve.to_records()
    assert len(recs) == 13
    ok = [r for r in recs if r["converged"]]
    bad = curve.failed
    # below the fold the stable root is 2 - 2 sqrt(1 - a)
    for r in ok:
        if r["a"] < 0.95:
            assert r["x"] == pytest.approx(2 - 2 * math.sqrt(1 - r["a"]), abs=1e-7)
    # a = 1 is the fold itself (marginal: critical slowing down), beyond it no root
    assert all(p.params["a"] >= 1.0 - 1e-12 for p in bad)
    assert len(bad) >= 2
    assert all(p.message for p in bad)
    assert np.isnan(curve.column("nonexistent")).all()


def test_span_step_halving_recovers():
    calls = []

    def solve(p, init):
        calls.append(p["t"])
        start = init["x"] if init else 0.0
        # converges only when warm-started within 0.3 of the target root x = t
        ok = abs(start - p["t"]) < 0.3
        from theory.core import SolverResult
        return SolverResult(values={"x": p["t"] if ok else start}, residual=0.0 if ok else 1.0, iterations=1,
                            converged=ok, wall_time=0.0, method="test", message="" if ok else "too far")

    curve = span(solve, [{"t": 0.0}, {"t": 1.0}], max_halvings=3)
    assert [p.converged for p in curve.points] == [True, True]
    assert curve.points[1].halvings >= 2


# --------------------------------------------------------------------------- newton (analytic Jacobian)
def _circle_line(y):
    """x^2 + y^2 = 4 and x = y: root (sqrt 2, sqrt 2); the 'map' residual G is the step -J^-1 R."""
    R = np.array([y[0] ** 2 + y[1] ** 2 - 4.0, y[0] - y[1]])
    J = np.array([[2 * y[0], 2 * y[1]], [1.0, -1.0]])
    return R, J, -np.linalg.solve(J, R), "payload"


def test_newton_converges_quadratically_with_the_analytic_jacobian():
    from theory.core import newton

    r = newton(_circle_line, [3.0, 1.0], tol=1e-13)
    assert r.converged and r.message == "converged" and r.aux == "payload"
    np.testing.assert_allclose(r.x, [math.sqrt(2.0)] * 2, rtol=0, atol=1e-13)
    assert r.iterations <= 7  # quadratic: from distance ~1 to 1e-13 in a handful of steps
    assert r.to_dict()["converged"] is True


def test_newton_keeps_the_box_and_rejects_points_the_model_cannot_compute():
    """R = log x - log a on x > 0: the full Newton step from x = 10a leaves the domain; the
    fraction-to-boundary rule keeps every iterate positive, and the model's ComputationError
    for x <= 0 is never hit."""
    from theory.core import ComputationError, newton

    a = 1e-3
    seen = []

    def fun(y):
        seen.append(float(y[0]))
        if y[0] <= 0:
            raise ComputationError("log of a non-positive number")
        R = np.array([math.log(y[0]) - math.log(a)])
        return R, np.array([[1.0 / y[0]]]), -R * y[0], None

    r = newton(fun, [10.0 * a + 5.0], lower=[0.0], tol=1e-12, maxiter=60)
    assert r.converged, r.message
    assert abs(r.x[0] - a) < 1e-12 * max(1.0, a) * 10
    assert min(seen) > 0


def test_newton_reports_failure_instead_of_raising():
    from theory.core import ComputationError, newton

    def no_root(y):  # x^2 + 1 = 0 has no real root
        R = np.array([y[0] ** 2 + 1.0])
        return R, np.array([[2.0 * y[0]]]), -R / (2.0 * y[0] if y[0] else 1.0), None

    r = newton(no_root, [0.3], maxiter=40)
    assert not r.converged and r.message and r.iterations <= 40

    def broken(y):
        raise ComputationError("cannot evaluate here")

    r = newton(broken, [1.0])
    assert not r.converged and "cannot evaluate" in r.message and r.aux is None
