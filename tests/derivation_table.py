"""The table of typed derivations (tests/derivation_cases.yml), shared by the Python and the browser runs."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import sympy as sp
import yaml

from answers import derivation_spec
from derivations.networks import sigmoid
from tests.answer_table import ASSUMPTIONS, _answer

CASES_FILE = Path(__file__).with_name("derivation_cases.yml")
#: The class answer-box.js gives a derivation box for each overall verdict, and a line for each of its verdicts.
BOX_CLASSES = {
    "correct": "answer-correct", "unfinished": "derivation-unfinished", "incorrect": "answer-wrong",
    "invalid": "answer-error",
}  # fmt: skip
LINE_CODES = {"follows": "f", "incorrect": "x", "invalid": "i", "unchecked": "u"}


@dataclass(frozen=True)
class Case:
    number: int  # its place in the table
    kind: str
    box: str
    text: str  # all the lines, as typed into the box
    verdict: str
    says: str
    lines: str  # each line's verdict, one letter each (LINE_CODES)

    @property
    def id(self) -> str:
        return f"{self.box}-{self.number}"

    def __str__(self) -> str:
        shown = self.text if len(self.text) <= 60 else f"{self.text[:50]}…({len(self.text)} chars)"
        return f"{self.id} {shown!r}"


@functools.cache
def _table() -> dict:
    return yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))


def _text(lines: list | dict) -> str:
    return _answer(lines) if isinstance(lines, dict) else "\n".join(_answer(line) for line in lines)


def boxes() -> dict[str, dict]:
    return _table()["boxes"]


def cases() -> list[Case]:
    return [
        Case(number, kind, box, _text(lines), verdict, says, codes)
        for number, (kind, box, lines, verdict, says, codes) in enumerate(_table()["cases"], start=1)
    ]


def kinds() -> Counter:
    """How many cases of each kind the table holds."""
    return Counter(c.kind for c in cases())


@functools.cache
def box_objects(name: str) -> tuple[sp.Basic, sp.Basic, dict, dict]:
    """The start, the expected result, the definitions and the domain of a box, read from the table."""
    box = boxes()[name]
    symbols = {n: sp.Symbol(n, **ASSUMPTIONS[a]) for n, a in box["symbols"].items()}
    names = {**symbols, "sigmoid": sigmoid, "Matrix": sp.Matrix, "Derivative": sp.Derivative}
    start, expected = (sp.sympify(box[k], locals=names) for k in ("start", "expected"))
    definitions = {symbols[n]: sp.sympify(v, locals=names) for n, v in box.get("definitions", {}).items()}
    domain = {symbols[n]: tuple(bounds) for n, bounds in box.get("domain", {}).items()}
    return start, expected, definitions, domain


@functools.cache
def box_spec(name: str) -> dict:
    """The spec a box's chapter gives its page, rebuilt from the table's description of the box."""
    start, expected, definitions, domain = box_objects(name)
    return derivation_spec(start, expected, definitions=definitions, domain=domain)
