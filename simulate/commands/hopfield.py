"""Hopfield retrieval dynamics (zero-temperature asynchronous or Glauber)."""
from __future__ import annotations

from theory.core import check_int
from theory.core.cli import add_output_options, add_scan_option, emit


def _retrieve(args) -> int:
    import itertools

    import numpy as np

    from simulate.boltzmann import hopfield_retrieve

    N = check_int("N", args.N, ge=2)
    alphas = np.atleast_1d(args.alpha)
    Ts = np.atleast_1d(args.T)
    out = []
    for a, T in itertools.product(alphas, Ts):
        r = hopfield_retrieve(N, float(a), float(T), seed=args.seed, flip=args.flip, max_sweeps=args.max_sweeps,
                     burn=args.burn, measure=args.measure)
        out.append(({"alpha": float(a)}, r))
    emit(args, out if len(out) > 1 else out[0][1], x="alpha", y=["m_final", "m_mean"])
    return 0 if all(r.converged for _, r in out) else 1


def add_commands(subparsers) -> None:
    p = subparsers.add_parser("hopfield_retrieve",
                              help="start at a stored pattern, run the dynamics, report the overlap")
    p.add_argument("--N", type=int, default=1000, help="number of spins (default 1000)")
    add_scan_option(p, "alpha", required=True, help="load M/N")
    add_scan_option(p, "T", default=0.0, help="temperature (0: asynchronous T = 0 dynamics)")
    p.add_argument("--flip", type=float, default=0.0, help="fraction of initially flipped spins")
    p.add_argument("--max-sweeps", dest="max_sweeps", type=int, default=500)
    p.add_argument("--burn", type=int, default=50, help="T > 0: sweeps before measuring")
    p.add_argument("--measure", type=int, default=100, help="T > 0: sweeps measured")
    p.add_argument("--seed", type=int, default=0)
    add_output_options(p)
    p.set_defaults(func=_retrieve, estimate=_estimate)


def _estimate(args) -> list[tuple[float, str]]:
    """M x N patterns (int8 and a float64 copy for the overlaps) at the largest --alpha."""
    import numpy as np

    from theory.core import check_real

    N = check_int("--N", args.N, ge=2)
    alpha = max(check_real("--alpha", float(a), gt=0.0) for a in np.atleast_1d(args.alpha))
    for T in np.atleast_1d(args.T):
        check_real("--T", float(T), ge=0.0)
    check_real("--flip", args.flip, ge=0.0, le=1.0)
    check_int("--max-sweeps", args.max_sweeps, ge=1, le=10 ** 9)
    M = max(1, round(alpha * N))
    return [(10.0 * M * N, f"--N {N} --alpha {alpha:g} (M = {M:.4g} patterns of N spins)")]
