"""AnswerBox: the points and values a page carries are seeded, clear of kinks, real and correctly rounded."""

import html
import json

import pytest
import sympy as sp

from checks.answers import answer_spec
from checks.points import KINK_MARGIN
from derivations.display import AnswerBox

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
