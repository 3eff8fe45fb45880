"""From index notation (x[i], sums to n) to concrete symbols, so a general derivation can be checked numerically."""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp


def instantiate(
    expr: sp.Expr, sizes: Mapping[sp.Symbol, int], arrays: Mapping[sp.IndexedBase, sp.MatrixBase]
) -> sp.Expr:
    """Fix sizes and indices, expand the sums, and replace ``x[k]`` (1-based) by ``xs[k - 1]``.

    >>> n, i, k = sp.symbols("n i k", integer=True, positive=True)
    >>> x = sp.IndexedBase("x")
    >>> xs = sp.Matrix(sp.symbols("x_1:4"))
    >>> instantiate(sp.exp(x[i]) / sp.Sum(sp.exp(x[k]), (k, 1, n)), {n: 3, i: 2}, {x: xs})
    exp(x_2)/(exp(x_1) + exp(x_2) + exp(x_3))
    """
    concrete = expr.subs(dict(sizes)).doit()
    replacements = {}
    for entry in concrete.atoms(sp.Indexed):
        matrix = arrays.get(entry.base)
        if matrix is None:
            raise ValueError(f"no concrete symbols given for {entry.base}")
        position = [int(i) - 1 for i in entry.indices]
        if any(p < 0 for p in position):
            raise ValueError(f"{entry} is not a 1-based index into {entry.base}")
        replacements[entry] = matrix[position[0]] if len(position) == 1 else matrix[tuple(position)]
    return concrete.xreplace(replacements)
