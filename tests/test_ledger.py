"""The verification ledger: what each kind of check records, and where; nothing outside the build.

A record is one call of ``checks.ledger.record_check``; the tests that read files set the three
environment variables the book's Sphinx extension sets before each chapter runs.
"""

import re

import numpy as np
import pytest
import sympy as sp

from checks import GradientMismatch, assert_close, check_gradient, ledger
from derivations import Derivation, StepError, vector_symbols, verify_equal
from derivations.steps import Step
from tests.helpers import extension, square

x, y = sp.symbols("x y", real=True)
# What a check built from no display records: no links, and (for a value) an independent comparison.
UNLINKED = {"displays": frozenset(), "independent": True}
NO_LINKS = {"displays": [], "independent": False}


@pytest.fixture
def records(monkeypatch):
    """Every ledger.record_check call, as (args, kwargs), instead of writing the ledger."""
    calls = []
    monkeypatch.setattr(ledger, "record_check", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


def test_assert_close_records_exact_equality_in_the_ledger(records):
    assert assert_close(sp.log(2), sp.log(2), name="log 2") == 0.0
    assert records == [(("value", "log 2", [], 1, 0.0, 0.0), {"passed": True, **UNLINKED})]


def test_assert_close_records_numbers_in_the_ledger(records):
    worst = assert_close(np.array([0.5, 4.0]), np.array([0.5 * (1 + 1e-10), 4.0]), name="v")
    assert worst == pytest.approx(1e-10, rel=1e-5)  # relative to 0.5, not absolute, not to max(1, …)
    ((args, kwargs),) = records
    assert args[:4] == ("value", "v", [], 2)
    assert args[4] == pytest.approx(0.5e-10, rel=1e-5)  # max |got - expected|, not |got + expected|
    assert args[5] == worst and kwargs == {"passed": True, **UNLINKED}


def test_assert_close_of_zeros_and_of_empty_arrays(records):
    assert assert_close(np.zeros(2), np.zeros(2), name="zeros") == 0.0
    assert assert_close(np.zeros(0), np.zeros(0), name="empty") == 0.0
    assert records[1] == (("value", "empty", [], 0, 0.0, 0.0), {"passed": True, **UNLINKED})


def test_ledger_records_of_checks(records):
    v = vector_symbols("v", 2)
    report = check_gradient(lambda a, t: a * t.sum(), [v[0] + v[1], sp.Matrix([x, x])], [x, v], name="g", trials=2)
    assert records == [
        (
            ("gradient", "g", ["x", "v"], 2, report.max_abs_error, report.max_rel_error),
            {
                "passed": True,
                "max_normwise_rel": report.max_normwise_rel_error,
                "displays": frozenset(),
                "independent": True,
            },
        )
    ]
    assert (report.fd_coordinates, report.seed, report.entries) == (3, 0, 3)
    records.clear()
    with pytest.raises(GradientMismatch):
        check_gradient(square, [3 * x], [x], name="h", at=[{x: 1.0}], trials=2)
    assert records == [(("gradient", "h", ["x"], 3, None, None), {"passed": False, "displays": frozenset()})]


def test_verify_equal_ledger_records(records):

    assert verify_equal(sp.exp(x) * sp.exp(y), sp.exp(x + y)) == "symbolic"
    assert verify_equal(sp.sqrt((x - 5) ** 2), x - 5, domain={x: (6, 7)}, name="n") == "numeric"
    with pytest.raises(StepError):
        verify_equal(x, x + 1, name="bad")
    assert records == [
        (("identity (symbolic)", "identity", [], 0, 0.0, 0.0), {"passed": True, "displays": frozenset()}),
        (("identity (numeric)", "n", [], 6, 0.0, 0.0), {"passed": True, "displays": frozenset()}),
        (("identity", "bad", [], 0, None, None), {"passed": False, "displays": frozenset()}),
    ]


def test_derivation_steps_are_recorded_under_their_name(records):

    d = Derivation(x * (x + 1), name="d")
    assert d.steps[0] == Step(x * (x + 1), "", "definition")
    d.step(x**2 + x, "expand")
    assert records == [
        (("identity (symbolic)", "d, step 1", [], 0, 0.0, 0.0), {"passed": True, "displays": frozenset()})
    ]


def test_the_ledger_reads_back_what_checks_recorded(tmp_path, monkeypatch):
    monkeypatch.setenv(ledger.LEDGER_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(ledger.CHAPTER_ENV, "book/x")
    monkeypatch.setenv(ledger.CODE_HASH_ENV, "abc123")
    monkeypatch.setattr(ledger, "_started", set())
    assert ledger.ledger_file(tmp_path, "abc123") == tmp_path / "abc123.jsonl"
    assert ledger.read_ledger(tmp_path, "abc123") == []  # never ran
    assert_close(sp.Rational(1, 2), sp.Rational(1, 2), name="½ exactly")  # non-ASCII survives the round trip
    check_gradient(square, [2 * x], [x], trials=1)
    rows = ledger.read_ledger(tmp_path, "abc123")
    assert [(r["chapter"], r["kind"], r["quantity"], r["passed"]) for r in rows] == [
        ("book/x", "value", "½ exactly", True),
        ("book/x", "gradient", "f", True),
    ]
    assert ledger.read_ledger(tmp_path, "other") == []


def test_ledger_records_hold_every_field_and_replace_an_earlier_run(tmp_path, monkeypatch):
    monkeypatch.setenv(ledger.LEDGER_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(ledger.CHAPTER_ENV, "book/x")
    monkeypatch.setenv(ledger.CODE_HASH_ENV, "h1")
    monkeypatch.setattr(ledger, "_started", set())
    (tmp_path / "h1.jsonl").write_text('{"left over": "by an interrupted run"}\n', encoding="utf-8")
    ledger.record_check("gradient", "f", ["x", "W"], 5, 1e-16, 2e-15, passed=True, max_normwise_rel=1e-15)
    with ledger.expecting_failures():
        ledger.record_check("gradient", "g", ["x"], 5, None, None, passed=False)
    ledger.record_check("identity", "h", [], 0, None, None, passed=False)  # failed, and not on purpose
    common = {"chapter": "book/x", "code_hash": "h1", "kind": "gradient", "points": 5}
    assert ledger.read_ledger(tmp_path, "h1") == [
        {
            **common,
            "quantity": "f",
            "wrt": ["x", "W"],
            "max_abs_error": 1e-16,
            "max_rel_error": 2e-15,
            "max_normwise_rel_error": 1e-15,
            "passed": True,
            "expected_failure": False,
            **NO_LINKS,
        },
        {
            **common,
            "quantity": "g",
            "wrt": ["x"],
            "max_abs_error": None,
            "max_rel_error": None,
            "max_normwise_rel_error": None,
            "passed": False,
            "expected_failure": True,
            **NO_LINKS,
        },
        {
            **common,
            "kind": "identity",
            "quantity": "h",
            "wrt": [],
            "points": 0,
            "max_abs_error": None,
            "max_rel_error": None,
            "max_normwise_rel_error": None,
            "passed": False,
            "expected_failure": False,
            **NO_LINKS,
        },
    ]


@pytest.mark.parametrize("unset", [ledger.LEDGER_DIR_ENV, ledger.CHAPTER_ENV, ledger.CODE_HASH_ENV])
def test_nothing_is_recorded_outside_the_build(tmp_path, monkeypatch, unset):
    monkeypatch.setenv(ledger.LEDGER_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(ledger.CHAPTER_ENV, "book/x")
    monkeypatch.setenv(ledger.CODE_HASH_ENV, "h1")
    monkeypatch.delenv(unset)
    ledger.record_check("value", "v", [], 1, 0.0, 0.0, passed=True)
    assert list(tmp_path.iterdir()) == []


def test_a_corrupt_ledger_file_is_refused_by_name(tmp_path):
    (tmp_path / "abc.jsonl").write_text('{"chapter": "book/x"}\n{"cha', encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        ledger.read_ledger(tmp_path, "abc")
    assert str(caught.value).startswith(f"the ledger file {tmp_path / 'abc.jsonl'} is corrupt (")


# ------------------------------------------------------------------ the ledger page, as the build renders it


def row(chapter: str, kind: str, quantity: str, **fields) -> dict:
    """One check as the ledger page receives it (a passed check of one point unless told otherwise)."""
    record = {
        "chapter": chapter,
        "kind": kind,
        "quantity": quantity,
        "wrt": [],
        "points": 1,
        "max_abs_error": 0.0,
        "max_rel_error": 0.0,
        "max_normwise_rel_error": None,
        "passed": True,
        "expected_failure": False,
        "displays": [],
        "independent": False,
    }
    return {**record, **fields}


LEDGER_ROWS = [
    row("book/a", "gradient", "f", wrt=["x", "W"], points=5, max_rel_error=2.5e-16, displays=["a_grad"]),
    row("book/a", "identity (symbolic)", "∂l/∂o, step 1", displays=["a_grad"]),
    row("book/a", "gradient", "L", wrt=["x"], points=5, passed=False, expected_failure=True),
    row("book/b", "value", "∂L/∂X", points=12, max_rel_error=3e-15, independent=True, displays=["b_x", "b_y"]),
    row("book/b", "identity (numeric)", "identity", points=6),
]


def render_ledger(rows: list[dict] = LEDGER_ROWS) -> str:
    vl = extension("verification_ledger")
    links = {"a_grad": ("a.html#checks-a_grad", "(1.1)"), "b_x": ("b.html#checks-b_x", "(2.3)")}
    return vl.ledger_html(
        rows,
        {"book/a": "Chapter A", "book/b": "Chapter <B>"},
        lambda name: name.split("/")[-1] + ".html",
        lambda chapter, key: links.get(key),
    )


def test_a_ledger_row_says_what_was_checked_in_words():
    vl = extension("verification_ledger")
    said = [(vl.describe(r), vl.figures(r)) for r in LEDGER_ROWS]
    assert said == [
        (("Gradient with respect to x, W", "SymPy vs autograd"), "✓ 5 points · rel. error 2.5e-16"),
        (("∂l/∂o, step 1", ""), "✓ proved by SymPy"),
        (("Gradient of L with respect to x", "SymPy vs autograd"), "✗ caught on purpose"),
        (("∂L/∂X", "vs an independent computation"), "✓ 12 numbers · rel. error 3.0e-15"),
        (("An identity", ""), "✓ equal at 6 random points, 50 digits"),
    ]
    refuted = row("book/c", "identity", "source E's step 2", passed=False, expected_failure=True)
    assert (vl.describe(refuted), vl.figures(refuted)) == (
        ("source E's step 2", ""),
        "✗ refuted by a counterexample, caught on purpose",
    )


def test_the_ledger_page_is_grouped_by_chapter_collapsed_and_totals_first():
    page = render_ledger()
    assert page.index("ledger-totals") < page.index("ledger-filter") < page.index("<details")
    groups = re.findall(r"<details class='ledger-chapter' id='([^']+)' data-chapter='([^']+)'>(.*?)</details>", page)
    assert [(anchor, name) for anchor, name, _ in groups] == [("ledger-book-a", "book/a"), ("ledger-book-b", "book/b")]
    assert "<details open" not in page and " open>" not in page  # collapsed: opened by the reader or by a link
    first, second = (body for _, _, body in groups)
    assert "<span class='ledger-chapter-title'>Chapter A</span>" in first
    assert "3 checks</span> · <span class='ledger-nowrap'>1 caught on purpose" in first
    assert "max rel. error 2.5e-16" in first and "<a href='a.html'>" in first
    assert "Chapter &lt;B&gt;" in second and "2 checks</span> · <span class='ledger-nowrap'>max rel." in second
    assert re.findall(r"<li id='([^']+)'", page) == [
        "check-book-a-1",
        "check-book-a-2",
        "check-book-a-3",
        "check-book-b-1",
        "check-book-b-2",
    ]
    assert "<table" not in page


def test_a_ledger_row_links_to_the_displays_it_checks():
    page = render_ledger()
    first = page[page.index("<li id='check-book-a-1'") :].split("</li>")[0]
    assert "· <span class='ledger-displays'>display <a href='a.html#checks-a_grad'>(1.1)</a>" in first
    value = page[page.index("<li id='check-book-b-1'") :].split("</li>")[0]
    assert "display <a href='b.html#checks-b_x'>(2.3)</a></span>" in value  # b_y shows no line: no link
    unlinked = page[page.index("<li id='check-book-a-3'") :].split("</li>")[0]
    assert "<a " not in unlinked and "ledger-caught" in unlinked


def test_the_ledger_filter_is_labelled_and_hidden_until_it_works():
    page = render_ledger()
    assert "<div class='ledger-filter' hidden><label for='ledger-filter-input'>" in page
    assert "<input type='search' id='ledger-filter-input'" in page
    assert "aria-describedby='ledger-filter-hint ledger-filter-status'" in page
    assert "id='ledger-filter-status' class='ledger-filter-status' role='status'" in page


def test_a_row_anchor_and_a_badge_id_are_the_names_the_other_page_uses():
    vl, badges = extension("verification_ledger"), extension("display_badges")
    assert vl.row_anchor("book/soft max", 0) == "check-book-soft-max-1"
    assert badges._slug("eq:dK/dQ") == "eq-dK-dQ"


def test_the_pdf_ledger_still_lists_every_check_by_chapter():
    vl = extension("verification_ledger")
    tex = vl.ledger_latex(LEDGER_ROWS, {"book/a": "Chapter A", "book/b": "Chapter B"})
    assert tex.count(r"\begin{longtable}") == 2 and r"\textbf{Chapter A}" in tex and r"\textbf{Chapter B}" in tex
    assert "caught (expected failure)" in tex and "proved" in tex
    # The same words as the page: what was checked, in one column beside the figures.
    assert r"Gradient with respect to x, W: SymPy vs autograd & 5 & 0.0e+00 & — & 2.5e-16 & passed \\" in tex
    assert r"\multicolumn{6}" in tex and "With respect to" not in tex
    assert "An identity: equal at 6 random points, 50 digits & 6 &" in tex
