r"""The verdict on a typed answer for an answer box: correct, incorrect (where, and the slip that explains
it, if one does), or invalid (why), word for word what the page's box says.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> check_answer(r"2x e^{x^2}", 2 * x * sp.exp(x**2)).verdict
'correct'
>>> print(check_answer(r"-\sigma(x)(1 - \sigma(x))", sp.exp(-x) / (1 + sp.exp(-x)) ** 2).feedback)
... # doctest: +NORMALIZE_WHITESPACE
Not quite: at x = 0.5478, your answer gives -0.2321 but the expected value is 0.2321.
The sign is flipped: your answer is −1 times the expected one.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from answers.evaluate import agrees, close, require_a_value_somewhere, undefined, values
from answers.formatting import describe, fmt
from answers.language import ATOL, MESSAGES, SLIPS, TERM_SLIPS, TIME_LIMIT, AnswerSyntaxError, message
from answers.nodes import Matrix
from answers.reader import parse_answer
from answers.spec import answer_spec


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


def where(variables: Sequence[str], point: Sequence[float]) -> str:
    """``at x = 0.5478, y = 2, `` (or nothing, for an answer without variables)."""
    shown = "".join(f"{n} = {fmt(v)}, " for n, v in zip(variables, point, strict=True))
    return "at " + shown if shown else ""


def entry(wrong: int, shape: list[int] | None) -> str:
    """The entry of a matrix at flat place ``wrong``, in words (nothing for a number)."""
    return message("entry", row=wrong // shape[1] + 1, col=wrong % shape[1] + 1) if shape else ""


def judge(answer: str, spec: dict) -> AnswerVerdict:
    """The verdict on ``answer`` for the box described by ``spec`` (see :func:`answers.spec.answer_spec`)."""
    started = time.monotonic()
    try:
        tree = parse_answer(answer, spec)
        got = []
        for point in spec["points"]:
            if time.monotonic() - started > TIME_LIMIT:
                raise AnswerSyntaxError(message("time"))
            got.append(values(tree, point))
        reasons = undefined(got)
        require_a_value_somewhere(reasons)
    except AnswerSyntaxError as error:
        return AnswerVerdict("invalid", str(error))
    shape = tree.shape if isinstance(tree, Matrix) else None
    if shape != spec["shape"]:
        feedback = message("shape", want=describe(spec["shape"]), got=describe(shape))
        flipped = shape and spec["shape"] and shape == spec["shape"][::-1]
        found = transposed(got, spec) if flipped and not any(reasons) else ""
        return AnswerVerdict("incorrect", feedback + (" " + found if found else ""))
    for point, g, want in zip(spec["points"], got, spec["values"], strict=True):
        wrong = next((k for k in range(len(want)) if not agrees(g[k], want[k])), None)
        if wrong is None:
            continue
        params = {"where": where(spec["variables"], point), "want": fmt(want[wrong]), "entry": entry(wrong, shape)}
        value = g[wrong]
        if isinstance(value, str):
            return AnswerVerdict("incorrect", message("wrong_undefined", reason=MESSAGES[value], **params))
        feedback = message("wrong", got=fmt(value), **params)
        found = "" if any(reasons) else slip(got, spec)
        return AnswerVerdict("incorrect", feedback + (" " + found if found else ""))
    return AnswerVerdict("correct", message("correct", n=len(spec["points"])))


def transposed(got: list, spec: dict, previous: str | None = None) -> str:
    """The transposed slip's message if ``got`` (a value at every entry) is the transpose of the expected, else ''.

    With ``previous`` (a derivation's "the start", "line 2"), the message compares a line with that one instead.
    """
    rows, cols = spec["shape"]
    same = all(
        close(g[j * rows + i], w[i * cols + j])
        for g, w in zip(got, spec["values"], strict=True)
        for i in range(rows)
        for j in range(cols)
    )
    return _slip_message("transposed", previous) if same else ""


def _slip_message(key: str, previous: str | None, **params: object) -> str:
    """A slip's sentence: the answer box's, or (``previous`` given) a derivation line's, naming the line before."""
    return message(key, **params) if previous is None else message("step_" + key, previous=previous, **params)


def slip(got: list, spec: dict, previous: str | None = None) -> str:
    """The name of a common slip that explains every value of the answer (a value at every entry), or ''."""
    shape, want = spec["shape"], spec["values"]
    if shape and shape[0] == shape[1] and transposed(got, spec):
        return _slip_message("transposed", previous)
    pairs = [(a, e) for g, w in zip(got, want, strict=True) for a, e in zip(g, w, strict=True)]
    # Any number is a multiple of a constant, and differs from it by a constant: no news.
    varies = not all(close(e, pairs[0][1]) for _, e in pairs)
    base = next(((a, e) for a, e in pairs if abs(e) > ATOL), None)
    if base and base[0] != 0 and all(close(a, base[0] / base[1] * e) for a, e in pairs):
        ratio = base[0] / base[1]
        for key, factor in SLIPS:
            if close(ratio, factor):
                return _slip_message(key, previous)
        if varies:
            return _slip_message("multiple", previous, ratio=fmt(ratio))
    if varies and all(close(a - e, pairs[0][0] - pairs[0][1]) for a, e in pairs):
        return _slip_message("offset", previous, offset=fmt(pairs[0][0] - pairs[0][1]))
    for term in spec["terms"]:
        for key, factor in TERM_SLIPS:
            if all(close(g[0], w[0] - factor * t) for g, w, t in zip(got, want, term["values"], strict=True)):
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
