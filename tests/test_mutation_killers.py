"""Unit tests that kill mutants of checks/ and derivations/ which the other unit tests let survive.

Each test names the behaviour it pins down; bench/mutation.md lists the mutants (mutmut 3.8.1) and
which of them are equivalent (no test can tell them from the original).
"""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch

from checks import GradientMismatch, check_gradient, check_hessian, check_jacobian, ledger
from checks.points import sample_points
from checks.values import assert_close
from derivations import Derivation, StepError, matrix_symbols, vector_symbols, verify_equal
from derivations.steps import Step, _evaluate


@pytest.fixture
def records(monkeypatch):
    """Every ledger.record_check call, as (args, kwargs), instead of writing the ledger."""
    calls = []
    monkeypatch.setattr(ledger, "record_check", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


# ---------------------------------------------------------------------------- checks/values.py


def test_assert_close_records_exact_equality_in_the_ledger(records):
    assert assert_close(sp.log(2), sp.log(2), name="log 2") == 0.0
    assert records == [(("value", "log 2", [], 1, 0.0, 0.0), {"passed": True})]


def test_assert_close_records_numbers_in_the_ledger(records):
    worst = assert_close(np.array([0.5, 4.0]), np.array([0.5 * (1 + 1e-10), 4.0]), name="v")
    assert worst == pytest.approx(1e-10, rel=1e-5)  # relative to 0.5, not absolute, not to max(1, …)
    ((args, kwargs),) = records
    assert args[:4] == ("value", "v", [], 2)
    assert args[4] == pytest.approx(0.5e-10, rel=1e-5)  # max |got - expected|, not |got + expected|
    assert args[5] == worst and kwargs == {"passed": True}


def test_assert_close_relative_error_is_relative_to_the_larger_magnitude():
    assert assert_close(4.0, 4.0 * (1 + 1e-10), name="x") == pytest.approx(1e-10, rel=1e-5)
    assert assert_close(1.0, 1.0 + 1e-12, name="x") == pytest.approx(1e-12, rel=1e-3)


def test_assert_close_of_zeros_and_of_empty_arrays(records):
    assert assert_close(np.zeros(2), np.zeros(2), name="zeros") == 0.0
    assert assert_close(np.zeros(0), np.zeros(0), name="empty") == 0.0
    assert records[1] == (("value", "empty", [], 0, 0.0, 0.0), {"passed": True})


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
    assert str(caught.value) == "x: expected 2.0, got 2.1 (relative error 4.762e-02, rtol 1e-09, atol 0)"
    with pytest.raises(AssertionError) as caught:
        assert_close(np.array([[1.0], [3.0]]), np.array([[1.0], [2.0]]), name="m")
    assert str(caught.value).startswith("m[1, 0]: expected 2.0, got 3.0 ")


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
        ("abc", 1.0, "z: 'abc' is not a number or an array of numbers"),
    ],
)
def test_assert_close_rejects_what_is_not_a_real_number(got, expected, message):
    with pytest.raises(AssertionError) as caught:
        assert_close(got, expected, name="z")
    assert str(caught.value) == message


# ---------------------------------------------------------------------------- checks/gradients.py

x, y, z = sp.symbols("x y z", real=True)


def message(error_type, call, *args, **kwargs) -> str:
    with pytest.raises(error_type) as caught:
        call(*args, **kwargs)
    return str(caught.value)


def square(t):
    return t**2


def test_report_lists_every_wrt_entry():
    W = matrix_symbols("W", 1, 2)
    report = check_gradient(lambda a, w: a * w.sum(), [W[0] + W[1], sp.Matrix([[x, x]])], [x, W])
    assert str(report).splitlines()[0] == "✓ gradient of f w.r.t. x, W: 5 points × 3 entries agree."


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


def test_python_numbers_are_valid_claims():
    assert check_gradient(lambda t: 0.5 * t, [0.5], [x]).max_abs_error == 0.0
    assert check_gradient(lambda t: 3 * t, [3], [x]).max_abs_error == 0.0


def test_jacobian_claim_must_be_a_matrix_message():
    assert message(ValueError, check_jacobian, lambda t: t, 5, [x]) == (
        "claimed Jacobian must be a Matrix with 1 columns (one per scalar in wrt); got a int"
    )


def test_disconnected_output_message_is_exact():
    text = message(ValueError, check_gradient, lambda t: torch.tensor(t.item(), dtype=torch.float64), [1], [x])
    assert text == (
        "fn's output is not connected to its inputs by autograd (did it use .item(), "
        "NumPy, torch.no_grad or build a new tensor?)"
    )


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
    assert "point: x=0.1, y=0.2, z=0.3\n" in text


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
    assert "  point: v=[[ 0.333333],\n [-0.142857]], x=0.123457\n" in text
    # A matrix's point may be given in its shape: entry by entry, row by row.
    W = matrix_symbols("W", 2, 2)
    claimed = [W.applyfunc(lambda w: 2 * w)]
    in_shape = [{W: [[1, 2], [3, 4]]}]
    assert check_gradient(lambda t: (t**2).sum(), claimed, [W], at=in_shape, trials=0).points == 1
    text = message(GradientMismatch, check_gradient, lambda t: (t**3).sum(), claimed, [W], at=in_shape, trials=0)
    assert "  point: W=[[1., 2.],\n [3., 4.]]\n" in text
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
        (sp.symbols("a b", real=True), "wrt[0]"),  # no common stem
        ((sp.Symbol("a", real=True),), "wrt[0]"),  # a stem needs an underscore
        ((sp.Symbol("q_1", real=True), sp.Symbol("q", real=True)), "q"),  # the first entry decides
    ],
)
def test_matrix_stem_in_labels(entries, stem):
    m = sp.Matrix(entries)
    last = len(entries) - 1
    wrong = sp.zeros(len(entries), 1)
    text = message(GradientMismatch, check_gradient, lambda t: t[-1, 0] * 2, [wrong], [m], trials=1)
    assert text.startswith(f"gradient mismatch for ∂f/∂{stem}[{last}, 0] ({entries[last]}) at random point 0")


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


def test_relative_errors_are_reported_relative_to_the_larger_value():
    report = check_gradient(lambda t: t**2 * (1 + 1e-12), [2 * x], [x], at=[{x: 0.25}, {x: 3.0}], trials=0)
    assert report.max_rel_error == pytest.approx(1e-12, rel=1e-3)
    assert report.max_abs_error == pytest.approx(6e-12, rel=1e-3)


def test_relative_helper_edge_cases():
    from checks.gradients import _relative

    assert _relative(np.array([0.0]), np.array([0.0]), 0.0).tolist() == [0.0]
    assert _relative(np.array([0.0]), np.array([0.0]), 1.0).tolist() == [0.0]
    assert _relative(np.array([1e-12]), np.array([0.0]), 1e-12).tolist() == [0.0]  # at the floor: absolute
    assert _relative(np.array([np.inf]), np.array([1.0]), 0.0).tolist() == [np.inf]
    assert _relative(np.array([1.0]), np.array([np.nan]), 0.0).tolist() == [np.inf]
    assert _relative(np.array([np.inf]), np.array([np.inf]), 0.0).tolist() == [np.inf]


def test_normwise_relative_error_is_measured_against_the_largest_entry():
    from checks.gradients import _normwise_relative

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


def test_an_infinite_claim_fails_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = message(GradientMismatch, check_gradient, square, [sp.oo], [x], trials=1)
    assert "relative error:     inf" in text


class SlightlyOffBackward(torch.autograd.Function):
    """t², whose backward pass is off by 1.7e-5: just outside finite differences' tolerance near t = 0.1."""

    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t**2

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        return grad * (2 * t + 1.7e-5)


def mismatch(*args, **kwargs) -> str:
    return message(GradientMismatch, check_gradient, *args, **kwargs)


def test_mismatch_message_when_the_claim_is_wrong():
    assert mismatch(square, [3 * x], [x], at=[{x: 0.3}], trials=0) == (
        "gradient mismatch for ∂f/∂x at explicit point 0 (seed 0):\n"
        "  point: x=0.3\n"
        "  SymPy (claimed):    0.89999999999999991\n"
        "  torch.autograd:     0.59999999999999998\n"
        "  finite differences: 0.60000000000022913\n"
        "  relative error:     3.333e-01 (rtol 1e-09, atol 1e-12)\n"
        "  the claimed (SymPy) formula disagrees with both autograd and finite differences: the claim is wrong."
    )
    # large values: finite differences are judged relative to their size
    assert mismatch(lambda t: t**4, [3 * x**3], [x], at=[{x: 40.0}], trials=0).endswith(
        "  relative error:     2.500e-01 (rtol 1e-09, atol 1e-12)\n"
        "  the claimed (SymPy) formula disagrees with both autograd and finite differences: the claim is wrong."
    )


def test_a_mismatch_carries_its_numbers():
    with pytest.raises(GradientMismatch) as caught:
        check_gradient(square, [3 * x], [x], at=[{x: 0.3}], trials=0)
    mismatch = caught.value
    assert (mismatch.quantity, mismatch.point) == ("∂f/∂x", "x=0.3")
    assert (mismatch.claimed, mismatch.autograd) == (pytest.approx(0.9), pytest.approx(0.6))
    assert mismatch.finite_difference == pytest.approx(0.6, rel=1e-9)
    assert mismatch.relative_error == pytest.approx(1 / 3)
    bare = GradientMismatch("only a message")
    assert (bare.quantity, bare.point) == ("", "")
    assert all(np.isnan(v) for v in (bare.claimed, bare.autograd, bare.finite_difference, bare.relative_error))


def test_a_point_is_described_one_line_per_matrix_row():
    row = matrix_symbols("r", 1, 12)
    point = {row: np.linspace(-1, 1, 12) + 1 / 3}  # 12 entries of 6 significant digits: wider than 75 characters
    text = mismatch(lambda t: (t**3).sum(), [row.applyfunc(lambda r: 2 * r)], [row], at=[point], trials=0)
    described = next(line for line in text.splitlines() if line.startswith("  point: "))
    assert described.endswith(" 1.333333]]") and described.count(", ") == 11, text


def test_claims_that_cannot_be_evaluated_say_so():
    g = sp.Function("g")
    assert message(ValueError, check_gradient, square, [g(x)], [x]) == (
        "the claimed expression cannot be evaluated numerically: name 'g' is not defined"
    )
    assert message(ValueError, check_gradient, square, [sp.Derivative(g(x), x)], [x]).startswith(
        "the claimed expression cannot be evaluated numerically: Unsupported by "
    )


def test_a_matrix_entry_that_is_not_an_expression_is_named():
    from sympy.utilities.exceptions import SymPyDeprecationWarning

    v = vector_symbols("v", 1)
    with pytest.warns(SymPyDeprecationWarning):
        condition = sp.Matrix([x > 0])  # SymPy still allows, with a warning, a Matrix of non-expressions
    assert message(ValueError, check_gradient, lambda t: t.sum(), [condition], [v]) == (
        "claimed[0] (for v) is a StrictGreaterThan, not a SymPy expression"
    )


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


def test_without_kink_avoidance_a_random_point_near_a_kink_is_still_differenced():
    # Only explicit points are exempt from finite differences at a kink. With avoid_kinks=False, a drawn
    # point 1e-13 from |x|'s kink is differenced, and the difference quotient (≈ 1e-7) disagrees.
    with pytest.raises(GradientMismatch, match="at random point 0 "):
        check_gradient(
            torch.abs, [sp.sign(x)], [x], at=[{x: 1.0}], trials=1, avoid_kinks=False, domain={x: (1e-13, 2e-13)}
        )


def test_mismatch_message_at_a_kink():
    assert mismatch(torch.relu, [sp.Heaviside(x)], [x], at=[{x: 0.0}], trials=0) == (
        "gradient mismatch for ∂f/∂x at explicit point 0 (seed 0):\n"
        "  point: x=0\n"
        "  SymPy (claimed):    0.5\n"
        "  torch.autograd:     0\n"
        "  finite differences: not used here (a kink, or a coordinate not sampled)\n"
        "  relative error:     1.000e+00 (rtol 1e-09, atol 1e-12)\n"
        "  the claimed (SymPy) formula disagrees with autograd."
    )


def test_mismatch_message_when_autograd_is_off_too():
    # 1.7e-5 apart is more than 1e-5 × (|value| + 1): the claim is not confirmed by finite differences
    assert mismatch(SlightlyOffBackward.apply, [3 * x], [x], at=[{x: 0.1}], trials=0).endswith(
        "  relative error:     3.333e-01 (rtol 1e-09, atol 1e-12)\n"
        "  the claimed (SymPy) formula disagrees with autograd."
    )


def test_mismatch_message_blames_fn_exactly():
    from tests.test_checks import WrongBackward

    text = mismatch(WrongBackward.apply, [3 * x], [x], at=[{x: 0.5}], trials=0)
    assert text.splitlines()[-1] == (
        "  autograd and finite differences disagree: fn is not differentiable here or its backward pass is wrong."
    )


@pytest.mark.parametrize(
    ("n", "more"),
    [
        (1, None),
        (2, "  1 more entries disagree: ∂f/∂v[1, 0] (v_2)"),
        (7, "  6 more entries disagree: " + ", ".join(f"∂f/∂v[{k}, 0] (v_{k + 1})" for k in range(1, 7))),
        (8, "  7 more entries disagree: " + ", ".join(f"∂f/∂v[{k}, 0] (v_{k + 1})" for k in range(1, 7)) + " …"),
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
    assert text.startswith("gradient mismatch for ∂f/∂v[0, 0] (v_1) at random point 0 (seed 44):")
    assert "\n  finite differences: not used here (a kink, or a coordinate not sampled)\n" in text
    assert "\n  the claimed (SymPy) formula disagrees with autograd.\n  64 more entries disagree" in text


def test_clear_of_kinks_helper():
    from checks.points import KINK_MARGIN, clear_of_kinks

    assert clear_of_kinks(lambda: [KINK_MARGIN, -KINK_MARGIN], []) is True
    assert clear_of_kinks(lambda: [KINK_MARGIN, KINK_MARGIN / 2], []) is False
    assert clear_of_kinks(lambda: [1 / 0.0], []) is False
    assert clear_of_kinks(None, [0.0]) is True
    assert clear_of_kinks(lambda v: [1 / float(v)], [0.0]) is False  # cannot be evaluated: treated as a kink


# ---------------------------------------------------------------------------- derivations/


def test_derivation_latex_is_exact():

    d = Derivation(x**2 + x, name="n", lhs="f").step(x * (x + 1), "{c} 50% #2 & more, $x_1^2$")
    assert d.latex() == (
        "\\begin{aligned}\n&f \\\\\n&= x^{2} + x \\\\\n"
        "&\\quad {\\color{gray}\\text{\\{c\\} 50\\% \\#2 \\& more, $x_1^2$}} \\\\\n"
        "&= x \\left(x + 1\\right)\n\\end{aligned}"
    )
    d = Derivation(x**2 + x, name="n").step(x * (x + 1), "factor").step(x**2 + x * 1.0, "expand")
    assert d.latex().startswith("\\begin{aligned}\n&x^{2} + x \\\\\n&\\quad {\\color{gray}\\text{factor}} \\\\\n")


def test_equation_passes_latex_options():
    from derivations import Equation

    assert Equation("f", 2 * x, mul_symbol="dot").latex() == "f = 2 \\cdot x"


def test_instantiate_two_indices_and_bad_indices():
    from derivations import instantiate

    W = sp.IndexedBase("W")
    i, j = sp.symbols("i j", integer=True, positive=True)
    M = matrix_symbols("W", 2, 2)
    assert instantiate(W[i, j] * W[j, i] + W[i, i], {i: 1, j: 2}, {W: M}) == M[0, 1] * M[1, 0] + M[0, 0]
    assert message(ValueError, instantiate, W[0, 1], {}, {W: M}) == "W[0, 1] is not a 1-based index into W"


# ---------------------------------------------------------------------------- checks/gradients.py, continued


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
    assert "at random point 0 (seed 0)" in text and "fn is not differentiable here" in text


def test_a_claim_with_an_imaginary_part_is_wrong():
    assert "SymPy (claimed):    nan" in message(GradientMismatch, check_gradient, square, [2 * x + sp.I / 2], [x])


def test_domain_and_seed_choose_the_points():
    report = check_gradient(lambda t: torch.sqrt(t - 4), [1 / (2 * sp.sqrt(x - 4))], [x], domain={x: (5.0, 6.0)})
    assert report.points == 5 and report.seed == 0
    text = message(GradientMismatch, check_gradient, square, [3 * x], [x], trials=1, seed=3)
    drawn = sample_points([x], 1, seed=3)[0][x]
    assert f"point: x={drawn:.6g}\n" in text and "(seed 3)" in text


def test_failures_name_explicit_and_random_points():
    # -2|x| is right for x < 0 (the explicit points) and wrong at the first random point (x ≈ 0.548)
    text = mismatch(square, [-2 * sp.Abs(x)], [x], at=[{x: -0.5}, {x: -1.0}], trials=3)
    assert text.startswith("gradient mismatch for ∂f/∂x at random point 0 (seed 0):\n  point: x=0.547847\n")
    text = mismatch(square, [-2 * sp.Abs(x)], [x], at=[{x: -0.5}, {x: 1.0}], trials=3)
    assert text.startswith("gradient mismatch for ∂f/∂x at explicit point 1 (seed 0):\n  point: x=1\n")


def test_ledger_records_of_checks(records):
    v = vector_symbols("v", 2)
    report = check_gradient(lambda a, t: a * t.sum(), [v[0] + v[1], sp.Matrix([x, x])], [x, v], name="g", trials=2)
    assert records == [
        (
            ("gradient", "g", ["x", "v"], 2, report.max_abs_error, report.max_rel_error),
            {"passed": True, "max_normwise_rel": report.max_normwise_rel_error},
        )
    ]
    assert (report.fd_coordinates, report.seed, report.entries) == (3, 0, 3)
    records.clear()
    with pytest.raises(GradientMismatch):
        check_gradient(square, [3 * x], [x], name="h", at=[{x: 1.0}], trials=2)
    assert records == [(("gradient", "h", ["x"], 3, None, None), {"passed": False})]


def test_an_exactly_zero_gradient_passes_with_zero_tolerance():
    assert check_gradient(lambda t: 0 * t + 1, [0], [x], atol=0.0, rtol=0.0).max_abs_error == 0.0


def test_finite_difference_errors_are_judged_relative_to_the_function_scale():
    # scale = max(1, |f|): a derivative of 1.1e-5 is above the 1e-5 floor when |f| < 1 ...
    report = check_gradient(lambda t: 1.5e-5 * t**3, [4.5e-5 * x**2], [x], at=[{x: 0.5}], trials=0)
    assert report.max_fd_rel_error > 0
    # ... and one of 3.75e-5 is below it when |f| = 10: judged by absolute error there
    report = check_gradient(lambda t: 10 + 5e-5 * t**3, [1.5e-4 * x**2], [x], at=[{x: 0.5}], trials=0)
    assert report.max_fd_rel_error == 0.0


def test_large_values_keep_finite_differences_within_tolerance():
    assert check_gradient(lambda t: t**4, [4 * x**3], [x], at=[{x: 40.0}], trials=0).points == 1


# ---------------------------------------------------------------------------- derivations/steps.py


def test_verify_equal_ledger_records(records):

    assert verify_equal(sp.exp(x) * sp.exp(y), sp.exp(x + y)) == "symbolic"
    assert verify_equal(sp.sqrt((x - 5) ** 2), x - 5, domain={x: (6, 7)}, name="n") == "numeric"
    with pytest.raises(StepError):
        verify_equal(x, x + 1, name="bad")
    assert records == [
        (("identity (symbolic)", "identity", [], 0, 0.0, 0.0), {"passed": True}),
        (("identity (numeric)", "n", [], 6, 0.0, 0.0), {"passed": True}),
        (("identity", "bad", [], 0, None, None), {"passed": False}),
    ]


def test_derivation_steps_are_recorded_under_their_name(records):

    d = Derivation(x * (x + 1), name="d")
    assert d.steps[0] == Step(x * (x + 1), "", "definition")
    d.step(x**2 + x, "expand")
    assert records == [(("identity (symbolic)", "d, step 1", [], 0, 0.0, 0.0), {"passed": True})]


def test_derivation_uses_its_domain_and_seed():

    d = Derivation(sp.sqrt((x - 5) ** 2), name="abs", domain={x: (6, 7)}).step(x - 5, "x > 5")
    assert d.steps[-1].method == "numeric"
    default = "at x=0.547847 the previous expression is 0.3001360607030370761 but this step gives"
    assert message(StepError, verify_equal, x**2, x**2 + 1).startswith(default)
    assert message(StepError, Derivation(x**2, name="d").step, x**2 + 1, "wrong") == (
        "step 1 of derivation 'd' (wrong) does not follow from step 0: " + default + " 1.3001360607030370761 "
        "(difference 1.0)"
    )
    seeded = message(StepError, Derivation(x**2, name="d", seed=3).step, x**2 + 1, "wrong")
    assert seeded.endswith(message(StepError, verify_equal, x**2, x**2 + 1, seed=3))
    assert "x=0.547847" not in seeded


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


def test_shape_and_symbolic_results_are_exact():

    v = vector_symbols("v", 2)
    assert message(StepError, verify_equal, v, v.T) == "the shapes differ: (2, 1) before, (1, 2) after"
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


def test_an_index_only_in_a_derivative_variable_is_drawn():

    n = sp.Symbol("n", integer=True, positive=True)
    i, k = sp.symbols("i k", integer=True, positive=True)
    X = sp.IndexedBase("x", real=True)
    d = Derivation(sp.Derivative(sp.Sum(X[k] ** 2, (k, 1, n)), X[i]), name="d", indices={i: n})
    d.step(sp.Sum(2 * X[k] * sp.KroneckerDelta(i, k), (k, 1, n)), "term by term")
    assert len(d.steps) == 2


def test_numeric_agreement_tolerance():

    # large values: 1e-40 relative, not absolute
    assert verify_equal(sp.exp(x + 60), sp.exp(60) * sp.exp(x)) in {"symbolic", "numeric"}
    # values near 0: 1e-40 absolute (this difference evaluates to ~1e-51, not to 0)
    assert verify_equal(sp.tanh(x) - (sp.exp(2 * x) - 1) / (sp.exp(2 * x) + 1), 0) in {"symbolic", "numeric"}
    with pytest.raises(StepError):
        verify_equal(x, x + sp.Float("1.5e-40", 60))


# ---------------------------------------------------------------------------- checks/points.py


def test_kink_expressions_exactly():
    from checks.points import kink_expressions

    expr = (
        sp.Abs(x)
        + sp.sign(y)
        + sp.Heaviside(x - 1)
        + sp.DiracDelta(y + 2)
        + sp.Max(x, y, 0)
        + sp.Min(x, 3 * y)
        + sp.Piecewise((x, x < 3), (y, True))
        + sp.Abs(x)  # repeated: listed once
    )
    found = kink_expressions([expr, sp.Matrix([sp.Abs(z), sp.Heaviside(sp.Integer(2))])])
    assert set(found) == {x, y, x - 1, y + 2, x - y, -x, -y, x - 3 * y, x - 3, z}
    assert len(found) == len(set(found))  # no duplicates, and no constant (Heaviside(2) has no kink)
    assert kink_expressions([sp.Abs(x)]) == [x] and kink_expressions([x**2]) == []


@pytest.mark.parametrize(
    ("assumptions", "expected"),
    [
        ({"integer": True}, (1, 4)),
        ({"positive": True}, (0.25, 2.5)),
        ({"nonnegative": True}, (0.25, 2.5)),
        ({"negative": True}, (-2.5, -0.25)),
        ({"nonpositive": True}, (-2.5, -0.25)),
        ({"real": True}, (-2.0, 2.0)),
    ],
)
def test_symbol_ranges(assumptions, expected):
    from checks.points import symbol_range

    assert symbol_range(sp.Symbol("s", **assumptions)) == expected


def test_sample_points_draws_exactly_these_values():
    n = sp.Symbol("n", integer=True, positive=True)
    p = sp.Symbol("p", positive=True)
    drawn = sample_points([x, n, p], 200, seed=5)
    assert len(drawn) == 200 and all(set(d) == {x, n, p} for d in drawn)
    assert {d[n] for d in drawn} == {1.0, 2.0, 3.0, 4.0}  # the integer range is closed
    assert all(0.25 <= d[p] < 2.5 and -2 <= d[x] < 2 for d in drawn)
    rng = np.random.default_rng(5)
    first = [float(rng.uniform(-2, 2)), float(rng.integers(1, 5)), float(rng.uniform(0.25, 2.5))]
    assert [drawn[0][x], drawn[0][n], drawn[0][p]] == first
    assert sample_points([x], 3, seed=5) != sample_points([x], 3, seed=6)


def test_sample_points_domain_and_kinks():
    drawn = sample_points([x], 50, seed=0, domain={x: (-0.01, 0.01)}, avoid=[x, y, sp.Integer(0)])
    assert all(1e-3 <= abs(d[x]) <= 0.01 for d in drawn)  # kinks in y or constant ones are ignored
    assert message(ValueError, sample_points, [x], 1, domain={y: (0, 1)}) == (
        "domain names symbols that are not being sampled: ['y']"
    )
    assert message(ValueError, sample_points, [x], 1, domain={x: (0, 1e-4)}, avoid=[x]) == (
        "no point at least 0.001 away from the kinks [x] in 1000 draws; pass a domain that avoids them, "
        "or avoid_kinks=False"
    )
    # a kink that cannot be evaluated at a point counts as hit: the point is redrawn
    assert all(d[x] > 0 for d in sample_points([x], 20, seed=0, avoid=[sp.log(x)]))


# ---------------------------------------------------------------------------- derivations/display.py


def test_answer_box_spec_and_html_exactly():
    from derivations import AnswerBox

    box = AnswerBox(sp.Max(x, 0) + y, points=2, seed=1)
    assert box.spec() == {
        "version": 2,
        "variables": ["x", "y"],
        "names": {"x": 0, "y": 1},
        "points": [[0.047286498801026866, 1.8018547853037412], [-1.423361549121465, 1.7945977885489754]],
        "values": [[1.849141284104768], [1.7945977885489754]],
        "shape": None,
        "terms": [
            {"text": "y", "values": [1.8018547853037412, 1.7945977885489754]},
            {"text": "Max(0, x)", "values": [0.047286498801026866, 0.0]},
        ],
    }
    html = box._repr_html_()
    assert html.startswith('<div class="answer-box" data-answer="{&quot;version&quot;: 2, &quot;variables&quot;: [')
    assert html.endswith(
        '<label>Your answer: <input type="text" class="answer-input" autocomplete="off" spellcheck="false" '
        'placeholder="e.g. 2 x exp(x^2)"></label> <button type="button" class="answer-check">Check</button>'
        '<div class="answer-help">Use <code>x</code>, <code>y</code>, numbers, + − * / ^, parentheses and '
        "exp, log, sqrt, sin, cos, tan, sinh, cosh, tanh, sigma, abs, max, min (typed plainly, in LaTeX or in "
        'Unicode).</div><div class="answer-feedback" role="status" aria-live="polite"></div></div>'
    )
    assert repr(box) == "AnswerBox(y + Max(0, x), 2 points)"
    constant = AnswerBox(sp.Integer(3), points=1)
    assert constant.spec()["points"] == [[]] and constant.spec()["values"] == [[3.0]]
    assert len(AnswerBox(sp.exp(x)).spec()["values"]) == 8
    assert "Use no variables, numbers" in constant._repr_html_()
    assert message(ValueError, AnswerBox, sp.sqrt(x - 10), points=2) == (
        "only 0 of 8 sample points give a real value for sqrt(x - 10)"
    )
    # only real values are kept: sqrt at negative x is skipped, not displayed
    assert all(p[0] > 0 for p in AnswerBox(sp.sqrt(x), points=3).spec()["points"])


def test_equation_repr_and_latex_display():
    from derivations import Equation

    eq = Equation("f", x**2)
    assert repr(eq) == "f = x**2" and eq._repr_latex_() == "$$f = x^{2}$$"


# ---------------------------------------------------------------------------- checks/ledger.py, checks/__init__.py


def test_the_ledger_reads_back_what_checks_recorded(tmp_path, monkeypatch):
    monkeypatch.setenv(ledger.LEDGER_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(ledger.CHAPTER_ENV, "book/x")
    monkeypatch.setenv(ledger.CODE_HASH_ENV, "abc123")
    monkeypatch.setattr(ledger, "_started", set())
    assert ledger.ledger_file(tmp_path, "abc123") == tmp_path / "abc123.jsonl"
    assert ledger.read_ledger(tmp_path, "abc123") == []  # never ran
    assert_close(sp.Rational(1, 2), sp.Rational(1, 2), name="½ exactly")  # non-ASCII survives the round trip
    check_gradient(square, [2 * x], [x], trials=1)
    rows = ledger.read_ledger(tmp_path, "abc123")
    assert [(r["chapter"], r["kind"], r["quantity"], r["passed"]) for r in rows] == [
        ("book/x", "value", "½ exactly", True),
        ("book/x", "gradient", "f", True),
    ]
    assert ledger.read_ledger(tmp_path, "other") == []


def test_ledger_records_hold_every_field_and_replace_an_earlier_run(tmp_path, monkeypatch):
    monkeypatch.setenv(ledger.LEDGER_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(ledger.CHAPTER_ENV, "book/x")
    monkeypatch.setenv(ledger.CODE_HASH_ENV, "h1")
    monkeypatch.setattr(ledger, "_started", set())
    (tmp_path / "h1.jsonl").write_text('{"left over": "by an interrupted run"}\n', encoding="utf-8")
    ledger.record_check("gradient", "f", ["x", "W"], 5, 1e-16, 2e-15, passed=True, max_normwise_rel=1e-15)
    with ledger.expecting_failures():
        ledger.record_check("gradient", "g", ["x"], 5, None, None, passed=False)
    ledger.record_check("identity", "h", [], 0, None, None, passed=False)  # failed, and not on purpose
    common = {"chapter": "book/x", "code_hash": "h1", "kind": "gradient", "points": 5}
    assert ledger.read_ledger(tmp_path, "h1") == [
        {
            **common,
            "quantity": "f",
            "wrt": ["x", "W"],
            "max_abs_error": 1e-16,
            "max_rel_error": 2e-15,
            "max_normwise_rel_error": 1e-15,
            "passed": True,
            "expected_failure": False,
        },
        {
            **common,
            "quantity": "g",
            "wrt": ["x"],
            "max_abs_error": None,
            "max_rel_error": None,
            "max_normwise_rel_error": None,
            "passed": False,
            "expected_failure": True,
        },
        {
            **common,
            "kind": "identity",
            "quantity": "h",
            "wrt": [],
            "points": 0,
            "max_abs_error": None,
            "max_rel_error": None,
            "max_normwise_rel_error": None,
            "passed": False,
            "expected_failure": False,
        },
    ]


@pytest.mark.parametrize("unset", [ledger.LEDGER_DIR_ENV, ledger.CHAPTER_ENV, ledger.CODE_HASH_ENV])
def test_nothing_is_recorded_outside_the_build(tmp_path, monkeypatch, unset):
    monkeypatch.setenv(ledger.LEDGER_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(ledger.CHAPTER_ENV, "book/x")
    monkeypatch.setenv(ledger.CODE_HASH_ENV, "h1")
    monkeypatch.delenv(unset)
    ledger.record_check("value", "v", [], 1, 0.0, 0.0, passed=True)
    assert list(tmp_path.iterdir()) == []


def test_a_corrupt_ledger_file_is_refused_by_name(tmp_path):
    (tmp_path / "abc.jsonl").write_text('{"chapter": "book/x"}\n{"cha', encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        ledger.read_ledger(tmp_path, "abc")
    assert str(caught.value).startswith(f"the ledger file {tmp_path / 'abc.jsonl'} is corrupt (")


def test_the_package_imports_its_names_on_first_use():
    import checks
    from checks import answers

    assert checks.check_answer is answers.check_answer
    assert "check_answer" in dir(checks)
    with pytest.raises(AttributeError) as caught:
        _ = checks.check_everything
    assert str(caught.value) == "module 'checks' has no attribute 'check_everything'"


# ---------------------------------------------------------------------------- checks/expected.py


def test_expect_failure_catches_records_and_rejects():
    from checks.expected import expect_failure

    with expect_failure(match="∂f/∂x") as caught:
        assert ledger._expecting == 1
        check_gradient(square, [3 * x], [x])
    assert type(caught.error) is GradientMismatch and str(caught) == str(caught.error)
    assert ledger._expecting == 0
    with pytest.raises(AssertionError) as passed:
        with expect_failure(ValueError):
            pass
    assert str(passed.value) == "expected the block to fail with ValueError, but it passed"
    with pytest.raises(AssertionError) as unmatched:
        with expect_failure(match="zzz"):
            raise AssertionError("boom")
    assert str(unmatched.value) == "the block failed, but its message lacks 'zzz': boom"
    with pytest.raises(KeyError):
        with expect_failure(ValueError):
            raise KeyError("other kinds pass through")


# ---------------------------------------------------------------------------- derivations/steps.py, continued


def test_step_error_fields():
    bare = StepError("m")
    assert (bare.derivation, bare.step, bare.why, bare.point) == ("", None, "", "")
    with pytest.raises(StepError) as caught:
        Derivation(x**2, name="d").step(x**2 + 1, "wrong")
    err = caught.value
    assert (err.derivation, err.step, err.why, err.point) == ("d", 1, "wrong", "x=0.547847")
    assert err.this - err.previous == pytest.approx(1.0)


def test_derivation_repr():
    d = Derivation(x * (x + 1), name="d").step(x**2 + x, "expand").step(x * (1 + x), "factor")
    assert repr(d) == "Derivation('d': 2 verified steps [symbolic, symbolic] → x*(x + 1))"


def test_counterexample_names_every_variable_and_the_seed_decides():
    assert message(StepError, verify_equal, x * y, x * y + 1).startswith("at x=0.547847, y=-0.920853 the previous")
    assert message(StepError, verify_equal, x, x + 1, seed=3).startswith("at x=-0.253938 the previous")


def test_every_one_of_the_six_points_is_checked():
    # only the sixth point (x ≈ 1.22) falls in (1.1, 1.3), where this step is off by one
    with pytest.raises(StepError, match=r"x=1\.22"):
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


def test_step_errors_give_both_values_to_20_digits_and_name_the_entry():
    with pytest.raises(StepError) as caught:
        Derivation(x**2, name="d").step(x**2 + sp.Rational(1, 3), "wrong")
    assert str(caught.value) == (
        "step 1 of derivation 'd' (wrong) does not follow from step 0: at x=0.547847 the previous expression is "
        "0.3001360607030370761 but this step gives 0.63346939403637040943 (difference 0.333)"
    )
    with pytest.raises(StepError) as caught:
        Derivation(sp.Matrix([x, x**2]), name="m").step(sp.Matrix([x, x**2 + 1]), "wrong")
    assert str(caught.value).endswith(
        "at x=0.547847 entry (1, 0) the previous expression is 0.3001360607030370761 "
        "but this step gives 1.3001360607030370761 (difference 1.0)"
    )


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


def test_a_tactic_that_cannot_handle_an_expression_does_not_stop_the_others(monkeypatch):
    from derivations import steps

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


def test_every_size_drawn_is_an_instance_of_its_own():
    n, m = sp.symbols("n m", integer=True)
    # n x = 4 x holds for the first size drawn (n = 4) only: the second size must be checked on its own.
    with pytest.raises(StepError) as caught:
        verify_equal(n * x, 4 * x)
    assert str(caught.value).startswith("at n=3, x=0.0472865 ")
    # Sizes start at 1: a step wrong only for n = 1 is caught.
    with pytest.raises(StepError, match=r"^at n=1, "):
        verify_equal(sp.Min(n, 2) * x, 2 * x)
    # ... and go up to 4: n x = min(n, 4) x is accepted.
    assert verify_equal(sp.Min(n, 4) * x, n * x) == "numeric"
    # Sizes free on one side only, and not listed in indices, are drawn too.
    with pytest.raises(StepError) as caught:
        verify_equal(x**m, x)
    assert str(caught.value).startswith("at m=4, x=0.547847 ")


def test_sizes_that_only_bound_an_index_are_drawn_from_1_to_4_in_name_order():
    d, i, m, n = sp.symbols("d i m n", integer=True)
    X = sp.IndexedBase("X", real=True)
    with pytest.raises(StepError, match=r"^at d=4, i=3, x=0.547847 "):
        verify_equal(i * x, x, indices={i: d})
    with pytest.raises(StepError, match=r"^at d=1, i=1, "):  # a bound of 1 is drawn too
        verify_equal(sp.Min(i - 1, 1) * x, x, indices={i: d}, seed=1)
    with pytest.raises(StepError, match=r"^at m=4, n=3, i=4, X\[4\]=0.547847 "):
        verify_equal(i * X[i], X[i], indices={i: n + m})


@pytest.mark.parametrize(("sign", "point"), [("positive", "X[3]=1.68316"), ("negative", "X[3]=-1.06684")])
def test_indexed_leaves_are_drawn_with_their_base_sign(sign, point):
    n, i = sp.symbols("n i", integer=True)
    X = sp.IndexedBase("X", **{sign: True})
    with pytest.raises(StepError) as caught:
        verify_equal(X[i], 2 * X[i], indices={i: n})
    assert caught.value.point == f"n=4, i=3, {point}"


def test_an_imaginary_residue_is_noise_only_relative_to_the_value():
    """evalf at 50 digits can leave an imaginary residue; it is dropped when it is below 1e-40 of the value."""
    residue = sp.I * sp.Rational(1, 10**20)
    [value] = _evaluate(sp.Integer(10) ** 30 + 1 + residue, {})  # a residue of 1e-50 of the value
    with mpmath.workdps(50):
        assert value == 10**30 + 1  # the real part keeps its 50 digits
    assert _evaluate(1 + residue, {}) is None  # 1e-20 of the value: a complex number, not noise
    assert _evaluate(sp.Integer(1) + sp.I * sp.Rational(1, 10**41), {}) == [1]
