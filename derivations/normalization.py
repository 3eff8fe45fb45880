"""Layer norm's backward pass, derived once for the normalization chapter and the transformer block.

Layer norm normalizes one example's ``n`` features: ``μ``, ``σ²`` and ``s = √(σ² + ε)`` are its mean, biased
variance and scale, ``x̂_i = (x_i − μ)/s`` and ``y_i = γ_i x̂_i + β_i``. The gradient arriving from above is
``g``. :func:`layer_norm_input` derives ``∂L/∂x_j`` in index notation (every step verified at random sizes with
the names replaced by what they stand for), :func:`layer_norm_compact` writes it as one matrix applied to
``γ ⊙ g``, and :func:`layer_norm_parameters` derives the weight's and the bias's gradients.

>>> compact, weight = layer_norm_compact(3)
>>> compact.shape, weight.shape
((3, 1), (3, 1))
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from derivations.layers import IndexedCompactDerivation, ones

m, n = sp.symbols("m n", integer=True, positive=True)
i, j, k, l, p = sp.symbols("i j k l p", integer=True, positive=True)  # noqa: E741 (l: the index of a sum)
x, g = sp.IndexedBase("x", real=True), sp.IndexedBase("g", real=True)
xhat = sp.IndexedBase(r"\hat{x}", real=True)
gamma_i, beta_i = sp.IndexedBase("gamma", real=True), sp.IndexedBase("beta")
gamma, beta = sp.symbols("gamma beta", real=True)
eps = sp.Symbol("epsilon", positive=True)
mu, var = sp.Symbol("mu", real=True), sp.Symbol("sigma^2", nonnegative=True)
s, r = sp.symbols("s r", positive=True)


def centred(size: sp.Expr) -> tuple[dict, dict]:
    """The names μ, σ², s and x̂_i over ``size`` values, and what each stands for."""
    mean = sp.Sum(x[l], (l, 1, size)) / size
    variance = sp.Sum((x[l] - mean) ** 2, (l, 1, size)) / size
    meaning = {mu: mean, var: variance, s: sp.sqrt(variance + eps)}
    return meaning, {xhat: lambda index: (x[index] - mu) / s}


def _layer_output() -> sp.Expr:
    """``L = Σ_i g_i y_i`` with ``y_i = γ_i x̂_i + β_i``: the loss pulled back to one layer-norm row."""
    return sp.Sum(g[i] * (gamma_i[i] * xhat[i] + beta_i[i]), (i, 1, n))


def _layer_derivation(start: sp.Basic, name: str, lhs: str) -> IndexedCompactDerivation:
    meaning, indexed = centred(n)
    return IndexedCompactDerivation(start, name=name, lhs=lhs, indices={j: n}, meaning=meaning, indexed=indexed)


@cache
def layer_norm_input() -> IndexedCompactDerivation:
    """``∂L/∂x_j`` of layer norm: three terms, with the weight ``γ_i`` inside the sums."""
    layer_input = _layer_derivation(
        sp.Derivative(_layer_output(), x[j]), "∂L/∂x_j (layer norm)", r"\frac{\partial L}{\partial x_j}"
    )
    layer_input.step(
        (gamma_i[j] * g[j] - sp.Sum(gamma_i[i] * g[i], (i, 1, n)) / n) / s
        - (x[j] - mu) / (n * s**2) * sp.Sum(gamma_i[i] * g[i] * xhat[i], (i, 1, n)),
        r"as for batch norm, with $\gamma_i g_i$ in place of $\gamma g_i$",
    )
    layer_input.step(
        (
            n * gamma_i[j] * g[j]
            - sp.Sum(gamma_i[i] * g[i], (i, 1, n))
            - xhat[j] * sp.Sum(gamma_i[i] * g[i] * xhat[i], (i, 1, n))
        )
        / (n * s),
        r"take out $1/(ns)$ and write $x_j - \mu = s\hat{x}_j$",
    )
    return layer_input


@cache
def layer_norm_parameters() -> tuple[IndexedCompactDerivation, IndexedCompactDerivation]:
    """``dγ_j = ∂L/∂γ_j`` and ``dβ_j = ∂L/∂β_j`` of one layer-norm row: each weight and bias reaches one output only."""
    weight = _layer_derivation(sp.Derivative(_layer_output(), gamma_i[j]), "dγ_j (layer norm)", r"\mathrm{d}\gamma_j")
    weight.step(g[j] * xhat[j], r"only the term $i = j$ holds $\gamma_j$")
    bias = _layer_derivation(sp.Derivative(_layer_output(), beta_i[j]), "dβ_j (layer norm)", r"\mathrm{d}\beta_j")
    bias.step(g[j], r"only the term $i = j$ holds $\beta_j$")
    return weight, bias


def compact_names(size: int | sp.Expr) -> tuple[sp.MatrixSymbol, sp.MatrixSymbol, sp.MatrixSymbol]:
    """The names ``g``, ``x̂`` and ``1`` of the matrix forms, as columns of ``size`` entries."""
    return sp.MatrixSymbol("g", size, 1), sp.MatrixSymbol(r"\hat{\mathbf{x}}", size, 1), ones(size)


def layer_norm_compact(size: int | sp.Expr) -> tuple[sp.MatrixExpr, sp.MatrixSymbol]:
    """:func:`layer_norm_input` as a matrix, ``(nI − 1 1ᵀ − x̂ x̂ᵀ)(γ ⊙ g)/(ns)``, and the name of ``γ``."""
    g_v, xhat_v, one = compact_names(size)
    weight = sp.MatrixSymbol(r"\boldsymbol{\gamma}", size, 1)
    matrix = sp.MatAdd(size * sp.Identity(size), -one * one.T, -xhat_v * xhat_v.T, evaluate=False)
    return sp.MatMul(1 / (size * s), matrix, sp.HadamardProduct(weight, g_v)), weight
