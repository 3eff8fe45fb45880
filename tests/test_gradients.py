"""check_gradient, check_jacobian and check_hessian: right derivatives pass with tiny errors; wrong ones fail
with a message that names the quantity, the point, the three values and whom to blame; bad input is a
ValueError that says what is wrong."""

import re

import numpy as np
import pytest
import sympy as sp
import torch
from sympy.utilities.exceptions import SymPyDeprecationWarning

from checks import GradientMismatch, check_gradient, check_hessian, check_jacobian
from checks.gradients import _normwise_relative
from checks.points import kink_expressions, sample_points, symbol_name
from derivations import matrix_symbols, vector_symbols
from tests.helpers import message, square, square_with_backward

x, y, z = sp.symbols("x y z", real=True)
w1, w2 = sp.symbols("w_1 w_2", real=True)

#: t² with a broken backward pass: 3t where it should be 2t.
BROKEN_BACKWARD = square_with_backward(lambda t: 3 * t)
#: t², whose backward pass is off by 1.7e-5: just outside finite differences' tolerance near t = 0.1.
SLIGHTLY_OFF_BACKWARD = square_with_backward(lambda t: 2 * t + 1.7e-5)


def sigmoid(u):
    return 1 / (1 + sp.exp(-u))


# Source E (the fifth homework set): f = σ(w1 x1 + w2 x2) + ½(w1² + w2²) at x = (0.2, 0.4).
X1, X2 = sp.Rational(1, 5), sp.Rational(2, 5)
U = w1 * X1 + w2 * X2
E_F = sigmoid(U) + (w1**2 + w2**2) / 2


def e_torch(a, b):
    return torch.sigmoid(a * 0.2 + b * 0.4) + (a**2 + b**2) / 2


E_POINT = [{w1: 0.3, w2: -0.5}]


def mismatch(*args, **kwargs) -> str:
    return message(GradientMismatch, check_gradient, *args, **kwargs)


# ---------------------------------------------------------------------------- right and wrong derivatives


def test_right_gradient_passes_with_tiny_errors():
    report = check_gradient(e_torch, [sp.diff(E_F, w1), sp.diff(E_F, w2)], [w1, w2], at=E_POINT)
    assert report.points == 6
    assert report.max_rel_error < 1e-13
    assert report.max_fd_rel_error < 1e-7


def test_source_e_sign_error_is_caught_with_a_readable_message():
    # The source's typed answer: dσ(u)/dw1 = −e^{−u} x1 / (1 + e^{−u})² (the sign is wrong).
    wrong = [-sp.exp(-U) * X1 / (1 + sp.exp(-U)) ** 2 + w1, -sp.exp(-U) * X2 / (1 + sp.exp(-U)) ** 2 + w2]
    with pytest.raises(GradientMismatch) as caught:
        check_gradient(e_torch, wrong, [w1, w2], at=E_POINT, trials=0)
    message = str(caught.value)
    assert "∂f/∂w_1" in message
    assert "point: w_1 = 0.3, w_2 = -0.5\n" in message
    assert "0.250244" in message  # the source's wrong value
    assert "0.349756" in message  # autograd's (and finite differences') right value
    assert "relative error" in message
    assert "disagrees with both autograd and finite differences" in message
    assert isinstance(caught.value, AssertionError)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda g: -g,  # sign flip
        lambda g: 2 * g,  # factor of two
        lambda g: g * (1 + sp.Float(1e-6)),  # a tiny relative error, far above rtol
        lambda g: g + sp.Float(1e-7),  # a tiny absolute error
    ],
)
def test_wrong_gradients_are_caught(wrong):
    right = [sp.diff(E_F, w1), sp.diff(E_F, w2)]
    with pytest.raises(GradientMismatch):
        check_gradient(e_torch, [wrong(right[0]), right[1]], [w1, w2])


def test_broken_backward_is_blamed_on_fn():
    with pytest.raises(GradientMismatch, match="fn is not differentiable here or its backward pass is wrong"):
        check_gradient(BROKEN_BACKWARD, [3 * x], [x])


def test_jacobian_of_softmax():
    xs = vector_symbols("x", 3)
    exps = xs.applyfunc(sp.exp)
    softmax = exps / sum(exps)
    claimed = sp.diag(*softmax) - softmax * softmax.T
    assert check_jacobian(lambda t: torch.softmax(t, dim=0), claimed, [xs]).entries == 9
    with pytest.raises(GradientMismatch, match=r"∂f_\d/∂x_\d at random point 1 of 5"):
        check_jacobian(lambda t: torch.softmax(t, dim=0), sp.diag(*softmax), [xs])
    with pytest.raises(ValueError, match="3 columns"):
        check_jacobian(lambda t: torch.softmax(t, dim=0), claimed[:, :2], [xs])


def test_hessian_right_and_wrong():
    f = sp.sin(x) * sp.sin(y)
    hessian = sp.hessian(f, (x, y))
    report = check_hessian(lambda a, b: torch.sin(a) * torch.sin(b), hessian, [x, y])
    assert report.max_rel_error < 1e-14
    swapped = hessian.copy()
    swapped[0, 0], swapped[0, 1] = swapped[0, 1], swapped[0, 0]
    with pytest.raises(GradientMismatch, match="∂²f/∂x∂x"):
        check_hessian(lambda a, b: torch.sin(a) * torch.sin(b), swapped, [x, y])
    with pytest.raises(ValueError, match="2 × 2"):
        check_hessian(lambda a, b: torch.sin(a) * torch.sin(b), sp.zeros(3, 3), [x, y])


# ---------------------------------------------------------------------------- what a check accepts


def test_matrix_entry_is_named_by_its_symbol_counted_from_1():
    W = matrix_symbols("W", 2, 3)
    v = sp.Matrix([1, 2, 3])
    residual = W * v
    f = (residual.T * residual)[0]
    gradient = sp.Matrix(2, 3, lambda i, j: sp.diff(f, W[i, j]))
    v_t = torch.tensor([[1.0], [2.0], [3.0]], dtype=torch.float64)

    def fn(w):
        return ((w @ v_t) ** 2).sum()

    assert check_gradient(fn, [gradient], [W]).entries == 6
    wrong = gradient.copy()
    wrong[0, 2] = -wrong[0, 2]
    with pytest.raises(GradientMismatch, match=re.escape("mismatch for ∂f/∂W_{1,3} at")):
        check_gradient(fn, [wrong], [W])


def test_transposed_gradient_shape_is_a_value_error():
    W = matrix_symbols("W", 2, 3)
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        check_gradient(lambda w: w.sum(), [sp.ones(3, 2)], [W])


@pytest.mark.parametrize(
    ("fn", "claimed", "wrt", "message"),
    [
        (lambda a: a**2, [2 * x * y], [x], r"not in wrt: \['y'\]"),
        (lambda a: torch.stack([a, a]), [sp.Integer(1)], [x], "scalar"),
        (lambda a: a.float() ** 2, [2 * x], [x], "float64"),
        (lambda a: a.item() ** 2, [2 * x], [x], "torch tensor"),
        (lambda a: torch.tensor(a.item() ** 2, dtype=torch.float64), [2 * x], [x], "not connected"),
        (lambda a, b: a * b, [sp.Integer(1)], [x], "called with 1 float64"),
        (lambda a: a**2, [2 * x, 0], [x], "has 2 entries but wrt has 1"),
        (lambda a: a**2, ["2*x"], [x], "string"),
        (lambda a: a**2, [2 * x], x, "non-empty list"),
        (lambda a: a**2, [2 * x], [x + 1], "not a Symbol"),
        (lambda a: a**2, [2 * x, 2 * x], [x, x], "more than once"),
        ("not callable", [2 * x], [x], "callable"),
    ],
)
def test_bad_input_is_a_clear_value_error(fn, claimed, wrt, message):
    with pytest.raises(ValueError, match=message):
        check_gradient(fn, claimed, wrt)


def test_report_lists_every_wrt_entry():
    W = matrix_symbols("W", 1, 2)
    report = check_gradient(lambda a, w: a * w.sum(), [W[0] + W[1], sp.Matrix([[x, x]])], [x, W])
    assert str(report).startswith(
        "✓ gradient of f w.r.t. x, W: SymPy = autograd at 5 points × 3 entries, max rel. error "
    )


@pytest.mark.parametrize(
    ("claimed", "wrt", "expected"),
    [
        (5, [x], "claimed must be a list aligned with wrt (one entry per wrt entry)"),
        ([sp.Matrix([x, x])], [x], "claimed[0] (for x) is a 2×1 Matrix, but x is a scalar"),
        ([True], [x], "claimed[0] (for x) is a bool; pass a SymPy expression"),
        (["2*x"], [x], "claimed[0] (for x) is a string; pass a SymPy expression"),
        ([[2, 3]], [x], "claimed[0] (for x) is a list, not a SymPy expression"),
        (
            [sp.ones(1, 2)],
            [vector_symbols("v", 2)],
            "claimed[0] (for v) must be a Matrix of shape (2, 1); got a Matrix of shape (1, 2)",
        ),
        ([3], [vector_symbols("v", 2)], "claimed[0] (for v) must be a Matrix of shape (2, 1); got a int"),
        (
            [2 * y],
            [x],
            "claimed uses symbols that are not in wrt: ['y']. "
            "Substitute values for them (expr.subs) or add them to wrt.",
        ),
    ],
)
def test_malformed_claims_get_exact_messages(claimed, wrt, expected):
    assert message(ValueError, check_gradient, lambda t: t.sum() ** 2, claimed, wrt) == expected


@pytest.mark.parametrize(
    ("wrt", "expected"),
    [
        ([], "wrt must be a non-empty list of Symbols and/or Matrices of Symbols, e.g. [x] or [W, b]"),
        ({x}, "wrt must be a non-empty list of Symbols and/or Matrices of Symbols, e.g. [x] or [W, b]"),
        ([sp.Matrix([x, 2])], "wrt[0] must be a Matrix of Symbols; it contains 2"),
        ([x, sp.zeros(0, 2)], "wrt[1] must be a Matrix of Symbols; it contains no entries"),
        ([sp.zeros(2, 0)], "wrt[0] must be a Matrix of Symbols; it contains no entries"),
        ([x, y, x], "wrt lists these symbols more than once: ['x']"),
    ],
)
def test_malformed_wrt_gets_exact_messages(wrt, expected):
    assert message(ValueError, check_gradient, lambda *t: t[0].sum(), [0] * len(wrt), wrt) == expected


def test_a_one_by_one_matrix_is_a_valid_wrt():
    assert check_gradient(lambda w: w.sum() ** 2, [sp.Matrix([[2 * x]])], [sp.Matrix([[x]])]).entries == 1


def test_python_numbers_are_valid_claims():
    assert check_gradient(lambda t: 0.5 * t, [0.5], [x]).max_abs_error == 0.0
    assert check_gradient(lambda t: 3 * t, [3], [x]).max_abs_error == 0.0


def test_jacobian_claim_must_be_a_matrix_message():
    assert message(ValueError, check_jacobian, lambda t: t, 5, [x]) == (
        "claimed Jacobian must be a Matrix with 1 columns (one per scalar in wrt); got a int"
    )


def test_claims_that_cannot_be_evaluated_say_so():
    g = sp.Function("g")
    assert message(ValueError, check_gradient, square, [g(x)], [x]) == (
        "the claimed expression cannot be evaluated numerically: name 'g' is not defined"
    )
    assert message(ValueError, check_gradient, square, [sp.Derivative(g(x), x)], [x]).startswith(
        "the claimed expression cannot be evaluated numerically: Unsupported by "
    )


def test_a_matrix_entry_that_is_not_an_expression_is_named():
    v = vector_symbols("v", 1)
    with pytest.warns(SymPyDeprecationWarning):
        condition = sp.Matrix([x > 0])  # SymPy still allows, with a warning, a Matrix of non-expressions
    assert message(ValueError, check_gradient, lambda t: t.sum(), [condition], [v]) == (
        "claimed[0] (for v) is a StrictGreaterThan, not a SymPy expression"
    )


def test_disconnected_output_message_is_exact():
    text = message(ValueError, check_gradient, lambda t: torch.tensor(t.item(), dtype=torch.float64), [1], [x])
    assert text == (
        "fn's output is not connected to its inputs by autograd (did it use .item(), "
        "NumPy, torch.no_grad or build a new tensor?)"
    )


def test_fn_errors_get_exact_messages():
    v = vector_symbols("v", 2)
    assert message(ValueError, check_gradient, lambda a, t: a @ t, [0, sp.zeros(2, 1)], [x, v]) == (
        "fn raised RuntimeError: both arguments to matmul need to be at least 1D, but they are 0D and 2D "
        "— it was called with 2 float64 tensor(s) of shapes (), (2, 1), one per wrt entry"
    )
    assert message(ValueError, check_gradient, lambda t: 1.0, [0], [x]) == (
        "fn must return a torch tensor; it returned float"
    )
    assert message(ValueError, check_gradient, "t**2", [0], [x]) == (
        "fn must be a callable torch implementation; got str"
    )
    assert message(ValueError, check_gradient, square, [2 * x], [x], trials=0) == (
        "a check needs at least one point: trials >= 1 or an explicit point in at="
    )


# ---------------------------------------------------------------------------- the points


def test_points_avoid_kinks_unless_asked():
    relu_gradient = sp.Heaviside(x)
    report = check_gradient(torch.relu, [relu_gradient], [x], trials=50)
    assert report.points == 50
    # At the kink itself SymPy's Heaviside(0) = 1/2 while torch.relu's derivative is 0.
    with pytest.raises(GradientMismatch, match="disagrees with autograd"):
        check_gradient(torch.relu, [relu_gradient], [x], at=[{x: 0.0}], trials=0)
    # The book's convention Heaviside(z, 0) agrees with PyTorch there.
    check_gradient(torch.relu, [sp.Heaviside(x, 0)], [x], at=[{x: 0.0}], trials=0)


def test_positive_symbols_are_sampled_positive():
    p = sp.Symbol("p", positive=True)
    check_gradient(lambda t: torch.log(t), [1 / p], [p], trials=20)


def test_three_scalars_are_passed_in_order():
    report = check_gradient(
        lambda a, b, c: a + 2 * b + 3 * c + a * b * c, [1 + y * z, 2 + x * z, 3 + x * y], [x, y, z], trials=3
    )
    assert report.entries == 3
    # the point is described entry by entry, each with its own value
    text = message(
        GradientMismatch,
        check_gradient,
        lambda a, b, c: a + 2 * b + 3 * c,
        [1, 2, 4],
        [x, y, z],
        at=[{x: 0.1, y: 0.2, z: 0.3}],
        trials=0,
    )
    assert "point: x = 0.1, y = 0.2, z = 0.3\n" in text


def test_an_unused_input_has_a_zero_gradient():
    assert check_gradient(lambda a, b: a**2, [2 * x, 0], [x, y]).entries == 2


def test_explicit_matrix_points_are_read_entry_by_entry():
    v = vector_symbols("v", 2)
    point = [{v: [sp.Rational(1, 3), sp.Rational(-1, 7)], x: 0.123456789}]
    report = check_gradient(
        lambda t, a: a * (t[0, 0] ** 2 + t[1, 0] ** 3),
        [sp.Matrix([2 * x * v[0], 3 * x * v[1] ** 2]), v[0] ** 2 + v[1] ** 3],
        [v, x],
        at=point,
        trials=0,
    )
    assert report.points == 1
    text = message(
        GradientMismatch,
        check_gradient,
        lambda t, a: a * t.sum(),
        [sp.Matrix([x, 2 * x]), v[0] + v[1]],
        [v, x],
        at=point,
        trials=0,
    )
    assert "  point: v_1 = 0.3333, v_2 = -0.1429, x = 0.1235\n" in text
    # A matrix's point may be given in its shape: entry by entry, row by row.
    W = matrix_symbols("W", 2, 2)
    claimed = [W.applyfunc(lambda w: 2 * w)]
    in_shape = [{W: [[1, 2], [3, 4]]}]
    assert check_gradient(lambda t: (t**2).sum(), claimed, [W], at=in_shape, trials=0).points == 1
    text = message(GradientMismatch, check_gradient, lambda t: (t**3).sum(), claimed, [W], at=in_shape, trials=0)
    assert "  point: W_{1,1} = 1, W_{1,2} = 2, W_{2,1} = 3, W_{2,2} = 4\n" in text
    assert message(ValueError, check_gradient, lambda t: t.sum(), [sp.ones(2, 1)], [v], at=[{v: [1.0]}]) == (
        "the point gives 1 values for a Matrix with 2 entries"
    )
    assert message(ValueError, check_gradient, lambda a, b: a * b, [y, x], [x, y], at=[{x: 1.0}]) == (
        "an explicit point gives no value for ['y']"
    )


@pytest.mark.parametrize(
    ("entries", "stem"),
    [
        (sp.symbols("w_h_1 w_h_2", real=True), "w"),  # the stem is what comes before the first underscore
        (sp.symbols("a b c", real=True), "(a, b, …)"),  # no common stem: the Matrix is named by its entries
        ((sp.Symbol("a", real=True),), "(a)"),  # a stem needs an underscore
        ((sp.Symbol("q_1", real=True), sp.Symbol("q", real=True)), "q"),  # the first entry decides
        (sp.symbols("theta_1 theta_2", real=True), "θ"),  # as the page prints it
    ],
)
def test_matrix_stem_in_reports_and_entries_by_their_own_names(entries, stem):
    m = sp.Matrix(entries)
    wrong = sp.zeros(len(entries), 1)
    report = check_gradient(lambda t: t[-1, 0] * 0, [wrong], [m], trials=1)
    assert report.wrt == [stem]
    text = message(GradientMismatch, check_gradient, lambda t: t[-1, 0] * 2, [wrong], [m], trials=1)
    last = symbol_name(entries[-1])
    assert text.startswith(f"gradient mismatch for ∂f/∂{last} at random point 1 of 1 (seed 0)")


def test_domain_and_seed_choose_the_points():
    report = check_gradient(lambda t: torch.sqrt(t - 4), [1 / (2 * sp.sqrt(x - 4))], [x], domain={x: (5.0, 6.0)})
    assert report.points == 5 and report.seed == 0
    text = message(GradientMismatch, check_gradient, square, [3 * x], [x], trials=1, seed=3)
    drawn = sample_points([x], 1, seed=3)[0][x]
    assert f"point: x = {drawn:.4g}\n" in text and "(seed 3)" in text


def test_kinks_are_avoided_only_when_asked():
    # every point of this domain is within KINK_MARGIN of the kink at 0
    assert message(ValueError, check_gradient, torch.relu, [sp.Heaviside(x)], [x], domain={x: (1e-4, 5e-4)}).startswith(
        "no point at least 0.001 away from the kinks [x] in 1000 draws"
    )
    report = check_gradient(torch.relu, [sp.Heaviside(x)], [x], domain={x: (1e-4, 5e-4)}, avoid_kinks=False)
    assert report.points == 5
    # without avoidance the first random point straddles the kink: finite differences disagree there
    text = message(
        GradientMismatch,
        check_gradient,
        torch.relu,
        [sp.Heaviside(x)],
        [x],
        trials=1,
        avoid_kinks=False,
        domain={x: (-1e-6, 1e-6)},
    )
    assert "at random point 1 of 1 (seed 0)" in text and "fn is not differentiable here" in text


def test_without_kink_avoidance_a_random_point_near_a_kink_is_still_differenced():
    # Only explicit points are exempt from finite differences at a kink. With avoid_kinks=False, a drawn
    # point 1e-13 from |x|'s kink is differenced, and the difference quotient (≈ 1e-7) disagrees.
    with pytest.raises(GradientMismatch, match="at random point 1 of 1 "):
        check_gradient(
            torch.abs, [sp.sign(x)], [x], at=[{x: 1.0}], trials=1, avoid_kinks=False, domain={x: (1e-13, 2e-13)}
        )


# ---------------------------------------------------------------------------- finite differences and errors


def test_finite_differences_use_the_documented_steps():
    # central differences with h = eps^(1/3) max(1, |x|): truncation error h² f'''/6 ≈ 5e-11 relative here
    report = check_gradient(lambda t: t**3, [3 * x**2], [x], at=[{x: 0.5}], trials=0)
    assert 1e-12 < report.max_fd_rel_error < 1e-10
    # far from 0 the step grows with |x|, keeping round-off (eps |f| / h) small
    report = check_gradient(lambda t: t**2, [2 * x], [x], at=[{x: 1000.0}], trials=0)
    assert report.max_fd_rel_error < 1e-8
    # second differences with h = eps^(1/4) max(1, |x|): error ≈ h² f''''/12 / f'' ≈ 1e-8 here
    report = check_hessian(lambda t: t**4, sp.Matrix([[12 * x**2]]), [x], at=[{x: 0.5}], trials=0)
    assert report.max_fd_rel_error < 1e-7


def test_non_square_jacobian_differences_have_the_right_orientation():
    v = vector_symbols("v", 2)
    claimed = sp.Matrix([[1, 0], [0, 2 * v[1]], [v[1], v[0]]])
    report = check_jacobian(lambda t: torch.stack([t[0, 0], t[1, 0] ** 2, t[0, 0] * t[1, 0]]), claimed, [v])
    assert report.entries == 6 and report.max_fd_rel_error < 1e-8


def test_at_most_64_distinct_coordinates_are_differenced_per_point():
    v = vector_symbols("v", 70)
    calls: list[np.ndarray] = []

    def recorded_sum_of_squares(t):
        calls.append(t.detach().numpy().ravel().copy())
        return (t**2).sum()

    report = check_gradient(recorded_sum_of_squares, [2 * v], [v], trials=1)
    base = calls[0]  # autograd's own call, at the point itself
    shifted = {int(np.flatnonzero(c != base)[0]) for c in calls if (c != base).any()}
    assert report.fd_coordinates == 64 and len(shifted) == 64


def test_finite_difference_errors_are_judged_relative_to_the_function_scale():
    # scale = max(1, |f|): a derivative of 1.1e-5 is above the 1e-5 floor when |f| < 1 ...
    report = check_gradient(lambda t: 1.5e-5 * t**3, [4.5e-5 * x**2], [x], at=[{x: 0.5}], trials=0)
    assert report.max_fd_rel_error > 0
    # ... and one of 3.75e-5 is below it when |f| = 10: judged by absolute error there
    report = check_gradient(lambda t: 10 + 5e-5 * t**3, [1.5e-4 * x**2], [x], at=[{x: 0.5}], trials=0)
    assert report.max_fd_rel_error == 0.0


def test_large_values_keep_finite_differences_within_tolerance():
    assert check_gradient(lambda t: t**4, [4 * x**3], [x], at=[{x: 40.0}], trials=0).points == 1


def test_relative_errors_are_reported_relative_to_the_larger_value():
    report = check_gradient(lambda t: t**2 * (1 + 1e-12), [2 * x], [x], at=[{x: 0.25}, {x: 3.0}], trials=0)
    assert report.max_rel_error == pytest.approx(1e-12, rel=1e-3)
    assert report.max_abs_error == pytest.approx(6e-12, rel=1e-3)


def test_an_exactly_zero_gradient_passes_with_zero_tolerance():
    assert check_gradient(lambda t: 0 * t + 1, [0], [x], atol=0.0, rtol=0.0).max_abs_error == 0.0


def test_values_below_atol_are_judged_by_absolute_error():
    # a claim 1e-13 off a zero derivative: relative error 1 against it, but both sides are below atol
    report = check_gradient(lambda t: 0 * t + 1, [sp.Float(1e-13)], [x], at=[{x: 0.5}], trials=0)
    assert report.max_rel_error == 0.0 and report.max_abs_error == pytest.approx(1e-13)
    with pytest.raises(GradientMismatch, match=re.escape("relative error:     1 (rtol 1e-9, atol 1e-14)")):
        check_gradient(lambda t: 0 * t + 1, [sp.Float(1e-13)], [x], at=[{x: 0.5}], trials=0, atol=1e-14)


# _normwise_relative is tested directly: no check reaches its empty and non-finite cases.
def test_normwise_relative_error_is_measured_against_the_largest_entry():
    # The small entry's own relative error is 1e-8; against the quantity's size (4) it is 1e-12.
    assert _normwise_relative(np.array([[4.0, 4e-4]]), np.array([[4.0, 4e-4 + 4e-12]]), 0.0) == pytest.approx(1e-12)
    assert _normwise_relative(np.array([[-4.0, 1.0]]), np.array([[-4.0 + 8e-12, 1.0]]), 0.0) == pytest.approx(2e-12)
    assert _normwise_relative(np.array([1.0]), np.array([3.0]), 0.0) == pytest.approx(2 / 3)  # the larger side
    assert _normwise_relative(np.array([1e-12]), np.array([0.0]), 1e-12) == 0.0  # at the floor: absolute
    assert _normwise_relative(np.array([0.0]), np.array([0.0]), 0.0) == 0.0
    assert _normwise_relative(np.array([1.0, np.inf]), np.array([1.0, np.inf]), 0.0) == np.inf
    assert _normwise_relative(np.array([np.nan]), np.array([1.0]), 0.0) == np.inf
    assert _normwise_relative(np.zeros((1, 0)), np.zeros((1, 0)), 0.0) == 0.0  # nothing to compare


def test_checks_report_the_normwise_error_of_their_worst_point():
    v = vector_symbols("v", 2)
    # Off by 1e-12 relative in the second entry, whose size is a quarter of the first's.
    report = check_gradient(
        lambda t: 2 * t[0, 0] ** 2 + 0.5 * t[1, 0] ** 2 * (1 + 1e-12),
        [sp.Matrix([4 * v[0], v[1]])],
        [v],
        at=[{v: [1.0, 1.0]}, {v: [1.0, 0.0]}],
        trials=0,
    )
    assert report.max_rel_error == pytest.approx(1e-12, rel=1e-3)
    assert report.max_normwise_rel_error == pytest.approx(0.25e-12, rel=1e-3)


def test_a_claim_with_an_imaginary_part_is_wrong():
    assert "SymPy (claimed):    nan" in message(GradientMismatch, check_gradient, square, [2 * x + sp.I / 2], [x])


@pytest.mark.parametrize("claim", [sp.oo, -sp.oo])
def test_an_infinite_claim_fails(claim):
    # rtol × inf is inf: judged by |claim − autograd| ≤ rtol × scale, an infinite claim would agree with anything.
    text = mismatch(square, [claim], [x], trials=1)
    assert "disagrees with both autograd and finite differences" in text and "relative error:     inf" in text


def test_a_finite_claim_fails_where_autograd_is_infinite():
    # d√x/dx at x = 0 is +inf in torch; a finite claim is blamed on the claim, not waved through.
    with pytest.raises(GradientMismatch, match="the claimed \\(SymPy\\) formula disagrees with autograd"):
        check_gradient(torch.sqrt, [sp.Integer(7)], [x], at=[{x: 0.0}], trials=0)


def test_the_same_infinity_on_both_sides_agrees_with_the_claim():
    # 1/(2√x) at 0 is +inf on both sides: the claim matches autograd there (finite differences are judged apart).
    with pytest.raises(GradientMismatch) as caught:
        check_gradient(torch.sqrt, [1 / (2 * sp.sqrt(x))], [x], at=[{x: 0.0}], trials=0)
    assert "fn is not differentiable here" in str(caught.value)


def test_hessian_of_a_relu_expression_with_dirac_delta_is_checked():
    a, b = sp.symbols("a b", real=True)
    f = sp.Max(a * b - sp.Rational(1, 2), 0) * sp.exp(a)
    hessian = sp.hessian(f, (a, b))
    assert hessian.has(sp.DiracDelta)  # SymPy's second derivative of Max(u, 0) is DiracDelta(u) u'²

    def fn(s, t):
        return torch.relu(s * t - 0.5) * torch.exp(s)

    # DiracDelta has no NumPy counterpart of its own: the check must evaluate it (0 away from its kink).
    report = check_hessian(fn, hessian, [a, b], trials=20)
    assert report.points == 20
    wrong = hessian.copy()
    wrong[1, 1] = -wrong[0, 1]
    with pytest.raises(GradientMismatch, match="∂²f/∂b∂b"):
        check_hessian(fn, wrong, [a, b], trials=20)
    # DiracDelta's argument is a kink: random points keep away from it, and on it the claim has no value.
    assert kink_expressions([sp.DiracDelta(a * b - 1)]) == [a * b - 1]
    with pytest.raises(GradientMismatch, match="nan"):
        check_hessian(fn, hessian, [a, b], at=[{a: 1.0, b: 0.5}], trials=0)


# ---------------------------------------------------------------------------- the report and the mismatch message


def test_report_is_readable():
    text = str(check_gradient(lambda t: torch.exp(t), [sp.exp(x)], [x]))
    assert text.startswith("✓ gradient of f w.r.t. x: SymPy = autograd at 5 points × 1 entries, max rel. error ")
    assert "\n" not in text, "a passed check is one line on the page"


def test_mismatch_message_when_the_claim_is_wrong():
    assert mismatch(square, [3 * x], [x], at=[{x: 0.3}], trials=0) == (
        "gradient mismatch for ∂f/∂x at explicit point 1 of 1:\n"
        "  point: x = 0.3\n"
        "  SymPy (claimed):    0.9\n"
        "  torch.autograd:     0.6\n"
        "  finite differences: 0.6\n"
        "  relative error:     0.333 (rtol 1e-9, atol 1e-12)\n"
        "  the claimed (SymPy) formula disagrees with both autograd and finite differences: the claim is wrong."
    )
    # large values: finite differences are judged relative to their size
    assert mismatch(lambda t: t**4, [3 * x**3], [x], at=[{x: 40.0}], trials=0).endswith(
        "  relative error:     0.25 (rtol 1e-9, atol 1e-12)\n"
        "  the claimed (SymPy) formula disagrees with both autograd and finite differences: the claim is wrong."
    )


def test_a_mismatch_carries_its_numbers():
    with pytest.raises(GradientMismatch) as caught:
        check_gradient(square, [3 * x], [x], at=[{x: 0.3}], trials=0)
    mismatch = caught.value
    assert (mismatch.quantity, mismatch.point, mismatch.at) == ("∂f/∂x", "x = 0.3", {x: 0.3})
    assert (mismatch.claimed, mismatch.autograd) == (pytest.approx(0.9), pytest.approx(0.6))
    assert mismatch.finite_difference == pytest.approx(0.6, rel=1e-9)
    assert mismatch.relative_error == pytest.approx(1 / 3)
    bare = GradientMismatch("only a message")
    assert (bare.quantity, bare.point, bare.at) == ("", "", {})
    assert all(np.isnan(v) for v in (bare.claimed, bare.autograd, bare.finite_difference, bare.relative_error))


def test_a_large_matrix_is_described_by_a_few_entries_and_the_one_that_failed():
    row = matrix_symbols("r", 1, 12)
    point = {row: np.linspace(-1, 1, 12) + 1 / 3}
    claim = row.applyfunc(lambda r: 3 * r**2).as_mutable()
    claim[0, 7] = 0
    text = mismatch(lambda t: (t**3).sum(), [claim], [row], at=[point], trials=0)
    assert text.splitlines()[:2] == [
        "gradient mismatch for ∂f/∂r_{1,8} at explicit point 1 of 1:",
        "  point: r_{1,1} = -0.6667, r_{1,2} = -0.4848, r_{1,3} = -0.303, …, r_{1,8} = 0.6061, …, r_{1,12} = 1.333",
    ]
    with pytest.raises(GradientMismatch) as caught:
        check_gradient(lambda t: (t**3).sum(), [claim], [row], at=[point], trials=0)
    assert list(caught.value.at.values()) == pytest.approx(point[row]), "the point itself is kept whole"


def test_failures_name_explicit_and_random_points():
    # -2|x| is right for x < 0 (the explicit points) and wrong at the first random point (x ≈ 0.548)
    text = mismatch(square, [-2 * sp.Abs(x)], [x], at=[{x: -0.5}, {x: -1.0}], trials=3)
    assert text.startswith("gradient mismatch for ∂f/∂x at random point 1 of 3 (seed 0):\n  point: x = 0.5478\n")
    text = mismatch(square, [-2 * sp.Abs(x)], [x], at=[{x: -0.5}, {x: 1.0}], trials=3)
    assert text.startswith("gradient mismatch for ∂f/∂x at explicit point 2 of 2:\n  point: x = 1\n")


def test_mismatch_message_at_a_kink():
    assert mismatch(torch.relu, [sp.Heaviside(x)], [x], at=[{x: 0.0}], trials=0) == (
        "gradient mismatch for ∂f/∂x at explicit point 1 of 1:\n"
        "  point: x = 0\n"
        "  SymPy (claimed):    0.5\n"
        "  torch.autograd:     0\n"
        "  finite differences: not used here (a kink, or a coordinate not sampled)\n"
        "  relative error:     1 (rtol 1e-9, atol 1e-12)\n"
        "  the claimed (SymPy) formula disagrees with autograd."
    )


def test_mismatch_message_when_autograd_is_off_too():
    # 1.7e-5 apart is more than 1e-5 × (|value| + 1): the claim is not confirmed by finite differences
    assert mismatch(SLIGHTLY_OFF_BACKWARD, [3 * x], [x], at=[{x: 0.1}], trials=0).endswith(
        "  relative error:     0.333 (rtol 1e-9, atol 1e-12)\n  the claimed (SymPy) formula disagrees with autograd."
    )


def test_mismatch_message_blames_fn_exactly():
    text = mismatch(BROKEN_BACKWARD, [3 * x], [x], at=[{x: 0.5}], trials=0)
    assert text.splitlines()[-1] == (
        "  autograd and finite differences disagree: fn is not differentiable here or its backward pass is wrong."
    )
    # a claim that agrees with a backward pass 1e-4 off: autograd and finite differences shown to digits that differ
    off = square_with_backward(lambda t: 2 * t + 1e-4)
    text = mismatch(off, [2 * x + sp.Float(1e-4)], [x], at=[{x: 0.5}], trials=0)
    assert "  torch.autograd:     1.0001\n  finite differences: 1\n" in text, text


@pytest.mark.parametrize(
    ("n", "more"),
    [
        (1, None),
        (2, "  1 more entry disagrees: ∂f/∂v_2"),
        (7, "  6 more entries disagree: " + ", ".join(f"∂f/∂v_{k}" for k in range(2, 8))),
        (8, "  7 more entries disagree: " + ", ".join(f"∂f/∂v_{k}" for k in range(2, 8)) + " …"),
    ],
)
def test_mismatch_message_counts_the_other_wrong_entries(n, more):
    v = vector_symbols("v", n)
    text = mismatch(lambda t: (t**2).sum() / 2, [2 * v], [v], at=[{v: [0.5] * n}], trials=0)
    last = text.splitlines()[-1]
    if more is None:
        assert last.startswith("  the claimed (SymPy) formula disagrees with both")
    else:
        assert last == more


def test_mismatch_message_for_a_coordinate_without_finite_differences():
    v = vector_symbols("v", 65)  # more than FD_MAX_COORDINATES: v_1 is not sampled at this seed
    text = mismatch(lambda t: (t**2).sum() / 2, [2 * v], [v], trials=1, seed=44)
    assert text.startswith("gradient mismatch for ∂f/∂v_1 at random point 1 of 1 (seed 44):")
    assert "\n  finite differences: not used here (a kink, or a coordinate not sampled)\n" in text
    assert "\n  the claimed (SymPy) formula disagrees with autograd.\n  64 more entries disagree" in text


def test_messages_read_like_mathematics():
    """Entries counted from 1 by their symbols, a point as ``name = value``, no array, no long unbreakable token."""
    W, v = matrix_symbols("W1", 2, 2), vector_symbols("x", 3)
    a, b = sp.symbols("alpha beta_2", real=True)
    texts = [
        mismatch(lambda t: (t**3).sum(), [W.applyfunc(lambda w: 2 * w)], [W], trials=1),
        message(GradientMismatch, check_jacobian, lambda t: 2 * t, 3 * sp.eye(3), [v], trials=1, name="y"),
        message(GradientMismatch, check_hessian, lambda s, t: s**2 * t, sp.zeros(2, 2), [a, b], trials=1),
    ]
    assert texts[0].startswith(
        "gradient mismatch for ∂f/∂W1_{1,1} at random point 1 of 1 (seed 0):\n  point: W1_{1,1} = "
    )
    assert texts[1].startswith("Jacobian mismatch for ∂y_1/∂x_1 at random point 1 of 1 (seed 0):\n  point: x_1 = ")
    assert "\n  2 more entries disagree: ∂y_2/∂x_2, ∂y_3/∂x_3" in texts[1]
    assert texts[2].startswith("Hessian mismatch for ∂²f/∂α∂α at random point 1 of 1 (seed 0):\n  point: α = ")
    assert ", β_2 = " in texts[2]
    for text in texts:
        assert not re.search(r"\[\[|array\(|\[0|0\]|e[-+]0\d", text), text
        assert max(map(len, text.split())) <= 24, "a page wraps between words: no word may be wider than a phone"
        point = text.splitlines()[1].removeprefix("  point: ")
        assert all(re.fullmatch(r"\S+ = -?\d\S*", item) for item in point.split(", ")), point
