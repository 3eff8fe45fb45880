"""Matrices of symbols are real unless told otherwise, so SymPy can simplify with that."""

import pytest
import sympy as sp

from derivations.symbols import matrix_symbols, vector_symbols


@pytest.mark.parametrize(
    "make",
    [lambda **kw: matrix_symbols("W", 2, 2, **kw), lambda **kw: vector_symbols("x", 2, **kw)],
    ids=["matrix_symbols", "vector_symbols"],
)
def test_symbols_are_real_by_default_and_take_other_assumptions(make):
    assert all(s.is_real for s in make())
    assert all(s.is_real is None for s in make(real=None))
    assert all(s.is_positive for s in make(positive=True))
    w = make()[0]
    assert sp.sqrt(w**2) == sp.Abs(w) and sp.conjugate(w) == w  # what being real buys


def test_symbols_are_named_with_1_based_indices():
    assert [str(s) for s in vector_symbols("x", 3)] == ["x_1", "x_2", "x_3"]
    assert [str(s) for s in matrix_symbols("W", 2, 2)] == ["W_{1,1}", "W_{1,2}", "W_{2,1}", "W_{2,2}"]
    assert matrix_symbols("W", 2, 3).shape == (2, 3)
