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

import re
from dataclasses import dataclass


def _number(name: str) -> str:
    """A named group matching a float as the messages print it (``%.17g`` or mpmath's ``nstr``)."""
    return rf"(?P<{name}>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf|nan)"


# The formats written by checks.gradients._mismatch_message and derivations.steps (Derivation.step).
_MISMATCH = re.compile(
    r"mismatch for (?P<quantity>[^\n]+?) at (?:explicit|random) point [^\n]*\n"
    r"\s*point: (?P<point>.*?)\n"  # a Matrix's point spans several lines
    rf"\s*SymPy \(claimed\):\s*{_number('claimed')}\n"
    rf"\s*torch\.autograd:\s*{_number('correct')}",
    re.DOTALL,
)
_STEP = re.compile(
    r"of derivation (?P<q>['\"])(?P<quantity>.*?)(?P=q) \(.*\) does not follow from step \d+: "
    r"at (?P<point>.*?)(?: entry \([^)]*\))? "
    rf"the previous expression is {_number('correct')} but this step gives {_number('claimed')}",
    re.DOTALL,
)


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
    message = str(error)
    found = _MISMATCH.search(message) or _STEP.search(message)
    if found is None:
        raise ValueError(f"no counterexample in this {type(error).__name__}: {message[:200]!r}")
    return Counterexample(
        quantity=found["quantity"],
        point=found["point"].strip(),
        claimed=float(found["claimed"]),
        correct=float(found["correct"]),
    )
