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
('∂f/∂x', 'x = 1', 2.0, 3.0)

Messages read like the book's mathematics: an entry is named by its 1-based symbol (``∂f/∂W_{1,3}``, never
``[0, 2]``), a point is written ``w_1 = 0.3, w_2 = -0.5`` (never an array), and every number is one short
token, written by :func:`number`, so that a page's output wraps between numbers and never inside one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

#: Significant digits of a coordinate of a point in a message: enough to read, not to reproduce (the
#: failure's ``at`` holds the point exactly).
POINT_DIGITS = 4


def number(value: float, digits: int = 6) -> str:
    """``value`` to ``digits`` significant digits, as a message writes it: ``-0.921``, ``1e-9``, ``2.5e+12``.

    A plain hyphen is the minus sign, as in the code beside it; the exponent has no padding zero.

    >>> number(-0.92134, 3), number(1e-09), number(0.00390625), number(3.0), number(2.5e12)
    ('-0.921', '1e-9', '0.00390625', '3', '2.5e+12')
    """
    mantissa, e, exponent = f"{float(value):.{digits}g}".partition("e")
    return f"{mantissa}e{exponent[0]}{int(exponent[1:])}" if e else mantissa


def digits_to_tell_apart(a: float, b: float, *, least: int = 6, most: int = 17) -> int:
    """How many significant digits show ``a`` and ``b`` differ: a relative difference of 1e-8 needs about 10."""
    scale = max(abs(a), abs(b))
    if not (math.isfinite(a) and math.isfinite(b)) or scale == 0 or a == b:
        return least
    return max(least, min(most, math.ceil(-math.log10(abs(a - b) / scale)) + 2))


class GradientMismatch(AssertionError):
    """A claimed derivative disagrees with autograd or finite differences at some point.

    Besides the message, it carries the first disagreeing entry as data: ``quantity`` (e.g.
    ``∂f/∂W_{1,3}``), ``point`` as the message writes it, ``at`` (the point exactly, each SymPy symbol to its
    value), and the ``claimed``, ``autograd`` and ``finite_difference`` values there, with their ``relative_error``.
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
        at: Mapping[object, float] | None = None,
    ) -> None:
        super().__init__(message)
        self.quantity = quantity
        self.point = point
        self.at = dict(at or {})
        self.claimed = claimed
        self.autograd = autograd
        self.finite_difference = finite_difference
        self.relative_error = relative_error


class StepError(AssertionError):
    """A derivation step that is not equal to the expression before it.

    Besides the message it carries, where known, the ``derivation`` name, the ``step`` number and its
    justification ``why``, and the counterexample: the ``point`` as the message writes it, ``at`` (each symbol,
    index or indexed entry to its exact value there), and the ``previous`` expression's value there against the
    value ``this`` step gives.
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
        at: Mapping[object, float] | None = None,
    ) -> None:
        super().__init__(message)
        self.derivation, self.step, self.why = derivation, step, why
        self.point, self.previous, self.this = point, previous, this
        self.at = dict(at or {})


@dataclass(frozen=True)
class Counterexample:
    """Where a claim failed: ``claimed`` is the wrong claim's value, ``correct`` the reference value there.

    For a :class:`~checks.GradientMismatch` the reference is torch.autograd; for a failed
    derivation step it is the previous, already verified, expression. ``point`` is the point as the message
    writes it (``w_1 = 0.3, w_2 = -0.5``); ``at`` is the same point exactly, each SymPy symbol (or indexed
    entry) to its value, for a chapter to compute with.
    """

    quantity: str
    point: str
    claimed: float
    correct: float
    at: Mapping[object, float] = field(default_factory=dict, compare=False)


def counterexample(error: BaseException | object) -> Counterexample:
    """The counterexample reported by a failed ``check_*`` call or ``Derivation.step``.

    ``error`` is the exception, or what :func:`checks.expected.expect_failure` caught (its ``.error``).
    Raises :class:`ValueError` if it is not such a failure (its message has no counterexample).
    """
    error = getattr(error, "error", error)
    if isinstance(error, GradientMismatch):
        return Counterexample(error.quantity, error.point, error.claimed, error.autograd, error.at)
    if isinstance(error, StepError) and error.point:
        return Counterexample(error.derivation or "identity", error.point, error.this, error.previous, error.at)
    raise ValueError(f"no counterexample in this {type(error).__name__}: {str(error)[:200]!r}")
