"""Shared CLI plumbing: ranges, JSON purity, CSV/plot output, exit codes."""
import argparse
import json
import sys
import types

import numpy as np
import pytest

from theory.core import check_real, converge
from theory.core.cli import add_output_options, add_scan_option, handler, main_with_groups, parse_scan


def test_parse_scan():
    assert parse_scan("0.5") == 0.5
    np.testing.assert_allclose(parse_scan("0:1:5"), [0, 0.25, 0.5, 0.75, 1.0])
    for bad in ("a", "0:1", "0:1:0", "0:1:x"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_scan(bad)


def _fixed_point(a: float, init=None):
    a = check_real("a", a, gt=0, lt=1)
    start = init.values if init is not None else {"x": 0.0}
    return converge(lambda v: {"x": a * np.cos(v["x"])}, start)


def _never(a: float):
    return converge(lambda v: {"x": v["x"] + 1.0}, {"x": 0.0}, maxiter=5)


@pytest.fixture
def fake_module(monkeypatch):
    mod = types.ModuleType("fake_cmds")
    mod.__doc__ = "Fake commands for tests."

    def add_commands(sub):
        p = sub.add_parser("fp")
        add_scan_option(p, "a", default=0.5)
        add_output_options(p)
        p.set_defaults(func=handler(_fixed_point, ["a"], y=["x"]))
        q = sub.add_parser("never")
        add_scan_option(q, "a", default=0.5)
        add_output_options(q)
        q.set_defaults(func=handler(_never, ["a"]))

    mod.add_commands = add_commands
    monkeypatch.setitem(sys.modules, "fake_cmds", mod)
    return {"g": ["fake_cmds"]}


def test_json_point_and_range(fake_module, capsys):
    assert main_with_groups("prog", "d", fake_module, ["g", "fp", "--a", "0.5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["converged"] and out["x"] == pytest.approx(0.4501836112948736, abs=1e-9)
    assert main_with_groups("prog", "d", fake_module, ["g", "fp", "--a", "0.1:0.9:5", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["a"] for r in rows] == pytest.approx([0.1, 0.3, 0.5, 0.7, 0.9])
    for r in rows:
        assert r["x"] == pytest.approx(r["a"] * np.cos(r["x"]), abs=1e-9)


def test_table_csv_and_plot(fake_module, capsys, tmp_path):
    csv, png = tmp_path / "t.csv", tmp_path / "t.png"
    code = main_with_groups("prog", "d", fake_module,
                            ["g", "fp", "--a", "0.1:0.9:4", "--csv", str(csv), "--plot", str(png)])
    assert code == 0
    out = capsys.readouterr().out
    assert "converged" in out.splitlines()[0]
    lines = csv.read_text().splitlines()
    assert lines[0].startswith("a,") and len(lines) == 5
    assert png.stat().st_size > 1000


def test_exit_codes(fake_module, capsys):
    assert main_with_groups("prog", "d", fake_module, ["g", "fp", "--a", "1.5"]) == 2
    err = capsys.readouterr().err
    assert "a must be > 0 and < 1 (got 1.5)" in err
    assert main_with_groups("prog", "d", fake_module, ["g", "never", "--json"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["converged"] is False
    assert main_with_groups("prog", "d", fake_module, []) == 2


def test_missing_command_module_is_an_error(fake_module):
    """A command module listed in the groups that does not exist raises ImportError naming it (never dropped)."""
    groups = {"g": ["fake_cmds", "module_that_does_not_exist_yet"]}
    with pytest.raises(ImportError, match="module_that_does_not_exist_yet") as info:
        main_with_groups("prog", "d", groups, ["g", "fp", "--a", "0.5"])
    assert info.value.name == "module_that_does_not_exist_yet"
    # a group made only of a missing module, too (it used to vanish from the parser)
    with pytest.raises(ImportError, match="theory.commands.nonexistent"):
        main_with_groups("prog", "d", {"h": ["theory.commands.nonexistent"]}, [])


def test_broken_import_inside_a_command_module_propagates(monkeypatch, tmp_path):
    """An existing command module whose own import fails keeps its original error (not reported as missing)."""
    (tmp_path / "broken_cmds.py").write_text("import module_that_does_not_exist_either\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="module_that_does_not_exist_either"):
        main_with_groups("prog", "d", {"g": ["broken_cmds"]}, [])
