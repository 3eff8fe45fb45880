"""Sphinx extension: page furniture that the theme leaves wrong or empty.

- ``page.css``: equation numbers in a column of their own, wrapped code output, caught failures.

- Every footer says when the page was written and with which SymPy and PyTorch.
- The theme's ``default_mode`` (an ``html_context`` variable) is set; left empty, the theme logs
  "Got invalid theme mode" on every page.
- Inline scripts are not emitted twice: sphinx-thebe adds its configuration script once per read
  phase, and a second copy throws "Identifier 'THEBE_JS_URL' has already been declared".
- A page loads an extension's scripts and styles only if it uses them (``USED_BY``): sphinx-design's
  115 KB and sphinx-thebe's scripts (the book does not use thebe) are on no page, the solution
  dropdowns' script only on pages with solutions. With the search scripts left to the search page
  (book/_templates/layout.html) and the cut icon fonts (icon_font.py), the references page fell from
  1.18 MB to 0.66 MB, uncompressed (bench/reading.py, 2026-11-30).
- Every figure's ``<img>`` states its size (``width``/``height`` from the PNG) and loads lazily: the page
  is laid out once with room for each figure, rather than again over its whole length as each figure
  arrives, and the load event does not wait for figures below the first screen.
"""

from __future__ import annotations

import re
import struct
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

STATIC = Path(__file__).parent / "static"

PACKAGES = {"SymPy": "sympy", "PyTorch": "torch", "Jupyter Book": "jupyter-book"}


# Asset file name prefix → what a page's body contains when it uses the asset. Assets of other extensions
# not listed here are left alone.
USED_BY = {
    "sphinx-design": re.compile(r'class="[^"]*(?<![\w-])sd-'),
    "design-tabs": re.compile(r'class="[^"]*(?<![\w-])sd-tab'),
    "sphinx-thebe": re.compile(r'class="[^"]*(?<![\w-])thebe'),
    "togglebutton": re.compile(
        r'class="(?=[^"]*(?<![\w-])dropdown(?![\w-]))[^"]*(?<![\w-])admonition(?![\w-])'
        r'|class="[^"]*(?<![\w-])toggle(?![\w-])'
    ),
    "proof": re.compile(r'class="[^"]*(?<![\w-])proof(?![\w-])'),
}
THEBE_CONFIGURATION = "THEBE_JS_URL"


def used(asset, body: str) -> bool:
    """Whether a page whose body is ``body`` uses ``asset`` (a Sphinx script or stylesheet entry)."""
    name = Path(str(getattr(asset, "filename", asset) or "").split("?")[0]).name
    for prefix, marker in USED_BY.items():
        if name.startswith(prefix):
            return bool(marker.search(body))
    if not name and THEBE_CONFIGURATION in (getattr(asset, "attributes", {}).get("body") or ""):
        return bool(USED_BY["sphinx-thebe"].search(body))
    return True


IMAGE = re.compile(r'<img (?![^>]*\bloading=)([^>]*?)src="([^"]+\.png)"([^>]*?)\s*/?>')
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int] | None:
    """Width and height in pixels of a PNG file (from its IHDR chunk), or None if it is not one."""
    with path.open("rb") as file:
        head = file.read(24)
    if len(head) < 24 or not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def sized_images(page: str, page_dir: Path) -> str:
    """``page`` with each PNG ``<img>`` given its ``width`` and ``height`` and ``loading="lazy"``; an image
    already marked, or whose file cannot be read as a PNG, is left as it is."""

    def size(match: re.Match) -> str:
        before, src, after = match.groups()
        found = (page_dir / src).resolve()
        dimensions = png_size(found) if found.is_file() else None
        if dimensions is None:
            return match.group(0)
        width, height = dimensions
        return f'<img {before}src="{src}"{after} width="{width}" height="{height}" loading="lazy" decoding="async" />'

    return IMAGE.sub(size, page)


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    # After the build, when Sphinx has copied the figures into _images: a page is rewritten only if one of its
    # figures is not yet sized, so a no-op rebuild rewrites nothing.
    if exception is not None or app.builder.format != "html":
        return
    for path in Path(app.outdir).rglob("*.html"):
        page = path.read_text(encoding="utf-8")
        if "<img " not in page:
            continue
        sized = sized_images(page, path.parent)
        if sized != page:
            path.write_text(sized, encoding="utf-8")


def footer_html() -> str:
    versions = ", ".join(f"{label} {version(dist)}" for label, dist in PACKAGES.items())
    built = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"<p class='build-info'>Last built {built} with {versions}. "
        "Every result on these pages was checked during that build.</p>"
    )


def on_config_inited(app: Sphinx, config: Config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]  # the book's own scripts and styles
    config.html_context = {**(config.html_context or {}), "default_mode": "auto"}


def on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    # Per page, not in the config: a timestamp in the config would make Sphinx rewrite every page, every build.
    context["theme_extra_footer"] = (context.get("theme_extra_footer") or "") + footer_html()
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # Same file and attributes is the same script, whatever priority each copy was added with
        # (an inline script's filename is None or "" depending on who added it).
        filename = getattr(script, "filename", script) or ""
        key = (str(filename), tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    body = context.get("body", "")
    context["script_files"] = [script for script in unique if used(script, body)]
    context["css_files"] = [sheet for sheet in context.get("css_files", []) if used(sheet, body)]


def setup(app: Sphinx) -> dict:
    app.add_css_file("page.css")
    app.connect("config-inited", on_config_inited)
    app.connect("html-page-context", on_page_context, priority=900)  # after every extension added its scripts
    app.connect("build-finished", on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
