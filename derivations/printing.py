"""The book's house style for displayed mathematics: one LaTeX printer for every SymPy object on a page.

SymPy's own printer writes ``\\mathbb{I}`` for the identity, ``^{T}`` for a transpose and ``∘`` for the
Hadamard product, and it opens a sum with a negative term (``- \\theta^{\\star} + \\theta_{t}``). The
prose writes ``I``, ``^\\top``, ``⊙``, bold vectors and ``θ_t − θ^⋆``; :func:`latex` prints like the prose.

>>> t, s = sp.symbols("theta_t theta_s")
>>> latex(-s + t)
'\\\\theta_{t} - \\\\theta_{s}'
>>> x, A = sp.MatrixSymbol("x", 3, 1), sp.MatrixSymbol("A", 3, 3)
>>> latex((sp.Identity(3) - A) * x)
'\\\\left(I - A\\\\right) \\\\mathbf{x}'
>>> latex(x.T * A.T)
'\\\\mathbf{x}^{\\\\top} A^{\\\\top}'
>>> latex(sp.Derivative(PartialName("f"), sp.Symbol("w")))
'\\\\frac{\\\\partial}{\\\\partial w} f'
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter, translate
from sympy.printing.precedence import PRECEDENCE


class PartialName(sp.Symbol):
    """A name that stands for a function of several variables, e.g. a loss L or a network's output f.

    SymPy writes d/dw for the derivative of a lone symbol; a derivative of an expression that contains a
    ``PartialName`` is printed with ∂, as the prose writes a partial derivative.
    """


class BookPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the book's notation (see the module docstring)."""

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        if not any(isinstance(s, PartialName) for s in expr.expr.free_symbols):
            return super()._print_Derivative(expr)
        operator = self._settings["diff_operator_latex"]
        self._settings["diff_operator_latex"] = r"\partial"
        try:
            return super()._print_Derivative(expr)
        finally:
            self._settings["diff_operator_latex"] = operator

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        terms = _positive_first(self._as_ordered_terms(expr, order=order), _is_negative)
        parts = []
        for k, term in enumerate(terms):
            if k == 0:
                sign = ""
            elif term.could_extract_minus_sign():
                sign, term = " - ", -term
            else:
                sign = " + "
            text = self._print(term)
            if k > 0 and self._needs_add_brackets(term):
                text = rf"\left({text}\right)"
            parts.append(sign + text)
        return "".join(parts)

    def _print_MatAdd(self, expr: sp.MatAdd) -> str:
        terms = _positive_first([self._print(t) for t in expr.args], lambda text: text.startswith("-"))
        out = terms[0]
        for text in terms[1:]:
            out += f" - {text[1:].lstrip()}" if text.startswith("-") else f" + {text}"
        return out

    def _print_Transpose(self, expr: sp.Transpose) -> str:
        printed = super()._print_Transpose(expr)
        return printed[: -len("^{T}")] + r"^{\top}" if printed.endswith("^{T}") else printed

    def _print_Identity(self, expr: sp.Identity) -> str:
        return "I"

    def _print_ZeroMatrix(self, expr: sp.ZeroMatrix) -> str:
        return r"\mathbf{0}" if 1 in expr.shape else "0"

    def _print_OneMatrix(self, expr: sp.OneMatrix) -> str:
        return r"\mathbf{1}"

    # A product inside a Hadamard product is bracketed too: (A H) ⊙ A, never A H ⊙ A.
    def _print_HadamardProduct(self, expr: sp.HadamardProduct) -> str:
        return r" \odot ".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in expr.args)

    def _print_MatrixSymbol(self, expr: sp.MatrixSymbol) -> str:
        """Vectors and other lower-case names bold, as in the prose (``\\mathbf{x}``, ``\\boldsymbol{\\theta}``)."""
        name = expr.name
        stem, _, subscript = name.partition("_")
        if not stem[:1].islower():
            return super()._print_MatrixSymbol(expr)
        printed = translate(stem)
        bold = rf"\boldsymbol{{{printed}}}" if printed.startswith("\\") else rf"\mathbf{{{printed}}}"
        return bold + (f"_{{{translate(subscript)}}}" if subscript else "")

    def _print_And(self, expr: sp.And) -> str:
        """``0 < η ∧ η < 2/λ`` as the chained ``0 < η < 2/λ``."""
        chain = _chain(expr.args)
        if chain is None:
            return super()._print_And(expr)
        terms, operators = chain
        out = self._print(terms[0])
        for op, term in zip(operators, terms[1:], strict=True):
            out += f" {op} {self._print(term)}"
        return out

    # The book's ReLU derivative Heaviside(z, 0) as the prose writes it, H_0(z) (SymPy prints θ(z, 0)).
    def _print_Heaviside(self, expr: sp.Heaviside, exp: str | None = None) -> str:
        if expr.args[1] != 0:
            return super()._print_Heaviside(expr, exp)
        printed = rf"H_0\left({self._print(expr.args[0])}\right)"
        return f"{printed}^{{{exp}}}" if exp else printed

    # diag(p) as the prose writes it (SymPy prints DiagMatrix(p)).
    def _print_DiagMatrix(self, expr: sp.DiagMatrix) -> str:
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"

    # An entry of a base that has a subscript of its own joins the two: W_{H,i}, not {W_{H}}_{i}.
    def _print_Indexed(self, expr: sp.Indexed) -> str:
        stem, _, subscript = expr.base.label.name.partition("_")
        indices = ",".join(self._print(i) for i in expr.indices)
        if not subscript and "^" in stem:  # W^{(1)}: the indices stack under the superscript, W^{(1)}_{i,j}
            return f"{stem}_{{{indices}}}"
        if not subscript:
            return super()._print_Indexed(expr)
        return f"{translate(stem)}_{{{translate(subscript)},{indices}}}"

    # An elementwise function of a vector as the function applied to it (e^{x}, \tanh(x)), not d ↦ e^d.
    def _print_ElementwiseApplyFunction(self, expr: sp.MatrixExpr) -> str:
        d = sp.Dummy("d")
        return self._print(expr.function(d).xreplace({d: sp.Symbol(self._print(expr.expr))}))

    # A Hadamard product inside a matrix product is bracketed: (P ⊙ dP) 1, never the ambiguous P ⊙ dP 1.
    def _print_MatMul(self, expr: sp.MatMul) -> str:
        args = list(expr.args)
        if not any(isinstance(a, sp.HadamardProduct) for a in args):
            return super()._print_MatMul(expr)
        sign = ""
        if expr.could_extract_minus_sign():
            sign, args = "- ", (args[1:] if args[0] == -1 else [-args[0], *args[1:]])
        return sign + " ".join(
            self._print(a)
            if not a.is_Matrix and not a.is_Add  # a scalar factor such as 1/(ns) or 1/2 needs no brackets
            else self.parenthesize(a, PRECEDENCE["Mul"])  # brackets a Hadamard product, as a sum
            for a in args
        )


def _is_negative(term: sp.Expr) -> bool:
    return term.could_extract_minus_sign()


def _positive_first(terms: list, negative) -> list:
    """Move the first positive term to the front when the sum opens with a negative one; keep the rest in order."""
    if not terms or not negative(terms[0]):
        return list(terms)
    for k, term in enumerate(terms):
        if not negative(term):
            return [term, *terms[:k], *terms[k + 1 :]]
    return list(terms)


_LESS = {sp.StrictLessThan: "<", sp.LessThan: r"\leq"}
_GREATER = {sp.StrictGreaterThan: "<", sp.GreaterThan: r"\leq"}


def _chain(relations: tuple) -> tuple[list, list] | None:
    """Two inequalities sharing a middle term, as (terms, operators) read left to right; else None."""
    if len(relations) != 2:
        return None
    links = []
    for rel in relations:
        if type(rel) in _LESS:
            links.append((rel.lhs, _LESS[type(rel)], rel.rhs))
        elif type(rel) in _GREATER:
            links.append((rel.rhs, _GREATER[type(rel)], rel.lhs))
        else:
            return None
    (a, op1, b), (c, op2, d) = links
    if b == c:
        return [a, b, d], [op1, op2]
    if d == a:
        return [c, a, b], [op2, op1]
    return None


_PRINTER = BookPrinter()


def latex(expr: object, **settings: object) -> str:
    """``expr`` in the book's notation; ``settings`` are SymPy's LaTeX printer settings (e.g. ``ln_notation``)."""
    printer = BookPrinter(settings) if settings else _PRINTER
    return printer.doprint(sp.sympify(expr) if not isinstance(expr, sp.Basic | sp.MatrixBase) else expr)


def use_in_ipython() -> None:
    """Make Jupyter (and so MyST-NB's ``glue``) show every SymPy object in the book's notation."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["text/latex"]
    for kind in (sp.Basic, sp.MatrixBase):
        formatter.for_type(kind, lambda e: f"$\\displaystyle {latex(e)}$")
