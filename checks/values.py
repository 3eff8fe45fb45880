"""Asserting a computed number against a reference number, with a message that says which."""

from __future__ import annotations

import sys

import numpy as np
import sympy as sp

from checks import ledger, provenance


def assert_close(got: object, expected: object, *, name: str, rtol: float = 1e-9, atol: float = 0.0) -> float:
    """Assert ``got`` matches ``expected`` elementwise; return the largest relative error.

    Accepts numbers, NumPy arrays, torch tensors and SymPy numbers or Matrices. When both
    sides are exact SymPy objects they must be *exactly* equal (``rtol`` is ignored).

    >>> assert_close(0.1 + 0.2, 0.3, name="sum")  # doctest: +ELLIPSIS
    1.8...e-16
    """
    # Linked to the displays either side was built from; independent when only one side was.
    got_from, expected_from = provenance.origins(got), provenance.origins(expected)
    links = {"displays": got_from | expected_from, "independent": not got_from or not expected_from}
    if _is_exact(got) and _is_exact(expected):
        difference = sp.simplify(sp.Matrix(_as_sympy_matrix(got)) - sp.Matrix(_as_sympy_matrix(expected)))
        if any(e != 0 for e in difference):
            raise AssertionError(f"{name}: expected exactly {expected}, got {got}")
        ledger.record_check("value", name, [], 1, 0.0, 0.0, passed=True, **links)
        return 0.0
    g, e = _as_array(got, name), _as_array(expected, name)
    if g.shape != e.shape:
        raise AssertionError(f"{name}: expected shape {e.shape}, got shape {g.shape}")
    close = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=False)
    scale = np.maximum(np.abs(g), np.abs(e))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0, np.abs(g - e) / np.where(scale > 0, scale, 1.0), 0.0)
    if not close.all():
        index = tuple(int(i) for i in np.argwhere(~close)[0])
        where = f"[{', '.join(map(str, index))}]" if index else ""
        raise AssertionError(
            f"{name}{where}: expected {float(e[index])!r}, got {float(g[index])!r} "
            f"(relative error {rel[index]:.3e}, rtol {rtol:g}, atol {atol:g})"
        )
    worst = float(np.max(rel)) if rel.size else 0.0
    ledger.record_check(
        "value", name, [], int(g.size), float(np.max(np.abs(g - e), initial=0.0)), worst, passed=True, **links
    )
    return worst


def _is_exact(value: object) -> bool:
    if isinstance(value, sp.MatrixBase):
        return all(_is_exact(v) for v in value)
    return isinstance(value, sp.Basic) and value.is_number and not value.has(sp.Float)


def _as_sympy_matrix(value: object) -> sp.Matrix:
    return value if isinstance(value, sp.MatrixBase) else sp.Matrix([value])


def _as_array(value: object, name: str) -> np.ndarray:
    # A tensor exists only if torch was imported; not importing it here saves 2 s for chapters without torch.
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
        raise AssertionError(f"{name}: {value!r} is not a number or an array of numbers") from None
