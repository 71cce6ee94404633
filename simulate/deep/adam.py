"""Adam [kingma2015, Alg. 1], updating a list of numpy arrays in place."""
from __future__ import annotations

import math

import numpy as np

from simulate.deep._kernels import adam_update
from theory.core.params import check_real

__all__ = ["AdamOptimizer"]


class AdamOptimizer:
    """Adam with the paper's "standard parameters" ``beta1 = 0.9, beta2 = 0.999, eps = 1e-8`` [kingma2015, Alg. 1].

    Parameters
    ----------
    params : list of ndarray
        Arrays updated in place by :meth:`step` (descent on the loss).
    lr : float
        Step size ``alpha``; may be changed between steps (learning-rate schedules).
    beta1, beta2, eps : float

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, -2.0])
    >>> opt = AdamOptimizer([x], lr=0.1)
    >>> opt.step([np.array([3.0, -0.5])])   # first step moves every entry by lr against the gradient's sign
    >>> x.round(6).tolist()
    [0.9, -1.9]
    """

    def __init__(self, params: list[np.ndarray], lr: float, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        self.params = params
        self.lr = check_real("lr", lr, gt=0.0)
        self.beta1 = check_real("beta1", beta1, ge=0.0, lt=1.0)
        self.beta2 = check_real("beta2", beta2, ge=0.0, lt=1.0)
        self.eps = check_real("eps", eps, gt=0.0)
        self.t = 0
        self.m1 = [np.zeros_like(p) for p in params]
        self.m2 = [np.zeros_like(p) for p in params]

    def step(self, grads: list[np.ndarray]) -> None:
        """One Adam update of every parameter with its gradient (same order as ``params``)."""
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        step = self.lr * math.sqrt(1.0 - b2 ** self.t) / (1.0 - b1 ** self.t)
        eps_hat = self.eps * math.sqrt(1.0 - b2 ** self.t)   # eps added to sqrt(v_hat), as in Alg. 1
        for p, g, m1, v in zip(self.params, grads, self.m1, self.m2):
            dt = p.dtype.type
            if g.shape != p.shape:
                raise ValueError(f"gradient shape {g.shape} does not match its parameter's {p.shape}")
            adam_update(p, np.ascontiguousarray(g, dtype=p.dtype), m1, v, dt(b1), dt(b2), dt(1.0 - b1), dt(1.0 - b2),
                        dt(step), dt(eps_hat))
