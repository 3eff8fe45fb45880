"""The answer language's table (``language.json``), read once: limits, tolerances, names, slips and sentences.

``language.json`` is the one place these are defined. The Python side reads them here; the book's build
writes the same table into ``answer-language.js``, where ``answer-box.js`` reads it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("language.json")
#: The whole table, as the page receives it.
LANGUAGE: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))

LIMITS: dict[str, Any] = LANGUAGE["limits"]
MAX_LENGTH: int = LIMITS["length"]  # characters
MAX_NODES: int = LIMITS["nodes"]  # numbers, names and operations
MAX_DEPTH: int = LIMITS["depth"]  # levels of nesting
MAX_DIGITS: int = LIMITS["digits"]  # in one number
MAX_EXPONENT: int = LIMITS["exponent"]  # |exponent| of a power
# Seconds for one check: a backstop only. The size limits above already keep a check near 0.1 s; a
# tighter clock turned right answers into "too complex" on a loaded machine.
TIME_LIMIT: float = LIMITS["seconds"]
MAX_TERMS: int = LIMITS["terms"]  # a sum with more terms is not searched term by term for a slip
MAX_LINES: int = LIMITS["lines"]  # lines of a derivation; each line is held to the limits above
MAX_DERIVATION_LENGTH: int = LIMITS["derivation_length"]  # characters of a whole derivation
#: Agreement: |answer - expected| <= RTOL * max(|answer|, |expected|) + ATOL.
RTOL: float = LANGUAGE["rtol"]
ATOL: float = LANGUAGE["atol"]
POINTS: int = LANGUAGE["points"]
#: The format of a box's spec; the build checks it, so a box from a stale execution cache fails the build.
SPEC_VERSION: int = LANGUAGE["spec_version"]
#: Between a derivation line's expression and its optional reason: # is no character of the answer language.
REASON_MARK: str = LANGUAGE["reason_mark"]
#: The mark before a derivation line's words, by the line's verdict.
MARKS: dict[str, str] = LANGUAGE["marks"]
#: Each function with its least and greatest number of arguments; ``log`` is natural, ``ln`` the same.
FUNCTIONS: dict[str, list[int]] = LANGUAGE["functions"]
FUNCTION_ALIASES: dict[str, str] = LANGUAGE["function_aliases"]
CONSTANTS: dict[str, float] = LANGUAGE["constants"]
NAME_SYNONYMS: dict[str, list[str]] = LANGUAGE["name_synonyms"]
GREEK: dict[str, str] = LANGUAGE["greek"]
#: (slip, factor): the answer is ``factor`` times the expected one.
SLIPS: list[tuple[str, float]] = [(key, factor) for key, factor in LANGUAGE["slips"]]
#: (slip, factor): the answer is the expected one less ``factor`` times one of its terms.
TERM_SLIPS: list[tuple[str, float]] = [(key, factor) for key, factor in LANGUAGE["term_slips"]]
#: The grammar's rules that apply a function.
CALLS: tuple[str, ...] = tuple(LANGUAGE["calls"])
SUPERSCRIPT_DIGITS = str.maketrans(*LANGUAGE["superscripts"])
#: Letters and digits of Unicode's mathematical alphabets (𝑥, 𝐖, 𝜎, 𝟐, and ℎ, which stands in for the italic h
#: the block leaves out), as text copied from typeset mathematics carries them: each is read as its plain letter.
MATH_ALPHANUMERIC = "[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in LANGUAGE["math_alphanumeric"]) + "]"
BLANK: str = LANGUAGE["blank"]  # a regular expression: the white space a line may hold
TERM_SIGN: str = LANGUAGE["term_sign"]  # a regular expression: the sign between two terms
#: Every sentence a reader can be shown, on either side; {name} is filled in.
MESSAGES: dict[str, str] = LANGUAGE["messages"]


def message(key: str, **params: object) -> str:
    """A catalogue sentence with its ``{name}`` fields filled (answer-box.js fills them the same way)."""
    return re.sub(r"\{(\w+)\}", lambda m: str(params[m[1]]), MESSAGES[key])


class AnswerSyntaxError(ValueError):
    """The answer is not a usable formula: outside the language or the limits, or it cannot be evaluated."""


class Undefined(Exception):
    """The answer has no finite real value at a point; ``args[0]`` is the catalogue key of the reason."""
