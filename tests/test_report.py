"""The report runner: sections, verdict counts, robustness to failing comparisons, HTML in a browser."""
import json
import shutil
import subprocess
import sys
import types

import pytest
from matplotlib.figure import Figure

from validate import compare
from validate.compare import Comparison, Row
from validate.report import run_report


@pytest.fixture
def fake_registry(monkeypatch):
    registry = {}
    monkeypatch.setattr(compare, "REGISTRY", registry)
    import validate.report as rep
    monkeypatch.setattr(rep, "REGISTRY", registry)

    def good(mode, store, seed):
        fig = Figure()  # as the library makes them: no pyplot, no backend switch
        fig.add_subplot().plot([0, 1], [0, 1])
        rows = (Row(quantity="x", theory=1.0, sim_mean=1.01, sim_se=0.01, n=4),
                Row(quantity="y", theory=1.0, sim_mean=2.0, sim_se=0.01, n=4))
        return Comparison(key="fake.good", title="Good", rows=rows, figure=fig, command="python -m validate fake")

    def bad(mode, store, seed):
        raise RuntimeError("boom")

    registry["fake.good"] = {"fn": good, "title": "Good", "section": "Stochastic perceptron", "order": 0}
    registry["fake.bad"] = {"fn": bad, "title": "Bad", "section": "Hopfield model", "order": 0}
    mod = types.ModuleType("fake_missing_parent")
    monkeypatch.setitem(sys.modules, "fake_missing_parent", mod)
    return registry


def test_report_sections_counts_and_files(fake_registry, tmp_path):
    rep = run_report("quick", tmp_path, modules=["a_module_that_is_missing"], progress=False)
    c = rep.counts()
    assert (c["agrees"], c["disagrees"], c["errors"], c["missing"]) == (1, 1, 1, 1)
    md = (tmp_path / "report.md").read_text()
    assert "boom" in md and "fig_fake_good.png" in md and "disagrees" in md
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["counts"]["agrees"] == 1
    assert (tmp_path / "fig_fake_good.png").stat().st_size > 1000
    html = (tmp_path / "index.html").read_text()
    assert html.count("<section") == 3
    # the saved figure is dropped, not kept alive by the report
    assert all(s.comparison is None or s.comparison.figure is None for s in rep.sections)


def test_report_rejects_bad_mode_and_unknown_only(fake_registry, tmp_path):
    with pytest.raises(ValueError, match="mode"):
        run_report("medium", tmp_path)
    with pytest.raises(ValueError, match="only"):
        run_report("quick", tmp_path / "new", only=["nothing.like.this"], modules=[])
    assert not (tmp_path / "new").exists()  # a rejected call leaves no empty output directory


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="Chromium not installed (Debian package 'chromium')")
def test_html_loads_every_figure_in_headless_chromium(fake_registry, tmp_path):
    run_report("quick", tmp_path, modules=[], progress=False)
    dom = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000", "--dump-dom",
         (tmp_path / "index.html").as_uri()],
        capture_output=True, text=True, timeout=120,
    ).stdout
    assert 'data-checked="1"' in dom
    assert dom.count("<img") >= 1
    assert 'data-ok="0"' not in dom and dom.count('data-ok="1"') == dom.count("<img")
    # no empty section: each has a table or an error block
    for chunk in dom.split("<section")[1:]:
        body = chunk.split("</section>")[0]
        assert "<table" in body or "<pre" in body


def _slow_square(x, seed):
    import time

    time.sleep(0.01)
    return {"y": x * x + seed}


def test_report_accounts_for_points_computed_now_and_loaded_from_the_store(monkeypatch, tmp_path):
    """The summary quotes the compute behind a report that resumed from a store:
    points computed in this run, points loaded, and their stored wall times."""
    from validate.sweep import grid, run_sweep

    registry = {}
    monkeypatch.setattr(compare, "REGISTRY", registry)
    import validate.report as rep_mod
    monkeypatch.setattr(rep_mod, "REGISTRY", registry)

    def swept(mode, store, seed):
        t = run_sweep(_slow_square, grid(x=[1, 2, 3]), task="acct", seeds=[seed], store=store, workers=1,
                      progress=False)
        row = Row(quantity="sum", theory=14.0, sim_mean=sum(t.column("y")), sim_se=0.1, n=3)
        return Comparison(key="fake.swept", title="Swept", rows=(row,))

    registry["fake.swept"] = {"fn": swept, "title": "Swept", "section": "Hopfield model", "order": 0}
    store = tmp_path / "store.sqlite"
    first = run_report("quick", tmp_path / "a", store=store, modules=[], progress=False)
    again = run_report("quick", tmp_path / "b", store=store, modules=[], progress=False)
    c1, c2 = first.compute(), again.compute()
    assert (c1["points_computed"], c1["points_cached"]) == (3, 0)
    assert (c2["points_computed"], c2["points_cached"]) == (0, 3)
    assert c1["seconds_computed"] >= 0.03 and c2["seconds_cached"] == pytest.approx(c1["seconds_computed"])
    md = (tmp_path / "b" / "report.md").read_text()
    assert "3 simulation points (3 from the store)" in md and "simulation points: 3, 3 of them loaded" in md
    assert json.loads((tmp_path / "b" / "report.json").read_text())["compute"]["points_cached"] == 3


def test_every_registered_section_has_its_place_in_the_report_order():
    """The report orders sections by ``SECTION_ORDER``; a section missing from it falls to the end
    silently (the section names had drifted from the list before this test)."""
    import importlib

    from validate.report import SECTION_ORDER
    from validate.report_modules import MODULES

    for m in MODULES:
        importlib.import_module(m)
    sections = {entry["section"] for entry in compare.REGISTRY.values()}
    assert sections <= set(SECTION_ORDER), sorted(sections - set(SECTION_ORDER))
