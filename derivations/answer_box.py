"""The answer boxes a chapter's cell shows: :class:`AnswerBox` and :class:`DerivationBox`.

A box renders where a reader types a formula (or a derivation, one step per line) and the page checks it,
with no server. The page carries the box's spec (:func:`answers.answer_spec`, :func:`answers.derivation_spec`:
the names, seeded points clear of kinks, and the expected values there); ``answer-box.js`` judges with
the parser and the table the build writes (``book/_ext/answer_language.py``).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sympy as sp

from answers.language import FUNCTIONS, REASON_MARK
from answers.spec import answer_spec, derivation_spec

if TYPE_CHECKING:
    from derivations.steps import Derivation


class AnswerBox:
    """A box where a reader types a formula and the page checks it, with no server.

    ``symbols`` are names the exercise offers beyond those of ``expected``; ``domain`` bounds a symbol.

    >>> box = AnswerBox(sp.exp(sp.Symbol("x")), points=2)
    >>> box.spec()["variables"], len(box.spec()["values"])
    (['x'], 2)
    """

    def __init__(
        self,
        expected: sp.Basic,
        *,
        symbols: Sequence[sp.Symbol] = (),
        points: int = 8,
        seed: int = 0,
        domain: Mapping[sp.Symbol, tuple[float, float]] | None = None,
    ) -> None:
        self.expected = expected
        self._spec = answer_spec(expected, symbols, points=points, seed=seed, domain=domain)

    def spec(self) -> dict:
        return self._spec

    def _repr_html_(self) -> str:
        data = html.escape(json.dumps(self._spec, ensure_ascii=False), quote=True)
        return (
            f'<div class="answer-box" data-answer="{data}">'
            '<label>Your answer: <input type="text" class="answer-input" autocomplete="off" spellcheck="false" '
            'placeholder="e.g. 2 x exp(x^2)"></label> <button type="button" class="answer-check">Check</button>'
            f'<div class="answer-help">Use {_help(self._spec["variables"])}.</div>'
            '<div class="answer-feedback" role="status" aria-live="polite"></div></div>'
        )

    def __repr__(self) -> str:
        return f"AnswerBox({self.expected}, {len(self._spec['points'])} points)"


def _help(variables: Sequence[str]) -> str:
    """The names, operators and functions a box accepts, as its help line lists them."""
    names = ", ".join(f"<code>{html.escape(v)}</code>" for v in variables) or "no variables"
    functions = ", ".join(f for f in FUNCTIONS if f != "ln")
    return f"{names}, numbers, + − * / ^, parentheses and {functions} (typed plainly, in LaTeX or in Unicode)"


def _inline_math(text: str) -> str:
    """``text`` as HTML, each ``$…$`` as a formula the build typesets (as Sphinx writes inline math)."""
    parts = re.split(r"\$([^$]+)\$", text)
    return "".join(
        f'<span class="math notranslate nohighlight">\\({html.escape(part)}\\)</span>' if k % 2 else html.escape(part)
        for k, part in enumerate(parts)
    )


class DerivationBox:
    """A box where a reader writes a derivation, one step per line, and the page checks every line
    against the one before it, from ``start`` to ``expected``, with no server.

    In the book, ``start`` and ``expected`` are the first and last expressions of the chapter's own
    verified :class:`~derivations.steps.Derivation` (:meth:`of` takes them from it). ``definitions``
    are names a line may use for longer expressions; ``hints`` (one to three, ``$…$`` for math) are
    shown one at a time; ``lhs`` is the LaTeX of what the start is (``\\sigma'(x)``).

    >>> x = sp.Symbol("x", real=True)
    >>> box = DerivationBox(sp.Derivative(sp.exp(2 * x), x), 2 * sp.exp(2 * x), points=2)
    >>> box.spec()["kind"], len(box.spec()["start"]["values"])
    ('derivation', 2)
    """

    def __init__(
        self,
        start: sp.Basic,
        expected: sp.Basic,
        *,
        symbols: Sequence[sp.Symbol] = (),
        points: int = 8,
        seed: int = 0,
        domain: Mapping[sp.Symbol, tuple[float, float]] | None = None,
        definitions: Mapping[sp.Symbol, sp.Basic] | None = None,
        hints: Sequence[str] = (),
        lhs: str | None = None,
    ) -> None:
        if len(hints) > 3:
            raise ValueError(f"a derivation box takes one to three hints, not {len(hints)}")
        self.start, self.expected, self.hints, self.lhs = start, expected, list(hints), lhs
        self._spec = derivation_spec(
            start, expected, symbols, points=points, seed=seed, domain=domain, definitions=definitions
        )

    @classmethod
    def of(cls, derivation: Derivation, **kwargs: Any) -> DerivationBox:
        """The box for a verified derivation: its first step is the start, its result the expected one."""
        shown = getattr(derivation, "shown", None)  # a CompactDerivation: the steps as written, with its names
        start, result = (shown[0], shown[-1]) if shown else (derivation.steps[0].expr, derivation.result)
        kwargs.setdefault("definitions", getattr(derivation, "meaning", None))
        kwargs.setdefault("lhs", derivation.lhs)
        kwargs.setdefault("domain", getattr(derivation, "domain", None) or None)
        return cls(start, result, **kwargs)

    def spec(self) -> dict:
        return self._spec

    def _repr_html_(self) -> str:
        from derivations.printing import latex

        data = html.escape(json.dumps(self._spec, ensure_ascii=False), quote=True)
        start = (self.lhs + " = " if self.lhs else "") + latex(self.start)
        ident = "derivation-" + hashlib.sha1(data.encode()).hexdigest()[:10]  # the same in every execution
        hints = ""
        if self.hints:
            items = "".join(f"<li hidden>{_inline_math(h)}</li>" for h in self.hints)
            hints = (
                f'<button type="button" class="derivation-hint" aria-controls="{ident}-hints">'
                f"Show hint 1 of {len(self.hints)}</button>"
                f'<ol class="derivation-hints" id="{ident}-hints" aria-live="polite">{items}</ol>'
            )
        return (
            f'<div class="derivation-box" data-derivation="{data}">'
            '<div class="derivation-start">Start: '
            f'<span class="math notranslate nohighlight">\\({html.escape(start)}\\)</span></div>'
            f'<label for="{ident}">Your derivation, one step per line:</label>'
            f'<textarea id="{ident}" class="derivation-input" rows="6" autocomplete="off" spellcheck="false" '
            f'placeholder="= first step  {REASON_MARK} why (optional)"></textarea>'
            '<div class="derivation-actions"><button type="button" class="derivation-check">Check</button>'
            f"{hints}</div>"
            f'<div class="answer-help">Each line is the whole expression so far, optionally after =; a reason may '
            f"follow {REASON_MARK}. Check compares each line with the one before it at the check points "
            f"(Ctrl+Enter checks too). Use {_help(self._spec['variables'])}.</div>"
            '<div class="derivation-feedback" role="status" aria-live="polite"></div>'
            '<ol class="derivation-lines" aria-label="The verdict on each line"></ol></div>'
        )

    def __repr__(self) -> str:
        return f"DerivationBox({self.start} → {self.expected}, {len(self._spec['points'])} points)"
