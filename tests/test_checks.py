"""The numeric checks pass right derivatives, catch wrong ones with a readable message, and reject bad input."""

import re

import numpy as np
import pytest
import sympy as sp
import torch

from checks import GradientMismatch, assert_close, check_gradient, check_hessian, check_jacobian
from derivations import matrix_symbols, vector_symbols

x, y = sp.symbols("x y", real=True)
w1, w2 = sp.symbols("w_1 w_2", real=True)


def sigmoid(u):
    return 1 / (1 + sp.exp(-u))


# Source E (SOURCES.md §3): f = σ(w1 x1 + w2 x2) + ½(w1² + w2²) at x = (0.2, 0.4).
X1, X2 = sp.Rational(1, 5), sp.Rational(2, 5)
U = w1 * X1 + w2 * X2
E_F = sigmoid(U) + (w1**2 + w2**2) / 2


def e_torch(a, b):
    return torch.sigmoid(a * 0.2 + b * 0.4) + (a**2 + b**2) / 2


E_POINT = [{w1: 0.3, w2: -0.5}]


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
    assert "w_1=0.3, w_2=-0.5" in message
    assert "0.250244" in message  # the source's wrong value
    assert "0.349755" in message  # autograd's (and finite differences') right value
    assert "relative error" in message
    assert "disagrees with both autograd and finite differences" in message
    assert isinstance(caught.value, AssertionError)


@pytest.mark.parametrize(
    "mutation",
    [
        lambda g: -g,  # sign flip
        lambda g: 2 * g,  # factor of two
        lambda g: g * (1 + sp.Float(1e-6)),  # a tiny relative error, far above rtol
        lambda g: g + sp.Float(1e-7),  # a tiny absolute error
    ],
)
def test_mutated_gradients_are_caught(mutation):
    right = [sp.diff(E_F, w1), sp.diff(E_F, w2)]
    with pytest.raises(GradientMismatch):
        check_gradient(e_torch, [mutation(right[0]), right[1]], [w1, w2])


def test_matrix_entry_is_named_like_a_tensor_index():
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
    with pytest.raises(GradientMismatch, match=re.escape("∂f/∂W[0, 2] (W_{1,3})")):
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


def test_points_avoid_kinks_unless_asked():
    relu_gradient = sp.Heaviside(x)
    report = check_gradient(torch.relu, [relu_gradient], [x], trials=50)
    assert report.points == 50
    # At the kink itself SymPy's Heaviside(0) = 1/2 while torch.relu's derivative is 0.
    with pytest.raises(GradientMismatch, match="disagrees with autograd"):
        check_gradient(torch.relu, [relu_gradient], [x], at=[{x: 0.0}], trials=0)
    # The book's convention Heaviside(z, 0) agrees with PyTorch there.
    check_gradient(torch.relu, [sp.Heaviside(x, 0)], [x], at=[{x: 0.0}], trials=0)


class WrongBackward(torch.autograd.Function):
    """t² with a broken backward pass: 3t where it should be 2t."""

    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t**2

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        return grad * 3 * t


def test_broken_backward_is_blamed_on_fn():
    with pytest.raises(GradientMismatch, match="fn is not differentiable here or its backward pass is wrong"):
        check_gradient(WrongBackward.apply, [3 * x], [x])


def test_jacobian_of_softmax():
    xs = vector_symbols("x", 3)
    exps = xs.applyfunc(sp.exp)
    softmax = exps / sum(exps)
    claimed = sp.diag(*softmax) - softmax * softmax.T
    assert check_jacobian(lambda t: torch.softmax(t, dim=0), claimed, [xs]).entries == 9
    with pytest.raises(GradientMismatch, match=r"∂f\[\d\]/∂x"):
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


def test_positive_symbols_are_sampled_positive():
    p = sp.Symbol("p", positive=True)
    check_gradient(lambda t: torch.log(t), [1 / p], [p], trials=20)


def test_report_is_readable():
    text = str(check_gradient(lambda t: torch.exp(t), [sp.exp(x)], [x]))
    assert text.startswith("✓ gradient of f w.r.t. x: 5 points × 1 entries agree")


def test_assert_close_names_the_quantity_and_index():
    assert assert_close(np.array([1.0, 2.0]), [1.0, 2.0], name="v") == 0.0
    with pytest.raises(AssertionError, match=r"v\[1\]: expected 2.0, got 2.1"):
        assert_close(np.array([1.0, 2.1]), [1.0, 2.0], name="v")
    assert_close(sp.log(2), sp.log(2), name="exact")
    with pytest.raises(AssertionError, match="expected exactly"):
        assert_close(sp.log(2) + sp.Rational(1, 10**30), sp.log(2), name="exact")
    with pytest.raises(AssertionError, match="shape"):
        assert_close(np.zeros(2), np.zeros(3), name="v")
