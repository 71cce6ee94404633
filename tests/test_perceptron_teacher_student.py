"""Teacher-student RS theory of the Ising perceptron (theory/perceptron/teacher_student.py, docs/teacher_student.md)."""
from __future__ import annotations

import json
import math

import mpmath
import pytest

from theory.__main__ import GROUPS
from theory.core import ConvergenceError
from theory.core.cli import main_with_groups
from theory.perceptron import (
    solve_teacher_student,
    solve_teacher_student_general,
    teacher_student_curve,
    teacher_student_energetic,
    teacher_student_entropic,
    teacher_student_free_entropy,
    teacher_student_transition,
)


@pytest.fixture(scope="module")
def r04():
    return solve_teacher_student(0.4)


@pytest.fixture(scope="module")
def transition():
    return teacher_student_transition()


# ---------------------------------------------------------------------------
# the terms against mpmath
# ---------------------------------------------------------------------------
def _mp_terms(q, R, qhat, Rhat):
    """G_S, <tanh>, <tanh^2>, G_E and its partial derivatives at 20 digits, by mpmath quadrature."""
    with mpmath.workdps(20):
        q, R, qhat, Rhat = map(mpmath.mpf, (q, R, qhat, Rhat))

        def Hm(x):
            return mpmath.erfc(x / mpmath.sqrt(2)) / 2

        def Dz(f):
            return mpmath.quad(lambda z: mpmath.npdf(z) * f(z), [-mpmath.inf, 0, mpmath.inf])

        c = mpmath.sqrt(qhat)
        GS = Dz(lambda z: mpmath.log(2 * mpmath.cosh(c * z + Rhat)))
        m1 = Dz(lambda z: mpmath.tanh(c * z + Rhat))
        m2 = Dz(lambda z: mpmath.tanh(c * z + Rhat) ** 2)

        def GE(q, R):
            k = mpmath.sqrt(q / (1 - q))
            a = R / mpmath.sqrt(q - R * R)
            return 2 * Dz(lambda z: Hm(-a * z) * mpmath.log(Hm(-k * z)))

        ge = GE(q, R)
        dq = mpmath.diff(lambda x: GE(x, R), q)
        dR = mpmath.diff(lambda x: GE(q, x), R)
        dline = mpmath.diff(lambda x: GE(x, x), q)
        return {k: float(v) for k, v in dict(G_S=GS, R=m1, q=m2, G_E=ge, dG_dq=dq, dG_dR=dR, dg=dline).items()}


def test_terms_against_mpmath():
    q, R, qhat, Rhat = 0.45, 0.3, 0.7, 0.5
    ref = _mp_terms(q, R, qhat, Rhat)
    S = teacher_student_entropic(qhat, Rhat, 32)
    E = teacher_student_energetic(q, R, 32)
    assert S.G_S == pytest.approx(ref["G_S"], abs=1e-13)
    assert S.R == pytest.approx(ref["R"], abs=1e-13)
    assert S.q == pytest.approx(ref["q"], abs=1e-13)
    assert E.G_E == pytest.approx(ref["G_E"], abs=1e-13)
    assert E.dG_dq == pytest.approx(ref["dG_dq"], rel=1e-10)
    assert E.dG_dR == pytest.approx(ref["dG_dR"], rel=1e-10)
    line = teacher_student_energetic(q, None, 32)   # closed form of d G_E(q, q)/dq
    assert line.dg_dq == pytest.approx(_mp_terms(q, q, qhat, qhat)["dg"], rel=1e-10)
    assert line.dg_dq == pytest.approx(line.dG_dq + line.dG_dR, rel=1e-12)


def test_nishimori_identity_of_the_entropic_term():
    # int Dz tanh(sqrt(a) z + a) = int Dz tanh^2(sqrt(a) z + a): what makes R = q consistent
    for a in (0.05, 0.8, 3.0):
        S = teacher_student_entropic(a, a, 32)
        assert S.R == pytest.approx(S.q, abs=1e-13)
    S = teacher_student_entropic(0.8, 0.3, 32)   # off the line it fails
    assert abs(S.R - S.q) > 1e-2


# ---------------------------------------------------------------------------
# the saddle point
# ---------------------------------------------------------------------------
def test_alpha_04_row(r04):
    # independent check: scipy.quad iteration of the same equations
    from scipy import integrate, special

    def Dz(f):
        return integrate.quad(lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi) * f(z), -12, 12,
                              epsabs=1e-14, epsrel=1e-13, limit=200)[0]

    def Hs(x):
        return 0.5 * special.erfc(x / math.sqrt(2))

    def qhat_of(q):
        k = math.sqrt(q / (1 - q))
        return 2 * 0.4 / (1 - q) * Dz(lambda z: math.exp(-k * k * z * z) / (2 * math.pi) / Hs(-k * z))

    def q_of(qh):
        return Dz(lambda z: math.tanh(math.sqrt(qh) * z + qh))

    q = 0.0
    for _ in range(200):
        qh = qhat_of(q)
        q = q_of(qh)
    assert r04.converged and r04.equilibrium == "poor"
    assert r04.q == pytest.approx(q, abs=1e-10) and r04.qhat == pytest.approx(qh, abs=1e-10)
    assert r04.accuracy_gibbs == pytest.approx(1 - math.acos(q) / math.pi, abs=1e-10)
    assert r04.accuracy_bayes == pytest.approx(1 - math.acos(math.sqrt(q)) / math.pi, abs=1e-10)
    assert r04.accuracy_mpm == pytest.approx(1 - math.acos(1 - 2 * Hs(math.sqrt(qh))) / math.pi, abs=1e-10)
    # the ordering that must hold: Bayes optimal >= MPM (a particular estimator) >= Gibbs (typical student)
    assert r04.accuracy_bayes > r04.accuracy_mpm > r04.accuracy_gibbs > 0.5


@pytest.mark.parametrize("alpha", [0.4, 1.3])
def test_stationarity_in_every_variable(alpha):
    r = solve_teacher_student(alpha, order=32, error=False)
    x = {"q": r.q, "R": r.q, "qhat": r.qhat, "Rhat": r.qhat}

    def s(**kw):
        y = {**x, **kw}
        return teacher_student_free_entropy(y["q"], y["qhat"], alpha, R=y["R"], Rhat=y["Rhat"], order=32)

    assert s() == pytest.approx(r.entropy, abs=1e-12)
    h = 1e-5
    for name, v in x.items():
        d = (s(**{name: v + h}) - s(**{name: v - h})) / (2 * h)
        assert abs(d) < 1e-8, (name, d)
    for name in ("q", "qhat"):   # and along the Nishimori line (R = q, Rhat = qhat moved together)
        v = x[name]
        other = "R" if name == "q" else "Rhat"
        d = (s(**{name: v + h, other: v + h}) - s(**{name: v - h, other: v - h})) / (2 * h)
        assert abs(d) < 1e-8, (name, d)
    # not stationary away from the saddle point: the test can fail
    d = (s(q=x["q"] + 0.05 + h, R=x["R"] + 0.05) - s(q=x["q"] + 0.05 - h, R=x["R"] + 0.05)) / (2 * h)
    assert abs(d) > 1e-3


def test_convergence_in_quadrature_order():
    vals = {o: solve_teacher_student(1.3, order=o, error=False) for o in (4, 8, 16, 64)}
    ref = vals[64]
    d = [abs(vals[o].entropy - ref.entropy) + abs(vals[o].q - ref.q) for o in (4, 8, 16)]
    assert d[2] < 1e-12 and d[1] < 1e-7 and d[0] > d[1] > d[2]


def test_error_estimates_bound_the_high_order_difference():
    for alpha in (0.05, 0.4, 1.3, 1.49):
        r = solve_teacher_student(alpha, order=8)
        hi = solve_teacher_student(alpha, order=96, tol=1e-14, error=False)
        assert r.converged
        for f in ("q", "qhat", "entropy", "accuracy_gibbs", "accuracy_bayes", "accuracy_mpm"):
            assert abs(getattr(r, f) - getattr(hi, f)) <= r.errors[f] + 1e-14, (alpha, f)


def test_alpha_to_zero():
    # s(0) = log 2, and q = eps + (2/pi - 1) eps^2 + O(eps^3) with eps = 2 alpha/pi (docs/teacher_student.md)
    assert teacher_student_free_entropy(1e-100, 0.0, 0.0) == pytest.approx(math.log(2.0), abs=1e-14)
    for alpha in (1e-3, 2e-3):
        r = solve_teacher_student(alpha)
        eps = 2 * alpha / math.pi
        assert (r.q - eps) / eps**2 == pytest.approx(2 / math.pi - 1, abs=3 * eps)
        assert r.entropy == pytest.approx(math.log(2.0), abs=2 * alpha)


def test_near_the_spinodal_square_root(transition):
    # saddle-node: q_sp - q ~ c sqrt(alpha_sp - alpha), map slope -> 1
    a_sp, q_sp = transition.alpha_spinodal, transition.q_spinodal
    c = []
    for da in (1e-3, 2.5e-4):
        r = solve_teacher_student(a_sp - da)
        assert r.converged and r.q < q_sp and r.map_slope < 1
        c.append((q_sp - r.q) / math.sqrt(da))
    assert c[0] == pytest.approx(c[1], rel=0.03)
    with pytest.raises(ConvergenceError, match="spinodal"):
        solve_teacher_student(a_sp + 1e-6)
    c2 = teacher_student_curve([1.0, 1.45, 1.6])
    assert [p.converged for p in c2.points] == [True, True, False] and "spinodal" in c2.points[2].message


def test_a_start_on_the_perfect_side_still_returns_the_poor_branch():
    # from q near 1 the iteration runs to perfect generalization; the bracketed fallback finds the poor root
    ref = solve_teacher_student(1.0)
    for error in (False, True):
        r = solve_teacher_student(1.0, init={"q": 0.999, "qhat": 40.0}, error=error)
        assert r.converged and r.q == pytest.approx(ref.q, abs=1e-11) and r.map_slope < 1
    r = solve_teacher_student(1.0, init={"q": 0.999, "qhat": 40.0}, error=False)
    assert "bracketed" in r.message and "ended at q = 1" in r.message


def test_entropy_decreases_along_the_branch():
    col = teacher_student_curve([0.2, 0.6, 1.0, 1.2, 1.3, 1.45]).column("entropy")
    assert all(a > b for a, b in zip(col[:-1], col[1:]))
    assert col[3] > 0 > col[4]


def test_general_equations_land_on_the_nishimori_line():
    for alpha, init in ((0.4, None), (1.0, {"q": 0.2, "R": 0.0, "qhat": 1.5, "Rhat": 0.1})):
        g = solve_teacher_student_general(alpha, init=init)
        r = solve_teacher_student(alpha)
        assert g.converged
        assert g.R == pytest.approx(g.q, abs=1e-9) and g.Rhat == pytest.approx(g.qhat, abs=1e-9)
        assert g.q == pytest.approx(r.q, abs=1e-9) and g.entropy == pytest.approx(r.entropy, abs=1e-10)


def test_transition_against_gyorgyi_and_barbier(transition):
    t = transition
    assert t.converged
    # [gyorgyi1990]: alpha = 1.245, three printed digits after the point: |x - 1.245| <= 5e-4
    assert abs(t.alpha_perfect - 1.245) <= 5e-4 + t.errors["alpha_perfect"]
    # [barbier2019]: alpha_alg = 1.493 (printed to 1e-3): |x - 1.493| <= 5e-4
    assert abs(t.alpha_spinodal - 1.493) <= 5e-4 + t.errors["alpha_spinodal"]
    assert t.errors["alpha_perfect"] < 1e-8 and t.errors["alpha_spinodal"] < 1e-8
    # consistency: the entropy of the poor branch vanishes at alpha_perfect; the branch exists up to alpha_sp
    r = solve_teacher_student(t.alpha_perfect)
    assert abs(r.entropy) < 1e-9 and r.q == pytest.approx(t.q_perfect, abs=1e-8)
    assert solve_teacher_student(t.alpha_perfect + 0.01).equilibrium == "perfect"


@pytest.mark.parametrize("call,word", [
    (lambda: solve_teacher_student(-0.1), "alpha"),
    (lambda: solve_teacher_student(float("nan")), "alpha"),
    (lambda: solve_teacher_student(0.4, order=2), "order"),
    (lambda: solve_teacher_student(0.4, tol=0.0), "tol"),
    (lambda: solve_teacher_student_general(0.0), "alpha"),
    (lambda: teacher_student_transition(order=1000), "order"),
    (lambda: teacher_student_curve([0.3, -1.0]), "alphas"),
])
def test_bad_input_is_refused(call, word):
    with pytest.raises(ValueError, match=word):
        call()


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------
def _run(argv, capsys):
    code = main_with_groups("python -m theory", "", GROUPS, argv=["perceptron", "teacher-student", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_json(capsys, r04):
    code, out, _ = _run(["--alpha", "0.4", "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and d["converged"] is True
    assert d["accuracy_gibbs"] == pytest.approx(r04.accuracy_gibbs, abs=1e-12)
    assert {"err_q", "err_entropy", "equilibrium", "accuracy_bayes", "accuracy_mpm"} <= set(d)


def test_cli_range_beyond_spinodal_exit_1(capsys):
    code, out, _ = _run(["--alpha", "1.0:1.6:2", "--json"], capsys)
    rows = json.loads(out)
    assert code == 1 and [r["converged"] for r in rows] == [True, False]
    assert "spinodal" in rows[1]["message"]


def test_cli_transition(capsys, transition):
    code, out, _ = _run(["--transition", "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and d["alpha_perfect"] == pytest.approx(transition.alpha_perfect, abs=1e-12)
    assert d["err_alpha_spinodal"] < 1e-8


@pytest.mark.parametrize("argv,word", [
    (["--alpha", "-1"], "--alpha"),
    (["--alpha", "0.2:-0.1:3"], "--alpha"),
    (["--alpha", "0.3", "--order", "1"], "--order"),
    (["--alpha", "0.3", "--tol", "0"], "--tol"),
    ([], "--alpha"),
])
def test_cli_bad_input_exit_2(argv, word, capsys):
    code, out, err = _run(argv, capsys)
    assert code == 2 and word in err and out == ""
