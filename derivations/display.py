"""Displaying checked SymPy objects in the book, so the page cannot drift from what was checked."""

from __future__ import annotations

import html
import json
import math

import sympy as sp

from checks.points import kink_expressions, sample_points
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
    """A box where a reader types a formula and the browser checks it, with no server.

    At build time SymPy evaluates ``expected`` at seeded random points; the page carries only those
    points and values. The browser parses the reader's formula with math.js (never ``eval``),
    rejects anything but numbers, the allowed names and functions, and compares values at the points.

    >>> box = AnswerBox(sp.exp(sp.Symbol("x")), points=2)
    >>> box.spec()["variables"], len(box.spec()["values"])
    (['x'], 2)
    """

    #: Functions a reader may use (math.js names; ``sigma`` is the logistic function).
    FUNCTIONS = ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigma", "max", "abs")

    def __init__(self, expected: sp.Expr, *, points: int = 8, seed: int = 0, rtol: float = 1e-6) -> None:
        self.expected = sp.sympify(expected)
        self.symbols = sorted(self.expected.free_symbols, key=str)
        drawn = sample_points(self.symbols, 4 * points, seed=seed, avoid=kink_expressions([self.expected]))
        values = [(p, complex(self.expected.evalf(30, subs=p))) for p in drawn]
        usable = [(p, v.real) for p, v in values if abs(v.imag) < 1e-12 and math.isfinite(v.real)][:points]
        if len(usable) < points:
            raise ValueError(f"only {len(usable)} of {4 * points} sample points give a real value for {expected}")
        self.points = [{str(s): p[s] for s in self.symbols} for p, _ in usable]
        self.values = [v for _, v in usable]
        self.rtol = rtol

    def spec(self) -> dict:
        return {
            "variables": [str(s) for s in self.symbols],
            "functions": list(self.FUNCTIONS),
            "points": self.points,
            "values": self.values,
            "rtol": self.rtol,
        }

    def _repr_html_(self) -> str:
        names = ", ".join(f"<code>{html.escape(str(s))}</code>" for s in self.symbols) or "no variables"
        data = html.escape(json.dumps(self.spec()), quote=True)
        return (
            f'<div class="answer-box" data-answer="{data}">'
            '<label>Your answer: <input type="text" class="answer-input" autocomplete="off" spellcheck="false" '
            'placeholder="e.g. 2*x*exp(x^2)"></label> <button type="button" class="answer-check">Check</button>'
            f'<div class="answer-help">Use {names}, numbers, + − * / ^, parentheses and '
            f"{', '.join(self.FUNCTIONS)}.</div>"
            '<div class="answer-feedback" role="status" aria-live="polite"></div></div>'
        )

    def __repr__(self) -> str:
        return f"AnswerBox({self.expected}, {len(self.points)} points)"
