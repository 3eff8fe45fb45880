"""Sphinx extension: the book's mathematics is typeset when the book is built, not in the reader's browser.

A chapter carries 100–250 equations. Typeset by MathJax in the browser, a phone with a slow CPU showed
them 6–11 s after the page (measured at 390 × 844 with the CPU throttled 4×). Here Sphinx writes each
formula as TeX, as its ``mathjax`` renderer does, and when the build finishes MathJax 3 itself
(``mathjax-full`` from npm, run by Node through ``typeset_math.js``) turns every formula of every
written page into CHTML with hidden MathML for screen readers. One stylesheet, ``_static/math.css``,
holds the styles and the local fonts; the page loads no MathJax script. A TeX error fails the build.

Pages Sphinx did not rewrite keep their typeset math; the formulas of every page are kept in
``math-formulas.json`` beside the doctrees, so the stylesheet always covers the whole site.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.ext.mathjax import html_visit_displaymath, html_visit_math
from sphinx.util import logging

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
MATHJAX = ROOT / "node_modules" / "mathjax-full"
FONTS = MATHJAX / "es5" / "output" / "chtml" / "fonts" / "woff-v2"
TYPESET = Path(__file__).with_name("typeset_math.js")
STYLESHEET = "math.css"

INLINE = re.compile(r'(<span class="math notranslate nohighlight">)\\\((.*?)\\\)(</span>)', re.S)
DISPLAY_BLOCK = re.compile(r'(<div class="[^"]*\bmath notranslate nohighlight"[^>]*>)(.*?)(</div>)', re.S)
DISPLAY = re.compile(r"\\\[(.*?)\\\]", re.S)


def formulas_of(page: str) -> list[tuple[str, bool]]:
    """The (TeX, display?) pairs still to typeset in a written page, in order."""
    found = [(html.unescape(m.group(2)), False) for m in INLINE.finditer(page)]
    for block in DISPLAY_BLOCK.finditer(page):
        found += [(html.unescape(m.group(1)), True) for m in DISPLAY.finditer(block.group(2))]
    return found


def typeset(formulas: list[tuple[str, bool]]) -> tuple[dict[tuple[str, bool], str], str]:
    """Each distinct formula's CHTML, and the stylesheet for all of them. Raises on a TeX error."""
    distinct = list(dict.fromkeys(formulas))
    request = {"formulas": [{"tex": t, "display": d} for t, d in distinct], "fontURL": "mathjax-fonts"}
    done = subprocess.run(
        ["node", str(TYPESET)], input=json.dumps(request), capture_output=True, text=True, cwd=ROOT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"typesetting the book's math failed: {done.stderr.strip()[-2000:]}")
    result = json.loads(done.stdout)
    if result["errors"]:
        bad = "; ".join(f"{e['message']} in {distinct[e['index']][0][:120]!r}" for e in result["errors"][:5])
        raise ValueError(f"{len(result['errors'])} formulas are not valid TeX: {bad}")
    return dict(zip(distinct, result["html"], strict=True)), result["css"]


def replace_math(page: str, rendered: dict[tuple[str, bool], str]) -> str:
    page = INLINE.sub(lambda m: m.group(1) + rendered[(html.unescape(m.group(2)), False)] + m.group(3), page)

    def display(block: re.Match) -> str:
        inner = DISPLAY.sub(lambda m: rendered[(html.unescape(m.group(1)), True)], block.group(2))
        return block.group(1) + inner + block.group(3)

    return DISPLAY_BLOCK.sub(display, page)


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
    everything = [tuple(f) for formulas in known.values() for f in formulas]
    try:
        rendered, css = typeset(everything)
    except (RuntimeError, ValueError) as error:
        logger.warning(str(error), type="static_math")
        return
    for path, (page, _) in written.items():
        path.write_text(replace_math(page, rendered), encoding="utf-8")
    static = outdir / "_static"
    (static / STYLESHEET).write_text(css, encoding="utf-8")
    shutil.copytree(FONTS, static / "mathjax-fonts", dirs_exist_ok=True)
    store.write_text(json.dumps(known), encoding="utf-8")
    logger.info(f"typeset {len(rendered)} distinct formulas on {len(written)} pages at build time")


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
