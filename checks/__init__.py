"""The numeric side of the book: every derived result is compared with torch.autograd and finite differences.

>>> import sympy as sp, torch
>>> from checks import check_gradient
>>> x = sp.Symbol("x")
>>> print(check_gradient(lambda t: torch.exp(2 * t), [2 * sp.exp(2 * x)], [x]))  # doctest: +ELLIPSIS
✓ gradient of f w.r.t. x: SymPy = autograd at 5 points × 1 entries, max rel. error ...
"""

import importlib
from typing import TYPE_CHECKING

# Exported names and the modules that define them. They are imported on first use (PEP 562), so that
# light users of the package, such as the book's Sphinx extension reading checks.ledger, need not
# import torch and SymPy.
_EXPORTS = {
    "AnswerSyntaxError": "answers",
    "AnswerVerdict": "answers",
    "check_answer": "answers",
    "check_derivation": "answers",
    "DerivationVerdict": "answers",
    "expect_failure": "checks.expected",
    "CheckReport": "checks.gradients",
    "GradientMismatch": "checks.failures",
    "check_gradient": "checks.gradients",
    "check_hessian": "checks.gradients",
    "check_jacobian": "checks.gradients",
    "assert_close": "checks.values",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # the names __getattr__ gives, as a type checker sees them (``import x as x`` re-exports)
    from answers import AnswerSyntaxError as AnswerSyntaxError
    from answers import AnswerVerdict as AnswerVerdict
    from answers import DerivationVerdict as DerivationVerdict
    from answers import check_answer as check_answer
    from answers import check_derivation as check_derivation
    from checks.expected import expect_failure as expect_failure
    from checks.failures import GradientMismatch as GradientMismatch
    from checks.gradients import CheckReport as CheckReport
    from checks.gradients import check_gradient as check_gradient
    from checks.gradients import check_hessian as check_hessian
    from checks.gradients import check_jacobian as check_jacobian
    from checks.values import assert_close as assert_close


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'checks' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return __all__
