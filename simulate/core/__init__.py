"""Shared plumbing of the algorithms: seeds and generators, fast uniform streams, data sets.

- :func:`as_generator`, :func:`seed_numba`, ``SeedLike`` (``simulate.core.rng``): every stochastic
  routine takes a seed or a ``numpy.random.Generator``; numba kernels that draw inside compiled
  code are seeded from the caller's generator;
- :func:`new_fast_stream`, :func:`next_double`, :func:`fill_uniform` (``simulate.core.fast_rng``):
  xoroshiro128+ streams for loops that draw one uniform per synapse;
- :class:`Adam` (``simulate.core.optim``): the optimizer of every trainer (float32 or float64 parameters);
- :func:`load_dataset`, :class:`Dataset`, :func:`binarize_images`, :func:`read_idx`,
  :func:`mnist_dir`, :func:`fashion_dir`, :func:`idx_shape`, :func:`dataset_shape`,
  :func:`dataset_fingerprint`, :func:`load_npz_arrays` (``simulate.core.data``): MNIST / Fashion-MNIST (IDX, read
  from disk, never downloaded) and scikit-learn's 8x8 digits.

Examples
--------
>>> from simulate.core import as_generator, load_dataset
>>> as_generator(0).integers(10, size=3).tolist() == as_generator(0).integers(10, size=3).tolist()
True
>>> load_dataset("digits").images.shape[1]
64
"""
from simulate.core.data import (
    Dataset,
    binarize_images,
    dataset_fingerprint,
    dataset_shape,
    fashion_dir,
    idx_shape,
    load_dataset,
    load_npz_arrays,
    mnist_dir,
    read_idx,
)
from simulate.core.fast_rng import fill_uniform, new_fast_stream, next_double
from simulate.core.optim import Adam
from simulate.core.rng import SeedLike, as_generator, seed_numba

__all__ = [
    "Adam",
    "SeedLike",
    "as_generator",
    "seed_numba",
    "new_fast_stream",
    "next_double",
    "fill_uniform",
    "Dataset",
    "load_dataset",
    "binarize_images",
    "read_idx",
    "idx_shape",
    "dataset_shape",
    "dataset_fingerprint",
    "load_npz_arrays",
    "mnist_dir",
    "fashion_dir",
]
