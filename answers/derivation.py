r"""The verdicts on a typed derivation for a derivation box: each line against the one before it (the first
against the start), then the whole: complete, unfinished (the last line still uses a name the result does
not), incorrect or invalid, word for word what the page's box says.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

import answers.syntax as syntax
from answers.evaluate import close, require_a_value_somewhere, undefined, values
from answers.formatting import describe, fmt
from answers.judging import entry, slip, transposed, where
from answers.language import (
    BLANK,
    CONSTANTS,
    FUNCTIONS,
    MARKS,
    MAX_DERIVATION_LENGTH,
    MAX_LINES,
    MAX_TERMS,
    MESSAGES,
    REASON_MARK,
    TERM_SIGN,
    TIME_LIMIT,
    AnswerSyntaxError,
    message,
)
from answers.nodes import Call, Matrix, Num, Pow, Sum, Tree, Var, children
from answers.reader import Reader
from answers.spec import derivation_spec


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


def _trim(text: str) -> str:
    return re.sub(f"^{BLANK}+|{BLANK}+$", "", text)


def derivation_lines(text: str) -> list[tuple[int, str]]:
    """The lines of a derivation that hold a step: (number as typed, from 1; the expression).

    The reason after REASON_MARK is dropped, and a leading ``=`` becomes a space, so that a position in
    a refusal is still the position in the typed line.
    """
    lines = []
    for number, line in enumerate(text.split("\n"), start=1):
        expression = syntax.normalize(line.split(REASON_MARK, 1)[0])
        expression = re.sub(f"^({BLANK}*)=", lambda m: m[1] + " ", expression)
        if not re.fullmatch(f"{BLANK}*", expression):
            lines.append((number, expression))
    return lines


def _uses(tree: Tree) -> tuple[set[int], set[str]]:
    """The variables (by place) and functions a line's expression tree uses; e^… counts as exp."""
    variables: set[int] = set()
    functions: set[str] = set()
    stack = list(tree.entries) if isinstance(tree, Matrix) else [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Var):
            variables.add(node.index)
        elif isinstance(node, Call):
            functions.add(node.function)
        elif isinstance(node, Pow) and node.base == Num(CONSTANTS["e"]):
            functions.add("exp")
        stack.extend(children(node))
    return variables, functions


@dataclass(frozen=True)
class _Line:
    """A line read: its tree, its values at each point (a reason where it has none), shape and terms."""

    tree: Tree | None
    values: list
    shape: list[int] | None
    terms: list[dict]
    name: str


def _read_line(expression: str, spec: dict, name: str) -> _Line:
    """A line read and evaluated at the spec's points, with its terms; AnswerSyntaxError if it is unusable."""
    typed = syntax.parse(expression)
    tree = Reader(spec).read(typed)
    got = [values(tree, point) for point in spec["points"]]
    require_a_value_somewhere(undefined(got))
    terms: list[dict] = []
    if isinstance(tree, Sum) and 1 < len(tree.terms) <= MAX_TERMS:
        assert isinstance(typed, syntax.Chain)  # a sum is read from a chain of terms
        spans = [operand.span for _, operand in typed.items]
        cuts = [0]
        for (_, end), (begin, _) in itertools.pairwise(spans):
            cuts.append(end + re.search(TERM_SIGN, expression[end:begin]).start())  # type: ignore[union-attr]
        cuts.append(len(expression))
        for k, (sign, operand) in enumerate(tree.terms):
            text = _trim(expression[cuts[k] + (1 if k else 0) : cuts[k + 1]])
            term_values = [values(operand, point)[0] for point in spec["points"]]
            if any(isinstance(v, str) for v in term_values):
                terms = []
                break
            factor = -1 if sign == "sub" else 1
            terms.append({"text": ("−" if sign == "sub" else "") + text, "values": [factor * v for v in term_values]})
    shape = tree.shape if isinstance(tree, Matrix) else None
    return _Line(tree, got, shape, terms, name)


def _follows(line: _Line, before: _Line, spec: dict) -> tuple[str, str]:
    """(verdict, words) for a line against the line before it (or the start), at the points where both have values."""
    name, got, want = before.name, line.values, before.values
    defined = [not any(isinstance(v, str) for v in g) for g in got]
    common = [p for p, w in enumerate(want) if defined[p] and not any(isinstance(v, str) for v in w)]
    if line.shape != before.shape:
        words = message("does_not_follow_shape", previous=name, want=describe(before.shape), got=describe(line.shape))
        flipped = line.shape and before.shape and line.shape == before.shape[::-1]
        if flipped and common:
            shown = {"shape": before.shape, "values": [want[p] for p in common]}
            found = transposed([got[p] for p in common], shown, previous=name)
            words += " " + found if found else ""
        return "incorrect", words
    if not common:
        return "invalid", message("no_common_point", previous=name)
    for p in common:
        wrong = next((k for k in range(len(want[p])) if not close(got[p][k], want[p][k])), None)
        if wrong is None:
            continue
        at = where(spec["variables"], spec["points"][p])
        words = message(
            "does_not_follow", previous=name, entry=entry(wrong, line.shape), where=at, got=fmt(got[p][wrong]),
            want=fmt(want[p][wrong]),
        )  # fmt: skip
        terms = [{"text": t["text"], "values": [t["values"][q] for q in common]} for t in before.terms]
        shown = {"shape": before.shape, "values": [want[q] for q in common], "terms": terms}
        found = slip([got[q] for q in common], shown, previous=name)
        return "incorrect", words + (" " + found if found else "")
    gap = next((p for p, w in enumerate(want) if not defined[p] and not any(isinstance(v, str) for v in w)), None)
    if gap is None:
        return "follows", message("follows", previous=name)
    reason = MESSAGES[undefined([got[gap]])[0]]  # type: ignore[index]
    at = where(spec["variables"], spec["points"][gap])
    return "follows", message("follows_where_defined", previous=name, where=at, reason=reason)


def _names_of(spec: dict, variables: Sequence[int] | set[int], functions: Sequence[str] | set[str]) -> str:
    names = [spec["variables"][k] for k in sorted(variables)] + [f for f in FUNCTIONS if f in functions]
    return ", ".join(names)


def judge_derivation(text: str, spec: dict) -> DerivationVerdict:
    """The verdict on a typed derivation (one step per line) for the box described by ``spec``
    (see :func:`answers.spec.derivation_spec`)."""
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
    start = spec["start"]
    before = _Line(None, start["values"], spec["shape"], start["terms"], message("the_start"))
    verdicts, problem, read = [], None, None
    for number, expression in lines:
        if time.monotonic() - started > TIME_LIMIT:
            return DerivationVerdict("invalid", message("time"))
        try:
            read = _read_line(expression, spec, message("line_before", line=number))
        except AnswerSyntaxError as error:
            verdict, words, read = "invalid", str(error), None
        else:
            if problem:
                verdict, words = "unchecked", message("unchecked", line=problem[0])
            else:
                verdict, words = _follows(read, before, spec)
        if not problem and verdict != "follows":
            problem = (number, verdict, before.name, words)
        verdicts.append(LineVerdict(number, verdict, message("line", line=number, mark=MARKS[verdict], text=words)))
        if read:
            before = read
    done = tuple(verdicts)
    if problem and problem[1] == "incorrect":
        return DerivationVerdict("incorrect", message("derivation_wrong", line=problem[0], previous=problem[2]), done)
    if problem:
        return DerivationVerdict("invalid", message("derivation_invalid", line=problem[0], reason=problem[3]), done)
    count = message("one_line") if len(lines) == 1 else message("all_lines", count=len(lines))
    result = spec["result"]
    assert read is not None and read.tree is not None  # every line was read
    variables, functions = _uses(read.tree)
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
