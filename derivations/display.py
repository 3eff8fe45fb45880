"""Displaying checked SymPy objects in the book, so the page cannot drift from what was checked."""

from __future__ import annotations

import sympy as sp

from derivations.printing import latex


class Equation:
    """``lhs = rhs`` rendered by Jupyter and MyST-NB's ``glue:math`` from the SymPy object itself.

    ``relation`` replaces ``=`` where the display states an update rather than an identity
    (``\\mathbf{g} \\leftarrow \\mathbf{g} \\cdot \\min(…)``): the right side is still the SymPy object.

    >>> Equation(r"f'(x)", sp.cos(sp.Symbol("x"))).latex()
    "f'(x) = \\\\cos{\\\\left(x \\\\right)}"
    """

    def __init__(
        self, lhs: str, rhs: sp.Basic | sp.MatrixBase, *, relation: str = "=", **latex_options: object
    ) -> None:
        self.lhs = lhs
        self.rhs = rhs
        self.relation = relation
        self.latex_options = latex_options

    def latex(self) -> str:
        return f"{self.lhs} {self.relation} {latex(self.rhs, **self.latex_options)}"

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    def __repr__(self) -> str:
        return f"{self.lhs} {self.relation} {self.rhs}"
