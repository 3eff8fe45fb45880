"""Derivation and verify_equal: equal rewrites pass and say how they were verified, wrong ones fail with a
counterexample, and a step whose truth is unknown never passes."""

import mpmath
import pytest
import sympy as sp

from derivations import Derivation, StepError, steps, vector_symbols, verify_equal
from derivations.steps import _evaluate
from tests.helpers import message

x, y = sp.symbols("x y", real=True)
n = sp.Symbol("n", integer=True, positive=True)
i, k = sp.symbols("i k", integer=True, positive=True)
X = sp.IndexedBase("x", real=True)
TOTAL = sp.Sum(sp.exp(X[k]), (k, 1, n))


def softmax_derivation() -> Derivation:
    d = Derivation(sp.Derivative(sp.log(TOTAL), X[i]), name="∂f/∂x_i", indices={i: n})
    d.step(sp.Derivative(TOTAL, X[i]) / TOTAL, "chain rule")
    return d


# ---------------------------------------------------------------------------- a chain of steps


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
    assert "step 2 of the derivation “∂f/∂x_i” (a sign slipped)" in message
    assert "does not follow from step 1" in message
    assert "n = " in message and "x_1 = " in message and "[" not in message
    assert "previous expression is" in message and "this step gives" in message
    assert len(d.steps) == 2  # the wrong step was not appended


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


def test_matrix_steps_and_shapes():
    xs = vector_symbols("x", 2)
    d = Derivation(sp.Matrix([sp.Derivative((xs.T * xs)[0], v) for v in xs]), name="∇‖x‖²")
    d.step(2 * xs, "differentiate each square")
    with pytest.raises(StepError, match="shapes differ"):
        d.step(2 * xs.T, "transposed")
    with pytest.raises(StepError, match=r"at x_1 = 0.5478, x_2 = -0.9209, entry 2: "):
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


def test_derivation_repr():
    d = Derivation(x * (x + 1), name="d").step(x**2 + x, "expand").step(x * (1 + x), "factor")
    assert repr(d) == "Derivation('d': 2 verified steps [symbolic, symbolic] → x*(x + 1))"


def test_derivation_latex_is_exact():

    d = Derivation(x**2 + x, name="n", lhs="f").step(x * (x + 1), "{c} 50% #2 & more, $x_1^2$")
    assert d.latex() == (
        "\\begin{aligned}\n&f \\\\\n&= x^{2} + x \\\\\n"
        "&\\quad {\\color{gray}\\text{\\{c\\} 50\\% \\#2 \\& more, $x_1^2$}} \\\\\n"
        "&= x \\left(x + 1\\right)\n\\end{aligned}"
    )
    d = Derivation(x**2 + x, name="n").step(x * (x + 1), "factor").step(x**2 + x * 1.0, "expand")
    assert d.latex().startswith("\\begin{aligned}\n&x^{2} + x \\\\\n&\\quad {\\color{gray}\\text{factor}} \\\\\n")


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: Derivation("x", name="d"), "start is a string; derivations take SymPy expressions"),
        (lambda: Derivation(x, name="d").step([x], "why"), "step 1 is a list, not a SymPy expression"),
        (lambda: verify_equal("x", x), "before is a string; derivations take SymPy expressions"),
        (lambda: verify_equal(x, {x}), "after is a set, not a SymPy expression"),
    ],
)
def test_non_expressions_get_exact_messages(call, expected):
    assert message(ValueError, call) == expected


def test_step_error_fields():
    bare = StepError("m")
    assert (bare.derivation, bare.step, bare.why, bare.point) == ("", None, "", "")
    with pytest.raises(StepError) as caught:
        Derivation(x**2, name="d").step(x**2 + 1, "wrong")
    err = caught.value
    assert (err.derivation, err.step, err.why, err.point) == ("d", 1, "wrong", "x = 0.5478")
    assert err.at == {x: pytest.approx(0.5478467492858172, rel=1e-15)}, "the point itself, to every digit drawn"
    assert err.this - err.previous == pytest.approx(1.0)


def test_a_step_that_repeats_the_one_before_is_refused_by_name():
    with pytest.raises(StepError) as caught:
        Derivation((x + 1) ** 2, name="d").step(x**2 + 2 * x + 1, "expand").step(1 + 2 * x + x**2, "reorder")
    assert str(caught.value) == (
        "step 2 of the derivation “d” (reorder) shows step 1 again unchanged: a step must change something "
        "(to introduce notation, write the step in it)"
    )
    assert (caught.value.derivation, caught.value.step, caught.value.why) == ("d", 2, "reorder")


def test_step_errors_give_both_values_to_the_digits_that_differ_and_name_the_entry_from_1():
    with pytest.raises(StepError) as caught:
        Derivation(x**2, name="d").step(x**2 + sp.Rational(1, 3), "wrong")
    assert str(caught.value) == (
        "step 1 of the derivation “d” (wrong) does not follow from step 0: at x = 0.5478: the previous expression is "
        "0.300136 but this step gives 0.633469 (difference 0.333)"
    )
    with pytest.raises(StepError) as caught:
        Derivation(x**2, name="d").step(x**2 + sp.Rational(1, 10**12), "a slip below float64's sight")
    assert str(caught.value).endswith(
        "the previous expression is 0.30013606070304 but this step gives 0.30013606070404 (difference 1e-12)"
    )
    with pytest.raises(StepError) as caught:
        Derivation(sp.Matrix([x, x**2]), name="m").step(sp.Matrix([x, x**2 + 1]), "wrong")
    assert str(caught.value).endswith(
        "at x = 0.5478, entry 2: the previous expression is 0.300136 but this step gives 1.30014 (difference 1)"
    )
    with pytest.raises(StepError) as caught:
        verify_equal(sp.Matrix([[x, x], [x, x]]), sp.Matrix([[x, x], [2 * x, x]]))
    assert str(caught.value).startswith("at x = 0.5478, entry (2, 1): the previous expression is 0.547847 ")


def test_counterexample_names_every_variable_and_the_seed_decides():
    assert message(StepError, verify_equal, x * y, x * y + 1).startswith("at x = 0.5478, y = -0.9209: the previous")
    assert message(StepError, verify_equal, x, x + 1, seed=3).startswith("at x = -0.2539: the previous")


def test_derivation_uses_its_domain_and_seed():

    d = Derivation(sp.sqrt((x - 5) ** 2), name="abs", domain={x: (6, 7)}).step(x - 5, "x > 5")
    assert d.steps[-1].method == "numeric"
    default = "at x = 0.5478: the previous expression is 0.300136 but this step gives"
    assert message(StepError, verify_equal, x**2, x**2 + 1).startswith(default)
    assert message(StepError, Derivation(x**2, name="d").step, x**2 + 1, "wrong") == (
        "step 1 of the derivation “d” (wrong) does not follow from step 0: " + default + " 1.30014 (difference 1)"
    )
    seeded = message(StepError, Derivation(x**2, name="d", seed=3).step, x**2 + 1, "wrong")
    assert seeded.endswith(message(StepError, verify_equal, x**2, x**2 + 1, seed=3))
    assert "x = 0.5478" not in seeded


# ---------------------------------------------------------------------------- verification by evaluation


def test_every_one_of_the_six_points_is_checked():
    # only the sixth point (x ≈ 1.22) falls in (1.1, 1.3), where this step is off by one
    with pytest.raises(StepError, match=r"x = 1\.22"):
        verify_equal(x, x + sp.Piecewise((1, (x > 1.1) & (x < 1.3)), (0, True)))


def test_points_outside_one_sides_domain_are_skipped_not_fatal():
    # log x + log x = log x² only for x > 0; negative draws are skipped and six positive ones agree
    assert verify_equal(sp.log(x) + sp.log(x), sp.log(x**2)) == "numeric"


def test_kinks_of_both_sides_are_avoided():
    # every point of the domain is within KINK_MARGIN of the kink of |x|, on either side of the step
    with pytest.raises(ValueError, match="no point at least"):
        verify_equal(sp.Abs(x), x, domain={x: (1e-4, 2e-4)})
    with pytest.raises(ValueError, match="no point at least"):
        verify_equal(x, sp.Abs(x), domain={x: (1e-4, 2e-4)})


def test_numeric_agreement_tolerance():

    # large values: 1e-40 relative, not absolute
    assert verify_equal(sp.exp(x + 60), sp.exp(60) * sp.exp(x)) in {"symbolic", "numeric"}
    # values near 0: 1e-40 absolute (this difference evaluates to ~1e-51, not to 0)
    assert verify_equal(sp.tanh(x) - (sp.exp(2 * x) - 1) / (sp.exp(2 * x) + 1), 0) in {"symbolic", "numeric"}
    with pytest.raises(StepError):
        verify_equal(x, x + sp.Float("1.5e-40", 60))


def test_an_imaginary_residue_is_noise_only_relative_to_the_value():
    """evalf at 50 digits can leave an imaginary residue; it is dropped when it is below 1e-40 of the value."""
    residue = sp.I * sp.Rational(1, 10**20)
    [value] = _evaluate(sp.Integer(10) ** 30 + 1 + residue, {})  # a residue of 1e-50 of the value
    with mpmath.workdps(50):
        assert value == 10**30 + 1  # the real part keeps its 50 digits
    assert _evaluate(1 + residue, {}) is None  # 1e-20 of the value: a complex number, not noise
    assert _evaluate(sp.Integer(1) + sp.I * sp.Rational(1, 10**41), {}) == [1]


@pytest.mark.parametrize(
    "side",
    [
        sp.factorial(-sp.Symbol("n", integer=True)),  # zoo once n is drawn (n ≥ 1)
        sp.Abs(sp.factorial(-sp.Symbol("n", integer=True))),  # oo
        -sp.Abs(sp.factorial(-sp.Symbol("n", integer=True))),  # -oo
        sp.Abs(sp.factorial(-sp.Symbol("n", integer=True))) - sp.Abs(sp.factorial(-sp.Symbol("n", integer=True) - 1)),
    ],
    ids=["zoo", "oo", "-oo", "nan"],
)
def test_infinite_or_undefined_values_are_not_numbers_to_compare(side):
    with pytest.raises(StepError) as caught:
        verify_equal(side, side + x)
    assert str(caught.value).startswith("the step could not be evaluated at 6 points (only 0 of 120")


# ---------------------------------------------------------------------------- proofs


def test_unevaluable_step_needs_a_proof():
    f = sp.Function("f")
    # An undefined function cannot be evaluated, but an algebraic rewrite can still be proved ...
    assert verify_equal(f(x) * (1 + x), f(x) + x * f(x)) == "symbolic"
    # ... while a step that can be neither evaluated nor proved is rejected, not passed as unknown.
    with pytest.raises(StepError, match="could not be evaluated"):
        Derivation(f(x), name="opaque").step(f(-x), "f is even (it is not known to be)")


def test_verify_equal_proves_or_refutes_an_identity():
    assert verify_equal(sp.exp(x) * sp.exp(y), sp.exp(x + y)) == "symbolic"
    with pytest.raises(StepError):
        verify_equal(sp.exp(x) * sp.exp(y), sp.exp(x * y))


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


def test_shape_and_symbolic_results_are_exact():

    v = vector_symbols("v", 2)
    assert message(StepError, verify_equal, v, v.T) == "the shapes differ: 2 × 1 before, 1 × 2 after"
    assert verify_equal(x, x) == "symbolic"
    assert verify_equal(sp.Matrix([x * (x + 1), 2 * x]), sp.Matrix([x**2 + x, x + x])) == "symbolic"
    # a large polynomial identity is proved by expansion alone (simplify is not tried above 400 operations)
    assert verify_equal((x + y + 1) ** 12, sp.expand((x + y + 1) ** 12)) == "symbolic"


def test_unevaluable_steps_need_every_entry_proved():

    f = sp.Function("f")
    with pytest.raises(StepError):
        verify_equal(f(x) + 1, f(x))
    with pytest.raises(StepError):
        verify_equal(sp.Matrix([f(x), f(x) + 1]), sp.Matrix([f(x), f(x)]))


def test_a_tactic_that_cannot_handle_an_expression_does_not_stop_the_others(monkeypatch):
    def cannot(e):
        raise sp.PolynomialError("not a rational function")

    monkeypatch.setattr(steps, "_PROOF_TACTICS", (cannot, sp.expand_trig))
    assert steps._proves_zero(sp.sin(2 * x) - 2 * sp.sin(x) * sp.cos(x), thorough=False)


def test_simplify_is_not_tried_on_an_unevaluable_step_of_more_than_400_operations():
    f = sp.Function("f")
    polynomial = sum(x**k / (k + 1) for k in range(1, 80))
    long = f(x) * polynomial * (sp.sin(x) ** 2 + sp.cos(x) ** 2)
    assert sp.count_ops(long - f(x) * polynomial) > 400
    with pytest.raises(StepError, match="could not be evaluated"):
        verify_equal(long, f(x) * polynomial)  # simplify would prove it, in seconds
    short = f(x) * (x + 1) * (sp.sin(x) ** 2 + sp.cos(x) ** 2)
    assert verify_equal(short, f(x) * (x + 1)) == "symbolic"


# ---------------------------------------------------------------------------- indices and sizes


def test_index_range_is_respected():
    # Without i ≤ n the identity below fails (the left side is 0 for i > n); with it, it holds.
    d = softmax_derivation()
    d.step(sp.exp(X[i]) / TOTAL, "ok for 1 ≤ i ≤ n")
    loose = Derivation(sp.Derivative(sp.log(TOTAL), X[i]), name="no range")
    with pytest.raises(StepError):
        loose.step(sp.exp(X[i]) / TOTAL, "ignores the range")


def test_an_index_only_in_a_derivative_variable_is_drawn():

    n = sp.Symbol("n", integer=True, positive=True)
    i, k = sp.symbols("i k", integer=True, positive=True)
    X = sp.IndexedBase("x", real=True)
    d = Derivation(sp.Derivative(sp.Sum(X[k] ** 2, (k, 1, n)), X[i]), name="d", indices={i: n})
    d.step(sp.Sum(2 * X[k] * sp.KroneckerDelta(i, k), (k, 1, n)), "term by term")
    assert len(d.steps) == 2


def test_a_summation_index_listed_in_indices_keeps_its_name_inside_a_derivative():
    # d/dX[i] Σ_j X[j]: j is bound by the sum; drawing it too must not rename the sum's own index.
    X = sp.IndexedBase("X", real=True)
    i, j, n = sp.symbols("i j n", integer=True)
    summed = sp.Sum(X[j] ** 2, (j, 1, n))
    assert verify_equal(sp.Derivative(summed, X[i]), 2 * X[i], indices={i: n, j: n}) == "numeric"
    # Only the left side mentions i (as a derivative variable, not a free symbol): it is drawn all the same.
    assert verify_equal(sp.Derivative(sp.Sum(X[j], (j, 1, n)), X[i]), sp.Integer(1), indices={i: n, j: n})
    with pytest.raises(StepError, match="this step gives"):
        verify_equal(sp.Derivative(summed, X[i]), 3 * X[i], indices={i: n, j: n})


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
    assert d.result == v[i] * sp.exp(z(i)) * x[j]  # both steps verified


def test_index_bound_absent_from_both_sides_is_drawn():
    m, d = sp.symbols("m d", integer=True, positive=True)
    i, ell = sp.symbols("i l", integer=True, positive=True)
    x, mu = sp.IndexedBase("x", real=True), sp.IndexedBase("mu", real=True)
    gradient = Derivation(sp.Sum(-2 * (x[i, ell] - mu[ell]), (i, 1, m)), name="∂S/∂μ_l", indices={ell: d})
    gradient.step(2 * m * mu[ell] - 2 * sp.Sum(x[i, ell], (i, 1, m)), "split the sum")
    assert gradient.result == 2 * m * mu[ell] - 2 * sp.Sum(x[i, ell], (i, 1, m))
    with pytest.raises(StepError, match="this step gives"):
        gradient.step(2 * m * mu[ell] - 3 * sp.Sum(x[i, ell], (i, 1, m)), "a wrong factor")


def test_every_size_drawn_is_an_instance_of_its_own():
    n, m = sp.symbols("n m", integer=True)
    # n x = 4 x holds for the first size drawn (n = 4) only: the second size must be checked on its own.
    with pytest.raises(StepError) as caught:
        verify_equal(n * x, 4 * x)
    assert str(caught.value).startswith("at n = 3, x = 0.04729: ")
    # Sizes start at 1: a step wrong only for n = 1 is caught.
    with pytest.raises(StepError, match=r"^at n = 1, "):
        verify_equal(sp.Min(n, 2) * x, 2 * x)
    # ... and go up to 4: n x = min(n, 4) x is accepted.
    assert verify_equal(sp.Min(n, 4) * x, n * x) == "numeric"
    # Sizes free on one side only, and not listed in indices, are drawn too.
    with pytest.raises(StepError) as caught:
        verify_equal(x**m, x)
    assert str(caught.value).startswith("at m = 4, x = 0.5478: ")


def test_sizes_that_only_bound_an_index_are_drawn_from_1_to_4_in_name_order():
    d, i, m, n = sp.symbols("d i m n", integer=True)
    X = sp.IndexedBase("X", real=True)
    with pytest.raises(StepError, match=r"^at d = 4, i = 3, x = 0.5478: "):
        verify_equal(i * x, x, indices={i: d})
    with pytest.raises(StepError, match=r"^at d = 1, i = 1, "):  # a bound of 1 is drawn too
        verify_equal(sp.Min(i - 1, 1) * x, x, indices={i: d}, seed=1)
    with pytest.raises(StepError, match=r"^at m = 4, n = 3, i = 4, X_4 = 0.5478: "):
        verify_equal(i * X[i], X[i], indices={i: n + m})


@pytest.mark.parametrize(("sign", "point"), [("positive", "X_3 = 1.683"), ("negative", "X_3 = -1.067")])
def test_indexed_leaves_are_drawn_with_their_base_sign(sign, point):
    n, i = sp.symbols("n i", integer=True)
    X = sp.IndexedBase("X", **{sign: True})
    with pytest.raises(StepError) as caught:
        verify_equal(X[i], 2 * X[i], indices={i: n})
    assert caught.value.point == f"n = 4, i = 3, {point}"


def test_prove_false_verifies_by_evaluation_only():
    z = sp.Symbol("z", real=True)
    assert verify_equal((z + 1) ** 2, z**2 + 2 * z + 1) == "symbolic"
    assert verify_equal((z + 1) ** 2, z**2 + 2 * z + 1, prove=False) == "numeric"
    d = Derivation((z + 1) ** 2, name="d", prove=False).step(z**2 + 2 * z + 1, "expand")
    assert d.steps[-1].method == "numeric"
    with pytest.raises(StepError):
        Derivation(z, name="wrong", prove=False).step(z + 1, "off by one")


def test_a_verified_identity_shows_as_one_line_saying_how():
    z = sp.Symbol("z", positive=True)
    proved = verify_equal((z + 1) ** 2, z**2 + 2 * z + 1, name="the square")
    assert proved == "symbolic" and repr(proved) == "✓ the square: proved by SymPy"
    numeric = steps.Verified("numeric", "gamma")
    assert repr(numeric) == f"✓ gamma: equal to 40 digits at {steps.NUMERIC_POINTS} random points"
