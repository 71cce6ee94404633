"""Sphinx configuration of the documentation site (build: ``python docs/site/build.py``).

Offline by construction: MathJax 3 comes from the ``sphinx-mathjax-offline`` package and is copied
into ``_static/mathjax``; the theme (alabaster) ships with Sphinx; no page loads anything from
the network (``tests/test_docs_site.py`` checks the built HTML).
"""
import inspect
import os
import sys
from pathlib import Path

SITE = Path(__file__).resolve().parent
ROOT = SITE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(SITE))

# notebooks and executable pages run at the small sizes of the test suite, importing this checkout;
# the kernels inherit this environment.  MPLBACKEND is left to ipykernel (inline figures).
os.environ["LOWPREC_NOTEBOOK_SIZE"] = "small"
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
os.environ.pop("MPLBACKEND", None)

import _gen  # noqa: E402

_INDEX = _gen.generate()

project = "lowprec-learning"
author = "the lowprec-learning developers"
copyright = "2026, " + author
release = version = "0.1.0"

extensions = [
    "myst_nb",                     # MyST Markdown + notebooks (executed, cached)
    "sphinx.ext.autodoc",
    "numpydoc",                    # the numpy-style docstrings of the library
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",      # bundled MathJax 3: mathjax_path -> _static/mathjax/tex-chtml.js
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "_generated", "**.ipynb_checkpoints", "README.md"]
root_doc = "index"

# --- MyST
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# --- notebooks (myst-nb): execute at build time, cache the results (jupyter-cache)
nb_execution_mode = "cache"
nb_execution_cache_path = str(SITE / "_build" / ".jupyter_cache")
nb_execution_timeout = 900
nb_execution_raise_on_error = True      # a failing tutorial fails the build
nb_execution_in_temp = True             # notebooks write nothing into the source tree
nb_merge_streams = True

# --- autodoc / numpydoc
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {}
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Broken references to this project's names are errors (-W); references to other libraries
# (numpy, typing, ...) are not checked: no intersphinx inventories are fetched (offline build).
nitpicky = True
nitpick_ignore_regex = [(r"py:.*", r"(?!(theory|simulate|validate)\.).*")]
# Names that public signatures and docstrings mention but no family API exports (so they have no
# entry to link to); listed here one by one so that any new unresolved name still fails the build.
nitpick_ignore = [
    ("py:class", "validate.compare._ComparisonFn"),   # private type alias in comparison()'s signature
    ("py:class", "validate.sweep.FailedPoint"),       # element type of SweepTable.failed
    ("py:class", "validate.store.StoredResult"),      # returned by ResultStore.get
    ("py:class", "validate.report.Report"),           # returned by run_report
    ("py:func", "theory.perceptron.franz_parisi.solver.scaled_state"),  # family-internal helper
    ("py:func", "theory.perceptron._rsb_numerics.nested_level"),       # family-internal kernel (rsb.py cites it)
]

# --- math: the offline MathJax (sphinx-mathjax-offline sets the same path)
mathjax_path = "mathjax/tex-chtml.js"

# --- HTML
html_theme = "alabaster"
html_title = "lowprec-learning"
html_static_path = []
html_theme_options = {"description": "Low-precision, stochastic synapses: theory, algorithms, validation",
                      "fixed_sidebar": True, "show_powered_by": False,
                      "page_width": "1280px", "body_max_width": "none"}
html_show_sphinx = False
html_show_sourcelink = False


def _include_read(app, relative_path, parent_docname, content):
    """Cross-link code names of the included docs/*.md (equation index and derivations) to the API."""
    name = Path(str(relative_path)).stem
    content[0] = _gen.link_code_names(_gen.tagged_displays_as_environments(content[0]), _INDEX, name)


def _missing_reference(app, env, node, contnode):
    """Resolve a reference to a defining-module path (``theory.core.solver.converge``, as docstrings
    write them) or a bare public name to the entry of the family API that re-exports the object."""
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    public = None
    if target.split(".")[0] in ("theory", "simulate", "validate"):
        obj = _gen.resolve(target)
        public = _INDEX.public.get(id(obj)) if obj is not None else None
        if public is None and "." in target:  # a method or attribute of a public class
            owner, _, attr = target.rpartition(".")
            owner_public = _INDEX.public.get(id(_gen.resolve(owner)))
            public = f"{owner_public}.{attr}" if owner_public else None
        if public is None and inspect.ismodule(obj):  # a submodule: the page of its family
            fams = [f for f, _ in _gen.FAMILIES if target == f or target.startswith(f + ".")]
            public = max(fams, key=len) if fams else None
    elif "." not in target:
        public = _INDEX.by_name.get(target)
    if public is None or public == target:
        return None
    py = env.get_domain("py")
    return py.resolve_xref(env, node["refdoc"], app.builder, "obj", public, node, contnode)


def _report_generation_warnings(app):
    from sphinx.util import logging
    log = logging.getLogger("lowprec-docs")
    for w in _INDEX.warnings:
        log.warning(w)


def setup(app):
    app.connect("include-read", _include_read)
    app.connect("missing-reference", _missing_reference)
    app.connect("builder-inited", _report_generation_warnings)
