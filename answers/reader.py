"""What an answer means: its syntax nodes read, top down, into an expression tree over a spec's variables.

The reader holds the answer to the language's limits (nodes, depth, digits, exponents), resolves each
name to a variable of the box (or ``e``, ``pi``, or a run of names, ``xy``), counts each function's
arguments, and computes every part without variables at once, so that ``1/0`` is refused whatever the
points. Its checks come in the order answer-box.js makes them, so both refuse an answer with the same words.
"""

from __future__ import annotations

import math
import re
from typing import NoReturn

import answers.nodes as nodes
import answers.syntax as syntax
from answers.evaluate import evaluate
from answers.formatting import fmt
from answers.language import (
    CONSTANTS,
    FUNCTION_ALIASES,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_NODES,
    MESSAGES,
    AnswerSyntaxError,
    Undefined,
    message,
)
from answers.names import name_key, split, subscripts
from answers.nodes import Matrix, Node, Num, Product, Tree, Var


def _fail(key: str, **params: object) -> NoReturn:
    raise AnswerSyntaxError(message(key, **params))


def _quotient(numerator: Node, denominator: Node) -> Product:
    return Product((("mul", numerator), ("div", denominator)))


class Reader:
    """Reads one answer over ``spec``'s variables, counting its nodes as it goes."""

    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.nodes = 0

    def read(self, typed: syntax.Typed) -> Tree:
        """The whole answer: an expression, or a :class:`~answers.nodes.Matrix`."""
        if isinstance(typed, syntax.LatexMatrix):
            if typed.begin.replace(" ", "")[6:] != typed.end.replace(" ", "")[4:]:
                _fail("environments", begin=typed.begin, end=typed.end)
            rows = [row.entries for row in typed.rows]
        elif isinstance(typed, syntax.Brackets):
            typed_rows = [item for item in typed.items if isinstance(item, syntax.Row)]
            if len(typed_rows) == len(typed.items):
                rows = [row.entries for row in typed_rows]
            elif typed_rows:
                _fail("mixed")
            else:
                rows = [(item,) for item in typed.items if not isinstance(item, syntax.Row)]  # [a, b] is a column
        else:
            return self.expr(typed, 0)
        if len({len(r) for r in rows}) != 1:
            _fail("rows")
        return Matrix(len(rows), len(rows[0]), tuple(self.expr(e, 1) for r in rows for e in r))

    def expr(self, t: syntax.Syntax, depth: int) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            _fail("too_big", limit=MAX_NODES)
        if depth > MAX_DEPTH:
            _fail("too_deep", limit=MAX_DEPTH)
        match t:
            case syntax.Number(text):
                return self.number(text)
            case syntax.Name(text):
                return self.name(text)
            case syntax.FracDigits(text):
                numerator, denominator = (Num(float(d)) for d in text[-2:])
                return self.fold(_quotient(numerator, denominator))
            case syntax.Neg(operand):
                return self.fold(nodes.Neg(self.expr(operand, depth + 1)))
            case syntax.Frac(numerator, denominator):
                return self.fold(_quotient(self.expr(numerator, depth + 1), self.expr(denominator, depth + 1)))
            case syntax.Chain("sum", items):
                return self.fold(nodes.Sum(tuple((sign, self.expr(k, depth + 1)) for sign, k in items)))
            case syntax.Chain("product", items, ambiguous):
                if ambiguous:  # \sin x y: sin(x) y or sin(x y)?
                    _fail("ambiguous", function=ambiguous)
                return self.fold(Product(tuple((op, self.expr(k, depth + 1)) for op, k in items)))
            case syntax.Power(base, exponent):
                power = nodes.Pow(self.expr(base, depth + 1), self.expr(exponent, depth + 1))
                if isinstance(power.exponent, Num) and abs(power.exponent.value) > MAX_EXPONENT:
                    _fail("exponent", exponent=fmt(power.exponent.value), limit=MAX_EXPONENT)
                return self.fold(power)
            case syntax.Root(function, end, index, radicand):  # \sqrt[n]{x} is x^(1/n)
                if self.function(function) != "sqrt":
                    _fail("unexpected", token="'['", pos=end + 1)
                index_node, radicand_node = self.expr(index, depth + 1), self.expr(radicand, depth + 1)
                return self.fold(nodes.Pow(radicand_node, self.fold(_quotient(Num(1.0), index_node))))
            case syntax.Apply():
                return self.apply(t, depth)
        raise AssertionError(f"the grammar has a shape {t!r} that the reader does not know")  # pragma: no cover

    @staticmethod
    def function(typed: str) -> str:
        name = name_key(typed)
        return FUNCTION_ALIASES.get(name, name)

    def apply(self, t: syntax.Apply, depth: int) -> Node:
        name = self.function(t.function)
        low, high = FUNCTIONS[name]
        if not low <= len(t.args) <= high:
            count = "one argument" if high == 1 else f"{low} to {high} arguments"
            _fail("arguments", function=name, count=count, given=len(t.args))
        result = self.fold(nodes.Call(name, tuple(self.expr(a, depth + 1) for a in t.args)))
        if t.power is not None:  # \sin^2 x
            result = self.fold(nodes.Pow(result, self.expr(t.power, depth + 1)))
        return result

    def number(self, text: str) -> Node:
        digits = re.sub(r"[eE].*", "", text).replace(".", "").lstrip("0")
        if len(digits) > MAX_DIGITS:
            _fail("digits", number=syntax.quote(text), limit=MAX_DIGITS)
        return self.fold(Num(float(text)))

    def name(self, text: str) -> Node:
        names, key = self.spec["names"], name_key(text)
        if key in names:
            return Var(names[key])
        if key in CONSTANTS:
            return Num(CONSTANTS[key])
        pieces = split(subscripts(text), names)
        if pieces is None:
            allowed = ", ".join(self.spec["variables"] + list(CONSTANTS) + [f for f in FUNCTIONS if f != "ln"])
            _fail("unknown_name", name=syntax.quote(text), names=allowed)
        return Product(tuple(("mul", Var(names[piece])) for piece in pieces))

    def fold(self, node: Node) -> Node:
        """A node without variables is computed at once: 1/0 or e^1000 is refused whatever the points."""
        if isinstance(node, Num):
            if not math.isfinite(node.value):
                _fail("not_usable", reason=MESSAGES["large"])
            return node
        if not all(isinstance(c, Num) for c in nodes.children(node)):
            return node
        try:
            return Num(evaluate(node, []))
        except Undefined as u:
            _fail("not_usable", reason=MESSAGES[u.args[0]])


def parse_answer(answer: str, spec: dict) -> Tree:
    r"""Read ``answer`` over the variables of ``spec`` into an expression tree; raise AnswerSyntaxError if unusable.

    >>> import sympy as sp
    >>> from answers.spec import answer_spec
    >>> parse_answer(r"\frac{2}{x}", answer_spec(sp.Symbol("x")))
    Product(factors=(('mul', Num(value=2.0)), ('div', Var(index=0))))
    """
    if not isinstance(answer, str):
        raise TypeError(f"the answer must be a str, not {type(answer).__name__}")
    return Reader(spec).read(syntax.parse(answer))
