"""AlignedEquations: several equations in one display, each right side typeset from and linked to its object."""

import pytest
import sympy as sp

from checks import ledger, provenance
from derivations import glue
from derivations.aligned import AlignedEquations
from tests.helpers import recorded

x, y = sp.symbols("x y", real=True)


def test_lines_are_typeset_from_their_objects_and_a_tuple_as_a_point():
    shown = AlignedEquations([[("u", sp.sin(x)), ("u'", sp.cos(x))], [(r"\bar{x}", (y, x))]])
    assert shown.latex() == (
        r"\begin{aligned}u &= \sin{\left(x \right)}, & u' &= \cos{\left(x \right)} \\ \bar{x} &= (y, x)\end{aligned}"
    )
    assert shown._repr_latex_() == f"$${shown.latex()}$$"


def test_glue_links_every_right_side_to_the_display(monkeypatch):
    provenance.forget()
    recorded(monkeypatch, ledger.Display)
    monkeypatch.setattr("myst_nb.glue", lambda key, obj, display: None)
    try:
        glue("eq-rows", AlignedEquations([[("a", x * y)], [("b", (sp.exp(x), y**2))]]))
        for side in (x * y, sp.exp(x), y**2):
            assert provenance.origins(side.subs(x, 0.25)) == {"eq-rows"}, side
        assert provenance.origins(sp.exp(y)) == frozenset()
    finally:
        provenance.forget()


w, x = sp.symbols("w x", real=True)


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    provenance.forget()
    monkeypatch.setattr("myst_nb.glue", lambda key, obj, display: None)
    recorded(monkeypatch, ledger.Display)
    yield
    provenance.forget()


def test_one_per_line_print_one_aligned_line_per_result():
    rows = AlignedEquations([[("f", w * x)], [(r"\nabla f", sp.Matrix([x, w]))]])
    assert rows.latex().startswith(r"\begin{aligned}f &= w x \\ \nabla f &= ")
    assert rows.latex().endswith(r"\end{aligned}")
    assert rows._repr_latex_() == f"$${rows.latex()}$$"


def test_one_per_line_at_a_point_show_the_values_there():
    rows = AlignedEquations([[("f", w * x)], [("g", sp.Matrix([[w, 2 * x]]))]], at={w: 3, x: sp.Rational(1, 2)})
    shown = r"f &= \frac{3}{2} \\ g &= \left[\begin{matrix}3 & 1\end{matrix}\right]"
    assert rows.latex() == r"\begin{aligned}" + shown + r"\end{aligned}"


def test_glued_lines_link_a_claim_built_from_any_entry_of_any_result():
    gradient = sp.Matrix([[sp.exp(w) * x, sp.sin(x) * w]])
    glue("eq-rows", AlignedEquations([[("f", sp.exp(w) * sp.sin(x))], [("g", gradient)]], at={w: 1, x: 2}))
    assert provenance.origins(gradient.subs(x, 3)) == {"eq-rows"}
    assert provenance.origins(sp.exp(w) * sp.sin(x)) == {"eq-rows"}
    assert provenance.origins(sp.cos(w)) == frozenset()


def test_one_per_line_refuse_nothing_and_matrix_expressions():
    with pytest.raises(ValueError, match="at least one"):
        AlignedEquations([])
    with pytest.raises(TypeError, match="matrix expression"):
        AlignedEquations([[("A", sp.MatrixSymbol("A", 2, 2).T)]])
