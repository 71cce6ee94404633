"""The dependency rules of the three packages, checked on the source (parsed with ``ast``, not imported).

(i) ``simulate`` imports from ``theory`` only ``theory.core`` (and its submodules);
(ii) nothing outside ``validate`` imports ``validate``; (iii) ``theory`` never imports
``simulate``; (iv) no module imports another module's ``_private`` name, and a
private module (``pkg/_helpers.py``) is imported only from inside its own package
subtree; (v) every family package (every sub-package of ``theory``, ``simulate``,
``validate`` except ``commands`` and ``tests``) has a curated ``__all__`` whose
names all resolve (this check imports the package); (vi) no library module calls
``matplotlib.use`` or imports ``matplotlib.pyplot`` (figures are
``matplotlib.figure.Figure`` objects).
"""
from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("theory", "simulate", "validate")
NOT_FAMILIES = {"commands", "tests"}


@dataclass(frozen=True, kw_only=True)
class Import:
    """One imported module or name: ``module`` is absolute; ``name`` is ``None`` for ``import module``."""

    importer: str  # dotted name of the importing module
    path: str  # file, relative to the repository
    line: int
    module: str
    name: str | None

    def where(self) -> str:
        what = self.module if self.name is None else f"{self.module}:{self.name}"
        return f"{self.path}:{self.line} imports {what}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def library_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "__pycache__" not in p.parts)


def module_exists(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def is_private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def imports_of(path: Path) -> list[Import]:
    """Every import of a file, anywhere in it (also inside functions and ``if`` blocks), made absolute."""
    name = module_name(path)
    package = name if is_package(path) else name.rpartition(".")[0]
    rel = str(path.relative_to(ROOT))
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [Import(importer=name, path=rel, line=node.lineno, module=a.name, name=None) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            out += [Import(importer=name, path=rel, line=node.lineno, module=base, name=a.name) for a in node.names]
    return out


def targets(imp: Import) -> list[str]:
    """Modules an import reaches: ``from a import b`` reaches ``a`` and, if it is a module, ``a.b``."""
    out = [imp.module]
    if imp.name not in (None, "*") and module_exists(f"{imp.module}.{imp.name}"):
        out.append(f"{imp.module}.{imp.name}")
    return out


ALL_IMPORTS = [imp for path in library_files() for imp in imports_of(path)]


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _report(bad: list[str]) -> str:
    return f"{len(bad)} violation(s):\n  " + "\n  ".join(bad)


def test_parsed_every_library_module():
    files = library_files()
    assert len(files) > 50 and {module_name(p).split(".")[0] for p in files} == set(PACKAGES)
    assert any(imp.module == "theory.core.results" for imp in ALL_IMPORTS)


def test_simulate_imports_only_theory_core():
    """(i) ``simulate`` uses the shared numerics of ``theory.core``, never a theory model."""
    bad = []
    for imp in ALL_IMPORTS:
        if not _in(imp.importer, "simulate"):
            continue
        for mod in targets(imp):
            if _in(mod, "theory") and not _in(mod, "theory.core"):
                if mod == "theory" and imp.name is not None and module_exists(f"theory.{imp.name}"):
                    continue  # ``from theory import core``: judged on ``theory.core``
                bad.append(imp.where())
                break
    assert not bad, _report(bad)


def test_nothing_outside_validate_imports_validate():
    """(ii)"""
    bad = [imp.where() for imp in ALL_IMPORTS
           if not _in(imp.importer, "validate") and any(_in(m, "validate") for m in targets(imp))]
    assert not bad, _report(bad)


def test_theory_never_imports_simulate():
    """(iii)"""
    bad = [imp.where() for imp in ALL_IMPORTS
           if _in(imp.importer, "theory") and any(_in(m, "simulate") for m in targets(imp))]
    assert not bad, _report(bad)


def private_violations(imports: list[Import]) -> list[str]:
    """(iv) ``_private`` names imported from another module, private modules imported from outside their package."""
    bad = []
    for imp in imports:
        if imp.module.split(".")[0] not in PACKAGES:
            continue
        mods = [imp.module]
        if imp.name not in (None, "*"):
            if module_exists(f"{imp.module}.{imp.name}"):
                mods.append(f"{imp.module}.{imp.name}")  # a module: judged as a module below
            elif is_private(imp.name) and imp.module != imp.importer:
                bad.append(f"{imp.where()}: a private name of another module")
        for mod in mods:
            parts = mod.split(".")
            for i, part in enumerate(parts):
                owner = ".".join(parts[:i])  # the package the private module belongs to
                if is_private(part) and not _in(imp.importer, owner):
                    bad.append(f"{imp.where()}: private module {'.'.join(parts[: i + 1])} from outside {owner}")
                    break
    return sorted(set(bad))


def test_private_names_and_modules_stay_private():
    bad = private_violations(ALL_IMPORTS)
    assert not bad, _report(bad)


def test_private_rule_catches_what_it_should(tmp_path):
    """The rule of (iv) on hand-made imports: it flags exactly the forbidden ones."""
    def imp(importer: str, module: str, name: str | None) -> Import:
        return Import(importer=importer, path="x.py", line=1, module=module, name=name)

    # theory/core/results.py exists; these name imports are judged by name
    assert private_violations([imp("simulate.core.rng", "theory.core.results", "_fmt")])  # another module's _x
    assert not private_violations([imp("theory.core.results", "theory.core.results", "_fmt")])  # itself
    assert not private_violations([imp("simulate.core.rng", "theory.core.results", "Record")])
    assert not private_violations([imp("simulate.core.rng", "numpy.random", "_pickle")])  # not ours
    assert not private_violations([imp("simulate.core.rng", "theory.core.results", "__all__")])  # dunder
    # private modules: inside their package subtree only
    assert private_violations([imp("validate.report", "theory.perceptron._rs_numerics", "helper")])
    assert private_violations([imp("simulate.perceptron.gd", "theory.perceptron._rs_numerics", None)])
    assert not private_violations([imp("theory.perceptron.rs", "theory.perceptron._rs_numerics", "helper")])
    assert not private_violations([imp("theory.perceptron.franz_parisi.solver", "theory.perceptron._rs_numerics",
                                       "helper")])
    # ``from . import _comparison`` inside validate.commands (a private module of that package)
    assert not private_violations([imp("validate.commands.rbm", "validate.commands", "_comparison")])
    assert private_violations([imp("validate.report", "validate.commands", "_comparison")])


def family_packages() -> list[str]:
    out = []
    for path in library_files():
        name = module_name(path)
        if is_package(path) and "." in name and not NOT_FAMILIES & set(name.split(".")):
            out.append(name)
    return out


def test_family_packages_exist():
    fams = family_packages()
    assert {"theory.core", "simulate.core", "simulate.perceptron", "validate.perceptron"} <= set(fams)


@pytest.mark.parametrize("package", family_packages())
def test_family_package_has_a_resolving_all(package):
    """(v) Each family ``__init__`` is a curated API: ``__all__`` is defined and every name in it exists."""
    path = ROOT.joinpath(*package.split("."), "__init__.py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    declared = [n for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign))
                and any(isinstance(t, ast.Name) and t.id == "__all__"
                        for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))]
    assert declared, f"{path.relative_to(ROOT)} defines no __all__"
    mod = importlib.import_module(package)
    names = list(mod.__all__)
    assert len(names) == len(set(names)), f"{package}.__all__ repeats names"
    missing = [n for n in names if not hasattr(mod, n)]
    assert not missing, f"{package}.__all__ names that do not resolve: {missing}"


def pyplot_violations(path: Path) -> list[str]:
    """(vi) Uses of pyplot or ``matplotlib.use`` in one file."""
    rel = str(path.relative_to(ROOT))
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mpl_names = {"matplotlib"}  # names bound to the matplotlib module
    use_names = set()  # names bound to matplotlib.use
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "matplotlib.pyplot" or a.name.startswith("matplotlib.pyplot."):
                    bad.append(f"{rel}:{node.lineno} imports matplotlib.pyplot")
                elif a.name == "matplotlib" and a.asname:
                    mpl_names.add(a.asname)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("matplotlib.pyplot"):
                bad.append(f"{rel}:{node.lineno} imports from matplotlib.pyplot")
            elif node.module == "matplotlib":
                for a in node.names:
                    if a.name == "pyplot":
                        bad.append(f"{rel}:{node.lineno} imports matplotlib.pyplot")
                    elif a.name == "use":
                        use_names.add(a.asname or "use")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if (isinstance(f, ast.Attribute) and f.attr == "use" and isinstance(f.value, ast.Name)
                    and f.value.id in mpl_names) or (isinstance(f, ast.Name) and f.id in use_names):
                bad.append(f"{rel}:{node.lineno} calls matplotlib.use")
    return bad


def test_no_pyplot_and_no_matplotlib_use_in_library_code():
    bad = [v for path in library_files() for v in pyplot_violations(path)]
    assert not bad, _report(bad)


def test_pyplot_rule_catches_what_it_should(tmp_path, monkeypatch):
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    cases = {
        "import matplotlib.pyplot as plt\n": 1,
        "from matplotlib import pyplot\n": 1,
        "from matplotlib.pyplot import subplots\n": 1,
        "import matplotlib as mpl\nmpl.use('Agg')\n": 1,
        "import matplotlib\ndef f():\n    matplotlib.use('Agg')\n": 1,
        "from matplotlib import use\nuse('Agg')\n": 1,
        "from matplotlib.figure import Figure\nimport matplotlib\nmatplotlib.rcParams['a'] = 1\n": 0,
    }
    for i, (text, n) in enumerate(cases.items()):
        path = tmp_path / f"m{i}.py"
        path.write_text(text)
        assert len(pyplot_violations(path)) == n, text


@pytest.mark.parametrize("package", family_packages())
def test_public_names_do_not_shadow_submodules(package):
    """A name in ``__all__`` equal to a submodule's name replaces the submodule as the package attribute,
    so ``import package.name as m`` silently yields the function (this hid the BC-energy theory curve of
    the report after the layout move: the comparison fell back to "no theory curve")."""
    import pkgutil

    mod = importlib.import_module(package)
    submodules = {info.name for info in pkgutil.iter_modules(mod.__path__)}
    clash = sorted(submodules & set(mod.__all__))
    assert not clash, f"{package}.__all__ names its own submodules {clash}: rename the module or the name"
