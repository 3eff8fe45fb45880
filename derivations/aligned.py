"""Several equations shown as one aligned display, every right side typeset from its SymPy object.

A backward pass listed node by node, a node's definition beside its local derivatives, or a few gradients
at a point read best as one ``aligned`` block. Glued with :func:`derivations.glue`, an
:class:`AlignedEquations` registers every right side it shows (each entry of a matrix), so a check built
from any of them is linked to the display.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import sympy as sp

from derivations.display import Equation
from derivations.printing import latex

#: A right side: a SymPy expression or explicit matrix, or a tuple of expressions shown as ``(a, b)``.
Side: TypeAlias = sp.Basic | sp.MatrixBase | tuple[sp.Basic, ...]


class AlignedEquations(Equation):
    r"""Lines of ``lhs = rhs`` pairs, one ``aligned`` display; ``rhs`` is the SymPy object (or a tuple of them).

    With ``at``, each right side is shown at that point (``rhs.subs(at)``), computed when the display is
    printed: a check then consumes the symbolic results (at that point among others), and the numbers on
    the page are those results' values there.

    >>> x, y = sp.symbols("x y")
    >>> shown = AlignedEquations([[("u", x * y), (r"\partial u / \partial (x, y)", (y, x))]])
    >>> shown.latex()
    '\\begin{aligned}u &= x y, & \\partial u / \\partial (x, y) &= (y, x)\\end{aligned}'
    >>> list(shown.rhs)
    [x*y, y, x]
    >>> AlignedEquations([[("f", x * y)], [("g", sp.Matrix([x, 2 * y]))]], at={x: 3, y: 5}).latex()
    '\\begin{aligned}f &= 15 \\\\ g &= \\left[\\begin{matrix}3\\\\10\\end{matrix}\\right]\\end{aligned}'
    """

    def __init__(
        self,
        lines: Sequence[Sequence[tuple[str, Side]]],
        *,
        at: Mapping[sp.Basic, object] | None = None,
        **latex_options: Any,
    ) -> None:
        self.lines = [list(line) for line in lines]
        if not any(self.lines):
            raise ValueError("AlignedEquations needs at least one (lhs, rhs) pair")
        self.at = dict(at or {})
        shown = [e for line in self.lines for _, side in line for e in _entries(side)]
        super().__init__("", sp.Matrix(shown), **latex_options)

    def _side(self, side: Side) -> str:
        if isinstance(side, tuple):
            return "(" + ", ".join(self._side(e) for e in side) + ")"
        return latex(side.subs(self.at) if self.at else side, **self.latex_options)

    def latex(self) -> str:
        lines = [", & ".join(f"{lhs} &= {self._side(side)}" for lhs, side in line) for line in self.lines]
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"

    def __repr__(self) -> str:
        return "; ".join(", ".join(f"{lhs} = {side}" for lhs, side in line) for line in self.lines)


def _entries(side: Side) -> list[sp.Basic]:
    """What a right side registers: each element of a tuple, each entry of an explicit matrix."""
    if isinstance(side, tuple):
        return [e for element in side for e in _entries(element)]
    if isinstance(side, sp.MatrixBase):
        return list(side)
    if isinstance(side, sp.MatrixExpr):
        raise TypeError(f"AlignedEquations shows explicit results; {side} is a matrix expression (glue an Equation)")
    return [sp.sympify(side)]
