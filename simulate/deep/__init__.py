"""Deep networks with stochastic binary synapses [baldassi2018, SM Sec. V] and their two baselines.

The stochastic network (``W = +-1`` with means ``m = tanh h``, sign units) is trained by Adam on
the mean-field (factorized) propagation of the activation means; the binarized network
``sign(m)`` is evaluated. Baselines on the same architecture: the straight-through-estimator
binarized network with batch normalization [hubara2016] and a continuous ReLU network.
Derivation and model-file layout: ``docs/deep_networks.md``.

Examples
--------
>>> from simulate.deep import load_deep_data, train_deep_network
>>> data = load_deep_data("digits", n_train=300, n_test=100)
>>> run = train_deep_network(data, (32,), method="stochastic", epochs=2, batch=50, seed=0)
>>> run.method, run.epochs
('stochastic', 2)
"""
from simulate.deep.baselines import BinarizedSTENetwork, ReluNetwork
from simulate.deep.model_io import DEEP_MODEL_FORMAT_VERSION, check_model_output_path, load_deep_model, save_deep_model
from simulate.deep.presets import DEEP_PRESETS, DeepPreset
from simulate.deep.stochastic import (
    SOFTMAX_SCALE,
    StochasticBinaryNetwork,
    mean_field_activation,
    preactivation_moments,
    preactivation_moments_backward,
)
from simulate.deep.training import (
    DEEP_METHODS,
    INPUT_ENCODINGS,
    PAPER_HIDDEN,
    DeepData,
    DeepRun,
    estimate_training_memory,
    evaluate_deep_network,
    load_deep_data,
    make_deep_network,
    train_deep_network,
)

__all__ = [
    "StochasticBinaryNetwork",
    "BinarizedSTENetwork",
    "ReluNetwork",
    "preactivation_moments",
    "preactivation_moments_backward",
    "mean_field_activation",
    "SOFTMAX_SCALE",
    "DeepData",
    "DeepRun",
    "load_deep_data",
    "make_deep_network",
    "train_deep_network",
    "evaluate_deep_network",
    "estimate_training_memory",
    "save_deep_model",
    "load_deep_model",
    "check_model_output_path",
    "DEEP_MODEL_FORMAT_VERSION",
    "DEEP_METHODS",
    "INPUT_ENCODINGS",
    "PAPER_HIDDEN",
    "DeepPreset",
    "DEEP_PRESETS",
]
