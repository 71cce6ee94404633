"""Command line: ``python -m theory perceptron ...`` (JSON keys, ranges, CSV/plot, exit codes)."""
from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from theory.__main__ import GROUPS
from theory.core.cli import main_with_groups


def run(argv, capsys):
    code = main_with_groups("python -m theory", "", GROUPS, argv=["perceptron", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_rs_json_keys(capsys):
    code, out, _ = run(["rs", "--alpha", "0.55", "--beta", "20", "--qstar", "0.7", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    for k in ("alpha", "beta", "qstar", "q0", "qhat0", "qhat1", "phi", "converged", "residual", "iterations"):
        assert k in d
    assert d["converged"] is True and d["residual"] < 1e-10 and 0 < d["q0"] < 0.7


def test_stability_json(capsys):
    code, out, _ = run(["stability", "--alpha", "0.55", "--beta", "10", "--qstar", "0.8", "--json"], capsys)
    d = json.loads(out)
    assert code == 0
    assert d["margin"] == pytest.approx(0.55 * d["gamma_E"] * d["gamma_S"], rel=1e-12)
    assert d["stable"] is (d["margin"] < 1)


def test_bc_energy_range_csv_plot(capsys, tmp_path):
    csvf, png = tmp_path / "e.csv", tmp_path / "e.png"
    code, out, _ = run(["bc-energy", "--alpha", "0.55", "--beta", "20", "--qstar", "0.7:0.9:3", "--json",
                        "--csv", str(csvf), "--plot", str(png)], capsys)
    assert code == 0
    rows = json.loads(out)
    assert [r["qstar"] for r in rows] == pytest.approx([0.7, 0.8, 0.9])
    assert all({"p", "p_tilde", "E"} <= set(r) for r in rows)
    assert rows[0]["E"] > rows[1]["E"] > rows[2]["E"]
    with open(csvf) as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == 3 and float(table[2]["E"]) == pytest.approx(rows[2]["E"])
    assert png.stat().st_size > 1000


def test_binary_commands(capsys):
    code, out, _ = run(["binary-capacity", "--json"], capsys)
    assert code == 0 and json.loads(out)["alpha_c"] == pytest.approx(0.833, abs=1e-3)
    code, out, _ = run(["binary-entropy", "--alpha", "0.833078", "--json"], capsys)
    assert code == 0 and abs(json.loads(out)["entropy"]) < 1e-5
    code, out, _ = run(["binary-control", "--alpha", "0.55", "--beta", "15", "--qstar", "0.8", "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and {"E", "q0", "qhat0", "phi"} <= set(d) and 0 < d["E"] < 0.5


def test_betac_reports_failure_with_exit_1(capsys):
    # q* = 0.3 at alpha = 0.55: the margin stays well below 1 (0.13 at beta = 100, 0.07 at beta = 5)
    code, out, _ = run(["betac", "--alpha", "0.55", "--qstar", "0.3", "--beta-max", "5", "--json"], capsys)
    d = json.loads(out)
    assert code == 1 and d["converged"] is False and "no crossing" in d["message"]


@pytest.mark.parametrize("argv,word", [
    (["rs", "--alpha", "-1", "--beta", "1", "--qstar", "0.5"], "alpha"),
    (["rs", "--alpha", "0.5", "--beta", "1", "--qstar", "1.2"], "qstar"),
    (["bc-energy", "--alpha", "0.5", "--beta", "-3", "--qstar", "0.5"], "beta"),
    (["rs", "--alpha", "0.5", "--beta", "1", "--qstar", "0.5", "--order", "1"], "order"),
])
def test_bad_input_exit_2(argv, word, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2 and word in err and out == ""


def test_subprocess_exit_codes():
    ok = subprocess.run([sys.executable, "-m", "theory", "perceptron", "rs", "--alpha", "0.5", "--beta", "2",
                         "--qstar", "0.5", "--json"], capture_output=True, text=True)
    assert ok.returncode == 0 and json.loads(ok.stdout)["converged"] is True
    bad = subprocess.run([sys.executable, "-m", "theory", "perceptron", "rs", "--alpha", "0.5", "--beta", "2",
                          "--qstar", "0.0", "--json"], capture_output=True, text=True)
    assert bad.returncode == 2 and "qstar" in bad.stderr and bad.stdout == ""


def test_zero_temperature_command(capsys):
    """beta -> infinity limit: JSON keys, phi0 = alpha loglik, and a q* range (exit 0)."""
    code, out, _ = run(["zero-temperature", "--alpha", "0.55", "--qstar", "0.4", "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and d["converged"] is True
    assert {"chi", "R_hat", "A_hat", "phi0", "loglik", "margin", "stable", "E", "p"} <= set(d)
    assert d["phi0"] == pytest.approx(0.55 * d["loglik"], rel=1e-14) and d["A_hat"] < 0 < d["chi"]
    code, out, _ = run(["zero-temperature", "--alpha", "0.55", "--qstar", "0.3:0.9:3", "--json"], capsys)
    rows = json.loads(out)
    assert code == 0 and [r["qstar"] for r in rows] == pytest.approx([0.3, 0.6, 0.9])
    code, out, err = run(["zero-temperature", "--alpha", "0.55", "--qstar", "1.3"], capsys)
    assert code == 2 and "qstar" in err
