"""Training loop, Adam, model files and the ``python -m simulate deep`` commands."""
import json
import math
import zipfile

import numpy as np
import pytest

from simulate.core import Adam
from simulate.deep import (
    StochasticBinaryNetwork,
    evaluate_deep_network,
    load_deep_data,
    load_deep_model,
    save_deep_model,
    train_deep_network,
)
from theory.core.cli import main_with_groups

GROUPS = {"deep": ["simulate.commands.deep"]}


@pytest.fixture(scope="module")
def digits():
    return load_deep_data("digits")


def test_digits_learning_stochastic_binarized_network(digits):
    """A small binarized network from the stochastic scheme learns the 8x8 digits (chance: 90 % error)."""
    r = train_deep_network(digits, (64,), method="stochastic", epochs=15, batch=50, seed=0)
    assert r.converged
    h = r.history
    assert r.test_error_binarized < 0.2
    assert r.test_error_mean_field < 0.12
    assert h["test_error_binarized"][-1] < h["test_error_binarized"][0]
    assert h["loss"][-1] < 0.6 * h["loss"][0]
    # the binarized network evaluated here is the sign of m with sign units: recompute it by hand
    net = r.network
    t = digits.x_test
    ws = [np.where(m >= 0, 1.0, -1.0) for m in net.m]
    t = np.where(t @ ws[0].T + net.b[0] >= 0, 1.0, -1.0)
    pred = np.argmax(t @ ws[1].T + net.b[1], axis=1)
    assert np.mean(pred != digits.y_test) == pytest.approx(r.test_error_binarized)


def test_polarization_schedule_polarizes_the_means(digits):
    """``polarize_epochs``: the gain of ``m = tanh(gain h)`` reaches ``polarize_gain`` on the last epoch, the means
    polarize (q = <m^2> grows towards 1) and the hyperparameters are recorded; the epochs before the window are
    the unpolarized run's, bit for bit (same seed)."""
    kw = dict(method="stochastic", epochs=6, batch=50, seed=3, eval_train=False)
    plain = train_deep_network(digits, (32,), **kw)
    pol = train_deep_network(digits, (32,), polarize_epochs=3, polarize_gain=8.0, **kw)
    assert pol.network.gain == pytest.approx(8.0) and plain.network.gain == 1.0
    assert (pol.polarize_epochs, pol.polarize_gain) == (3, 8.0)
    assert pol.history["loss"][:3] == plain.history["loss"][:3]
    q = [float(np.mean(np.concatenate([m.ravel() for m in r.network.m]) ** 2)) for r in (plain, pol)]
    assert q[1] > q[0] + 0.15 and q[1] > 0.85
    with pytest.raises(ValueError, match="polarize_epochs applies to method 'stochastic' only"):
        train_deep_network(digits, (32,), method="bnn", epochs=2, polarize_epochs=1)
    with pytest.raises(ValueError, match="polarize_gain"):
        train_deep_network(digits, (32,), epochs=2, polarize_epochs=1, polarize_gain=0.5)


@pytest.mark.parametrize("method", ["bnn", "relu"])
def test_digits_learning_baselines(digits, method):
    r = train_deep_network(digits, (64,), method=method, epochs=15, batch=50, seed=0)
    assert r.converged and r.test_error < 0.15
    assert math.isnan(r.test_error_mean_field)


def test_adam_matches_the_algorithm():
    """The project's Adam (simulate.core, used by the deep networks) against Kingma & Ba's Algorithm 1
    written out here (eps added to sqrt(v_hat))."""
    rng = np.random.default_rng(0)
    p = rng.normal(size=5)
    q = p.copy()
    opt = Adam([p], lr=0.01)
    m = v = np.zeros(5)
    for t in range(1, 30):
        g = rng.normal(size=5)
        opt.step([g.copy()])
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        q = q - 0.01 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        assert np.allclose(p, q, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("method", ["stochastic", "bnn", "relu"])
def test_model_file_round_trip(tmp_path, digits, method):
    r = train_deep_network(digits, (16,), method=method, epochs=2, batch=50, seed=1)
    path = save_deep_model(r.network, tmp_path / "m.npz", encoding="real", meta={"epochs": 2})
    net, info = load_deep_model(path)
    assert info["method"] == method and info["sizes"] == (64, 16, 10) and info["meta"] == {"epochs": 2}
    before = evaluate_deep_network(r.network, digits.x_test, digits.y_test)
    after = evaluate_deep_network(net, digits.x_test, digits.y_test)
    assert before["error"] == after["error"]
    with np.load(path, allow_pickle=False) as z:      # no pickles anywhere in the file
        assert all(z[k].dtype != object for k in z.files)


def _good_arrays():
    net = StochasticBinaryNetwork((5, 4, 3), seed=0)
    return {"format_version": np.array(1), "method": np.array("stochastic"), "sizes": np.array([5, 4, 3]),
            "encoding": np.array("real"), "meta": np.array("{}"), **net.arrays()}


@pytest.mark.parametrize("change,needle", [
    (lambda a: a.update(m1=np.zeros((3, 5), np.float32)), "'m1' has shape (3, 5), expected (3, 4)"),
    (lambda a: a.pop("b0"), "missing entry 'b0'"),
    (lambda a: a.update(format_version=np.array(7)), "format_version 7"),
    (lambda a: a.update(method=np.array("svm")), "method must be one of"),
    (lambda a: a.update(m0=np.full((4, 5), 1.5, np.float32)), "must lie in [-1, 1]"),
    (lambda a: a.update(b1=np.array([np.nan, 0, 0], np.float32)), "non-finite"),
    (lambda a: a.update(m7=np.zeros((2, 2), np.float32)), "unexpected entries ['m7']"),
    (lambda a: a.update(meta=np.array([{"x": 1}], dtype=object)), "unreadable entry"),
])
def test_malformed_model_file_refused(tmp_path, change, needle):
    arrays = _good_arrays()
    change(arrays)
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError) as exc:
        load_deep_model(path)
    assert needle in str(exc.value) and "bad.npz" in str(exc.value)


def test_truncated_and_foreign_files_refused(tmp_path):
    good = tmp_path / "good.npz"
    np.savez(good, **_good_arrays())
    raw = good.read_bytes()
    for cut in (10, len(raw) // 2, len(raw) - 30):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(raw[:cut])
        with pytest.raises(ValueError, match="cut"):
            load_deep_model(bad)
    npy = tmp_path / "x.npz"
    with open(npy, "wb") as fh:
        np.save(fh, np.zeros(3))
    with pytest.raises(ValueError, match="not a valid .npz"):
        load_deep_model(npy)
    other = tmp_path / "other.npz"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="not a deep-network model file"):
        load_deep_model(other)


def _cli(argv, capsys):
    code = main_with_groups("python -m simulate", "", GROUPS, argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_train_save_evaluate(tmp_path, capsys):
    model = tmp_path / "model.npz"
    code, out, err = _cli(["deep", "train", "--data", "digits", "--hidden", "32", "--epochs", "3", "--batch", "50",
                           "--seed", "2", "--save", str(model), "--json"], capsys)
    assert code == 0 and "epoch 3/3" in err          # progress on stderr, JSON alone on stdout
    res = json.loads(out)
    for key in ("test_error_binarized", "test_error_mean_field", "train_error_binarized", "epochs",
                "seconds_per_epoch"):
        assert key in res
    assert res["epochs"] == 3 and len(res["history"]["test_error_binarized"]) == 3
    code, out, _ = _cli(["deep", "evaluate", "--load", str(model), "--data", "digits", "--json"], capsys)
    ev = json.loads(out)
    assert code == 0 and ev["test_error_binarized"] == res["test_error_binarized"]
    assert ev["test_error_mean_field"] == pytest.approx(res["test_error_mean_field"])


def test_cli_preset_fills_unset_options_and_explicit_options_win(capsys):
    from simulate.deep import DEEP_PRESETS

    p = DEEP_PRESETS["stochastic+dropout"]
    code, out, _ = _cli(["deep", "train", "--preset", "stochastic+dropout", "--hidden", "16", "--epochs", "2",
                         "--batch", "50", "--lr", "0.005", "--quiet", "--json"], capsys)
    res = json.loads(out)
    assert code == 0 and res["preset"] == "stochastic+dropout"
    assert (res["method"], res["dropout"], res["input_dropout"], res["lr_decay"], res["polarize_gain"]) == \
        (p.method, p.dropout, p.input_dropout, p.lr_decay, p.polarize_gain)
    assert res["lr"] == 0.005 and res["batch"] == 50 and res["epochs"] == 2
    assert res["polarize_epochs"] == 2          # the preset's window (10) shortened to the run
    # without a preset: the built-in defaults (no schedule, no dropout, no polarization)
    code, out, _ = _cli(["deep", "train", "--hidden", "16", "--epochs", "1", "--quiet", "--json"], capsys)
    res = json.loads(out)
    assert code == 0 and res["preset"] is None
    assert (res["lr_decay"], res["dropout"], res["polarize_epochs"], res["batch"]) == (1.0, 0.0, 0, 100)


def test_cli_preset_names_match_the_table():
    from simulate.commands.deep import PRESET_NAMES
    from simulate.deep import DEEP_PRESETS

    assert tuple(PRESET_NAMES) == tuple(DEEP_PRESETS)


@pytest.mark.parametrize("argv,needle", [
    (["--epochs", "0"], "--epochs must be an integer >= 1"),
    (["--hidden", "32,x"], "--hidden must be comma-separated"),
    (["--hidden", "0"], "--hidden must be an integer >= 1"),
    (["--lr", "-1"], "--lr must be > 0.0"),
    (["--dropout", "1.0"], "--dropout must be >= 0.0 and < 1.0"),
    (["--batch", "5000"], "--batch must be <= the number of training images"),
    (["--save", "/nonexistent-dir/m.npz"], "directory '/nonexistent-dir' does not exist"),
    (["--save", "model.pkl"], "--save must name a .npz file"),
    (["--data", "nowhere"], "--data must be mnist, fashion, digits"),
    (["--n-train", "5000"], "n_train (--n-train) must be <= 1438"),
    (["--polarize-epochs", "2"], "--polarize-epochs must be an integer >= 0 and <= 1"),
    (["--polarize-gain", "0.5"], "--polarize-gain must be >= 1.0"),
    (["--method", "relu", "--polarize-epochs", "1"], "--polarize-epochs applies to --method stochastic only"),
    (["--preset", "bnn", "--polarize-epochs", "1"], "--polarize-epochs applies to --method stochastic only"),
])
def test_cli_bad_input_exit_2(capsys, argv, needle):
    code, out, err = _cli(["deep", "train", "--epochs", "1", *argv], capsys)
    assert code == 2 and needle in err and out == ""


def test_cli_evaluate_bad_files_exit_2(tmp_path, capsys):
    bad = tmp_path / "t.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    code, _, err = _cli(["deep", "evaluate", "--load", str(bad)], capsys)
    assert code == 2 and "t.npz" in err and "Traceback" not in err
    code, _, err = _cli(["deep", "evaluate", "--load", str(tmp_path / "missing.npz")], capsys)
    assert code == 2 and "no such file" in err


def test_relu_dropout_gradients_match_finite_differences():
    from simulate.deep import ReluNetwork

    rng = np.random.default_rng(4)
    net = ReluNetwork((6, 5, 4, 3), seed=1, dtype=np.float64, dropout=0.3, input_dropout=0.2)
    for b in net.b:      # away from the ReLU kink at 0 (a unit whose inputs are all dropped sees only b)
        b[:] = rng.uniform(0.1, 0.5, b.shape) * rng.choice([-1, 1], b.shape)
    x, y = rng.random((10, 6)), rng.integers(0, 3, 10)
    loss, grads = net.loss_and_gradients(x, y, rng=7)
    for p, g in zip(net.params, grads):
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for k in range(0, flat.size, 3):
            old = flat[k]
            flat[k] = old + 1e-6
            lp = net.loss_and_gradients(x, y, rng=7)[0]
            flat[k] = old - 1e-6
            lm = net.loss_and_gradients(x, y, rng=7)[0]
            flat[k] = old
            assert abs((lp - lm) / 2e-6 - gflat[k]) < 1e-6


def _write_idx(path, arr, code):
    import gzip
    import struct

    header = struct.pack(">BBBB", 0, 0, code, arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    with gzip.open(path, "wb") as fh:
        fh.write(header + arr.astype(">u1").tobytes())


def test_idx_directory_and_encodings(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 30), ("t10k", 12)):
        imgs = rng.integers(0, 256, (n, 4, 4)).astype(np.uint8)
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", imgs, 0x08)
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", (np.arange(n) % 3).astype(np.uint8), 0x08)
    d = load_deep_data(str(tmp_path), encoding="real")
    assert (d.n_train, d.n_test, d.n_features, d.n_classes) == (30, 12, 16, 3)
    assert d.x_train.min() >= 0 and d.x_train.max() <= 1
    spin = load_deep_data(str(tmp_path), encoding="spin")
    assert set(np.unique(spin.x_test)) <= {-1.0, 1.0}
    assert np.array_equal(spin.x_test > 0, d.x_test > 0.5)
    binary = load_deep_data(str(tmp_path), encoding="binary")
    assert np.array_equal(binary.x_test, (d.x_test > 0.5).astype(np.float32))


def test_oversized_network_refused_before_training(capsys):
    code, out, err = _cli(["deep", "train", "--hidden", "100000,100000,100000", "--epochs", "1"], capsys)
    assert code == 2 and "GiB" in err and "hidden" in err


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_non_finite_loss_gives_failure_record(digits):
    import dataclasses

    huge = dataclasses.replace(digits, x_train=digits.x_train * np.float32(1e38))   # overflows in the GEMM
    r = train_deep_network(huge, (8,), method="relu", epochs=2, batch=50, seed=0)
    assert not r.converged and "non-finite loss" in r.message and math.isnan(r.test_error)
