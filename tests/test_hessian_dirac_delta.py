"""Regression: SymPy's Hessian of a ReLU expression contains DiracDelta, which check_hessian must evaluate."""

import pytest
import sympy as sp
import torch

from checks import GradientMismatch, check_hessian
from checks.points import kink_expressions


def test_hessian_of_a_relu_expression_with_dirac_delta_is_checked():
    a, b = sp.symbols("a b", real=True)
    f = sp.Max(a * b - sp.Rational(1, 2), 0) * sp.exp(a)
    hessian = sp.hessian(f, (a, b))
    assert hessian.has(sp.DiracDelta)  # SymPy's second derivative of Max(u, 0) is DiracDelta(u) u'²

    def fn(s, t):
        return torch.relu(s * t - 0.5) * torch.exp(s)

    # Before the fix: ValueError "cannot be evaluated numerically: name 'DiracDelta' is not defined".
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
