import json
import math

import numpy as np
import pytest

from validate.compare import Comparison, Row, deviation, mean_se


def test_mean_se():
    m, se, n = mean_se([1.0, 2.0, 3.0, np.nan])
    assert (m, n) == (2.0, 3)
    assert se == pytest.approx(1.0 / math.sqrt(3))
    assert math.isnan(mean_se([1.0])[1])
    assert mean_se([])[2] == 0


def test_row_verdicts():
    assert Row(quantity="E", theory=0.10, sim_mean=0.11, sim_se=0.005).verdict == "agrees"
    assert Row(quantity="E", theory=0.10, sim_mean=0.13, sim_se=0.005).verdict == "disagrees"
    r = Row(quantity="E", theory=0.10, sim_mean=0.13, sim_se=0.005, abs_tol=0.05)
    assert r.verdict == "agrees" and "0.05 abs" in r.tolerance
    assert r.deviation_se == pytest.approx(6.0)
    # published value used when there is no theory
    assert Row(quantity="acc", published=0.64, sim_mean=0.641, sim_se=0.003).verdict == "agrees"
    # a measurement without any reference is "measured"; "not comparable" is a comparison that could not be made
    assert Row(quantity="acc", sim_mean=0.641, sim_se=0.003).verdict == "measured"
    assert Row(quantity="acc", published=0.64).verdict == "not comparable"
    assert Row(quantity="acc", theory=0.64, sim_mean=math.nan).verdict == "not comparable"
    assert Row(quantity="acc").verdict == "not comparable"
    assert math.isnan(deviation(1.0, 1.0, 0.0))


def test_comparison_json_roundtrip():
    row = Row(quantity="E", theory=0.1, sim_mean=0.1, sim_se=0.01, n=5)
    c = Comparison(key="k", title="t", rows=(row,), data={"x": [1, 2]})
    d = json.loads(c.to_json())
    assert d["rows"][0]["verdict"] == "agrees" and d["data"]["x"] == [1, 2]
    assert "figure" not in d
    assert c.counts()["agrees"] == 1
