"""The two ways a claim fails, and reading a failure back: the counterexample it reports.

:class:`GradientMismatch` is raised by the numeric checks (:mod:`checks.gradients`), :class:`StepError` by
the step checker (:mod:`derivations.steps`). Both live here, where neither torch nor SymPy is imported,
so that ``derivations`` can import ``checks`` and never the other way round.

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


class GradientMismatch(AssertionError):
    """A claimed derivative disagrees with autograd or finite differences at some point.

    Besides the message, it carries the first disagreeing entry as data: ``quantity`` (e.g.
    ``∂f/∂W[0, 2] (W_{1,3})``), ``point``, and the ``claimed``, ``autograd`` and
    ``finite_difference`` values there, with their ``relative_error``.
    """

    def __init__(
        self,
        message: str,
        *,
        quantity: str = "",
        point: str = "",
        claimed: float = float("nan"),
        autograd: float = float("nan"),
        finite_difference: float = float("nan"),
        relative_error: float = float("nan"),
    ) -> None:
        super().__init__(message)
        self.quantity = quantity
        self.point = point
        self.claimed = claimed
        self.autograd = autograd
        self.finite_difference = finite_difference
        self.relative_error = relative_error


class StepError(AssertionError):
    """A derivation step that is not equal to the expression before it.

    Besides the message it carries, where known, the ``derivation`` name, the ``step`` number and its
    justification ``why``, and the counterexample: the ``point`` and the ``previous`` expression's
    value there against the value ``this`` step gives.
    """

    def __init__(
        self,
        message: str,
        *,
        derivation: str = "",
        step: int | None = None,
        why: str = "",
        point: str = "",
        previous: float = float("nan"),
        this: float = float("nan"),
    ) -> None:
        super().__init__(message)
        self.derivation, self.step, self.why = derivation, step, why
        self.point, self.previous, self.this = point, previous, this


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
