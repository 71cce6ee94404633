"""``python -m validate report``: run every registered comparison, write HTML + Markdown.

The report imports the modules listed in :mod:`validate.report_modules`, runs
each ``@comparison`` in the chosen mode (``quick`` or ``full``) with a shared
:class:`validate.store.ResultStore` (so a second run reuses finished
simulation points), saves each figure as PNG and writes ``index.html``,
``report.md`` and ``report.json`` into the output directory. A comparison that
raises is reported as an error section with its traceback; a module that is
missing is reported as missing: nothing is dropped silently.
"""
from __future__ import annotations

import dataclasses
import html
import importlib
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from theory.core import Record, to_jsonable
from validate.compare import REGISTRY, Comparison
from validate.report_modules import MODULES

__all__ = ["Section", "Report", "run_report", "package_version"]

SECTION_ORDER = [
    "Stochastic perceptron",
    "RBM with binary synapses (variational mean-field)",
    "Variational probability flow [liu2018]",
    "Random ReLU-RBMs (Tubiana-Monasson)",
    "Hopfield model (Amit-Gutfreund-Sompolinsky)",
    "Deep stochastic binary networks (SM Sec. V)",
]


def package_version() -> str:
    try:
        from importlib.metadata import version

        return version("lowprec-learning")
    except Exception:  # not installed (running from a checkout)
        return "0+checkout"


@dataclass(frozen=True, kw_only=True)
class Section(Record):
    """One comparison's outcome in the report."""

    key: str
    title: str
    section: str
    status: str  # "ok" | "error" | "missing"
    wall_time: float = 0.0
    figure_file: str = ""
    error: str = ""
    comparison: Comparison | None = field(default=None, repr=False)
    #: simulation points of the section's sweeps: computed in this run / loaded from the store
    points_computed: int = 0
    points_cached: int = 0
    #: summed wall time of those points (for cached ones: as stored when they were computed)
    seconds_computed: float = 0.0
    seconds_cached: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["comparison"] = self.comparison.to_dict() if self.comparison else None
        return d


@dataclass(frozen=True, kw_only=True)
class Report(Record):
    mode: str
    out_dir: str
    seed: int
    wall_time: float
    machine: dict[str, Any]
    version: str
    sections: tuple[Section, ...]

    def compute(self) -> dict[str, float]:
        """Simulation points behind the report: counts and summed wall time, now and from the store."""
        keys = ("points_computed", "points_cached", "seconds_computed", "seconds_cached")
        return {k: sum(getattr(s, k) for s in self.sections) for k in keys}

    def counts(self) -> dict[str, int]:
        out = {"agrees": 0, "disagrees": 0, "measured": 0, "not comparable": 0, "errors": 0, "missing": 0}
        for s in self.sections:
            if s.status == "error":
                out["errors"] += 1
            elif s.status == "missing":
                out["missing"] += 1
            elif s.comparison is not None:
                for k, v in s.comparison.counts().items():
                    out[k] = out.get(k, 0) + v
        return out

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["sections"] = [s.to_dict() for s in self.sections]
        d["counts"] = self.counts()
        d["compute"] = self.compute()
        return d


def _machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }


def _import_modules(modules: Sequence[str]) -> list[Section]:
    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            missing.append(Section(key=name, title=f"module {name}", section="Missing", status="missing",
                                   error=f"module {name} not found"))
    return missing


def run_report(
    mode: str = "quick",
    out: str | os.PathLike = "report",
    *,
    store: str | os.PathLike | None = None,
    scheduler: str | None = None,
    seed: int = 0,
    only: Sequence[str] | None = None,
    progress: bool | None = None,
    modules: Sequence[str] = MODULES,
) -> Report:
    """Run the registered comparisons and write the report files.

    Parameters
    ----------
    mode
        ``"quick"`` (minutes) or ``"full"`` (paper sizes; hours).
    out
        Output directory (created).
    store
        SQLite store path; default ``OUT/store.sqlite``. Finished points are reused.
    scheduler
        Dask scheduler address; simulation sweeps run there instead of locally.
    seed
        Base seed passed to every comparison.
    only
        Keys (or key prefixes) of the comparisons to run.

    Examples
    --------
    A report of one registered toy comparison (``modules=()``: the comparison families are not imported):

    >>> import tempfile
    >>> from validate.compare import Row, comparison
    >>> @comparison("demo.sum", "1 + 1", "Demo")
    ... def demo_sum(mode="quick", store=None, seed=0):
    ...     row = Row(quantity="sum", theory=2.0, sim_mean=1.0 + 1.0)
    ...     return Comparison(key="demo.sum", title="1 + 1", rows=(row,))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     rep = run_report(out=d, only=["demo."], modules=(), progress=False)
    ...     files = sorted(p.name for p in Path(d).iterdir())
    >>> _ = REGISTRY.pop("demo.sum")
    >>> [(s.key, s.status) for s in rep.sections], rep.counts()["agrees"], files
    ([('demo.sum', 'ok')], 1, ['index.html', 'report.json', 'report.md', 'store.sqlite'])
    """
    if mode not in ("quick", "full"):
        raise ValueError(f"mode must be 'quick' or 'full' (got {mode!r})")
    t0 = time.perf_counter()
    out = Path(out)
    sections: list[Section] = _import_modules(modules)
    entries = sorted(
        REGISTRY.items(),
        key=lambda kv: (SECTION_ORDER.index(kv[1]["section"]) if kv[1]["section"] in SECTION_ORDER else 99,
                        kv[1]["order"], kv[0]),
    )
    if only:
        entries = [(k, v) for k, v in entries if any(k == o or k.startswith(o) for o in only)]
        if not entries:
            raise ValueError(f"only: no registered comparison matches {list(only)} (known: {sorted(REGISTRY)})")
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)  # only now: a rejected call leaves no empty directory behind
    try:
        return _run_report(out, entries, sections, mode, store, scheduler, seed, progress, t0)
    except BaseException:
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()   # a report that failed before writing anything leaves no empty directory
        raise


def _run_report(out: Path, entries: list, sections: list, mode: str, store, scheduler, seed: int, progress,
                t0: float) -> Report:
    from validate import sweep
    from validate.store import ResultStore

    if progress is None:
        progress = sys.stderr.isatty()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(entries), desc="report", file=sys.stderr)
    with ResultStore(store or out / "store.sqlite") as st, sweep.options(scheduler=scheduler, progress=progress):
        for key, entry in entries:
            if bar is not None:
                bar.set_postfix_str(key)
            sections.append(_run_one(key, entry, mode, st, seed, out))
            if bar is not None:
                bar.update()
    if bar is not None:
        bar.close()
    report = Report(mode=mode, out_dir=str(out), seed=seed, wall_time=time.perf_counter() - t0, machine=_machine(),
                    version=package_version(), sections=tuple(sections))
    (out / "report.json").write_text(json.dumps(to_jsonable(report.to_dict()), indent=1, allow_nan=False))
    (out / "report.md").write_text(render_markdown(report))
    (out / "index.html").write_text(render_html(report))
    return report


def _run_one(key: str, entry: dict, mode: str, store, seed: int, out: Path) -> Section:
    from validate.sweep import accounting

    t = time.perf_counter()
    with accounting() as ledger:
        try:
            comp = entry["fn"](mode=mode, store=store, seed=seed)
            if not isinstance(comp, Comparison):
                raise TypeError(f"comparison {key} returned {type(comp).__name__}, not Comparison")
        except Exception:
            comp, error = None, traceback.format_exc(limit=8)
    points = {"points_computed": sum(e["n_computed"] for e in ledger),
              "points_cached": sum(e["n_cached"] for e in ledger),
              "seconds_computed": sum(e["seconds_computed"] for e in ledger),
              "seconds_cached": sum(e["seconds_cached"] for e in ledger)}
    if comp is None:
        return Section(key=key, title=entry["title"], section=entry["section"], status="error",
                       wall_time=time.perf_counter() - t, error=error, **points)
    fig_file = ""
    if comp.figure is not None:
        fig_file = f"fig_{key.replace('.', '_').replace('/', '_')}.png"
        comp.figure.savefig(out / fig_file, dpi=110, bbox_inches="tight")
        # a matplotlib.figure.Figure made without pyplot is in no figure manager: there is nothing to
        # close, and dropping the last reference frees it (the report keeps the PNG, not 17 live figures)
        comp = dataclasses.replace(comp, figure=None)
    return Section(key=key, title=entry["title"], section=entry["section"], status="ok",
                   wall_time=time.perf_counter() - t, figure_file=fig_file, comparison=comp, **points)


# ---------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------
_COLS = ["quantity", "theory", "simulation", "n", "published", "source", "deviation (s.e.)", "verdict", "tolerance"]


def _num(x: Any, digits: int = 4) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if v != v:
        return "–"
    return f"{v:.{digits}g}"


def _row_cells(r) -> list[str]:
    sim = "–" if r.sim_mean != r.sim_mean else (
        _num(r.sim_mean) + ("" if r.sim_se != r.sim_se else f" ± {_num(r.sim_se, 2)}"))
    return [r.quantity, _num(r.theory), sim, str(r.n or "–"), _num(r.published), r.source or "–",
            _num(r.deviation_se, 3), r.verdict, r.tolerance]


def _summary_lines(rep: Report) -> list[str]:
    c = rep.counts()
    disagree = [f"{s.key}: {r.quantity}" for s in rep.sections if s.comparison
                for r in s.comparison.rows if r.verdict == "disagrees"]
    lines = [
        f"mode **{rep.mode}**, seed {rep.seed}, package version {rep.version}",
        f"wall time {rep.wall_time:.1f} s on {rep.machine['platform']} "
        f"({rep.machine['cpus']} CPUs, Python {rep.machine['python']})",
        _compute_line(rep.compute()),
        f"comparisons: {c['agrees']} agree, {c['disagrees']} disagree, {c['measured']} measured, "
        f"{c['not comparable']} not comparable; "
        f"{c['errors']} sections failed to run, {c['missing']} modules missing",
    ]
    if disagree:
        lines.append("disagreements: " + "; ".join(disagree))
    return lines


def _compute_line(p: dict[str, float]) -> str:
    total = p["seconds_computed"] + p["seconds_cached"]
    n = int(p["points_computed"] + p["points_cached"])
    return (f"simulation points: {n}, {int(p['points_cached'])} of them loaded from the store; "
            f"{total / 3600:.2f} h of point compute (each point's own wall time, summed: the one-core cost "
            f"of the simulations from scratch), {p['seconds_computed'] / 3600:.2f} h of it in this run")


def _grouped(rep: Report) -> dict[str, list[Section]]:
    groups: dict[str, list[Section]] = {}
    for s in rep.sections:
        groups.setdefault(s.section, []).append(s)
    return groups


def _points(s: Section) -> str:
    n = s.points_computed + s.points_cached
    if not n:
        return ""
    return (f"; {n} simulation points ({s.points_cached} from the store), "
            f"{(s.seconds_computed + s.seconds_cached) / 60:.1f} min of point compute")


def render_markdown(rep: Report) -> str:
    out = ["# Validation report: theory against simulation", ""]
    out += [f"- {x}" for x in _summary_lines(rep)] + [""]
    for group, secs in _grouped(rep).items():
        out += [f"## {group}", ""]
        for s in secs:
            out += [f"### {s.title}", "", f"`{s.key}` — {s.status}, {s.wall_time:.1f} s{_points(s)}", ""]
            if s.status != "ok":
                out += ["```", s.error.strip(), "```", ""]
                continue
            c = s.comparison
            if c.notes:
                out += [c.notes, ""]
            if s.figure_file:
                out += [f"![{s.title}]({s.figure_file})", ""]
            out += ["| " + " | ".join(_COLS) + " |", "|" + "---|" * len(_COLS)]
            out += ["| " + " | ".join(x.replace("|", "/") for x in _row_cells(r)) + " |" for r in c.rows]
            if c.command:
                out += ["", f"Regenerate: `{c.command}`"]
            out.append("")
    return "\n".join(out)


_CSS = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #bbb;padding:3px 7px;font-size:13px}
th{background:#eee}.agrees{background:#e3f6e3}.disagrees{background:#fbe0e0}.error{color:#a00}
img{max-width:100%;border:1px solid #ddd}pre{background:#f6f6f6;padding:8px;overflow:auto}"""


def render_html(rep: Report) -> str:
    e = html.escape
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>Validation report</title>",
           f"<style>{_CSS}</style></head><body>", "<h1>Validation report: theory against simulation</h1>",
           "<ul id='summary'>" + "".join(f"<li>{e(x).replace('**', '')}</li>" for x in _summary_lines(rep)) + "</ul>"]
    for group, secs in _grouped(rep).items():
        out.append(f"<h2>{e(group)}</h2>")
        for s in secs:
            out.append(f"<section class='comparison' id='{e(s.key)}'><h3>{e(s.title)}</h3>")
            out.append(f"<p><code>{e(s.key)}</code> — {e(s.status)}, {s.wall_time:.1f} s{e(_points(s))}</p>")
            if s.status != "ok":
                out.append(f"<pre class='error'>{e(s.error)}</pre></section>")
                continue
            c = s.comparison
            if c.notes:
                out.append(f"<p>{e(c.notes)}</p>")
            if s.figure_file:
                out.append(f"<img src='{e(s.figure_file)}' alt='{e(s.title)}'>")
            out.append("<table><tr>" + "".join(f"<th>{e(x)}</th>" for x in _COLS) + "</tr>")
            for r in c.rows:
                cls = r.verdict.replace(" ", "-")
                out.append(f"<tr class='{cls}'>" + "".join(f"<td>{e(x)}</td>" for x in _row_cells(r)) + "</tr>")
            out.append("</table>")
            if c.command:
                out.append(f"<p>Regenerate: <code>{e(c.command)}</code></p>")
            out.append("</section>")
    # marks every image with data-ok=1 once loaded, so a headless browser can check them
    out.append("<script>window.addEventListener('load',function(){document.querySelectorAll('img')"
               ".forEach(function(i){i.setAttribute('data-ok',(i.complete&&i.naturalWidth>0)?'1':'0')});"
               "document.body.setAttribute('data-checked','1')});</script>")
    out.append("</body></html>")
    return "\n".join(out)
