"""Gibbs sampling of random ReLU-RBMs ({0,1} visible, sparse +-1/sqrt(N) weights)."""
from __future__ import annotations

from theory.core import check_int
from theory.core.cli import add_output_options, add_scan_option, emit


def _sample(args) -> int:
    import itertools

    import numpy as np

    from simulate.boltzmann import sample_rrbm

    N = check_int("N", args.N, ge=2)
    out = []
    for a, p, th, g in itertools.product(*(np.atleast_1d(x) for x in (args.alpha, args.p, args.theta, args.g))):
        r = sample_rrbm(N, float(a), float(p), float(th), float(g), seed=args.seed, beta=args.beta,
                        beta0=args.beta0, anneal=args.anneal, measure=args.measure, L_init=args.L_init)
        out.append(({"alpha": float(a), "p": float(p)}, r))
    emit(args, out if len(out) > 1 else out[0][1], x="alpha", y=["L_hat", "q", "m"])
    return 0


def add_commands(subparsers) -> None:
    p = subparsers.add_parser("sample", help="anneal (or quench from a condensed state) and measure PR_3, m, q, r")
    p.add_argument("--N", type=int, default=1000, help="visible units (default 1000)")
    add_scan_option(p, "alpha", required=True, help="M/N")
    add_scan_option(p, "p", required=True, help="weight sparsity")
    add_scan_option(p, "theta", default=0.0, help="hidden ReLU threshold")
    add_scan_option(p, "g", default=0.0, help="visible field")
    p.add_argument("--beta", type=float, default=20.0, help="final inverse temperature")
    p.add_argument("--beta0", type=float, default=1.0, help="initial inverse temperature of the anneal")
    p.add_argument("--anneal", type=int, default=200, help="anneal/relaxation sweeps")
    p.add_argument("--measure", type=int, default=100, help="measurement sweeps")
    p.add_argument("--L-init", dest="L_init", type=int, default=0,
                   help="start from the condensed state of L hidden units (0: random start + anneal)")
    p.add_argument("--seed", type=int, default=0)
    add_output_options(p)
    p.set_defaults(func=_sample, estimate=_estimate)


def _estimate(args) -> list[tuple[float, str]]:
    """M x N weights (uniform draws float64, int8, a float64 transposed copy) at the largest --alpha."""
    import numpy as np

    from theory.core import check_real

    N = check_int("--N", args.N, ge=2)
    alpha = max(check_real("--alpha", float(a), gt=0.0) for a in np.atleast_1d(args.alpha))
    for p in np.atleast_1d(args.p):
        check_real("--p", float(p), gt=0.0, le=1.0)
    check_int("--anneal", args.anneal, ge=0, le=10 ** 8)
    check_int("--measure", args.measure, ge=1, le=10 ** 8)
    M = max(1, round(alpha * N))
    return [(17.0 * M * N, f"--N {N} --alpha {alpha:g} (M = {M:.4g} hidden units of N visible ones)")]
