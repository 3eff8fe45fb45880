"""Matrices of scalar symbols, named the way the book writes them (W_{1,2}, x_3).

They are immutable, hence hashable, so they can key explicit points: ``at=[{W: [[1, 2]]}]``.
"""

from __future__ import annotations

import sympy as sp

#: Matrix shapes at which a compact result is verified against its explicit form: square and not, each
#: side taking every value from 1 to 4 (half the cost of all sixteen shapes).
SHAPES = ((1, 1), (2, 2), (3, 3), (4, 4), (1, 4), (4, 1), (2, 3), (3, 2))


def vector_symbols(name: str, n: int, **assumptions: bool) -> sp.ImmutableMatrix:
    """An n × 1 column of symbols ``name_1 … name_n`` (real unless told otherwise).

    >>> vector_symbols("x", 2).T
    Matrix([[x_1, x_2]])
    >>> {vector_symbols("x", 2): [1.0, 2.0]}  # hashable: usable as a key of an explicit point
    {Matrix([
    [x_1],
    [x_2]]): [1.0, 2.0]}
    """
    assumptions.setdefault("real", True)
    return sp.ImmutableMatrix([sp.Symbol(f"{name}_{i + 1}", **assumptions) for i in range(n)])


def matrix_symbols(name: str, rows: int, cols: int, **assumptions: bool) -> sp.ImmutableMatrix:
    """A rows × cols Matrix of symbols ``name_{i,j}`` with 1-based i, j (real unless told otherwise).

    >>> matrix_symbols("W", 1, 2)
    Matrix([[W_{1,1}, W_{1,2}]])
    """
    assumptions.setdefault("real", True)
    return sp.ImmutableMatrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{{{i + 1},{j + 1}}}", **assumptions))
