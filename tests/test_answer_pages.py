"""Each answer box of the built book keeps its exercise's promises: it accepts every name the exercise
tells the reader to use, draws each symbol from its domain, and carries the spec the table of cases
(tests/answer_cases.yml) is checked against in Python."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from checks.answers import FUNCTIONS
from tests.answer_table import box_spec, boxes

# Names an exercise may offer that are not variables: functions, constants, operators.
NOT_VARIABLES = set(FUNCTIONS) | {"e", "pi", "^", "*", "/", "...", "…"}
# Boxes whose chapter must change before they keep their promise (chapters are edited elsewhere).
CHAPTER_EDITS = {
    "hessian_table": "the exercise offers `y`, which det H = 12x does not contain: "
    "AnswerBox(hessian_determinant, symbols=[y])",
    "matrix_calculus": "the exercise offers `c`, which ∂q/∂x_1 = 2a x_1 + 2b x_2 does not contain: "
    "AnswerBox(dq_dx1, symbols=[c])",
    "softmax_cross_entropy": "ε is a smoothing weight in [0, 1]; the box draws it from (0.25, 2.5): "
    "AnswerBox(smoothed_dl_do1, domain={epsilon_2: (0.0, 1.0)})",
}


def page_box(site: Path, box: str) -> tuple[dict, str]:
    """The spec of the box on its page and the text of the exercise that holds it."""
    page = (site / boxes()[box]["page"]).read_text(encoding="utf-8")
    found = re.search(r'class="answer-box" data-answer="([^"]*)"', page)
    assert found, f"{boxes()[box]['page']} has no answer box"
    exercise = page[page.rfind('<div class="exercise', 0, found.start()) : found.start()]
    return json.loads(html.unescape(found[1])), exercise


def pending(box: str, applies: bool) -> pytest.MarkDecorator | tuple:
    return (pytest.mark.xfail(strict=True, reason=f"chapter edit pending: {CHAPTER_EDITS[box]}"),) if applies else ()


OFFERS_TOO_MUCH = ("hessian_table", "matrix_calculus")


@pytest.mark.parametrize("box", [pytest.param(b, marks=pending(b, b in OFFERS_TOO_MUCH)) for b in boxes()])
def test_every_name_the_exercise_offers_is_accepted_by_its_box(site, box):
    spec, exercise = page_box(site, box)
    offered = set(re.findall(r'<span class="pre">([^<]*)</span>', exercise))
    assert offered == set(boxes()[box]["declared"]), "the table's 'declared' names differ from the exercise's"
    refused = {name for name in offered - NOT_VARIABLES if name not in spec["names"]}
    assert not refused, f"the exercise offers {sorted(refused)}, which its box refuses"


@pytest.mark.parametrize("box", [pytest.param(b, marks=pending(b, "domain" in boxes()[b])) for b in boxes()])
def test_every_symbol_is_drawn_from_its_domain(site, box):
    spec, _ = page_box(site, box)
    for name, (low, high) in boxes()[box].get("domain", {}).items():
        k = spec["variables"].index(name)
        assert all(low <= point[k] <= high for point in spec["points"]), name


@pytest.mark.parametrize("box", list(boxes()))
def test_the_table_describes_the_box_on_the_page(site, box):
    """check_answer on the table's description of a box judges against the same points and values as the page."""
    spec, _ = page_box(site, box)
    mine = box_spec(box)
    assert {k: spec[k] for k in ("version", "variables", "names", "shape", "points")} == {
        k: mine[k] for k in ("version", "variables", "names", "shape", "points")
    }
    flat = [v for values in spec["values"] for v in values]
    assert flat == pytest.approx([v for values in mine["values"] for v in values], rel=1e-12, abs=1e-15)
    # The terms' values, not their text: SymPy prints 2*(a + b) as typed but reads it back as 2*a + 2*b.
    assert len(spec["terms"]) == len(mine["terms"])
    for theirs, ours in zip(spec["terms"], mine["terms"], strict=True):
        assert theirs["values"] == pytest.approx(ours["values"], rel=1e-12, abs=1e-15)
