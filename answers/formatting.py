"""Numbers and terms as feedback shows them: 4 significant digits, and terms in the page's spellings."""

from __future__ import annotations

import decimal
import re

import sympy as sp

from answers.language import GREEK, LANGUAGE, MESSAGES, message

_SUPERSCRIPTS = str.maketrans(*reversed(LANGUAGE["superscripts"]))
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_LETTERS = {"sigma": "σ", "sigmoid": "σ"}
for _letter, _name in GREEK.items():
    _LETTERS.setdefault(_name, _letter)


def fmt(v: float) -> str:
    """``v`` to 4 significant digits, rounded half up from its shortest decimal form (as answer-box.js does)."""
    if v == 0:
        return "0"
    _, digits, exponent = decimal.Decimal(repr(abs(v))).as_tuple()
    assert isinstance(exponent, int)  # a finite number
    text = "".join(map(str, digits)).rstrip("0")
    exponent += len(digits) - len(text)
    if len(text) > 4:
        kept = int(text[:4]) + (text[4] >= "5")
        exponent += len(text) - 4
        text = str(kept).rstrip("0")
        exponent += len(str(kept)) - len(text)
    power = len(text) - 1 + exponent  # of the leading digit
    if -5 <= power < 7:
        if exponent >= 0:
            shown = text + "0" * exponent
        else:
            point = len(text) + exponent
            shown = text[:point] + "." + text[point:] if point > 0 else "0." + "0" * -point + text
    else:
        shown = text[0] + ("." + text[1:] if len(text) > 1 else "") + f"e{power}"
    return ("-" if v < 0 else "") + shown


def describe(shape: list[int] | None) -> str:
    """A shape in words: ``a number`` or ``a 2×3 matrix``."""
    return message("matrix", rows=shape[0], cols=shape[1]) if shape else MESSAGES["scalar"]


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
