"""Every public function of every family API has a numpy-style docstring with a runnable example, and
the examples pass (they are run here, so a changed behaviour breaks its documentation visibly); it also
has complete type hints that resolve at runtime."""
import doctest
import importlib
import inspect
import typing

import pytest

FAMILIES = ["theory.core", "theory.perceptron", "theory.rbm", "simulate.core", "simulate.perceptron",
            "simulate.boltzmann", "simulate.variational_rbm", "validate", "validate.perceptron", "validate.rbm",
            "validate.boltzmann", "validate.variational_rbm", "simulate.deep", "validate.deep"]


def _public_functions():
    seen = {}
    for fam in FAMILIES:
        mod = importlib.import_module(fam)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isfunction(obj) and id(obj) not in seen:
                seen[id(obj)] = (f"{fam}.{name}", obj)
    return sorted(seen.values(), key=lambda t: t[0])


PUBLIC = _public_functions()


def test_there_are_public_functions():
    assert len(PUBLIC) > 150


@pytest.mark.parametrize("name,fn", PUBLIC, ids=[n for n, _ in PUBLIC])
def test_public_function_is_documented_with_a_passing_example(name, fn):
    doc = inspect.getdoc(fn) or ""
    assert doc.strip(), f"{name} has no docstring"
    assert ">>>" in doc, f"{name}: the docstring has no runnable example"
    globs = dict(vars(inspect.getmodule(fn)))
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in doctest.DocTestFinder(recurse=False).find(fn, name, globs=globs):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} example lines failed"


@pytest.mark.parametrize("name,fn", PUBLIC, ids=[n for n, _ in PUBLIC])
def test_public_function_has_complete_type_hints(name, fn):
    sig = inspect.signature(fn)
    missing = [p.name for p in sig.parameters.values()
               if p.annotation is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    assert not missing, f"{name}: parameters without a type hint: {missing}"
    assert sig.return_annotation is not inspect.Signature.empty, f"{name}: no return type hint"
    try:
        typing.get_type_hints(fn)
    except Exception as exc:  # a name in a hint that the module globals cannot resolve
        pytest.fail(f"{name}: typing.get_type_hints failed: {type(exc).__name__}: {exc}")
