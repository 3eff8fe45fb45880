"""Expectations in a derivation, each step verified by computing them exactly under a concrete model.

A variance argument ("W is independent of x, so the expectation factorises") is a chain of identities
between expectations. :class:`Expect` writes an expectation unevaluated, so a step can be displayed as a
reader writes it, and :class:`ExpectationDerivation` verifies each step after making it concrete: sums in
index notation are expanded at a fixed size, each entry (``W[i, j]``) becomes a random variable of
``sympy.stats``, and every :class:`Expect` is computed exactly by ``sympy.stats.E``. A step that uses a
property the model does not have (independence, a zero mean) then fails like any wrong step.

>>> from sympy import stats
>>> x = sp.IndexedBase("x")
>>> X = stats.FiniteRV("X", {-1: sp.Rational(1, 2), 1: sp.Rational(1, 2)})
>>> d = ExpectationDerivation(Expect(x[1] ** 2 + 1), name="E[x²+1]", sizes={}, arrays={x: sp.Matrix([X])})
>>> d.step(Expect(x[1] ** 2) + 1, "linearity").step(2, "$x = \\\\pm 1$").result
2
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp
from sympy import stats

from checks.compat import print_argument
from derivations.compact import CompactDerivation, expand_meaning
from derivations.indexed import instantiate


class Expect(sp.Function):
    """The expectation 𝔼[arg], kept unevaluated: its value is given by the model a derivation is verified in."""

    nargs = 1

    def _latex(self, printer: sp.printing.latex.LatexPrinter, exp: str | None = None) -> str:
        printed = rf"\mathbb{{E}}\left[{print_argument(printer, self.args[0])}\right]"
        return f"{printed}^{{{exp}}}" if exp else printed


def expectation_value(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every :class:`Expect` computed by ``sympy.stats.E`` (its argument holds random variables)."""
    return expr.replace(lambda e: isinstance(e, Expect), lambda e: sp.expand(stats.E(sp.expand(e.args[0]))))


class ExpectationDerivation(CompactDerivation):
    """A derivation about expectations, displayed in index notation and verified exactly in a concrete model.

    ``sizes`` fixes the sizes and free indices (``{n: 3, i: 1}``), ``arrays`` maps each ``IndexedBase`` to a
    Matrix of ``sympy.stats`` random variables (1-based, as in :func:`derivations.instantiate`), and
    ``meaning`` maps the remaining names (a symbol ``σ_w`` for the weights' standard deviation) to their
    values in the model. Every step is verified after those replacements and after computing each
    :class:`Expect` exactly; ``prove=False`` by default, since the exact expectations are large
    rational functions on which a symbolic proof costs seconds and adds nothing to 40 digits at 6 points.
    """

    def __init__(
        self,
        start: sp.Basic,
        *,
        name: str,
        sizes: Mapping[sp.Symbol, int],
        arrays: Mapping[sp.IndexedBase, sp.MatrixBase],
        meaning: Mapping[sp.Basic, sp.Basic] | None = None,
        **kwargs: object,
    ) -> None:
        self.sizes = dict(sizes)
        self.arrays = dict(arrays)
        kwargs.setdefault("prove", False)
        super().__init__(start, meaning=dict(meaning or {}), name=name, **kwargs)

    def explicit(self, expr: sp.Basic) -> sp.Expr:
        """``expr`` at the model's sizes, with its random variables in and every expectation computed."""
        concrete = instantiate(sp.sympify(expr), self.sizes, self.arrays)
        return sp.expand(expectation_value(expand_meaning(concrete, self.meaning)))
