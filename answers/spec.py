"""A box's spec: the names an answer may use, seeded check points clear of kinks, and the expected values there.

The spec is JSON, as a page carries it; :func:`answer_spec` is an answer box's, :func:`derivation_spec` a
derivation box's. Points come from :func:`checks.points.sample_points`, within each symbol's domain.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Mapping, Sequence

import sympy as sp
from sympy.core.function import AppliedUndef

from answers.evaluate import close
from answers.formatting import describe, fmt, readable
from answers.language import FUNCTIONS, MAX_TERMS, POINTS, SPEC_VERSION
from answers.names import aliases
from checks.compat import strict_sympify
from checks.points import kink_expressions, sample_points


def _logistic(expr: sp.Basic) -> sp.Basic:
    """An undefined function ``sigma`` in an expected expression is the logistic function."""
    return expr.replace(
        lambda e: isinstance(e, AppliedUndef) and e.func.__name__ in ("sigma", "σ") and len(e.args) == 1,
        lambda e: 1 / (1 + sp.exp(-e.args[0])),
    )


def _real(value: sp.Basic) -> float | None:
    v = complex(value)
    return v.real if abs(v.imag) < 1e-12 and math.isfinite(v.real) else None


def _terms(expected: sp.Basic) -> list[sp.Basic]:
    """Terms, for naming a slip term by term: those of the sum, or of the expanded product (2 to 12 of them)."""
    terms = [] if isinstance(expected, sp.MatrixBase) else list(sp.Add.make_args(expected))
    terms = terms if len(terms) > 1 or not terms else list(sp.Add.make_args(sp.expand(expected)))
    return terms if 1 < len(terms) <= MAX_TERMS else []


@functools.lru_cache(maxsize=64)
def _spec(expected: sp.Basic, symbols: tuple, points: int, seed: int, domain: tuple) -> dict:
    entries = list(expected) if isinstance(expected, sp.MatrixBase) else [expected]
    terms = _terms(expected)
    drawn = sample_points(list(symbols), 4 * points, seed=seed, avoid=kink_expressions(entries), domain=dict(domain))
    kept = []
    for p in drawn:
        values = [_real(e.evalf(30, subs=p)) for e in [*entries, *terms]]
        if None not in values:
            kept.append((p, values))
        if len(kept) == points:  # the first points that give a value: drawing on would change nothing
            break
    if len(kept) < points:
        raise ValueError(f"only {len(kept)} of {4 * points} sample points give a real value for {expected}")
    kept = kept[:points]
    n = len(entries)
    return {
        "version": SPEC_VERSION,
        "variables": [s.name for s in symbols],
        "names": aliases(symbols),
        "points": [[p[s] for s in symbols] for p, _ in kept],
        "values": [v[:n] for _, v in kept],
        "shape": list(expected.shape) if isinstance(expected, sp.MatrixBase) else None,
        "terms": [{"text": readable(t), "values": [v[n + k] for _, v in kept]} for k, t in enumerate(terms)],
    }


def answer_spec(
    expected: sp.Basic,
    symbols: Sequence[sp.Symbol] = (),
    *,
    points: int = POINTS,
    seed: int = 0,
    domain: Mapping[sp.Symbol, tuple[float, float]] | None = None,
) -> dict:
    """What a check needs to know about ``expected``: names, points, values there (JSON, as a page carries it).

    The answer may use the free symbols of ``expected`` and any extra ``symbols`` (names an exercise
    offers that the result happens not to contain). Each symbol is drawn from ``domain[symbol]``, else
    from its assumptions (:func:`checks.points.symbol_range`), away from kinks; points where
    ``expected`` is not real are skipped.
    """
    if isinstance(expected, str):
        raise TypeError("expected must be a SymPy object, not a str")
    expected = _logistic(strict_sympify(expected))  # a Matrix becomes an ImmutableMatrix
    bad = [s for s in [*expected.free_symbols, *symbols] if not isinstance(s, sp.Symbol)]
    if bad:
        raise TypeError(f"the variables of an answer must be SymPy Symbols, not {bad}")
    ordered = tuple(sorted(expected.free_symbols | set(symbols), key=lambda s: s.name))
    bounds = tuple(sorted((domain or {}).items(), key=lambda kv: kv[0].name))
    return copy.deepcopy(_spec(expected, ordered, points, seed, bounds))  # a copy: the cached one stays intact


#: The names SymPy gives the functions of the language (and the book's sigmoid), for a result's vocabulary.
_SYMPY_FUNCTIONS = {"Abs": "abs", "Max": "max", "Min": "min", "sigmoid": "sigma", "σ": "sigma"}


def _vocabulary(expr: sp.Basic, ordered: Sequence[sp.Symbol]) -> dict:
    """The variables (by place) and functions (in FUNCTIONS' order) a result is written with."""
    functions = set()
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow) and node.exp in (sp.S.Half, -sp.S.Half):
            functions.add("sqrt")
        elif isinstance(node, sp.Function):
            name = type(node).__name__
            functions.add(_SYMPY_FUNCTIONS.get(name, name))
    free = expr.free_symbols
    return {
        "variables": [k for k, s in enumerate(ordered) if s in free],
        "functions": [f for f in FUNCTIONS if f in functions and f != "ln"],
    }


def _values_at(entries: Sequence[sp.Basic], at: Mapping[sp.Symbol, float]) -> list[float | None]:
    return [_real(e.evalf(30, subs=dict(at))) for e in entries]


def derivation_spec(
    start: sp.Basic,
    expected: sp.Basic,
    symbols: Sequence[sp.Symbol] = (),
    *,
    points: int = POINTS,
    seed: int = 0,
    domain: Mapping[sp.Symbol, tuple[float, float]] | None = None,
    definitions: Mapping[sp.Symbol, sp.Basic] | None = None,
) -> dict:
    """What a derivation box needs (JSON, as a page carries it): the answer spec's names and points, the
    start's and the result's values there, and the names and functions the result is written with.

    ``start`` may hold an unevaluated ``Derivative`` (its value is the derivative's). ``definitions`` gives
    names a line may use for longer expressions (``y_1`` for a softmax entry): at each point a defined name
    takes its definition's value. The start and the result must agree at every point.
    """
    if isinstance(start, str) or isinstance(expected, str):
        raise TypeError("start and expected must be SymPy objects, not str")
    defs = {k: _logistic(strict_sympify(v)) for k, v in (definitions or {}).items()}
    written = strict_sympify(expected)  # as the result is written: sigma stays a function, for its vocabulary
    start, expected = _logistic(strict_sympify(start)), _logistic(written)

    def explicit(e: sp.Basic) -> sp.Basic:
        return strict_sympify(e.xreplace(defs).doit())  # names first, structurally: a derivative sees through them

    start_x, expected_x = explicit(start), explicit(expected)
    # The start's own names, before a derivative in it is taken: a line may still write them (x_1 in ∂L/∂x_2).
    extra = {s for s in symbols if s not in defs} | start_x.free_symbols | start.xreplace(defs).free_symbols
    extra |= {s for v in defs.values() for s in v.free_symbols}
    base = answer_spec(expected_x, sorted(extra, key=lambda s: s.name), points=points, seed=seed, domain=domain)
    base_symbols = sorted(expected_x.free_symbols | extra, key=lambda s: s.name)
    ordered = sorted(set(base_symbols) | set(defs), key=lambda s: s.name)
    start_entries = list(start_x) if isinstance(start_x, sp.MatrixBase) else [start_x]
    shape = list(start_x.shape) if isinstance(start_x, sp.MatrixBase) else None
    if shape != base["shape"]:
        raise ValueError(f"the start is {describe(shape)} but the result is {describe(base['shape'])}")
    rows, start_values = [], []
    for point, want in zip(base["points"], base["values"], strict=True):
        at = dict(zip(base_symbols, point, strict=True))
        at |= {d: _real(v.evalf(30, subs=at)) for d, v in defs.items()}
        got = _values_at(start_entries, at)
        if None in at.values() or not all(g is not None and close(g, w) for g, w in zip(got, want)):
            shown = ", ".join(f"{s} = {fmt(v)}" for s, v in at.items())
            raise ValueError(f"the start and the result differ (or have no value) at {shown}: {got} and {want}")
        rows.append([at[s] for s in ordered])
        start_values.append(got)

    def terms(e: sp.Basic) -> list[dict]:
        found = []
        for term in _terms(e):
            value = explicit(term)  # once, not at every point
            values = [_values_at([value], dict(zip(ordered, row, strict=True)))[0] for row in rows]
            if None in values:
                return []
            found.append({"text": readable(term), "values": values})
        return found

    return {
        "version": SPEC_VERSION,
        "kind": "derivation",
        "variables": [s.name for s in ordered],
        "names": aliases(ordered),
        "points": rows,
        "shape": shape,
        "start": {"values": start_values, "terms": terms(start_x if start.has(sp.Derivative) else start)},
        "result": {"values": base["values"], "terms": terms(expected), **_vocabulary(written, ordered)},
    }
