import numpy as np
import pytest

from theory.core import check_array, check_choice, check_int, check_real


def test_check_real_messages_name_parameter_value_and_range():
    assert check_real("alpha", 0.5, gt=0) == 0.5
    with pytest.raises(ValueError, match=r"alpha must be > 0 \(got -1\)"):
        check_real("alpha", -1, gt=0)
    with pytest.raises(ValueError, match=r"qstar must be > 0 and < 1"):
        check_real("qstar", 1.0, gt=0, lt=1)
    with pytest.raises(ValueError, match="beta must be a finite"):
        check_real("beta", float("nan"), gt=0)
    with pytest.raises(ValueError, match="type str"):
        check_real("beta", "2", gt=0)
    with pytest.raises(ValueError, match="real number"):
        check_real("beta", True, gt=0)
    assert check_real("x", np.float32(2.0)) == 2.0


def test_check_int_and_odd():
    assert check_int("N", 1001, ge=1, odd=True) == 1001
    assert check_int("N", 11.0, ge=1) == 11
    with pytest.raises(ValueError, match="N must be odd"):
        check_int("N", 1000, ge=1, odd=True)
    with pytest.raises(ValueError, match="N must be an integer >= 1"):
        check_int("N", 0, ge=1)
    with pytest.raises(ValueError, match="integer"):
        check_int("N", 2.5)


def test_check_choice_and_array():
    assert check_choice("kind", "a", {"a", "b"}) == "a"
    with pytest.raises(ValueError, match="kind must be one of"):
        check_choice("kind", "c", {"a", "b"})
    with pytest.raises(ValueError, match=r"X must have shape \(3, any\)"):
        check_array("X", np.zeros((2, 2)), shape=(3, None))
    with pytest.raises(ValueError, match="finite"):
        check_array("m", [1.0, np.inf])
