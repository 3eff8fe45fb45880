"""Sphinx extension: the theme's icon fonts cut down to the icons the book's pages show.

pydata-sphinx-theme draws its toolbar icons (search, menu, download, GitHub, …) from Font Awesome's
solid and brands fonts: 274 KB of woff2 on every first visit, for about twenty icons. After each HTML
build this extension collects the icons the site can show: the ``fa-*`` classes its pages name (looked
up in the theme's catalogue of ``.fa-name:before`` rules) and the icons its stylesheets draw themselves
(admonition marks, chevrons: Private Use Area characters outside that catalogue). It writes fonts with
only those glyphs to ``_static/icons/`` (3 KB). ``icons.css`` declares them under the theme's font
names after the theme's own declarations, so the browser takes them; the theme's fonts would be
downloaded only for a glyph missing from them (a test asserts none is).
"""

from __future__ import annotations

import re
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

THEME_CSS = Path("_static/styles/pydata-sphinx-theme.css")
THEME_FONTS = Path("_static/vendor/fontawesome/webfonts")
ICON_FONTS = Path("_static/icons")
FONTS = ("fa-solid-900.woff2", "fa-brands-400.woff2")  # the faces icons.css replaces
ICON_CLASS = re.compile(r"(?<![\w-])fa-([a-z0-9-]+)")
GLYPH_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:(?:before|after),?)+)\{content:"\\([0-9a-f]+)"\}')
ESCAPED = re.compile(r"\\([0-9a-fA-F]{4,6})(?![0-9a-fA-F])")
PRIVATE_USE = range(0xE000, 0xF900)  # where icon fonts put their glyphs


def code_points(theme_css: str) -> dict[str, int]:
    """Icon name → its code point, from the theme's ``.fa-name:before{content:"\\f002"}`` rules."""
    points = {}
    for selectors, code in GLYPH_RULE.findall(theme_css):
        for name in re.findall(r"\.fa-([a-z0-9-]+):", selectors):
            points[name] = int(code, 16)
    return points


def drawn_by_stylesheet(css: str) -> set[int]:
    """Icons a stylesheet draws itself, escaped (``content:"\\f107"``) or as literal characters."""
    rest = GLYPH_RULE.sub("", css)
    points = {int(code, 16) for code in ESCAPED.findall(rest)} | {ord(char) for char in rest}
    return {point for point in points if point in PRIVATE_USE}


def icons_used(site: Path) -> set[str]:
    """Every ``fa-*`` class named in the site's pages (the theme's scripts add no icon of their own)."""
    names: set[str] = set()
    for page in site.rglob("*.html"):
        names.update(ICON_CLASS.findall(page.read_text(encoding="utf-8")))
    return names


def shown_code_points(site: Path) -> set[int]:
    """The code points of every icon the built site can show: named by its pages or drawn by its stylesheets."""
    points = code_points((site / THEME_CSS).read_text(encoding="utf-8"))
    shown = {points[name] for name in icons_used(site) if name in points}
    for stylesheet in (site / "_static").rglob("*.css"):
        shown |= drawn_by_stylesheet(stylesheet.read_text(encoding="utf-8"))
    return shown


def subset_font(source: Path, target: Path, unicodes: set[int]) -> None:
    font = TTFont(source)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes & set(font.getBestCmap()))
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(target)


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    site = Path(app.outdir)
    unicodes = shown_code_points(site)
    for name in FONTS:
        subset_font(site / THEME_FONTS / name, site / ICON_FONTS / name, unicodes)
    logger.info(f"icon fonts: {len(unicodes)} icons kept")


def setup(app: Sphinx) -> dict:
    app.add_css_file("icons.css")
    app.connect("build-finished", on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
