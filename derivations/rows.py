"""Several results in one display, one ``lhs = value`` per line, each fitting a phone's column."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sympy as sp

from derivations.display import Equation
from derivations.printing import latex

Result = sp.Basic | sp.MatrixBase


class Rows(Equation):
    r"""``lhs₁ = r₁ \\ lhs₂ = r₂ …`` as one aligned display, glued (and registered) as the results themselves.

    With ``at``, each line shows its result at that point (``r.subs(at)``), computed when the display is
    printed: a check then consumes the symbolic results (evaluated at that point among others), and the
    numbers on the page are those results' values there. Every entry of every result is registered with
    the display, so :func:`derivations.glue` links a claim built from any of them.

    >>> w, x = sp.symbols("w x")
    >>> print(Rows([("f", w * x), ("g", sp.Matrix([w, 2 * x]))], at={w: 3, x: 5}).latex())
    \begin{aligned}f &= 15 \\ g &= \left[\begin{matrix}3\\10\end{matrix}\right]\end{aligned}
    """

    def __init__(self, rows: Sequence[tuple[str, Result]], *, at: Mapping[sp.Basic, object] | None = None) -> None:
        if not rows:
            raise ValueError("Rows needs at least one (lhs, result) pair")
        self.rows = [(lhs, sp.sympify(result)) for lhs, result in rows]
        self.at = dict(at or {})
        entries = [entry for _, result in self.rows for entry in _entries(result)]
        super().__init__("", sp.ImmutableMatrix(entries))

    def latex(self) -> str:
        lines = [rf"{lhs} &= {latex(result.subs(self.at) if self.at else result)}" for lhs, result in self.rows]
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"

    def __repr__(self) -> str:
        return "; ".join(f"{lhs} = {result}" for lhs, result in self.rows)


def _entries(result: Result) -> list[sp.Basic]:
    if isinstance(result, sp.MatrixBase):
        return list(result)
    if isinstance(result, sp.MatrixExpr):
        raise TypeError(f"Rows shows explicit results; {result} is a matrix expression (glue it as an Equation)")
    return [result]
