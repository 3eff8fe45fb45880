"""assert_close: exact values compared exactly, numbers elementwise within the given tolerances only,
and failures that name the quantity, the entry, both values and the relative error."""

import warnings

import numpy as np
import pytest
import sympy as sp
import torch

from checks import assert_close


def test_assert_close_relative_error_is_relative_to_the_larger_magnitude():
    assert assert_close(4.0, 4.0 * (1 + 1e-10), name="x") == pytest.approx(1e-10, rel=1e-5)
    assert assert_close(1.0, 1.0 + 1e-12, name="x") == pytest.approx(1e-12, rel=1e-3)


def test_exact_only_when_both_sides_are_exact():
    # one exact side, one float: compared numerically, so 1/3 and its float agree
    assert assert_close(sp.Rational(1, 3), 1 / 3, name="third") < 1e-15
    assert assert_close(sp.Float(1 / 3), sp.Rational(1, 3), name="third") < 1e-15  # a SymPy Float is not exact
    assert assert_close(sp.Float("1.0000000001", 20), sp.Integer(1), name="one") == pytest.approx(1e-10)  # within rtol
    with pytest.raises(AssertionError, match="expected exactly"):
        assert_close(sp.Matrix([sp.log(2)]), sp.Matrix([sp.log(2) + sp.Rational(1, 10**30)]), name="m")


def test_assert_close_uses_the_given_tolerances_only():
    with pytest.raises(AssertionError):
        assert_close(1.0, 1.0 + 1e-7, name="x")  # numpy's default rtol 1e-5 would pass it
    with pytest.raises(AssertionError):
        assert_close(0.0, 1e-9, name="x")  # numpy's default atol 1e-8 would pass it
    with pytest.raises(AssertionError):
        assert_close(float("nan"), float("nan"), name="x")  # NaN never equals NaN


def test_assert_close_messages_are_exact():
    with pytest.raises(AssertionError) as caught:
        assert_close(2.1, 2.0, name="x")
    assert str(caught.value) == "x: expected 2, got 2.1 (relative error 0.0476, rtol 1e-9, atol 0)"
    with pytest.raises(AssertionError) as caught:
        assert_close(np.array([[1.0], [3.0]]), np.array([[1.0], [2.0]]), name="m")
    assert str(caught.value).startswith("m, entry (2, 1): expected 2, got 3 ")


def test_assert_close_counts_entries_from_1_and_shows_the_digits_that_differ():
    with pytest.raises(AssertionError) as caught:
        assert_close(np.array([1.0, 2.0, 3.0 + 3e-8, 4.5]), np.array([1.0, 2.0, 3.0, 4.0]), name="∂L/∂b")
    assert str(caught.value) == (
        "∂L/∂b, entry 3: expected 3, got 3.00000003 (relative error 1e-8, rtol 1e-9, atol 0); "
        "1 more of 4 entries differ"
    )
    with pytest.raises(AssertionError) as caught:
        assert_close(np.zeros((2, 3, 2)), np.ones((2, 3, 2)), name="∂L/∂x")
    assert str(caught.value).startswith("∂L/∂x, entry (1, 1, 1): expected 1, got 0 ")
    with pytest.raises(AssertionError) as caught:
        assert_close(sp.Matrix([[1, sp.Rational(1, 2)], [0, 1]]), sp.Matrix([[1, sp.Rational(1, 3)], [0, 1]]), name="A")
    assert str(caught.value) == "A, entry (1, 2): expected exactly 1/3, got 1/2"
    with pytest.raises(AssertionError) as caught:
        assert_close(sp.Matrix([1, sp.Rational(1, 2)]), sp.Matrix([1, sp.Rational(1, 3)]), name="v")
    assert str(caught.value) == "v, entry 2: expected exactly 1/3, got 1/2"
    with pytest.raises(AssertionError) as caught:
        assert_close(np.zeros((2, 3)), np.zeros(3), name="W")
    assert str(caught.value) == "W: expected shape a vector of 3, got shape 2 × 3"


def test_assert_close_accepts_tensors_sympy_floats_and_matrices():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a complex array cast to float would warn
        assert assert_close(torch.tensor([1.5, 2.0], dtype=torch.float64), [1.5, 2.0], name="t") == 0.0
        assert assert_close(sp.Float(0.5), 0.5, name="f") == 0.0
        assert assert_close(sp.Matrix([[0.5, 1.5]]), np.array([[0.5, 1.5]]), name="m") == 0.0
        with pytest.raises(AssertionError, match="inf: expected -inf, got inf"):
            assert_close(np.inf, -np.inf, name="inf")  # inf / inf in the relative error must not warn


def test_assert_close_takes_tensors_that_require_grad():
    # NumPy cannot read such a tensor itself: it must be detached first.
    t = torch.tensor([1.5, 2.0], dtype=torch.float64, requires_grad=True)
    assert assert_close(t * 2, [3.0, 4.0], name="t") == 0.0


@pytest.mark.parametrize(
    ("got", "expected", "message"),
    [
        (sp.I, 1.0, "z: the value 1j is not real"),
        (1.0, 1 + 1j, "z: the value (1+1j) is not real"),
        ("abc", 1.0, "z: a str is not a number or an array of numbers"),
    ],
)
def test_assert_close_rejects_what_is_not_a_real_number(got, expected, message):
    with pytest.raises(AssertionError) as caught:
        assert_close(got, expected, name="z")
    assert str(caught.value) == message


def test_assert_close_names_the_quantity_and_index():
    assert assert_close(np.array([1.0, 2.0]), [1.0, 2.0], name="v") == 0.0
    with pytest.raises(AssertionError, match=r"v, entry 2: expected 2, got 2.1"):
        assert_close(np.array([1.0, 2.1]), [1.0, 2.0], name="v")
    assert_close(sp.log(2), sp.log(2), name="exact")
    with pytest.raises(AssertionError, match="expected exactly"):
        assert_close(sp.log(2) + sp.Rational(1, 10**30), sp.log(2), name="exact")
    with pytest.raises(AssertionError, match="shape"):
        assert_close(np.zeros(2), np.zeros(3), name="v")
