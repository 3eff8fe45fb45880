"""Reading a failed check back: the counterexample that a GradientMismatch or StepError reports.

A chapter that shows a mistake being caught should assert *what* the check found (the quantity,
the point, the wrong value and the right one), not only that something failed.

>>> import sympy as sp, torch
>>> from checks import GradientMismatch, check_gradient
>>> x = sp.Symbol("x")
>>> try:
...     check_gradient(lambda t: t**3, [2 * x**2], [x], at=[{x: 1}])
... except GradientMismatch as err:
...     found = counterexample(err)
>>> found.quantity, found.point, found.claimed, found.correct
('∂f/∂x', 'x=1', 2.0, 3.0)
"""

from __future__ import annotations

from dataclasses import dataclass

from checks.gradients import GradientMismatch
from derivations.steps import StepError


@dataclass(frozen=True)
class Counterexample:
    """Where a claim failed: ``claimed`` is the wrong claim's value, ``correct`` the reference value there.

    For a :class:`~checks.GradientMismatch` the reference is torch.autograd; for a failed
    derivation step it is the previous, already verified, expression.
    """

    quantity: str
    point: str
    claimed: float
    correct: float


def counterexample(error: BaseException | object) -> Counterexample:
    """The counterexample reported by a failed ``check_*`` call or ``Derivation.step``.

    ``error`` is the exception, or what :func:`checks.expected.expect_failure` caught (its ``.error``).
    Raises :class:`ValueError` if it is not such a failure (its message has no counterexample).
    """
    error = getattr(error, "error", error)
    if isinstance(error, GradientMismatch):
        return Counterexample(error.quantity, error.point, error.claimed, error.autograd)
    if isinstance(error, StepError) and error.point:
        return Counterexample(error.derivation or "identity", error.point, error.this, error.previous)
    raise ValueError(f"no counterexample in this {type(error).__name__}: {str(error)[:200]!r}")
