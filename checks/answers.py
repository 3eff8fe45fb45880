r"""A safe checker for an answer a reader types: parsed by a grammar, evaluated by a small interpreter.

One language, one verdict, in Python and in the page. The grammar is ``answer_grammar.lark``: this
module parses with it (lark, LALR), and the book's Sphinx extension compiles the same parser to
JavaScript (lark-js) for the answer boxes, together with :data:`LANGUAGE` (the function list, the
limits, the tolerance and the feedback catalogue). ``book/_ext/static/answer-box.js`` repeats
:func:`judge` step for step; ``tests/answer_cases.yml`` runs one table of answers through both.

The verdict compares the answer with the expected expression at seeded random points drawn from each
symbol's domain (:func:`answer_spec`; a page's box carries the same points and values). It is one of

* ``correct``: equal at every point, to :data:`RTOL`;
* ``incorrect``: the first point where it differs, both values, and a named slip where one fits
  (sign, a factor of 2 or another constant, a constant offset, a transposed matrix, and, term by
  term, a missing term, a term with the wrong sign or counted twice);
* ``invalid``: text outside the language or the limits, or a formula that cannot be evaluated
  (division by zero, overflow, a wrong number of arguments), with a plain message.

Reader text is never given to ``eval``, ``exec``, ``sympify``, ``parse_expr`` or ``lambdify``.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> check_answer(r"2x e^{x^2}", 2 * x * sp.exp(x**2)).verdict
'correct'
>>> print(check_answer(r"-\sigma(x)(1 - \sigma(x))", sp.exp(-x) / (1 + sp.exp(-x)) ** 2).feedback)
... # doctest: +NORMALIZE_WHITESPACE
Not quite: at x = 0.5478, your answer gives -0.2321 but the expected value is 0.2321.
The sign is flipped: your answer is −1 times the expected one.

The language, in short: numbers (``3``, ``0.25``, ``1e-3``); the expected expression's symbols by
name (``w_1``, ``w_{1}``, ``w1``; ``alpha``, ``\alpha``, ``α``; a run of letters as a product of
names, ``xy``), ``e`` and ``pi``; ``+ - * / ^ **`` and their Unicode and LaTeX forms (``−``, ``·``,
``×``, ``\cdot``, ``\times``); implicit multiplication (``2x``, ``x y``, ``x (1 - x)``), read left
to right with ``*`` and ``/`` (``1/2x`` is ``x/2``); ``( )``, ``{ }``, ``\left( \right)``; the
functions of :data:`FUNCTIONS` as ``f(x)``, ``\f{x}`` or LaTeX style ``\log x``, ``\sin^2 x``;
``sigma``/``σ`` is the logistic function; ``\frac{a}{b}``, ``\frac12``, ``\sqrt[3]{x}``; and, as
the whole answer, a matrix ``[[a, b], [c, d]]``, a column ``[a, b]`` or ``\begin{bmatrix}``.
"""

from __future__ import annotations

import copy
import decimal
import functools
import itertools
import math
import operator
import re
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import sympy as sp
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput
from sympy.core.function import AppliedUndef
from sympy.core.sympify import _sympify

from checks.points import kink_expressions, sample_points

__all__ = [
    "LANGUAGE", "AnswerSyntaxError", "AnswerVerdict", "DerivationVerdict", "LineVerdict", "answer_spec", "check_answer",
    "check_derivation", "derivation_spec", "judge", "judge_derivation", "parse_answer",
]  # fmt: skip

GRAMMAR = Path(__file__).with_name("answer_grammar.lark")
MAX_LENGTH = 2000  # characters
MAX_NODES = 1000  # numbers, names and operations
MAX_DEPTH = 100  # levels of nesting
MAX_DIGITS = 50  # in one number
MAX_EXPONENT = 1000  # |exponent| of a power
# Seconds for one check: a backstop only. The size limits above already keep a check near 0.1 s; a
# tighter clock turned right answers into "too complex" on a loaded machine.
TIME_LIMIT = 5.0
MAX_LINES = 30  # lines of a derivation; each line is held to the limits above
MAX_DERIVATION_LENGTH = 8000  # characters of a whole derivation
#: Between a derivation line's expression and its optional reason: # is no character of the answer language.
REASON_MARK = "#"
#: Agreement: |answer - expected| <= RTOL * max(|answer|, |expected|) + ATOL.
RTOL = 1e-9
ATOL = 1e-12
POINTS = 8
MAX_TERMS = 12  # a sum with more terms is not searched term by term for a slip
# The format of answer_spec's dict; the page checks it, so a box from a stale execution cache fails the build.
SPEC_VERSION = 2
#: Each function with its least and greatest number of arguments; ``log`` is natural, ``ln`` the same.
FUNCTIONS = {
    "exp": [1, 1], "log": [1, 1], "ln": [1, 1], "sqrt": [1, 1], "sin": [1, 1], "cos": [1, 1], "tan": [1, 1],
    "sinh": [1, 1], "cosh": [1, 1], "tanh": [1, 1], "sigma": [1, 1], "abs": [1, 1], "max": [1, 20], "min": [1, 20],
}  # fmt: skip
GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ϵ": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ϑ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu",
    "ξ": "xi", "π": "pi", "ρ": "rho", "τ": "tau", "υ": "upsilon", "φ": "phi", "ϕ": "phi", "χ": "chi",
    "ψ": "psi", "ω": "omega", "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Σ": "Sigma",
    "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega", "varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi",
}  # fmt: skip
#: Every sentence a reader can be shown, on either side; {name} is filled in.
MESSAGES = {
    "correct": "Correct: your answer agrees with the expected one at all {n} check points.",
    "wrong": "Not quite: {entry}{where}your answer gives {got} but the expected value is {want}.",
    "wrong_undefined": "Not quite: {entry}{where}your answer {reason}, but the expected value is {want}.",
    "entry": "in entry ({row}, {col}), ",
    "shape": "Not quite: the expected answer is {want}, but yours is {got}.",
    "scalar": "a number",
    "matrix": "a {rows}×{cols} matrix",
    "transposed": "Your answer is the transpose of the expected one: a gradient has the shape of its variable.",
    "sign": "The sign is flipped: your answer is −1 times the expected one.",
    "double": "It is 2 times the expected one: a factor of 2 too many.",
    "half": "It is half the expected one: a factor of 2 is missing.",
    "multiple": "It is a constant multiple ({ratio}) of the expected one.",
    "offset": "It differs from the expected one by a constant ({offset}).",
    "term_missing": "The term {term} seems to be missing.",
    "term_sign": "The term {term} seems to have the wrong sign.",
    "term_double": "The term {term} seems to be counted twice.",
    "term_half": "The term {term} seems to be half what it should be.",
    "empty": "Type a formula first.",
    "too_long": "The answer is too long ({length} characters; at most {limit}).",
    "too_big": "The answer is too long (more than {limit} numbers, names and operations).",
    "too_deep": "The answer is nested too deeply (more than {limit} levels).",
    "character": "The answer cannot contain {char} (position {pos}).",
    "unexpected": "Unexpected {token} at position {pos}.",
    "missing_operator": "Unexpected {token} at position {pos}: is an operator missing before it?",
    "ends_early": "The answer ends too early: something is missing at the end.",
    "bare_function": "{function} is a function: give it its argument in parentheses, as {function}(x).",
    "unknown_name": "Unknown name {name}: the answer may use {names}.",
    "arguments": "{function} takes {count}, not {given}.",
    "ambiguous": "Put the argument of {function} in parentheses, e.g. {function}(…): it is not clear where it ends.",
    "digits": "The number {number} has too many digits (at most {limit}).",
    "exponent": "The exponent {exponent} is too large (at most {limit}).",
    "not_usable": "This is not a usable formula: it {reason}.",
    "nowhere": "This is not a usable formula: it {reason} at every check point.",
    "rows": "The rows of the matrix have different lengths.",
    "mixed": "Write a matrix as [[a, b], [c, d]] (its rows) or [a, b] (a column), not a mix of the two.",
    "environments": "{begin} is closed by {end}.",
    "time": "The answer is too complex to check in time: try a simpler form.",
    "divide": "divides by zero",
    "log": "takes the logarithm of a number that is not positive",
    "sqrt": "takes the square root of a negative number",
    "root": "takes a fractional power of a negative number",
    "zero_power": "raises 0 to a power that is not positive",
    "large": "gives a number too large to work with",
    # A derivation box: one line per step, each judged against the one before (check_derivation).
    "line": "Line {line} {mark} {text}",
    "follows": "follows from {previous}.",
    "follows_where_defined": "follows from {previous} wherever it has a value; {where}it has none: it {reason}.",
    "does_not_follow": "does not follow from {previous}: {entry}{where}this line gives {got} but {previous} gives "
    "{want}.",
    "does_not_follow_shape": "does not follow from {previous}: {previous} is {want}, but this line is {got}.",
    "no_common_point": "has no value at any check point where {previous} has one, so the two cannot be compared.",
    "unchecked": "is not checked until line {line} is put right.",
    "the_start": "the start",
    "line_before": "line {line}",
    "step_transposed": "This line is the transpose of {previous}: a gradient has the shape of its variable.",
    "step_sign": "The sign is flipped: this line is −1 times {previous}.",
    "step_double": "It is 2 times {previous}: a factor of 2 too many.",
    "step_half": "It is half of {previous}: a factor of 2 is missing.",
    "step_multiple": "It is a constant multiple ({ratio}) of {previous}.",
    "step_offset": "It differs from {previous} by a constant ({offset}).",
    "step_term_missing": "The term {term} of {previous} seems to be missing.",
    "step_term_sign": "The term {term} of {previous} seems to have the wrong sign.",
    "step_term_double": "The term {term} of {previous} seems to be counted twice.",
    "step_term_half": "The term {term} of {previous} seems to be half what it should be.",
    "derivation_complete": "Correct and complete: {lines} from the one before, and the last is the result.",
    "derivation_unfinished": "Correct so far but unfinished: {lines} from the one before, but the last still uses "
    "{extra}; the result is written with {allowed} only.",
    "derivation_wrong": "Not quite: line {line} does not follow from {previous}.",
    "derivation_invalid": "Line {line} cannot be checked: {reason}",
    "one_line": "your one line follows",
    "all_lines": "all {count} lines follow",
    "numbers_only": "numbers",
    "too_many_lines": "The derivation has too many lines ({count}; at most {limit}).",
    "derivation_too_long": "The derivation is too long ({length} characters; at most {limit}).",
    "derivation_empty": "Type the first step of your derivation first.",
}
#: The mark before a derivation line's words, by the line's verdict.
MARKS = {"follows": "✓", "incorrect": "✗", "invalid": "✗", "unchecked": "·"}
LANGUAGE = {
    "limits": {"length": MAX_LENGTH, "nodes": MAX_NODES, "depth": MAX_DEPTH, "digits": MAX_DIGITS,
               "exponent": MAX_EXPONENT, "seconds": TIME_LIMIT,
               "terms": MAX_TERMS, "lines": MAX_LINES, "derivation_length": MAX_DERIVATION_LENGTH},
    "reason_mark": REASON_MARK, "marks": MARKS,
    "rtol": RTOL, "atol": ATOL, "functions": FUNCTIONS, "greek": GREEK, "messages": MESSAGES,
}  # fmt: skip
_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_CALLS = ("call", "call_power", "call_bare", "call_power_bare", "root")


def message(key: str, **params: object) -> str:
    """A catalogue sentence with its ``{name}`` fields filled (answer-box.js fills them the same way)."""
    return re.sub(r"\{(\w+)\}", lambda m: str(params[m[1]]), MESSAGES[key])


class AnswerSyntaxError(ValueError):
    """The answer is not a usable formula: outside the language or the limits, or it cannot be evaluated."""


class _Undefined(Exception):
    """The answer has no finite real value at a point; ``args[0]`` is the catalogue key of the reason."""


@dataclass(frozen=True)
class AnswerVerdict:
    """``verdict`` is ``"correct"``, ``"incorrect"`` or ``"invalid"``; ``feedback`` is what the reader reads."""

    verdict: str
    feedback: str

    @property
    def correct(self) -> bool:
        return self.verdict == "correct"

    def __bool__(self) -> bool:
        return self.correct


# ------------------------------------------------------------------------------------------ the spec


def _subscripts(text: str) -> str:
    return re.sub("[₀-₉]+", lambda m: "_" + m[0].translate(_SUBSCRIPT_DIGITS), text)


def _name_key(text: str) -> str:
    """A typed name in one spelling: ``\\alpha_{1}``, ``α_1`` and ``alpha_1`` are all ``alpha_1``."""
    base, _, sub = _subscripts(text).lstrip("\\").partition("_")
    base, sub = GREEK.get(base, base), sub.strip("{}").replace(" ", "")
    return base + ("_" + sub if sub else "")


def _aliases(symbols: Sequence[sp.Symbol]) -> dict[str, int]:
    names: dict[str, int] = {}
    for i, s in enumerate(symbols):
        key = _name_key(s.name)
        base, _, sub = key.partition("_")
        synonyms = {"eps": ["epsilon"], "epsilon": ["eps"]}.get(base, [])
        for b in [base, *synonyms]:
            names.setdefault(b + ("_" + sub if sub else ""), i)
            names.setdefault(b + sub.replace(",", ""), i)  # w1 for w_1
            if sub:
                names.setdefault(b + "_" + sub.replace(",", ""), i)  # W_{12} for W_{1,2}
    return names


def _logistic(expr: sp.Basic) -> sp.Basic:
    """An undefined function ``sigma`` in an expected expression is the logistic function."""
    return expr.replace(
        lambda e: isinstance(e, AppliedUndef) and e.func.__name__ in ("sigma", "σ") and len(e.args) == 1,
        lambda e: 1 / (1 + sp.exp(-e.args[0])),
    )


def _real(value: sp.Basic) -> float | None:
    v = complex(value)
    return v.real if abs(v.imag) < 1e-12 and math.isfinite(v.real) else None


def _terms(expected: sp.Basic) -> list[sp.Basic]:
    """Terms, for naming a slip term by term: those of the sum, or of the expanded product (2 to 12 of them)."""
    terms = [] if isinstance(expected, sp.MatrixBase) else list(sp.Add.make_args(expected))
    terms = terms if len(terms) > 1 or not terms else list(sp.Add.make_args(sp.expand(expected)))
    return terms if 1 < len(terms) <= MAX_TERMS else []


@functools.lru_cache(maxsize=64)
def _spec(expected: sp.Basic, symbols: tuple, points: int, seed: int, domain: tuple) -> dict:
    entries = list(expected) if isinstance(expected, sp.MatrixBase) else [expected]
    terms = _terms(expected)
    drawn = sample_points(list(symbols), 4 * points, seed=seed, avoid=kink_expressions(entries), domain=dict(domain))
    kept = []
    for p in drawn:
        values = [_real(e.evalf(30, subs=p)) for e in [*entries, *terms]]
        if None not in values:
            kept.append((p, values))
        if len(kept) == points:  # the first points that give a value: drawing on would change nothing
            break
    if len(kept) < points:
        raise ValueError(f"only {len(kept)} of {4 * points} sample points give a real value for {expected}")
    kept = kept[:points]
    n = len(entries)
    return {
        "version": SPEC_VERSION,
        "variables": [s.name for s in symbols],
        "names": _aliases(symbols),
        "points": [[p[s] for s in symbols] for p, _ in kept],
        "values": [v[:n] for _, v in kept],
        "shape": list(expected.shape) if isinstance(expected, sp.MatrixBase) else None,
        "terms": [{"text": readable(t), "values": [v[n + k] for _, v in kept]} for k, t in enumerate(terms)],
    }


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_LETTERS = {"sigma": "σ", "sigmoid": "σ"}
for _letter, _name in GREEK.items():
    _LETTERS.setdefault(_name, _letter)


def readable(expr: sp.Basic) -> str:
    """A term as feedback names it: plain text that reads like the page's mathematics, in the spellings a
    reader may type back (``2·b·x₂``, ``−γ·x²/(ε·√(σ² + ε))``, ``σ(x)``), not Python's ``2*b*x_2``.

    >>> gamma, epsilon, x_1 = sp.symbols("gamma epsilon x_1", positive=True)
    >>> readable(-2 * gamma * x_1**2 / sp.sqrt(epsilon + 1))
    '−2·γ·x₁²/√(ε + 1)'
    """
    text = sp.sstr(expr)
    text = re.sub(r"\bsqrt\(", "√(", text)
    text = re.sub(r"\*\*(\d+|\(-\d+\))(?![\d.])", lambda m: m[1].strip("()").translate(_SUPERSCRIPTS), text)
    text = re.sub(r"\*\*", "^", text).replace("*", "·")
    text = re.sub(r"\b([A-Za-z]+)(?=[_(·^/ )²³⁴⁵⁶⁷⁸⁹⁰¹⁻]|$)", lambda m: _LETTERS.get(m[1], m[1]), text)
    text = re.sub(r"_(\d+)(?![\d,])", lambda m: m[1].translate(_SUBSCRIPTS), text)
    return text.replace("-", "−")


def answer_spec(
    expected: sp.Basic,
    symbols: Sequence[sp.Symbol] = (),
    *,
    points: int = POINTS,
    seed: int = 0,
    domain: Mapping[sp.Symbol, tuple[float, float]] | None = None,
) -> dict:
    """What a check needs to know about ``expected``: names, points, values there (JSON, as a page carries it).

    The answer may use the free symbols of ``expected`` and any extra ``symbols`` (names an exercise
    offers that the result happens not to contain). Each symbol is drawn from ``domain[symbol]``, else
    from its assumptions (:func:`checks.points.symbol_range`), away from kinks; points where
    ``expected`` is not real are skipped.
    """
    if isinstance(expected, str):
        raise TypeError("expected must be a SymPy object, not a str")
    expected = _logistic(_sympify(expected))  # a Matrix becomes an ImmutableMatrix
    bad = [s for s in [*expected.free_symbols, *symbols] if not isinstance(s, sp.Symbol)]
    if bad:
        raise TypeError(f"the variables of an answer must be SymPy Symbols, not {bad}")
    ordered = tuple(sorted(expected.free_symbols | set(symbols), key=lambda s: s.name))
    bounds = tuple(sorted((domain or {}).items(), key=lambda kv: kv[0].name))
    return copy.deepcopy(_spec(expected, ordered, points, seed, bounds))  # a copy: the cached one stays intact


# ------------------------------------------------------------------------------------- parsing


@functools.cache
def answer_parser() -> Lark:
    """The parser of ``answer_grammar.lark``; the Sphinx extension serializes this very parser to JavaScript."""
    return Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="basic")


def _quote(text: str) -> str:
    return "'" + (text if len(text) <= 20 else text[:20] + "…") + "'"


#: Letters and digits of Unicode's mathematical alphabets (𝑥, 𝐖, 𝜎, 𝟐, and ℎ, which stands in for the italic h
#: the block leaves out), as text copied from typeset mathematics carries them: each is read as its plain
#: letter. answer-box.js reads them the same way.
MATH_ALPHANUMERIC = "[\U0001d400-\U0001d7ff\u210e]"


def _parse(answer: str) -> Tree | Token:
    answer = _normalize(answer)
    if len(answer) > MAX_LENGTH:
        raise AnswerSyntaxError(message("too_long", length=len(answer), limit=MAX_LENGTH))
    if not answer.strip():
        raise AnswerSyntaxError(message("empty"))
    try:
        return answer_parser().parse(answer)
    except UnexpectedCharacters as e:
        character = _quote(answer[e.pos_in_stream])
        raise AnswerSyntaxError(message("character", char=character, pos=e.pos_in_stream + 1)) from None
    except UnexpectedInput as e:  # a token out of place; the LALR parser reports the end of the text as $END
        token = e.token
        bare = _bare_function(answer[: len(answer) if token.type == "$END" else token.start_pos])
        if bare:
            raise AnswerSyntaxError(message("bare_function", function=bare)) from None
        if token.type == "$END":
            raise AnswerSyntaxError(message("ends_early")) from None
        key = "missing_operator" if token.type == "NUMBER" else "unexpected"
        raise AnswerSyntaxError(message(key, token=_quote(token.value), pos=token.start_pos + 1)) from None


def _bare_function(before: str) -> str | None:
    """The function named just before a token out of place (``1 - sigma)``), which lacks its argument."""
    name = re.search(r"\\?([A-Za-z]+|[^\W\d_])\s*$", before)
    function = name and ("sigma" if name[1] == "σ" else _name_key(name[1]))
    return function if function in FUNCTIONS else None


class _Reader:
    """Turns a parse tree into a small expression tree over the spec's variables, checking every rule."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.nodes = 0

    def fail(self, key: str, **params: object):
        raise AnswerSyntaxError(message(key, **params))

    def read(self, tree: Tree | Token) -> tuple:
        """The whole answer: an expression, or ("matrix", rows, cols, [entries])."""
        if isinstance(tree, Tree) and tree.data in ("brackets", "latex_matrix"):
            if tree.data == "latex_matrix":
                begin, *rows, end = tree.children
                if begin.value.replace(" ", "")[6:] != end.value.replace(" ", "")[4:]:
                    self.fail("environments", begin=begin.value, end=end.value)
            else:
                rows = tree.children
                if all(isinstance(r, Tree) and r.data == "row" for r in rows):
                    pass
                elif any(isinstance(r, Tree) and r.data == "row" for r in rows):
                    self.fail("mixed")
                else:
                    rows = [[r] for r in rows]  # [a, b] is a column
            rows = [r.children if isinstance(r, Tree) else r for r in rows]
            if len({len(r) for r in rows}) != 1:
                self.fail("rows")
            return ("matrix", len(rows), len(rows[0]), [self.expr(e, 1) for r in rows for e in r])
        return self.expr(tree, 0)

    def expr(self, t: Tree | Token, depth: int) -> tuple:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.fail("too_big", limit=MAX_NODES)
        if depth > MAX_DEPTH:
            self.fail("too_deep", limit=MAX_DEPTH)
        if isinstance(t, Token):
            if t.type == "SUPERSCRIPT":  # x² is x^2
                return self.number(t.value.translate(_SUPERSCRIPT_DIGITS))
            return self.number(t.value) if t.type == "NUMBER" else self.name(t.value)
        kind, kids = t.data, t.children
        if kind == "name":
            return self.name(kids[0].value)
        if kind == "bare":
            return self.number(kids[0].value)
        if kind == "frac_digits":
            numerator, denominator = (("num", float(d)) for d in kids[0].value[-2:])
            return self.fold(_quotient(numerator, denominator))
        if kind == "neg":
            return self.fold(("neg", self.expr(kids[0], depth + 1)))
        if kind == "frac":
            return self.fold(_quotient(self.expr(kids[1], depth + 1), self.expr(kids[2], depth + 1)))
        if kind in ("add", "sub"):
            return self.fold(("sum", [(sign, self.expr(k, depth + 1)) for sign, k in _chain(t, ("add", "sub"))]))
        if kind in ("mul", "div", "imul"):
            return self.fold(("product", [(op, self.expr(k, depth + 1)) for op, k in self.factors(t)]))
        if kind == "pow":
            base, exponent = (self.expr(k, depth + 1) for k in kids)
            if exponent[0] == "num" and abs(exponent[1]) > MAX_EXPONENT:
                self.fail("exponent", exponent=_fmt(exponent[1]), limit=MAX_EXPONENT)
            return self.fold(("pow", base, exponent))
        if kind in _CALLS:
            return self.call(kind, kids, depth)
        raise AssertionError(f"the grammar has a rule {kind} that the reader does not know")  # pragma: no cover

    def factors(self, t: Tree) -> list:
        """The factors of a product, refusing \\sin x y (sin(x) y or sin(x y)?)."""
        for node in _spine(t, ("mul", "div", "imul")):
            right = node.children[1]
            if node.data == "imul" and _ends_bare(node.children[0]):
                if not (isinstance(right, Tree) and right.data in _CALLS):
                    self.fail("ambiguous", function=_ends_bare(node.children[0]))
        return _chain(t, ("mul", "div", "imul"))

    def call(self, kind: str, kids: list, depth: int) -> tuple:
        name = _name_key(kids[0].value)
        name = {"σ": "sigma", "ln": "log"}.get(name, name)
        if kind == "root":  # \sqrt[n]{x} is x^(1/n)
            if name != "sqrt":
                self.fail("unexpected", token="'['", pos=kids[0].end_pos + 1)
            index, radicand = (self.expr(k, depth + 1) for k in kids[1:])
            return self.fold(("pow", radicand, self.fold(_quotient(("num", 1.0), index))))
        argument = kids[-1]
        args = argument.children if isinstance(argument, Tree) and argument.data == "args" else [argument]
        low, high = FUNCTIONS[name]
        if not low <= len(args) <= high:
            count = "one argument" if high == 1 else f"{low} to {high} arguments"
            self.fail("arguments", function=name, count=count, given=len(args))
        result = self.fold(("call", name, [self.expr(a, depth + 1) for a in args]))
        if kind in ("call_power", "call_power_bare"):  # \sin^2 x
            result = self.fold(("pow", result, self.expr(kids[1], depth + 1)))
        return result

    def number(self, text: str) -> tuple:
        digits = re.sub(r"[eE].*", "", text).replace(".", "").lstrip("0")
        if len(digits) > MAX_DIGITS:
            self.fail("digits", number=_quote(text), limit=MAX_DIGITS)
        return self.fold(("num", float(text)))

    def name(self, text: str) -> tuple:
        names, key = self.spec["names"], _name_key(text)
        if key in names:
            return ("var", names[key])
        if key in ("e", "pi"):
            return ("num", math.e if key == "e" else math.pi)
        pieces = _split(_subscripts(text), names)
        if pieces is None:
            allowed = ", ".join(self.spec["variables"] + ["e", "pi"] + [f for f in FUNCTIONS if f != "ln"])
            self.fail("unknown_name", name=_quote(text), names=allowed)
        return ("product", [("mul", ("var", names[piece])) for piece in pieces])

    def fold(self, node: tuple) -> tuple:
        """A node without variables is computed at once: 1/0 or e^1000 is refused whatever the points."""
        if node[0] == "num" and not math.isfinite(node[1]):
            self.fail("not_usable", reason=MESSAGES["large"])
        if not all(isinstance(c, tuple) and c[0] == "num" for c in _children(node)):  # a number's child is its value
            return node
        try:
            return ("num", _evaluate(node, []))
        except _Undefined as u:
            self.fail("not_usable", reason=MESSAGES[u.args[0]])


def _quotient(numerator: tuple, denominator: tuple) -> tuple:
    return ("product", [("mul", numerator), ("div", denominator)])


def _children(node: tuple) -> list:
    if node[0] == "call":
        return node[2]
    return [c for _, c in node[1]] if node[0] in ("sum", "product") else list(node[1:])


def _spine(t: Tree, kinds: tuple) -> list[Tree]:
    """The nodes of a left-leaning chain (a + b - c is sub(add(a, b), c)), top first, without recursion."""
    nodes = []
    while isinstance(t, Tree) and t.data in kinds:
        nodes.append(t)
        t = t.children[0]
    return nodes


def _chain(t: Tree, kinds: tuple) -> list[tuple]:
    """A left-leaning chain as a flat list of (operator, operand), first operand first."""
    nodes = _spine(t, kinds)
    return [(kinds[0], nodes[-1].children[0])] + [(n.data, n.children[1]) for n in reversed(nodes)]


def _ends_bare(t: Tree | Token) -> str:
    """The function whose LaTeX-style argument (\\sin x) ends ``t``, if one does."""
    if isinstance(t, Tree) and t.data in ("call_bare", "call_power_bare"):
        return _name_key(t.children[0].value)
    if isinstance(t, Tree) and t.data in ("imul", "mul", "div", "neg"):
        return _ends_bare(t.children[-1])
    return ""


def _split(text: str, names: Mapping[str, int]) -> list[str] | None:
    """``xy`` as ``[x, y]`` when both are names; digits and a subscript go with the last piece."""
    m = re.fullmatch(r"([A-Za-z]+)([0-9]*(?:_.*)?)", text)
    if not m or len(m[1]) < 2:
        return None
    letters, tail = m[1], _name_key(m[2])

    @functools.cache
    def rest(i: int) -> list[str] | None:
        for j in range(len(letters), i, -1):
            piece = letters[i:j]
            if j == len(letters):
                if i > 0 and piece + tail in names:
                    return [piece + tail]
            elif piece in names and (after := rest(j)) is not None:
                return [piece, *after]
        return None

    return rest(0)


def parse_answer(answer: str, spec: dict) -> tuple:
    r"""Read ``answer`` over the variables of ``spec`` into an expression tree; raise AnswerSyntaxError if unusable.

    >>> x = sp.Symbol("x")
    >>> parse_answer(r"\frac{2}{x}", answer_spec(x))
    ('product', [('mul', ('num', 2.0)), ('div', ('var', 0))])
    """
    if not isinstance(answer, str):
        raise TypeError(f"the answer must be a str, not {type(answer).__name__}")
    return _Reader(spec).read(_parse(answer))


# ---------------------------------------------------------------------------------- evaluating


def _sigma(v: float) -> float:
    if v >= 0:
        return 1 / (1 + math.exp(-v))
    z = math.exp(v)
    return z / (1 + z)


def _domain(ok: bool, reason: str) -> None:
    if not ok:
        raise _Undefined(reason)


_FUNCTION_VALUES = {
    "exp": math.exp, "sin": math.sin, "cos": math.cos, "tan": math.tan, "sinh": math.sinh, "cosh": math.cosh,
    "tanh": math.tanh, "sigma": _sigma, "abs": abs, "max": lambda *v: max(v), "min": lambda *v: min(v),
    "log": lambda v: _domain(v > 0, "log") or math.log(v),
    "sqrt": lambda v: _domain(v >= 0, "sqrt") or math.sqrt(v),
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


def _evaluate(node: tuple, point: Sequence[float]) -> float:
    """The value of an expression tree at ``point`` (values of the variables), or _Undefined."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "var":
        return point[node[1]]
    try:
        if kind == "neg":
            value = -_evaluate(node[1], point)
        elif kind == "call":
            value = _FUNCTION_VALUES[node[1]](*[_evaluate(a, point) for a in node[2]])
        elif kind == "pow":
            value = _power(_evaluate(node[1], point), _evaluate(node[2], point))
        else:  # sum or product, left to right
            value = 0.0 if kind == "sum" else 1.0
            for op, operand in node[1]:
                value = _OPERATIONS[op](value, _evaluate(operand, point))
    except OverflowError:
        raise _Undefined("large") from None
    if not math.isfinite(value):
        raise _Undefined("large")
    return value


def _fmt(v: float) -> str:
    """``v`` to 4 significant digits, rounded half up from its shortest decimal form (as answer-box.js does)."""
    if v == 0:
        return "0"
    _, digits, exponent = decimal.Decimal(repr(abs(v))).as_tuple()
    text = "".join(map(str, digits)).rstrip("0")
    exponent += len(digits) - len(text)
    if len(text) > 4:
        kept = int(text[:4]) + (text[4] >= "5")
        exponent += len(text) - 4
        text = str(kept).rstrip("0")
        exponent += len(str(kept)) - len(text)
    power = len(text) - 1 + exponent  # of the leading digit
    if -5 <= power < 7:
        shown = text + "0" * exponent if exponent >= 0 else None
        if shown is None:
            point = len(text) + exponent
            shown = text[:point] + "." + text[point:] if point > 0 else "0." + "0" * -point + text
    else:
        shown = text[0] + ("." + text[1:] if len(text) > 1 else "") + f"e{power}"
    return ("-" if v < 0 else "") + shown


# ------------------------------------------------------------------------------------- judging


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= RTOL * max(abs(a), abs(b)) + ATOL


def _values(tree: tuple, point: Sequence[float]) -> list[float | str]:
    """The answer's entries at ``point``: each a value, or the catalogue key of why it has none."""
    values = []
    for entry in tree[3] if tree[0] == "matrix" else [tree]:
        try:
            values.append(_evaluate(entry, point))
        except _Undefined as u:
            values.append(u.args[0])
    return values


def _undefined(got: list) -> list[str | None]:
    """At each point, why the answer has no value there (its first entry without one), or None."""
    return [next((v for v in g if isinstance(v, str)), None) for g in got]


def _describe(shape: list | None) -> str:
    return message("matrix", rows=shape[0], cols=shape[1]) if shape else MESSAGES["scalar"]


def judge(answer: str, spec: dict) -> AnswerVerdict:
    """The verdict on ``answer`` for the box described by ``spec`` (see :func:`answer_spec`)."""
    started = time.monotonic()
    try:
        tree = parse_answer(answer, spec)
        got = []
        for point in spec["points"]:
            if time.monotonic() - started > TIME_LIMIT:
                raise AnswerSyntaxError(message("time"))
            got.append(_values(tree, point))
        reasons = _undefined(got)
        if all(reasons):
            raise AnswerSyntaxError(message("nowhere", reason=MESSAGES[reasons[0]]))
    except AnswerSyntaxError as error:
        return AnswerVerdict("invalid", str(error))
    shape = [tree[1], tree[2]] if tree[0] == "matrix" else None
    if shape != spec["shape"]:
        feedback = message("shape", want=_describe(spec["shape"]), got=_describe(shape))
        flipped = shape and spec["shape"] and shape == spec["shape"][::-1]
        slip = _transposed(got, spec) if flipped and not any(reasons) else ""
        return AnswerVerdict("incorrect", feedback + (" " + slip if slip else ""))
    for point, g, want in zip(spec["points"], got, spec["values"], strict=True):
        wrong = next((k for k in range(len(want)) if isinstance(g[k], str) or not _close(g[k], want[k])), None)
        if wrong is None:
            continue
        where = "".join(f"{n} = {_fmt(v)}, " for n, v in zip(spec["variables"], point, strict=True))
        params = {"where": "at " + where if where else "", "want": _fmt(want[wrong]), "entry": ""}
        if shape:
            params["entry"] = message("entry", row=wrong // shape[1] + 1, col=wrong % shape[1] + 1)
        if isinstance(g[wrong], str):
            return AnswerVerdict("incorrect", message("wrong_undefined", reason=MESSAGES[g[wrong]], **params))
        feedback = message("wrong", got=_fmt(g[wrong]), **params)
        slip = "" if any(reasons) else _slip(got, spec)
        return AnswerVerdict("incorrect", feedback + (" " + slip if slip else ""))
    return AnswerVerdict("correct", message("correct", n=len(spec["points"])))


def _transposed(got: list, spec: dict, previous: str | None = None) -> str:
    """The transposed slip's message if ``got`` (a value at every entry) is the transpose of the expected, else ''.

    With ``previous`` (a derivation's "the start", "line 2"), the message compares a line with that one instead.
    """
    rows, cols = spec["shape"]
    same = all(
        _close(g[j * rows + i], w[i * cols + j])
        for g, w in zip(got, spec["values"], strict=True)
        for i in range(rows)
        for j in range(cols)
    )
    return _slip_message("transposed", previous) if same else ""


def _slip_message(key: str, previous: str | None, **params: object) -> str:
    """A slip's sentence: the answer box's, or (``previous`` given) a derivation line's, naming the line before."""
    return message(key, **params) if previous is None else message("step_" + key, previous=previous, **params)


def _slip(got: list, spec: dict, previous: str | None = None) -> str:
    """The name of a common slip that explains every value of the answer (a value at every entry), or ''."""
    shape, want = spec["shape"], spec["values"]
    if shape and shape[0] == shape[1] and _transposed(got, spec):
        return _slip_message("transposed", previous)
    pairs = [(a, e) for g, w in zip(got, want, strict=True) for a, e in zip(g, w, strict=True)]
    # Any number is a multiple of a constant, and differs from it by a constant: no news.
    varies = not all(_close(e, pairs[0][1]) for _, e in pairs)
    base = next(((a, e) for a, e in pairs if abs(e) > ATOL), None)
    if base and base[0] != 0 and all(_close(a, base[0] / base[1] * e) for a, e in pairs):
        ratio = base[0] / base[1]
        for key, factor in (("sign", -1), ("double", 2), ("half", 0.5)):
            if _close(ratio, factor):
                return _slip_message(key, previous)
        if varies:
            return _slip_message("multiple", previous, ratio=_fmt(ratio))
    if varies and all(_close(a - e, pairs[0][0] - pairs[0][1]) for a, e in pairs):
        return _slip_message("offset", previous, offset=_fmt(pairs[0][0] - pairs[0][1]))
    for term in spec["terms"]:
        for key, factor in (("term_missing", 1), ("term_sign", 2), ("term_double", -1), ("term_half", 0.5)):
            if all(_close(g[0], w[0] - factor * t) for g, w, t in zip(got, want, term["values"], strict=True)):
                return _slip_message(key, previous, term=term["text"])
    return ""


def check_answer(
    answer: str,
    expected: sp.Basic,
    *,
    symbols: Sequence[sp.Symbol] = (),
    seed: int = 0,
    domain: Mapping[sp.Symbol, tuple[float, float]] | None = None,
) -> AnswerVerdict:
    r"""The verdict on the reader's ``answer`` (text) for ``expected`` (a SymPy expression or Matrix).

    The same verdict, word for word, as a box made by ``AnswerBox(expected, symbols=..., seed=...,
    domain=...)`` gives in the page.

    >>> x, y = sp.symbols("x y", real=True)
    >>> print(check_answer("x^2 y + 2xy", x**2 * y + 2 * x * y).feedback)
    Correct: your answer agrees with the expected one at all 8 check points.
    >>> check_answer("x^2 y - 2xy", x**2 * y + 2 * x * y).feedback.split(". ")[-1]
    'The term 2·x·y seems to have the wrong sign.'
    >>> print(check_answer("z", x).feedback)  # doctest: +ELLIPSIS
    Unknown name 'z': the answer may use x, e, pi, exp, log, sqrt, sin, cos, tan, sinh, cosh, tanh, sigma, ...
    """
    return judge(answer, answer_spec(expected, symbols, seed=seed, domain=domain))


# ------------------------------------------------------------------------------------- derivations


@dataclass(frozen=True)
class LineVerdict:
    """One line of a derivation: its number as typed (from 1), its verdict (``follows``, ``incorrect``,
    ``invalid`` or ``unchecked``) and the words the page shows for it."""

    line: int
    verdict: str
    feedback: str


@dataclass(frozen=True)
class DerivationVerdict:
    """``verdict`` is ``correct`` (and complete), ``unfinished``, ``incorrect`` or ``invalid``; ``feedback`` is
    the overall sentence and ``lines`` the verdict on each line, both word for word what the page shows."""

    verdict: str
    feedback: str
    lines: tuple[LineVerdict, ...] = ()

    @property
    def correct(self) -> bool:
        return self.verdict == "correct"

    def __bool__(self) -> bool:
        return self.correct


#: The names SymPy gives the functions of the language (and the book's sigmoid), for a result's vocabulary.
_SYMPY_FUNCTIONS = {"Abs": "abs", "Max": "max", "Min": "min", "sigmoid": "sigma", "σ": "sigma"}


def _vocabulary(expr: sp.Basic, ordered: Sequence[sp.Symbol]) -> dict:
    """The variables (by place) and functions (in FUNCTIONS' order) a result is written with."""
    functions = set()
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow) and node.exp in (sp.S.Half, -sp.S.Half):
            functions.add("sqrt")
        elif isinstance(node, sp.Function):
            name = type(node).__name__
            functions.add(_SYMPY_FUNCTIONS.get(name, name))
    free = expr.free_symbols
    return {
        "variables": [k for k, s in enumerate(ordered) if s in free],
        "functions": [f for f in FUNCTIONS if f in functions and f != "ln"],
    }


def _values_at(entries: Sequence[sp.Basic], at: Mapping[sp.Symbol, float]) -> list[float | None]:
    return [_real(e.evalf(30, subs=dict(at))) for e in entries]


def derivation_spec(
    start: sp.Basic,
    expected: sp.Basic,
    symbols: Sequence[sp.Symbol] = (),
    *,
    points: int = POINTS,
    seed: int = 0,
    domain: Mapping[sp.Symbol, tuple[float, float]] | None = None,
    definitions: Mapping[sp.Symbol, sp.Basic] | None = None,
) -> dict:
    """What a derivation box needs (JSON, as a page carries it): the answer spec's names and points, the
    start's and the result's values there, and the names and functions the result is written with.

    ``start`` may hold an unevaluated ``Derivative`` (its value is the derivative's). ``definitions`` gives
    names a line may use for longer expressions (``y_1`` for a softmax entry): at each point a defined name
    takes its definition's value. The start and the result must agree at every point.
    """
    if isinstance(start, str) or isinstance(expected, str):
        raise TypeError("start and expected must be SymPy objects, not str")
    defs = {k: _logistic(_sympify(v)) for k, v in (definitions or {}).items()}
    written = _sympify(expected)  # as the result is written: sigma stays a function, for its vocabulary
    start, expected = _logistic(_sympify(start)), _logistic(written)

    def explicit(e: sp.Basic) -> sp.Basic:
        return _sympify(e.xreplace(defs).doit())  # names first, structurally: a derivative sees through them

    start_x, expected_x = explicit(start), explicit(expected)
    # The start's own names, before a derivative in it is taken: a line may still write them (x_1 in ∂L/∂x_2).
    extra = {s for s in symbols if s not in defs} | start_x.free_symbols | start.xreplace(defs).free_symbols
    extra |= {s for v in defs.values() for s in v.free_symbols}
    base = answer_spec(expected_x, sorted(extra, key=lambda s: s.name), points=points, seed=seed, domain=domain)
    base_symbols = sorted(expected_x.free_symbols | extra, key=lambda s: s.name)
    ordered = sorted(set(base_symbols) | set(defs), key=lambda s: s.name)
    start_entries = list(start_x) if isinstance(start_x, sp.MatrixBase) else [start_x]
    shape = list(start_x.shape) if isinstance(start_x, sp.MatrixBase) else None
    if shape != base["shape"]:
        raise ValueError(f"the start is {_describe(shape)} but the result is {_describe(base['shape'])}")
    rows, start_values = [], []
    for point, want in zip(base["points"], base["values"], strict=True):
        at = dict(zip(base_symbols, point, strict=True))
        at |= {d: _real(v.evalf(30, subs=at)) for d, v in defs.items()}
        got = _values_at(start_entries, at)
        if None in at.values() or None in got or not all(map(_close, got, want)):
            shown = ", ".join(f"{s} = {_fmt(v)}" for s, v in at.items())
            raise ValueError(f"the start and the result differ (or have no value) at {shown}: {got} and {want}")
        rows.append([at[s] for s in ordered])
        start_values.append(got)

    def terms(e: sp.Basic) -> list[dict]:
        found = []
        for term in _terms(e):
            value = explicit(term)  # once, not at every point
            values = [_values_at([value], dict(zip(ordered, row, strict=True)))[0] for row in rows]
            if None in values:
                return []
            found.append({"text": readable(term), "values": values})
        return found

    return {
        "version": SPEC_VERSION,
        "kind": "derivation",
        "variables": [s.name for s in ordered],
        "names": _aliases(ordered),
        "points": rows,
        "shape": shape,
        "start": {"values": start_values, "terms": terms(start_x if start.has(sp.Derivative) else start)},
        "result": {"values": base["values"], "terms": terms(expected), **_vocabulary(written, ordered)},
    }


_BLANK = "[ \t\r\n\u00a0]"


def _trim(text: str) -> str:
    return re.sub(f"^{_BLANK}+|{_BLANK}+$", "", text)


def _normalize(answer: str) -> str:
    """Letters of Unicode's mathematical alphabets as plain ones (see MATH_ALPHANUMERIC)."""
    return re.sub(MATH_ALPHANUMERIC, lambda m: unicodedata.normalize("NFKC", m[0]), answer)


def derivation_lines(text: str) -> list[tuple[int, str]]:
    """The lines of a derivation that hold a step: (number as typed, from 1; the expression).

    The reason after REASON_MARK is dropped, and a leading ``=`` becomes a space, so that a position in
    a refusal is still the position in the typed line.
    """
    lines = []
    for number, line in enumerate(text.split("\n"), start=1):
        expression = _normalize(line.split(REASON_MARK, 1)[0])
        expression = re.sub(f"^({_BLANK}*)=", lambda m: m[1] + " ", expression)
        if not re.fullmatch(f"{_BLANK}*", expression):
            lines.append((number, expression))
    return lines


def _span(tree: Tree | Token) -> tuple[int, int]:
    """Where the tokens under ``tree`` start and end in the text."""
    low, high, stack = math.inf, -1, [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Token):
            low, high = min(low, node.start_pos), max(high, node.end_pos)
        else:
            stack.extend(node.children)
    return low, high


def _uses(tree: tuple) -> tuple[set, set]:
    """The variables (by place) and functions a line's expression tree uses; e^… counts as exp."""
    variables, functions, stack = set(), set(), [tree]
    while stack:
        node = stack.pop()
        if node[0] == "var":
            variables.add(node[1])
        elif node[0] == "matrix":
            stack.extend(node[3])
        elif node[0] != "num":
            if node[0] == "call":
                functions.add(node[1])
            if node[0] == "pow" and node[1] == ("num", math.e):
                functions.add("exp")
            stack.extend(_children(node))
    return variables, functions


def _read_line(expression: str, spec: dict) -> dict:
    """A line read and evaluated at the spec's points, with its terms; AnswerSyntaxError if it is unusable."""
    parsed = _parse(expression)
    tree = _Reader(spec).read(parsed)
    got = [_values(tree, point) for point in spec["points"]]
    reasons = _undefined(got)
    if all(reasons):
        raise AnswerSyntaxError(message("nowhere", reason=MESSAGES[reasons[0]]))
    terms = []
    if tree[0] == "sum" and 1 < len(tree[1]) <= MAX_TERMS:
        chain = _chain(parsed, ("add", "sub"))
        spans = [_span(operand) for _, operand in chain]
        cuts = [0]
        for (_, end), (begin, _) in itertools.pairwise(spans):
            cuts.append(end + re.search("[-+−–]", expression[end:begin]).start())
        cuts.append(len(expression))
        for k, (sign, operand) in enumerate(tree[1]):
            text = _trim(expression[cuts[k] + (1 if k else 0) : cuts[k + 1]])
            values = [_values(operand, point)[0] for point in spec["points"]]
            if any(isinstance(v, str) for v in values):
                terms = []
                break
            factor = -1 if sign == "sub" else 1
            terms.append({"text": ("−" if sign == "sub" else "") + text, "values": [factor * v for v in values]})
    shape = [tree[1], tree[2]] if tree[0] == "matrix" else None
    return {"tree": tree, "values": got, "shape": shape, "terms": terms}


def _at(spec: dict, p: int) -> str:
    where = "".join(f"{n} = {_fmt(v)}, " for n, v in zip(spec["variables"], spec["points"][p], strict=True))
    return "at " + where if where else ""


def _follows(line: dict, before: dict, spec: dict) -> tuple[str, str]:
    """(verdict, words) for a line against the line before it (or the start), at the points where both have values."""
    name, got, want = before["name"], line["values"], before["values"]
    defined = [not any(isinstance(v, str) for v in g) for g in got]
    common = [p for p, w in enumerate(want) if defined[p] and not any(isinstance(v, str) for v in w)]
    if line["shape"] != before["shape"]:
        words = message(
            "does_not_follow_shape", previous=name, want=_describe(before["shape"]), got=_describe(line["shape"])
        )
        flipped = line["shape"] and before["shape"] and line["shape"] == before["shape"][::-1]
        if flipped and common:
            shown = {"shape": before["shape"], "values": [want[p] for p in common]}
            slip = _transposed([got[p] for p in common], shown, previous=name)
            words += " " + slip if slip else ""
        return "incorrect", words
    if not common:
        return "invalid", message("no_common_point", previous=name)
    for p in common:
        wrong = next((k for k in range(len(want[p])) if not _close(got[p][k], want[p][k])), None)
        if wrong is None:
            continue
        entry = ""
        if line["shape"]:
            entry = message("entry", row=wrong // line["shape"][1] + 1, col=wrong % line["shape"][1] + 1)
        words = message(
            "does_not_follow", previous=name, entry=entry, where=_at(spec, p), got=_fmt(got[p][wrong]),
            want=_fmt(want[p][wrong]),
        )  # fmt: skip
        terms = [{"text": t["text"], "values": [t["values"][q] for q in common]} for t in before["terms"]]
        shown = {"shape": before["shape"], "values": [want[q] for q in common], "terms": terms}
        slip = _slip([got[q] for q in common], shown, previous=name)
        return "incorrect", words + (" " + slip if slip else "")
    gap = next((p for p, w in enumerate(want) if not defined[p] and not any(isinstance(v, str) for v in w)), None)
    if gap is None:
        return "follows", message("follows", previous=name)
    reason = MESSAGES[_undefined([got[gap]])[0]]
    return "follows", message("follows_where_defined", previous=name, where=_at(spec, gap), reason=reason)


def _names_of(spec: dict, variables: Sequence[int], functions: Sequence[str]) -> str:
    names = [spec["variables"][k] for k in sorted(variables)] + [f for f in FUNCTIONS if f in functions]
    return ", ".join(names)


def judge_derivation(text: str, spec: dict) -> DerivationVerdict:
    """The verdict on a typed derivation (one step per line) for the box described by ``spec``
    (see :func:`derivation_spec`)."""
    if not isinstance(text, str):
        raise TypeError(f"the derivation must be a str, not {type(text).__name__}")
    started = time.monotonic()
    if len(text) > MAX_DERIVATION_LENGTH:
        return DerivationVerdict(
            "invalid", message("derivation_too_long", length=len(text), limit=MAX_DERIVATION_LENGTH)
        )
    lines = derivation_lines(text)
    if not lines:
        return DerivationVerdict("invalid", message("derivation_empty"))
    if len(lines) > MAX_LINES:
        return DerivationVerdict("invalid", message("too_many_lines", count=len(lines), limit=MAX_LINES))
    before = {"name": message("the_start"), "shape": spec["shape"], **spec["start"]}
    verdicts, problem, read = [], None, None
    for number, expression in lines:
        if time.monotonic() - started > TIME_LIMIT:
            return DerivationVerdict("invalid", message("time"))
        try:
            read = _read_line(expression, spec)
        except AnswerSyntaxError as error:
            verdict, words, read = "invalid", str(error), None
        else:
            if problem:
                verdict, words = "unchecked", message("unchecked", line=problem[0])
            else:
                verdict, words = _follows(read, before, spec)
        if not problem and verdict != "follows":
            problem = (number, verdict, before["name"], words)
        verdicts.append(LineVerdict(number, verdict, message("line", line=number, mark=MARKS[verdict], text=words)))
        if read:
            before = {"name": message("line_before", line=number), **read}
    done = tuple(verdicts)
    if problem and problem[1] == "incorrect":
        return DerivationVerdict("incorrect", message("derivation_wrong", line=problem[0], previous=problem[2]), done)
    if problem:
        return DerivationVerdict("invalid", message("derivation_invalid", line=problem[0], reason=problem[3]), done)
    count = message("one_line") if len(lines) == 1 else message("all_lines", count=len(lines))
    result = spec["result"]
    variables, functions = _uses(read["tree"])
    extra_variables = variables - set(result["variables"])
    extra_functions = functions - set(result["functions"])
    if extra_variables or extra_functions:
        allowed = _names_of(spec, result["variables"], result["functions"]) or message("numbers_only")
        words = message(
            "derivation_unfinished", lines=count, extra=_names_of(spec, extra_variables, extra_functions),
            allowed=allowed,
        )  # fmt: skip
        return DerivationVerdict("unfinished", words, done)
    return DerivationVerdict("correct", message("derivation_complete", lines=count), done)


def check_derivation(
    lines: str | Sequence[str],
    start: sp.Basic,
    expected: sp.Basic,
    *,
    symbols: Sequence[sp.Symbol] = (),
    seed: int = 0,
    domain: Mapping[sp.Symbol, tuple[float, float]] | None = None,
    definitions: Mapping[sp.Symbol, sp.Basic] | None = None,
) -> DerivationVerdict:
    r"""The verdict on a reader's derivation from ``start`` to ``expected``, one step per line (text with
    newlines, or a list of lines), each line judged against the one before it at the check points.

    The same verdict, word for word, as a ``DerivationBox(start, expected, ...)`` gives in the page.

    >>> x = sp.Symbol("x", real=True)
    >>> start = sp.Derivative(1 / (1 + sp.exp(-x)), x)
    >>> result = sp.Function("sigma")(x) * (1 - sp.Function("sigma")(x))
    >>> verdict = check_derivation(["e^{-x}/(1 + e^{-x})^2", "sigma(x) (1 - sigma(x))"], start, result)
    >>> print(verdict.feedback)
    Correct and complete: all 2 lines follow from the one before, and the last is the result.
    >>> print(check_derivation("= -e^{-x}/(1 + e^{-x})^2  # chain rule", start, result).lines[0].feedback)
    ... # doctest: +NORMALIZE_WHITESPACE
    Line 1 ✗ does not follow from the start: at x = 0.5478, this line gives -0.2321 but the start gives 0.2321.
    The sign is flipped: this line is −1 times the start.
    """
    text = lines if isinstance(lines, str) else "\n".join(lines)
    spec = derivation_spec(start, expected, symbols, seed=seed, domain=domain, definitions=definitions)
    return judge_derivation(text, spec)
