"""The label-smoothing claims agree with F.cross_entropy for ε/K and not for ε/(K − 1); GELU′ ends in Φ + xφ."""

import pytest
import sympy as sp
import torch
import torch.nn.functional as F

from checks import GradientMismatch, check_gradient
from derivations import matrix_symbols, vector_symbols
from derivations.losses import derive_gelu, smoothed_targets, smoothing_gradients
from derivations.printing import latex

LABELS = [1, 0]
EPS = sp.Rational(1, 5)
K = sp.Symbol("K", integer=True, positive=True)
P_MINUS_Q = sp.MatrixSymbol("p", K, 1) - sp.MatrixSymbol("q", K, 1)


def torch_loss(Xt, ut):
    per_example = F.cross_entropy(Xt, torch.tensor(LABELS), label_smoothing=float(EPS), reduction="none")
    return (ut.reshape(-1) * per_example).sum()


def test_targets_are_distributions_with_the_true_class_largest():
    Q = smoothed_targets(2, 3, LABELS, EPS / 3)
    assert all(sum(Q.row(b)) == 1 for b in range(2))
    assert Q[0, 1] == 1 - EPS + EPS / 3 and Q[1, 1] == EPS / 3


def test_pytorch_smoothing_is_eps_over_k():
    X, u = matrix_symbols("X", 2, 3), vector_symbols("u", 2)
    check_gradient(torch_loss, smoothing_gradients(P_MINUS_Q, X, u, LABELS, EPS / 3), [X, u], trials=2)


def test_eps_over_k_minus_one_is_caught():
    X, u = matrix_symbols("X", 2, 3), vector_symbols("u", 2)
    with pytest.raises(GradientMismatch):
        check_gradient(torch_loss, smoothing_gradients(P_MINUS_Q, X, u, LABELS, EPS / 2), [X, u], trials=2)


def test_gelu_derivative_ends_in_standard_form_and_result_is_explicit():
    x = sp.Symbol("x", real=True)
    derivative = derive_gelu(x)
    assert latex(derivative.shown[-1]) == r"\Phi(x) + x {\varphi(x)}"  # Φ + xφ, x first
    assert derivative.result.free_symbols == {x}  # what experiments/transformer.py lambdifies
    assert sp.simplify(derivative.result - sp.diff(x * (1 + sp.erf(x / sp.sqrt(2))) / 2, x)) == 0


def test_smoothing_claim_is_built_from_the_displayed_form():
    from checks import provenance

    provenance.forget()
    provenance.register("p-minus-q", P_MINUS_Q)
    try:
        X, u = matrix_symbols("X", 2, 3), vector_symbols("u", 2)
        by_X, _ = smoothing_gradients(P_MINUS_Q, X, u, LABELS, EPS / 3)
        assert provenance.origins(by_X) == {"p-minus-q"}
        wrong_form = sp.MatrixSymbol("q", K, 1) - sp.MatrixSymbol("p", K, 1)
        assert provenance.origins(smoothing_gradients(wrong_form, X, u, LABELS, EPS / 3)[0]) == frozenset()
    finally:
        provenance.forget()
