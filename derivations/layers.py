"""Helpers shared by the chapters on normalization and attention: names that stand for indexed quantities.

A layer's backward pass reads best with names such as the normalized value ``x̂_i`` or the
all-ones vector ``1``; the checks need what the names stand for. :class:`IndexedCompactDerivation`
shows a step with indexed names (``x̂[i]``) and verifies it with each name replaced by its meaning.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy as sp

from derivations.compact import CompactDerivation

#: An indexed name's meaning: the explicit expression for given indices, e.g. ``lambda i: (x[i] - mu) / s``.
IndexedMeaning = Mapping[sp.IndexedBase, Callable[..., sp.Expr]]


def expand_indexed(expr: sp.Basic, indexed: IndexedMeaning) -> sp.Basic:
    """``expr`` with every entry ``name[i, …]`` of an indexed name replaced by its meaning at those indices.

    >>> x, xhat = sp.IndexedBase("x"), sp.IndexedBase("xhat")
    >>> i = sp.Symbol("i", integer=True)
    >>> expand_indexed(2 * xhat[i], {xhat: lambda k: x[k] - 1})
    2*x[i] - 2
    """
    return sp.sympify(expr).replace(
        lambda e: isinstance(e, sp.Indexed) and e.base in indexed,
        lambda e: indexed[e.base](*e.indices),
    )


class IndexedCompactDerivation(CompactDerivation):
    """A :class:`~derivations.compact.CompactDerivation` whose names may also be indexed (``x̂_i``, ``O_{ac}``).

    ``indexed`` maps an IndexedBase to a function of its indices giving the explicit entry; ``meaning``
    maps plain names as in CompactDerivation. Steps are shown as written and verified fully expanded.

    >>> x, xhat = sp.IndexedBase("x"), sp.IndexedBase("xhat")
    >>> n, i, k = sp.symbols("n i k", integer=True, positive=True)
    >>> mu = sp.Symbol("mu")
    >>> d = IndexedCompactDerivation(sp.Sum(xhat[k], (k, 1, n)), name="Σ x̂", indices={i: n},
    ...     meaning={mu: sp.Sum(x[k], (k, 1, n)) / n}, indexed={xhat: lambda j: x[j] - mu})
    >>> d = d.step(sp.Sum(x[k], (k, 1, n)) - n * mu, "sum term by term")
    >>> d.step(sp.Integer(0), "definition of the mean").result
    0
    """

    def __init__(
        self, start: sp.Basic, *, meaning: Mapping[sp.Basic, sp.Basic], indexed: IndexedMeaning, name: str, **kwargs
    ) -> None:
        self.indexed = dict(indexed)
        # Verified by evaluation only: on sums of symbolic size over indexed entries SymPy's summation takes
        # seconds a step (and can fail inside SymPy) after the step is already verified to 40 digits.
        kwargs.setdefault("prove", False)
        super().__init__(start, meaning=meaning, name=name, **kwargs)

    def explicit(self, expr: sp.Basic) -> sp.Basic:
        """``expr`` with every name, indexed or not, replaced by what it stands for."""
        return super().explicit(expand_indexed(expr, self.indexed))


def ones(n: int | sp.Expr) -> sp.MatrixSymbol:
    """The all-ones column ``1`` as a name that prints as a bold 1 and survives products (``1 1ᵀ`` stays ``1 1ᵀ``).

    SymPy's own ``OneMatrix(n, 1) * OneMatrix(n, 1).T`` collapses to ``OneMatrix(n, n)``, which prints as a
    bare ``1``. Give its meaning, ``sp.ones(n, 1)``, when verifying.

    >>> from derivations.printing import latex
    >>> latex(ones(3) * ones(3).T)
    '\\\\mathbf{1} \\\\mathbf{1}^{\\\\top}'
    """
    return sp.MatrixSymbol(r"\mathbf{1}", n, 1)


def normalized(
    xs: sp.MatrixBase, eps: sp.Expr, *, center: bool = True, correction: int = 0
) -> tuple[sp.ImmutableMatrix, sp.Expr]:
    """The normalized vector ``x̂`` of the entries ``xs`` and the scale ``s`` it was divided by, explicitly.

    ``center=True`` subtracts the mean and divides by ``s = √(σ² + ε)`` (batch and layer norm);
    ``center=False`` divides by the root mean square ``r = √(mean(x²) + ε)`` (RMSNorm). ``correction=1``
    divides the sum of squares by ``n − 1`` instead of ``n`` (Bessel's correction).

    >>> x1, x2 = sp.symbols("x_1 x_2", real=True)
    >>> xhat, s = normalized(sp.Matrix([x1, x2]), sp.Integer(0))
    >>> sp.simplify(xhat.T * xhat)[0], sp.factor(s**2)
    (2, (x_1 - x_2)**2/4)
    """
    n = len(xs)
    mean = sum(xs) / n if center else sp.Integer(0)
    deviations = sp.ImmutableMatrix([x - mean for x in xs])
    scale = sp.sqrt(sum(d**2 for d in deviations) / (n - correction) + eps)
    return sp.ImmutableMatrix(deviations / scale), scale
