"""Each derivation box of the built book keeps its exercise's promises: it accepts every name the exercise
tells the reader to use, and carries the spec the table of derivations (tests/derivation_cases.yml) is
checked against in Python."""

from __future__ import annotations

import pytest

from tests.derivation_table import box_spec, boxes
from tests.test_answer_pages import assert_offered_names_accepted, page_box

IN_THE_BOOK = [name for name, box in boxes().items() if box["page"]]


@pytest.mark.parametrize("box", IN_THE_BOOK)
def test_every_name_the_exercise_offers_is_accepted_by_its_box(site, box):
    spec, exercise = page_box(site, boxes()[box]["page"], "derivation")
    assert_offered_names_accepted(spec, exercise, boxes()[box]["declared"])


@pytest.mark.parametrize("box", IN_THE_BOOK)
def test_the_table_describes_the_box_on_the_page(site, box):
    """judge_derivation on the table's description of a box judges against the same points and values as the page."""
    spec, _ = page_box(site, boxes()[box]["page"], "derivation")
    mine = box_spec(box)
    keys = ("version", "kind", "variables", "names", "shape", "points")
    assert {k: spec[k] for k in keys} == {k: mine[k] for k in keys}
    for part in ("start", "result"):
        flat = [v for values in spec[part]["values"] for v in values]
        assert flat == pytest.approx([v for values in mine[part]["values"] for v in values], rel=1e-12, abs=1e-15)
        assert [t["text"] for t in spec[part]["terms"]] == [t["text"] for t in mine[part]["terms"]]
    assert (spec["result"]["variables"], spec["result"]["functions"]) == (
        mine["result"]["variables"],
        mine["result"]["functions"],
    )
