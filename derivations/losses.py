"""Label-smoothed cross-entropy written out in SymPy, for checks against ``F.cross_entropy(label_smoothing=…)``;
and GELU's derivative, derived once for the losses-and-activations chapter and the transformer block.

The batch loss is ``L = Σ_b u_b ℓ_b`` with a random upstream gradient ``u``; its gradients are
``∂L/∂X[b, k] = u_b (p_bk − q_bk)`` and ``∂L/∂u_b = ℓ_b``.

>>> from derivations import matrix_symbols, vector_symbols
>>> smoothed_targets(1, 3, [0], sp.Rational(1, 30))
Matrix([[14/15, 1/30, 1/30]])
>>> K = sp.Symbol("K", integer=True, positive=True)
>>> p_minus_q = sp.MatrixSymbol("p", K, 1) - sp.MatrixSymbol("q", K, 1)
>>> X, u = matrix_symbols("X", 1, 3), vector_symbols("u", 1)
>>> by_X, by_u = smoothing_gradients(p_minus_q, X, u, [0], sp.Rational(1, 30))
>>> by_X.shape, by_u.shape
((1, 3), (1, 1))
>>> x = sp.Symbol("x", real=True)
>>> derive_gelu(x).result
sqrt(2)*x*exp(-x**2/2)/(2*sqrt(pi)) + erf(sqrt(2)*x/2)/2 + 1/2
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from derivations.compact import CompactDerivation, expand_meaning


def smoothed_targets(batch: int, classes: int, labels: Sequence[int], off: sp.Expr) -> sp.Matrix:
    """Rows with ``off`` on every wrong class and ``1 − (K − 1)·off`` on the true one (0-based ``labels``).

    PyTorch's and the paper's smoothing is ``off = ε/K``; the other convention is ``off = ε/(K − 1)``.
    """
    return sp.Matrix(batch, classes, lambda b, k: 1 - (classes - 1) * off if k == labels[b] else off)


def smoothing_gradients(
    gradient: sp.MatrixExpr, X: sp.MatrixBase, u: sp.MatrixBase, labels: Sequence[int], off: sp.Expr
) -> list[sp.Matrix]:
    """``[∂L/∂X, ∂L/∂u]`` for ``L = Σ_b u_b (−Σ_k q_bk log softmax(X_b)_k)``, targets from :func:`smoothed_targets`.

    Row ``b`` of ``∂L/∂X`` is ``u_b`` times ``gradient``, a per-example gradient written with column
    ``MatrixSymbol``s named ``p`` and ``q`` (the displayed ``p − q``), made explicit with ``p = softmax(X_b)``
    and ``q`` the row's targets. Built from the displayed form by SymPy's own operations, so a check of the
    result is a check of that display.
    """
    batch, classes = X.shape
    Q = smoothed_targets(batch, classes, labels, off)
    P = sp.Matrix(batch, classes, lambda b, k: sp.exp(X[b, k]) / sum(sp.exp(X[b, s]) for s in range(classes)))
    names = {m.name: m for m in gradient.atoms(sp.MatrixSymbol)}
    p, q = sp.MatrixSymbol("p", classes, 1), sp.MatrixSymbol("q", classes, 1)
    at_size = gradient.xreplace({names["p"]: p, names["q"]: q})
    rows = []
    for b in range(batch):
        column = expand_meaning(at_size, {p: P.row(b).T, q: Q.row(b).T})
        rows.append(column.T.applyfunc(lambda entry, b=b: u[b] * entry))
    by_X = sp.Matrix.vstack(*rows)
    by_u = sp.Matrix([-sum(Q[b, k] * sp.log(P[b, k]) for k in range(classes)) for b in range(batch)])
    return [by_X, by_u]


def normal_pdf(x: sp.Symbol) -> sp.Expr:
    """The standard normal density ``φ(x) = e^{−x²/2}/√(2π)``."""
    return sp.exp(-(x**2) / 2) / sp.sqrt(2 * sp.pi)


def gelu_of(x: sp.Symbol) -> sp.Expr:
    """Exact GELU, ``x Φ(x) = x (1 + erf(x/√2))/2`` (PyTorch's default ``approximate="none"``)."""
    return x * (1 + sp.erf(x / sp.sqrt(2))) / 2


def derive_gelu(x: sp.Symbol) -> CompactDerivation:
    """``GELU′(x) = Φ(x) + x φ(x)``, by the product rule and ``erf′``, each step verified.

    The last line is shown with the names ``Φ(x)`` and ``φ(x)``, the standard form; ``result`` is explicit.
    """
    # the braces make φ(x) sort after x, so the product prints as x φ(x), the standard order
    cdf, pdf = sp.Symbol(r"\Phi(x)", positive=True), sp.Symbol(r"{\varphi(x)}", positive=True)
    meaning = {cdf: (1 + sp.erf(x / sp.sqrt(2))) / 2, pdf: normal_pdf(x)}
    derivative = CompactDerivation(
        sp.Derivative(gelu_of(x), x), meaning=meaning, name="GELU′", lhs=r"\frac{d}{dx}\operatorname{GELU}(x)"
    )
    derivative.step((1 + sp.erf(x / sp.sqrt(2))) / 2 + x * sp.Derivative(sp.erf(x / sp.sqrt(2)), x) / 2, "product rule")
    erf_rule = "$\\operatorname{erf}'(t) = 2e^{-t^2}/\\sqrt{\\pi}$, chain rule"
    derivative.step((1 + sp.erf(x / sp.sqrt(2))) / 2 + x * normal_pdf(x), erf_rule)
    names = "$\\Phi(x) = (1 + \\operatorname{erf}(x/\\sqrt2))/2$, $\\varphi(x) = e^{-x^2/2}/\\sqrt{2\\pi}$"
    derivative.step(cdf + x * pdf, names)
    return derivative
