"""Regression: a derivative with respect to W[i, j] inside a sum must have i and j fixed when a step is evaluated."""

import sympy as sp

from derivations import Derivation


def test_derivative_variables_inside_a_sum_get_the_drawn_indices():
    n = sp.Symbol("n", integer=True, positive=True)
    i, j, k, q = sp.symbols("i j k q", integer=True, positive=True)
    W, x, v = sp.IndexedBase("W", real=True), sp.IndexedBase("x", real=True), sp.IndexedBase("v", real=True)

    def z(a):
        return sp.Sum(W[a, q] * x[q], (q, 1, n))

    f = sp.Sum(v[k] * sp.exp(z(k)), (k, 1, n))
    d = Derivation(sp.Derivative(f, W[i, j]), name="∂f/∂W_ij", indices={i: n, j: n})
    d.step(sp.Sum(v[k] * sp.exp(z(k)) * sp.Derivative(z(k), W[i, j]), (k, 1, n)), "chain rule")
    d.step(v[i] * sp.exp(z(i)) * x[j], "only k = i survives")
    assert d.result == v[i] * sp.exp(z(i)) * x[j]  # both steps verified: before the fix they raised StepError
