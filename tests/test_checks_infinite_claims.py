"""Regression: an infinite value never agrees with a finite one (rtol × inf used to accept any claim)."""

import pytest
import sympy as sp
import torch

from checks import GradientMismatch, check_gradient

x = sp.Symbol("x", real=True)


@pytest.mark.parametrize("claim", [sp.oo, -sp.oo])
def test_an_infinite_claim_fails(claim):
    # Before the fix, |inf - 2x| <= rtol × inf held, and the check printed "✓ ... agree".
    with pytest.raises(GradientMismatch, match="disagrees with both autograd and finite differences"):
        check_gradient(lambda t: t**2, [claim], [x], trials=1)


def test_a_finite_claim_fails_where_autograd_is_infinite():
    # d√x/dx at x = 0 is +inf in torch; a finite claim is blamed on the claim, not waved through.
    with pytest.raises(GradientMismatch, match="the claimed \\(SymPy\\) formula disagrees with autograd"):
        check_gradient(torch.sqrt, [sp.Integer(7)], [x], at=[{x: 0.0}], trials=0)


def test_the_same_infinity_on_both_sides_agrees_with_the_claim():
    # 1/(2√x) at 0 is +inf on both sides: the claim matches autograd there (finite differences are judged apart).
    with pytest.raises(GradientMismatch) as caught:
        check_gradient(torch.sqrt, [1 / (2 * sp.sqrt(x))], [x], at=[{x: 0.0}], trials=0)
    assert "fn is not differentiable here" in str(caught.value)
