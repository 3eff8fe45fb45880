"""Table cells are typeset from SymPy objects, and a malformed table is refused."""

import pytest
import sympy as sp

from derivations.tables import cell, sympy_table


def test_cells():
    assert cell(sp.Rational(1, 2)) == r"$\frac{1}{2}$"
    assert cell(3) == "$3$"
    assert cell((0, sp.pi)) == r"$\left(0, \pi\right)$"
    assert cell([-1, 1]) == "$-1, 1$"
    assert cell("local minimum") == "local minimum"


@pytest.mark.parametrize("bad", [1.5, True, None, "a | b", "two\nlines"])
def test_bad_cells_are_refused(bad):
    with pytest.raises(ValueError):
        cell(bad)


def test_table_with_caption_is_a_myst_table_directive():
    text = sympy_table(["a", "b"], [[1, sp.eye(2)]], caption="Two", name="tbl-x-y")
    lines = text.splitlines()
    assert lines[:3] == ["```{table} Two", ":name: tbl-x-y", ""]
    assert lines[3:5] == ["| a | b |", "| --- | --- |"]
    assert lines[5].startswith("| $1$ | $\\left[\\begin{matrix}1 & 0")
    assert lines[-1] == "```"


def test_malformed_tables_are_refused():
    with pytest.raises(ValueError, match="2 cells"):
        sympy_table(["a", "b"], [[1]])
    with pytest.raises(ValueError, match="caption"):
        sympy_table(["a"], [[1]], name="tbl-x")
