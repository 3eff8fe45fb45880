"""Several equations shown as one aligned display, every right side typeset from its SymPy object.

A backward pass listed node by node, or a node's definition beside its local derivatives, reads best as one
``aligned`` block. Glued with :func:`derivations.glue`, an :class:`AlignedEquations` registers every right side
it shows, so a check built from any of them is linked to the display.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from derivations.display import Equation
from derivations.printing import latex

#: A right side: one SymPy object, or a tuple of them shown as ``(a, b)``.
Side = sp.Basic | tuple[sp.Basic, ...]


class AlignedEquations(Equation):
    r"""Lines of ``lhs = rhs`` pairs, one ``aligned`` display; ``rhs`` is the SymPy object (or a tuple of them).

    >>> x, y = sp.symbols("x y")
    >>> shown = AlignedEquations([[("u", x * y), (r"\partial u / \partial (x, y)", (y, x))]])
    >>> shown.latex()
    '\\begin{aligned}u &= x y, & \\partial u / \\partial (x, y) &= (y, x)\\end{aligned}'
    >>> list(shown.rhs)
    [x*y, y, x]
    """

    def __init__(self, lines: Sequence[Sequence[tuple[str, Side]]], **latex_options: object) -> None:
        self.lines = [list(line) for line in lines]
        shown = [e for line in self.lines for _, side in line for e in (side if isinstance(side, tuple) else (side,))]
        super().__init__("", sp.Matrix(shown), **latex_options)

    def _side(self, side: Side) -> str:
        if isinstance(side, tuple):
            return "(" + ", ".join(latex(e, **self.latex_options) for e in side) + ")"
        return latex(side, **self.latex_options)

    def latex(self) -> str:
        lines = [", & ".join(f"{lhs} &= {self._side(side)}" for lhs, side in line) for line in self.lines]
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"

    def __repr__(self) -> str:
        return "; ".join(", ".join(f"{lhs} = {side}" for lhs, side in line) for line in self.lines)
