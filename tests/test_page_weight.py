"""What a page loads: only the scripts and styles it uses, icon fonts cut down to the book's icons, and
formulas without the marks of MathJax's explorer or its bare groups, figures that state their size and
load lazily, and a colour theme settled before the page is styled. (bench/reading.py measures the bytes and
the time.)"""

from __future__ import annotations

import gzip
import re
import struct
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from tests.helpers import extension
from tools.layout import CHROMIUM, CHROMIUM_ARGS, serve

icon_font = extension("icon_font")

ASSET = re.compile(r'<(?:script|link)[^>]*(?:src|href)="([^"?]+)')


def site_pages(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}


def assets(html: str) -> list[str]:
    return [Path(url).name for url in ASSET.findall(html.split("</head>")[0] + html)]


def test_each_page_loads_only_the_scripts_and_styles_it_uses(site):
    wrong = []
    for path, html in site_pages(site).items():
        loaded = set(assets(html))
        boxes = 'class="answer-box' in html or 'class="derivation-box' in html  # both read the answer language
        uses = {
            "answer-language.js": boxes,
            "answer-box.js": boxes,
            "ledger.js": "ledger-index" in html,
            "searchindex.js": path == "search.html",
            "sphinx-thebe.js": False,
            "design-tabs.js": False,
            "sphinx-design.min.css": False,
        }
        for name, use in uses.items():
            if (name in loaded) != use:
                wrong.append(f"{path}: {name} {'missing' if use else 'loaded'}")
    assert not wrong, "\n".join(wrong[:10])


def test_the_book_has_pages_with_and_without_answer_boxes(site):
    boxes = ['class="answer-box' in html for html in site_pages(site).values()]
    assert any(boxes) and not all(boxes)


def test_the_cut_down_icon_fonts_have_every_icon_the_site_shows(site):
    needed = icon_font.shown_code_points(site)
    assert len(needed) >= 15, needed
    for name in icon_font.FONTS:
        theme = set(TTFont(site / icon_font.THEME_FONTS / name).getBestCmap())
        kept = set(TTFont(site / icon_font.ICON_FONTS / name).getBestCmap())
        missing = sorted(hex(p) for p in (needed & theme) - kept)
        assert not missing, f"{name}: icons the site shows but the cut-down font lacks: {missing}"
        assert len(kept) < len(theme) / 20, f"{name}: {len(kept)} of {len(theme)} glyphs kept"


def test_the_cut_down_icon_fonts_are_declared_after_the_themes(site):
    html = (site / "book" / "intro.html").read_text(encoding="utf-8")
    names = assets(html)
    assert names.index("icons.css") > names.index("pydata-sphinx-theme.css")


def test_icon_code_points_are_read_from_the_themes_catalogue_and_from_other_rules():
    catalogue = '.fa-magnifying-glass:before,.fa-search:before{content:"\\f002"}.fa-bars:before{content:"\\f0c9"}'
    assert icon_font.code_points(catalogue) == {"magnifying-glass": 0xF002, "search": 0xF002, "bars": 0xF0C9}
    assert icon_font.drawn_by_stylesheet(catalogue) == set()
    own = 'div.exercise p::after{content:"\\f303"} :root{--icon-tip:"\uf0eb"} p::before{content:"\\2014"}'
    assert icon_font.drawn_by_stylesheet(catalogue + own) == {0xF303, 0xF0EB}


def test_formulas_carry_no_explorer_marks_and_glyphs_keep_their_stroke(site):
    text = (site / "book" / "softmax_cross_entropy.html").read_text(encoding="utf-8")
    assert text.count("<mjx-container") > 50
    assert " data-c=" not in text and 'data-mml-node="mi"' not in text
    assert 'mjx-container[jax="SVG"] use { stroke-width: 3; }' in (site / "_static" / "math.css").read_text()


SERVED = [("book/references.html", True), ("_static/icons.css", True), ("favicon.ico", False)]


@pytest.mark.parametrize(("name", "compressed"), SERVED)
def test_the_bench_server_sends_text_gzipped_as_static_hosts_do(site, name, compressed):
    with serve(site, compress=True) as root:
        request = urllib.request.Request(root + name, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            body = response.read()
            assert (response.headers.get("Content-Encoding") == "gzip") == compressed
    assert (gzip.decompress(body) if compressed else body) == (site / name).read_bytes()


page_furniture = extension("page_furniture")


def png(width: int, height: int) -> bytes:
    """The start of a PNG file: its signature and IHDR chunk (all that ``png_size`` reads)."""
    ihdr = struct.pack(">II", width, height) + bytes([8, 6, 0, 0, 0])
    return page_furniture.PNG_SIGNATURE + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\0\0\0\0"


def test_a_figure_is_given_its_size_and_loads_lazily(tmp_path):
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "a.png").write_bytes(png(1200, 450))
    (tmp_path / "_images" / "b.png").write_bytes(b"not a png at all, but long enough to be read")
    book = tmp_path / "book"
    book.mkdir()
    page = (
        '<p><img alt="A plot." src="../_images/a.png" /></p>'
        '<img alt="Broken." src="../_images/b.png" />'
        '<img alt="Missing." src="../_images/c.png" />'
        '<img alt="Done." src="../_images/a.png" loading="eager" />'
    )
    sized = page_furniture.sized_images(page, book)
    assert sized.startswith(
        '<p><img alt="A plot." src="../_images/a.png" width="1200" height="450" loading="lazy" decoding="async" /></p>'
    ), sized
    assert sized.endswith(page[page.index('<img alt="Broken."') :]), sized
    assert page_furniture.sized_images(sized, book) == sized


def test_every_figure_of_the_book_states_its_size_and_loads_lazily(site):
    unsized = [
        f"{path}: {tag[:80]}"
        for path, html in site_pages(site).items()
        for tag in re.findall(r"<img [^>]*>", html)
        if ".png" in tag and not ('loading="lazy"' in tag and "width=" in tag and "height=" in tag)
    ]
    figures = sum(html.count("<img ") for html in site_pages(site).values())
    assert figures >= 20 and not unsized, unsized[:5]


# Every change of <html data-theme> after the head script has run (once the body is parsed): the theme's script
# sets it again to "light" or "dark", and if that changes its value, the whole page is styled again.
THEME_CHANGES = """
window.themeChanges = [];
new MutationObserver((records) => {
    for (const record of records) {
        const now = record.target.getAttribute("data-theme");
        if (record.target === document.documentElement && document.body && record.oldValue !== now) {
            window.themeChanges.push(`${record.oldValue} to ${now}`);
        }
    }
}).observe(document, { subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ["data-theme"] });
"""


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium")
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_colour_theme_is_resolved_before_the_page_is_styled(site, scheme):
    from playwright.sync_api import sync_playwright

    with serve(site) as root, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(color_scheme=scheme)
            page.add_init_script(THEME_CHANGES)
            page.goto(root + "book/intro.html", wait_until="load")
            theme = page.evaluate("document.documentElement.dataset.theme")
            changes = page.evaluate("window.themeChanges")
        finally:
            browser.close()
    assert theme == scheme
    assert changes == [], f"data-theme changed after the head script: {changes}"


class SvgGroups(HTMLParser):
    """Each ``<g>`` inside a formula's SVG, with its attributes and those of its parent and grandparent."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.groups: list[tuple[dict[str, str | None], list[dict[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg" or self.stack:
            if tag == "g":
                self.groups.append((dict(attrs), [a for _, a in self.stack[-2:]]))
            self.stack.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.stack.pop()


STRUCTURAL = {"mtable", "merror", "maction"}


def _selected_by_structure(attrs: dict[str, str | None]) -> bool:
    return attrs.get("data-mml-node") in STRUCTURAL or "data-table" in attrs


@pytest.mark.parametrize("chapter", ["errata", "sigmoid_networks"])
def test_formulas_carry_no_bare_groups_but_where_mathjaxs_stylesheet_selects_by_structure(site, chapter):
    parser = SvgGroups()
    parser.feed((site / "book" / f"{chapter}.html").read_text(encoding="utf-8"))
    assert len(parser.groups) > 1000
    bare = [ancestors for attrs, ancestors in parser.groups if not attrs]
    outside = [ancestors for ancestors in bare if not any(_selected_by_structure(a) for a in ancestors)]
    assert outside == [], f"{len(outside)} <g> with no attribute outside a table's structure"
    assert len(bare) < len(parser.groups) / 10
