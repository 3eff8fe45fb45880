"""What was typed: the text parsed by ``grammar.lark`` (lark, LALR) and turned into named syntax nodes.

:class:`Shapes` is a lark ``Transformer`` that only gives the parse tree's shapes names: a chain
``a + b - c`` becomes one :class:`Chain`, ``\\frac{a}{b}`` a :class:`Frac`, ``\\sin^2 x`` a :class:`Apply`.
It checks nothing; :mod:`answers.reader` then reads these nodes against a box's spec, top down, in
the order answer-box.js reads lark-js's tree. Every node keeps its ``span`` in the text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from lark import Lark, Token, Transformer_NonRecursive
from lark.exceptions import UnexpectedCharacters, UnexpectedToken

from answers.language import (
    FUNCTIONS,
    MATH_ALPHANUMERIC,
    MAX_LENGTH,
    SUPERSCRIPT_DIGITS,
    AnswerSyntaxError,
    message,
)
from answers.names import name_key

GRAMMAR = Path(__file__).with_name("grammar.lark")
Span = tuple[int, int]


@dataclass(frozen=True)
class Number:
    text: str
    span: Span


@dataclass(frozen=True)
class Name:
    text: str
    span: Span


@dataclass(frozen=True)
class FracDigits:
    """``\\frac12``: two digits, numerator and denominator."""

    text: str
    span: Span


@dataclass(frozen=True)
class Neg:
    operand: Syntax
    span: Span


@dataclass(frozen=True)
class Frac:
    numerator: Syntax
    denominator: Syntax
    span: Span


@dataclass(frozen=True)
class Power:
    base: Syntax
    exponent: Syntax
    span: Span


@dataclass(frozen=True)
class Chain:
    """Operands joined left to right by one kind of operator: ``kind`` is ``"sum"`` (items ``("add" | "sub",
    operand)``) or ``"product"`` (``("mul" | "div" | "imul", operand)``), the first item's operator the kind's
    first. ``ambiguous`` names the function of a LaTeX-style argument followed by a factor (``\\sin x y``)."""

    kind: str
    items: tuple[tuple[str, Syntax], ...]
    ambiguous: str
    span: Span


@dataclass(frozen=True)
class Apply:
    """A function applied: ``rule`` is the grammar's (``call``, ``call_power``, ``call_bare``,
    ``call_power_bare``), ``function`` the name as typed, ``power`` the exponent of ``\\sin^2 x``."""

    rule: str
    function: str
    args: tuple[Syntax, ...]
    power: Syntax | None
    span: Span


@dataclass(frozen=True)
class Root:
    """``\\sqrt[index]{radicand}`` (``function`` as typed, which must be sqrt; ``end`` where it ends)."""

    function: str
    end: int
    index: Syntax
    radicand: Syntax
    span: Span


@dataclass(frozen=True)
class Row:
    entries: tuple[Syntax, ...]
    span: Span


@dataclass(frozen=True)
class Brackets:
    """``[[a, b], [c, d]]`` (rows) or ``[a, b]`` (a column), or a mix of the two, which the reader refuses."""

    items: tuple[Row | Syntax, ...]
    span: Span


@dataclass(frozen=True)
class LatexMatrix:
    begin: str
    end: str
    rows: tuple[Row, ...]
    span: Span


Syntax = Number | Name | FracDigits | Neg | Frac | Power | Chain | Apply | Root
Typed = Syntax | Brackets | LatexMatrix


def _where(token: Token) -> Span:
    """Where ``token`` starts and ends in the text (the lexer sets both for every token it makes)."""
    assert token.start_pos is not None and token.end_pos is not None, f"{token!r} has no position"
    return token.start_pos, token.end_pos


def _span(children: list) -> Span:
    """Where the tokens under ``children`` start and end in the text."""
    spans = [_where(c) if isinstance(c, Token) else c.span for c in children]
    return min(low for low, _ in spans), max(high for _, high in spans)


def ends_bare(node: Syntax) -> str:
    """The function whose LaTeX-style argument (\\sin x) ends ``node``, if one does."""
    if isinstance(node, Apply) and node.rule in ("call_bare", "call_power_bare"):
        return name_key(node.function)
    if isinstance(node, Neg):
        return ends_bare(node.operand)
    if isinstance(node, Chain) and node.kind == "product":
        return ends_bare(node.items[-1][1])
    return ""


class Shapes(Transformer_NonRecursive):
    """The parse tree as named nodes (non-recursive: a sum of a thousand terms is a thousand levels deep)."""

    def NUMBER(self, token: Token) -> Number:
        return Number(token.value, _where(token))

    def SUPERSCRIPT(self, token: Token) -> Number:
        return Number(token.value.translate(SUPERSCRIPT_DIGITS), _where(token))

    def NAME(self, token: Token) -> Name:
        return Name(token.value, _where(token))

    def name(self, children: list) -> Name:
        return children[0]

    def bare(self, children: list) -> Number:
        return children[0]

    def frac_digits(self, children: list) -> FracDigits:
        return FracDigits(children[0].value, _span(children))

    def neg(self, children: list) -> Neg:
        return Neg(children[0], _span(children))

    def frac(self, children: list) -> Frac:
        return Frac(children[1], children[2], _span(children))

    def pow(self, children: list) -> Power:
        return Power(children[0], children[1], _span(children))

    def _chain(self, kind: str, first: str, operator: str, children: list) -> Chain:
        left, right = children
        if isinstance(left, Chain) and left.kind == kind:
            items, ambiguous = left.items, left.ambiguous
        else:
            items, ambiguous = ((first, left),), ""
        if operator == "imul" and ends_bare(items[-1][1]) and not isinstance(right, Apply | Root):
            ambiguous = ends_bare(items[-1][1])  # the last such factor is the first the reader meets
        return Chain(kind, (*items, (operator, right)), ambiguous, _span(children))

    def add(self, children: list) -> Chain:
        return self._chain("sum", "add", "add", children)

    def sub(self, children: list) -> Chain:
        return self._chain("sum", "add", "sub", children)

    def mul(self, children: list) -> Chain:
        return self._chain("product", "mul", "mul", children)

    def div(self, children: list) -> Chain:
        return self._chain("product", "mul", "div", children)

    def imul(self, children: list) -> Chain:
        return self._chain("product", "mul", "imul", children)

    def args(self, children: list) -> tuple:
        return tuple(children)

    def _apply(self, rule: str, children: list) -> Apply:
        function, *rest = children
        argument = rest[-1]
        args = argument if isinstance(argument, tuple) else (argument,)
        power = rest[0] if len(rest) == 2 else None
        return Apply(rule, function.value, args, power, _span([function, *args, *rest[:-1]]))

    def call(self, children: list) -> Apply:
        return self._apply("call", children)

    def call_power(self, children: list) -> Apply:
        return self._apply("call_power", children)

    def call_bare(self, children: list) -> Apply:
        return self._apply("call_bare", children)

    def call_power_bare(self, children: list) -> Apply:
        return self._apply("call_power_bare", children)

    def root(self, children: list) -> Root:
        function, index, radicand = children
        return Root(function.value, function.end_pos, index, radicand, _span(children))

    def row(self, children: list) -> Row:
        return Row(tuple(children), _span(children))

    lrow = row

    def brackets(self, children: list) -> Brackets:
        return Brackets(tuple(children), _span(children))

    def latex_matrix(self, children: list) -> LatexMatrix:
        begin, *rows, end = children
        return LatexMatrix(begin.value, end.value, tuple(rows), _span(children))


@functools.cache
def answer_parser() -> Lark:
    """The parser of ``grammar.lark``; the build serializes this very parser to JavaScript."""
    return Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="basic")


def normalize(answer: str) -> str:
    """Letters of Unicode's mathematical alphabets as plain ones (see MATH_ALPHANUMERIC)."""
    return re.sub(MATH_ALPHANUMERIC, lambda m: unicodedata.normalize("NFKC", m[0]), answer)


def quote(text: str) -> str:
    return "'" + (text if len(text) <= 20 else text[:20] + "…") + "'"


def parse(answer: str) -> Typed:
    """The typed text as syntax nodes; AnswerSyntaxError, with a plain message, if the grammar refuses it."""
    answer = normalize(answer)
    if len(answer) > MAX_LENGTH:
        raise AnswerSyntaxError(message("too_long", length=len(answer), limit=MAX_LENGTH))
    if not answer.strip():
        raise AnswerSyntaxError(message("empty"))
    try:
        tree = answer_parser().parse(answer)
    except UnexpectedCharacters as e:
        at = e.pos_in_stream
        assert at is not None, "lark names where the character it refused is"
        raise AnswerSyntaxError(message("character", char=quote(answer[at]), pos=at + 1)) from None
    except UnexpectedToken as e:  # a token out of place; the LALR parser reports the end of the text as $END
        token = e.token
        bare = _bare_function(answer[: len(answer) if token.type == "$END" else token.start_pos])
        if bare:
            raise AnswerSyntaxError(message("bare_function", function=bare)) from None
        if token.type == "$END":
            raise AnswerSyntaxError(message("ends_early")) from None
        key = "missing_operator" if token.type == "NUMBER" else "unexpected"
        raise AnswerSyntaxError(message(key, token=quote(token.value), pos=_where(token)[0] + 1)) from None
    return Shapes(visit_tokens=True).transform(tree)  # a lone number or name is a token, and transformed too


def _bare_function(before: str) -> str | None:
    """The function named just before a token out of place (``1 - sigma)``), which lacks its argument."""
    name = re.search(r"\\?([A-Za-z]+|[^\W\d_])\s*$", before)
    function = name and ("sigma" if name[1] == "σ" else name_key(name[1]))
    return function if function in FUNCTIONS else None
