"""The expression tree an answer is read into: named nodes over the spec's variables.

Each node serialises (:func:`to_json`) to the positional form answer-box.js builds for the same answer,
``["product", [["mul", ["num", 2]], ["div", ["var", 0]]]]``: the page's reader and this one agree node
for node, and the tests compare the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Num:
    """A number (a constant part of the answer is computed as it is read)."""

    value: float


@dataclass(frozen=True)
class Var:
    """A variable of the spec, by its place in ``spec["variables"]``."""

    index: int


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class Call:
    """A function of the language (by its name in ``FUNCTIONS``) applied to its arguments."""

    function: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Pow:
    base: Node
    exponent: Node


@dataclass(frozen=True)
class Sum:
    """Terms added left to right, each with its sign: ``("add" | "sub", term)``."""

    terms: tuple[tuple[str, Node], ...]


@dataclass(frozen=True)
class Product:
    """Factors multiplied left to right, each with its operation: ``("mul" | "imul" | "div", factor)``."""

    factors: tuple[tuple[str, Node], ...]


@dataclass(frozen=True)
class Matrix:
    """A whole answer that is a matrix: its shape and its entries row by row."""

    rows: int
    cols: int
    entries: tuple[Node, ...]

    @property
    def shape(self) -> list[int]:
        return [self.rows, self.cols]


Node = Num | Var | Neg | Call | Pow | Sum | Product
Tree = Node | Matrix


def children(node: Node) -> list[Node]:
    """The nodes directly under ``node`` (none under a number or a variable)."""
    match node:
        case Neg(operand):
            return [operand]
        case Call(_, args):
            return list(args)
        case Pow(base, exponent):
            return [base, exponent]
        case Sum(items) | Product(items):
            return [child for _, child in items]
    return []


def to_json(tree: Tree) -> list[Any]:
    """The positional form of ``tree``, as answer-box.js holds it."""
    match tree:
        case Num(value):
            return ["num", value]
        case Var(index):
            return ["var", index]
        case Neg(operand):
            return ["neg", to_json(operand)]
        case Call(function, args):
            return ["call", function, [to_json(a) for a in args]]
        case Pow(base, exponent):
            return ["pow", to_json(base), to_json(exponent)]
        case Sum(items):
            return ["sum", [[sign, to_json(term)] for sign, term in items]]
        case Product(items):
            return ["product", [[op, to_json(factor)] for op, factor in items]]
        case Matrix(rows, cols, entries):
            return ["matrix", rows, cols, [to_json(e) for e in entries]]
    raise TypeError(f"not a node of an answer: {tree!r}")
