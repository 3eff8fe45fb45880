"""The network building blocks: sigmoid and ReLU as SymPy functions, the ReLU network's two forms, display helpers."""

import math

import numpy as np
import pytest
import sympy as sp
import torch

from checks import GradientMismatch, check_gradient
from derivations import verify_equal
from derivations.networks import (
    ReLUNet,
    apply,
    hard_threshold,
    instantiate_matrices,
    relu,
    relu_diff,
    relu_gradient,
    relu_prime,
    sigmoid,
    sigmoid_prime,
    with_relu_convention,
)
from experiments.relu_twin import relu_function, relu_module

z = sp.Symbol("z", real=True)


def test_sigmoid_differentiates_to_sigmoid_prime_and_evaluates_exactly():
    assert sp.diff(sigmoid(z), z) == sigmoid_prime(z)
    assert sigmoid(0) == sp.Rational(1, 2) and sigmoid_prime(0) == sp.Rational(1, 4)
    assert sigmoid(z).rewrite(sp.exp) == 1 / (1 + sp.exp(-z))
    verify_equal(sigmoid_prime(z), sigmoid(z) * (1 - sigmoid(z)))
    assert math.isclose(float(sigmoid(sp.Rational(1, 3))), 1 / (1 + math.exp(-1 / 3)), rel_tol=1e-15)
    assert sp.N(sigmoid(sp.Integer(2)), 40) == sp.N(1 / (1 + sp.exp(-2)), 40)
    assert sigmoid(z).evalf() == sigmoid(z)  # nothing to evaluate without a number


def test_sigmoid_prime_rewrites_as_the_sigmoid_identity_and_as_exponentials():
    assert sigmoid_prime(z).rewrite(sigmoid) == sigmoid(z) * (1 - sigmoid(z))
    assert sigmoid_prime(z).rewrite(sp.exp) == sp.exp(-z) / (1 + sp.exp(-z)) ** 2


def test_activations_tell_sympy_their_sign_on_real_arguments():
    w = sp.Symbol("w")  # no assumptions: possibly complex
    assert sigmoid(z).is_real and sigmoid(z).is_positive and sigmoid_prime(z).is_positive
    assert sigmoid(w).is_real is None and sigmoid(w).is_positive is None
    assert relu(z).is_real and relu(z).is_nonnegative
    assert relu(z).is_positive is None  # relu(z) is 0 for z <= 0
    assert relu(w).is_nonnegative is None
    # which is what lets SymPy drop absolute values
    assert sp.Abs(sigmoid(z)) == sigmoid(z) and sp.Abs(relu(z)) == relu(z)


def test_sigmoid_prints_as_sigma_and_lambdifies():
    assert sp.latex(sigmoid(z)) == r"\sigma\left(z\right)"
    assert sp.latex(sigmoid_prime(z)) == r"\sigma'\left(z\right)"
    assert sp.latex(sigmoid(z) ** 2) == r"\sigma\left(z\right)^{2}"
    f = sp.lambdify([z], [sigmoid(z), sigmoid_prime(z)], modules="numpy")
    s = 1 / (1 + np.exp(-0.7))
    assert np.allclose(f(0.7), [s, s * (1 - s)], rtol=1e-15)


def test_sigmoid_second_derivative_matches_double_backward():
    second = sp.diff(sigmoid(z), z, 2)
    t = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(torch.sigmoid(t), t, create_graph=True)
    (h,) = torch.autograd.grad(g, t)
    assert math.isclose(float(second.subs(z, sp.Rational(3, 10))), h.item(), rel_tol=1e-12)


def test_sigmoid_derivative_passes_and_a_wrong_one_fails_the_check():
    check_gradient(torch.sigmoid, [sigmoid_prime(z)], [z])
    with pytest.raises(GradientMismatch):
        check_gradient(torch.sigmoid, [-sigmoid_prime(z)], [z])


def test_relu_values_and_the_convention_at_the_kink():
    assert relu(sp.Integer(-2)) == 0 and relu(sp.Integer(0)) == 0 and relu(sp.Rational(3, 2)) == sp.Rational(3, 2)
    assert relu(sp.Symbol("p", positive=True)) == sp.Symbol("p", positive=True)
    assert sp.diff(relu(z), z) == sp.Heaviside(z, 0) == relu_prime(z)
    assert relu_prime(sp.Integer(0)) == 0
    assert relu_diff(sp.Max(0, z), z) == sp.Heaviside(z, 0)
    assert sp.diff(sp.Max(0, z), z).subs(z, 0) == sp.Rational(1, 2)  # SymPy's own default, which we replace
    assert relu(z).rewrite(sp.Max) == sp.Max(0, z)
    assert sp.latex(relu(z)) == r"\operatorname{relu}\left(z\right)"


def test_with_relu_convention_only_touches_the_default_heaviside():
    expr = sp.Heaviside(z) + sp.Heaviside(z, 1)
    assert with_relu_convention(expr) == sp.Heaviside(z, 0) + sp.Heaviside(z, 1)


def test_relu_convention_agrees_with_torch_relu_at_zero():
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    torch.relu(t).backward()
    assert t.grad.item() == float(relu_prime(sp.Integer(0)))


def test_relu_gradient_has_the_shape_of_the_variable():
    W = sp.Matrix(2, 3, sp.symbols("w:6", real=True))
    g = relu_gradient(relu(sum(W)), W)
    assert g.shape == (2, 3) and all(e == sp.Heaviside(sum(W), 0) for e in g)


def test_hard_threshold_fires_at_zero():
    assert hard_threshold(np.array([-1e-300, 0.0, 2.0])).tolist() == [0, 1, 1]


def test_hard_threshold_returns_integers():
    assert hard_threshold(np.array([-0.5, 0.5])).dtype == np.int64


def test_relu_net_builds_symbols_in_nn_linear_shapes():
    net = ReLUNet.build([3, 4, 2])
    assert [p.shape for p in net.parameters] == [(4, 3), (4, 1), (2, 4), (2, 1)]
    assert str(net.parameters[0][0, 1]) == "W1_{1,2}"
    assert len(net.pre_activations(sp.Matrix(sp.symbols("x:3")))) == 2
    with pytest.raises(ValueError, match="layers"):
        ReLUNet.build([3, 4, 2], names=[("A", "a")])
    with pytest.raises(ValueError, match=r"^a network needs at least an input and an output size$"):
        ReLUNet.build([3])


def test_relu_net_names_its_biases_by_layer():
    net = ReLUNet.build([1, 2, 1])
    assert [str(p[0, 0]) for p in net.parameters] == ["W1_{1,1}", "b1_{1,1}", "W2_{1,1}", "b2_{1,1}"]


def test_relu_net_with_a_single_layer_is_linear():
    net = ReLUNet.build([2, 1])
    x = sp.Matrix(sp.symbols("x:2", real=True))
    assert net.output(x) == net.weights[0] * x + net.biases[0]


def test_relu_net_output_is_the_last_layer():
    net = ReLUNet.build([1, 2, 2, 1])
    pre = net.pre_activations(sp.Matrix([sp.Symbol("x", real=True)]))
    assert [p.shape for p in pre] == [(2, 1), (2, 1), (1, 1)]
    assert net.output(sp.Matrix([sp.Symbol("x", real=True)])) == pre[-1]


def test_the_torch_twin_is_linear_relu_linear_in_float64():
    module = relu_module([3, 4, 2])
    layers = [(type(m).__name__, getattr(m, "in_features", None), getattr(m, "out_features", None)) for m in module]
    assert layers == [("Linear", 3, 4), ("ReLU", None, None), ("Linear", 4, 2)]
    assert all(p.dtype == torch.float64 for p in module.parameters())


def test_relu_net_sympy_and_torch_forms_agree():
    net = ReLUNet.build([2, 3, 1])
    rng = np.random.default_rng(0)
    values = [rng.normal(size=p.shape) for p in net.parameters]
    x = np.array([0.5, -1.5])
    exact = float(net.output(sp.Matrix(x)).subs(net.assignment(values))[0])
    fn = relu_function(net.sizes, torch.tensor(x[None, :], dtype=torch.float64))
    got = fn(*(torch.tensor(v, dtype=torch.float64) for v in values)).item()
    assert math.isclose(got, exact, rel_tol=1e-12, abs_tol=1e-12)


def test_the_torch_twin_applies_the_loss_to_a_batch():
    net = ReLUNet.build([2, 3, 1])
    rng = np.random.default_rng(1)
    values = [rng.normal(size=p.shape) for p in net.parameters]
    xs = np.array([[0.5, -1.5], [2.0, 0.25]])
    at = net.assignment(values)
    exact = sum(float(net.output(sp.Matrix(x)).subs(at)[0]) ** 2 for x in xs)
    fn = relu_function(net.sizes, torch.tensor(xs, dtype=torch.float64), loss=lambda out: (out**2).sum())
    got = fn(*(torch.tensor(v, dtype=torch.float64) for v in values)).item()
    assert math.isclose(got, exact, rel_tol=1e-12)
    with pytest.raises(ValueError, match=r"^expected 4 tensors \(W1, b1, W2, b2, …\), got 1$"):
        fn(torch.zeros(3, 2, dtype=torch.float64))


def test_relu_net_gradient_passes_the_check_and_a_missing_convention_does_not_matter_off_the_kink():
    net = ReLUNet.build([1, 3, 1])
    f = net.output(sp.Matrix([sp.Rational(3, 2)]))[0]
    claimed = [relu_gradient(f, p) for p in net.parameters]
    check_gradient(relu_function(net.sizes, torch.tensor([[1.5]], dtype=torch.float64)), claimed, net.parameters)


def test_relu_net_assignment_checks_sizes():
    net = ReLUNet.build([1, 2, 1])
    values = net.assignment([[1, 2], [0, 0], [[3, 4]], [5]])
    assert values[net.parameters[2][0, 1]] == 4 and isinstance(values[net.parameters[3][0]], sp.Integer)
    assert net.assignment([[1, 2], [0, 0], [[3, 4]], 5]) == values  # a bare number for a 1 × 1 parameter
    with pytest.raises(ValueError, match="expected 4"):
        net.assignment([[1, 2]])
    with pytest.raises(ValueError, match="shape"):
        net.assignment([[1, 2, 3], [0, 0], [[3, 4]], [5]])


def test_instantiate_matrices_and_apply():
    a, b = sp.MatrixSymbol("a", 2, 1), sp.MatrixSymbol("b", 2, 1)
    got = instantiate_matrices(sp.HadamardProduct(a, b) + a, {a: sp.Matrix([1, 2]), b: sp.Matrix([3, 4])})
    assert got == sp.ImmutableMatrix([4, 10])
    assert apply(sigmoid, sp.Matrix([0, 0])) == sp.Matrix([sp.Rational(1, 2)] * 2)
