"""Every command line refuses bad input before any work (issue 21): a table of bad inputs.

Each case runs a command line (``python -m theory|simulate|validate`` argv) in a child process
that holds a memory cap (``RLIMIT_AS``) and a time limit, and must end with exit code 2 and a
message naming the option or file (``names`` must appear on stderr), or with exit code 1 and a
flagged failure (``expect="fail"``); never a traceback, never an "internal error", never a hang.
To keep the module fast the cases run in-process inside a few child processes (the CLI's
``main_with_groups`` with the package's ``GROUPS``, as ``python -m`` calls it), one child per
batch; a few headline cases also run as real ``python -m`` subprocesses. A child that dies or
hangs on a case is restarted after that case, which is recorded as a crash or a hang.

The data-file loaders (IDX reader, ``--data FILE.npz``, model files) are also driven directly.
``test_tally`` prints the tally (tried / refused cleanly / crashes / silent wrong / hangs).
"""
from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import resource
import signal
import sqlite3
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

MEMORY_CAP = 4 * 2 ** 30      # bytes of address space for each child process
CASE_SECONDS = 20             # a refusal must come well within this (most take milliseconds)
HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]

# --------------------------------------------------------------------------- the table
# (id, program, argv, names that must appear on stderr, expected outcome "refuse" | "fail")
# "{d}" in argv is replaced by the directory of bad files made by the `bad_files` fixture.

RS = ["perceptron", "rs", "--beta", "1", "--qstar", "0.5"]
FP = ["perceptron", "franz-parisi"]
RSB = ["perceptron", "rsb", "--alpha", "0.3", "--beta", "2", "--qstar", "0.5"]
GD = ["perceptron", "gd", "--N", "101", "--alpha", "0.5"]
VAR = ["rbm", "variational"]
DEEP = ["deep", "train", "--epochs", "1"]
CAP = ["perceptron", "capacity"]

CASES: list[tuple[str, str, list[str], list[str], str]] = [
    # ---- theory: sizes, ranges, orders
    ("fp-order-1e8", "theory", FP + ["--order", "100000000"], ["--order"], "refuse"),
    ("fp-order-2000", "theory", FP + ["--order", "2000"], ["--order"], "refuse"),
    ("fp-order-0", "theory", FP + ["--order", "0"], ["--order"], "refuse"),
    ("fp-d-above-1", "theory", FP + ["--d", "1.5"], ["--d"], "refuse"),
    ("fp-d-negative", "theory", FP + ["--d", "-0.1"], ["--d"], "refuse"),
    ("fp-d-huge-range", "theory", FP + ["--d", "0:0.3:1000000000000"], ["--d"], "refuse"),
    ("fp-alpha-above-capacity", "theory", FP + ["--alpha", "0.9"], ["--alpha"], "refuse"),
    ("fp-beta-0", "theory", FP + ["--beta", "0"], ["--beta"], "refuse"),
    ("fp-qstar-1", "theory", FP + ["--qstar", "1"], ["--qstar"], "refuse"),
    ("fp-tol-0", "theory", FP + ["--tol", "0"], ["--tol"], "refuse"),
    ("fp-reference-unknown", "theory", FP + ["--reference", "nope"], ["--reference"], "refuse"),
    ("fp-order-text", "theory", FP + ["--order", "many"], ["--order"], "refuse"),
    # a single d with --plot: refused before the continuation (not after it, as before)
    ("fp-plot-single-d", "theory", FP + ["--d", "0.2", "--plot", "{d}/fp.png"], ["--plot", "--d"], "refuse"),
    # the hang of issue 21: refused up front with the estimated work (deterministic cap --max-work)
    ("fp-d-1e-6-stochastic", "theory", FP + ["--d", "1e-6", "--qstar", "0.7"], ["--d", "--max-work", "estimated"],
     "refuse"),
    ("fp-max-work-0", "theory", FP + ["--max-work", "0"], ["--max-work"], "refuse"),
    ("rs-range-1e12", "theory", RS + ["--alpha", "0.1:0.2:1000000000000"], ["--alpha"], "refuse"),
    ("rs-alpha-nan", "theory", RS + ["--alpha", "nan"], ["--alpha"], "refuse"),
    ("rs-alpha-inf", "theory", RS + ["--alpha", "inf"], ["--alpha"], "refuse"),
    ("rs-alpha-negative", "theory", RS + ["--alpha", "-1"], ["alpha"], "refuse"),
    ("rs-alpha-text", "theory", RS + ["--alpha", "abc"], ["--alpha"], "refuse"),
    ("rs-range-two-parts", "theory", RS + ["--alpha", "0.1:0.2"], ["--alpha"], "refuse"),
    ("rs-range-count-0", "theory", RS + ["--alpha", "0.1:0.2:0"], ["--alpha"], "refuse"),
    ("rs-range-count-fraction", "theory", RS + ["--alpha", "0.1:0.2:2.5"], ["--alpha"], "refuse"),
    ("rs-range-nan-end", "theory", RS + ["--alpha", "0.1:nan:3"], ["--alpha"], "refuse"),
    ("rs-product-of-ranges", "theory", ["perceptron", "rs", "--alpha", "0.1:0.5:400", "--beta", "1:2:400",
                                        "--qstar", "0.5"], ["--alpha", "--beta"], "refuse"),
    ("rs-qstar-above-1", "theory", ["perceptron", "rs", "--alpha", "0.3", "--beta", "1", "--qstar", "1.5"],
     ["qstar"], "refuse"),
    ("rs-beta-negative", "theory", ["perceptron", "rs", "--alpha", "0.3", "--beta", "-1", "--qstar", "0.5"],
     ["beta"], "refuse"),
    ("rs-order-1000", "theory", RS + ["--alpha", "0.3", "--order", "1000"], ["order"], "refuse"),
    ("rs-order-0", "theory", RS + ["--alpha", "0.3", "--order", "0"], ["order"], "refuse"),
    ("rs-tol-negative", "theory", RS + ["--alpha", "0.3", "--tol", "-1"], ["tol"], "refuse"),
    ("rs-missing-alpha", "theory", RS, ["--alpha"], "refuse"),
    ("rs-plot-without-range", "theory", RS + ["--alpha", "0.3", "--plot", "{d}/x.png"], ["--plot"], "refuse"),
    ("rs-plot-unknown-format", "theory", RS + ["--alpha", "0.2:0.3:2", "--plot", "{d}/x.xyz"], ["--plot"],
     "refuse"),
    ("rs-csv-missing-dir", "theory", RS + ["--alpha", "0.3", "--csv", "/nonexistent/dir/x.csv"], ["--csv"],
     "refuse"),
    ("rs-csv-is-directory", "theory", RS + ["--alpha", "0.3", "--csv", "{d}"], ["--csv"], "refuse"),
    ("rs-csv-in-proc", "theory", RS + ["--alpha", "0.3", "--csv", "/proc/nope.csv"], ["--csv"], "refuse"),
    ("rs-csv-in-file", "theory", RS + ["--alpha", "0.3", "--csv", "{d}/text.txt/x.csv"], ["--csv"], "refuse"),
    ("rs-max-memory-text", "theory", RS + ["--alpha", "0.3", "--max-memory", "lots"], ["--max-memory"], "refuse"),
    ("rs-max-memory-negative", "theory", RS + ["--alpha", "0.3", "--max-memory", "-1G"], ["--max-memory"],
     "refuse"),
    ("stability-qstar-0", "theory", ["perceptron", "stability", "--alpha", "0.3", "--beta", "1", "--qstar", "0"],
     ["qstar"], "refuse"),
    ("betac-beta-max-negative", "theory", ["perceptron", "betac", "--alpha", "0.3", "--qstar", "0.5",
                                           "--beta-max", "-1"], ["beta"], "refuse"),
    ("bc-energy-alpha-negative", "theory", ["perceptron", "bc-energy", "--alpha", "-0.5", "--beta", "1",
                                            "--qstar", "0.5"], ["alpha"], "refuse"),
    ("binary-control-order-3", "theory", ["perceptron", "binary-control", "--alpha", "0.3", "--beta", "1",
                                          "--qstar", "0.5", "--order", "3"], ["order"], "refuse"),
    ("zero-t-order-1e8", "theory", ["perceptron", "zero-temperature", "--alpha", "0.3", "--qstar", "0.5",
                                    "--order", "100000000"], ["order"], "refuse"),
    ("zero-t-qstar-2", "theory", ["perceptron", "zero-temperature", "--alpha", "0.3", "--qstar", "2"],
     ["qstar"], "refuse"),
    ("binary-entropy-alpha-negative", "theory", ["perceptron", "binary-entropy", "--alpha", "-1"], ["alpha"],
     "refuse"),
    ("binary-entropy-range-1e9", "theory", ["perceptron", "binary-entropy", "--alpha", "0:1:1000000000"],
     ["--alpha"], "refuse"),
    ("binary-capacity-csv-missing-dir", "theory", ["perceptron", "binary-capacity", "--csv", "/nonexistent/x.csv"],
     ["--csv"], "refuse"),
    ("rsb-order-1e8", "theory", RSB + ["--order", "100000000"], ["order"], "refuse"),
    ("rsb-x-2", "theory", RSB + ["--x", "2"], ["x"], "refuse"),
    ("rsb-x-range-huge", "theory", RSB + ["--x", "0.1:1:1000000000"], ["--x"], "refuse"),
    ("rsb-csv-missing-dir", "theory", RSB + ["--csv", "/nonexistent/x.csv"], ["--csv"], "refuse"),
    ("rsb-tol-0", "theory", RSB + ["--tol", "0"], ["tol"], "refuse"),
    ("theory-unknown-command", "theory", ["perceptron", "nosuchcommand"], ["nosuchcommand"], "refuse"),
    ("theory-unknown-group", "theory", ["nosuchgroup"], ["nosuchgroup"], "refuse"),
    ("hopfield-capacity-T-negative", "theory", ["hopfield", "capacity", "--T", "-1"], ["T"], "refuse"),
    ("hopfield-capacity-theta-nan", "theory", ["hopfield", "capacity", "--theta", "nan"], ["--theta"], "refuse"),
    ("hopfield-retrieval-alpha-negative", "theory", ["hopfield", "retrieval", "--alpha", "-0.1"], ["alpha"],
     "refuse"),
    ("hopfield-retrieval-theta-with-T", "theory", ["hopfield", "retrieval", "--alpha", "0.1", "--T", "1",
                                                   "--theta", "0.5"], ["T"], "refuse"),
    ("hopfield-line-alpha-0", "theory", ["hopfield", "line", "--alpha", "0"], ["alpha"], "refuse"),
    ("relu-p-2", "theory", ["rbm", "relu", "--alpha", "0.1", "--p", "2"], ["--p"], "refuse"),
    ("relu-L-1e12", "theory", ["rbm", "relu", "--alpha", "0.1", "--p", "0.1", "--L", "1e12"], ["--L"], "refuse"),
    ("relu-L-fraction", "theory", ["rbm", "relu", "--alpha", "0.1", "--p", "0.1", "--L", "0.5"], ["--L"],
     "refuse"),
    ("relu-L-huge-range", "theory", ["rbm", "relu", "--alpha", "0.1", "--p", "0.1", "--L", "1:1e12:3"], ["--L"],
     "refuse"),
    ("compositional-l-max-1e300", "theory", ["rbm", "compositional", "--alpha", "0.1", "--theta", "1",
                                             "--l_max", "1e300"], ["--l_max"], "refuse"),
    ("compositional-l-1e300", "theory", ["rbm", "compositional", "--alpha", "0.1", "--theta", "1", "--l", "1e300"],
     ["--l"], "refuse"),
    ("compositional-l-negative", "theory", ["rbm", "compositional", "--alpha", "0.1", "--theta", "1", "--l", "-1"],
     ["--l"], "refuse"),
    ("threshold-P-1e12", "theory", ["rbm", "threshold", "--P", "1e12"], ["--P"], "refuse"),
    ("threshold-c-2", "theory", ["rbm", "threshold", "--c", "2"], ["c"], "refuse"),
    ("threshold-beta-negative", "theory", ["rbm", "threshold", "--beta", "-1"], ["beta"], "refuse"),
    # ---- simulate perceptron
    ("gd-N-1e6-alpha-1", "simulate", ["perceptron", "gd", "--N", "1000001", "--alpha", "1"], ["--N", "--alpha"],
     "refuse"),
    ("gd-alpha-1e9", "simulate", ["perceptron", "gd", "--N", "101", "--alpha", "1e9"], ["--alpha"], "refuse"),
    ("gd-N-even", "simulate", ["perceptron", "gd", "--N", "100"], ["--N"], "refuse"),
    ("gd-N-negative", "simulate", ["perceptron", "gd", "--N", "-1"], ["--N"], "refuse"),
    ("gd-N-text", "simulate", ["perceptron", "gd", "--N", "ten"], ["--N"], "refuse"),
    ("gd-alpha-0", "simulate", ["perceptron", "gd", "--alpha", "0"], ["--alpha"], "refuse"),
    ("gd-alpha-nan", "simulate", ["perceptron", "gd", "--alpha", "nan"], ["--alpha"], "refuse"),
    ("gd-no-pattern", "simulate", ["perceptron", "gd", "--N", "101", "--alpha", "1e-9"], ["--alpha"], "refuse"),
    ("gd-seed-negative", "simulate", GD + ["--seed", "-1"], ["seed"], "refuse"),
    ("gd-eta-negative", "simulate", GD + ["--eta", "-1"], ["eta"], "refuse"),
    ("gd-max-epochs-0", "simulate", GD + ["--max-epochs", "0"], ["epochs"], "refuse"),
    ("gd-max-epochs-negative", "simulate", GD + ["--max-epochs", "-5"], ["epochs"], "refuse"),
    ("gd-max-epochs-fraction", "simulate", GD + ["--max-epochs", "1.5"], ["--max-epochs"], "refuse"),
    ("gd-batch-size-0", "simulate", GD + ["--batch-size", "0"], ["batch"], "refuse"),
    ("gd-patience-negative", "simulate", GD + ["--patience", "-1"], ["patience"], "refuse"),
    ("gd-variant-unknown", "simulate", GD + ["--variant", "nope"], ["--variant"], "refuse"),
    ("gd-max-time-exceeded", "simulate", ["perceptron", "gd", "--N", "1001", "--alpha", "0.9", "--max-epochs",
                                          "1000000000", "--max-time", "1h"], ["--max-epochs", "--max-time"],
     "refuse"),
    ("gd-max-time-text", "simulate", GD + ["--max-time", "soon"], ["--max-time"], "refuse"),
    ("sa-max-sweeps-1e12", "simulate", ["perceptron", "sa", "--N", "101", "--alpha", "0.3", "--max-sweeps",
                                        "1000000000000"], ["--max-sweeps"], "refuse"),
    ("solve-max-time-exceeded", "simulate", ["perceptron", "solve", "--method", "bpr", "--N", "1001", "--set",
                                             "max_iter=100000000", "--max-time", "10m"], ["--max-iter", "--max-time"],
     "refuse"),
    ("gd-unknown-option", "simulate", GD + ["--epochs", "10"], ["--epochs"], "refuse"),
    ("gd-save-trajectory-missing-dir", "simulate", GD + ["--save-trajectory", "/nonexistent/t.csv"],
     ["--save-trajectory"], "refuse"),
    ("gd-csv-missing-dir", "simulate", GD + ["--csv", "/nonexistent/x.csv"], ["--csv"], "refuse"),
    ("gd-max-memory-1K", "simulate", GD + ["--max-memory", "1K"], ["--max-memory", "--N"], "refuse"),
    ("solve-set-not-a-number", "simulate", ["perceptron", "solve", "--method", "gd", "--set", "eta=abc"], ["eta"],
     "refuse"),
    ("solve-set-unknown", "simulate", ["perceptron", "solve", "--method", "gd", "--set", "nosuch=1"], ["nosuch"],
     "refuse"),
    ("solve-set-no-value", "simulate", ["perceptron", "solve", "--method", "gd", "--set", "eta"], ["--set"],
     "refuse"),
    ("solve-unknown-method", "simulate", ["perceptron", "solve", "--method", "nope"], ["--method"], "refuse"),
    ("solve-N-1e6", "simulate", ["perceptron", "solve", "--method", "bpr", "--N", "1000001", "--alpha", "1"],
     ["--N"], "refuse"),
    ("bpr-N-1e5", "simulate", ["perceptron", "bpr", "--N", "100001", "--alpha", "1"], ["--N"], "refuse"),
    ("cp-alpha-negative", "simulate", ["perceptron", "cp", "--alpha", "-1"], ["--alpha"], "refuse"),
    ("sa-N-1e6", "simulate", ["perceptron", "sa", "--N", "1000001", "--alpha", "1"], ["--N"], "refuse"),
    ("mc-binary-qstar-1.5", "simulate", ["perceptron", "mc-binary", "--N", "101", "--q-star", "1.5"], ["q"],
     "refuse"),
    ("mc-binary-beta-negative", "simulate", ["perceptron", "mc-binary", "--N", "101", "--beta", "-1"], ["beta"],
     "refuse"),
    ("mc-binary-n-equil-negative", "simulate", ["perceptron", "mc-binary", "--N", "101", "--n-equil", "-1"],
     ["n-equil"], "refuse"),
    ("mc-binary-N-1e6", "simulate", ["perceptron", "mc-binary", "--N", "1000001", "--alpha", "1"], ["--N"],
     "refuse"),
    ("energy-around-teacher-without-teacher", "simulate", ["perceptron", "energy-around", "--N", "101",
                                                          "--algorithm", "teacher"], ["--teacher"], "refuse"),
    ("energy-around-d-2", "simulate", ["perceptron", "energy-around", "--N", "101", "--algorithm", "teacher",
                                       "--teacher", "--d", "2"], ["d"], "refuse"),
    ("energy-around-n-samples-0", "simulate", ["perceptron", "energy-around", "--N", "101", "--algorithm",
                                               "teacher", "--teacher", "--n-samples", "0"], ["n-samples"],
     "refuse"),
    ("bp-local-entropy-N-1e6", "simulate", ["perceptron", "bp-local-entropy", "--N", "1000001", "--alpha", "1"],
     ["--N"], "refuse"),
    ("bp-local-entropy-d-1.5", "simulate", ["perceptron", "bp-local-entropy", "--N", "101", "--d", "1.5"], ["d"],
     "refuse"),
    ("bp-local-entropy-qstar-2", "simulate", ["perceptron", "bp-local-entropy", "--N", "101", "--qstar", "2"],
     ["qstar"], "refuse"),
    # ---- simulate Boltzmann machines, RBMs, deep networks
    ("vpf-hidden-1e9", "simulate", ["vpf", "rbm", "--hidden", "1000000000"], ["--hidden"], "refuse"),
    ("vpf-hidden-0", "simulate", ["vpf", "rbm", "--hidden", "0"], ["--hidden"], "refuse"),
    ("vpf-hidden-text", "simulate", ["vpf", "rbm", "--hidden", "abc"], ["--hidden"], "refuse"),
    ("vpf-rbm-two-layers", "simulate", ["vpf", "rbm", "--hidden", "10,10"], ["--hidden"], "refuse"),
    ("vpf-dbm-huge", "simulate", ["vpf", "dbm", "--hidden", "100000,100000,100000"], ["--hidden"], "refuse"),
    ("vpf-data-unknown", "simulate", ["vpf", "rbm", "--data", "nosuch"], ["--data", "nosuch"], "refuse"),
    ("vpf-data-gzip-bomb", "simulate", ["vpf", "rbm", "--data", "{d}/bomb-images-idx3-ubyte.gz"],
     ["bomb-images-idx3-ubyte.gz"], "refuse"),
    ("vpf-data-nan-pixels", "simulate", ["vpf", "rbm", "--data", "{d}/nanf-images-idx3-ubyte"],
     ["nanf-images-idx3-ubyte"], "refuse"),
    ("vpf-data-zero-images", "simulate", ["vpf", "rbm", "--data", "{d}/zero-images-idx3-ubyte"],
     ["zero-images-idx3-ubyte"], "refuse"),
    ("vpf-data-overflowing-dims", "simulate", ["vpf", "rbm", "--data", "{d}/overflow-images-idx3-ubyte"],
     ["overflow-images-idx3-ubyte"], "refuse"),
    ("vpf-data-fewer-labels", "simulate", ["vpf", "rbm", "--data", "{d}/few-images-idx3-ubyte"],
     ["labels"], "refuse"),
    ("vpf-data-text-file", "simulate", ["vpf", "rbm", "--data", "{d}/text.txt"], ["text.txt"], "refuse"),
    ("vpf-epochs-0", "simulate", ["vpf", "rbm", "--epochs", "0"], ["--epochs"], "refuse"),
    ("vpf-lr-negative", "simulate", ["vpf", "rbm", "--lr", "-1"], ["--lr"], "refuse"),
    ("vpf-batch-0", "simulate", ["vpf", "rbm", "--batch", "0"], ["--batch"], "refuse"),
    ("vpf-save-missing-dir", "simulate", ["vpf", "rbm", "--save", "/nonexistent/dir/m.npz"], ["--save"], "refuse"),
    ("vpf-save-not-npz", "simulate", ["vpf", "rbm", "--save", "{d}/m.txt"], ["--save"], "refuse"),
    ("vpf-rbm-intra", "simulate", ["vpf", "rbm", "--intra"], ["--intra"], "refuse"),
    ("cd-k-0", "simulate", ["cd", "rbm", "--k", "0"], ["--k"], "refuse"),
    ("cd-hidden-1e9", "simulate", ["cd", "rbm", "--hidden", "1000000000"], ["--hidden"], "refuse"),
    ("cd-lr-nan", "simulate", ["cd", "rbm", "--lr", "nan"], ["--lr"], "refuse"),
    ("planted-N-1e12", "simulate", ["rbm", "planted", "--N", "1000000000000"], ["--N"], "refuse"),
    ("planted-out-not-npz", "simulate", ["rbm", "planted", "--N", "20", "--out", "{d}/planted.dat"], ["--out"],
     "refuse"),
    ("planted-out-missing-dir", "simulate", ["rbm", "planted", "--N", "20", "--out", "/nonexistent/p.npz"],
     ["--out"], "refuse"),
    ("planted-N-0", "simulate", ["rbm", "planted", "--N", "0"], ["--N"], "refuse"),
    ("planted-c-2", "simulate", ["rbm", "planted", "--c", "2"], ["--c"], "refuse"),
    ("planted-alpha-negative", "simulate", ["rbm", "planted", "--alpha", "-1"], ["--alpha"], "refuse"),
    ("planted-interval-0", "simulate", ["rbm", "planted", "--interval", "0"], ["--interval"], "refuse"),
    ("variational-text-npz", "simulate", VAR + ["--data", "{d}/text.npz"], ["text.npz", "not an .npz"], "refuse"),
    ("variational-string-sigma", "simulate", VAR + ["--data", "{d}/string.npz"], ["string.npz", "sigma"],
     "refuse"),
    ("variational-complex-sigma", "simulate", VAR + ["--data", "{d}/complex.npz"], ["complex.npz", "sigma"],
     "refuse"),
    ("variational-nan-sigma", "simulate", VAR + ["--data", "{d}/nan.npz"], ["nan.npz", "sigma"], "refuse"),
    ("variational-no-sigma", "simulate", VAR + ["--data", "{d}/nosigma.npz"], ["nosigma.npz", "sigma"], "refuse"),
    ("variational-missing-npz", "simulate", VAR + ["--data", "{d}/missing.npz"], ["--data", "missing.npz"],
     "refuse"),
    ("variational-1d-sigma", "simulate", VAR + ["--data", "{d}/oned.npz"], ["oned.npz", "sigma"], "refuse"),
    ("variational-sigma-not-spins", "simulate", VAR + ["--data", "{d}/zerotwo.npz"], ["zerotwo.npz", "sigma"],
     "refuse"),
    ("variational-xi-shape", "simulate", VAR + ["--data", "{d}/xishape.npz"], ["xishape.npz", "xi"], "refuse"),
    ("variational-object-sigma", "simulate", VAR + ["--data", "{d}/object.npz"], ["object.npz", "sigma"],
     "refuse"),
    ("variational-hidden-1e9", "simulate", VAR + ["--planted", "--hidden", "1000000000"], ["--hidden"], "refuse"),
    ("variational-B1-0", "simulate", VAR + ["--planted", "--B1", "0"], ["--B1"], "refuse"),
    ("variational-steps-0", "simulate", VAR + ["--planted", "--steps", "0"], ["--steps"], "refuse"),
    ("variational-gzip-bomb", "simulate", VAR + ["--data", "{d}/bomb-images-idx3-ubyte.gz"],
     ["bomb-images-idx3-ubyte.gz"], "refuse"),
    ("variational-nan-pixels", "simulate", VAR + ["--data", "{d}/nanf-images-idx3-ubyte"],
     ["nanf-images-idx3-ubyte"], "refuse"),
    ("variational-int16-pixels", "simulate", VAR + ["--data", "{d}/short-images-idx3-ubyte"],
     ["short-images-idx3-ubyte"], "refuse"),
    ("variational-truncated-idx", "simulate", VAR + ["--data", "{d}/trunc-images-idx3-ubyte"],
     ["trunc-images-idx3-ubyte"], "refuse"),
    ("variational-data-unknown", "simulate", VAR + ["--data", "nosuch"], ["nosuch"], "refuse"),
    ("variational-n-samples-0", "simulate", VAR + ["--data", "digits", "--n-samples", "0"], ["n-samples"],
     "refuse"),
    ("variational-save-trajectory-not-npz", "simulate", VAR + ["--planted", "--save-trajectory", "{d}/t.txt"],
     ["--save-trajectory"], "refuse"),
    ("hopfield-retrieve-N-1e6", "simulate", ["hopfield", "hopfield_retrieve", "--N", "1000000", "--alpha", "1000"],
     ["--N"], "refuse"),
    ("hopfield-retrieve-N-1", "simulate", ["hopfield", "hopfield_retrieve", "--N", "1", "--alpha", "0.1"], ["N"],
     "refuse"),
    ("hopfield-retrieve-flip-2", "simulate", ["hopfield", "hopfield_retrieve", "--alpha", "0.1", "--flip", "2"],
     ["flip"], "refuse"),
    ("hopfield-retrieve-T-negative", "simulate", ["hopfield", "hopfield_retrieve", "--alpha", "0.1", "--T", "-1"],
     ["T"], "refuse"),
    ("rrbm-N-1e7", "simulate", ["rrbm", "sample", "--N", "10000000", "--alpha", "100", "--p", "0.1"], ["--N"],
     "refuse"),
    ("rrbm-p-0", "simulate", ["rrbm", "sample", "--alpha", "0.1", "--p", "0"], ["p"], "refuse"),
    ("rrbm-L-init-negative", "simulate", ["rrbm", "sample", "--alpha", "0.1", "--p", "0.1", "--L-init", "-1"],
     ["L"], "refuse"),
    ("deep-hidden-huge", "simulate", DEEP + ["--hidden", "100000,100000"], ["--hidden"], "refuse"),
    ("deep-hidden-0", "simulate", DEEP + ["--hidden", "0"], ["--hidden"], "refuse"),
    ("deep-epochs-0", "simulate", ["deep", "train", "--epochs", "0"], ["--epochs"], "refuse"),
    ("deep-save-missing-dir", "simulate", DEEP + ["--save", "/nonexistent/m.npz"], ["--save"], "refuse"),
    ("deep-save-not-npz", "simulate", DEEP + ["--save", "{d}/m.txt"], ["--save"], "refuse"),
    ("deep-data-unknown", "simulate", DEEP + ["--data", "nosuch"], ["--data"], "refuse"),
    ("deep-data-bad-dir", "simulate", DEEP + ["--data", "{d}/idxdir"], ["idxdir", "4 labels"], "refuse"),
    ("deep-batch-too-large", "simulate", DEEP + ["--hidden", "8", "--batch", "100000"], ["--batch"], "refuse"),
    ("deep-lr-100", "simulate", DEEP + ["--lr", "100"], ["--lr"], "refuse"),
    ("deep-dropout-1", "simulate", DEEP + ["--dropout", "1"], ["--dropout"], "refuse"),
    ("deep-n-train-0", "simulate", DEEP + ["--n-train", "0"], ["--n-train"], "refuse"),
    ("deep-evaluate-text-npz", "simulate", ["deep", "evaluate", "--load", "{d}/text.npz"],
     ["text.npz", "not a valid .npz"], "refuse"),
    ("deep-evaluate-complex-model", "simulate", ["deep", "evaluate", "--load", "{d}/complex-model.npz"],
     ["complex-model.npz", "m0"], "refuse"),
    ("deep-evaluate-missing", "simulate", ["deep", "evaluate", "--load", "{d}/missing.npz"], ["missing.npz"],
     "refuse"),
    ("simulate-unknown-group", "simulate", ["nosuch"], ["nosuch"], "refuse"),
    # ---- validate: stores, output paths, seeds
    ("store-random-bytes", "validate", CAP + ["--store", "{d}/random.bin"], ["--store", "random.bin"], "refuse"),
    ("store-text-file", "validate", CAP + ["--store", "{d}/text.txt"], ["--store", "text.txt"], "refuse"),
    ("store-directory", "validate", CAP + ["--store", "{d}"], ["--store", "directory"], "refuse"),
    ("store-missing-directory", "validate", CAP + ["--store", "/nonexistent/dir/s.sqlite"], ["--store"], "refuse"),
    ("store-foreign-sqlite", "validate", CAP + ["--store", "{d}/foreign.sqlite"], ["--store", "not a result store"],
     "refuse"),
    ("store-locked", "validate", CAP + ["--store", "{d}/locked.sqlite"], ["--store", "locked"], "refuse"),
    ("store-empty-file-ok-but-plot-bad", "validate", CAP + ["--store", "{d}/empty.sqlite", "--plot",
                                                            "/nonexistent/x.png"], ["--plot"], "refuse"),
    ("validate-seed-negative", "validate", CAP + ["--seed", "-1"], ["seed"], "refuse"),
    ("validate-plot-missing-dir", "validate", CAP + ["--plot", "/nonexistent/x.png"], ["--plot"], "refuse"),
    ("validate-plot-unknown-format", "validate", CAP + ["--plot", "{d}/x.xyz"], ["--plot"], "refuse"),
    ("validate-plot-in-proc", "validate", ["vpf", "parzen", "--plot", "/proc/x.png"], ["--plot"], "refuse"),
    ("hopfield-store-directory", "validate", ["hopfield", "--store", "{d}"], ["--store"], "refuse"),
    ("rbm-mnist-store-text", "validate", ["rbm", "mnist", "--store", "{d}/text.txt"], ["--store"], "refuse"),
    ("report-out-existing-file", "validate", ["report", "--out", "{d}/text.txt"], ["--out"], "refuse"),
    ("report-out-proc", "validate", ["report", "--out", "/proc/nope"], ["--out"], "refuse"),
    ("report-store-random-bytes", "validate", ["report", "--out", "{d}/rep1", "--store", "{d}/random.bin"],
     ["--store"], "refuse"),
    ("report-only-unknown", "validate", ["report", "--out", "{d}/rep2", "--only", "nosuch"], ["only", "nosuch"],
     "refuse"),
    ("report-seed-negative", "validate", ["report", "--out", "{d}/rep3", "--seed", "-1"], ["seed"], "refuse"),
    ("report-out-under-file", "validate", ["report", "--out", "{d}/text.txt/sub"], ["--out"], "refuse"),
    ("report-scheduler-malformed", "validate", ["report", "--out", "{d}/rep4", "--scheduler", "nope"],
     ["--scheduler"], "refuse"),
    ("report-scheduler-unreachable", "validate", ["report", "--out", "{d}/rep5", "--scheduler",
                                                  "tcp://127.0.0.1:9"], ["--scheduler"], "refuse"),
    ("validate-unknown-command", "validate", ["perceptron", "nosuch"], ["nosuch"], "refuse"),
]

#: headline cases that also run as real ``python -m`` subprocesses (end to end, own interpreter)
SUBPROCESS_CASES = ["fp-order-1e8", "rs-range-1e12", "gd-N-1e6-alpha-1", "vpf-hidden-1e9", "planted-N-1e12",
                    "store-locked", "report-out-proc", "variational-gzip-bomb"]

# --------------------------------------------------------------------------- the child process


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


class _Timeout(BaseException):
    pass


def _run_in_process(prog: str, argv: list[str]) -> tuple[object, str, float]:
    """``main_with_groups`` of ``python -m prog`` on ``argv``; (exit code, stderr, seconds)."""
    import importlib

    from theory.core.cli import main_with_groups

    main = importlib.import_module(f"{prog}.__main__")
    err, out = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()

    def alarm(*_):
        raise _Timeout

    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(CASE_SECONDS)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            try:
                code = main_with_groups(f"python -m {prog}", main.__doc__, main.GROUPS, argv)
            except SystemExit as exc:   # argparse
                code = exc.code
            except _Timeout:
                code = "hang"
            except BaseException:   # noqa: BLE001 - a crash is what we record
                import traceback

                code = "exception"
                err.write(traceback.format_exc())
    finally:
        signal.alarm(0)
    return code, err.getvalue(), time.perf_counter() - t0


def _child(cases_file: str, results_file: str) -> None:
    cases = json.loads(Path(cases_file).read_text())
    with open(results_file, "a") as fh:
        for cid, prog, argv in cases:
            fh.write(json.dumps({"id": cid, "start": True}) + "\n")
            fh.flush()
            code, err, secs = _run_in_process(prog, argv)
            fh.write(json.dumps({"id": cid, "code": code, "stderr": err[-3000:], "seconds": secs}) + "\n")
            fh.flush()


# --------------------------------------------------------------------------- fixtures


def _idx(path: Path, code: int, dims: tuple[int, ...], payload: bytes, gz: bool = False) -> None:
    raw = bytes([0, 0, code, len(dims)]) + struct.pack(">" + "I" * len(dims), *dims) + payload
    if gz:
        with gzip.open(path, "wb") as fh:
            fh.write(raw)
    else:
        path.write_bytes(raw)


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    (d / "text.txt").write_text("hello, not data\n")
    (d / "text.npz").write_text("hello, I am text named .npz\n")
    (d / "random.bin").write_bytes(np.random.default_rng(0).bytes(4096))
    (d / "empty.sqlite").write_bytes(b"")
    con = sqlite3.connect(d / "foreign.sqlite")
    con.execute("CREATE TABLE other (x INTEGER)")
    con.commit()
    con.close()
    spins = np.where(np.random.default_rng(1).random((30, 8)) < 0.5, -1, 1).astype(np.int8)
    np.savez(d / "string.npz", sigma=np.array([["a", "b"], ["c", "d"]]))
    np.savez(d / "complex.npz", sigma=spins.astype(complex) + 1j)
    np.savez(d / "nan.npz", sigma=np.where(spins > 0, np.nan, -1.0))
    np.savez(d / "nosigma.npz", x=spins)
    np.savez(d / "oned.npz", sigma=spins[0])
    np.savez(d / "zerotwo.npz", sigma=(spins + 1).astype(np.int8))
    np.savez(d / "xishape.npz", sigma=spins, xi=np.ones((5, 2), dtype=np.int8))
    np.savez(d / "object.npz", sigma=np.array([1, "a", None], dtype=object))
    # IDX files: a gzip claiming 1e9 images, NaN/1e30 float pixels, 0 images, overflowing dims,
    # 24 images with 4 labels, int16 pixels, a truncated payload
    _idx(d / "bomb-images-idx3-ubyte.gz", 0x08, (10 ** 9, 28, 28), bytes(8 * 2 ** 20), gz=True)
    _idx(d / "nanf-images-idx3-ubyte", 0x0D, (2, 2, 2), np.array([0, 1, np.nan, 1e30, 0, 0, 1, 1], ">f4").tobytes())
    _idx(d / "zero-images-idx3-ubyte", 0x08, (0, 28, 28), b"")
    _idx(d / "overflow-images-idx3-ubyte", 0x08, (2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1), b"")
    _idx(d / "few-images-idx3-ubyte", 0x08, (24, 2, 2), bytes(range(96)))
    _idx(d / "few-labels-idx1-ubyte", 0x08, (4,), bytes([0, 1, 2, 3]))
    _idx(d / "short-images-idx3-ubyte", 0x0B, (2, 2, 2), np.arange(8, dtype=">i2").tobytes())
    _idx(d / "trunc-images-idx3-ubyte", 0x08, (10, 28, 28), bytes(100))
    (d / "idxdir").mkdir()
    for kind in ("train", "t10k"):
        _idx(d / "idxdir" / f"{kind}-images-idx3-ubyte", 0x08, (24, 2, 2), bytes(range(96)))
        _idx(d / "idxdir" / f"{kind}-labels-idx1-ubyte", 0x08, (4,), bytes([0, 1, 2, 3]))
    # a deep-network model file whose first weight matrix is complex
    from simulate.deep import StochasticBinaryNetwork, save_deep_model

    good = save_deep_model(StochasticBinaryNetwork((64, 3, 10), seed=0), d / "good-model.npz")
    with np.load(good) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["m0"] = arrays["m0"].astype(np.complex64) + 0.5j
    np.savez(d / "complex-model.npz", **arrays)
    # a result store with its write lock held by this (the test) process while the children run
    from validate.store import ResultStore

    with ResultStore(d / "locked.sqlite") as st:
        st.put("t", {"x": 1}, 0, "v", {"y": 1}, wall_time=0.0)
    lock = sqlite3.connect(d / "locked.sqlite", isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    yield d
    lock.execute("ROLLBACK")
    lock.close()


def _expand(argv: list[str], d: Path) -> list[str]:
    return [a.replace("{d}", str(d)) for a in argv]


def _run_batch(cases: list[tuple[str, str, list[str]]], d: Path) -> dict[str, dict]:
    """Run ``cases`` in child processes (restarted after a case that kills or hangs one)."""
    results: dict[str, dict] = {}
    todo = list(cases)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "LOWPREC_TRACEBACK": "1",
           "PYTHONPATH": str(ROOT)}
    while todo:
        cases_file, results_file = d / "cases.json", d / "results.jsonl"
        cases_file.write_text(json.dumps(todo))
        results_file.write_text("")
        try:
            subprocess.run([sys.executable, str(HERE), str(cases_file), str(results_file)], cwd=d, env=env,
                           preexec_fn=_limit_memory, timeout=60 + (CASE_SECONDS + 5) * len(todo),
                           capture_output=True, text=True)
        except subprocess.TimeoutExpired:
            pass
        started = None
        for line in results_file.read_text().splitlines():
            r = json.loads(line)
            if r.get("start"):
                started = r["id"]
            else:
                results[r["id"]] = r
                started = None
        if started is not None:   # the child died (memory, signal) or hung inside this case
            results[started] = {"id": started, "code": "died", "stderr": "", "seconds": float("nan")}
        todo = [c for c in todo if c[0] not in results]
    return results


def _outcome(res: dict, names: list[str], expect: str) -> str:
    code, err = res["code"], res["stderr"]
    if code == "hang":
        return "hang"
    if code in ("died", "exception") or "Traceback" in err or "internal error" in err:
        return "crash"
    if code == 0:
        return "silent"
    if code == 2 or (code == 1 and expect == "fail"):
        return "refused" if _names_in(names, err) else "unnamed"
    return "crash"


def _names_in(names: list[str], text: str) -> bool:
    """Every name appears in ``text`` (case-insensitive; ``n_equil`` names ``--n-equil`` too)."""
    def norm(t: str) -> str:
        return t.lower().replace("_", "-")

    return all(norm(n) in norm(text) for n in names)


_TALLY: dict[str, str] = {}


@pytest.fixture(scope="module")
def cli_results(bad_files):
    return _run_batch([(cid, prog, _expand(argv, bad_files)) for cid, prog, argv, _, _ in CASES], bad_files)


def test_case_ids_are_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 150


@pytest.mark.parametrize("cid,prog,argv,names,expect", CASES, ids=[c[0] for c in CASES])
def test_bad_command_line_is_refused(cli_results, cid, prog, argv, names, expect):
    res = cli_results[cid]
    outcome = _outcome(res, names, expect)
    _TALLY[cid] = outcome
    assert outcome == "refused", (f"{prog} {' '.join(argv)}: {outcome} (exit {res['code']}, "
                                  f"{res['seconds']:.1f} s)\n{res['stderr'][-1500:]}")


def test_failed_report_leaves_no_directory(cli_results, bad_files):
    for sub in ("rep1", "rep2", "rep3", "rep4", "rep5"):
        assert not (bad_files / sub).exists(), f"a refused report left {sub}/ behind"


def test_refusals_come_before_the_work(cli_results):
    """A refusal costs no computation: every case of the table answers within a few seconds in-process."""
    slow = {cid: r["seconds"] for cid, r in cli_results.items() if r["seconds"] > 5.0}
    assert not slow, f"slow refusals (s): {slow}"


@pytest.mark.parametrize("cid", SUBPROCESS_CASES)
def test_headline_cases_as_python_m(bad_files, cid):
    """The same refusals through the real ``python -m`` entry point (own interpreter, memory cap, timeout)."""
    _, prog, argv, names, _ = next(c for c in CASES if c[0] == cid)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", prog, *_expand(argv, bad_files)], cwd=bad_files, env=env,
                       preexec_fn=_limit_memory, timeout=60, capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr
    assert _names_in(names, p.stderr), p.stderr
    assert time.perf_counter() - t0 < 30


# --------------------------------------------------------------------------- data files, in-process

LOADER_CASES = [
    # (id, loader, file name, words the message must contain)
    ("idx-gzip-bomb", "read_idx", "bomb-images-idx3-ubyte.gz", ["bomb-images-idx3-ubyte.gz", "mismatch"]),
    ("idx-zero-images", "load_dataset", "zero-images-idx3-ubyte", ["zero-images-idx3-ubyte", "no images"]),
    ("idx-overflow", "read_idx", "overflow-images-idx3-ubyte", ["overflow-images-idx3-ubyte"]),
    ("idx-nan-pixels", "load_dataset", "nanf-images-idx3-ubyte", ["nanf-images-idx3-ubyte", "finite"]),
    ("idx-fewer-labels", "load_dataset", "few-images-idx3-ubyte", ["few-labels-idx1-ubyte", "4 labels"]),
    ("idx-int16", "load_dataset", "short-images-idx3-ubyte", ["short-images-idx3-ubyte", "pixels"]),
    ("idx-truncated", "read_idx", "trunc-images-idx3-ubyte", ["trunc-images-idx3-ubyte", "mismatch"]),
    ("idx-text", "read_idx", "text.txt", ["text.txt", "not an IDX file"]),
    ("npz-text", "load_npz_arrays", "text.npz", ["text.npz", "not an .npz file"]),
    ("npz-string", "load_npz_arrays", "string.npz", ["string.npz", "real numbers"]),
    ("npz-complex", "load_npz_arrays", "complex.npz", ["complex.npz", "complex"]),
    ("npz-nan", "load_npz_arrays", "nan.npz", ["nan.npz", "non-finite"]),
    ("npz-object", "load_npz_arrays", "object.npz", ["object.npz", "sigma"]),
    ("deep-model-text", "load_deep_model", "text.npz", ["text.npz", "not a valid .npz"]),
    ("deep-model-complex", "load_deep_model", "complex-model.npz", ["complex-model.npz", "m0"]),
    ("boltzmann-model-text", "load_boltzmann_machine", "text.npz", ["text.npz", "not a readable .npz"]),
    ("boltzmann-model-complex", "load_boltzmann_machine", "complex-boltzmann.npz",
     ["complex-boltzmann.npz", "complex"]),
]


def _loader(name: str):
    from simulate.boltzmann.machines import load_boltzmann_machine
    from simulate.core import load_dataset, load_npz_arrays, read_idx
    from simulate.deep import load_deep_model

    return {"read_idx": read_idx, "load_dataset": load_dataset, "load_deep_model": load_deep_model,
            "load_boltzmann_machine": load_boltzmann_machine,
            "load_npz_arrays": lambda p: load_npz_arrays(p, "--data", ("sigma",))}[name]


@pytest.mark.parametrize("cid,loader,fname,words", LOADER_CASES, ids=[c[0] for c in LOADER_CASES])
def test_bad_data_file_is_refused(bad_files, cid, loader, fname, words):
    from simulate.boltzmann import init_boltzmann_machine, save_boltzmann_machine

    if fname == "complex-boltzmann.npz" and not (bad_files / fname).exists():
        p = save_boltzmann_machine(init_boltzmann_machine((4, 3), seed=0), bad_files / "good-bm.npz")
        with np.load(p) as z:
            arrays = {k: z[k] for k in z.files}
        arrays["W0"] = arrays["W0"].astype(complex) + 1j
        np.savez(bad_files / fname, **arrays)
    path = str(bad_files / fname)
    t0 = time.perf_counter()
    try:
        _loader(loader)(path)
        outcome = "silent"
    except (ValueError, FileNotFoundError) as exc:
        msg = str(exc)
        outcome = "refused" if all(w.lower() in msg.lower() for w in words) else "unnamed"
    except Exception as exc:  # noqa: BLE001
        outcome, msg = "crash", f"{type(exc).__name__}: {exc}"
    _TALLY[cid] = outcome
    assert outcome == "refused", msg if outcome != "silent" else "loaded without a word"
    assert time.perf_counter() - t0 < 5.0   # the 1e9-image gzip is refused from its trailer, not decompressed


# --------------------------------------------------------------------------- no finished result lost


def test_write_failure_after_the_work_keeps_the_result(tmp_path, monkeypatch, capsys):
    """The --csv directory disappears during the computation: the rows go to a temporary file, named on
    stderr, and the exit code is 1."""
    import shutil

    import theory.__main__ as tm
    from theory.core import cli

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    real = cli.write_csv

    def vanish_then_write(path, rows):
        shutil.rmtree(out_dir, ignore_errors=True)
        return real(path, rows)

    monkeypatch.setattr(cli, "write_csv", vanish_then_write)
    code = cli.main_with_groups("python -m theory", tm.__doc__, tm.GROUPS,
                                ["perceptron", "binary-entropy", "--alpha", "0.3", "--csv", str(out_dir / "r.csv")])
    err = capsys.readouterr().err
    assert code == 1
    fallback = err.split("the result was written to ")[1].split(" instead")[0]
    rows = Path(fallback).read_text().splitlines()
    assert rows[0].startswith("alpha") or "alpha" in rows[0]
    from theory.perceptron import binary_entropy

    header, values = rows[0].split(","), rows[1].split(",")
    assert float(values[header.index("entropy")]) == pytest.approx(binary_entropy(0.3).entropy, rel=1e-12)
    Path(fallback).unlink()


def test_planted_out_writes_exactly_the_name_asked(tmp_path):
    """``rbm planted --out x.npz`` writes x.npz (through a file object, numpy appends nothing) and the file
    round-trips through ``rbm variational --data``'s loader."""
    import simulate.__main__ as sm
    from theory.core.cli import main_with_groups

    out = tmp_path / "planted.npz"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main_with_groups("python -m simulate", sm.__doc__, sm.GROUPS,
                                ["rbm", "planted", "--N", "20", "--alpha", "1", "--out", str(out), "--json"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["planted.npz"]
    from simulate.core import load_npz_arrays

    z = load_npz_arrays(out, "--data", ("sigma", "xi"))
    assert z["sigma"].shape == (20, 20) and set(np.unique(z["sigma"]).tolist()) <= {-1, 1}


def test_dataset_is_part_of_the_stored_key():
    """Two data sets give two keys: a point computed on the digits fallback is never found for MNIST."""
    from simulate.core import dataset_fingerprint
    from validate.store import ResultStore
    from validate.sweep import run_sweep

    calls = []

    def point(x, seed):
        calls.append(x)
        return {"y": x}

    with ResultStore(":memory:") as st:
        for data in ("digits", "digits", "other"):
            fp = dataset_fingerprint("digits") if data == "digits" else "other:0123456789abcdef"
            run_sweep(point, [{"x": 1}], task="t", seeds=[0], store=st, workers=1, code_version="v",
                      data_versions=[fp], progress=False)
        assert len(calls) == 2 and st.count("t") == 2


@pytest.mark.parametrize("method,caps", [("gd", dict(max_epochs=2)), ("cp", dict(max_epochs=2)),
                                         ("sa", dict(max_sweeps=10)), ("bpr", dict(max_iter=2))])
def test_memory_estimate_bounds_the_measured_peak(method, caps):
    """The perceptron estimate lies between the peak memory measured (tracemalloc: every numpy array) while
    an instance is drawn and the method runs, and three times that peak."""
    import argparse
    import tracemalloc

    from simulate.commands.perceptron import pattern_memory
    from simulate.perceptron import generate_instance, solve_perceptron

    solve_perceptron(generate_instance(101, 0.5, seed=0), method, seed=0, **caps)   # compile first
    args = argparse.Namespace(N=1001, alpha=2.0, packed=False, **caps)
    estimate = sum(b for b, _ in pattern_memory(args, method))
    tracemalloc.start()
    try:
        solve_perceptron(generate_instance(1001, 2.0, seed=0), method, seed=0, **caps)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= estimate <= 3 * peak


@pytest.mark.parametrize("command,hidden", [("vpf", "64"), ("vpf", "512"), ("cd", "512"), ("dbm", "64,64,16"),
                                            ("deep", "256"), ("deep", "801,801,801")])
def test_training_memory_estimate_bounds_the_measured_peak(command, hidden):
    """VPF, CD, DBM and deep-network estimates lie between the measured peak (tracemalloc) of one epoch on
    the 8x8 digits and three times it."""
    import argparse
    import tracemalloc

    from simulate.boltzmann import train_cd, train_vpf
    from simulate.commands.deep import _train_estimate
    from simulate.commands.vpf import load_training, training_estimate
    from simulate.deep import load_deep_data, train_deep_network

    sizes = tuple(int(h) for h in hidden.split(","))

    def run():
        if command == "deep":
            train_deep_network(load_deep_data("digits"), sizes, epochs=1, batch=100, seed=0)
            return
        x, _ = load_training("digits")
        if command == "cd":
            train_cd(x, sizes[0], epochs=1, seed=0)
        else:
            train_vpf(x, sizes, epochs=1, seed=0)

    run()   # compile and warm caches first
    tracemalloc.start()
    try:
        run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    if command == "deep":
        estimate = sum(b for b, _ in _train_estimate(argparse.Namespace(hidden=hidden, batch=100, data="digits")))
    else:
        estimate = sum(b for b, _ in training_estimate(argparse.Namespace(
            hidden=hidden, epochs=1, batch=20 if command == "cd" else 40, lr=1e-3, weight_decay=1e-4,
            data="digits", intra=False)))
    assert peak <= estimate <= 3 * peak


def test_tally():
    """Print the tally of this module's bad inputs (runs last: pytest keeps file order)."""
    counts = {k: sum(v == k for v in _TALLY.values()) for k in ("refused", "unnamed", "crash", "silent", "hang")}
    print(f"\nbad inputs tried {len(_TALLY)}: refused cleanly {counts['refused']}, refused without naming the "
          f"option {counts['unnamed']}, crashes {counts['crash']}, silent wrong {counts['silent']}, "
          f"hangs {counts['hang']}")
    assert len(_TALLY) >= len(CASES)


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2])
