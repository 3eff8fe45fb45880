"""Regression: an index's bound may be a size that neither side of a step mentions (l ≤ d, only m appears)."""

import sympy as sp

from derivations import Derivation


def test_index_bound_absent_from_both_sides_is_drawn():
    m, d = sp.symbols("m d", integer=True, positive=True)
    i, ell = sp.symbols("i l", integer=True, positive=True)
    x, mu = sp.IndexedBase("x", real=True), sp.IndexedBase("mu", real=True)
    gradient = Derivation(sp.Sum(-2 * (x[i, ell] - mu[ell]), (i, 1, m)), name="∂S/∂μ_l", indices={ell: d})
    gradient.step(2 * m * mu[ell] - 2 * sp.Sum(x[i, ell], (i, 1, m)), "split the sum")
    assert gradient.steps[-1].method in {"symbolic", "numeric"}
