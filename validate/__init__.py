"""Theory against simulation: resumable sweeps, comparisons, published numbers and the report.

Infrastructure (this package's API):

- :class:`ResultStore` and :func:`code_version` (``validate.store``): the SQLite
  store of finished simulation points and the tag of the code that made them;
- :func:`run_sweep`, :class:`SweepTable` (``validate.sweep``, with ``grid`` for
  the parameter grids): parallel, resumable sweeps over parameters and seeds;
- :class:`Comparison`, :func:`comparison` (``validate.compare``, with ``Row``
  for its table lines): a theory-versus-simulation table and its registry;
- :data:`PUBLISHED` (``validate.published``): the numbers the papers state;
- :func:`run_report` (``validate.report``): every comparison, as HTML/Markdown/JSON.

The comparison families (``validate.perceptron``, ``validate.rbm``,
``validate.variational_rbm``, ``validate.boltzmann``) register their
comparisons when imported. ``validate`` imports ``theory`` and ``simulate``;
nothing outside ``validate`` imports it.

Examples
--------
>>> from validate import ResultStore, run_sweep
>>> def square(x, seed):
...     return {"y": x * x + seed}
>>> with ResultStore(":memory:") as store:
...     table = run_sweep(square, [{"x": 1}, {"x": 2}], task="demo", seeds=[0], store=store,
...                       workers=1, progress=False)
>>> table.column("y").tolist()
[1, 4]
"""
from validate.compare import Comparison, comparison
from validate.published import PUBLISHED
from validate.report import run_report
from validate.store import ResultStore, code_version
from validate.sweep import SweepTable, run_sweep

__all__ = [
    "ResultStore",
    "code_version",
    "run_sweep",
    "SweepTable",
    "Comparison",
    "comparison",
    "PUBLISHED",
    "run_report",
]
