"""Displaying checked SymPy objects in the book, so the page cannot drift from what was checked."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence

import sympy as sp

from checks.answers import FUNCTIONS, answer_spec
from derivations.printing import latex


class Equation:
    """``lhs = rhs`` rendered by Jupyter and MyST-NB's ``glue:math`` from the SymPy object itself.

    >>> Equation(r"f'(x)", sp.cos(sp.Symbol("x"))).latex()
    "f'(x) = \\\\cos{\\\\left(x \\\\right)}"
    """

    def __init__(self, lhs: str, rhs: sp.Basic | sp.MatrixBase, **latex_options: object) -> None:
        self.lhs = lhs
        self.rhs = rhs
        self.latex_options = latex_options

    def latex(self) -> str:
        return f"{self.lhs} = {latex(self.rhs, **self.latex_options)}"

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    def __repr__(self) -> str:
        return f"{self.lhs} = {self.rhs}"


class AnswerBox:
    """A box where a reader types a formula and the page checks it, with no server.

    The page carries the spec of :func:`checks.answers.answer_spec` (the names, seeded points clear of
    kinks, and the expected values there); the browser reads the answer with the parser generated from
    the same grammar as :func:`checks.check_answer` and gives the same verdict, word for word.
    ``symbols`` are names the exercise offers beyond those of ``expected``; ``domain`` bounds a symbol.

    >>> box = AnswerBox(sp.exp(sp.Symbol("x")), points=2)
    >>> box.spec()["variables"], len(box.spec()["values"])
    (['x'], 2)
    """

    def __init__(
        self,
        expected: sp.Basic,
        *,
        symbols: Sequence[sp.Symbol] = (),
        points: int = 8,
        seed: int = 0,
        domain: Mapping[sp.Symbol, tuple[float, float]] | None = None,
    ) -> None:
        self.expected = expected
        self._spec = answer_spec(expected, symbols, points=points, seed=seed, domain=domain)

    def spec(self) -> dict:
        return self._spec

    def _repr_html_(self) -> str:
        variables = self._spec["variables"]
        names = ", ".join(f"<code>{html.escape(v)}</code>" for v in variables) or "no variables"
        functions = ", ".join(f for f in FUNCTIONS if f != "ln")
        data = html.escape(json.dumps(self._spec, ensure_ascii=False), quote=True)
        return (
            f'<div class="answer-box" data-answer="{data}">'
            '<label>Your answer: <input type="text" class="answer-input" autocomplete="off" spellcheck="false" '
            'placeholder="e.g. 2 x exp(x^2)"></label> <button type="button" class="answer-check">Check</button>'
            f'<div class="answer-help">Use {names}, numbers, + − * / ^, parentheses and {functions} '
            "(typed plainly, in LaTeX or in Unicode).</div>"
            '<div class="answer-feedback" role="status" aria-live="polite"></div></div>'
        )

    def __repr__(self) -> str:
        return f"AnswerBox({self.expected}, {len(self._spec['points'])} points)"
