"""Displaying checked SymPy objects in the book, so the page cannot drift from what was checked."""

from __future__ import annotations

import sympy as sp

from checks import ledger, provenance
from derivations.compact import CompactDerivation
from derivations.printing import latex
from derivations.steps import Derivation


class Equation:
    """``lhs = rhs`` rendered by Jupyter and MyST-NB's ``glue:math`` from the SymPy object itself.

    ``relation`` replaces ``=`` where the display states an update rather than an identity
    (``\\mathbf{g} \\leftarrow \\mathbf{g} \\cdot \\min(…)``): the right side is still the SymPy object.

    >>> Equation(r"f'(x)", sp.cos(sp.Symbol("x"))).latex()
    "f'(x) = \\\\cos{\\\\left(x \\\\right)}"
    """

    def __init__(
        self, lhs: str, rhs: sp.Basic | sp.MatrixBase, *, relation: str = "=", **latex_options: object
    ) -> None:
        self.lhs = lhs
        self.rhs = rhs
        self.relation = relation
        self.latex_options = latex_options

    def latex(self) -> str:
        return f"{self.lhs} {self.relation} {latex(self.rhs, **self.latex_options)}"

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    def __repr__(self) -> str:
        return f"{self.lhs} {self.relation} {self.rhs}"


#: How a glued display stands in the book: derived (must be bound to a check), or declared exempt.
DISPLAY_KINDS = ledger.DISPLAY_KINDS


def glue(key: str, obj: object, *, display: bool = False, kind: ledger.DisplayKind = "derived") -> None:
    """MyST-NB's ``glue``, which also tells the verification ledger what a display shows.

    A SymPy result (a :class:`~derivations.steps.Derivation`, an :class:`Equation`, an expression or a
    matrix) is registered under ``key`` (see :mod:`checks.provenance`): a check whose claim is built
    from it is recorded as checking this display, and the build refuses a derived display that no
    check binds. ``kind="definition"`` declares a definition, ``kind="mistake"`` a quoted mistake: both
    are shown without being derived. Anything else (a figure, a number, an answer box) is glued as is.
    """
    from myst_nb import glue as myst_glue

    if kind not in DISPLAY_KINDS:
        raise ValueError(f"glue({key!r}): kind must be one of {', '.join(DISPLAY_KINDS)}, not {kind!r}")
    shown = _shown_objects(obj)
    if shown is not None:
        provenance.register(key, *shown)
        steps = [s.method for s in obj.steps[1:]] if isinstance(obj, Derivation) else []
        ledger.record(ledger.Display(key=key, kind=kind, steps=tuple(ledger.Method(s) for s in steps)))
    elif kind != "derived":
        raise ValueError(f"glue({key!r}, kind={kind!r}): only a SymPy display can be declared a {kind}")
    myst_glue(key, obj, display=display)


def _shown_objects(obj: object) -> list[sp.Basic] | None:
    """The SymPy objects a display stands for, or None for what is not a SymPy display.

    For a derivation, both ends of the chain: each step is verified equal to the one before it, so a check
    built from its start (the model, say, evaluated and compared with PyTorch) vouches for its result too.
    """
    if isinstance(obj, CompactDerivation):
        return [obj.steps[0].expr, obj.result, obj.shown_result]
    if isinstance(obj, Derivation):
        return [obj.steps[0].expr, obj.result]
    if isinstance(obj, Equation):
        return [obj.rhs]
    if isinstance(obj, sp.Basic | sp.MatrixBase):
        return [obj]
    return None
