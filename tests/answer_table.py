"""The table of typed answers (tests/answer_cases.yml), shared by the Python and the browser runs."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import sympy as sp
import yaml

from answers import answer_spec
from derivations.networks import sigmoid

CASES_FILE = Path(__file__).with_name("answer_cases.yml")
ASSUMPTIONS = {"real": {"real": True}, "positive": {"positive": True}}
# The class answer-box.js gives a box for each verdict.
BOX_CLASSES = {"correct": "answer-correct", "incorrect": "answer-wrong", "invalid": "answer-error"}


@dataclass(frozen=True)
class Case:
    number: int  # its place in the table
    box: str
    answer: str
    verdict: str
    says: str

    @property
    def id(self) -> str:
        """The test's id: box and place, since an answer may hold any character (``[``, a newline) and a
        test id must stay selectable on the command line (mutmut selects tests by id)."""
        return f"{self.box}-{self.number}"

    def __str__(self) -> str:
        shown = self.answer if len(self.answer) <= 40 else f"{self.answer[:30]}…({len(self.answer)} chars)"
        return f"{self.id} {shown!r}"


@functools.cache
def _table() -> dict:
    return yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))


def _answer(text: str | dict) -> str:
    if isinstance(text, str):
        return text
    times = text["times"]
    return text.get("before", "") + text["repeat"] * times + text.get("after", "") + text.get("close", "") * times


def boxes() -> dict[str, dict]:
    return _table()["boxes"]


def cases() -> list[Case]:
    return [
        Case(number, box, _answer(answer), verdict, (rest or [""])[0])
        for number, (box, answer, verdict, *rest) in enumerate(_table()["cases"], start=1)
    ]


@functools.cache
def box_spec(name: str) -> dict:
    """The spec a box's chapter gives its page, rebuilt from the table's description of the box."""
    box = boxes()[name]
    symbols = {n: sp.Symbol(n, **ASSUMPTIONS[a]) for n, a in box["symbols"].items()}
    # The book's own formula, not a reader's text; sigmoid is the book's σ, as the chapters write it.
    expected = sp.sympify(box["expected"], locals={**symbols, "sigmoid": sigmoid})
    # What the chapter passes to AnswerBox besides the expression: extra names and domains.
    made = box.get("answer_box", {})
    extra = [sp.Symbol(n, **ASSUMPTIONS[a]) for n, a in made.get("symbols", {}).items()]
    every = {**symbols, **{s.name: s for s in extra}}
    domain = {every[n]: tuple(bounds) for n, bounds in made.get("domain", {}).items()}
    return answer_spec(expected, extra, domain=domain)
