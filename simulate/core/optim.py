"""Optimizers shared by the algorithm families of :mod:`simulate`."""
from __future__ import annotations

import math

import numba
import numpy as np

from theory.core import check_real

__all__ = ["Adam"]


@numba.njit(cache=True)
def _adam_kernel(p, g, m, v, lr, beta1, beta2, one_minus_beta1, one_minus_beta2, eps, c1, c2, tiny):
    """[kingma2015, Alg. 1], one fused pass: theta -= lr * mhat / (sqrt(vhat) + eps).

    Every scalar comes in the dtype of ``p`` (no float64 literal in the loop), so a float32 update stays
    in float32 and vectorizes. Moments below ``tiny`` are set to 0: a parameter whose gradient has
    vanished (a saturated synapse) would otherwise decay through the subnormal range, where every
    operation costs ~100x (``tiny`` = ``2^24 finfo.tiny``, far below a moment that moves ``p``)."""
    zero = tiny - tiny   # 0 in the dtype of p
    for i in range(p.size):
        mi = beta1 * m[i] + one_minus_beta1 * g[i]
        vi = beta2 * v[i] + one_minus_beta2 * g[i] * g[i]
        m[i] = mi if abs(mi) >= tiny else zero
        v[i] = vi if vi >= tiny else zero
        p[i] -= lr * c1 * m[i] / (math.sqrt(v[i]) * c2 + eps)


class Adam:
    """Adam [kingma2015, Alg. 1] updating float32 or float64 arrays in place (the one optimizer of ``simulate``:
    the Boltzmann-machine trainers, [liu2018] lr 1e-3, betas 0.9/0.999, and the deep networks).

    ``symmetric`` lists indices of parameters that must stay symmetric with a
    zero diagonal (intra-layer weights): their gradients are symmetric by
    construction, so Adam's element-wise update keeps them symmetric.

    Examples
    --------
    The first step moves every parameter by ``lr`` against the sign of its gradient:

    >>> import numpy as np
    >>> p = np.zeros(2)
    >>> Adam([p], lr=0.1).step([np.array([1.0, -2.0])])
    >>> p.round(6).tolist()
    [-0.1, 0.1]
    """

    def __init__(self, params: list[np.ndarray], lr: float = 1e-3, beta1: float = 0.9,
                 beta2: float = 0.999, eps: float = 1e-8):
        self.lr = check_real("lr", lr, gt=0)
        self.beta1 = check_real("beta1", beta1, ge=0, lt=1)
        self.beta2 = check_real("beta2", beta2, ge=0, lt=1)
        self.eps = check_real("eps", eps, gt=0)
        for i, p in enumerate(params):
            if p.dtype not in (np.float32, np.float64) or not p.flags.c_contiguous:
                raise ValueError(f"params[{i}] must be a C-contiguous float32 or float64 array (updated in place), "
                                 f"got {p.dtype}")
        self.params = params
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads: list[np.ndarray]) -> None:
        self.t += 1
        c1 = 1.0 / (1 - self.beta1 ** self.t)
        c2 = 1.0 / math.sqrt(1 - self.beta2 ** self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            if p.shape != g.shape:
                raise ValueError(f"gradient shape {g.shape} does not match parameter shape {p.shape}")
            f = p.dtype.type  # float64 parameters: the arithmetic of the float64-only version, bit for bit
            _adam_kernel(p.reshape(-1), np.ascontiguousarray(g, dtype=p.dtype).reshape(-1), m.reshape(-1),
                         v.reshape(-1), f(self.lr), f(self.beta1), f(self.beta2), f(1.0 - self.beta1),
                         f(1.0 - self.beta2), f(self.eps), f(c1), f(c2), f(np.finfo(p.dtype).tiny * 2.0 ** 24))
