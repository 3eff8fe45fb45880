"""Sphinx extension: the book's mathematics is typeset when the book is built, not in the reader's browser.

A chapter carries 100–250 equations. Typeset by MathJax in the browser, a phone with a slow CPU showed
them seconds after the page (bench/README.md, "Measured behind the extensions"). Here Sphinx writes each
formula as TeX, as its ``mathjax`` renderer does, and when the build finishes MathJax 3 itself
(``mathjax-full`` from npm, run by Node through ``typeset_math.js``) turns every formula of every
written page into SVG with hidden MathML for screen readers. Each page carries one hidden ``<svg>`` with
the outlines of the glyphs it uses; ``_static/math.css`` holds MathJax's few SVG rules. The page loads no
MathJax script and no math font. A TeX error fails the build.

The TeX of every page's formulas is kept in ``math-formulas.json`` beside the doctrees, for the tests.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.ext.mathjax import html_visit_displaymath, html_visit_math
from sphinx.util import logging

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
TYPESET = Path(__file__).with_name("typeset_math.js")
STYLESHEET = "math.css"

INLINE = re.compile(r'(<span class="math notranslate nohighlight">)\\\((.*?)\\\)(</span>)', re.S)
DISPLAY_BLOCK = re.compile(r'(<div class="[^"]*\bmath notranslate nohighlight"[^>]*>)(.*?)(</div>)', re.S)
DISPLAY = re.compile(r"\\\[(.*?)\\\]", re.S)
#: An inline formula wider than this may not fit on one line of a phone's column (about 42 ex at 390 px):
#: it is marked ``wide-inline`` and scrolls inside its own box where it does not fit, rather than being cut off.
WIDE_INLINE_EX = 30
SVG_WIDTH = re.compile(r'<svg [^>]*width="([0-9.]+)ex"')
#: How MathJax draws a derivation's reasons, which are set in ``\color{gray}`` (derivations/steps.py). No one
#: grey reaches WCAG's 4.5:1 on both the light and the dark theme's background, so on the page a reason takes
#: its colour from page.css (``.derivation-reason``), a grey for each theme. The MathML keeps the reasons as
#: text between the lines they connect, which is where a screen reader reads them.
REASON_GREY = 'fill="gray" stroke="gray"'
THEMED_REASON = 'class="derivation-reason" fill="currentColor" stroke="currentColor"'


def formulas_of(page: str) -> list[tuple[str, bool]]:
    """The (TeX, display?) pairs still to typeset in a written page, in order."""
    found = [(html.unescape(m.group(2)), False) for m in INLINE.finditer(page)]
    for block in DISPLAY_BLOCK.finditer(page):
        found += [(html.unescape(m.group(1)), True) for m in DISPLAY.finditer(block.group(2))]
    return found


def typeset(pages: list[list[tuple[str, bool]]]) -> tuple[list[dict], str]:
    """Per page, each formula's SVG (in order) and the page's glyph outlines; and the stylesheet.

    Raises ``ValueError`` naming the first formulas that are not valid TeX.
    """
    request = {"pages": [[{"tex": t, "display": d} for t, d in formulas] for formulas in pages]}
    done = subprocess.run(
        ["node", str(TYPESET)], input=json.dumps(request), capture_output=True, text=True, cwd=ROOT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"typesetting the book's math failed: {done.stderr.strip()[-2000:]}")
    result = json.loads(done.stdout)
    if result["errors"]:
        bad = "; ".join(f"{e['message']} in {pages[e['page']][e['index']][0][:120]!r}" for e in result["errors"][:5])
        raise ValueError(f"{len(result['errors'])} formulas are not valid TeX: {bad}")
    return result["pages"], result["css"]


def replace_math(page: str, rendered: list[str], glyphs: str) -> str:
    """The page with its formulas, in order, replaced by their SVG, and the glyph outlines after ``<body>``."""
    pieces = iter(rendered)
    page = INLINE.sub(lambda m: m.group(1) + _marked_if_wide(next(pieces)) + m.group(3), page)

    def display(block: re.Match) -> str:
        formulas = DISPLAY.sub(lambda m: next(pieces).replace(REASON_GREY, THEMED_REASON), block.group(2))
        return block.group(1) + formulas + block.group(3)

    page = DISPLAY_BLOCK.sub(display, page)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + glyphs, page, count=1)


def _marked_if_wide(formula: str) -> str:
    width = SVG_WIDTH.search(formula)
    if width and float(width.group(1)) > WIDE_INLINE_EX:
        # A box that scrolls must be reachable by keyboard, to scroll it with the arrow keys (WCAG 2.1.1).
        return formula.replace(
            '<mjx-container class="MathJax"', '<mjx-container class="MathJax wide-inline" tabindex="0"', 1
        )
    return formula


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    store = Path(app.doctreedir) / "math-formulas.json"
    known = json.loads(store.read_text(encoding="utf-8")) if store.exists() else {}
    written = {}
    for path in sorted(outdir.rglob("*.html")):
        page = path.read_text(encoding="utf-8")
        formulas = formulas_of(page)
        if formulas:
            written[path] = (page, formulas)
            known[path.relative_to(outdir).as_posix()] = formulas
    if not written:  # nothing rewritten since the last build (a no-op rebuild): its pages and math.css stand
        return
    try:
        rendered, css = typeset([formulas for _, formulas in written.values()])
    except (RuntimeError, ValueError) as error:
        logger.warning(str(error), type="static_math")
        return
    for (path, (page, _)), result in zip(written.items(), rendered, strict=True):
        path.write_text(replace_math(page, result["html"], result["glyphs"]), encoding="utf-8")
    (outdir / "_static" / STYLESHEET).write_text(css, encoding="utf-8")
    store.write_text(json.dumps(known), encoding="utf-8")
    logger.info(f"typeset {sum(len(f) for _, f in written.values())} formulas on {len(written)} pages at build time")


def use_static_renderer(app: Sphinx, config) -> None:
    config.html_math_renderer = "static"


def setup(app: Sphinx) -> dict:
    # Sphinx's own mathjax visitors write the TeX (and need its configuration values); the "static"
    # renderer that uses them adds no script to the page.
    app.setup_extension("sphinx.ext.mathjax")
    app.add_html_math_renderer("static", (html_visit_math, None), (html_visit_displaymath, None))
    app.connect("config-inited", use_static_renderer)
    app.add_css_file(STYLESHEET)
    app.connect("build-finished", on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
