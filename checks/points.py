"""Seeded random evaluation points for SymPy symbols, kept away from kinks.

Both the numeric checks and the step checker of :mod:`derivations` draw their
points here, so "a random point" means the same thing everywhere in the book.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import combinations

import numpy as np
import sympy as sp

from checks.compiled import compile_numeric

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


def clear_of_kinks(kink_values: Callable | None, values: Sequence[float]) -> bool:
    """Whether every kink expression (``kink_values(*values)``, a list) is at least KINK_MARGIN from zero there."""
    if kink_values is None:
        return True
    try:
        return all(abs(v) >= KINK_MARGIN for v in kink_values(*values))
    except (ValueError, ZeroDivisionError, OverflowError):
        return False
