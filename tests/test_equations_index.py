"""docs/equations.md, the index from every implemented equation of the papers to its function, stays
current: every function it names exists, every row cites a key of docs/references.md in the one citation
form, and every family's public solver appears in it."""
import importlib
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
ROW = re.compile(r"^\| (\[[^|]+\]) \| (.+) \| (.+) \|$")


def _rows():
    rows = []
    for line in (DOCS / "equations.md").read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m and not line.startswith("| citation"):
            rows.append((m.group(1), re.findall(r"`([\w.]+)`", m.group(3))))
    return rows


def _keys():
    return set(re.findall(r"^\| `(\w+)` \|", (DOCS / "references.md").read_text(encoding="utf-8"), re.M))


def _resolve(dotted: str):
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for p in parts[i:]:
            obj = getattr(obj, p)
        return obj
    raise ImportError(dotted)


def test_index_is_not_empty():
    assert len(_rows()) >= 60


@pytest.mark.parametrize("cite,names", _rows(), ids=lambda x: x if isinstance(x, str) else None)
def test_row_cites_known_keys_and_names_existing_functions(cite, names):
    keys = set(re.findall(r"\[(\w+)", cite))
    assert keys and keys <= _keys(), f"{cite}: unknown reference key(s) {keys - _keys()}"
    assert names, f"{cite}: no function named"
    for name in names:
        assert name.split(".")[0] in {"theory", "simulate", "validate"}, name
        assert _resolve(name) is not None, name


def test_the_main_solvers_are_indexed():
    named = {n.rsplit(".", 1)[-1] for _, names in _rows() for n in names}
    for fn in ["solve_rs", "rs_stability", "beta_c", "bc_energy", "solve_binary_control", "solve_franz_parisi",
               "solve_zero_temperature", "gradient_ascent", "run_bp_reinforcement", "train_vpf",
               "train_variational_rbm", "solve_hopfield", "solve_relu_rbm", "planted_learning_threshold"]:
        assert fn in named, fn
