"""The value of an expression tree at a point, in floats, or the reason it has none (:class:`Undefined`)."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence

from answers.language import ATOL, MAX_EXPONENT, MESSAGES, RTOL, AnswerSyntaxError, Undefined, message
from answers.nodes import Call, Matrix, Neg, Node, Num, Pow, Sum, Tree, Var


def _sigma(v: float) -> float:
    if v >= 0:
        return 1 / (1 + math.exp(-v))
    z = math.exp(v)
    return z / (1 + z)


def _domain(ok: bool, reason: str) -> None:
    if not ok:
        raise Undefined(reason)


def _checked(ok: bool, reason: str, function: Callable[[float], float], v: float) -> float:
    """``function(v)``, or Undefined with ``reason`` if ``v`` is outside its domain."""
    _domain(ok, reason)
    return function(v)


FUNCTION_VALUES: dict[str, Callable[..., float]] = {
    "exp": math.exp, "sin": math.sin, "cos": math.cos, "tan": math.tan, "sinh": math.sinh, "cosh": math.cosh,
    "tanh": math.tanh, "sigma": _sigma, "abs": abs, "max": lambda *v: max(v), "min": lambda *v: min(v),
    "log": lambda v: _checked(v > 0, "log", math.log, v),
    "sqrt": lambda v: _checked(v >= 0, "sqrt", math.sqrt, v),
}  # fmt: skip


def _power(b: float, e: float) -> float:
    _domain(b != 0 or e > 0, "zero_power")
    _domain(b >= 0 or e == int(e), "root")
    _domain(abs(e) <= MAX_EXPONENT, "large")
    return math.pow(b, e)


def _divide(a: float, b: float) -> float:
    _domain(b != 0, "divide")
    return a / b


_OPERATIONS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "imul": operator.mul, "div": _divide}


def evaluate(node: Node, point: Sequence[float]) -> float:
    """The value of an expression tree at ``point`` (values of the variables), or Undefined."""
    match node:
        case Num(value):
            return value
        case Var(index):
            return point[index]
    try:
        match node:
            case Neg(operand):
                value = -evaluate(operand, point)
            case Call(function, args):
                value = FUNCTION_VALUES[function](*[evaluate(a, point) for a in args])
            case Pow(base, exponent):
                value = _power(evaluate(base, point), evaluate(exponent, point))
            case _:  # a sum or a product, left to right
                value = 0.0 if isinstance(node, Sum) else 1.0
                for op, operand in node.terms if isinstance(node, Sum) else node.factors:
                    value = _OPERATIONS[op](value, evaluate(operand, point))
    except OverflowError:
        raise Undefined("large") from None
    if not math.isfinite(value):
        raise Undefined("large")
    return value


def values(tree: Tree, point: Sequence[float]) -> list[float | str]:
    """The answer's entries at ``point``: each a value, or the catalogue key of why it has none."""
    found: list[float | str] = []
    for entry in tree.entries if isinstance(tree, Matrix) else (tree,):
        try:
            found.append(evaluate(entry, point))
        except Undefined as u:
            found.append(u.args[0])
    return found


def undefined(got: list) -> list[str | None]:
    """At each point, why the answer has no value there (its first entry without one), or None."""
    return [next((v for v in g if isinstance(v, str)), None) for g in got]


def require_a_value_somewhere(reasons: list[str | None]) -> None:
    """AnswerSyntaxError, naming why at the first point, if the answer has a value at none of them."""
    first = reasons[0]
    if first is not None and all(reasons):
        raise AnswerSyntaxError(message("nowhere", reason=MESSAGES[first]))


def agrees(value: float | str, want: float) -> bool:
    """Whether an entry's value (or the reason it has none) agrees with the expected value."""
    return not isinstance(value, str) and close(value, want)


def close(a: float, b: float) -> bool:
    """Whether two values agree: ``|a - b| <= RTOL * max(|a|, |b|) + ATOL``."""
    return abs(a - b) <= RTOL * max(abs(a), abs(b)) + ATOL
