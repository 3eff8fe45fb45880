"""Each answer box of the built book keeps its exercise's promises: it accepts every name the exercise
tells the reader to use, draws each symbol from its domain, and carries the spec the table of cases
(tests/answer_cases.yml) is checked against in Python."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from answers.language import FUNCTIONS
from tests.answer_table import box_spec, boxes

# Names an exercise may offer that are not variables: functions, constants, operators.
NOT_VARIABLES = set(FUNCTIONS) | {"e", "pi", "^", "*", "/", "...", "…"}


def page_box(site: Path, page_path: str, kind: str = "answer") -> tuple[dict, str]:
    """The spec of the ``kind`` box ("answer" or "derivation") on a page and the text of the exercise that holds it."""
    page = (site / page_path).read_text(encoding="utf-8")
    found = re.search(rf'class="{kind}-box" data-{kind}="([^"]*)"', page)
    assert found, f"{page_path} has no {kind} box"
    exercise = page[page.rfind('<div class="exercise', 0, found.start()) : found.start()]
    return json.loads(html.unescape(found[1])), exercise


def assert_offered_names_accepted(spec: dict, exercise: str, declared: list[str]) -> None:
    """The names an exercise tells the reader to use are the table's, and its box accepts every variable among them."""
    offered = set(re.findall(r'<span class="pre">([^<]*)</span>', exercise))
    assert offered == set(declared), "the table's 'declared' names differ from the exercise's"
    refused = {name for name in offered - NOT_VARIABLES if name not in spec["names"]}
    assert not refused, f"the exercise offers {sorted(refused)}, which its box refuses"


@pytest.mark.parametrize("box", list(boxes()))
def test_every_name_the_exercise_offers_is_accepted_by_its_box(site, box):
    spec, exercise = page_box(site, boxes()[box]["page"])
    assert_offered_names_accepted(spec, exercise, boxes()[box]["declared"])


@pytest.mark.parametrize("box", list(boxes()))
def test_every_symbol_is_drawn_from_its_domain(site, box):
    spec, _ = page_box(site, boxes()[box]["page"])
    for name, (low, high) in boxes()[box].get("domain", {}).items():
        k = spec["variables"].index(name)
        assert all(low <= point[k] <= high for point in spec["points"]), name


@pytest.mark.parametrize("box", list(boxes()))
def test_the_table_describes_the_box_on_the_page(site, box):
    """check_answer on the table's description of a box judges against the same points and values as the page."""
    spec, _ = page_box(site, boxes()[box]["page"])
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
