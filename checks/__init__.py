"""The numeric side of the book: every derived result is compared with torch.autograd and finite differences.

>>> import sympy as sp, torch
>>> from checks import check_gradient
>>> x = sp.Symbol("x")
>>> print(check_gradient(lambda t: torch.exp(2 * t), [2 * sp.exp(2 * x)], [x]))  # doctest: +ELLIPSIS
✓ gradient of f w.r.t. x: 5 points × 1 entries agree...
"""

from checks.answers import AnswerSyntaxError, AnswerVerdict, check_answer
from checks.expected import expect_failure
from checks.gradients import CheckReport, GradientMismatch, check_gradient, check_hessian, check_jacobian
from checks.values import assert_close

__all__ = [
    "AnswerSyntaxError",
    "AnswerVerdict",
    "CheckReport",
    "GradientMismatch",
    "assert_close",
    "check_answer",
    "check_gradient",
    "check_hessian",
    "check_jacobian",
    "expect_failure",
]
