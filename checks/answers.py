r"""A safe checker for an answer a reader types: parsed by a whitelist grammar, never executed.

:func:`check_answer` turns the reader's text into a SymPy object with a small hand-written
tokenizer and recursive-descent parser, then decides whether it equals the expected
expression: symbolically when SymPy can show it quickly, else numerically at seeded random
points (drawn by :func:`checks.points.sample_points`). Reader text is never passed to
``eval``, ``exec``, ``compile``, ``sympify``, ``parse_expr`` or ``lambdify``; numbers are
evaluated by a small interpreter over a whitelist of SymPy node types.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> check_answer("2x e^{x^2}", 2 * x * sp.exp(x**2)).correct
True
>>> print(check_answer(r"-\sigma(x)(1 - \sigma(x))", sp.exp(-x) / (1 + sp.exp(-x)) ** 2).feedback)
... # doctest: +ELLIPSIS
Not quite: at x = ..., your answer gives ... but the expected value is .... The sign is flipped: ...

The grammar (everything else is an :class:`AnswerSyntaxError` that points at the offending part):

* numbers: ``3``, ``0.25``, ``.5``, ``1e-3``, ``2.5E+2`` (kept exact: ``0.1`` is ``1/10``);
* names: the free symbols of ``expected`` by name (``x``, ``w_1``, ``w_{1}``, ``w1``,
  ``W_{1,2}``, ``\alpha``/``alpha``/``α``), ``e`` and ``pi``/``\pi`` unless a symbol has that name;
  a run of letters that is no name is read as a product of symbol names (``xy`` is ``x*y``);
* operators: ``+``, ``-`` (also unary), ``*``, ``/``, ``^`` or ``**`` (right-associative, binds
  tighter than unary minus: ``-x^2`` is ``-(x^2)``), ``\cdot``, ``\times``, ``·``, ``×``, ``−``;
  implicit multiplication between factors (``2x``, ``2 x``, ``x y``, ``2(x+1)``, ``(a+b)(a-b)``),
  read left to right with ``*`` and ``/`` (``1/2x`` is ``x/2``); a number cannot follow a factor;
* grouping: ``( )``, ``{ }``, ``\left( \right)``, ``\left[ \right]``;
* functions: ``exp log ln sqrt sin cos tan sinh cosh tanh sigma max min abs`` (also with a
  backslash, and ``σ``), called as ``f(x)``, ``f{x}``, ``\f\left(x\right)`` or, LaTeX style, on
  the next factor (``\log x``, ``\sin^2 x``, ``\sin x \cos x``; ``\sin 2x`` is refused as
  ambiguous); ``sigma`` is the logistic function :math:`1/(1+e^{-x})` (an undefined SymPy function
  ``sigma`` in ``expected`` is read the same way); ``log`` is the natural logarithm;
* LaTeX: ``\frac{a}{b}`` (``\dfrac``, ``\tfrac``, ``\frac12``), ``\sqrt{x}``, ``\sqrt[3]{x}``,
  ``e^{..}``, spacing commands ``\, \; \: \!`` (ignored);
* matrices, as the whole answer only: ``[[a, b], [c, d]]`` (rows, as in ``sympy.Matrix``),
  ``[a, b]`` (a column, as in ``sympy.Matrix``), ``\begin{bmatrix} a & b \\ c & d \end{bmatrix}``
  (or ``pmatrix``). ``expected`` may be a SymPy Matrix of scalar expressions; a transposed answer
  is detected and named.

Limits, so that any input gets an answer within about a second: 2,000 characters, 1,000 tokens,
nesting depth 100, numeric literals of at most 50 digits (decimal exponents within ±300),
numeric exponents of at most 1000 in absolute value, exact numbers of at most 10,000 bits, and
every constant subexpression (``e^{e^{e^e}}``, ``log(-1)``) must be a real number of magnitude at
most 1e200, checked before SymPy builds on it (SymPy would evaluate it to arbitrary precision).
The symbolic check runs only on small differences (``count_ops`` ≤ 60, integer exponents ≤ 12)
and for at most half a second; the whole check is bounded by :data:`TIME_LIMIT` (both are
``SIGALRM`` timers, so they apply on the main thread only — elsewhere the static limits above
bound the work and the symbolic step is skipped); otherwise the numeric check at random points
decides, with relative tolerance :data:`RTOL`.

Equivalence at random points is a numeric judgement: an answer that differs from the expected
one by less than the tolerance everywhere on the sampled domain (say ``sigma(40) x`` for ``x``)
is accepted.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.core.sympify import _sympify

from checks.points import KINK_MARGIN, kink_expressions, sample_points

__all__ = ["AnswerSyntaxError", "AnswerVerdict", "check_answer", "parse_answer"]

MAX_LENGTH = 2000
MAX_TOKENS = 1000
MAX_DEPTH = 100
MAX_DIGITS = 50
MAX_DECIMAL_EXPONENT = 300
MAX_EXPONENT = 1000
MAX_BITS = 10_000
#: Numeric agreement: |a - e| <= RTOL * max(|a|, |e|) + ATOL.
RTOL = 1e-9
ATOL = 1e-12
#: How many points must agree, out of how many drawn at most.
POINTS = 8
MAX_DRAWS = 32
MIN_POINTS = 4
SYMBOLIC_MAX_OPS = 60
SYMBOLIC_MAX_POWER = 12
SYMBOLIC_SECONDS = 0.5
#: The whole check's time limit (a SIGALRM timer on the main thread; elsewhere only the static limits apply).
TIME_LIMIT = 0.8
#: Kink avoidance is skipped when Max/Min/Abs would give more than about this many kinks (pairs of arguments).
MAX_KINKS = 60

FUNCTIONS = ("exp", "log", "ln", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "sigma", "max", "min", "abs")
_FUNCTION_ARITY = {"max": (1, 20), "min": (1, 20)}

_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta",
    "θ": "theta", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho",
    "σ": "sigma", "τ": "tau", "φ": "phi", "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
    "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Σ": "Sigma", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
}  # fmt: skip
_GREEK_NAMES = frozenset(_GREEK.values()) | {"varepsilon", "varphi", "vartheta"}
_UNICODE_OPS = {"−": "-", "–": "-", "·": "*", "⋅": "*", "×": "*", "∗": "*", "÷": "/"}
_SPACING = frozenset(",;:! ")
_TIMES = frozenset({"cdot", "times"})
_FRAC = frozenset({"frac", "dfrac", "tfrac"})
_MATRIX_ENVS = frozenset({"bmatrix", "pmatrix", "matrix"})


class AnswerSyntaxError(ValueError):
    """The answer is outside the accepted grammar or limits; the message points at the offending part.

    ``position`` is the 0-based index of the offending character in the answer (or ``None``).
    """

    def __init__(self, message: str, text: str = "", position: int | None = None, hint: str = ""):
        self.reason = message
        self.text = text
        self.position = position
        full = _point_at(message, text, position)
        super().__init__(f"{full}\n{hint}" if hint else full)


@dataclass(frozen=True)
class AnswerVerdict:
    """The outcome of :func:`check_answer`.

    ``correct`` and ``feedback`` are what a reader sees; ``method`` is ``"symbolic"``,
    ``"numeric"`` or ``None`` (not correct); ``parsed`` is the SymPy object the answer was read as.
    """

    correct: bool
    feedback: str
    method: str | None = None
    parsed: sp.Basic | None = field(default=None, compare=False, repr=False)

    def __bool__(self) -> bool:
        return self.correct


def _point_at(message: str, text: str, position: int | None) -> str:
    if position is None or not text:
        return message
    start = max(0, position - 40)
    end = min(len(text), position + 40)
    snippet = re.sub(r"\s", " ", text[start:end])
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    caret = " " * (len(prefix) + position - start) + "^"
    return f"{message} at position {position + 1}:\n  {prefix}{snippet}{suffix}\n  {caret}"


# ----------------------------------------------------------------------------------------------
# Tokenizer
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # num, name, frac, sqrt, op, open, close, lbrack, rbrack, comma, amp, rowsep, mbegin, mend, end
    text: str  # number literal, name, operator, or the bracket character
    pos: int
    sub: str | None = None  # subscript of a name, without braces
    raw: str = ""  # as typed, for messages


_NUMBER = re.compile(r"(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?|\.(\d+)(?:[eE]([+-]?\d+))?")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_SUBSCRIPT_CHARS = re.compile(r"[A-Za-z0-9, ]*")
_BARE_SUBSCRIPT = re.compile(r"[0-9]+|[A-Za-z][A-Za-z0-9]*")


class _Tokenizer:
    def __init__(self, text: str):
        self.text = text
        self.i = 0
        self.tokens: list[_Token] = []

    def error(self, message: str, position: int) -> AnswerSyntaxError:
        return AnswerSyntaxError(message, self.text, position)

    def emit(self, kind: str, text: str, pos: int, sub: str | None = None) -> None:
        if len(self.tokens) >= MAX_TOKENS:
            raise self.error(f"the answer is too long (more than {MAX_TOKENS} tokens)", pos)
        self.tokens.append(_Token(kind, text, pos, sub, self.text[pos : self.i]))

    def run(self) -> list[_Token]:
        text = self.text
        while self.i < len(text):
            c = text[self.i]
            start = self.i
            if c.isspace():
                self.i += 1
            elif c.isdigit() or (c == "." and self.i + 1 < len(text) and text[self.i + 1].isdigit()):
                m = _NUMBER.match(text, self.i)
                self.i = m.end()
                self.emit("num", m.group(0), start)
            elif c.isascii() and c.isalpha():
                m = _WORD.match(text, self.i)
                self.i = m.end()
                self.name(m.group(0), start)
            elif c in _GREEK:
                self.i += 1
                self.name(_GREEK[c], start)
            elif c == "\\":
                self.command(start)
            elif c == "*" and text.startswith("**", self.i):
                self.i += 2
                self.emit("op", "^", start)
            elif c in "+-*/^":
                self.i += 1
                self.emit("op", c, start)
            elif c in _UNICODE_OPS:
                self.i += 1
                self.emit("op", _UNICODE_OPS[c], start)
            elif c in "({":
                self.i += 1
                self.emit("open", c, start)
            elif c in ")}":
                self.i += 1
                self.emit("close", c, start)
            elif c == "[":
                self.i += 1
                self.emit("lbrack", c, start)
            elif c == "]":
                self.i += 1
                self.emit("rbrack", c, start)
            elif c == ",":
                self.i += 1
                self.emit("comma", c, start)
            elif c == "&":
                self.i += 1
                self.emit("amp", c, start)
            else:
                raise self.error(f"unexpected {c!r}", start)
        self.tokens.append(_Token("end", "", len(text), None, ""))
        return self.tokens

    def subscript(self) -> str | None:
        """An optional ``_1``, ``_{1}``, ``_{1,2}`` or ``_in`` after a name."""
        text = self.text
        if self.i >= len(text) or text[self.i] != "_":
            return None
        self.i += 1
        if self.i < len(text) and text[self.i] == "{":
            close = text.find("}", self.i)
            body_end = close if close != -1 else len(text)
            m = _SUBSCRIPT_CHARS.match(text, self.i + 1, body_end)
            if m.end() != body_end:
                raise self.error(f"unexpected {text[m.end()]!r} in a subscript", m.end())
            if close == -1:
                raise self.error("unclosed '{' in a subscript", self.i)
            body = text[self.i + 1 : close].replace(" ", "")
            self.i = close + 1
        else:
            m = _BARE_SUBSCRIPT.match(text, self.i)  # w_1x_1 is w_1 * x_1
            if not m:
                raise self.error("expected a subscript after '_'", self.i)
            body = m.group(0)
            self.i = m.end()
        if not body:
            raise self.error("empty subscript", self.i - 1)
        return body

    def name(self, word: str, start: int) -> None:
        if len(word) > 50:
            raise self.error("name too long", start)
        sub = self.subscript()
        self.emit("name", word, start, sub)

    def command(self, start: int) -> None:
        text = self.text
        nxt = text[self.i + 1] if self.i + 1 < len(text) else ""
        if nxt in _SPACING:
            self.i += 2
            return
        if nxt == "\\":
            self.i += 2
            self.emit("rowsep", "\\\\", start)
            return
        m = _COMMAND.match(text, self.i)
        if not m:
            raise self.error("unexpected '\\'", start)
        word = m.group(1)
        self.i = m.end()
        if word in _TIMES:
            self.emit("op", "*", start)
        elif word in _FRAC:
            self.emit("frac", word, start)
        elif word == "sqrt":
            self.emit("sqrt", word, start)
        elif word in ("left", "right"):
            while self.i < len(text) and text[self.i].isspace():
                self.i += 1
            d = text[self.i] if self.i < len(text) else ""
            wanted = "([" if word == "left" else ")]"
            if not d or d not in wanted:
                raise self.error(f"\\{word} must be followed by one of {' '.join(wanted)}", self.i)
            self.i += 1
            self.emit("open" if word == "left" else "close", "(" if word == "left" else ")", start)
        elif word in ("begin", "end"):
            m2 = re.compile(r"\s*\{([A-Za-z]+)\}").match(text, self.i)
            if not m2 or m2.group(1) not in _MATRIX_ENVS:
                raise self.error(f"only \\{word}{{bmatrix}} and \\{word}{{pmatrix}} are understood", start)
            self.i = m2.end()
            self.emit("mbegin" if word == "begin" else "mend", m2.group(1), start)
        elif word in FUNCTIONS or word in _GREEK_NAMES or word == "pi":
            self.name(word, start)
        else:
            raise self.error(f"unknown LaTeX command '\\{word}'", start)


# ----------------------------------------------------------------------------------------------
# Names
# ----------------------------------------------------------------------------------------------


def _ascii_name(name: str) -> str:
    out = "".join(_GREEK.get(c, c) for c in name)
    return out.replace("\\", "").replace("{", "").replace("}", "").replace(" ", "")


class _Names:
    """Resolves typed names to the free symbols of the expected expression."""

    def __init__(self, symbols: Sequence[sp.Symbol]):
        self.symbols = sorted(symbols, key=lambda s: s.name)
        self.table: dict[str, sp.Symbol | None] = {}
        for key_fn in (_ascii_name, lambda n: _ascii_name(n).replace("_", "")):
            keys: dict[str, sp.Symbol | None] = {}
            for s in self.symbols:
                k = key_fn(s.name)
                keys[k] = None if k in keys and keys[k] != s else s  # None marks an ambiguous key
            for k, s in keys.items():
                self.table.setdefault(k, s)

    def symbol(self, word: str, sub: str | None) -> sp.Symbol | None:
        full = word if sub is None else f"{word}_{sub}"
        for key in (full, full.replace("_", "")):
            if key in self.table:
                found = self.table[key]
                if found is None:
                    raise KeyError(full)
                return found
        return None

    def split(self, word: str, sub: str | None) -> list[sp.Symbol] | None:
        """``xy`` as ``[x, y]`` when ``x`` and ``y`` are names (the subscript goes with the last piece)."""
        letters = re.match(r"[A-Za-z]*", word).group(0)
        tail = word[len(letters) :]
        if len(letters) < 2:
            return None
        memo: dict[int, list[sp.Symbol] | None] = {}

        def from_(i: int) -> list[sp.Symbol] | None:
            if i in memo:
                return memo[i]
            result = None
            for j in range(len(letters), i, -1):
                piece = letters[i:j]
                if j == len(letters):
                    if i == 0:
                        continue  # the whole word is not a split
                    last = self.symbol(piece + tail, sub) if (tail or sub) else self.symbol(piece, None)
                    if last is not None:
                        result = [last]
                        break
                elif piece in self.table and self.table[piece] is not None:
                    rest = from_(j)
                    if rest is not None:
                        result = [self.table[piece], *rest]
                        break
            memo[i] = result
            return result

        return from_(0)

    def describe(self) -> str:
        functions = ", ".join(f for f in FUNCTIONS if f != "ln")
        if not self.symbols:
            return f"The answer may use numbers and the functions {functions}."
        names = [s.name for s in self.symbols]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"The answer may use {listed} and the functions {functions}."


def _sigma(z: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-z))


_BUILDERS: dict[str, Callable[..., sp.Expr]] = {
    "exp": sp.exp,
    "log": sp.log,
    "ln": sp.log,
    "sqrt": sp.sqrt,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "sigma": _sigma,
    # built unevaluated: SymPy's own evaluation of Max/Min/Abs can take seconds on long arguments
    "max": lambda *args: sp.Max(*args, evaluate=False) if len(args) > 1 else args[0],
    "min": lambda *args: sp.Min(*args, evaluate=False) if len(args) > 1 else args[0],
    "abs": lambda arg: sp.Abs(arg, evaluate=False),
}


# ----------------------------------------------------------------------------------------------
# Parser
# ----------------------------------------------------------------------------------------------

_CLOSER = {"(": ")", "{": "}"}


class _Parser:
    def __init__(self, text: str, tokens: list[_Token], names: _Names):
        self.text = text
        self.tokens = tokens
        self.k = 0
        self.depth = 0
        self.names = names

    # -- helpers --
    @property
    def tok(self) -> _Token:
        return self.tokens[self.k]

    def advance(self) -> _Token:
        t = self.tokens[self.k]
        self.k += 1
        return t

    def error(self, message: str, token: _Token | None = None) -> AnswerSyntaxError:
        token = token or self.tok
        return AnswerSyntaxError(message, self.text, token.pos)

    def unexpected(self, token: _Token | None = None, hint: str = "") -> AnswerSyntaxError:
        token = token or self.tok
        if token.kind == "end":
            return self.error("the answer ends too early" + hint, token)
        return self.error(f"unexpected {token.raw or token.text!r}" + hint, token)

    @contextmanager
    def nested(self) -> Iterator[None]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the answer is nested too deeply (more than {MAX_DEPTH} levels)")
        try:
            yield
        finally:
            self.depth -= 1

    def expect_close(self, opener: _Token) -> None:
        want = _CLOSER[opener.text]
        t = self.tok
        if t.kind == "close" and t.text == want:
            self.advance()
            return
        if t.kind == "end":
            raise self.error(f"{opener.raw!r} is never closed", opener)
        raise self.unexpected(t, f" (expected {want!r} to close the {opener.raw!r} at position {opener.pos + 1})")

    # -- grammar --
    def answer(self) -> sp.Basic:
        if self.tok.kind == "end":
            raise AnswerSyntaxError("the answer is empty")
        if self.tok.kind in ("lbrack", "mbegin"):
            result = self.bracket_matrix() if self.tok.kind == "lbrack" else self.latex_matrix()
        else:
            result = self.expr()
        if self.tok.kind != "end":
            hint = " (missing operator?)" if self.tok.kind == "num" else ""
            raise self.unexpected(hint=hint)
        return result

    def expr(self) -> sp.Expr:
        with self.nested():
            terms = [self.term()]
            while self.tok.kind == "op" and self.tok.text in "+-":
                op = self.advance()
                right = self.term()
                terms.append(right if op.text == "+" else -right)
            return sp.Add(*terms)

    def starts_factor(self) -> bool:
        t = self.tok
        return t.kind in ("name", "frac", "sqrt", "open", "lbrack", "mbegin")

    def term(self) -> sp.Expr:
        with self.nested():
            factors = [self.unary()]  # one Mul at the end: building it pairwise is quadratic
            while True:
                t = self.tok
                if t.kind == "op" and t.text in "*/":
                    self.advance()
                    right = self.unary()
                    if t.text == "/" and right == 0:
                        raise self.error("division by zero", t)
                    factors.append(right if t.text == "*" else sp.Pow(right, -1))
                elif self.starts_factor():
                    factors.append(self.power())
                else:
                    return sp.Mul(*factors)

    def unary(self) -> sp.Expr:
        with self.nested():
            t = self.tok
            if t.kind == "op" and t.text in "+-":
                self.advance()
                operand = self.unary()
                return -operand if t.text == "-" else operand
            return self.power()

    def power(self) -> sp.Expr:
        with self.nested():
            base = self.primary()
            if self.tok.kind == "op" and self.tok.text == "^":
                op = self.advance()
                exponent = self.unary()
                return self.make_pow(base, exponent, op)
            return base

    def make_pow(self, base: sp.Expr, exponent: sp.Expr, op: _Token) -> sp.Expr:
        if exponent.is_Number:
            if abs(exponent) > MAX_EXPONENT:
                raise self.error(f"the exponent {_short(exponent)} is too large (at most {MAX_EXPONENT})", op)
            if base.is_Rational and exponent.is_Integer and abs(base) not in (0, 1):
                bits = max(base.p.bit_length(), base.q.bit_length()) * abs(int(exponent))
                if bits > MAX_BITS:
                    raise self.error(f"the number {_short(base)}^{_short(exponent)} is too large", op)
            if base.is_Rational and not exponent.is_Integer and max(base.p.bit_length(), base.q.bit_length()) > 128:
                raise self.error(f"the number {_short(base)} is too large to take a root of", op)
        if base == 0 and (exponent.is_negative or exponent == 0):
            raise self.error("0 to a non-positive power is undefined", op)
        self.constant(base, op, "the base")
        self.constant(exponent, op, "the exponent")
        return self.constant(sp.Pow(base, exponent), op, "this power")

    # Why a constant is refused; the limits are those of _evaluate (and its _UNARY table).
    _NOT_REASONABLE = (
        "is not a real number of reasonable size (at most 1e200; sin, cos and tan take arguments up to 1e6, "
        "sinh and cosh up to 460)"
    )

    def constant(self, value: sp.Expr, token: _Token, what: str) -> sp.Expr:
        """Refuse a constant that is not a real number of reasonable size, before SymPy works on it.

        SymPy evaluates constants numerically when it builds on them (``exp(e^{e^{e^e}})`` asks mpmath
        for billions of digits); checking each constant here, bottom up, keeps every one small.
        """
        if value.free_symbols:
            return value
        if value.is_Rational:
            if value.p.bit_length() - value.q.bit_length() > 665:  # |value| > ~1e200
                raise self.error(f"{what} {self._NOT_REASONABLE}", token)
            return value
        try:
            _evaluate(value, {}, allow_evalf=False)
        except (_Undefined, ValueError, TypeError, ArithmeticError):
            raise self.error(f"{what} {self._NOT_REASONABLE}", token) from None
        return value

    def primary(self) -> sp.Expr:
        t = self.tok
        if t.kind == "num":
            self.advance()
            return self.number(t)
        if t.kind == "open":
            self.advance()
            inner = self.expr()
            self.expect_close(t)
            return inner
        if t.kind == "name":
            return self.name()
        if t.kind == "frac":
            self.advance()
            numerator = self.latex_argument(t)
            denominator = self.latex_argument(t)
            if denominator == 0:
                raise self.error("division by zero", t)
            return sp.Mul(numerator, sp.Pow(denominator, -1))
        if t.kind == "sqrt":
            self.advance()
            if self.tok.kind == "lbrack":
                self.advance()
                index = self.expr()
                if self.tok.kind != "rbrack":
                    raise self.unexpected(hint=" (expected ']' after the root's index)")
                self.advance()
                if index == 0:
                    raise self.error("a 0th root is undefined", t)
                return self.make_pow(self.latex_argument(t), sp.Pow(index, -1), t)
            return sp.sqrt(self.latex_argument(t))
        if t.kind in ("lbrack", "mbegin"):
            raise self.error("a matrix must be the whole answer", t)
        raise self.unexpected(t)

    def latex_argument(self, command: _Token) -> sp.Expr:
        """The argument of ``\\frac`` or ``\\sqrt``: a group, or a single digit or name (``\\frac12``)."""
        t = self.tok
        if t.kind == "open":
            return self.primary()
        if t.kind == "num" and t.text.isdigit():
            if len(t.text) == 1:
                self.advance()
                return sp.Integer(int(t.text))
            if len(t.text) == 2 and command.kind == "frac":
                # \frac12 is \frac{1}{2}: split the literal into its two digits.
                self.tokens[self.k] = _Token("num", t.text[1], t.pos + 1, None, t.text[1])
                return sp.Integer(int(t.text[0]))
        if t.kind == "name":
            with self.nested():
                return self.name()
        raise self.unexpected(t, f" (put the argument of {command.raw} in braces)")

    def number(self, t: _Token) -> sp.Rational:
        m = _NUMBER.fullmatch(t.text)
        whole, frac, exp1, frac2, exp2 = m.groups()
        whole = whole or ""
        frac = frac if frac is not None else (frac2 or "")
        exponent = exp1 if exp1 is not None else exp2
        digits = (whole + frac).lstrip("0")
        if len(digits) > MAX_DIGITS:
            raise self.error(f"the number has too many digits (at most {MAX_DIGITS})", t)
        e10 = int(exponent) if exponent is not None and len(exponent.lstrip("+-")) <= 4 else None
        if exponent is not None and (e10 is None or abs(e10) > MAX_DECIMAL_EXPONENT):
            raise self.error(f"the number's exponent is too large (at most {MAX_DECIMAL_EXPONENT})", t)
        value = sp.Integer(int(whole + frac or "0"))
        scale = (e10 or 0) - len(frac)
        return value * sp.Integer(10) ** scale

    def name(self) -> sp.Expr:
        t = self.advance()
        word, sub = t.text, t.sub
        try:
            symbol = self.names.symbol(word, sub)
        except KeyError:
            raise AnswerSyntaxError(
                f"the name {t.raw!r} is ambiguous", self.text, t.pos, self.names.describe()
            ) from None
        if symbol is not None:
            return symbol
        if sub is None and word == "e":
            return sp.E
        if sub is None and word == "pi":
            return sp.pi
        if word in _BUILDERS:
            if sub is not None:
                raise self.error(f"the function {word} takes no subscript", t)
            return self.call(t)
        pieces = self.names.split(word, sub)
        if pieces:
            return sp.Mul(*pieces)
        raise AnswerSyntaxError(f"unknown name {t.raw!r}", self.text, t.pos, self.names.describe())

    def is_function_name(self, t: _Token) -> bool:
        return t.kind == "name" and t.text in _BUILDERS and t.sub is None and self.names.symbol(t.text, None) is None

    def call(self, t: _Token) -> sp.Expr:
        word = t.text
        power = None
        if self.tok.kind == "op" and self.tok.text == "^":  # \sin^2 x
            op = self.advance()
            with self.nested():
                power = (self.primary(), op)
        if self.tok.kind == "open":
            opener = self.advance()
            with self.nested():
                args = [self.expr()]
                while self.tok.kind == "comma":
                    self.advance()
                    args.append(self.expr())
            self.expect_close(opener)
        elif self.tok.kind in ("end", "op", "close", "comma", "rbrack", "amp", "rowsep", "mend"):
            raise self.error(f"the function {word} needs an argument, e.g. {word}(x)", t)
        else:
            with self.nested():
                args = [self.power()]
            if self.starts_factor() and not self.is_function_name(self.tok):
                # \sin 2x: sin(2x) or sin(2)x? Refuse to guess.
                raise self.error(f"put the argument of {t.raw} in parentheses, e.g. {t.raw}(...)", t)
        lo, hi = _FUNCTION_ARITY.get(word, (1, 1))
        if not lo <= len(args) <= hi:
            expected = "one argument" if hi == 1 else f"{lo} to {hi} arguments"
            raise self.error(f"the function {word} takes {expected}, not {len(args)}", t)
        if word in ("log", "ln") and args[0] == 0:
            raise self.error("log(0) is undefined", t)
        for arg in args:
            self.constant(arg, t, f"the argument of {word}")
        result = self.constant(_BUILDERS[word](*args), t, f"this {word}")
        if power is not None:
            result = self.make_pow(result, power[0], power[1])
        return result

    # -- matrices --
    def bracket_list(self) -> list:
        opener = self.advance()
        items: list = []
        with self.nested():
            while True:
                if self.tok.kind == "lbrack":
                    if self.depth >= 2:
                        raise self.error("matrices nest only two levels deep: [[a, b], [c, d]]")
                    items.append(self.bracket_list())
                else:
                    items.append(self.expr())
                if self.tok.kind == "comma":
                    self.advance()
                    continue
                if self.tok.kind == "rbrack":
                    self.advance()
                    return items
                if self.tok.kind == "end":
                    raise self.error("'[' is never closed", opener)
                raise self.unexpected(hint=" (expected ',' or ']')")

    def bracket_matrix(self) -> sp.Matrix:
        start = self.tok
        items = self.bracket_list()
        if all(isinstance(i, list) for i in items):
            rows = items
        elif any(isinstance(i, list) for i in items):
            raise self.error("mix of rows and entries; write [[a, b], [c, d]] or [a, b]", start)
        else:
            rows = [[i] for i in items]
        if len({len(r) for r in rows}) != 1:
            raise self.error("the rows of the matrix have different lengths", start)
        return sp.Matrix(rows)

    def latex_matrix(self) -> sp.Matrix:
        start = self.advance()
        rows: list[list[sp.Expr]] = [[]]
        while True:
            rows[-1].append(self.expr())
            t = self.tok
            if t.kind == "end":
                raise self.error(f"\\begin{{{start.text}}} is never ended", start)
            if t.kind not in ("amp", "rowsep", "mend"):
                raise self.unexpected(hint=" (expected '&', '\\\\' or \\end{...})")
            self.advance()
            if t.kind == "rowsep" and self.tok.kind == "mend":  # a trailing \\ before \end
                t = self.advance()
            if t.kind == "mend":
                if t.text != start.text:
                    raise self.error(f"\\begin{{{start.text}}} is ended by \\end{{{t.text}}}", t)
                break
            if t.kind == "rowsep":
                rows.append([])
        if len({len(r) for r in rows}) != 1:
            raise self.error("the rows of the matrix have different lengths", start)
        return sp.Matrix(rows)


def _short(number: sp.Expr) -> str:
    s = str(number)
    return s if len(s) <= 20 else s[:8] + "…" + s[-4:]


def parse_answer(answer: str, symbols: Sequence[sp.Symbol] = ()) -> sp.Basic:
    r"""Read ``answer`` as a SymPy expression (or Matrix) over ``symbols``, never executing it.

    >>> x, w_1 = sp.symbols("x w_1")
    >>> parse_answer(r"\frac{2 w_{1}}{1 + x^2}", [x, w_1])
    2*w_1/(x**2 + 1)
    >>> parse_answer("2(x+1)x", [x])
    2*x*(x + 1)
    >>> parse_answer("2x @ y", [x])
    Traceback (most recent call last):
      ...
    checks.answers.AnswerSyntaxError: unexpected '@' at position 4:
      2x @ y
         ^
    """
    if not isinstance(answer, str):
        raise TypeError(f"the answer must be a str, not {type(answer).__name__}")
    if len(answer) > MAX_LENGTH:
        raise AnswerSyntaxError(f"the answer is too long ({len(answer)} characters; at most {MAX_LENGTH})")
    if not answer.strip():
        raise AnswerSyntaxError("the answer is empty")
    tokens = _Tokenizer(answer).run()
    try:
        return _Parser(answer, tokens, _Names(list(symbols))).answer()
    except AnswerSyntaxError:
        raise
    except (ValueError, TypeError, ArithmeticError, RecursionError) as error:  # raised by SymPy while building
        raise AnswerSyntaxError(f"the answer could not be read: {type(error).__name__}: {error}") from None


# ----------------------------------------------------------------------------------------------
# Numeric evaluation: a whitelist interpreter over SymPy trees (no lambdify, which uses exec)
# ----------------------------------------------------------------------------------------------

_ctx = mpmath.MPContext()
_ctx.dps = 30
_HUGE = _ctx.mpf("1e200")


class _Undefined(Exception):
    """The expression has no finite real value at this point."""


_MPF = type(_ctx.mpf(0))


def _finite(v):
    if not isinstance(v, _MPF) or not _ctx.isfinite(v) or abs(v) > _HUGE:
        raise _Undefined
    return v


def _real_pow(b, e):
    if b == 0:
        if e <= 0:
            raise _Undefined
        return _ctx.mpf(0)
    if b < 0 and not _ctx.isint(e):
        raise _Undefined
    if abs(e) * abs(_ctx.log(abs(b))) > 460:
        raise _Undefined
    return _ctx.power(b, e)


def _guarded(fn, bound):
    def apply(v):
        if abs(v) > bound:
            raise _Undefined
        return fn(v)

    return apply


def _positive_log(v):
    if v <= 0:
        raise _Undefined
    return _ctx.log(v)


def _tan(v):
    if abs(_ctx.cos(v)) < 1e-25:
        raise _Undefined
    return _ctx.tan(v)


def _exp(v):
    if v > 460:
        raise _Undefined
    return _ctx.exp(v) if v > -1e5 else _ctx.mpf(0)


_UNARY = {
    sp.exp: _exp,
    sp.log: _positive_log,
    sp.sin: _guarded(_ctx.sin, 1e6),
    sp.cos: _guarded(_ctx.cos, 1e6),
    sp.tan: _guarded(_tan, 1e6),
    sp.sinh: _guarded(_ctx.sinh, 460),
    sp.cosh: _guarded(_ctx.cosh, 460),
    sp.tanh: _ctx.tanh,
    sp.Abs: abs,
    sp.sign: lambda v: _ctx.mpf((v > 0) - (v < 0)),
}


def _evaluate(expr: sp.Basic, env: dict, *, allow_evalf: bool):
    """The value of a scalar SymPy expression at ``env`` as an mpmath number, or raise _Undefined."""
    if expr.is_Symbol:
        return env[expr]
    if expr.is_Rational:
        return _finite(_ctx.mpf(expr.p) / expr.q)
    if expr.is_Float:
        return _finite(_ctx.mpf(expr._mpf_))
    if expr is sp.E:
        return _ctx.e
    if expr is sp.pi:
        return _ctx.pi
    if expr is sp.nan or expr is sp.I or expr.is_infinite:
        raise _Undefined  # e.g. log(-1) is I*pi
    args = expr.args
    if expr.is_Add:
        return _finite(_ctx.fsum(_evaluate(a, env, allow_evalf=allow_evalf) for a in args))
    if expr.is_Mul:
        result = _ctx.mpf(1)
        for a in args:
            result = _finite(result * _evaluate(a, env, allow_evalf=allow_evalf))
        return result
    if expr.is_Pow:
        b = _evaluate(args[0], env, allow_evalf=allow_evalf)
        e = _evaluate(args[1], env, allow_evalf=allow_evalf)
        return _finite(_real_pow(b, e))
    if expr.func in _UNARY and len(args) == 1:
        return _finite(_UNARY[expr.func](_evaluate(args[0], env, allow_evalf=allow_evalf)))
    if isinstance(expr, (sp.Max, sp.Min)):
        values = [_evaluate(a, env, allow_evalf=allow_evalf) for a in args]
        return max(values) if isinstance(expr, sp.Max) else min(values)
    if isinstance(expr, sp.Heaviside):
        v = _evaluate(args[0], env, allow_evalf=allow_evalf)
        if v == 0:
            raise _Undefined
        return _ctx.mpf(1 if v > 0 else 0)
    if not allow_evalf:
        raise TypeError(f"cannot evaluate {type(expr).__name__} in an answer")
    # The expected expression comes from the book, not from a reader: SymPy's own evalf may evaluate it.
    value = expr.xreplace({s: sp.Float(str(v), 30) for s, v in env.items()}).evalf(30)
    if not (value.is_number and value.is_extended_real and value.is_finite):
        raise _Undefined
    return _finite(_ctx.mpf(sp.Float(value, 30)._mpf_))


def _values(entries: Sequence[sp.Expr], env: dict, *, allow_evalf: bool) -> list | None:
    try:
        return [_evaluate(e, env, allow_evalf=allow_evalf) for e in entries]
    except (_Undefined, ZeroDivisionError, ValueError, OverflowError, TypeError):
        return None


def _close(a, b, rtol: float = RTOL) -> bool:
    return abs(a - b) <= rtol * max(abs(a), abs(b)) + ATOL


# ----------------------------------------------------------------------------------------------
# The check
# ----------------------------------------------------------------------------------------------


class _Timeout(BaseException):
    """Raised by the SIGALRM handler when the innermost :func:`_time_limit` runs out."""


_deadlines: list[float] = []  # the active time limits, innermost last (main thread only)


def _arm() -> None:
    remaining = _deadlines[-1] - time.monotonic()
    # keeps firing every 50 ms, in case something swallows the first _Timeout
    signal.setitimer(signal.ITIMER_REAL, max(remaining, 0.001), 0.05)


def _on_alarm(signum, frame) -> None:
    if not _deadlines:
        return
    if time.monotonic() >= _deadlines[-1] - 0.002:
        raise _Timeout
    _arm()


@contextmanager
def _time_limit(seconds: float) -> Iterator[bool]:
    """Interrupt the block with :class:`_Timeout` after ``seconds`` (nested limits keep the outer one).

    Yields True if a SIGALRM timer guards the block; False (and no limit) off the main thread,
    where signals cannot be used, or when someone else's interval timer is running.
    """
    outermost = not _deadlines
    previous = None
    if outermost:
        usable = (
            hasattr(signal, "SIGALRM")
            and threading.current_thread() is threading.main_thread()
            and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        )
        if not usable:
            yield False
            return
        previous = signal.signal(signal.SIGALRM, _on_alarm)
    deadline = time.monotonic() + seconds
    if not outermost:
        deadline = min(deadline, _deadlines[-1])
    _deadlines.append(deadline)
    try:
        _arm()
        yield True
    finally:
        _deadlines.pop()
        if _deadlines:
            _arm()
        else:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _remaining() -> float | None:
    return _deadlines[-1] - time.monotonic() if _deadlines else None


def _max_int_exponent(expr: sp.Basic) -> int:
    worst = 0
    for node in sp.preorder_traversal(expr):
        if node.is_Pow and node.exp.is_Integer:
            worst = max(worst, abs(int(node.exp)))
    return worst


def _symbolically_zero(differences: Sequence[sp.Expr]) -> bool:
    """True if SymPy shows every difference is 0 quickly; False if it cannot (or not in time)."""
    if all(d == 0 for d in differences):
        return True
    if sum(sp.count_ops(d) for d in differences) > SYMBOLIC_MAX_OPS:
        return False
    if max(_max_int_exponent(d) for d in differences) > SYMBOLIC_MAX_POWER:
        return False
    remaining = _remaining()
    if remaining is None:
        return False  # no timer to bound simplify with
    seconds = min(SYMBOLIC_SECONDS, remaining - 0.2)  # leave the outer limit time to report
    if seconds < 0.05:
        return False
    try:
        with _time_limit(seconds):
            return all(_simplifies_to_zero(d) for d in differences)
    except (_Timeout, Exception):  # the numeric check has already decided; this only upgrades it
        return False


def _simplifies_to_zero(d: sp.Expr) -> bool:
    if d == 0:
        return True
    d = d.doit()  # max, min and abs are built unevaluated
    # cheap to expensive: rational cancellation, then trig/hyperbolic via exp, then simplify
    return d == 0 or sp.cancel(d) == 0 or sp.cancel(d.rewrite(sp.exp)) == 0 or sp.simplify(d) == 0


def _logistic_for_sigma(expr: sp.Basic) -> sp.Basic:
    """Replace an undefined function ``sigma``/``σ`` in the expected expression by the logistic function."""
    return expr.replace(
        lambda e: isinstance(e, AppliedUndef) and e.func.__name__ in ("sigma", "σ") and len(e.args) == 1,
        lambda e: _sigma(e.args[0]),
    )


def _fmt(v) -> str:
    f = float(v)
    if f == 0:
        return "0"
    return f"{f:.4g}"


def _where(point: dict, symbols: Sequence[sp.Symbol]) -> str:
    if not symbols:
        return ""
    return "at " + ", ".join(f"{s.name} = {_fmt(point[s])}" for s in symbols) + ", "


def _shape(obj: sp.Basic) -> tuple[int, int] | None:
    return obj.shape if isinstance(obj, sp.MatrixBase) else None


def _describe_shape(shape: tuple[int, int] | None) -> str:
    return "a scalar" if shape is None else f"a {shape[0]}×{shape[1]} matrix"


def check_answer(
    answer: str,
    expected: sp.Basic,
    *,
    symbols: Sequence[sp.Symbol] = (),
    seed: int = 0,
    time_limit: float = TIME_LIMIT,
) -> AnswerVerdict:
    r"""Decide whether the reader's ``answer`` (text) equals ``expected`` (a SymPy expression or Matrix).

    The answer may use the free symbols of ``expected`` (and any extra ``symbols``, e.g. all the
    variables of an exercise) by name, in the grammar of this module's docstring; anything else
    raises :class:`AnswerSyntaxError`. ``expected`` is a scalar expression or a Matrix of them
    (compared entry by entry; a matrix answer is typed as ``[[a, b], [c, d]]`` or ``bmatrix``).
    ``seed`` seeds the random points; ``time_limit`` (seconds) bounds the whole check on the main
    thread (past it, :class:`AnswerSyntaxError` says the answer is too complex to check).

    A correct answer's feedback says how it was verified (symbolically, or at N random points).
    A wrong answer's feedback names a point where it differs, both values there, and a common
    slip when it sees one (sign flipped, a factor of 2 or another constant factor, a constant
    offset, a missing term or a term with the wrong sign, a transposed matrix).

    >>> x, y = sp.symbols("x y", real=True)
    >>> check_answer("x^2 y + 2xy", x**2 * y + 2 * x * y)
    AnswerVerdict(correct=True, feedback='Correct (verified symbolically).', method='symbolic')
    >>> print(check_answer("2 x^2 y", x**2 * y).feedback)  # doctest: +ELLIPSIS
    Not quite: at x = ..., y = ..., your answer gives ... It is 2 times the expected one: ...
    >>> check_answer("z", x)
    Traceback (most recent call last):
      ...
    checks.answers.AnswerSyntaxError: unknown name 'z' at position 1:
      z
      ^
    The answer may use x and the functions exp, log, sqrt, sin, cos, tan, sinh, cosh, tanh, sigma, max, min, abs.
    """
    if isinstance(expected, str):
        raise TypeError("expected must be a SymPy object, not a str")
    expected = expected if isinstance(expected, sp.MatrixBase) else _sympify(expected)
    expected = _logistic_for_sigma(expected)
    bad = [a for a in expected.free_symbols if not isinstance(a, sp.Symbol)]
    if bad:
        raise ValueError(f"expected may only have Symbols as free symbols, not {bad}")
    extra = [s for s in symbols if not isinstance(s, sp.Symbol)]
    if extra:
        raise TypeError(f"symbols must be SymPy Symbols, not {extra}")
    symbols = sorted(expected.free_symbols | set(symbols), key=lambda s: s.name)
    try:
        with _time_limit(time_limit):
            return _check(answer, expected, symbols, seed)
    except _Timeout:
        raise AnswerSyntaxError(
            f"the answer is too complex to check within the time limit ({time_limit:g} s); try a simpler form"
        ) from None


def _check(answer: str, expected: sp.Basic, symbols: list[sp.Symbol], seed: int) -> AnswerVerdict:
    parsed = parse_answer(answer, symbols)

    shape_a, shape_e = _shape(parsed), _shape(expected)
    a_entries = list(parsed) if shape_a else [parsed]
    e_entries = list(expected) if shape_e else [expected]
    if any(e.has(sp.zoo, sp.nan) for e in a_entries):
        return AnswerVerdict(False, "Your answer is undefined (it divides by zero).", None, parsed)

    points = _points(symbols, a_entries + e_entries, seed)
    kept: list[tuple[dict, list, list]] = []  # (point, answer values, expected values) where both are defined
    answer_undefined: tuple[dict, list] | None = None  # a point where only the expected side is defined
    for point in points:
        env = {s: _ctx.mpf(v) for s, v in point.items()}
        e_vals = _values(e_entries, env, allow_evalf=True)
        if e_vals is None:
            continue
        a_vals = _values(a_entries, env, allow_evalf=False)
        if a_vals is None:
            answer_undefined = answer_undefined or (point, e_vals)
            continue
        kept.append((point, a_vals, e_vals))
        if len(kept) == POINTS:
            break

    if shape_a != shape_e:
        return AnswerVerdict(False, _shape_feedback(parsed, expected, kept), None, parsed)

    wrong = next(
        ((p, a, e) for p, a, e in kept if not all(_close(ai, ei) for ai, ei in zip(a, e, strict=True))),
        None,
    )
    if wrong is not None:
        return AnswerVerdict(False, _wrong_feedback(wrong, kept, expected, symbols, shape_e), None, parsed)
    if answer_undefined is not None:
        point, e_vals = answer_undefined
        value = f"is {_fmt(e_vals[0])}" if not shape_e else "is defined"
        agrees = " (it agrees where both are defined)" if len(kept) >= MIN_POINTS else ""
        return AnswerVerdict(
            False,
            f"Not quite: your answer is undefined (or too large to evaluate) {_where(point, symbols)}"
            f"where the expected value {value}{agrees}.",
            None,
            parsed,
        )
    needed = MIN_POINTS if symbols else 1
    if len(kept) < needed:
        return AnswerVerdict(
            False,
            f"Cannot decide: only {len(kept)} of {len(points)} random points gave a finite value for both "
            "your answer and the expected one. Try writing your answer in a simpler form.",
            None,
            parsed,
        )
    differences = [a - e for a, e in zip(a_entries, e_entries, strict=True)]
    if _symbolically_zero(differences):
        return AnswerVerdict(True, "Correct (verified symbolically).", "symbolic", parsed)
    n = len(kept)
    where = f"at {n} random point{'s' if n != 1 else ''}" if symbols else "numerically"
    return AnswerVerdict(
        True,
        f"Correct (agrees with the expected answer {where} to a relative tolerance of {RTOL:g}).",
        "numeric",
        parsed,
    )


def _points(symbols: Sequence[sp.Symbol], entries: Sequence[sp.Expr], seed: int) -> list[dict]:
    """Up to MAX_DRAWS seeded points, those near a kink (of Max, Abs, ...) left out."""
    if not symbols:
        return [{}]
    candidates = sample_points(symbols, MAX_DRAWS * 2, seed=seed)
    work = sum(
        len(node.args) ** 2 if isinstance(node, (sp.Max, sp.Min)) else 1
        for e in entries
        for node in sp.preorder_traversal(e)
        if isinstance(node, (sp.Max, sp.Min, sp.Abs, sp.sign, sp.Heaviside, sp.Piecewise))
    )
    kinks = kink_expressions([sp.Matrix(list(entries))]) if work <= MAX_KINKS else []
    if not kinks:
        return candidates[:MAX_DRAWS]
    good = []
    for point in candidates:
        env = {s: _ctx.mpf(v) for s, v in point.items()}
        values = _values(kinks, env, allow_evalf=True)
        if values is not None and all(abs(v) >= KINK_MARGIN for v in values):
            good.append(point)
        if len(good) == MAX_DRAWS:
            break
    return good


def _shape_feedback(parsed: sp.Basic, expected: sp.Basic, kept: list) -> str:
    shape_a, shape_e = _shape(parsed), _shape(expected)
    message = f"Not quite: the expected answer is {_describe_shape(shape_e)}, but yours is {_describe_shape(shape_a)}."
    if shape_a and shape_e and shape_a == shape_e[::-1] and kept:
        n_rows, n_cols = shape_e
        transposed = all(
            _close(a[j * n_rows + i], e[i * n_cols + j])
            for _, a, e in kept
            for i in range(n_rows)
            for j in range(n_cols)
        )
        if transposed:
            message += (
                " Your answer is the transpose of the expected one: a gradient has the shape of the variable"
                " (numerator layout)."
            )
    return message


def _wrong_feedback(wrong: tuple, kept: list, expected: sp.Basic, symbols: Sequence[sp.Symbol], shape) -> str:
    point, a_vals, e_vals = wrong
    index = next(k for k, (ai, ei) in enumerate(zip(a_vals, e_vals, strict=True)) if not _close(ai, ei))
    entry = ""
    if shape:
        entry = f"in entry ({index // shape[1] + 1}, {index % shape[1] + 1}) "
    message = (
        f"Not quite: {entry}{_where(point, symbols)}your answer gives {_fmt(a_vals[index])} "
        f"but the expected value is {_fmt(e_vals[index])}."
    )
    slips = _slips(kept, expected, symbols, shape)
    if slips:
        message += " " + slips
    return message


def _slips(kept: list, expected: sp.Basic, symbols: Sequence[sp.Symbol], shape) -> str:
    pairs = [(ai, ei) for _, a, e in kept for ai, ei in zip(a, e, strict=True)]
    if shape and shape[0] == shape[1] and shape[0] > 1:
        n = shape[0]
        if all(_close(a[j * n + i], e[i * n + j]) for _, a, e in kept for i in range(n) for j in range(n)):
            return (
                "Your answer is the transpose of the expected one: a gradient has the shape of the variable"
                " (numerator layout)."
            )
    nonzero = [(a, e) for a, e in pairs if abs(e) > 1e-9]
    if nonzero and all(abs(a) > 1e-9 or abs(e) <= 1e-9 for a, e in pairs):
        ratio = nonzero[0][0] / nonzero[0][1]
        if all(_close(a, ratio * e, 1e-7) for a, e in pairs):
            if _close(ratio, -1, 1e-7):
                return "The sign is flipped: your answer is −1 times the expected one."
            if _close(ratio, 2, 1e-7):
                return "It is 2 times the expected one: a factor of 2 too many."
            if _close(ratio, 0.5, 1e-7):
                return "It is half the expected one: a factor of 2 is missing."
            if len(pairs) > 1:  # any single wrong value is "a multiple" of the right one
                return f"It is a constant multiple ({_fmt(ratio)}) of the expected one."
    if symbols and len(kept) > 1:
        offset = pairs[0][0] - pairs[0][1]
        if all(_close(a - e, offset, 1e-7) for a, e in pairs):
            return f"It differs from the expected one by a constant ({_fmt(offset)})."
    if not shape and expected.is_Add and len(expected.args) <= 12:
        for term in expected.args:
            t_vals = []
            for point, _, _ in kept:
                env = {s: _ctx.mpf(v) for s, v in point.items()}
                values = _values([term], env, allow_evalf=True)
                if values is None:
                    break
                t_vals.append(values[0])
            else:
                if all(_close(a[0], e[0] - t) for (_, a, e), t in zip(kept, t_vals, strict=True)):
                    return f"It looks like the term {sp.sstr(term)} is missing."
                if all(_close(a[0], e[0] - 2 * t) for (_, a, e), t in zip(kept, t_vals, strict=True)):
                    return f"It looks like the term {sp.sstr(term)} has the wrong sign."
    return ""
