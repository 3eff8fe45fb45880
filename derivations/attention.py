"""The backward pass of scaled dot-product attention, derived once for the attention chapter and the transformer block.

Rows are tokens: ``S = QKᵀ/√d``, ``P = softmax(S)`` row by row, ``O = PV``, and ``G = dO`` the gradient arriving from
above. :func:`attention_backward` derives ``dV``, ``dP``, ``dS``, ``dQ`` and ``dK`` in index notation, each step
verified at random sizes; :func:`compact_forms` writes them as matrix products, which the attention chapter verifies
equal to the index forms and the transformer-block chapter compiles into the functions of its backward pass.

>>> forms = compact_forms((2, 3, 4, 4))
>>> forms["dQ"].shape, forms["dK"].shape
((2, 4), (3, 4))
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from derivations.layers import IndexedCompactDerivation, ones
from derivations.symbols import matrix_symbols

#: Sizes: n queries, m keys, key width d, value width d_v.
n, m, d, dv = sp.symbols("n m d d_v", integer=True, positive=True)
a, b, c, e, i, j, k, p, q = sp.symbols("a b c e i j k p q", integer=True, positive=True)
Qb, Kb, Vb, Pb, Gb = (sp.IndexedBase(name, real=True) for name in "QKVPG")
dPb, dSb = sp.IndexedBase(r"\mathrm{d}P", real=True), sp.IndexedBase(r"\mathrm{d}S", real=True)
Ob = sp.IndexedBase("O", real=True)
#: One row of the softmax: scores s_i, probabilities p_i, their upstream gradient D_i, and an upstream row g.
s_row, p_row, D_row, g_row = (sp.IndexedBase(name, real=True) for name in ("s", "p", "D", "g"))


def derivation(start, name, lhs, indices, indexed=None, meaning=None) -> IndexedCompactDerivation:
    """A step-checked derivation at symbolic sizes; names in ``indexed`` are shown, and verified by their meaning."""
    return IndexedCompactDerivation(
        start, name=name, lhs=lhs, indices=indices, meaning=meaning or {}, indexed=indexed or {}
    )


@dataclass(frozen=True)
class AttentionBackward:
    """The five derived gradients of attention, in index notation (each a verified derivation)."""

    dV: IndexedCompactDerivation
    dP: IndexedCompactDerivation
    dS: IndexedCompactDerivation
    dQ: IndexedCompactDerivation
    dK: IndexedCompactDerivation


@cache
def attention_backward() -> AttentionBackward:
    """Derive ``dV_pq``, ``dP_pq``, ``dS_j`` (one softmax row), ``dQ_pq`` and ``dK_pq``, every step verified."""
    pulled_back = sp.Sum(Gb[a, c] * sp.Sum(Pb[a, b] * Vb[b, c], (b, 1, m)), (a, 1, n), (c, 1, dv))
    dV = derivation(sp.Derivative(pulled_back, Vb[p, q]), "dV_pq", r"\mathrm{d}V_{pq}", {p: m, q: dv})
    dV.step(sp.Sum(Pb[a, p] * Gb[a, q], (a, 1, n)), "only the terms $b = p$, $c = q$ depend on $V_{pq}$")
    dP = derivation(sp.Derivative(pulled_back, Pb[p, q]), "dP_pq", r"\mathrm{d}P_{pq}", {p: n, q: m})
    dP.step(sp.Sum(Gb[p, c] * Vb[q, c], (c, 1, dv)), "only the terms $a = p$, $b = q$ depend on $P_{pq}$")

    softmax_entry = {p_row: lambda index: sp.exp(s_row[index]) / sp.Sum(sp.exp(s_row[k]), (k, 1, m))}
    row_loss = sp.Sum(D_row[i] * p_row[i], (i, 1, m))
    dS = derivation(sp.Derivative(row_loss, s_row[j]), "dS_j", r"\mathrm{d}S_{j}", {j: m}, softmax_entry)
    dS.step(
        D_row[j] * p_row[j] - p_row[j] * sp.Sum(D_row[i] * p_row[i], (i, 1, m)),
        r"chain rule with $p_i(\delta_{ij} - p_j)$; the $\delta_{ij}$ keeps $i = j$",
    )
    # Unevaluated factors keep p_j in front, where "take out p_j" puts it (SymPy would sort it last).
    dS.step(
        sp.UnevaluatedExpr(p_row[j]) * sp.UnevaluatedExpr(D_row[j] - sp.Sum(p_row[i] * D_row[i], (i, 1, m))),
        "take out $p_j$",
    )

    scores_pulled_back = sp.Sum(dSb[a, b] * sp.Sum(Qb[a, e] * Kb[b, e], (e, 1, d)) / sp.sqrt(d), (a, 1, n), (b, 1, m))
    dQ = derivation(sp.Derivative(scores_pulled_back, Qb[p, q]), "dQ_pq", r"\mathrm{d}Q_{pq}", {p: n, q: d})
    dQ.step(sp.Sum(dSb[p, b] * Kb[b, q], (b, 1, m)) / sp.sqrt(d), "only the terms $a = p$, $e = q$ depend on $Q_{pq}$")
    dK = derivation(sp.Derivative(scores_pulled_back, Kb[p, q]), "dK_pq", r"\mathrm{d}K_{pq}", {p: m, q: d})
    dK.step(sp.Sum(dSb[a, p] * Qb[a, q], (a, 1, n)) / sp.sqrt(d), "only the terms $b = p$, $e = q$ depend on $K_{pq}$")
    return AttentionBackward(dV, dP, dS, dQ, dK)


def names(sizes: tuple) -> tuple[dict, dict]:
    """Matrix names of the given sizes (n, m, d, d_v), and, at integer sizes, the symbols they stand for."""
    rows, keys, width, value_width = sizes
    shapes = {
        "Q": (rows, width), "K": (keys, width), "V": (keys, value_width), "P": (rows, keys),
        r"\mathrm{d}P": (rows, keys), r"\mathrm{d}S": (rows, keys), "G": (rows, value_width),
    }  # fmt: skip
    named = {key: sp.MatrixSymbol(key, *shape) for key, shape in shapes.items()}
    named["1"] = ones(keys)
    if not isinstance(keys, int):
        return named, {}
    explicit = {named[key]: matrix_symbols(key.replace(r"\mathrm{d}", "d"), *shape) for key, shape in shapes.items()}
    explicit[named["1"]] = sp.ones(keys, 1)
    return named, explicit


def compact_forms(sizes: tuple) -> dict[str, sp.MatrixExpr]:
    """The index results as matrix products of the names of :func:`names`, keyed ``dV``, ``dP``, ``dS``, ``dQ``, ``dK``.

    ``1`` is the all-ones column of the keys, so ``(P ⊙ dP) 1 1ᵀ`` copies each row's sum along the row.
    """
    N = names(sizes)[0]
    one = N["1"]
    return {
        "dV": N["P"].T * N["G"],
        "dP": N["G"] * N["V"].T,
        "dS": sp.HadamardProduct(
            N["P"], N[r"\mathrm{d}P"] - sp.HadamardProduct(N["P"], N[r"\mathrm{d}P"]) * one * one.T, evaluate=False
        ),
        "dQ": N[r"\mathrm{d}S"] * N["K"] / sp.sqrt(sizes[2]),
        "dK": N[r"\mathrm{d}S"].T * N["Q"] / sp.sqrt(sizes[2]),
    }
