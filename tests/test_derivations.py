"""Derivation accepts equal rewrites, rejects wrong ones with a counterexample, and never passes the unknown."""

import pytest
import sympy as sp

from derivations import Derivation, Equation, StepError, instantiate, vector_symbols, verify_equal

x, y = sp.symbols("x y", real=True)
n = sp.Symbol("n", integer=True, positive=True)
i, k = sp.symbols("i k", integer=True, positive=True)
X = sp.IndexedBase("x", real=True)
TOTAL = sp.Sum(sp.exp(X[k]), (k, 1, n))


def softmax_derivation() -> Derivation:
    d = Derivation(sp.Derivative(sp.log(TOTAL), X[i]), name="∂f/∂x_i", indices={i: n})
    d.step(sp.Derivative(TOTAL, X[i]) / TOTAL, "chain rule")
    return d


def test_right_steps_pass_and_record_how():
    d = Derivation(sp.Derivative(sp.sin(x) ** 2, x), name="d sin²")
    d.step(2 * sp.sin(x) * sp.cos(x), "chain rule").step(sp.sin(2 * x), "double angle")
    assert d.result == sp.sin(2 * x)
    assert [s.method for s in d.steps] == ["definition", "symbolic", "symbolic"]


def test_index_notation_with_sums_is_verified():
    d = softmax_derivation()
    d.step(sp.exp(X[i]) / TOTAL, "only k = i survives")
    assert d.steps[-1].method in {"symbolic", "numeric"}


def test_wrong_step_names_step_justification_and_point():
    d = softmax_derivation()
    with pytest.raises(StepError) as caught:
        d.step(-sp.exp(X[i]) / TOTAL, "a sign slipped")
    message = str(caught.value)
    assert "step 2 of derivation '∂f/∂x_i' (a sign slipped)" in message
    assert "does not follow from step 1" in message
    assert "n=" in message and "x[1]=" in message
    assert "previous expression is" in message and "this step gives" in message
    assert len(d.steps) == 2  # the wrong step was not appended


def test_index_range_is_respected():
    # Without i ≤ n the identity below fails (the left side is 0 for i > n); with it, it holds.
    d = softmax_derivation()
    d.step(sp.exp(X[i]) / TOTAL, "ok for 1 ≤ i ≤ n")
    loose = Derivation(sp.Derivative(sp.log(TOTAL), X[i]), name="no range")
    with pytest.raises(StepError):
        loose.step(sp.exp(X[i]) / TOTAL, "ignores the range")


@pytest.mark.parametrize(
    "wrong",
    [
        sp.log(y) + sp.Float(1e-30),  # differs far below float64 precision, still caught at 50 digits
        2 * sp.log(y),
        sp.log(-y),
    ],
)
def test_tiny_and_gross_errors_are_caught(wrong):
    p = sp.Symbol("y", positive=True)
    with pytest.raises(StepError):
        Derivation(sp.log(p), name="log").step(wrong.subs(y, p), "wrong")


def test_unevaluable_step_needs_a_proof():
    f = sp.Function("f")
    # An undefined function cannot be evaluated, but an algebraic rewrite can still be proved ...
    assert verify_equal(f(x) * (1 + x), f(x) + x * f(x)) == "symbolic"
    # ... while a step that can be neither evaluated nor proved is rejected, not passed as unknown.
    with pytest.raises(StepError, match="could not be evaluated"):
        Derivation(f(x), name="opaque").step(f(-x), "f is even (it is not known to be)")


def test_matrix_steps_and_shapes():
    xs = vector_symbols("x", 2)
    d = Derivation(sp.Matrix([sp.Derivative((xs.T * xs)[0], v) for v in xs]), name="∇‖x‖²")
    d.step(2 * xs, "differentiate each square")
    with pytest.raises(StepError, match="shapes differ"):
        d.step(2 * xs.T, "transposed")
    with pytest.raises(StepError, match=r"entry \(1, 0\)"):
        d.step(sp.Matrix([2 * xs[0], 3 * xs[1]]), "wrong second entry")


def test_justification_is_required_and_strings_are_rejected():
    d = Derivation(x, name="x")
    with pytest.raises(ValueError, match="justification"):
        d.step(x, " ")
    with pytest.raises(ValueError, match="string"):
        d.step("x", "parsed text is never accepted")


def test_latex_lists_every_step_with_its_reason():
    d = Derivation(sp.sin(x) ** 2 + sp.cos(x) ** 2, name="pyth", lhs="s")
    d.step(sp.Integer(1), "Pythagoras & friends")
    latex = d.latex()
    assert latex.startswith("\\begin{aligned}") and latex.endswith("\\end{aligned}")
    assert "&s \\\\\n&= " in latex and r"\text{Pythagoras \& friends}" in latex
    assert d._repr_latex_() == f"$${latex}$$"


def test_verify_equal_and_equation_and_instantiate():
    assert verify_equal(sp.exp(x) * sp.exp(y), sp.exp(x + y)) == "symbolic"
    with pytest.raises(StepError):
        verify_equal(sp.exp(x) * sp.exp(y), sp.exp(x * y))
    assert Equation("f", x**2).latex() == "f = x^{2}"
    xs = vector_symbols("x", 3)
    assert instantiate(sp.exp(X[i]) / TOTAL, {n: 3, i: 2}, {X: xs}) == sp.exp(xs[1]) / sum(xs.applyfunc(sp.exp))
    with pytest.raises(ValueError, match="no concrete symbols"):
        instantiate(X[i], {i: 1}, {})


def test_cheap_tactics_prove_rational_identities():
    assert verify_equal((x**2 - 1) / (x - 1), x + 1) == "symbolic"  # cancel


def test_a_step_already_verified_numerically_is_not_sent_to_simplify():
    # simplify would prove sin² + cos² = 1, but the step is evaluable, so 40 digits at 6 points suffice.
    assert verify_equal(sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1)) == "numeric"


def test_a_step_that_cannot_be_evaluated_is_accepted_only_with_a_full_proof():
    f = sp.Function("f")
    assert verify_equal(sp.sin(f(x)) ** 2 + sp.cos(f(x)) ** 2, sp.Integer(1)) == "symbolic"
    with pytest.raises(StepError, match="could not be evaluated"):
        verify_equal(sp.sin(f(x)) ** 2, sp.Integer(1))
