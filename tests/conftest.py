"""Shared test fixtures."""
import mpmath
import pytest


@pytest.fixture(autouse=True)
def _restore_mpmath_precision():
    """mpmath's working precision is global: a test that sets ``mp.dps`` must not
    change the precision of the references in the tests that run after it."""
    dps = mpmath.mp.dps
    yield
    mpmath.mp.dps = dps


def mpmath_precision(dps: int):
    """A module-scoped autouse fixture that runs every test of the module at ``dps`` digits."""

    @pytest.fixture(autouse=True, scope="module")
    def _module_precision():
        old = mpmath.mp.dps
        mpmath.mp.dps = dps
        yield
        mpmath.mp.dps = old

    return _module_precision
