"""Regression against the numbers the papers state (validate/published.py).

Each entry carries its own tolerance and justification; slow entries (paper
sizes) run with ``-m slow`` and in the report's full mode.
"""
import math
import re
from pathlib import Path

import pytest

from validate.published import PUBLISHED

PARAMS = [
    pytest.param(p, id=p.key, marks=([pytest.mark.slow] if p.slow else [])
                 + ([pytest.mark.xfail(reason=p.known_disagreement, strict=True)] if p.known_disagreement else []))
    for p in PUBLISHED
]


@pytest.mark.parametrize("entry", PARAMS)
def test_published_number(entry):
    assert entry.reproduce is not None, f"{entry.key}: no way to reproduce"
    ours = entry.reproduce("full" if entry.slow else "quick")
    assert math.isfinite(ours)
    assert abs(ours - entry.value) <= entry.tolerance, (
        f"{entry.key}: ours {ours:.6g} vs published {entry.value} ({entry.source}, {entry.where}); "
        f"tolerance {entry.tolerance} ({entry.justification})")


def test_every_entry_is_documented():
    keys = [p.key for p in PUBLISHED]
    assert len(keys) == len(set(keys))
    for p in PUBLISHED:
        assert p.source and p.where and p.justification and p.tolerance > 0


def test_every_source_is_a_reference_key():
    """``source`` is a key of docs/references.md, and so is every ``[key, ...]`` cited in ``where``."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "references.md").read_text(encoding="utf-8")
    keys = set(re.findall(r"^\| `([a-z]+[0-9]{4})` \|", text, flags=re.M))
    assert {"baldassi2018", "huang2020", "amit1985"} <= keys
    for p in PUBLISHED:
        assert p.source in keys, p.key
        assert set(re.findall(r"\[([a-z]+[0-9]{4})[,\]]", p.where)) <= keys, p.key
