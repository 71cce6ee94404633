"""Generate the site's derived pages from the repository (called by ``conf.py`` at every build).

Nothing here is hand-edited output: the API pages come from each family's ``__all__``, the theory
pages include ``docs/*.md`` in place, the tutorials are copies of ``notebooks/*.ipynb`` and the
validation tables come from the comparison registry (and from ``report/report.json`` when a report
was written).  A file is rewritten only when its content changes, so Sphinx's incremental build and
myst-nb's execution cache stay valid.  Generated folders are listed in ``docs/site/.gitignore``.
"""
from __future__ import annotations

import importlib
import inspect
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

SITE = Path(__file__).resolve().parent
ROOT = SITE.parent.parent
DOCS = ROOT / "docs"

#: family API modules, in the order of the API reference, with a one-line description
FAMILIES = [
    ("theory.core", "Shared numerics: Gaussian-tail functions, quadrature, solvers, records, checks"),
    ("theory.perceptron", "Replica theory of the stochastic binary perceptron [baldassi2018]"),
    ("theory.rbm", "Hopfield, ReLU-RBM, compositional phase and planted-RBM theory"),
    ("simulate.core", "Seeds, fast random streams and data sets"),
    ("simulate.perceptron", "Perceptron algorithms: instances, GD, rules, SA, reinforced BP"),
    ("simulate.boltzmann", "Boltzmann machines: layers, block Gibbs, VPF / CD / PCD training"),
    ("simulate.variational_rbm", "Variational mean-field RBMs with binary synapses [huang2020]"),
    ("simulate.deep", "Deep networks with stochastic synapses"),
    ("validate", "Comparisons, sweeps, the result store and the report"),
    ("validate.perceptron", "Comparisons: stochastic perceptron"),
    ("validate.rbm", "Comparisons: Hopfield and ReLU-RBM"),
    ("validate.boltzmann", "Comparisons: VPF versus CD / PCD"),
    ("validate.variational_rbm", "Comparisons: variational RBM"),
    ("validate.deep", "Comparisons: deep networks"),
]

#: the docs/*.md that are not derivations, shown under "Reference" in the theory section
REFERENCE_DOCS = ["equations", "references", "architecture", "sweeps", "contributing"]
#: reading order of the derivations; every other docs/*.md is a derivation too and follows in
#: alphabetical order, so a new derivation needs no edit here
_DERIVATION_ORDER = [
    "stochastic_perceptron_rs", "stochastic_perceptron_1rsb", "rs_stability", "franz_parisi",
    "teacher_student", "perceptron_algorithms", "bp_reinforcement", "hopfield", "relu_rbm", "planted_rbm_threshold",
    "variational_rbm", "vpf", "deep_networks",
]


def _derivations() -> list[str]:
    present = sorted(p.stem for p in DOCS.glob("*.md") if p.stem not in REFERENCE_DOCS)
    return [d for d in _DERIVATION_ORDER if d in present] + [d for d in present if d not in _DERIVATION_ORDER]


#: derivations (theory pages), in reading order
DERIVATIONS = _derivations()

#: tutorials that exercise a name indirectly (the notebooks' own imports are found automatically)
RELATED_TUTORIALS = {
    "theory.perceptron.solve_rs": ["stochastic_perceptron"],  # bc_energy_curve solves SM Eq. 15 at every q*
    "theory.perceptron.rs_curve": ["stochastic_perceptron"],
}


#: derivation of the equations a module implements, by dotted-path prefix (longest match wins);
#: used when the citation itself is not found in a derivation
MODULE_DOCS = {
    "theory.perceptron": "stochastic_perceptron_rs",
    "theory.perceptron.franz_parisi": "franz_parisi",
    "theory.rbm.hopfield": "hopfield",
    "theory.rbm.relu_rbm": "relu_rbm",
    "theory.rbm.compositional": "relu_rbm",
    "theory.rbm.planted": "planted_rbm_threshold",
    "simulate.perceptron": "perceptron_algorithms",
    "simulate.perceptron.bp_reinforcement": "bp_reinforcement",
    "simulate.perceptron._bp_messages": "bp_reinforcement",
    "simulate.perceptron.bp_local_entropy": "bp_reinforcement",
    "simulate.boltzmann": "vpf",
    "simulate.boltzmann.hopfield_mc": "hopfield",
    "simulate.boltzmann.relu_rbm": "relu_rbm",
    "simulate.variational_rbm": "variational_rbm",
    "simulate.deep": "deep_networks",
    "validate.boltzmann": "vpf",
}


def module_doc(dotted: str) -> str | None:
    keys = [k for k in MODULE_DOCS if dotted == k or dotted.startswith(k + ".")]
    return MODULE_DOCS[max(keys, key=len)] if keys else None


@dataclass
class EquationRow:
    citation: str
    what: str
    paths: list[str]
    anchor: str = ""


@dataclass
class Index:
    public: dict[int, str] = field(default_factory=dict)        # id(object) -> "family.name"
    by_name: dict[str, str] = field(default_factory=dict)       # name -> "family.name"
    objects: dict[str, object] = field(default_factory=dict)    # "family.name" -> object
    rows: list[EquationRow] = field(default_factory=list)
    implements: dict[str, list[EquationRow]] = field(default_factory=dict)  # "family.name" -> rows
    citation_doc: dict[str, str] = field(default_factory=dict)  # citation -> derivation docname
    tutorials: dict[str, list[str]] = field(default_factory=dict)  # "family.name" -> notebook stems
    warnings: list[str] = field(default_factory=list)


def write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def resolve(dotted: str):
    """The object a dotted path names (module prefix imported, the rest by attribute), or None."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def anchor_of(citation: str) -> str:
    return "eq-" + re.sub(r"[^a-z0-9]+", "-", citation.lower()).strip("-")


def tex_of(row: EquationRow) -> str | None:
    """LaTeX of a row: keyed by its anchor (rows that share a citation) or by its citation."""
    from _equations_tex import EQUATIONS_TEX
    return EQUATIONS_TEX.get(row.anchor) or EQUATIONS_TEX.get(row.citation)


def parse_equation_index() -> list[EquationRow]:
    rows, seen = [], {}
    for line in (DOCS / "equations.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) != 3 or not cells[0].startswith("["):
            continue
        paths = re.findall(r"`([A-Za-z_][\w.]*)`", cells[2])
        anchor = anchor_of(cells[0])
        seen[anchor] = seen.get(anchor, 0) + 1
        if seen[anchor] > 1:  # several rows cite the same equation: eq-amit1985, eq-amit1985-2, ...
            anchor += f"-{seen[anchor]}"
        rows.append(EquationRow(cells[0], cells[1], paths, anchor))
    return rows


def build_index() -> Index:
    idx = Index()
    for fam, _ in FAMILIES:
        mod = importlib.import_module(fam)
        for name in mod.__all__:
            obj = getattr(mod, name)
            full = f"{fam}.{name}"
            idx.public.setdefault(id(obj), full)
            idx.by_name.setdefault(name, full)
            idx.objects[full] = obj
    idx.rows = parse_equation_index()
    texts = {d: (DOCS / f"{d}.md").read_text() for d in DERIVATIONS}
    for row in idx.rows:
        for p in row.paths:
            obj = resolve(p)
            if obj is None:
                idx.warnings.append(f"docs/equations.md names {p}, which does not exist")
                continue
            target = idx.public.get(id(obj))
            if target:
                rows = idx.implements.setdefault(target, [])
                if row not in rows:
                    rows.append(row)
        inner = row.citation.strip("[]")
        counts = {d: t.count(inner) for d, t in texts.items()}
        best = max(counts, key=counts.get)
        if counts[best]:
            idx.citation_doc[row.citation] = best
        else:
            docs = [d for d in map(module_doc, row.paths) if d]
            if docs:
                idx.citation_doc[row.citation] = docs[0]
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        for word in set(re.findall(r"\b[A-Za-z_]\w+\b", code)):
            if word in idx.by_name:
                idx.tutorials.setdefault(idx.by_name[word], []).append(nb.stem)
    for full, stems in RELATED_TUTORIALS.items():
        for s in stems:
            if s not in idx.tutorials.setdefault(full, []):
                idx.tutorials[full].append(s)
    return idx


# ---------------------------------------------------------------- API pages (reStructuredText)

def _directive(obj) -> str:
    if inspect.isclass(obj):
        return "autoclass"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj) or hasattr(obj, "py_func") or hasattr(obj, "__wrapped__"):
        return "autofunction"
    if type(obj).__name__ == "DUFunc":  # numba vectorized ufunc: documented as a function
        return "autofunction"
    return "autodata"


def _doc_missing(obj) -> bool:
    if inspect.isclass(obj) or callable(obj):
        doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
        if inspect.isclass(obj) and doc and doc.startswith(f"{obj.__name__}("):
            return True  # the signature that @dataclass writes when the class has no docstring
        return not (doc and doc.strip())
    return False


def _summary(obj) -> str:
    """First paragraph of the docstring, on one line (a blank when there is none)."""
    doc = inspect.getdoc(obj) if (inspect.isclass(obj) or callable(obj)) else None
    para = " ".join((doc or "").strip().split("\n\n")[0].split())
    return para or "\\"


_MD_INLINE = re.compile(r"\$([^$]+)\$|`([^`]+)`")


def markdown_to_rst_inline(text: str) -> str:
    """A cell of the equation index in reStructuredText: ``$...$`` math becomes a ``:math:`` role
    (typeset by MathJax), a code span a literal, a table pipe outside them a slash; the escaped
    spaces (``\\ ``) let a role touch a letter or punctuation, as rST requires of inline markup."""
    out, pos = [], 0
    for m in _MD_INLINE.finditer(text):
        out.append(text[pos:m.start()].replace("\\|", "/").replace("|", "/"))
        if m.group(1) is not None:
            out.append("\\ :math:`" + m.group(1) + "`\\ ")
        else:
            out.append("``" + m.group(2).replace("\\|", "|") + "``")
        pos = m.end()
    out.append(text[pos:].replace("\\|", "/").replace("|", "/"))
    return "".join(out)


def api_page(fam: str, title: str, idx: Index) -> str:
    mod = importlib.import_module(fam)
    head = f"``{fam}``"
    out = [f".. _api-{fam}:", "", head, "=" * len(head), "", title + ".", "",
           f".. py:module:: {fam}", "", f".. currentmodule:: {fam}", "",
           f"Import from the family API: ``from {fam} import NAME``. Every public name below has its "
           "signature, parameters, returns, the equation it implements (citation ``[key, Eq. N]``, "
           "keys in :doc:`/theory/references`) and a runnable example.", "",
           ".. list-table::", "   :widths: 30 70", ""]
    for n in mod.__all__:
        out += [f"   * - :py:obj:`{n}`", f"     - {_summary(getattr(mod, n))}"]
    out.append("")
    for name in mod.__all__:
        obj = getattr(mod, name)
        full = f"{fam}.{name}"
        if _doc_missing(obj):
            idx.warnings.append(f"public name {full} has no docstring")
        d = _directive(obj)
        out += [f".. {d}:: {name}"]
        if d == "autoclass":
            out += ["   :members:"]
        if d == "autodata":
            out += ["   :no-value:"]
        out.append("")
        rows = idx.implements.get(full, [])
        tuts = idx.tutorials.get(full, [])
        if rows or tuts:
            out += ["   .. rubric:: Equations and tutorials", ""]
        for row in rows:
            doc = idx.citation_doc.get(row.citation)
            links = f":ref:`equation index <{row.anchor}>`"
            if doc:
                links += f", derivation :doc:`/theory/{doc}`"
            what = markdown_to_rst_inline(row.what)
            out += [f"   * ``{row.citation}`` {what} ({links})", ""]
            tex = tex_of(row)
            if tex:
                out += ["     .. math::", "", f"        {tex}", ""]
        if tuts:
            out += ["   Used in the tutorials: " + ", ".join(f":doc:`/tutorials/{t}`" for t in tuts) + ".", ""]
    return "\n".join(out) + "\n"


def api_index() -> str:
    out = ["# API reference", "",
           "One page per model family; each family's `__init__` is its public API (`__all__`). "
           "Names are unique across the project, so `from FAMILY import NAME` is all a script needs.", "",
           "| family | contents |", "|---|---|"]
    out += [f"| {{doc}}`{fam} <{fam}>` | {title} |" for fam, title in FAMILIES]
    out += ["", "```{toctree}", ":hidden:", ""] + [fam for fam, _ in FAMILIES] + ["```", ""]
    return "\n".join(out)


# ---------------------------------------------------------------- theory pages (MyST, including docs/*.md)

def theory_page(name: str) -> str:
    return f"```{{include}} ../../{name}.md\n```\n"


def equations_page(idx: Index) -> str:
    from _equations_tex import NOTATION
    out = ["```{include} ../../equations.md", "```", "", "## Typeset equations", "",
           "The key equations of the index in LaTeX, rendered by the bundled MathJax, as the API pages show "
           "them next to the functions that implement them (each derivation typesets all of its equations). "
           "Notation:", "", "$$", NOTATION, "$$", ""]
    for row in idx.rows:
        out += [f"({row.anchor})=", f"### {row.citation.strip('[]')}", "", row.what, ""]
        tex = tex_of(row)
        if tex:
            out += ["$$", tex, "$$", ""]
        impl = [idx.public.get(id(resolve(p))) for p in row.paths]
        impl = [i for i in impl if i]
        if impl:
            out += ["Implemented by " + ", ".join(f"{{py:obj}}`{i}`" for i in dict.fromkeys(impl)) + ".", ""]
        doc = idx.citation_doc.get(row.citation)
        if doc:
            out += [f"Derivation: {{doc}}`/theory/{doc}`.", ""]
    return "\n".join(out)


def theory_index() -> str:
    out = ["# Theory", "",
           "The derivations of every implemented equation, with the places where the code departs from the "
           "printed equations of the source papers. They are the files `docs/*.md` of the repository, included "
           "here unchanged (their equations are LaTeX, `$...$` inline and `$$...$$` displayed, typeset in the "
           "browser by the bundled MathJax); code names in them link to the API reference, and "
           "{doc}`equations` maps every equation to the function that implements it.", "",
           "```{toctree}", ":caption: Derivations", ":maxdepth: 1", ""] + DERIVATIONS + ["```", "",
           "```{toctree}", ":caption: Reference", ":maxdepth: 1", ""] + REFERENCE_DOCS + ["```", ""]
    return "\n".join(out)


CODE_SPAN = re.compile(r"(?<!`)`([A-Za-z_][\w.]*)`(?!`)")


_EQ_LABEL = re.compile(r"\(([A-Z]{1,3}\d+)\)")


def _link_equation_labels(line: str, labels: set[str], prefix: str) -> str:
    """Link the plain-text references "(H7)" of a derivation to its tagged equations (targets
    ``(eq-<doc>-h7)=`` before the display), outside math and code; the Markdown keeps "(H7)"."""
    parts = re.split(r"(\$[^$]*\$|`[^`]*`|\{\w+(?::\w+)?\}`[^`]*`)", line)
    for k in range(0, len(parts), 2):  # the even parts are outside math, code and roles
        parts[k] = _EQ_LABEL.sub(lambda m: (f"{{ref}}`({m.group(1)}) <{prefix}-{m.group(1).lower()}>`"
                                            if f"{prefix}-{m.group(1).lower()}" in labels else m.group(0)),
                                 parts[k])
    return "".join(parts)


_TAGGED_MULTILINE = re.compile(r"^\$\$\n((?:(?!^\$\$$).)*?\\\\(?:(?!^\$\$$).)*?\\tag\{[^}]*\}[^\n]*)\n\$\$$",
                               re.M | re.S)


def tagged_displays_as_environments(text: str) -> str:
    """A ``$$`` display with line breaks and a ``\\tag`` (GitHub renders it as written) becomes an
    ``equation*`` environment for Sphinx, which wraps a multi-line ``$$`` block in ``split``, where
    MathJax does not allow ``\\tag``."""
    return _TAGGED_MULTILINE.sub(lambda m: "\\begin{equation*}\n" + m.group(1) + "\n\\end{equation*}", text)


def link_code_names(text: str, idx: Index, current: str) -> str:
    """Turn code spans naming public API objects (dotted paths or unique bare names) and ``docs/x.md``
    mentions into cross-references, outside fenced and indented code blocks."""
    out, fenced = [], False
    docs = set(DERIVATIONS) | set(REFERENCE_DOCS)

    def repl(m):
        word = m.group(1)
        target = None
        if "." in word:
            obj = resolve(word) if word.split(".")[0] in ("theory", "simulate", "validate") else None
            target = idx.public.get(id(obj)) if obj is not None else None
        elif (len(word) >= 4 or "_" in word) and word in idx.by_name:
            target = idx.by_name[word]
        if target:
            return f"{{py:obj}}`{word} <{target}>`"
        return m.group(0)

    def doc_repl(m):
        name = m.group(1)
        return f"{{doc}}`docs/{name}.md </theory/{name}>`" if name in docs and name != current else m.group(0)

    def path_repl(m):
        dotted = m.group(1)[:-3].replace("/", ".").removesuffix(".__init__")
        fams = [f for f, _ in FAMILIES if dotted == f or dotted.startswith(f + ".")]
        return f"{{doc}}`{m.group(1)} </api/{max(fams, key=len)}>`" if fams else m.group(0)

    lines = text.splitlines()
    inserted = False
    prefix = "eq-" + current.replace("_", "-")
    labels = set(re.findall(r"^\((" + prefix + r"-\w+)\)=$", text, re.M))
    for line in lines:
        if line.lstrip().startswith("```"):
            fenced = not fenced
            out.append(line)
            continue
        if fenced or line.startswith("    ") and not line.lstrip().startswith(("*", "-")):
            out.append(line)
            continue
        line = re.sub(r"`docs/(\w+)\.md`", doc_repl, line)
        line = re.sub(r"`((?:theory|simulate|validate)(?:/\w+)*\.py)`", path_repl, line)
        # "{n-1}" right before a backtick reads as a MyST role when a paragraph's backticks are
        # unbalanced (docs/franz_parisi.md): escape the brace of anything that is not a role we use
        line = re.sub(r"\{(?!(?:py:\w+|doc|ref|math|eq)\})([^{}\s]*)\}(?=`)", r"\\{\1}", line)
        line = CODE_SPAN.sub(repl, line)
        out.append(_link_equation_labels(line, labels, prefix) if labels and not line.startswith("$$") else line)
        if not inserted and line.startswith("# ") and current in DERIVATIONS:
            inserted = True
            rows = [r for r in idx.rows if idx.citation_doc.get(r.citation) == current]
            if rows:
                out += ["", ":::{admonition} Equations of this page and the code that implements them", "",
                        "From the {doc}`equation index <equations>` (key equations typeset).", ""]
                for r in rows:
                    impl = [idx.public.get(id(resolve(p))) for p in r.paths]
                    impl = ", ".join(f"{{py:obj}}`{i}`" for i in dict.fromkeys(i for i in impl if i))
                    out += [f"- {{ref}}`{r.citation} <{r.anchor}>` {r.what}" + (f": {impl}" if impl else ""), ""]
                    if tex_of(r):
                        out += ["  $$", "  " + tex_of(r), "  $$", ""]
                out += [":::", ""]
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


# ---------------------------------------------------------------- tutorials and validation

def tutorials(idx: Index) -> str:
    out = ["# Tutorials", "",
           "The notebooks of `notebooks/`, executed when the site is built (at the small sizes, "
           "`LOWPREC_NOTEBOOK_SIZE=small`, as the test suite runs them; results are cached by "
           "jupyter-cache and re-executed only when a notebook's code changes).", "",
           "```{toctree}", ":maxdepth: 1", ""]
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        write_if_changed(SITE / "tutorials" / nb.name, nb.read_text())
        out.append(nb.stem)
    out += ["```", ""]
    return "\n".join(out)


def validation_tables() -> str:
    import validate.report_modules as rm
    from validate.compare import REGISTRY
    from validate.report import SECTION_ORDER
    for m in rm.MODULES:
        importlib.import_module(m)
    order = {s: i for i, s in enumerate(SECTION_ORDER)}
    items = sorted(REGISTRY.items(), key=lambda kv: (order.get(kv[1]["section"], 99), kv[1].get("order", 0), kv[0]))
    out = ["| section | key (`--only KEY`) | comparison | function |", "|---|---|---|---|"]
    for key, e in items:
        fn = e["fn"]
        full = f"{fn.__module__}.{fn.__name__}"
        title = e["title"].replace("|", "/")
        out.append(f"| {e['section']} | `{key}` | {title} | {{py:obj}}`{fn.__name__} <{full}>` |")
    out.append("")
    report = Path(os.environ.get("LOWPREC_REPORT_DIR", ROOT / "report")) / "report.json"
    out += ["(latest-report)=", "## Latest report summary", ""]
    if report.exists():
        where = report.relative_to(ROOT) if report.is_relative_to(ROOT) else report
        summary = report_summary(json.loads(report.read_text()), str(where))
        out.append(f"From `{where}`, the report directory given to this build "
                   f"({summary['mode']} mode, {summary['wall_time']:.0f} s, version `{summary['version']}`):")
    else:
        summary = json.loads(REPORT_SNAPSHOT.read_text())
        out.append(f"No report directory was given to this build (set `LOWPREC_REPORT_DIR`, or run "
                   f"`python -m validate report --quick --out report` first), so this is the last recorded quick "
                   f"report, `docs/site/{REPORT_SNAPSHOT.name}` ({summary['date']}, {summary['mode']} mode, "
                   f"{summary['cpus']} cores, {summary['points_cached']} of {summary['points']} simulation "
                   f"points from the store, {summary['wall_time']:.0f} s, version "
                   f"`{summary['version']}`; refresh it with `python docs/site/_gen.py --record-report DIR`):")
    c = summary["counts"]
    out += ["", "| agree | disagree | measured | not comparable | errors | missing |", "|---|---|---|---|---|---|",
            f"| {c.get('agrees', 0)} | {c.get('disagrees', 0)} | {c.get('measured', 0)} "
            f"| {c.get('not comparable', 0)} | {c.get('errors', 0)} | {c.get('missing', 0)} |", "",
            "| section | key | comparison | status | verdicts |", "|---|---|---|---|---|"]
    for s in summary["sections"]:
        vs = ", ".join(f"{n} {v}" for v, n in s["verdicts"].items())
        title = str(s["title"]).replace("|", "/")
        out.append(f"| {s['section']} | `{s['key']}` | {title} | {s['status']} | {vs} |")
    absent = [k for k, _ in items if k not in {s["key"] for s in summary["sections"]}]
    if absent:
        out += ["", "Registered now but not in this report (added after it was run): "
                + ", ".join(f"`{k}`" for k in absent) + "."]
    out.append("")
    return "\n".join(out)


#: the summary of the last quick report, shown when the build is given no report directory; written by
#: ``python docs/site/_gen.py --record-report DIR`` from ``DIR/report.json``
REPORT_SNAPSHOT = SITE / "latest_report_summary.json"


def report_summary(data: dict, source: str, date: str = "") -> dict:
    """The counts and the per-section verdicts of a report's ``report.json``."""
    sections = []
    for s in data.get("sections", []):
        verdicts: dict[str, int] = {}
        for r in (s.get("comparison") or {}).get("rows", []):
            v = r.get("verdict", "") or "-"
            verdicts[v] = verdicts.get(v, 0) + 1
        sections.append({"key": s.get("key"), "section": s.get("section"), "title": s.get("title"),
                         "status": s.get("status"), "verdicts": verdicts})
    return {"source": source, "date": date, "mode": data.get("mode"), "wall_time": round(data.get("wall_time", 0), 1),
            "version": data.get("version", ""), "cpus": (data.get("machine") or {}).get("cpus"),
            "points": (data.get("compute") or {}).get("points_computed", 0) + (data.get("compute") or {}).get(
                "points_cached", 0), "points_cached": (data.get("compute") or {}).get("points_cached", 0),
            "counts": data.get("counts", {}), "sections": sections}


def record_report(report_dir: str) -> None:
    """Store the summary of ``report_dir/report.json`` as the site's snapshot of the latest report."""
    import datetime
    report = Path(report_dir) / "report.json"
    date = datetime.datetime.fromtimestamp(report.stat().st_mtime, datetime.UTC).strftime("%Y-%m-%d")
    summary = report_summary(json.loads(report.read_text()), str(report), date)
    REPORT_SNAPSHOT.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"{REPORT_SNAPSHOT}: {len(summary['sections'])} sections, counts {summary['counts']}")


def generate() -> Index:
    import sys
    sys.path.insert(0, str(SITE))
    idx = build_index()
    for fam, title in FAMILIES:
        write_if_changed(SITE / "api" / f"{fam}.rst", api_page(fam, title, idx))
    write_if_changed(SITE / "api" / "index.md", api_index())
    for d in DERIVATIONS + REFERENCE_DOCS:
        if d != "equations":
            write_if_changed(SITE / "theory" / f"{d}.md", theory_page(d))
    write_if_changed(SITE / "theory" / "equations.md", equations_page(idx))
    write_if_changed(SITE / "theory" / "index.md", theory_index())
    write_if_changed(SITE / "tutorials" / "index.md", tutorials(idx))
    write_if_changed(SITE / "_generated" / "validation_tables.md", validation_tables())
    return idx


if __name__ == "__main__":
    import sys
    if len(sys.argv) == 3 and sys.argv[1] == "--record-report":
        sys.path.insert(0, str(ROOT))
        record_report(sys.argv[2])
    else:
        sys.exit("usage: python docs/site/_gen.py --record-report REPORT_DIR")
