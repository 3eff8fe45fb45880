"""What a built page shows a reader: no traceback or file path in an output, and math in the book's notation.

These read the built HTML (the browser tests look at the rendered pages).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from conftest import toc_chapters
from tests.conftest import ROOT

CHAPTERS = [p.relative_to(ROOT).with_suffix(".html").as_posix() for p in toc_chapters()]
# An output area runs from its opening tag to the next cell (or the end of the article).
OUTPUT = re.compile(r'<div class="cell_output docutils container">(.*?)(?=<div class="cell[ "]|</article>)', re.S)
PLUMBING = {
    "a traceback": re.compile(r"Traceback \(most recent call last\)|^\s*-{20,}\s*$", re.M),
    "a file path": re.compile(r"(/work/|/home/|/tmp/|site-packages|\.py:\d+|File \S+\.py)"),
}
MATH = re.compile(r"\\\[(.*?)\\\]|\\\((.*?)\\\)", re.S)
NOT_HOUSE_STYLE = {
    r"\mathbb{I} (write I)": r"\mathbb{I}",
    "^{T} (write ^\\top)": "^{T}",
    r"a text-mode accent \^{} (write math between $ signs)": r"\^{}",
}


def page(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


@pytest.mark.parametrize("path", CHAPTERS)
def test_no_output_shows_a_traceback_or_a_file_path(site, path):
    outputs = OUTPUT.findall(page(site, path))
    found = [f"{what}: {m.group(0)!r}" for out in outputs for what, rx in PLUMBING.items() if (m := rx.search(out))]
    assert not found, f"{path}: " + "; ".join(found[:5])


def typeset_formulas(site: Path) -> dict[str, list]:
    """The TeX of every formula of every page, as the build typeset it (kept beside the doctrees)."""
    return json.loads((site.parent / ".doctrees" / "math-formulas.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", CHAPTERS)
def test_math_is_in_the_book_notation(site, path):
    math = [tex for tex, _display in typeset_formulas(site).get(path, [])]
    found = sorted({what for tex in math for what, bad in NOT_HOUSE_STYLE.items() if bad in tex})
    assert not found, f"{path}: {found}"


def test_every_chapter_with_math_has_its_formulas_recorded(site):
    recorded = typeset_formulas(site)
    assert sum(len(recorded.get(p, [])) for p in CHAPTERS) > 1000


@pytest.mark.parametrize("path", CHAPTERS)
def test_math_is_typeset_when_the_book_is_built(site, path):
    """A page arrives with its mathematics typeset (SVG, with MathML for screen readers) and loads no MathJax."""
    text = page(site, path)
    assert not MATH.findall(text), f"{path}: TeX left for the browser: {MATH.findall(text)[:3]}"
    assert "tex-chtml" not in text and "window.MathJax" not in text, f"{path} still loads MathJax"
    containers = text.count("<mjx-container")
    assert containers == text.count("<mjx-assistive-mml"), f"{path}: a formula has no MathML for screen readers"


def test_each_page_carries_the_glyphs_its_formulas_use(site):
    """Formulas draw their glyphs from the page's own hidden outlines: no math font, nothing fetched."""
    for path in CHAPTERS:
        text = page(site, path)
        used = set(re.findall(r'<use [^>]*href="#([^"]+)"', text))
        defined = set(re.findall(r'<path id="([^"]+)"', text))
        assert used <= defined, f"{path}: glyphs used but not on the page: {sorted(used - defined)[:5]}"


def test_the_output_pattern_finds_outputs(site):
    assert sum(len(OUTPUT.findall(page(site, p))) for p in CHAPTERS) > 100


CAUGHT = re.compile(
    r'<div class="caught-failure"[^>]*><p class="caught-failure-title">Caught, as intended: '
    r"<code>(GradientMismatch|StepError|AssertionError)</code></p><pre>(.*?)</pre>",
    re.S,
)
#: What a caught failure of the book's own checks never shows: an array, a 0-based index, a padded exponent.
NOT_MATHEMATICS = {
    "an array": re.compile(r"\[\[|array\(|tensor\("),
    "a 0-based index": re.compile(r"\[0[,\]]|\(0, |entry \(?0\b|point 0\b"),
    "a padded exponent": re.compile(r"\de[-+]0\d"),
}
#: A pre at 390 px holds about 44 characters: a longer unbreakable token would be split inside.
LONGEST_TOKEN = 40


@pytest.mark.parametrize("path", CHAPTERS)
def test_a_caught_failure_reads_like_mathematics(site, path):
    """Entries counted from 1, points as ``name = value``, and no token too wide for a phone's column."""
    found = []
    for kind, message in CAUGHT.findall(page(site, path)):
        text = html.unescape(message)
        found += [
            f"{kind} shows {what}: {m.group(0)!r}" for what, rx in NOT_MATHEMATICS.items() if (m := rx.search(text))
        ]
        found += [f"{kind}: {token!r} cannot wrap" for token in re.split(r"[ \n]+", text) if len(token) > LONGEST_TOKEN]
    assert not found, f"{path}: " + "; ".join(found[:5])
