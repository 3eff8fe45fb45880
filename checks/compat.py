"""Where the book's packages reach into SymPy's and mpmath's internals: every such use, in one place.

Each name below relies on something its library does not promise to keep (a private attribute, a module
that its own function's name hides, a mixin class). Each says which version it was checked against (the
pins in requirements.txt), and tests/test_compat.py checks each against the installed libraries, so that
an upgrade that changes one fails there, naming it, instead of a chapter failing in a stranger way.
"""

from __future__ import annotations

import sys
from types import ModuleType

import mpmath
import sympy as sp

#: The versions each use below was checked against.
CHECKED_AGAINST = {"sympy": "1.14.0", "mpmath": "1.3.0"}


def strict_sympify(value: object) -> sp.Basic:
    """``value`` as a SymPy object without parsing text (a string is refused) and with a mutable Matrix frozen
    into an ImmutableMatrix, as SymPy 1.14.0's private ``sympy.core.sympify._sympify`` does."""
    from sympy.core.sympify import _sympify

    return _sympify(value)


def float_as_mpf(value: sp.Float) -> mpmath.mpf:
    """A SymPy Float as an mpmath number with all its digits (SymPy 1.14.0 keeps them in ``Float._mpf_``)."""
    return mpmath.mpf(value._mpf_)


def digits_of_precision(prec: int) -> int:
    """The decimal digits of ``prec`` bits, as SymPy's ``_eval_evalf(prec)`` hook is given them (mpmath 1.3.0's
    low-level ``mpmath.libmp.prec_to_dps``)."""
    from mpmath.libmp import prec_to_dps

    return prec_to_dps(prec)


def print_argument(printer: sp.printing.printer.Printer, expr: sp.Basic) -> str:
    """``expr`` printed by ``printer``: how a SymPy 1.14.0 function's ``_latex`` prints its argument."""
    return printer._print(expr)


def lambdify_module() -> ModuleType:
    """The module ``sympy.utilities.lambdify`` (SymPy 1.14.0), which ``sympy.utilities.lambdify``, the
    function of the same name, hides from attribute access: provenance.py wraps the function in it."""
    return sys.modules["sympy.utilities.lambdify"]


def evalf_mixin() -> type:
    """SymPy 1.14.0's ``EvalfMixin``, which defines ``evalf`` and ``n`` for expressions and is not a Basic."""
    return sp.core.evalf.EvalfMixin
