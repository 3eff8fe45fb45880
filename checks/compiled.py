"""SymPy expressions compiled to fast numeric functions, with the arguments renamed first.

``sympy.lambdify`` renames every argument that is not a Python identifier (``W^{(1)}``, ``x[1]``,
``W̄¹``) itself, with one ``xreplace`` over the whole expression per argument: quadratic in the
size of a Jacobian. Renaming all of them in a single pass first builds the same function, without
the quadratic cost (the profile is in bench/README.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp


def compile_numeric(
    args: Sequence[sp.Basic], expr: object, modules: object, *, names: Sequence[str] | None = None
) -> Callable:
    """``sympy.lambdify(args, expr, modules=modules)``, with the arguments renamed to plain identifiers in one pass.

    ``expr`` may be an expression, a Matrix, a matrix expression of ``MatrixSymbol``s (``P ⊙ dP``, compiled to
    array operations), or (nested) lists of them, as for ``lambdify``. The new names carry no assumptions:
    the renamed expression is only evaluated, never simplified again. A ``MatrixSymbol`` argument is renamed
    to a ``MatrixSymbol`` of its shape (``lambdify``'s own renaming would make it a scalar, which a matrix
    expression refuses). ``names`` (Python identifiers, one per argument) name the arguments in the generated
    source, so that printing it reads ``multiply(P, dP)`` rather than ``multiply(_arg0, _arg1)``.
    """
    # A symbol of expr that is not an argument must not share a new name (it would silently become one).
    taken = {str(s) for s in _free_symbols(expr)}
    if names is not None:
        others = {str(s) for s in _free_symbols(expr) - set(args)}
        if len(names) != len(args) or len(set(names)) != len(names):
            raise ValueError(f"compile_numeric: {len(args)} arguments need as many distinct names, got {list(names)}")
        bad = [name for name in names if not name.isidentifier() or name in others]
        if bad:
            raise ValueError(f"compile_numeric: {bad} are not identifiers, or name a symbol that is not an argument")
    prefix = "_arg"
    while any(name.startswith(prefix) for name in taken):
        prefix += "_"
    new_names = list(names) if names is not None else [f"{prefix}{i}" for i in range(len(args))]
    # Plain Symbols, not Dummy: one Dummy argument makes lambdify re-rename every argument, one at a time.
    plain = [
        sp.MatrixSymbol(name, *arg.shape) if isinstance(arg, sp.MatrixSymbol) else sp.Symbol(name)
        for name, arg in zip(new_names, args, strict=True)
    ]
    return sp.lambdify(plain, _rename(expr, dict(zip(args, plain))), modules=modules)


def _free_symbols(expr: object) -> set:
    if isinstance(expr, (list, tuple)):
        return set().union(*(_free_symbols(e) for e in expr))
    return sp.sympify(expr).free_symbols


def _rename(expr: object, renaming: dict) -> object:
    if isinstance(expr, (list, tuple)):
        return type(expr)(_rename(e, renaming) for e in expr)
    return sp.sympify(expr).xreplace(renaming)
