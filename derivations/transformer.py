"""The pieces of a transformer block's backward pass that no earlier chapter derives: the linear layer, and layer
norm's weight and bias over a batch of rows.

A linear layer maps the rows of ``X`` (``N × D_in``) to ``Y = XWᵀ + 1bᵀ`` with ``W`` of ``D_out × D_in``; ``G = dY``
is the gradient arriving from above. :func:`linear_backward` derives ``dX``, ``dW`` and ``db`` in index notation;
:func:`linear_forms` and :func:`row_sum_forms` write them, and layer norm's parameter gradients summed over rows, as
matrix products, named by :func:`linear_names`.

>>> forms = linear_forms((5, 3, 2))
>>> forms["dX"].shape, forms["dW"].shape, forms["db"].shape
((5, 3), (2, 3), (2, 1))
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from derivations.compact import expand_meaning
from derivations.indexed import instantiate
from derivations.layers import IndexedCompactDerivation, ones
from derivations.normalization import g, layer_norm_parameters, xhat
from derivations.normalization import j as feature
from derivations.normalization import n as features
from derivations.steps import verify_equal
from derivations.symbols import matrix_symbols

#: Sizes: N rows (tokens of every example), D_in inputs, D_out outputs (capitals: a lowercase d is a gradient).
rows, D_in, D_out = sp.symbols("N D_in D_out", integer=True, positive=True)
a, c, e, p, q = sp.symbols("a c e p q", integer=True, positive=True)
Xb, Wb, Gb = (sp.IndexedBase(name, real=True) for name in "XWG")
bb = sp.IndexedBase("b", real=True)


@dataclass(frozen=True)
class LinearBackward:
    """The three derived gradients of a linear layer, in index notation (each a verified derivation)."""

    dX: IndexedCompactDerivation
    dW: IndexedCompactDerivation
    db: IndexedCompactDerivation


def _derivation(start: sp.Basic, name: str, lhs: str, indices: dict) -> IndexedCompactDerivation:
    return IndexedCompactDerivation(start, name=name, lhs=lhs, indices=indices, meaning={}, indexed={})


@cache
def linear_backward() -> LinearBackward:
    """Derive ``dX_pq``, ``dW_pq`` and ``db_p`` of ``Y = XWᵀ + 1bᵀ`` through ``L = Σ_ac G_ac Y_ac``."""
    output = sp.Sum(Xb[a, e] * Wb[c, e], (e, 1, D_in)) + bb[c]
    pulled_back = sp.Sum(Gb[a, c] * output, (a, 1, rows), (c, 1, D_out))
    dX = _derivation(sp.Derivative(pulled_back, Xb[p, q]), "dX_pq", r"\mathrm{d}X_{pq}", {p: rows, q: D_in})
    dX.step(sp.Sum(Gb[p, c] * Wb[c, q], (c, 1, D_out)), "only the terms $a = p$, $e = q$ depend on $X_{pq}$")
    dW = _derivation(sp.Derivative(pulled_back, Wb[p, q]), "dW_pq", r"\mathrm{d}W_{pq}", {p: D_out, q: D_in})
    dW.step(sp.Sum(Gb[a, p] * Xb[a, q], (a, 1, rows)), "only the terms $c = p$, $e = q$ depend on $W_{pq}$")
    db = _derivation(sp.Derivative(pulled_back, bb[p]), "db_p", r"\mathrm{d}b_{p}", {p: D_out})
    db.step(sp.Sum(Gb[a, p], (a, 1, rows)), "only the terms $c = p$ hold $b_p$: one per row")
    return LinearBackward(dX, dW, db)


def linear_gradients(upstream: sp.MatrixBase, inputs: sp.MatrixBase, weight: sp.MatrixBase) -> tuple[sp.Matrix, ...]:
    """``dX``, ``dW`` and ``db`` (a row) of a linear layer at concrete matrices, from :func:`linear_backward`'s results.

    Each entry is the derived index result instantiated at its indices, so a check of these matrices checks the
    derivation as displayed.

    >>> G, X, W = sp.Matrix([[1, 2]]), sp.Matrix([[3, 4, 5]]), sp.Matrix([[1, 0, 0], [0, 1, 0]])
    >>> [list(grad) for grad in linear_gradients(G, X, W)]
    [[1, 2, 0], [3, 4, 5, 6, 8, 10], [1, 2]]
    """
    sizes = {rows: upstream.rows, D_in: inputs.cols, D_out: weight.rows}
    arrays = {Gb: upstream, Xb: inputs, Wb: weight}
    derived = linear_backward()

    def entries(derivation: IndexedCompactDerivation, shape: tuple[int, int]) -> sp.Matrix:
        def entry(r: int, col: int) -> sp.Expr:
            return instantiate(derivation.shown_result, {**sizes, p: r + 1, q: col + 1}, arrays)

        return sp.Matrix(*shape, entry)

    return entries(derived.dX, inputs.shape), entries(derived.dW, weight.shape), entries(derived.db, (weight.rows, 1)).T


def linear_names(sizes: tuple) -> tuple[dict, dict]:
    """Matrix names at sizes (N, D_in, D_out), ``X̂`` for layer norm too, and at integer sizes what they stand for."""
    n_rows, inputs, outputs = sizes
    shapes = {"X": (n_rows, inputs), "W": (outputs, inputs), "G": (n_rows, outputs), r"\hat{X}": (n_rows, outputs)}
    named = {key: sp.MatrixSymbol(key, *shape) for key, shape in shapes.items()}
    named["1"] = ones(n_rows)
    if not isinstance(n_rows, int):
        return named, {}
    plain = {"X": "X", "W": "W", "G": "G", r"\hat{X}": "Xhat"}
    explicit = {named[key]: matrix_symbols(plain[key], *shape) for key, shape in shapes.items()}
    explicit[named["1"]] = sp.ones(n_rows, 1)
    return named, explicit


def linear_forms(sizes: tuple) -> dict[str, sp.MatrixExpr]:
    """:func:`linear_backward` as matrix products: ``dX = GW``, ``dW = GᵀX``, ``db = Gᵀ1``."""
    N = linear_names(sizes)[0]
    return {"dX": N["G"] * N["W"], "dW": N["G"].T * N["X"], "db": N["G"].T * N["1"]}


def row_sum_forms(sizes: tuple) -> dict[str, sp.MatrixExpr]:
    """Layer norm's weight and bias gradients over N rows of width D_out: ``dγ = (G ⊙ X̂)ᵀ1``, ``dβ = Gᵀ1``.

    Each row contributes ``g_j x̂_j`` and ``g_j`` (:func:`derivations.normalization.layer_norm_parameters`); the
    weight and bias are shared by every row, so their gradients are the sums over the rows.
    """
    N = linear_names(sizes)[0]
    return {"dgamma": sp.HadamardProduct(N["G"], N[r"\hat{X}"]).T * N["1"], "dbeta": N["G"].T * N["1"]}


def verify_forms(sizes: tuple[int, int, int]) -> None:
    """Verify :func:`linear_forms` and :func:`row_sum_forms` equal to the index results, entry by entry, at ``sizes``.

    Raises :class:`~derivations.steps.StepError` naming the form and the entry that differ.
    """
    n_rows, inputs, outputs = sizes
    named, explicit = linear_names(sizes)
    G, Xhat = explicit[named["G"]], explicit[named[r"\hat{X}"]]
    arrays = {Xb: explicit[named["X"]], Wb: explicit[named["W"]], Gb: G}
    values = {rows: n_rows, D_in: inputs, D_out: outputs}
    derived = linear_backward()

    def index_matrix(derivation: IndexedCompactDerivation, shape: tuple[int, int]) -> sp.Matrix:
        return sp.Matrix(
            *shape, lambda r, col: instantiate(derivation.result, {**values, p: r + 1, q: col + 1}, arrays)
        )

    def over_rows(derivation: IndexedCompactDerivation) -> sp.Matrix:
        """A per-row parameter gradient of layer norm (width D_out), summed over the rows."""

        def entry(r: int, col: int) -> sp.Expr:
            at = {features: outputs, feature: col + 1}
            return instantiate(derivation.shown_result, at, {g: G[r, :].T, xhat: Xhat[r, :].T})

        return sp.Matrix([sum(entry(r, col) for r in range(n_rows)) for col in range(outputs)])

    # The forms at symbolic sizes, as a chapter displays them, made concrete: a link to the displays survives.
    general = (rows, D_in, D_out)
    forms = {
        key: expand_meaning(form.subs(values), explicit)
        for key, form in {**linear_forms(general), **row_sum_forms(general)}.items()
    }
    verify_equal(forms["dX"], index_matrix(derived.dX, (n_rows, inputs)), name=f"dX = GW at {sizes}")
    verify_equal(forms["dW"], index_matrix(derived.dW, (outputs, inputs)), name=f"dW = GᵀX at {sizes}")
    db = sp.Matrix([instantiate(derived.db.result, {**values, p: r + 1}, arrays) for r in range(outputs)])
    verify_equal(forms["db"], db, name=f"db = Gᵀ1 at {sizes}")
    weight, bias = layer_norm_parameters()
    verify_equal(forms["dgamma"], over_rows(weight), name=f"dγ = (G ⊙ X̂)ᵀ1 at {sizes}")
    verify_equal(forms["dbeta"], over_rows(bias), name=f"dβ = Gᵀ1 at {sizes}")
