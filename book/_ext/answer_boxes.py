"""Sphinx extension: vendors math.js into the site and loads it, with the answer-box script, where a page has a box.

math.js comes from ``node_modules`` (``npm ci`` against the pinned package-lock.json, run by the
Makefile); the built site then needs no network. See ``derivations.AnswerBox`` for the box itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parents[2]
MATHJS = ROOT / "node_modules" / "mathjs" / "lib" / "browser"
VENDORED = ("math.js", "math.js.LICENSE.txt")


def on_builder_inited(app: Sphinx) -> None:
    if not (MATHJS / "math.js").exists():
        raise ExtensionError(f"math.js is missing from {MATHJS}: run `npm ci` (make book and make test do)")


def on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if 'class="answer-box"' not in context.get("body", ""):
        return
    # Called here, these add the files to this page only.
    app.add_js_file("vendor/math.js")
    app.add_js_file("answer-box.js")
    app.add_css_file("answer-box.css")


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / "vendor"
        target.mkdir(parents=True, exist_ok=True)
        for name in VENDORED:
            shutil.copy2(MATHJS / name, target / name)


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", on_builder_inited)
    app.connect("html-page-context", on_page_context)
    app.connect("build-finished", on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
