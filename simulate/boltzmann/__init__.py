"""Boltzmann machines as one library: layered binary machines (RBM, DBM, DBM with intra-layer weights),
layer types and one block-Gibbs sampler, one training loop for VPF [liu2018, Alg. 1], CD-k [hinton2002]
and PCD-k [tieleman2008], MPF [liu2018, Eq. 1-2], exact enumeration of small models, save/load, and the
ReLU-RBM [tubiana2017] and Hopfield samplers.

Examples
--------
>>> import numpy as np
>>> from simulate.boltzmann import BoltzmannTrainConfig, train_boltzmann, rbm_log_partition
>>> x = (np.random.default_rng(0).random((50, 6)) < 0.3).astype(float)
>>> r = train_boltzmann(x, BoltzmannTrainConfig(method="pcd", hidden=3, epochs=3, k=2), seed=0)
>>> r.method, r.config.batch, bool(np.isfinite(rbm_log_partition(r.model)))
('PCD-2', 20, True)
"""
from simulate.boltzmann.cd import cd_epoch, cd_gradient
from simulate.boltzmann.gibbs import block_gibbs, gibbs_sweep
from simulate.boltzmann.hopfield_mc import (
    HopfieldRetrievalResult,
    hopfield_chain,
    hopfield_energy,
    hopfield_patterns,
    hopfield_retrieve,
)
from simulate.boltzmann.layers import LAYER_KINDS, BinaryLayer, GaussianLayer, ReLULayer, SpinLayer
from simulate.boltzmann.machines import (
    MODEL_FORMAT_VERSION,
    RECONSTRUCT_INITS,
    BoltzmannMachine,
    ExactRBM,
    async_gibbs,
    binary_states,
    boltzmann_energy,
    boltzmann_fields,
    bottom_up,
    corruption_mask,
    down_prob,
    exact_rbm,
    free_energy_rbm,
    init_boltzmann_machine,
    load_boltzmann_machine,
    pseudo_loglik,
    rbm_gibbs_chain,
    rbm_log_partition,
    rbm_loglik,
    reconstruct_corrupted,
    save_boltzmann_machine,
    squared_weight,
    up_prob,
    weight_sparsity,
)
from simulate.boltzmann.mpf import (
    VisibleBMFit,
    fit_ml_visible_exact,
    fit_mpf_visible,
    mpf_flow,
    mpf_layered_flow,
    visible_bm_logp,
)
from simulate.boltzmann.relu_rbm import (
    RRBMSample,
    participation_ratio,
    relu_rbm_condensed_state,
    relu_rbm_energy,
    relu_rbm_gibbs,
    relu_rbm_random_weights,
    sample_rrbm,
)
from simulate.boltzmann.training import (
    TRAIN_METHODS,
    BoltzmannTrainConfig,
    BoltzmannTrainResult,
    save_trained_model,
    train_boltzmann,
    train_cd,
    train_vpf,
)
from simulate.boltzmann.vpf import (
    exact_vpf_gradient,
    generate_confabulations,
    mean_hidden_activation,
    vpf_epoch,
    vpf_top_prior,
)

__all__ = [
    # machines, states, exact enumeration, save/load
    "BoltzmannMachine", "init_boltzmann_machine", "boltzmann_energy", "boltzmann_fields", "up_prob", "down_prob",
    "binary_states", "free_energy_rbm", "exact_rbm", "ExactRBM", "rbm_log_partition", "rbm_loglik",
    "pseudo_loglik", "weight_sparsity", "squared_weight", "save_boltzmann_machine", "load_boltzmann_machine",
    "MODEL_FORMAT_VERSION",
    # layers and sampling
    "BinaryLayer", "SpinLayer", "ReLULayer", "GaussianLayer", "LAYER_KINDS", "block_gibbs", "gibbs_sweep",
    "rbm_gibbs_chain", "async_gibbs", "bottom_up", "reconstruct_corrupted", "corruption_mask", "RECONSTRUCT_INITS",
    # training
    "BoltzmannTrainConfig", "BoltzmannTrainResult", "TRAIN_METHODS", "train_boltzmann", "train_vpf", "train_cd",
    "save_trained_model", "vpf_epoch", "cd_epoch", "cd_gradient", "mpf_flow", "mpf_layered_flow",
    "fit_mpf_visible", "fit_ml_visible_exact", "VisibleBMFit", "visible_bm_logp", "exact_vpf_gradient",
    "generate_confabulations", "vpf_top_prior", "mean_hidden_activation",
    # ReLU RBM [tubiana2017] and Hopfield samplers
    "sample_rrbm", "RRBMSample", "relu_rbm_gibbs", "relu_rbm_energy", "relu_rbm_random_weights",
    "relu_rbm_condensed_state", "participation_ratio",
    "hopfield_retrieve", "hopfield_chain", "hopfield_patterns", "hopfield_energy", "HopfieldRetrievalResult",
]
