"""AlignedEquations: several equations in one display, each right side typeset from and linked to its object."""

import sympy as sp

from checks import ledger, provenance
from derivations import glue
from derivations.aligned import AlignedEquations

x, y = sp.symbols("x y", real=True)


def test_lines_are_typeset_from_their_objects_and_a_tuple_as_a_point():
    shown = AlignedEquations([[("u", sp.sin(x)), ("u'", sp.cos(x))], [(r"\bar{x}", (y, x))]])
    assert shown.latex() == (
        r"\begin{aligned}u &= \sin{\left(x \right)}, & u' &= \cos{\left(x \right)} \\ \bar{x} &= (y, x)\end{aligned}"
    )
    assert shown._repr_latex_() == f"$${shown.latex()}$$"


def test_glue_links_every_right_side_to_the_display(monkeypatch):
    provenance.forget()
    monkeypatch.setattr(ledger, "record_display", lambda *args: None)
    monkeypatch.setattr("myst_nb.glue", lambda key, obj, display: None)
    try:
        glue("eq-rows", AlignedEquations([[("a", x * y)], [("b", (sp.exp(x), y**2))]]))
        for side in (x * y, sp.exp(x), y**2):
            assert provenance.origins(side.subs(x, 0.25)) == {"eq-rows"}, side
        assert provenance.origins(sp.exp(y)) == frozenset()
    finally:
        provenance.forget()
