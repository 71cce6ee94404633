"""Learning algorithms and samplers for low-precision, stochastic synapses.

``simulate`` may import the shared numerics of ``theory.core`` (special
functions, quadrature, parameter checks, result records) but never the theory
models, and never ``validate``.
"""
