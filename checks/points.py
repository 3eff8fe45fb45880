"""Seeded random evaluation points for SymPy symbols, kept away from kinks.

Both the numeric checks and the step checker of :mod:`derivations` draw their
points here, so "a random point" means the same thing everywhere in the book.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import combinations

import numpy as np
import sympy as sp

from checks.compiled import compile_numeric
from checks.failures import POINT_DIGITS, number

#: Points closer than this to a kink (``|kink expression| < KINK_MARGIN``) are redrawn.
#: It is far above the finite-difference step (~1e-5), so no difference quotient straddles a kink.
KINK_MARGIN = 1e-3

#: Default interval for a real symbol without sign assumptions.
REAL_RANGE = (-2.0, 2.0)
#: Default interval for a symbol declared ``positive=True`` (or nonnegative):
#: bounded away from 0 so that ``log`` and ``1/x`` stay well conditioned.
POSITIVE_RANGE = (0.25, 2.5)
#: Integers (index symbols and sizes in derivations) are drawn from this closed range.
INTEGER_RANGE = (1, 4)

_MAX_REDRAWS = 1000


def kink_expressions(exprs: Iterable[sp.Basic]) -> list[sp.Expr]:
    """Expressions whose zero set is a kink of ``exprs``.

    Arguments of ``Abs``, ``sign``, ``Heaviside`` and ``DiracDelta``, pairwise differences of the
    arguments of ``Max``/``Min``, and ``lhs - rhs`` of every relational in a
    ``Piecewise`` condition.

    >>> x, y = sp.symbols("x y")
    >>> sorted(map(str, kink_expressions([sp.Max(x, 0) + sp.Abs(y)])))
    ['-x', 'y']
    """
    found: list[sp.Expr] = []
    for expr in _entries(exprs):
        for node in sp.preorder_traversal(expr):
            if isinstance(node, (sp.Abs, sp.sign, sp.Heaviside, sp.DiracDelta)):
                found.append(node.args[0])
            elif isinstance(node, (sp.Max, sp.Min)):
                found.extend(a - b for a, b in combinations(node.args, 2))
            elif isinstance(node, sp.Piecewise):
                for _, condition in node.args:
                    if isinstance(condition, sp.Basic):
                        found.extend(r.lhs - r.rhs for r in condition.atoms(sp.core.relational.Relational))
    unique: list[sp.Expr] = []
    for k in found:
        if k.free_symbols and k not in unique:
            unique.append(k)
    return unique


def _entries(exprs: Iterable[sp.Basic]) -> Iterable[sp.Basic]:
    for e in exprs:
        if isinstance(e, sp.MatrixBase):
            yield from e
        else:
            yield sp.sympify(e)


def symbol_range(symbol: sp.Symbol) -> tuple[float, float]:
    """The interval a symbol is drawn from, chosen from its SymPy assumptions."""
    if symbol.is_integer:
        return INTEGER_RANGE
    if symbol.is_positive or symbol.is_nonnegative:
        return POSITIVE_RANGE
    if symbol.is_negative or symbol.is_nonpositive:
        return (-POSITIVE_RANGE[1], -POSITIVE_RANGE[0])
    return REAL_RANGE


def sample_points(
    symbols: Sequence[sp.Symbol],
    count: int,
    *,
    seed: int = 0,
    avoid: Sequence[sp.Expr] = (),
    domain: Mapping[sp.Symbol, tuple[float, float]] | None = None,
) -> list[dict[sp.Symbol, float]]:
    """``count`` seeded random points, each a ``{symbol: value}`` dict.

    Each symbol is drawn uniformly from ``domain[symbol]`` if given, else from
    :func:`symbol_range`. A point where any expression in ``avoid`` is within
    :data:`KINK_MARGIN` of zero is redrawn.
    """
    domain = dict(domain or {})
    unknown = set(domain) - set(symbols)
    if unknown:
        raise ValueError(f"domain names symbols that are not being sampled: {sorted(map(str, unknown))}")
    rng = np.random.default_rng(seed)
    ranges = [domain.get(s, symbol_range(s)) for s in symbols]
    kinks = [k for k in avoid if k.free_symbols and k.free_symbols <= set(symbols)]
    # One function for all kinks: compiling is what costs, and a point is drawn only a few times.
    kink_values = compile_numeric(list(symbols), kinks, modules="math") if kinks else None

    points = []
    for _ in range(count):
        for _attempt in range(_MAX_REDRAWS):
            values = [
                float(rng.integers(lo, hi + 1)) if s.is_integer else float(rng.uniform(lo, hi))
                for s, (lo, hi) in zip(symbols, ranges)
            ]
            if clear_of_kinks(kink_values, values):
                break
        else:
            raise ValueError(
                f"no point at least {KINK_MARGIN} away from the kinks {kinks} in {_MAX_REDRAWS} draws; "
                "pass a domain that avoids them, or avoid_kinks=False"
            )
        points.append(dict(zip(symbols, values)))
    return points


def clear_of_kinks(kink_values: Callable | None, values: Sequence[float] | np.ndarray) -> bool:
    """Whether every kink expression (``kink_values(*values)``, a list) is at least KINK_MARGIN from zero there."""
    if kink_values is None:
        return True
    try:
        return all(abs(v) >= KINK_MARGIN for v in kink_values(*values))
    except (ValueError, ZeroDivisionError, OverflowError):
        return False


# ---------------------------------------------------------------------------- a point, as a message writes it

#: Greek letters a symbol's name spells out (``theta_t``), written as the page prints them (``θ_t``). Capitals
#: that look like Latin letters (Alpha, Eta, ...) stay spelled out.
_LOWER_NAMES = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi "
    "psi omega"
)
_GREEK = {
    **dict(zip(_LOWER_NAMES.split(), "αβγδεζηθικλμνξοπρστυφχψω")),
    **dict(zip("Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega".split(), "ΓΔΘΛΞΠΣΦΨΩ")),
    **{"lamda": "λ", "varepsilon": "ε", "varphi": "φ", "vartheta": "ϑ"},
}
_MOST_ENTRIES = 6


def symbol_name(symbol: sp.Basic) -> str:
    """A symbol or an indexed entry as the page prints it, in plain text: ``w_1``, ``W_{1,3}``, ``θ_t``, ``o_2``.

    >>> symbol_name(sp.Symbol("theta_t")), symbol_name(sp.IndexedBase("W")[1, 3]), symbol_name(sp.IndexedBase("o")[12])
    ('θ_t', 'W_{1,3}', 'o_{12}')
    """
    if isinstance(symbol, sp.Indexed):
        indices = [str(i) for i in symbol.indices]
        written = indices[0] if len(indices) == 1 and len(indices[0]) == 1 else "{" + ",".join(indices) + "}"
        return f"{symbol_name(symbol.base.label)}_{written}"
    return re.sub(r"[A-Za-z]+", lambda word: _GREEK.get(word.group(), word.group()), str(symbol))


def describe_point(
    at: Mapping[sp.Basic, float],
    *,
    matrices: Sequence[Sequence[sp.Basic]] = (),
    keep: Iterable[sp.Basic] = (),
    digits: int = POINT_DIGITS,
) -> str:
    """A point as a message writes it: ``x_1 = 0.548, x_2 = -0.921``, each value to ``digits`` significant digits.

    The entries of each matrix in ``matrices`` are written in full up to six; of a larger one only the first
    three, the last and those in ``keep`` (the entry a failure is about) are written, ``…`` standing for the
    others, so that a point of many coordinates stays a line or two.

    >>> x = sp.symbols("x_1 x_2")
    >>> describe_point({x[0]: 0.54812, x[1]: -0.92107})
    'x_1 = 0.5481, x_2 = -0.9211'
    """
    keep = set(keep)
    skipped: set[sp.Basic] = set()
    for entries in matrices:
        entries = [e for e in entries if e in at]
        if len(entries) > _MOST_ENTRIES:
            skipped.update(e for e in entries[3:-1] if e not in keep)
    parts: list[str] = []
    for symbol, value in at.items():
        if symbol not in skipped:
            parts.append(f"{symbol_name(symbol)} = {number(value, digits)}")
        elif parts[-1] != "…":
            parts.append("…")
    return ", ".join(parts)
