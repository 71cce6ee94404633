"""Validation of the deep networks of [baldassi2018, SM Sec. V].

Report section "Deep stochastic binary networks (SM Sec. V)": :mod:`validate.deep.networks`.
"""
from validate.deep.networks import compare_deep_networks

__all__ = ["compare_deep_networks"]
