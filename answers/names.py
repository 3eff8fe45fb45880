"""How a typed name is spelled: one key for every spelling, the spellings of a symbol, and ``xy`` split."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

import sympy as sp

from answers.language import GREEK, NAME_SYNONYMS

_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def subscripts(text: str) -> str:
    """Unicode subscript digits as an underscore and plain digits: ``x₁₂`` is ``x_12``."""
    return re.sub("[₀-₉]+", lambda m: "_" + m[0].translate(_SUBSCRIPT_DIGITS), text)


def name_key(text: str) -> str:
    """A typed name in one spelling: ``\\alpha_{1}``, ``α_1`` and ``alpha_1`` are all ``alpha_1``."""
    base, _, sub = subscripts(text).lstrip("\\").partition("_")
    base, sub = GREEK.get(base, base), sub.strip("{}").replace(" ", "")
    return base + ("_" + sub if sub else "")


def aliases(symbols: Sequence[sp.Symbol]) -> dict[str, int]:
    """Every spelling a reader may type for each symbol, with the symbol's place in ``symbols``."""
    names: dict[str, int] = {}
    for i, s in enumerate(symbols):
        key = name_key(s.name)
        base, _, sub = key.partition("_")
        for b in [base, *NAME_SYNONYMS.get(base, [])]:
            names.setdefault(b + ("_" + sub if sub else ""), i)
            names.setdefault(b + sub.replace(",", ""), i)  # w1 for w_1
            if sub:
                names.setdefault(b + "_" + sub.replace(",", ""), i)  # W_{12} for W_{1,2}
    return names


def split(text: str, names: Mapping[str, int]) -> list[str] | None:
    """``xy`` as ``[x, y]`` when both are names; digits and a subscript go with the last piece."""
    m = re.fullmatch(r"([A-Za-z]+)([0-9]*(?:_.*)?)", text)
    if not m or len(m[1]) < 2:
        return None
    letters, tail = m[1], name_key(m[2])

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
