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


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (1.5, "a table cell must be a SymPy object, an int, a tuple of them or text; got 1.5"),
        ("a | b", "a table cell cannot contain '|' or a line break: 'a | b'"),
    ],
)
def test_bad_cells_are_refused_with_the_reason(bad, message):
    with pytest.raises(ValueError) as refused:
        cell(bad)
    assert str(refused.value) == message


def test_table_with_caption_is_a_myst_table_directive():
    text = sympy_table(["a", "b"], [[1, sp.eye(2)]], caption="Two", name="tbl-x-y")
    lines = text.splitlines()
    assert lines[:3] == ["```{table} Two", ":name: tbl-x-y", ""]
    assert lines[3:5] == ["| a | b |", "| --- | --- |"]
    assert lines[5].startswith("| $1$ | $\\left[\\begin{matrix}1 & 0")
    assert lines[-1] == "```"


def test_table_without_caption_is_a_plain_pipe_table():
    assert sympy_table(["x", "y"], [[1, 2], [3, sp.pi]]) == "| x | y |\n| --- | --- |\n| $1$ | $2$ |\n| $3$ | $\\pi$ |"


def test_table_with_caption_and_no_name_has_no_name_option():
    assert sympy_table(["x"], [[1]], caption="One") == "```{table} One\n\n| x |\n| --- |\n| $1$ |\n```"


def test_malformed_tables_are_refused():
    with pytest.raises(ValueError, match="2 cells"):
        sympy_table(["a", "b"], [[1]])
    with pytest.raises(ValueError, match=r"^a table needs a caption to carry a name$"):
        sympy_table(["a"], [[1]], name="tbl-x")
