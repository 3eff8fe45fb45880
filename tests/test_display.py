"""AnswerBox and Equation: what a page carries. An answer box's points and values are seeded, clear of kinks,
real and correctly rounded, in the spec its script reads; an equation prints as LaTeX."""

import html
import json
import re

import pytest
import sympy as sp

from answers import answer_spec
from answers.language import FUNCTIONS
from checks.points import KINK_MARGIN
from derivations import Equation
from derivations.answer_box import AnswerBox
from tests.helpers import message

x, y = sp.symbols("x y")


def test_answer_box_is_seeded_with_zero_by_default():
    assert AnswerBox(sp.exp(x), points=3).spec() == AnswerBox(sp.exp(x), points=3, seed=0).spec()
    assert AnswerBox(sp.exp(x), points=3).spec()["points"] != AnswerBox(sp.exp(x), points=3, seed=1).spec()["points"]


def test_answer_box_carries_the_spec_check_answer_uses():
    c = sp.Symbol("c", positive=True)
    box = AnswerBox(x * y, symbols=[c], seed=2, domain={c: (0.0, 1.0)})
    assert box.spec() == answer_spec(x * y, [c], seed=2, domain={c: (0.0, 1.0)})
    data = box._repr_html_().split('data-answer="')[1].split('"')[0]
    assert json.loads(html.unescape(data)) == box.spec()
    assert "Use <code>c</code>, <code>x</code>, <code>y</code>, numbers" in box._repr_html_()
    assert repr(box) == "AnswerBox(x*y, 8 points)"


def test_answer_box_points_stay_clear_of_the_kinks():
    # the kink expression is x/1000, so points with |x| < 1 are redrawn
    box = AnswerBox(sp.Max(0, x / 1000), points=8)
    assert all(abs(p[0] / 1000) >= KINK_MARGIN for p in box.spec()["points"])


def test_answer_box_draws_four_candidates_per_point():
    # with seed 0 the first four draws of x are below 1 and the fifth above: only four are tried
    with pytest.raises(ValueError) as refused:
        AnswerBox(sp.sqrt(x - 1), points=1)
    assert str(refused.value) == "only 0 of 4 sample points give a real value for sqrt(x - 1)"


def test_answer_box_values_are_correctly_rounded():
    expected = sp.exp(x) * sp.sin(y) + sp.log(1 + x**2)
    spec = AnswerBox(expected).spec()
    exact = [[float(expected.evalf(60, subs={x: px, y: py}))] for px, py in spec["points"]]
    assert spec["values"] == exact


def test_answer_box_treats_an_imaginary_part_from_1e_12_on_as_not_real():
    values = AnswerBox(x + sp.I * sp.Rational(9, 10**13), points=1).spec()["values"]
    assert values == AnswerBox(x, points=1).spec()["values"]
    with pytest.raises(ValueError, match="only 0 of 4 sample points"):
        AnswerBox(x + sp.I * sp.Rational(1, 10**12), points=1)


def test_answer_box_spec_is_what_the_page_script_reads():
    """answer-box.js reads the spec from ``data-answer`` and finds the input, button and feedback by class."""
    xr, yr = sp.symbols("x y", real=True)
    box = AnswerBox(sp.Max(xr, 0) + yr, points=2, seed=1)
    spec = box.spec()
    assert spec["variables"] == ["x", "y"] and spec["names"] == {"x": 0, "y": 1}
    assert len(spec["points"]) == 2 and all(len(p) == 2 for p in spec["points"])
    assert spec["values"] == [[max(p[0], 0) + p[1]] for p in spec["points"]]
    assert {t["text"] for t in spec["terms"]} == {"y", "Max(0, x)"}  # the terms a slip is looked for in
    page = box._repr_html_()
    data = re.search(r'<div class="answer-box" data-answer="([^"]*)">', page)
    assert data and json.loads(html.unescape(data.group(1))) == spec
    for part in ('class="answer-input"', 'class="answer-check"', 'class="answer-feedback"'):
        assert page.count(part) == 1, part
    assert "Use <code>x</code>, <code>y</code>, numbers" in page
    assert repr(box) == "AnswerBox(y + Max(0, x), 2 points)"
    constant = AnswerBox(sp.Integer(3), points=1)
    assert constant.spec()["points"] == [[]] and constant.spec()["values"] == [[3.0]]
    assert len(AnswerBox(sp.exp(xr)).spec()["values"]) == 8
    assert "Use no variables, numbers" in constant._repr_html_()
    assert message(ValueError, AnswerBox, sp.sqrt(xr - 10), points=2) == (
        "only 0 of 8 sample points give a real value for sqrt(x - 10)"
    )
    # only real values are kept: sqrt at negative x is skipped, not displayed
    assert all(p[0] > 0 for p in AnswerBox(sp.sqrt(xr), points=3).spec()["points"])


def test_equation_repr_and_latex_display():
    eq = Equation("f", x**2)
    assert repr(eq) == "f = x**2" and eq._repr_latex_() == "$$f = x^{2}$$"


def test_equation_passes_latex_options():
    assert Equation("f", 2 * x, mul_symbol="dot").latex() == "f = 2 \\cdot x"


def test_answer_box_html_names_what_a_reader_may_type():
    theta = sp.Symbol("theta")
    page = AnswerBox(sp.exp(x) * theta)._repr_html_()
    assert page.startswith('<div class="answer-box" data-answer="')
    spec = json.loads(html.unescape(re.search(r'data-answer="([^"]*)"', page)[1]))
    assert spec == AnswerBox(sp.exp(x) * theta).spec()
    assert "Use <code>theta</code>, <code>x</code>, numbers" in page
    functions = ", ".join(f for f in FUNCTIONS if f != "ln")
    assert functions.startswith("exp, log, sqrt") and f"parentheses and {functions} (typed plainly" in page
    assert '"><label>Your answer: <input type="text" class="answer-input"' in page
    assert '"></label> <button type="button" class="answer-check">Check</button><div class="answer-help">' in page
    assert "(typed plainly, in LaTeX or in Unicode).</div>" in page
    assert page.endswith('<div class="answer-feedback" role="status" aria-live="polite"></div></div>')
    assert "Use no variables," in AnswerBox(sp.Integer(2))._repr_html_()


def test_equation_states_an_update_with_its_relation():
    g = sp.Symbol(r"\mathbf{g}")
    eq = Equation(r"\mathbf{g}", 2 * g, relation=r"\leftarrow", mul_symbol="dot")
    assert eq.latex() == r"\mathbf{g} \leftarrow 2 \cdot \mathbf{g}" and repr(eq).startswith(r"\mathbf{g} \leftarrow")
