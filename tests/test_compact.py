"""CompactDerivation: steps displayed as written, verified with every name expanded."""

import pytest
import sympy as sp

from derivations import Derivation, StepError, matrix_symbols, vector_symbols
from derivations.compact import CompactDerivation, abbreviate, expand_meaning

X = matrix_symbols("X", 3, 2)
THETA = vector_symbols("theta", 2)
Y = vector_symbols("y", 3)
RS = vector_symbols("r", 3)
RESIDUALS = dict(zip(RS, X * THETA - Y, strict=True))


def residual_derivation() -> CompactDerivation:
    return CompactDerivation(
        sp.Derivative(sum(e**2 for e in RS) / 2, THETA[0]), meaning=RESIDUALS, name="∂L/∂θ_1", lhs="g"
    )


def test_derivatives_of_named_subexpressions_are_taken_through_the_meaning():
    d = residual_derivation().step(sum(X[i, 0] * RS[i] for i in range(3)), "chain rule")
    assert d.shown_result == sum(X[i, 0] * RS[i] for i in range(3))
    assert sp.expand(d.result - sum(X[i, 0] * (X * THETA - Y)[i] for i in range(3))) == 0
    assert "r_{1}" in d.latex() and "theta_{2}" not in d.latex().split("&=")[-1]


def test_name_and_lhs_reach_the_derivation():
    d = residual_derivation()
    assert d.name == "∂L/∂θ_1"
    assert d.latex().startswith("\\begin{aligned}\n&g \\\\\n&= ")


def test_a_wrong_step_is_rejected():
    with pytest.raises(StepError, match="does not follow"):
        residual_derivation().step(sum(X[i, 1] * RS[i] for i in range(3)), "wrong column")


def test_matrix_symbols_are_verified_explicitly():
    H, e = sp.MatrixSymbol("H", 2, 2), sp.MatrixSymbol("e", 2, 1)
    eta = sp.Symbol("eta")
    meaning = {H: sp.Matrix(2, 2, sp.symbols("h1:5")), e: vector_symbols("e", 2)}
    d = CompactDerivation(e - eta * H * e, meaning=meaning, name="factor")
    d.step((sp.Identity(2) - eta * H) * e, "factor out e")
    assert isinstance(d.result, sp.MatrixBase) and d.result.shape == (2, 1)
    assert r"\left(I - \eta H\right) \mathbf{e}" in d.latex()  # the house printer: I, positive term first
    with pytest.raises(StepError):
        d.step((sp.Identity(2) - eta * H.T) * e, "H is not symmetric here")


def test_expand_meaning_leaves_plain_expressions_alone():
    x = sp.Symbol("x")
    assert expand_meaning(x + 1, {}) == x + 1


def test_expand_meaning_of_an_explicit_matrix_is_immutable():
    x = sp.Symbol("x")
    expanded = expand_meaning(sp.Matrix([x, 1]), {x: 2})
    assert expanded == sp.ImmutableMatrix([2, 1]) and isinstance(expanded, sp.ImmutableMatrix)


def test_a_name_may_stand_for_a_mutable_matrix():
    a = sp.MatrixSymbol("a", 2, 1)
    assert expand_meaning(a.T * a, {a: sp.Matrix([1, 2])}) == sp.ImmutableMatrix([[5]])


def test_abbreviate_changes_the_display_only():
    x = sp.Symbol("x", real=True)
    inner = x**2 + 1
    d = Derivation(sp.Derivative(sp.sin(inner), x), name="d", lhs="f'")
    d.step(sp.cos(inner) * 2 * x, "chain rule")
    u = sp.Symbol("u")
    shown = abbreviate(d, {inner: u})
    assert "u" in shown.latex() and "x^{2} + 1" not in shown.latex()
    assert shown.shown_result == 2 * x * sp.cos(u)
    assert shown.result == d.result == sp.cos(inner) * 2 * x  # verified in full; the original is untouched
    assert [s.method for s in shown.steps] == [s.method for s in d.steps]
    shown.step(2 * x * (1 - 2 * sp.sin(u / 2) ** 2), "a step written with the name is verified with it expanded")
    assert len(d.steps) == 2 and len(shown.steps) == 3
    with pytest.raises(StepError):
        shown.step(x * sp.cos(u), "wrong")
