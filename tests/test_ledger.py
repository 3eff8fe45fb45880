"""The verification ledger: what each kind of check records, and where; nothing outside the build; the page.

A record is a :class:`checks.ledger.Check` or :class:`~checks.ledger.Display`; the tests that read files set
the three environment variables the book's Sphinx extension sets before each chapter runs. The page's
groups and tables are document nodes, rendered here by Sphinx's own HTML and LaTeX writers.
"""

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from sphinx.testing.util import SphinxTestApp

from checks import GradientMismatch, assert_close, check_gradient, expect_failure, ledger
from checks.ledger import Check, Display, Method
from derivations import Derivation, StepError, vector_symbols, verify_equal
from derivations.steps import Step
from tests.helpers import extension, recorded, square

x, y = sp.symbols("x y", real=True)


@pytest.fixture
def records(monkeypatch):
    """Every check recorded, instead of written to the ledger."""
    return recorded(monkeypatch, Check)


@pytest.fixture
def ledger_dir(tmp_path, monkeypatch):
    """The ledger of chapter book/x with code hash h1, as the build sets it up before the chapter runs."""
    monkeypatch.setenv(ledger.LEDGER_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(ledger.CHAPTER_ENV, "book/x")
    monkeypatch.setenv(ledger.CODE_HASH_ENV, "h1")
    monkeypatch.setattr(ledger, "_started", set())
    return tmp_path


def value(quantity: str, points: int, max_abs: float, max_rel: float) -> Check:
    """A passed comparison of numbers built from no display (so independent), as assert_close records it."""
    return Check(
        kind="value",
        quantity=quantity,
        points=points,
        max_abs_error=max_abs,
        max_rel_error=max_rel,
        passed=True,
        independent=True,
    )


def test_assert_close_records_exact_equality_in_the_ledger(records):
    assert assert_close(sp.log(2), sp.log(2), name="log 2") == 0.0
    assert records == [value("log 2", 1, 0.0, 0.0)]


def test_assert_close_records_numbers_in_the_ledger(records):
    worst = assert_close(np.array([0.5, 4.0]), np.array([0.5 * (1 + 1e-10), 4.0]), name="v")
    assert worst == pytest.approx(1e-10, rel=1e-5)  # relative to 0.5, not absolute, not to max(1, …)
    (check,) = records
    assert (check.kind, check.quantity, check.points, check.passed, check.independent) == ("value", "v", 2, True, True)
    assert check.max_abs_error == pytest.approx(0.5e-10, rel=1e-5)  # max |got - expected|, not |got + expected|
    assert check.max_rel_error == worst and check.max_normwise_rel_error is None and check.method is None


def test_assert_close_of_zeros_and_of_empty_arrays(records):
    assert assert_close(np.zeros(2), np.zeros(2), name="zeros") == 0.0
    assert assert_close(np.zeros(0), np.zeros(0), name="empty") == 0.0
    assert records[1] == value("empty", 0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("got", "expected", "said"),
    [
        (1.0, 1.5, "f: expected 1.5, got 1"),  # numbers that differ
        (sp.Rational(1, 3), sp.Rational(1, 2), "f: expected exactly 1/2, got 1/3"),  # exact values that differ
        (np.zeros(2), np.zeros(3), "f: expected shape a vector of 3, got shape a vector of 2"),
    ],
)
def test_assert_close_records_its_failure_before_it_raises(records, got, expected, said):
    with pytest.raises(AssertionError, match=re.escape(said)):
        assert_close(got, expected, name="f")
    assert records == [Check(kind="value", quantity="f", passed=False, independent=True)]


def test_ledger_records_of_checks(records):
    v = vector_symbols("v", 2)
    report = check_gradient(lambda a, t: a * t.sum(), [v[0] + v[1], sp.Matrix([x, x])], [x, v], name="g", trials=2)
    assert records == [
        Check(
            kind="gradient",
            quantity="g",
            wrt=("x", "v"),
            points=2,
            max_abs_error=report.max_abs_error,
            max_rel_error=report.max_rel_error,
            max_normwise_rel_error=report.max_normwise_rel_error,
            passed=True,
            independent=True,
        )
    ]
    assert (report.fd_coordinates, report.seed, report.entries) == (3, 0, 3)
    records.clear()
    with pytest.raises(GradientMismatch):
        check_gradient(square, [3 * x], [x], name="h", at=[{x: 1.0}], trials=2)
    assert records == [Check(kind="gradient", quantity="h", wrt=("x",), points=3, passed=False)]


def test_verify_equal_records_how_it_proved_an_identity(records):
    assert verify_equal(sp.exp(x) * sp.exp(y), sp.exp(x + y)) == "symbolic"
    assert verify_equal(sp.sqrt((x - 5) ** 2), x - 5, domain={x: (6, 7)}, name="n") == "numeric"
    with pytest.raises(StepError):
        verify_equal(x, x + 1, name="bad")
    proved = {"kind": "identity", "max_abs_error": 0.0, "max_rel_error": 0.0, "passed": True}
    assert records == [
        Check(quantity="identity", method=Method.SYMBOLIC, points=0, **proved),
        Check(quantity="n", method=Method.NUMERIC, points=6, **proved),
        Check(kind="identity", quantity="bad", passed=False),
    ]


def test_derivation_steps_are_recorded_under_their_name(records):
    d = Derivation(x * (x + 1), name="d")
    assert d.steps[0] == Step(x * (x + 1), "", "definition")
    d.step(x**2 + x, "expand")
    assert records == [
        Check(
            kind="identity",
            quantity="d, step 1",
            method=Method.SYMBOLIC,
            max_abs_error=0.0,
            max_rel_error=0.0,
            passed=True,
        )
    ]


# ------------------------------------------------------------------ the records and their JSON form

EVERY_FIELD = Check(
    kind="gradient",
    quantity="∂L/∂W",
    wrt=("W", "x"),
    points=5,
    max_abs_error=1e-16,
    max_rel_error=2e-15,
    max_normwise_rel_error=1e-15,
    passed=True,
    displays=("eq-b", "eq-a"),
    independent=True,
    chapter="book/x",
)


@pytest.mark.parametrize(
    "record",
    [
        EVERY_FIELD,
        Check(kind="identity", quantity="step 2", method=Method.NUMERIC, points=6, passed=True),
        Check(kind="value", quantity="v", passed=False, expected_failure=True),
        Display(key="eq-a", kind="derived", steps=(Method.SYMBOLIC, Method.NUMERIC), chapter="book/x"),
        Display(key="eq-m", kind="mistake"),
    ],
)
def test_a_record_survives_its_json_form(record):
    text = record.to_json()
    assert "\n" not in text and ledger.from_json(text) == record and type(record).from_json(text) == record


def test_the_json_form_names_every_field_and_the_method_by_its_value():
    proved = Check(kind="identity", quantity="½", method=Method.SYMBOLIC, passed=True)
    assert json.loads(proved.to_json()) == {
        "record": "check",
        "kind": "identity",
        "quantity": "½",
        "passed": True,
        "wrt": [],
        "points": 0,
        "max_abs_error": None,
        "max_rel_error": None,
        "max_normwise_rel_error": None,
        "method": "symbolic",
        "displays": [],
        "independent": False,
        "expected_failure": False,
        "chapter": "",
    }
    assert "½" in proved.to_json()  # written as itself: the ledger is read as UTF-8
    assert EVERY_FIELD.displays == ("eq-a", "eq-b")  # sorted, so two runs write the same line
    assert json.loads(Display(key="k", kind="definition", steps=("numeric",)).to_json()) == {
        "record": "display",
        "key": "k",
        "kind": "definition",
        "steps": ["numeric"],
        "chapter": "",
    }


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"kind": "value", "quantity": "v", "passed": true}', "not a ledger record"),
        ('["check"]', "not a ledger record"),
        ('{"record": "step", "key": "k"}', "not a ledger record"),
        ('{"record": "check", "kind": "value", "passed": true}', "quantity"),
        ('{"record": "check", "kind": "value", "quantity": "v", "passed": true, "colour": 1}', "unknown fields"),
        ('{"record": "check", "kind": "identity (symbolic)", "quantity": "v", "passed": true}', "kind is one of"),
        ('{"record": "check", "kind": "identity", "quantity": "v", "passed": true, "method": "luck"}', "luck"),
        ('{"record": "check", "kind": "value", "quantity": "v", "passed": true, "wrt": [1]}', "wrt must be strings"),
        ('{"record": "display", "key": "k", "kind": "lemma"}', "display's kind is one of"),
        ('{"record": "display", "key": "k", "kind": "derived", "steps": ["guessed"]}', "guessed"),
    ],
)
def test_a_line_that_holds_no_record_is_refused(text, said):
    with pytest.raises(ValueError, match=re.escape(said)):
        ledger.from_json(text)


def test_a_record_of_the_other_type_is_refused_by_each_type():
    with pytest.raises(ValueError, match="not a check"):
        Check.from_json(Display(key="k", kind="derived").to_json())
    with pytest.raises(ValueError, match="not a display"):
        Display.from_json(EVERY_FIELD.to_json())


def test_a_method_belongs_to_an_identity_that_passed_and_only_a_failure_is_expected():
    with pytest.raises(ValueError, match="only an identity that passed has a method"):
        Check(kind="value", quantity="v", method=Method.SYMBOLIC, passed=True)
    with pytest.raises(ValueError, match="only an identity that passed has a method"):
        Check(kind="identity", quantity="v", method=Method.SYMBOLIC, passed=False)
    with pytest.raises(ValueError, match="not an expected failure"):
        Check(kind="value", quantity="v", passed=True, expected_failure=True)
    assert Check(kind="identity", quantity="v", method="numeric", passed=True).method is Method.NUMERIC


# ------------------------------------------------------------------ the files the build reads


def test_the_ledger_reads_back_what_checks_recorded(ledger_dir):
    assert ledger.ledger_file(ledger_dir, "h1") == ledger_dir / "h1.jsonl"
    assert ledger.read_ledger(ledger_dir, "h1") == []  # never ran
    assert_close(sp.Rational(1, 2), sp.Rational(1, 2), name="½ exactly")  # non-ASCII survives the round trip
    check_gradient(square, [2 * x], [x], trials=1)
    rows = ledger.read_ledger(ledger_dir, "h1")
    assert [(r.chapter, r.kind, r.quantity, r.passed) for r in rows if isinstance(r, Check)] == [
        ("book/x", "value", "½ exactly", True),
        ("book/x", "gradient", "f", True),
    ]
    assert ledger.read_ledger(ledger_dir, "other") == []


def test_records_are_labelled_with_their_chapter_and_replace_an_earlier_run(ledger_dir):
    (ledger_dir / "h1.jsonl").write_text('{"left over": "by an interrupted run"}\n', encoding="utf-8")
    ledger.record(EVERY_FIELD)
    with ledger.expecting_failures():
        ledger.record(Check(kind="gradient", quantity="g", wrt=("x",), points=5, passed=False))
        ledger.record(Check(kind="value", quantity="passed in the block", passed=True))
    ledger.record(Check(kind="identity", quantity="h", passed=False))  # failed, and not on purpose
    ledger.record(Display(key="eq-a", kind="derived", steps=(Method.NUMERIC,)))
    assert ledger.read_ledger(ledger_dir, "h1") == [
        EVERY_FIELD,
        Check(
            kind="gradient", quantity="g", wrt=("x",), points=5, passed=False, expected_failure=True, chapter="book/x"
        ),
        Check(kind="value", quantity="passed in the block", passed=True, chapter="book/x"),
        Check(kind="identity", quantity="h", passed=False, chapter="book/x"),
        Display(key="eq-a", kind="derived", steps=(Method.NUMERIC,), chapter="book/x"),
    ]


def test_assert_close_failing_on_purpose_is_recorded_as_caught_and_a_real_failure_as_failed(ledger_dir):
    with expect_failure(match="the slip"):
        assert_close(2.0, 1.0, name="the slip")
    with pytest.raises(AssertionError, match="the slip"):
        assert_close(2.0, 1.0, name="the slip")
    caught, failed = ledger.read_ledger(ledger_dir, "h1")
    assert caught == Check(
        kind="value", quantity="the slip", passed=False, independent=True, expected_failure=True, chapter="book/x"
    )
    assert failed == dataclasses.replace(caught, expected_failure=False)


@pytest.mark.parametrize("unset", [ledger.LEDGER_DIR_ENV, ledger.CHAPTER_ENV, ledger.CODE_HASH_ENV])
def test_nothing_is_recorded_outside_the_build(ledger_dir, monkeypatch, unset):
    monkeypatch.delenv(unset)
    ledger.record(value("v", 1, 0.0, 0.0))
    ledger.record(Display(key="eq-a", kind="derived"))
    assert list(ledger_dir.iterdir()) == []


@pytest.mark.parametrize(
    "lines",
    [
        '{"record": "check", "chapter": "book/x"}\n{"cha',  # cut short
        '{"chapter": "book/x", "kind": "value", "quantity": "v", "passed": true}\n',  # an older form of a record
    ],
)
def test_a_corrupt_ledger_file_is_refused_by_name(tmp_path, lines):
    (tmp_path / "abc.jsonl").write_text(lines, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        ledger.read_ledger(tmp_path, "abc")
    assert str(caught.value).startswith(f"the ledger file {tmp_path / 'abc.jsonl'} is corrupt (")


# ------------------------------------------------------------------ the ledger page, as the build renders it


def row(chapter: str, kind: str, quantity: str, **fields) -> Check:
    """One check as the ledger page receives it (a passed check of one point unless told otherwise)."""
    defaults = {"points": 1, "max_abs_error": 0.0, "max_rel_error": 0.0, "passed": True}
    return Check(chapter=chapter, kind=kind, quantity=quantity, **{**defaults, **fields})


LEDGER_ROWS = [
    row("book/a", "gradient", "f", wrt=("x", "W"), points=5, max_rel_error=2.5e-16, displays=("a_grad",)),
    row("book/a", "identity", "∂l/∂o, step 1", method=Method.SYMBOLIC, displays=("a_grad",)),
    row("book/a", "gradient", "L", wrt=("x",), points=5, passed=False, expected_failure=True),
    row("book/b", "value", "∂L/∂X", points=12, max_rel_error=3e-15, independent=True, displays=("b_x", "b_y")),
    row("book/b", "identity", "identity", method=Method.NUMERIC, points=6),
]
TITLES = {"book/a": "Chapter A", "book/b": "Chapter <B>"}
# Where the displays' verification lines are: b_y shows none.
TARGETS = {"a_grad": {"book/a": ("checks-a_grad", "(1.1)")}, "b_x": {"book/b": ("checks-b_x", "(2.3)")}}


def render(tmp_path: Path, builder: str, rows: list[Check] = LEDGER_ROWS) -> str:
    """The ledger page, built by Sphinx's ``builder`` (html or latex) from ``rows``, as the page's HTML or the
    PDF's LaTeX."""
    vl = extension("verification_ledger")
    source = tmp_path / "source"
    source.mkdir(exist_ok=True)
    ext = Path(vl.__file__).parent
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ext)!r})\nextensions = ['verification_ledger']\nproject = 'ledger'\n"
    )
    (source / "index.rst").write_text("Verification ledger\n===================\n\n.. verification-ledger::\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(vl, "book_ledger", lambda app: (rows, TITLES))
        patch.setattr(vl, "display_targets", lambda app: TARGETS)
        app = SphinxTestApp(builder, srcdir=source, builddir=tmp_path / builder, freshenv=True)
        try:
            app.build()
            assert app.warning.getvalue() == ""
        finally:
            app.cleanup()
    if builder == "html":
        built = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
        return built[built.index('<p class="ledger-totals">') : built.index("</section>")]
    built = (Path(app.outdir) / "ledger.tex").read_text(encoding="utf-8")
    return built[built.index("checks ran") : built.index(r"\printindex")]


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    return render(tmp_path_factory.mktemp("html"), "html")


@pytest.fixture(scope="module")
def tex(tmp_path_factory) -> str:
    return render(tmp_path_factory.mktemp("latex"), "latex")


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
    refuted = Check(kind="identity", quantity="source E's step 2", passed=False, expected_failure=True)
    assert (vl.describe(refuted), vl.figures(refuted)) == (
        ("source E's step 2", ""),
        "✗ refuted by a counterexample, caught on purpose",
    )
    failed = Check(kind="value", quantity="v", passed=False)
    assert (vl.describe(failed), vl.figures(failed)) == (("v", "vs another derived value"), "✗ failed")
    normwise = dataclasses.replace(LEDGER_ROWS[0], max_normwise_rel_error=1e-16)
    assert vl.figures(normwise) == "✓ 5 points · rel. error 2.5e-16 · normwise 1.0e-16"


def test_the_ledger_page_is_grouped_by_chapter_collapsed_and_totals_first(page):
    assert page.index("ledger-totals") < page.index("ledger-filter") < page.index("<details")
    assert "<strong>5</strong> checks ran while this book was built, in 2 chapters; <strong>1</strong> of them" in page
    groups = re.findall(
        r'<details class="ledger-chapter" data-chapter="([^"]+)" id="([^"]+)">(.*?)</details>', page, flags=re.DOTALL
    )
    assert [(anchor, name) for name, anchor, _ in groups] == [("ledger-book-a", "book/a"), ("ledger-book-b", "book/b")]
    assert "<details open" not in page and " open>" not in page  # collapsed: opened by the reader or by a link
    first, second = (body for _, _, body in groups)
    assert '<summary><strong class="ledger-chapter-title">Chapter A</strong> ' in first
    assert '3 checks</span> · <span class="ledger-nowrap">1 caught on purpose' in first
    assert "max rel. error 2.5e-16" in first and 'href="book/a.html">Read the chapter: Chapter A</a>' in first
    assert "Chapter &lt;B&gt;" in second and '2 checks</span> · <span class="ledger-nowrap">max rel.' in second
    assert re.findall(r'<li class="ledger-check ledger-\w+" id="([^"]+)"', page) == [
        "check-book-a-1",
        "check-book-a-2",
        "check-book-a-3",
        "check-book-b-1",
        "check-book-b-2",
    ]
    assert "<table" not in page and "What was checked" not in page  # a list that wraps, without the header


def test_a_ledger_row_links_to_the_displays_it_checks(page):
    first = page[page.index('id="check-book-a-1"') :].split("</li>")[0]
    assert '<span class="ledger-what"><span class="ledger-subject">Gradient with respect to x, W</span>' in first
    assert ': SymPy vs autograd · <span class="ledger-displays">display <a class="reference internal" ' in first
    assert 'href="book/a.html#checks-a_grad">(1.1)</a></span></span>' in first
    assert '<span class="ledger-figures">✓ 5 points · rel. error 2.5e-16</span>' in first
    value = page[page.index('id="check-book-b-1"') :].split("</li>")[0]
    assert 'display <a class="reference internal" href="book/b.html#checks-b_x">(2.3)</a></span>' in value
    unlinked = page[page.index('id="check-book-a-3"') :].split("</li>")[0]
    assert "<a " not in unlinked and "ledger-caught" in page[page.index("check-book-a-3") - 40 :]


def test_the_ledger_filter_is_labelled_and_hidden_until_it_works(page):
    assert "<div class='ledger-filter' hidden><label for='ledger-filter-input'>" in page
    assert "<input type='search' id='ledger-filter-input'" in page
    assert "aria-describedby='ledger-filter-hint ledger-filter-status'" in page
    assert "id='ledger-filter-status' class='ledger-filter-status' role='status'" in page


def test_a_row_anchor_and_a_badge_id_are_the_names_the_other_page_uses():
    vl, badges = extension("verification_ledger"), extension("display_badges")
    assert vl.row_anchor("book/soft max", 0) == "check-book-soft-max-1"
    assert badges._slug("eq:dK/dQ") == "eq-dK-dQ"


def test_the_pdf_ledger_lists_every_check_by_chapter_in_the_pages_words(tex):
    assert tex.count(r"\begin{longtable}") == 2 and "ledger-filter" not in tex and "Filter" not in tex
    assert r"\sphinxstylestrong{Chapter A}" in tex and r"\sphinxstylestrong{Chapter <B>}" not in tex
    assert r"\textless{}B\textgreater{}" in tex  # escaped as LaTeX
    assert tex.count("What was checked") == 4  # each table's header, and again where it continues on a page
    # The same words as the page, the displays named without a link (their lines have no target in the PDF).
    assert r"\DUrole{ledger-subject}{Gradient with respect to x, W}: SymPy vs autograd · " in tex
    assert r"\DUrole{ledger-displays}{display (1.1)}" in tex and r"\hyperref" not in tex.split("longtable")[1]
    assert "caught on purpose" in tex and "proved by SymPy" in tex and "equal at 6 random points, 50 digits" in tex
    assert "Every check, chapter by chapter" in tex


def test_a_failed_check_shows_as_failed_and_is_not_counted_as_caught(tmp_path):
    rows = [*LEDGER_ROWS, row("book/b", "value", "w", passed=False)]
    page, tex = render(tmp_path, "html", rows), render(tmp_path, "latex", rows)
    assert (
        "<strong>1</strong> of them are mistakes caught on purpose (cells that must fail), and <strong>1</strong>"
        in page
    )
    failed = page[page.index('id="check-book-b-3"') - 40 :].split("</li>")[0]
    assert 'class="ledger-check ledger-failed"' in failed and "✗ failed" in failed
    assert '3 checks</span> · <span class="ledger-nowrap">max rel.' in page  # none of book/b's caught on purpose
    assert "✗ failed" in tex and "failed. Largest" in tex


def test_only_a_failure_not_caught_on_purpose_fails_the_build():
    vl = extension("verification_ledger")
    real = Check(kind="value", quantity="v", passed=False)
    assert vl.unexpected_failures(LEDGER_ROWS) == []
    assert vl.unexpected_failures([*LEDGER_ROWS, real]) == [real]
    summary = vl.ledger_summary([*LEDGER_ROWS, dataclasses.replace(real, chapter="book/b")])
    assert (summary["checks"], summary["caught"], summary["failed"]) == (6, 1, 1)
    assert summary["chapters"]["book/a"]["caught"] == 1 and summary["chapters"]["book/b"]["caught"] == 0


def test_a_display_line_counts_a_mistake_caught_on_purpose_and_never_a_failure_as_a_check():
    badges = extension("display_badges")
    mistake, derived = Display(key="m", kind="mistake"), Display(key="d", kind="derived", steps=(Method.NUMERIC,))
    caught = Check(kind="value", quantity="v", passed=False, expected_failure=True, displays=("m",))
    assert badges.summary(mistake, [caught], False) == "✗ a quoted mistake, caught by 1 check"
    against = Check(kind="gradient", quantity="f", points=5, max_rel_error=1e-16, passed=True, independent=True)
    assert badges.summary(derived, [against, caught], True) == (
        "✓ 1 step verified (1 at 50 digits) · autograd at 5 points · max rel. error 1e-16"
    )
    assert badges.bound_displays([dataclasses.replace(caught, displays=("d",), independent=True)]) == set()
    html = badges.details_html(derived, [("check-book-a-1", caught)], "ledger.html")
    assert "value of v: caught, as intended (<a href='ledger.html#check-book-a-1'>ledger</a>)" in html
