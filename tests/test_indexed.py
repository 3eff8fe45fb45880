"""instantiate: index notation made concrete, sizes fixed, sums expanded, x[k] replaced by the k-th symbol."""

import pytest
import sympy as sp

from derivations import instantiate, matrix_symbols, vector_symbols
from tests.helpers import message


def test_instantiate_two_indices_and_bad_indices():
    W = sp.IndexedBase("W")
    i, j = sp.symbols("i j", integer=True, positive=True)
    M = matrix_symbols("W", 2, 2)
    assert instantiate(W[i, j] * W[j, i] + W[i, i], {i: 1, j: 2}, {W: M}) == M[0, 1] * M[1, 0] + M[0, 0]
    assert message(ValueError, instantiate, W[0, 1], {}, {W: M}) == "W[0, 1] is not a 1-based index into W"


def test_instantiate_a_softmax_entry():
    n = sp.Symbol("n", integer=True, positive=True)
    i, k = sp.symbols("i k", integer=True, positive=True)
    X = sp.IndexedBase("x", real=True)
    xs = vector_symbols("x", 3)
    total = sp.Sum(sp.exp(X[k]), (k, 1, n))
    assert instantiate(sp.exp(X[i]) / total, {n: 3, i: 2}, {X: xs}) == sp.exp(xs[1]) / sum(xs.applyfunc(sp.exp))
    with pytest.raises(ValueError, match="no concrete symbols"):
        instantiate(X[i], {i: 1}, {})
