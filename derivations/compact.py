"""Derivations written compactly and verified in full.

A derivation at a concrete size is verified entry by entry, but its explicit matrices are too wide to
read. :class:`CompactDerivation` lets each step be written the way a reader writes it, with
``MatrixSymbol``s (``Xᵀ(Xθ − y)``) or with short symbols standing for subexpressions (a residual
``r_1``), and verifies the step after putting the ``meaning`` of every such name in. The display
shows the compact form; :attr:`CompactDerivation.result` is the verified explicit expression.
:func:`abbreviate` goes the other way: it gives a derivation verified in full a compact display.

This is the book's one "display compact, verify explicit" mechanism. Names are put in and taken out
with ``xreplace``, never ``subs`` (see :func:`expand_meaning`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import sympy as sp

from derivations.steps import Derivation, Expr, Step


def expand_meaning(expr: sp.Basic, meaning: Mapping[sp.Basic, sp.Basic]) -> Expr:
    """``expr`` with every name in ``meaning`` replaced by what it stands for, matrix expressions made explicit.

    >>> a = sp.MatrixSymbol("a", 2, 1)
    >>> expand_meaning(2 * a, {a: sp.Matrix([1, sp.Symbol("x")])}).T
    Matrix([[2, 2*x]])
    """
    # xreplace, not subs: subs turns a derivative with respect to a replaced name into a Subs object
    replaced = sp.sympify(expr).xreplace(
        {k: sp.ImmutableMatrix(v) if isinstance(v, sp.MatrixBase) else v for k, v in meaning.items()}
    )
    if isinstance(replaced, sp.MatrixExpr) and not isinstance(replaced, sp.MatrixBase):
        return sp.ImmutableMatrix(replaced.doit().as_explicit())
    if isinstance(replaced, sp.MatrixBase):
        return sp.ImmutableMatrix(replaced)
    return replaced


class CompactDerivation(Derivation):
    """A :class:`~derivations.steps.Derivation` whose steps are displayed compactly and verified explicitly.

    ``meaning`` maps each compact name (a ``MatrixSymbol`` or a ``Symbol``) to its explicit value; every
    step is verified after :func:`expand_meaning`. ``result`` is the explicit last step, ``shown_result``
    the compact one.

    >>> a, b = sp.MatrixSymbol("a", 2, 1), sp.MatrixSymbol("b", 2, 1)
    >>> d = CompactDerivation(a.T * b + b.T * a, name="symmetry", meaning={a: sp.Matrix([1, 2]), b: sp.Matrix([3, 4])})
    >>> d.step(2 * a.T * b, "aᵀb = bᵀa for vectors").result
    Matrix([[22]])
    """

    def __init__(self, start: sp.Basic, *, meaning: Mapping[sp.Basic, sp.Basic], name: str, **kwargs: Any) -> None:
        self.meaning = dict(meaning)
        super().__init__(self.explicit(start), name=name, **kwargs)
        self.shown: list[sp.Basic] = [start]

    def explicit(self, expr: sp.Basic) -> Expr:
        """``expr`` with every name replaced by what it stands for: the form a step is verified in."""
        return expand_meaning(expr, self.meaning)

    def step(self, expr: sp.Basic, why: str) -> CompactDerivation:
        """Verify ``expr`` (with its names expanded) equals the previous step, and show it as written."""
        self._written = expr
        super().step(self.explicit(expr), why)
        self.shown.append(expr)
        return self

    def _repeats(self, expr: Expr) -> bool:
        # A step that only introduces a name changes the display, not the explicit expression.
        return self._written == self.shown[-1]

    @classmethod
    def abbreviating(cls, derivation: Derivation, names: Mapping[sp.Basic, sp.Basic]) -> CompactDerivation:
        """``derivation``, already verified, displayed with each subexpression in ``names`` shown by its name.

        ``names`` maps a subexpression to its name, e.g. ``{Sum(W[i, q] * x[q], (q, 1, n)): z[i]}``; an
        expression is matched before the subexpressions inside it. The steps and how they were verified
        are kept; further steps may be written with the names.
        """
        compact = cls.__new__(cls)
        compact.__dict__.update(vars(derivation))
        compact.steps = list(derivation.steps)
        compact.meaning = {name: full for full, name in names.items()}
        compact.shown = [s.expr.xreplace(dict(names)) for s in derivation.steps]
        return compact

    @property
    def shown_result(self) -> sp.Basic:
        """The last step as written."""
        return self.shown[-1]

    def latex(self) -> str:
        """The chain as written (the compact forms), with the justifications."""
        displayed = copy.copy(self)
        displayed.steps = [Step(e, s.why, s.method) for e, s in zip(self.shown, self.steps, strict=True)]
        return Derivation.latex(displayed)


def abbreviate(derivation: Derivation, names: Mapping[sp.Basic, sp.Basic]) -> CompactDerivation:
    """A copy of a verified ``derivation`` that *displays* long subexpressions by short names.

    See :meth:`CompactDerivation.abbreviating`: ``result`` stays the verified full expression,
    ``shown_result`` is the last step with the names.

    >>> x, u = sp.Symbol("x"), sp.Symbol("u")
    >>> d = Derivation(sp.Derivative(sp.sin(x**2 + 1), x), name="d").step(2 * x * sp.cos(x**2 + 1), "chain rule")
    >>> abbreviate(d, {x**2 + 1: u}).shown_result
    2*x*cos(u)
    """
    return CompactDerivation.abbreviating(derivation, names)
