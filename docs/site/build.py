"""Build the documentation site: ``python docs/site/build.py`` (entry page docs/site/_build/html/index.html).

Runs ``sphinx-build -W --keep-going -b html docs/site docs/site/_build/html``: every warning (a broken
cross-reference, a docstring markup error, a public name without docstring, a failing tutorial) fails
the build. Notebook outputs are cached in ``docs/site/_build/.jupyter_cache`` (keyed by the notebooks'
code, not by the library's: after a library change that alters their results, pass ``--rerun``);
``--clean`` removes the HTML and the doctrees first (needed after editing ``_gen.py``), ``--rerun`` also
the notebook cache. Needs the ``docs`` extra: ``pip install -e '.[docs]'``.
"""
import shutil
import subprocess
import sys
import time
from pathlib import Path

SITE = Path(__file__).resolve().parent
OUT = SITE / "_build" / "html"


def main(argv: list[str]) -> int:
    if "--rerun" in argv:
        shutil.rmtree(SITE / "_build" / ".jupyter_cache", ignore_errors=True)
    if "--clean" in argv or "--rerun" in argv:
        shutil.rmtree(OUT, ignore_errors=True)
        shutil.rmtree(SITE / "_build" / "doctrees", ignore_errors=True)
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
           "-d", str(SITE / "_build" / "doctrees"), str(SITE), str(OUT)]
    rc = subprocess.call(cmd)
    print(f"site {'built' if rc == 0 else 'FAILED'} in {time.perf_counter() - t0:.0f} s: {OUT / 'index.html'}")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
