"""Rows: several results in one display, shown at a point if asked, glued as every entry of every result."""

import pytest
import sympy as sp

from checks import ledger, provenance
from derivations import Rows, glue

w, x = sp.symbols("w x", real=True)


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    provenance.forget()
    monkeypatch.setattr("myst_nb.glue", lambda key, obj, display: None)
    monkeypatch.setattr(ledger, "record_display", lambda *args: None)
    yield
    provenance.forget()


def test_rows_print_one_aligned_line_per_result():
    rows = Rows([("f", w * x), (r"\nabla f", sp.Matrix([x, w]))])
    assert rows.latex().startswith(r"\begin{aligned}f &= w x \\ \nabla f &= ")
    assert rows.latex().endswith(r"\end{aligned}")
    assert rows._repr_latex_() == f"$${rows.latex()}$$"


def test_rows_at_a_point_show_the_values_there():
    rows = Rows([("f", w * x), ("g", sp.Matrix([[w, 2 * x]]))], at={w: 3, x: sp.Rational(1, 2)})
    shown = r"f &= \frac{3}{2} \\ g &= \left[\begin{matrix}3 & 1\end{matrix}\right]"
    assert rows.latex() == r"\begin{aligned}" + shown + r"\end{aligned}"


def test_glued_rows_link_a_claim_built_from_any_entry_of_any_result():
    gradient = sp.Matrix([[sp.exp(w) * x, sp.sin(x) * w]])
    glue("eq-rows", Rows([("f", sp.exp(w) * sp.sin(x)), ("g", gradient)], at={w: 1, x: 2}))
    assert provenance.origins(gradient.subs(x, 3)) == {"eq-rows"}
    assert provenance.origins(sp.exp(w) * sp.sin(x)) == {"eq-rows"}
    assert provenance.origins(sp.cos(w)) == frozenset()


def test_rows_refuse_nothing_and_matrix_expressions():
    with pytest.raises(ValueError, match="at least one"):
        Rows([])
    with pytest.raises(TypeError, match="matrix expression"):
        Rows([("A", sp.MatrixSymbol("A", 2, 2).T)])
