"""Asserting a computed number against a reference number, with a message that says which."""

from __future__ import annotations

import sys

import numpy as np
import sympy as sp

from checks import ledger, provenance
from checks.failures import digits_to_tell_apart, number


def assert_close(got: object, expected: object, *, name: str, rtol: float = 1e-9, atol: float = 0.0) -> float:
    """Assert ``got`` matches ``expected`` elementwise; return the largest relative error.

    Accepts numbers, NumPy arrays, torch tensors and SymPy numbers or Matrices. When both
    sides are exact SymPy objects they must be *exactly* equal (``rtol`` is ignored). A failure names the
    first entry that differs as the book counts, from 1 (``name, entry (1, 2)``), and both values to as many
    digits as it takes to see them differ.

    >>> assert_close(0.1 + 0.2, 0.3, name="sum")  # doctest: +ELLIPSIS
    1.8...e-16
    """
    # Linked to the displays either side was built from; independent when only one side was.
    got_from, expected_from = provenance.origins(got), provenance.origins(expected)
    displays, independent = tuple(got_from | expected_from), _independent(got, expected, got_from, expected_from)
    try:
        size, max_abs, worst = _compare(got, expected, name=name, rtol=rtol, atol=atol)
    except AssertionError:
        # Recorded before it is raised: the ledger lists a mistake caught on purpose, or the failure that stops
        # the build.
        ledger.record(
            ledger.Check(kind="value", quantity=name, passed=False, displays=displays, independent=independent)
        )
        raise
    ledger.record(
        ledger.Check(
            kind="value",
            quantity=name,
            points=size,
            max_abs_error=max_abs,
            max_rel_error=worst,
            passed=True,
            displays=displays,
            independent=independent,
        )
    )
    return worst


def _compare(got: object, expected: object, *, name: str, rtol: float, atol: float) -> tuple[int, float, float]:
    """How many numbers were compared, the largest absolute and relative errors; AssertionError if they differ."""
    if _is_exact(got) and _is_exact(expected):
        got_m, expected_m = sp.Matrix(_as_sympy_matrix(got)), sp.Matrix(_as_sympy_matrix(expected))
        if got_m.shape != expected_m.shape:
            raise AssertionError(f"{name}: expected shape {_shape(expected_m)}, got shape {_shape(got_m)}")
        difference = sp.simplify(got_m - expected_m)
        if any(e != 0 for e in difference):
            i, j = next((i, j) for i in range(difference.rows) for j in range(difference.cols) if difference[i, j] != 0)
            where = _entry(i, j, got) if isinstance(got, sp.MatrixBase) or isinstance(expected, sp.MatrixBase) else ""
            raise AssertionError(f"{name}{where}: expected exactly {expected_m[i, j]}, got {got_m[i, j]}")
        return 1, 0.0, 0.0
    g, e = _as_array(got, name), _as_array(expected, name)
    if g.shape != e.shape:
        raise AssertionError(f"{name}: expected shape {_shape(e)}, got shape {_shape(g)}")
    close = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=False)
    scale = np.maximum(np.abs(g), np.abs(e))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0, np.abs(g - e) / np.where(scale > 0, scale, 1.0), 0.0)
    if not close.all():
        index = tuple(int(i) for i in np.argwhere(~close)[0])
        where = f", entry {_counted(index)}" if index else ""
        wrong = int(np.count_nonzero(~close))
        others = f"; {wrong - 1} more of {close.size} entries differ" if wrong > 1 else ""
        expected_value, got_value = float(e[index]), float(g[index])
        digits = digits_to_tell_apart(expected_value, got_value)
        raise AssertionError(
            f"{name}{where}: expected {number(expected_value, digits)}, got {number(got_value, digits)} "
            f"(relative error {number(rel[index], 3)}, rtol {number(rtol)}, atol {number(atol)}){others}"
        )
    worst = float(np.max(rel)) if rel.size else 0.0
    return int(g.size), float(np.max(np.abs(g - e), initial=0.0)), worst


def _counted(index: tuple[int, ...]) -> str:
    """An entry's position as the book counts, from 1: ``3`` in a vector, ``(1, 2)`` in a matrix."""
    return str(index[0] + 1) if len(index) == 1 else f"({', '.join(str(i + 1) for i in index)})"


def _entry(i: int, j: int, value: object) -> str:
    """``, entry (i, j)`` (1-based) of a SymPy Matrix, or ``, entry k`` of a column or row vector."""
    shape = value.shape if isinstance(value, sp.MatrixBase) else (1, 1)
    if 1 in shape:
        return f", entry {max(i, j) + 1}"
    return f", entry {_counted((i, j))}"


def _shape(value: sp.MatrixBase | np.ndarray) -> str:
    """A shape as the book writes a size: ``3 × 4``, ``a vector of 3``, ``a number``."""
    shape = tuple(value.shape)
    if len(shape) == 1:
        return f"a vector of {shape[0]}"
    return " × ".join(map(str, shape)) if shape else "a number"


def _independent(got: object, expected: object, got_from: frozenset, expected_from: frozenset) -> bool:
    """Whether one side is a computation of its own: not built from a display, or PyTorch's against SymPy's.

    Numbers are linked to displays by value, so a tensor PyTorch computed can equal a display's value to the
    last bit and look built from it; compared with a SymPy object, a tensor is taken as the computation.
    """
    if not got_from or not expected_from:
        return True
    torch = sys.modules.get("torch")
    sides = [isinstance(v, sp.Basic | sp.MatrixBase) for v in (got, expected)]
    tensors = [torch is not None and isinstance(v, torch.Tensor) for v in (got, expected)]
    return (sides[0] and tensors[1]) or (sides[1] and tensors[0])


def _is_exact(value: object) -> bool:
    if isinstance(value, sp.MatrixBase):
        return all(_is_exact(v) for v in value)
    return isinstance(value, sp.Basic) and value.is_number and not value.has(sp.Float)


def _as_sympy_matrix(value: object) -> sp.Matrix:
    return value if isinstance(value, sp.MatrixBase) else sp.Matrix([value])


def _as_array(value: object, name: str) -> np.ndarray:
    # A tensor exists only if torch was imported; chapters without torch never pay for importing it here.
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        value = value.detach().cpu().double().numpy()
    if isinstance(value, sp.MatrixBase):
        value = [[complex(v) for v in row] for row in value.tolist()]
    elif isinstance(value, sp.Basic):
        value = complex(value)
    array = np.asarray(value)
    if np.iscomplexobj(array):
        if np.any(array.imag != 0):
            raise AssertionError(f"{name}: the value {value} is not real")
        array = array.real
    try:
        return array.astype(float)
    except (TypeError, ValueError):
        raise AssertionError(f"{name}: a {type(value).__name__} is not a number or an array of numbers") from None
