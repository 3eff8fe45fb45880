"""Step-checked derivations: every rewrite is verified equal to the one before it.

A step is accepted when SymPy proves ``previous - step == 0``, or, when SymPy cannot decide,
when both sides agree to 40 significant digits at several seeded random points. A step that
cannot be evaluated at all is rejected: nothing passes because its truth is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeAlias

import mpmath
import numpy as np
import sympy as sp

from checks import ledger, provenance
from checks.compat import float_as_mpf
from checks.failures import StepError
from checks.points import describe_point, kink_expressions, sample_points, symbol_range
from derivations.printing import latex

#: Digits used when a step is verified by evaluation.
DIGITS = 50
#: Two sides whose values differ by less than this (relative) count as equal at a point.
TOLERANCE = mpmath.mpf(10) ** -40
#: Number of random points a numerically verified step must agree at.
NUMERIC_POINTS = 6
#: ``simplify`` is only attempted below this operation count (it can take minutes on large expressions).
SIMPLIFY_MAX_OPS = 400

Expr: TypeAlias = sp.Expr | sp.MatrixBase


class Verified(str):
    """How an identity was verified, ``"symbolic"`` or ``"numeric"``, shown in a page as one readable line."""

    name: str

    def __new__(cls, method: str, name: str) -> Verified:
        verified = super().__new__(cls, method)
        verified.name = name
        return verified

    def __repr__(self) -> str:
        how = "proved by SymPy" if self == "symbolic" else f"equal to 40 digits at {NUMERIC_POINTS} random points"
        return f"✓ {self.name}: {how}"


class _Unevaluable(Exception):
    """Neither side of a step gives numbers at enough points: only a proof can decide."""


@dataclass(frozen=True)
class Step:
    expr: Expr
    why: str
    method: str  # "definition", "symbolic" or "numeric"


class Derivation:
    """A chain of expressions, each verified equal to the previous one.

    >>> x = sp.Symbol("x")
    >>> d = Derivation(sp.Derivative(sp.sin(x) ** 2, x), name="d/dx sin²x")
    >>> d.step(2 * sp.sin(x) * sp.cos(x), "chain rule").step(sp.sin(2 * x), "double-angle formula").result
    sin(2*x)

    ``indices`` maps integer index symbols to their upper bound (``{i: n}`` means 1 ≤ i ≤ n),
    so that sums in index notation are evaluated only where they make sense. ``prove=False`` skips
    the symbolic attempt after a step has been verified by evaluation (see :func:`verify_equal`).
    """

    def __init__(
        self,
        start: Expr,
        *,
        name: str,
        lhs: str | None = None,
        indices: Mapping[sp.Symbol, sp.Expr] | None = None,
        domain: Mapping[sp.Symbol, tuple[float, float]] | None = None,
        seed: int = 0,
        prove: bool = True,
    ) -> None:
        self.name = name
        self.lhs = lhs
        self.indices = dict(indices or {})
        self.domain = dict(domain or {})
        self.seed = seed
        self.prove = prove
        self.steps: list[Step] = [Step(_as_expr(start, "start"), "", "definition")]

    @property
    def result(self) -> Expr:
        """The last expression of the chain."""
        return self.steps[-1].expr

    def step(self, expr: Expr, why: str) -> Derivation:
        """Append ``expr``, justified by ``why``, after verifying it equals the current result."""
        expr = _as_expr(expr, f"step {len(self.steps)}")
        if not why.strip():
            raise ValueError(f"step {len(self.steps)} of {self.name!r} needs a justification")
        reason_lines(why)  # a justification that would render wrongly is refused before any work
        if self._repeats(expr):
            raise StepError(
                f"step {len(self.steps)} of the derivation “{self.name}” ({why}) shows step {len(self.steps) - 1} "
                "again unchanged: a step must change something (to introduce notation, write the step in it)",
                derivation=self.name,
                step=len(self.steps),
                why=why,
            )
        try:
            method = verify_equal(
                self.result,
                expr,
                indices=self.indices,
                domain=self.domain,
                seed=self.seed,
                name=f"{self.name}, step {len(self.steps)}",
                prove=self.prove,
            )
        except StepError as err:
            raise StepError(
                f"step {len(self.steps)} of the derivation “{self.name}” ({why}) does not follow from "
                f"step {len(self.steps) - 1}: {err}",
                derivation=self.name,
                step=len(self.steps),
                why=why,
                point=err.point,
                previous=err.previous,
                this=err.this,
                at=err.at,
            ) from None
        self.steps.append(Step(expr, why, method))
        return self

    def _repeats(self, expr: Expr) -> bool:
        """Whether ``expr`` is, as displayed, the expression the chain already ends with."""
        return expr == self.result

    def latex(self) -> str:
        """The chain as an ``aligned`` display: each step on its own line, its justification on the line above it.

        The left-hand side stands on a line of its own and every step starts at the left margin with
        ``=``, so a long left-hand side never pushes the steps right. A justification sits between the
        two expressions it connects, in grey, wrapped to fit a phone's column.
        """
        first = latex(self.steps[0].expr)
        lines = [f"&{self.lhs}", f"&= {first}"] if self.lhs else [f"&{first}"]
        for s in self.steps[1:]:
            lines.extend(rf"&\quad {{\color{{gray}}\text{{{line}}}}}" for line in reason_lines(s.why))
            lines.append(f"&= {latex(s.expr)}")
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    def __repr__(self) -> str:
        methods = ", ".join(s.method for s in self.steps[1:])
        return f"Derivation({self.name!r}: {len(self.steps) - 1} verified steps [{methods}] → {self.result})"


def verify_equal(
    before: Expr,
    after: Expr,
    *,
    indices: Mapping[sp.Symbol, sp.Expr] | None = None,
    domain: Mapping[sp.Symbol, tuple[float, float]] | None = None,
    seed: int = 0,
    name: str = "identity",
    prove: bool = True,
) -> Verified:
    """Return how ``before == after`` was verified ("symbolic" or "numeric"); raise StepError if not.

    Every identity is first evaluated at random points; SymPy's proof is then attempted only to record
    the stronger method. ``prove=False`` skips that attempt: on sums of symbolic size over indexed
    entries it costs seconds a step and adds nothing to a step already verified to 40 digits.

    ``name`` labels the identity in the book's verification ledger.
    """
    before, after = _as_expr(before, "before"), _as_expr(after, "after")
    displays = provenance.origins(before) | provenance.origins(after)
    try:
        method = _verify(before, after, indices, domain, seed, prove)
    except StepError:
        ledger.record(ledger.Check(kind="identity", quantity=name, passed=False, displays=tuple(displays)))
        raise
    ledger.record(
        ledger.Check(
            kind="identity",
            quantity=name,
            method=ledger.Method(method),
            points=NUMERIC_POINTS if method == "numeric" else 0,
            max_abs_error=0.0,
            max_rel_error=0.0,
            passed=True,
            displays=tuple(displays),
        )
    )
    return Verified(method, name)


def _verify(before: Expr, after: Expr, indices, domain, seed: int, prove: bool = True) -> str:
    if _shape(before) != _shape(after):
        sizes = [" × ".join(map(str, _shape(e))) or "a scalar" for e in (before, after)]
        raise StepError(f"the shapes differ: {sizes[0]} before, {sizes[1]} after")
    if before == after:
        return "symbolic"
    # Evaluate first: a wrong step is found fast and with a concrete counterexample.
    try:
        _agree_numerically(before, after, dict(indices or {}), dict(domain or {}), seed)
    except _Unevaluable as err:
        # Only a proof can accept what cannot be evaluated (e.g. an undefined function f(x)): try hard.
        if _is_zero_symbolically(before.doit() - after.doit(), thorough=True):
            return "symbolic"
        raise StepError(str(err)) from None
    # The step is already verified; a cheap proof only upgrades how ("symbolic" rather than "numeric").
    if prove and _is_zero_symbolically(before.doit() - after.doit()):
        return "symbolic"
    return "numeric"


#: Cheap rewrites that prove ``difference == 0``, tried in order. On the book's steps they prove every
#: difference ``simplify`` proved but four, in under a third of the time (see bench/README.md).
_PROOF_TACTICS = (
    sp.expand,
    sp.cancel,
    lambda e: sp.expand(e.doit()),
    lambda e: sp.cancel(sp.expand(e)),
    lambda e: sp.expand(sp.expand_trig(e)),
)


def _is_zero_symbolically(difference: Expr, *, thorough: bool = False) -> bool:
    """Whether SymPy proves every entry of ``difference`` zero; ``thorough`` adds ``simplify`` (slow)."""
    entries = list(difference) if isinstance(difference, sp.MatrixBase) else [difference]
    return all(_proves_zero(e, thorough) for e in entries)


def _proves_zero(e: sp.Expr, thorough: bool) -> bool:
    if e == 0:
        return True
    for tactic in _PROOF_TACTICS:
        try:
            if tactic(e) == 0:
                return True
        except (sp.PolynomialError, TypeError):  # cancel on a non-rational expression; summation on Indexed terms
            continue
    return thorough and sp.count_ops(e) <= SIMPLIFY_MAX_OPS and sp.simplify(e) == 0


def _agree_numerically(before: Expr, after: Expr, indices: dict, domain: dict, seed: int) -> None:
    # An index that only appears as a differentiation variable (d/dx[i]) is not a free symbol.
    mentioned = before.atoms(sp.Symbol) | after.atoms(sp.Symbol)
    integers = sorted({s for s in _free(before) | _free(after) if s.is_integer} | (set(indices) & mentioned), key=str)
    reals = {s for s in _leaves(before) | _leaves(after) if isinstance(s, sp.Symbol)}
    rng = np.random.default_rng(seed)
    # Sizes and indices come from small ranges, so draws repeat: expand each instance once.
    instances: dict[tuple, tuple] = {}
    verified = 0
    for attempt in range(NUMERIC_POINTS * 20):
        at = _draw_integers(integers, indices, rng)
        key = tuple(sorted(at.items(), key=str))
        if key not in instances:
            instances[key] = _instance(before, after, at, reals)
        lhs, rhs, leaves, avoid = instances[key]
        point = sample_points(
            [_placeholder(leaf) for leaf in leaves],
            1,
            seed=seed * 1000 + attempt,
            avoid=avoid,
            domain={_placeholder(leaf): domain[leaf] for leaf in leaves if leaf in domain},
        )[0]
        values = {leaf: sp.Float(point[_placeholder(leaf)], DIGITS) for leaf in leaves}
        left, right = _evaluate(lhs, values), _evaluate(rhs, values)
        if left is None or right is None:
            continue  # outside the domain of one side (e.g. log of a negative): try another point
        for idx, (a, b) in enumerate(zip(left, right)):
            if not _close(a, b):
                exact = {**{k: float(v) for k, v in at.items()}, **{k: float(v) for k, v in values.items()}}
                bases: dict[sp.Basic, list[sp.Basic]] = {}
                for leaf in values:  # an indexed vector or matrix of many entries is written shortened
                    if isinstance(leaf, sp.Indexed):
                        bases.setdefault(leaf.base, []).append(leaf)
                at_text = describe_point(exact, matrices=list(bases.values()))
                raise StepError(
                    f"at {at_text}{_entry(idx, _shape(before)) if len(left) > 1 else ''}: {_differ(a, b)}",
                    point=at_text,
                    previous=float(a),
                    this=float(b),
                    at=exact,
                )
        verified += 1
        if verified == NUMERIC_POINTS:
            return
    raise _Unevaluable(
        f"the step could not be evaluated at {NUMERIC_POINTS} points (only {verified} of "
        f"{NUMERIC_POINTS * 20} random points gave real numbers), so it is not verified"
    )


def _entry(index: int, shape: tuple[int, ...]) -> str:
    """``, entry (1, 2)`` of a matrix, ``, entry 3`` of a vector: the book counts from 1."""
    position = [int(v) + 1 for v in np.unravel_index(index, shape)]
    if len(position) == 2 and 1 in shape:  # a column or row vector
        return f", entry {position[0] if shape[1] == 1 else position[1]}"
    return f", entry ({', '.join(map(str, position))})" if len(position) > 1 else f", entry {position[0]}"


def _differ(a: mpmath.mpf, b: mpmath.mpf) -> str:
    """Both values to as many digits as it takes to see them differ (up to 20), and their difference."""
    with mpmath.workdps(DIGITS):
        scale = max(abs(a), abs(b))
        digits = 20 if scale == 0 else max(6, min(20, int(mpmath.ceil(-mpmath.log10(abs(b - a) / scale))) + 2))
        before, after, difference = _mp_number(a, digits), _mp_number(b, digits), _mp_number(b - a, 3)
    return f"the previous expression is {before} but this step gives {after} (difference {difference})"


def _mp_number(value: mpmath.mpf, digits: int) -> str:
    """An mpmath number written as :func:`checks.failures.number` writes a float: ``-1.5e-30``, not ``-1.5e-030``."""
    mantissa, e, exponent = mpmath.nstr(value, digits, strip_zeros=True).partition("e")
    mantissa = mantissa.removesuffix(".0")
    return f"{mantissa}e{exponent[0]}{int(exponent[1:])}" if e else mantissa


def _instance(before: Expr, after: Expr, at: dict, reals: set) -> tuple:
    """Both sides with sizes and indices fixed at ``at``, their numeric leaves, and the kinks to keep away from."""
    lhs = _subs(before, at).doit()
    rhs = _subs(after, at).doit()
    leaves = sorted(_leaves(lhs) | _leaves(rhs) | reals, key=str)
    to_placeholders = {leaf: _placeholder(leaf) for leaf in leaves}
    avoid = [k.xreplace(to_placeholders) for k in kink_expressions([lhs, rhs])]
    return lhs, rhs, leaves, avoid


def _close(a: mpmath.mpf, b: mpmath.mpf) -> bool:
    with mpmath.workdps(DIGITS):
        return abs(a - b) <= TOLERANCE * max(abs(a), abs(b), mpmath.mpf(1))


def _draw_integers(integers: list[sp.Symbol], indices: dict, rng: np.random.Generator) -> dict:
    """Sizes first, then each index in 1..its bound."""
    at: dict[sp.Symbol, sp.Integer] = {}
    for s in [s for s in integers if s not in indices]:
        lo, hi = symbol_range(s)
        at[s] = sp.Integer(int(rng.integers(max(int(lo), 1), int(hi) + 1)))
    for s in [s for s in integers if s in indices]:
        # A bound's size may be absent from both sides (index l ≤ d where only m appears): draw it too.
        for size in sorted(sp.sympify(indices[s]).free_symbols - set(at), key=str):
            lo, hi = symbol_range(size)
            at[size] = sp.Integer(int(rng.integers(max(int(lo), 1), int(hi) + 1)))
        bound = int(sp.sympify(indices[s]).subs(at))
        at[s] = sp.Integer(int(rng.integers(1, bound + 1)))
    return at


def _evaluate(expr: Expr, values: dict) -> list | None:
    entries = list(expr) if isinstance(expr, sp.MatrixBase) else [expr]
    out = []
    for e in entries:
        try:
            v = sp.sympify(e).xreplace(values).evalf(DIGITS)
        except (TypeError, ValueError, ZeroDivisionError):
            return None
        if not v.is_number or v.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
            return None
        re, im = v.as_real_imag()
        with mpmath.workdps(DIGITS):
            re, im = float_as_mpf(sp.Float(re, DIGITS)), float_as_mpf(sp.Float(im, DIGITS))
            if abs(im) > TOLERANCE * max(abs(re), 1):
                return None
        out.append(re)
    return out


def _as_expr(value: object, what: str) -> Expr:
    if isinstance(value, str):
        raise ValueError(f"{what} is a string; derivations take SymPy expressions")
    if isinstance(value, sp.MatrixBase):
        return sp.ImmutableMatrix(value)
    if isinstance(value, (int, float, sp.Basic)):
        return sp.sympify(value)
    raise ValueError(f"{what} is a {type(value).__name__}, not a SymPy expression")


def _shape(e: Expr) -> tuple[int, ...]:
    return tuple(e.shape) if isinstance(e, sp.MatrixBase) else ()


def _subs(e: Expr, values: dict) -> Expr:
    if not values:
        return e
    out = e.subs(values)
    # subs leaves a Derivative's variables alone inside a Sum (d/dW[i, j] keeps i, j): replace them structurally,
    # but only them: an index bound by a Sum inside the derivative (Σ_j) must keep its name.
    if out.has(sp.Derivative):
        out = out.replace(
            lambda d: isinstance(d, sp.Derivative),
            lambda d: sp.Derivative(d.expr, *[(v.xreplace(values), count) for v, count in d.variable_count]),
        )
    return out


def _free(e: Expr) -> set:
    return set(e.free_symbols)


def _leaves(e: Expr) -> set:
    """The numeric unknowns left after sizes are fixed: plain symbols and indexed entries x[2]."""
    indexed = set(e.atoms(sp.Indexed))
    bases = {i.base.label for i in indexed}
    return indexed | {s for s in e.free_symbols if isinstance(s, sp.Symbol) and s not in bases and not s.is_integer}


def _placeholder(leaf: sp.Basic) -> sp.Symbol:
    """A plain Symbol standing for an Indexed leaf, keeping the base's sign assumptions, for sampling."""
    if isinstance(leaf, sp.Symbol):
        return leaf
    assumptions = leaf.base.label.assumptions0
    return sp.Symbol(f"_{leaf}", **{k: v for k, v in assumptions.items() if k in _SIGN_KEYS})


_SIGN_KEYS = {"positive", "negative", "nonnegative", "nonpositive", "real"}


#: A justification line holds at most this many characters (math counted as printed, roughly): at the
#: normal size, 36 characters fit the text column of a 390 px phone with room to spare.
REASON_WIDTH = 36

# How each TeX special character of a justification's prose is written inside \text{} (MathJax textmacros).
_TEXT_ESCAPES = str.maketrans({"{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "#": r"\#"})
_MATH_ONLY = set("^_\\~")


def reason_lines(why: str, width: int = REASON_WIDTH) -> list[str]:
    """A justification as ``\\text{}`` lines of at most ``width`` characters; its math goes between ``$`` signs.

    >>> reason_lines("quotient rule; the numerator depends on $x_j$ only when $i = j$")
    ['quotient rule; the numerator depends', 'on $x_j$ only when $i = j$']

    Prose outside ``$…$`` may not contain ``^``, ``_``, ``~`` or a backslash: in text they would print as
    accents or as themselves, not as the superscript or subscript meant (``e^m`` must be ``$e^m$``).
    """
    if why.count("$") % 2:
        raise ValueError(f"unbalanced $ in the justification {why!r}")
    lines: list[str] = []
    line, used = "", 0
    for word in _words(why):
        tex, size = _word_tex(word, why)
        if line and used + 1 + size > width:
            lines.append(line)
            line, used = "", 0
        line, used = (f"{line} {tex}", used + 1 + size) if line else (tex, size)
    return [*lines, line] if line else lines


def _words(text: str) -> list[str]:
    """Split at spaces outside ``$…$``: a formula is never broken across lines."""
    words, current, in_math = [], "", False
    for char in text:
        if char == "$":
            in_math = not in_math
        if char == " " and not in_math:
            words.append(current)
            current = ""
        else:
            current += char
    return [w for w in [*words, current] if w]


def _word_tex(word: str, why: str) -> tuple[str, int]:
    """The word's TeX for inside ``\\text{}`` and roughly how many characters wide it prints."""
    pieces = word.split("$")
    tex, size = "", 0
    for k, piece in enumerate(pieces):
        if k % 2:  # math: a command prints as one symbol, sub- and superscripts at about half width
            tex += f"${piece}$"
            symbols = re.sub(r"\\[A-Za-z]+", "x", piece)
            size += len(re.sub(r"[{}_^ ]", "", symbols)) - len(re.findall(r"[_^]", symbols)) // 2
            continue
        bad = sorted(_MATH_ONLY & set(piece))
        if bad:
            raise ValueError(
                f"the justification {why!r} has {' '.join(bad)} outside math: write math between $ signs, e.g. $x_j$"
            )
        tex += piece.translate(_TEXT_ESCAPES)
        size += len(piece)
    return tex, size
