"""Replica theory of learning with low-precision stochastic synapses.

Three families, each a subpackage whose ``__init__`` is its public API:

* :mod:`theory.core`: special functions, quadrature rules, the saddle-point solvers
  (``converge``, ``newton``, ``span``), result records and argument checks;
* :mod:`theory.perceptron`: the stochastic binary perceptron [baldassi2018] (RS saddle point,
  stability, energy of the binarized configuration, binary control, zero temperature,
  Gardner / Krauth-Mezard references, Franz-Parisi entropy);
* :mod:`theory.rbm`: Hopfield [amit1985], ReLU-RBMs and their compositional phase
  [tubiana2017], planted-RBM learning thresholds [huang2020].

Nothing is re-exported here: ``import theory`` stays cheap (``simulate`` imports
``theory.core`` only, and must not pay for compiling the model kernels), and every
name is reached through its family, e.g. ``from theory.perceptron import solve_rs``.
"""
