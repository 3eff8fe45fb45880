"""Critical points and the second-derivative test, decided exactly from SymPy eigenvalues.

At a critical point (gradient exactly zero) the Hessian's eigenvalues decide: all positive is a
strict local minimum, all negative a strict local maximum, both signs a saddle point; anything else
(a zero eigenvalue and no sign change) leaves the test inconclusive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sympy as sp

LOCAL_MINIMUM = "local minimum"
LOCAL_MAXIMUM = "local maximum"
SADDLE_POINT = "saddle point"
INCONCLUSIVE = "inconclusive"

#: How each outcome of the test is said in terms of the curvature of the surface.
CONCAVITY = {
    LOCAL_MINIMUM: "concave up",
    LOCAL_MAXIMUM: "concave down",
    SADDLE_POINT: "inconsistent concavity",
    INCONCLUSIVE: "test inconclusive",
}


def hessian_eigenvalues(hessian: sp.MatrixBase) -> list[sp.Expr]:
    """The exact eigenvalues of a symmetric SymPy matrix, repeated by multiplicity, smallest first.

    >>> hessian_eigenvalues(sp.Matrix([[0, 1], [1, 0]]))
    [-1, 1]
    """
    if not isinstance(hessian, sp.MatrixBase) or not hessian.is_square:
        raise ValueError(f"a Hessian must be a square SymPy Matrix; got {hessian!r}")
    if hessian != hessian.T:
        raise ValueError(f"a Hessian of a twice continuously differentiable function is symmetric; got {hessian}")
    values = [value for value, count in hessian.eigenvals().items() for _ in range(count)]
    # 30 digits, not a float: eigenvalues 1e-20 apart still sort. Cubic roots may carry a 0.e-38*I residue.
    return sorted(values, key=lambda v: sp.re(sp.N(v, 30)))


def classify(eigenvalues: Iterable[object], *, tol: float = 0.0) -> str:
    """The second-derivative test from the Hessian's eigenvalues at a critical point.

    Exact SymPy numbers are judged by their exact sign; floats (or tensors) count as zero when
    ``abs(value) <= tol``.

    >>> classify([-1, 1]), classify([2, 3]), classify([-1.0, -1e-17], tol=1e-12)
    ('saddle point', 'local minimum', 'inconclusive')
    """
    signs = [_sign(value, tol) for value in eigenvalues]
    if not signs:
        raise ValueError("classify needs at least one eigenvalue")
    if 1 in signs and -1 in signs:
        return SADDLE_POINT
    if all(s == 1 for s in signs):
        return LOCAL_MINIMUM
    if all(s == -1 for s in signs):
        return LOCAL_MAXIMUM
    return INCONCLUSIVE


def _sign(value: sp.Basic | float, tol: float) -> int:
    if isinstance(value, sp.Basic) and not value.has(sp.Float):
        if value.is_zero:
            return 0
        if value.is_positive:
            return 1
        if value.is_negative:
            return -1
        if value.is_number:  # e.g. a cubic's real root written with I (casus irreducibilis)
            return _sign_of_number(value)
        raise ValueError(f"cannot decide the sign of the eigenvalue {value}: substitute numbers first")
    number = float(value)
    return 0 if abs(number) <= tol else (1 if number > 0 else -1)


def _sign_of_number(value: sp.Expr) -> int:
    """The sign of an exact real number SymPy cannot decide symbolically, from 50 digits of it."""
    real, imaginary = sp.N(value, 50).as_real_imag()
    if abs(imaginary) > 1e-40 or abs(real) <= 1e-40:
        raise ValueError(f"cannot decide the sign of the eigenvalue {value}: it is 0 or not real to 40 digits")
    return 1 if real > 0 else -1


def quadratic_approximation(f: sp.Expr, variables: Sequence[sp.Symbol], point: Sequence[sp.Expr]) -> sp.Expr:
    """The second-order Taylor polynomial f(p) + ∇f(p)ᵀδ + ½ δᵀ H(p) δ, with δ = variables − p.

    >>> x, y = sp.symbols("x y")
    >>> quadratic_approximation(sp.cos(x) * sp.exp(y), [x, y], [0, 0])
    -x**2/2 + y**2/2 + y + 1
    """
    at = _point(variables, point)
    delta = [v - at[v] for v in variables]
    gradient = [f.diff(v).subs(at) for v in variables]
    hessian = sp.hessian(f, variables).subs(at)
    n = len(delta)
    # Squares and cross terms written separately, so that -(x - p)**2 is not expanded into (p - x)*(x - p).
    squares = sum(hessian[r, r] * delta[r] ** 2 for r in range(n)) / 2
    cross = sum(hessian[r, c] * delta[r] * delta[c] for r in range(n) for c in range(r + 1, n))
    return f.subs(at) + sum(g * e for g, e in zip(gradient, delta, strict=True)) + squares + cross


@dataclass(frozen=True)
class CriticalPoint:
    """Everything the second-derivative test says about ``f`` at ``point``, as exact SymPy objects."""

    point: tuple[sp.Expr, ...]
    value: sp.Expr
    gradient: sp.Matrix
    hessian: sp.Matrix
    eigenvalues: tuple[sp.Expr, ...]
    kind: str
    quadratic: sp.Expr

    @property
    def concavity(self) -> str:
        return CONCAVITY[self.kind]


def critical_point(f: sp.Expr, variables: Sequence[sp.Symbol], point: Sequence[sp.Expr]) -> CriticalPoint:
    """Analyse ``f`` at ``point``; raise ValueError if the gradient there is not exactly zero.

    >>> x, y = sp.symbols("x y", real=True)
    >>> critical_point(x**2 - y**2, [x, y], [0, 0]).kind
    'saddle point'
    """
    at = _point(variables, point)
    gradient = sp.Matrix([sp.simplify(f.diff(v).subs(at)) for v in variables])
    if any(g != 0 for g in gradient):
        raise ValueError(f"{tuple(point)} is not a critical point: the gradient there is {list(gradient)}, not 0")
    hessian = sp.hessian(f, variables).subs(at).applyfunc(sp.simplify)
    eigenvalues = tuple(hessian_eigenvalues(hessian))
    return CriticalPoint(
        point=tuple(sp.sympify(p) for p in point),
        value=sp.simplify(f.subs(at)),
        gradient=gradient,
        hessian=hessian,
        eigenvalues=eigenvalues,
        kind=classify(eigenvalues),
        quadratic=quadratic_approximation(f, variables, point),
    )


def _point(variables: Sequence[sp.Symbol], point: Sequence[sp.Expr]) -> dict[sp.Symbol, sp.Expr]:
    if len(variables) != len(point):
        raise ValueError(f"{len(variables)} variables but the point has {len(point)} coordinates")
    return {v: sp.sympify(p) for v, p in zip(variables, point, strict=True)}
