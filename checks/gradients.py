"""Three opinions on a derivative: SymPy (the claim), torch.autograd, and finite differences.

A claimed derivative passes only if, at every seeded random point, the SymPy value agrees
with autograd to ``rtol``/``atol`` *and* central finite differences agree with autograd to a
looser tolerance (they are only accurate to about 1e-10). Autograd is run on an independent
torch implementation of the function, never on the claim itself.
"""

from __future__ import annotations

import dataclasses
import functools
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import sympy as sp
import torch

from checks import ledger, provenance
from checks.compiled import compile_numeric
from checks.failures import GradientMismatch, digits_to_tell_apart, number
from checks.points import clear_of_kinks, describe_point, kink_expressions, sample_points, symbol_name

Wrt: TypeAlias = sp.Symbol | sp.MatrixBase
Claim: TypeAlias = sp.Basic | sp.MatrixBase | int | float

#: Finite differences (central, step ~ eps^(1/3) ≈ 6e-6) are accurate to about 1e-10 relative;
#: the tolerance leaves room for curvature and cancellation.
FD_RTOL = 1e-5
#: Second differences for Hessians use a step ~ eps^(1/4) ≈ 1e-4 and are accurate to ~1e-8.
FD_HESSIAN_RTOL = 1e-4
#: Above this many coordinates, finite differences are taken on a seeded random subset per point.
FD_MAX_COORDINATES = 64

_DTYPE = torch.float64


@dataclass
class CheckReport:
    """What a passed check compared, and how closely the three opinions agreed.

    ``max_rel_error`` is the largest ``|sympy - autograd| / max(|sympy|, |autograd|)`` over
    entries whose magnitude exceeds ``atol`` (near-zero entries are judged by
    ``max_abs_error``); ``max_fd_rel_error`` is the same for finite differences vs autograd.
    ``max_normwise_rel_error`` measures each point's error against the size of the whole
    quantity, ``max|sympy - autograd| / max(|sympy|, |autograd|)`` over all its entries: an entry
    that is a cancellation of large terms is then not held to a precision float64 cannot give it.
    """

    kind: str
    quantity: str
    wrt: list[str]
    entries: int
    points: int
    max_abs_error: float
    max_rel_error: float
    max_fd_rel_error: float
    max_normwise_rel_error: float
    fd_coordinates: int
    rtol: float
    atol: float
    seed: int
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        # One line, as the page shows it; the details are the fields (and the verification ledger).
        return (
            f"✓ {self.kind} of {self.quantity} w.r.t. {', '.join(self.wrt)}: SymPy = autograd at {self.points} points "
            f"× {self.entries} entries, max rel. error {number(self.max_rel_error, 2)}; finite differences agree "
            f"to {number(self.max_fd_rel_error, 2)}"
        )

    __repr__ = __str__


# ---------------------------------------------------------------------------- public checks


def _reader_facing(check: Callable[..., CheckReport]) -> Callable[..., CheckReport]:
    """Raise a check's failure from the reader's call: the message is the story, not our internals."""

    @functools.wraps(check)
    def wrapper(*args: object, **kwargs: object) -> CheckReport:
        __tracebackhide__ = True  # pytest and IPython hide this frame
        try:
            return check(*args, **kwargs)
        except (GradientMismatch, ValueError) as failure:
            raise failure.with_traceback(None) from None

    return wrapper


@_reader_facing
def check_gradient(
    fn: Callable[..., torch.Tensor],
    claimed: Sequence[Claim],
    wrt: Sequence[Wrt],
    *,
    trials: int = 5,
    seed: int = 0,
    rtol: float = 1e-9,
    atol: float = 1e-12,
    name: str = "f",
    at: Sequence[Mapping[Wrt, npt.ArrayLike]] = (),
    domain: Mapping[sp.Symbol, tuple[float, float]] | None = None,
    avoid_kinks: bool = True,
    kinks: Sequence[sp.Expr] = (),
) -> CheckReport:
    """Check a claimed gradient of the scalar ``fn`` against autograd and finite differences.

    ``wrt`` lists Symbols and Matrices of Symbols; ``fn`` takes one float64 tensor per entry
    (0-d for a Symbol, the Matrix's shape for a Matrix) and returns a scalar tensor;
    ``claimed`` is aligned with ``wrt`` (an expression per Symbol, a same-shape Matrix per Matrix).
    Points are ``trials`` seeded random draws (see :mod:`checks.points`) plus the explicit
    points in ``at`` (dicts from wrt entries to values). Raises :class:`GradientMismatch`
    on disagreement, :class:`ValueError` on malformed input.

    >>> x = sp.Symbol("x")
    >>> check_gradient(lambda t: torch.sin(t) ** 2, [sp.sin(2 * x)], [x]).points
    5
    """
    variables = _Variables.build(wrt, name)
    claim = variables.align_claim(claimed, "claimed")
    fn = _checked_callable(fn)

    def autograd(values: np.ndarray) -> np.ndarray:
        tensors = variables.tensors(values, requires_grad=True)
        out = variables.call_scalar(fn, tensors)
        grads = torch.autograd.grad(out, tensors, allow_unused=True)
        return variables.flatten_grads(grads, tensors)[None, :]

    def differences(values: np.ndarray, coords: np.ndarray) -> np.ndarray:
        return _central_differences(lambda v: variables.value(fn, v), values, coords)[None, :]

    return _compare(
        "gradient",
        variables,
        claim_rows=[claim],
        autograd=autograd,
        differences=differences,
        labels=lambda r, c: f"∂{name}/∂{variables.labels[c]}",
        fd_rtol=FD_RTOL,
        fd_scale=lambda v: variables.value(fn, v),
        settings=_Settings(trials, seed, rtol, atol, at, domain, avoid_kinks, kinks),
    )


@_reader_facing
def check_jacobian(
    fn: Callable[..., torch.Tensor],
    claimed: sp.MatrixBase,
    wrt: Sequence[Wrt],
    *,
    trials: int = 5,
    seed: int = 0,
    rtol: float = 1e-9,
    atol: float = 1e-12,
    name: str = "f",
    at: Sequence[Mapping[Wrt, npt.ArrayLike]] = (),
    domain: Mapping[sp.Symbol, tuple[float, float]] | None = None,
    avoid_kinks: bool = True,
    kinks: Sequence[sp.Expr] = (),
) -> CheckReport:
    """Check a claimed Jacobian (numerator layout) of a vector-valued ``fn``.

    ``fn`` returns a vector of m entries (shape ``(m,)`` or ``(m, 1)``); ``claimed`` is an m × N Matrix
    whose column j is
    the derivative with respect to the j-th scalar of ``wrt`` (Matrices flattened row by row).
    """
    variables = _Variables.build(wrt, name)
    if not isinstance(claimed, sp.MatrixBase) or claimed.cols != variables.size:
        raise ValueError(
            f"claimed Jacobian must be a Matrix with {variables.size} columns (one per scalar in wrt); "
            f"got {_describe_shape(claimed)}"
        )
    rows = [list(claimed.row(r)) for r in range(claimed.rows)]
    for r, row in enumerate(rows):
        variables.check_free_symbols(row, f"claimed Jacobian row {r + 1}")
    fn = _checked_callable(fn)

    def outputs(tensors: list[torch.Tensor]) -> torch.Tensor:
        out = variables.call(fn, tensors)
        if tuple(out.shape) not in ((claimed.rows,), (claimed.rows, 1)):
            raise ValueError(
                f"fn must return a vector with {claimed.rows} entries, shape ({claimed.rows},) or "
                f"({claimed.rows}, 1), one per row of the claimed Jacobian; got shape {tuple(out.shape)}"
            )
        return out.reshape(-1)

    def autograd(values: np.ndarray) -> np.ndarray:
        tensors = variables.tensors(values, requires_grad=True)
        out = outputs(tensors)
        variables.require_graph(out)
        result = []
        for r in range(out.numel()):
            grads = torch.autograd.grad(out[r], tensors, allow_unused=True, retain_graph=True)
            result.append(variables.flatten_grads(grads, tensors))
        return np.array(result)

    def vector_value(values: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return outputs(variables.tensors(values)).numpy().copy()

    def differences(values: np.ndarray, coords: np.ndarray) -> np.ndarray:
        return _central_differences(vector_value, values, coords)

    return _compare(
        "Jacobian",
        variables,
        claim_rows=rows,
        autograd=autograd,
        differences=differences,
        labels=lambda r, c: f"∂{_entry_of(name, r + 1)}/∂{variables.labels[c]}",
        fd_rtol=FD_RTOL,
        fd_scale=lambda v: float(np.max(np.abs(vector_value(v)))),
        settings=_Settings(trials, seed, rtol, atol, at, domain, avoid_kinks, kinks),
    )


@_reader_facing
def check_hessian(
    fn: Callable[..., torch.Tensor],
    claimed: sp.MatrixBase,
    wrt: Sequence[sp.Symbol],
    *,
    trials: int = 5,
    seed: int = 0,
    rtol: float = 1e-9,
    atol: float = 1e-12,
    name: str = "f",
    at: Sequence[Mapping[Wrt, npt.ArrayLike]] = (),
    domain: Mapping[sp.Symbol, tuple[float, float]] | None = None,
    avoid_kinks: bool = True,
    kinks: Sequence[sp.Expr] = (),
) -> CheckReport:
    """Check a claimed Hessian (an n × n Matrix for n Symbols in ``wrt``) of the scalar ``fn``.

    Autograd's opinion is double backward; the third opinion is second differences of ``fn``.
    """
    if any(not isinstance(s, sp.Symbol) for s in wrt):
        raise ValueError("check_hessian takes a list of Symbols as wrt (flatten Matrices first)")
    variables = _Variables.build(wrt, name)
    n = variables.size
    if not isinstance(claimed, sp.MatrixBase) or claimed.shape != (n, n):
        raise ValueError(
            f"claimed Hessian must be a {n} × {n} Matrix (one row and column per symbol in wrt); "
            f"got {_describe_shape(claimed)}"
        )
    rows = [list(claimed.row(r)) for r in range(n)]
    for r, row in enumerate(rows):
        variables.check_free_symbols(row, f"claimed Hessian row {r + 1}")
    fn = _checked_callable(fn)

    def autograd(values: np.ndarray) -> np.ndarray:
        tensors = variables.tensors(values, requires_grad=True)
        out = variables.call_scalar(fn, tensors)
        grads = torch.autograd.grad(out, tensors, create_graph=True, allow_unused=True)
        hessian = np.zeros((n, n))
        for i, g in enumerate(grads):
            if g is not None and g.requires_grad:
                second = torch.autograd.grad(g, tensors, allow_unused=True, retain_graph=True)
                hessian[i] = variables.flatten_grads(second, tensors)
        return hessian

    def differences(values: np.ndarray, coords: np.ndarray) -> np.ndarray:
        return _second_differences(lambda v: variables.value(fn, v), values, coords)

    return _compare(
        "Hessian",
        variables,
        claim_rows=rows,
        autograd=autograd,
        differences=differences,
        labels=lambda r, c: f"∂²{name}/∂{variables.labels[r]}∂{variables.labels[c]}",
        fd_rtol=FD_HESSIAN_RTOL,
        fd_scale=lambda v: variables.value(fn, v),
        settings=_Settings(trials, seed, rtol, atol, at, domain, avoid_kinks, kinks),
    )


# ---------------------------------------------------------------------------- wrt handling


@dataclass
class _Variables:
    """The variables ``wrt`` names, flattened to one list of scalar symbols, with their labels and shapes."""

    name: str
    entries: list[Wrt]
    shapes: list[tuple[int, ...]]
    symbols: list[sp.Symbol]
    labels: list[str]
    entry_names: list[str]

    @classmethod
    def build(cls, wrt: Sequence[Wrt], name: str) -> _Variables:
        if isinstance(wrt, (sp.Basic, sp.MatrixBase)) or not isinstance(wrt, Sequence) or not wrt:
            raise ValueError("wrt must be a non-empty list of Symbols and/or Matrices of Symbols, e.g. [x] or [W, b]")
        shapes: list[tuple[int, ...]] = []
        symbols: list[sp.Symbol] = []
        labels: list[str] = []
        entry_names: list[str] = []
        for k, entry in enumerate(wrt):
            if isinstance(entry, sp.Symbol):
                shapes.append(())
                symbols.append(entry)
                labels.append(symbol_name(entry))
                entry_names.append(str(entry))
            elif isinstance(entry, sp.MatrixBase):
                bad = [e for e in entry if not isinstance(e, sp.Symbol)]
                if bad or entry.shape[0] * entry.shape[1] == 0:
                    raise ValueError(
                        f"wrt[{k}] must be a Matrix of Symbols; it contains {bad[0] if bad else 'no entries'}"
                    )
                stem = _matrix_stem(entry)
                shapes.append(tuple(entry.shape))
                entry_names.append(stem)
                for i in range(entry.rows):
                    for j in range(entry.cols):
                        symbols.append(entry[i, j])
                        labels.append(symbol_name(entry[i, j]))
            else:
                raise ValueError(f"wrt[{k}] is {entry!r}, not a Symbol or a Matrix of Symbols")
        repeated = sorted({str(s) for s in symbols if symbols.count(s) > 1})
        if repeated:
            raise ValueError(f"wrt lists these symbols more than once: {repeated}")
        return cls(name, list(wrt), shapes, symbols, labels, entry_names)

    @property
    def size(self) -> int:
        return len(self.symbols)

    def align_claim(self, claimed: Sequence[Claim], what: str) -> list[sp.Expr]:
        """Flatten a claim aligned with ``wrt`` into one expression per scalar symbol."""
        if isinstance(claimed, (sp.Basic, sp.MatrixBase)) or not isinstance(claimed, Sequence):
            raise ValueError(f"{what} must be a list aligned with wrt (one entry per wrt entry)")
        if len(claimed) != len(self.entries):
            raise ValueError(f"{what} has {len(claimed)} entries but wrt has {len(self.entries)}")
        flat: list[sp.Expr] = []
        for k, (c, shape) in enumerate(zip(claimed, self.shapes)):
            label = f"{what}[{k}] (for {self.entry_names[k]})"
            if shape == ():
                if isinstance(c, sp.MatrixBase):
                    raise ValueError(f"{label} is a {c.rows}×{c.cols} Matrix, but {self.entry_names[k]} is a scalar")
                flat.append(_as_expr(c, label))
            else:
                if not isinstance(c, sp.MatrixBase) or tuple(c.shape) != shape:
                    raise ValueError(f"{label} must be a Matrix of shape {shape}; got {_describe_shape(c)}")
                flat.extend(_as_expr(e, label) for e in c)
        self.check_free_symbols(flat, what)
        return flat

    def check_free_symbols(self, exprs: Sequence[sp.Expr], what: str) -> None:
        free = set().union(*(sp.sympify(e).free_symbols for e in exprs)) if exprs else set()
        stray = free - set(self.symbols)
        if stray:
            raise ValueError(
                f"{what} uses symbols that are not in wrt: {sorted(map(str, stray))}. "
                "Substitute values for them (expr.subs) or add them to wrt."
            )

    def tensors(self, values: np.ndarray, requires_grad: bool = False) -> list[torch.Tensor]:
        out, start = [], 0
        for shape in self.shapes:
            size = int(np.prod(shape)) if shape else 1
            t = torch.tensor(values[start : start + size], dtype=_DTYPE).reshape(shape)
            out.append(t.requires_grad_(requires_grad))
            start += size
        return out

    def call(self, fn: Callable[..., torch.Tensor], tensors: list[torch.Tensor]) -> torch.Tensor:
        try:
            out = fn(*tensors)
        except Exception as err:  # the reader's function failed: say how it was called
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(
                f"fn raised {type(err).__name__}: {err} — it was called with {len(tensors)} float64 "
                f"tensor(s) of shapes {shapes}, one per wrt entry"
            ) from None
        if not isinstance(out, torch.Tensor):
            raise ValueError(f"fn must return a torch tensor; it returned {type(out).__name__}")
        if out.dtype != _DTYPE:
            raise ValueError(f"fn must compute in float64 but returned {out.dtype}: mixed precision hides errors")
        return out

    def call_scalar(self, fn: Callable[..., torch.Tensor], tensors: list[torch.Tensor]) -> torch.Tensor:
        out = self.call(fn, tensors)
        if out.numel() != 1:
            raise ValueError(f"fn must return a scalar tensor; it returned shape {tuple(out.shape)}")
        if any(t.requires_grad for t in tensors):
            self.require_graph(out)
        return out.reshape(())

    def require_graph(self, out: torch.Tensor) -> None:
        if not out.requires_grad:
            raise ValueError(
                "fn's output is not connected to its inputs by autograd (did it use .item(), "
                "NumPy, torch.no_grad or build a new tensor?)"
            )

    def value(self, fn: Callable[..., torch.Tensor], values: np.ndarray) -> float:
        with torch.no_grad():
            return float(self.call_scalar(fn, self.tensors(values)))

    def flatten_grads(self, grads: Sequence[torch.Tensor | None], tensors: list[torch.Tensor]) -> np.ndarray:
        parts = [(torch.zeros_like(t) if g is None else g).detach().reshape(-1).numpy() for g, t in zip(grads, tensors)]
        return np.concatenate(parts)

    def point_values(self, point: Mapping[Wrt, npt.ArrayLike]) -> np.ndarray:
        """An explicit point (``{Symbol: value}`` or ``{Matrix: array}``) as a flat array."""
        values: dict[sp.Symbol, float] = {}
        for key, value in point.items():
            if isinstance(key, sp.MatrixBase):
                array = np.asarray(value, dtype=float)
                if array.size != len(key):
                    raise ValueError(f"the point gives {array.size} values for a Matrix with {len(key)} entries")
                values.update(zip(key, array.reshape(-1)))
            else:
                values[key] = float(np.asarray(value, dtype=float))
        missing = [str(s) for s in self.symbols if s not in values]
        if missing:
            raise ValueError(f"an explicit point gives no value for {missing}")
        return np.array([values[s] for s in self.symbols])

    def point(self, values: np.ndarray) -> dict[sp.Symbol, float]:
        """The point as each symbol's value, in wrt order."""
        return dict(zip(self.symbols, map(float, values)))

    def describe_point(self, values: np.ndarray, keep: Sequence[int] = ()) -> str:
        """``w_1 = 0.3, W_{1,1} = 0.5, …``: each scalar by its name, a large Matrix shortened but for ``keep``."""
        matrices, start = [], 0
        for shape in self.shapes:
            size = int(np.prod(shape)) if shape else 1
            matrices.append(self.symbols[start : start + size])
            start += size
        return describe_point(self.point(values), matrices=matrices, keep=[self.symbols[k] for k in keep])


def _matrix_stem(matrix: sp.MatrixBase) -> str:
    """``W`` for a Matrix of symbols named ``W_{1,1}``, ``W_{1,2}``, ...; else its entries, ``(a, b, …)``."""
    stems = {symbol_name(s).split("_", 1)[0] for s in matrix}
    if len(stems) == 1 and "_" in str(matrix[0]):
        return stems.pop()
    names = [symbol_name(s) for s in matrix]
    return f"({', '.join(names[:2])}{', …' if len(names) > 2 else ''})"


def _entry_of(name: str, k: int) -> str:
    """The k-th entry (1-based) of a vector called ``name``, as the book writes it: ``y_2``, ``y_{12}``."""
    return f"{name}_{k}" if k < 10 else f"{name}_{{{k}}}"


def _as_expr(value: object, label: str) -> sp.Expr:
    if isinstance(value, bool) or isinstance(value, str):
        kind = "string" if isinstance(value, str) else "bool"
        raise ValueError(f"{label} is a {kind}; pass a SymPy expression")
    if isinstance(value, (int, float)):
        return sp.sympify(value)  # an int stays an Integer, a float becomes a Float
    if isinstance(value, sp.Expr):
        return value
    raise ValueError(f"{label} is a {type(value).__name__}, not a SymPy expression")


def _describe_shape(value: object) -> str:
    if isinstance(value, sp.MatrixBase):
        return f"a Matrix of shape {tuple(value.shape)}"
    return f"a {type(value).__name__}"


def _checked_callable(fn: object) -> Callable[..., torch.Tensor]:
    if not callable(fn):
        raise ValueError(f"fn must be a callable torch implementation; got {type(fn).__name__}")
    return fn


# ---------------------------------------------------------------------------- numerics


def _steps(values: np.ndarray, base: float) -> np.ndarray:
    return base * np.maximum(1.0, np.abs(values))


def _central_differences(f: Callable[[np.ndarray], object], values: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """Central differences of ``f`` (scalar or vector valued) along ``coords``; one column each."""
    h = _steps(values, np.finfo(float).eps ** (1 / 3))
    columns = []
    for c in coords:
        up, down = values.copy(), values.copy()
        up[c] += h[c]
        down[c] -= h[c]
        columns.append((np.asarray(f(up)) - np.asarray(f(down))) / (up[c] - down[c]))
    return np.stack(columns, axis=-1)


def _second_differences(f: Callable[[np.ndarray], float], values: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """Second differences of a scalar ``f``: rows are all coordinates, columns ``coords``."""
    h = _steps(values, np.finfo(float).eps ** (1 / 4))
    n = values.size
    result = np.zeros((n, len(coords)))
    for col, j in enumerate(coords):
        for i in range(n):
            total = 0.0
            for si, sj, sign in ((1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)):
                shifted = values.copy()
                shifted[i] += si * h[i]
                shifted[j] += sj * h[j]
                total += sign * f(shifted)
            result[i, col] = total / (4 * h[i] * h[j])
    return result


def _relative(a: np.ndarray, b: np.ndarray, floor: float) -> np.ndarray:
    """|a - b| / max(|a|, |b|), and 0 where both are below ``floor`` (judged by absolute error)."""
    scale = np.maximum(np.abs(a), np.abs(b))
    with np.errstate(invalid="ignore"):  # 0/0 where both are 0, inf/inf: masked by the wheres
        rel = np.where(scale > floor, np.abs(a - b) / scale, 0.0)
    return np.where(np.isfinite(a) & np.isfinite(b), rel, np.inf)


def _normwise_relative(a: np.ndarray, b: np.ndarray, floor: float) -> float:
    """max |a - b| / max(|a|, |b|) over all entries; 0 if every entry is below ``floor`` (judged by absolute error)."""
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return np.inf
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
    return float(np.max(np.abs(a - b))) / scale if scale > floor else 0.0  # scale > floor >= 0: not empty


def _dirac_delta(x: object, *order: object) -> np.ndarray:
    """DiracDelta (and its derivatives) numerically: 0 off its kink, where the points are kept; no value on it."""
    return np.where(np.asarray(x, dtype=float) == 0, np.nan, 0.0)


def _lambdify_rows(symbols: list[sp.Symbol], rows: list[list[sp.Expr]]) -> Callable[[np.ndarray], np.ndarray]:
    rows = [[sp.sympify(e).doit() for e in row] for row in rows]
    try:
        f = compile_numeric(symbols, rows, modules=[{"DiracDelta": _dirac_delta}, "numpy"])
    except Exception as err:
        raise ValueError(f"the claimed expression cannot be evaluated numerically: {err}") from None

    def evaluate(values: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out = np.array(f(*values), dtype=complex)
            except (TypeError, NameError) as err:
                raise ValueError(f"the claimed expression cannot be evaluated numerically: {err}") from None
        real = np.where(np.abs(out.imag) <= 1e-300, out.real, np.nan)
        return real.reshape(len(rows), -1)

    return evaluate


@dataclass(frozen=True)
class _Settings:
    """Where a check looks and how closely opinions must agree: the options every public check shares."""

    trials: int
    seed: int
    rtol: float
    atol: float
    at: Sequence[Mapping[Wrt, npt.ArrayLike]]
    domain: Mapping[sp.Symbol, tuple[float, float]] | None
    avoid_kinks: bool
    kinks: Sequence[sp.Expr]


def _compare(
    kind: ledger.Kind,
    variables: _Variables,
    *,
    claim_rows: list[list[sp.Expr]],
    autograd: Callable[[np.ndarray], np.ndarray],
    differences: Callable[[np.ndarray, np.ndarray], np.ndarray],
    labels: Callable[[int, int], str],
    fd_rtol: float,
    fd_scale: Callable[[np.ndarray], float],
    settings: _Settings,
) -> CheckReport:
    trials, seed, rtol, atol, at = settings.trials, settings.seed, settings.rtol, settings.atol, settings.at
    claims = [e for row in claim_rows for e in row]
    displays = provenance.origins(claims)  # the glued displays the claim was built from
    avoid = kink_expressions([*claims, *settings.kinks]) if settings.avoid_kinks else []
    if trials < 0 or (trials == 0 and not at):
        raise ValueError("a check needs at least one point: trials >= 1 or an explicit point in at=")
    claimed = _lambdify_rows(variables.symbols, claim_rows)
    claim_kinks = kink_expressions(claims) if at else []  # only explicit points can sit on a kink
    kink_values = compile_numeric(variables.symbols, claim_kinks, modules="math") if claim_kinks else None
    points = [variables.point_values(p) for p in at]
    drawn = sample_points(variables.symbols, trials, seed=seed, avoid=avoid, domain=settings.domain)
    points += [np.array([p[s] for s in variables.symbols]) for p in drawn]
    rng = np.random.default_rng(seed + 1)
    n = variables.size
    fd_count = min(n, FD_MAX_COORDINATES)

    # What the ledger records if a point disagrees; with the errors, once every point agreed.
    failed = ledger.Check(
        kind=kind,
        quantity=variables.name,
        wrt=tuple(variables.entry_names),
        points=len(points),
        passed=False,
        displays=tuple(displays),
    )
    max_abs = max_rel = max_normwise_rel = max_fd_rel = 0.0
    for index, values in enumerate(points):
        sym = claimed(values)
        auto = autograd(values)
        coords = np.arange(n) if fd_count == n else np.sort(rng.choice(n, fd_count, replace=False))
        fd = differences(values, coords)
        scale = max(1.0, abs(fd_scale(values)))
        on_kink = index < len(at) and not clear_of_kinks(kink_values, values)
        if on_kink:
            fd = np.full_like(fd, np.nan)  # a difference quotient across a kink measures nothing

        with np.errstate(invalid="ignore"):  # inf - inf
            close = np.abs(sym - auto) <= atol + rtol * np.maximum(np.abs(sym), np.abs(auto))
        # rtol × inf would accept anything: an infinite value only agrees with the same infinity.
        bad_claim = ~((close & np.isfinite(sym) & np.isfinite(auto)) | (sym == auto))
        auto_c = auto[:, coords]
        fd_tol = fd_rtol * (np.maximum(np.abs(fd), np.abs(auto_c)) + scale)
        bad_fd = ~(np.abs(fd - auto_c) <= fd_tol) & (not on_kink)
        if bad_claim.any() or bad_fd.any():
            ledger.record(failed)
            at_text = (
                f"random point {index - len(at) + 1} of {len(points) - len(at)} (seed {seed})"
                if index >= len(at)
                else f"explicit point {index + 1} of {len(at)}"
            )
            raise _mismatch(
                kind,
                variables,
                labels,
                values,
                (sym, auto, fd, coords),
                (bad_claim, bad_fd),
                (rtol, atol, fd_rtol),
                at_text,
            )

        max_abs = max(max_abs, float(np.max(np.abs(sym - auto))))
        max_rel = max(max_rel, float(np.max(_relative(sym, auto, atol))))
        max_normwise_rel = max(max_normwise_rel, _normwise_relative(sym, auto, atol))
        if not on_kink:
            max_fd_rel = max(max_fd_rel, float(np.max(_relative(fd, auto_c, fd_rtol * scale))))

    report = CheckReport(
        kind=kind,
        quantity=variables.name,
        wrt=variables.entry_names,
        entries=sum(len(r) for r in claim_rows),
        points=len(points),
        max_abs_error=max_abs,
        max_rel_error=max_rel,
        max_fd_rel_error=max_fd_rel,
        max_normwise_rel_error=max_normwise_rel,
        fd_coordinates=fd_count,
        rtol=rtol,
        atol=atol,
        seed=seed,
    )
    ledger.record(
        dataclasses.replace(
            failed,
            passed=True,
            max_abs_error=max_abs,
            max_rel_error=max_rel,
            max_normwise_rel_error=max_normwise_rel,
            independent=True,
        )
    )
    return report


def _mismatch(
    kind: str,
    variables: _Variables,
    labels: Callable[[int, int], str],
    values: np.ndarray,
    opinions: tuple,
    verdicts: tuple,
    tolerances: tuple[float, float, float],
    where: str,
) -> GradientMismatch:
    """The exception for the first disagreeing entry: a readable message, and the same facts as data."""
    sym, auto, fd, coords = opinions
    bad_claim, bad_fd = verdicts
    rtol, atol, fd_rtol = tolerances
    fd_full = np.full(auto.shape, np.nan)
    fd_full[:, coords] = fd
    bad = bad_claim.copy()
    bad[:, coords] |= bad_fd
    cells = list(zip(*np.nonzero(bad)))
    # Headline the first disagreeing entry in wrt order, a wrong claim before a suspect fn.
    r, c = next((rc for rc in cells if bad_claim[rc]), cells[0])
    rel = float(_relative(np.array(sym[r, c]), np.array(auto[r, c]), 0.0))
    s, a, f = float(sym[r, c]), float(auto[r, c]), float(fd_full[r, c])
    # Enough digits to see the disagreement (the claim's from autograd, else autograd's from finite differences).
    digits = digits_to_tell_apart(s, a) if bad_claim[r, c] else digits_to_tell_apart(f, a)
    fd_text = number(f, digits) if np.isfinite(f) else "not used here (a kink, or a coordinate not sampled)"
    if bad_claim[r, c] and np.isfinite(f) and abs(f - a) <= fd_rtol * (max(abs(f), abs(a)) + 1.0):
        verdict = "the claimed (SymPy) formula disagrees with both autograd and finite differences: the claim is wrong."
    elif bad_claim[r, c]:
        verdict = "the claimed (SymPy) formula disagrees with autograd."
    else:
        verdict = (
            "autograd and finite differences disagree: fn is not differentiable here or its backward pass is wrong."
        )
    others = [labels(*rc) for rc in cells if rc != (r, c)]
    more = (
        f"\n  {len(others)} more {'entry disagrees' if len(others) == 1 else 'entries disagree'}: "
        f"{', '.join(others[:6])}{' …' if len(others) > 6 else ''}"
        if others
        else ""
    )
    # The headline's own coordinates are always written (a Hessian's row is a coordinate too).
    point = variables.describe_point(values, keep=[c, r] if kind == "Hessian" else [c])
    message = (
        f"{kind} mismatch for {labels(r, c)} at {where}:\n"
        f"  point: {point}\n"
        f"  SymPy (claimed):    {number(s, digits)}\n"
        f"  torch.autograd:     {number(a, digits)}\n"
        f"  finite differences: {fd_text}\n"
        f"  relative error:     {number(rel, 3)} (rtol {number(rtol)}, atol {number(atol)})\n"
        f"  {verdict}{more}"
    )
    return GradientMismatch(
        message,
        quantity=labels(r, c),
        point=point,
        claimed=s,
        autograd=a,
        finite_difference=f,
        relative_error=rel,
        at=variables.point(values),
    )
