"""The PDF check (tools/pdf_check.py) on tiny texts: pdfinfo and pdftotext output, LaTeX's log and .aux, HTML."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tools import pdf_check

LOG = """\
Package hyperref Warning: Token not allowed in a PDF string (Unicode):
(hyperref)                removing `math shift' on input line 8729.

LaTeX Warning: Reference `equation:book/optimizers:eq-optimizers-momentum-diffe
rence' on page 120 undefined on input line 8487.

Missing character: There is no ⱼ (U+2C7C) in font FreeMono/OT:script=latn;langu
age=dflt;mapping=tex-text;!

LaTeX Warning: Citation `baydin2018' on page 3 undefined on input line 40.

LaTeX Warning: There were undefined references.
"""

AUX = r"""\relax
\newlabel{equation:book/intro:eq-intro-derivative}{{1}{1}{}{equation.0.0.1}{}}
\newlabel{book/log_sum_exp::doc}{{3}{27}{Log-sum-exp}{chapter.3}{}}
\newlabel{equation:book/log_sum_exp:eq-log_sum_exp-gradient}{{3.1}{27}{The gradient}{equation.3.1.1}{}}
\newlabel{equation:book/log_sum_exp:eq-log_sum_exp-hessian}{{3.2}{29}{The Hessian}{equation.3.2.1}{}}
"""

PAGE = """
<div class="math notranslate nohighlight" id="equation-eq-a">
<span class="eqno">(3.1)<a class="headerlink" href="#equation-eq-a" title="Link to this equation">#</a></span>x</div>
<p>See <a href="#equation-eq-a">(3.1)</a>.</p>
<span class="eqno">(3.2)<a class="headerlink" href="#equation-eq-b">#</a></span>
"""


def test_the_pdf_is_named_by_the_latex_document_in_the_config():
    assert pdf_check.pdf_name((ROOT / "_config.yml").read_text()) == "backprop-verified.pdf"


def test_page_count_is_read_from_pdfinfo():
    assert pdf_check.page_count("Title:  Backprop, Verified\nPages:           249\nEncrypted:  no\n") == 249
    with pytest.raises(ValueError, match="no page count"):
        pdf_check.page_count("Syntax Warning: May not be a PDF file\n")


def test_question_marks_in_the_text_are_unresolved_references_with_their_page():
    pages = ["Contents\n", "as in (3.1), see Exercise ??.\nfine\n", "(3.2)"]
    assert pdf_check.unresolved_in_text(pages) == ["page 2: \"??\" in 'as in (3.1), see Exercise ??.'"]
    assert pdf_check.unresolved_in_text(["What? Why?\n"]) == []


def test_the_log_names_undefined_references_citations_and_missing_glyphs_across_wrapped_lines():
    assert pdf_check.log_problems(LOG) == [
        "reference 'equation:book/optimizers:eq-optimizers-momentum-difference' on page 120 is undefined",
        "citation 'baydin2018' on page 3 is undefined",
        "missing glyph 'ⱼ' (U+2C7C) in font FreeMono/OT:script=latn;language=dflt;mapping=tex-text;",
    ]


def test_a_clean_log_has_no_problems_and_a_bare_summary_line_is_one():
    assert pdf_check.log_problems("Package hyperref Warning: Token not allowed\nOutput written on x.pdf\n") == []
    assert pdf_check.log_problems("LaTeX Warning: There were undefined references.\n") == [
        "LaTeX reports undefined references"
    ]


def test_only_lines_of_exactly_the_log_width_continue():
    assert pdf_check.unwrapped("a" * 79 + "\nbc\nd\n") == "a" * 79 + "bc\nd\n"
    assert pdf_check.unwrapped("a" * 78 + "\nbc\n") == "a" * 78 + "\nbc\n"


def test_html_equations_are_the_equation_numbers_not_the_references_to_them():
    assert pdf_check.html_equations([PAGE, "<p>no math</p>"]) == ["3.1", "3.2"]


def test_aux_equations_are_the_equation_labels_only():
    assert pdf_check.aux_equations(AUX) == ["1", "3.1", "3.2"]


def test_equation_tags_end_a_line():
    text = "   f(x) = x            (3.1)\nby (3.2) we have\nresult (12)  \n"
    assert pdf_check.equation_tags(text) == {"3.1", "12"}


def test_equal_equations_have_no_problems():
    assert pdf_check.equation_problems(["1", "3.1", "3.2"], ["1", "3.1", "3.2"], {"1", "3.1", "3.2", "7"}) == []


def test_a_missing_equation_is_named_on_each_side():
    problems = pdf_check.equation_problems(["3.1", "3.2", "3.3"], ["3.1", "3.2", "4.1"], {"3.1", "3.2"})
    assert problems == [
        "equations numbered in the HTML book only (not in the PDF): (3.3)",
        "equations numbered in the PDF only (not in the HTML): (4.1)",
        "equations LaTeX numbered but whose number is not in the PDF's text: (4.1)",
    ]
    assert pdf_check.equation_problems(["3.1"], [], set()) == [
        "the PDF numbers 0 equations, the HTML book 1",
        "equations numbered in the HTML book only (not in the PDF): (3.1)",
    ]


def test_a_missing_pdf_is_reported_not_raised(tmp_path):
    report = pdf_check.check(tmp_path / "book.pdf", tmp_path)
    assert report.problems == [f"{tmp_path / 'book.pdf'} does not exist: the LaTeX build did not make it"]


NUMBERED_PAGE = """
<p class="admonition-title"><span class="caption-number">Exercise 3.1 </span></p>
<p class="admonition-title">Solution to<a class="reference internal" href="#log_sum_exp_ex_1"> Exercise 3.1</a></p>
<figcaption><span class="caption-number">Fig. 3.1 </span><span class="caption-text">Smooth max</span></figcaption>
<p class="admonition-title"><span class="caption-number">Theorem 3.12 </span> (Chain rule)</p>
<p>As <a href="#ex"><span class="std std-ref">Exercise 3.1</span></a> shows.</p>
"""
NUMBERED_TEXT = """\
   Exercise 3.1
   Solution to Exercise 3.1
Fig. 3.1: Smooth max
   Theorem 3.12 (Chain rule)
Exercise 3.1 shows, as Step 4.2 does (a reference at the start of a line, to an item already there).
"""


def test_html_numbered_items_are_captions_and_solutions_not_references():
    assert pdf_check.html_numbered([NUMBERED_PAGE]) == [
        "Exercise 3.1",
        "Fig. 3.1",
        "Theorem 3.12",
        "Solution to Exercise 3.1",
    ]


def test_pdf_numbered_items_start_a_line_and_are_of_the_html_kinds():
    kinds = {"Exercise", "Fig.", "Theorem"}
    assert pdf_check.pdf_numbered(NUMBERED_TEXT, kinds) == {
        "Exercise 3.1",
        "Solution to Exercise 3.1",
        "Fig. 3.1",
        "Theorem 3.12",
    }
    assert pdf_check.pdf_numbered("Exercise 3.12\n", {"Exercise"}) == {"Exercise 3.12"}


def test_numbered_items_missing_on_either_side_are_named():
    html = ["Exercise 3.1", "Solution to Exercise 3.1", "Fig. 3.1"]
    assert pdf_check.numbered_problems(html, set(html)) == []
    assert pdf_check.numbered_problems(html, {"Exercise 3.1", "Fig. 3.1", "Fig. 3.2"}) == [
        "numbered in the HTML book but not the PDF: Solution to Exercise 3.1",
        "numbered in the PDF but not the HTML book: Fig. 3.2",
    ]
