"""ExpectationDerivation: steps about expectations are verified by computing them exactly in a model."""

import pytest
import sympy as sp
from sympy import stats

from derivations import StepError, latex
from derivations.moments import Expect, ExpectationDerivation, expectation_value

n, j = sp.symbols("n j", integer=True, positive=True)
W, x = sp.IndexedBase("W"), sp.IndexedBase("x")
a, b, u = sp.symbols("a b u", positive=True)
TWO_POINT = {-a: b / (a + b), b: a / (a + b)}  # mean 0, variance ab


def model(weights: dict) -> dict:
    return {
        "sizes": {n: 2},
        "arrays": {
            W: sp.Matrix([stats.FiniteRV(f"W{c}", weights) for c in range(2)]),
            x: sp.Matrix([stats.FiniteRV(f"X{c}", {u: sp.Rational(1, 3), 2 * u: sp.Rational(2, 3)}) for c in range(2)]),
        },
    }


def test_expect_prints_as_blackboard_e_and_stays_unevaluated():
    e = Expect(x[j] ** 2)
    assert isinstance(e, Expect)
    assert latex(e) == r"\mathbb{E}\left[{x}_{j}^{2}\right]"
    assert latex(Expect(x[j]) ** 2) == r"\mathbb{E}\left[{x}_{j}\right]^{2}"


def test_expectation_value_computes_each_expect_exactly():
    X = stats.FiniteRV("X", {1: sp.Rational(1, 4), 3: sp.Rational(3, 4)})
    assert expectation_value(Expect(X) + 2 * Expect(X**2)) == sp.Rational(10, 4) + 2 * sp.Rational(28, 4)


def test_a_true_step_passes_and_the_result_is_the_exact_value():
    z = sp.Sum(W[j] * x[j], (j, 1, n))
    d = ExpectationDerivation(Expect(z**2), name="E[z²]", **model(TWO_POINT))
    d.step(sp.Sum(Expect(W[j] ** 2) * Expect(x[j] ** 2), (j, 1, n)), "independence, zero mean")
    assert d.shown_result == sp.Sum(Expect(W[j] ** 2) * Expect(x[j] ** 2), (j, 1, n))
    assert sp.simplify(d.result - 2 * a * b * 3 * u**2) == 0  # n σ² E[x²] with E[x²] = u²/3 + 8u²/3


def test_a_step_that_needs_a_zero_mean_fails_when_the_weights_have_one():
    z = sp.Sum(W[j] * x[j], (j, 1, n))
    d = ExpectationDerivation(Expect(z**2), name="E[z²]", **model({-a: sp.Rational(1, 2), b: sp.Rational(1, 2)}))
    with pytest.raises(StepError, match="does not follow") as caught:
        d.step(sp.Sum(Expect(W[j] ** 2) * Expect(x[j] ** 2), (j, 1, n)), "zero mean (not in this model)")
    assert caught.value.derivation == "E[z²]" and caught.value.previous != caught.value.this


def test_meaning_gives_plain_names_their_value_in_the_model():
    sigma = sp.Symbol("sigma", positive=True)
    m = model(TWO_POINT)
    d = ExpectationDerivation(Expect(W[1] ** 2), name="E[W²]", meaning={sigma: sp.sqrt(a * b)}, **m)
    assert d.step(sigma**2, "variance").result == a * b
