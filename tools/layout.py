"""How a built page lays out its mathematics at a given window width, measured in Chromium.

Used by ``tests/test_browser.py``; also runnable on a built site while writing a chapter::

    .venv/bin/python -m tools.layout _build/html book/log_sum_exp.html

prints, for 1280 px and 390 px, every display wider than its column, every equation number that
overlaps its formula, every inline formula cut off at the end of its line, and whether the page scrolls
sideways.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import shutil
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
#: The two windows every page is read at: a laptop, and a phone.
WIDTHS = {1280: 900, 390: 844}
#: Displays allowed to scroll inside their own box, each with the reason it cannot be split.
WIDE_DISPLAYS = ROOT / "book" / "wide_displays.yml"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# For each display (MathJax's display container), the nearest labelled ancestor's id (or the position
# among the page's displays), how much wider it is than its box, and whether its number overlaps it.
MEASURE = """() => {
    const article = document.querySelector("article") || document.body;
    const displays = Array.from(article.querySelectorAll("mjx-container[display='true']"));
    const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    // What of the formula shows: a formula wider than its box is clipped there (it scrolls inside it).
    const visible = (inner, box) => ({left: Math.max(inner.left, box.left), right: Math.min(inner.right, box.right),
                                      top: Math.max(inner.top, box.top), bottom: Math.min(inner.bottom, box.bottom)});
    return {
        pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        // Inline formulas that run past the right edge of their paragraph and cannot be scrolled (a table
        // scrolls as a whole, so formulas inside one are its business).
        inlineCut: Array.from(article.querySelectorAll("mjx-container:not([display='true'])")).filter((node) => {
            if (node.closest("table, pre")) return false;
            const style = getComputedStyle(node);
            if (style.overflowX === "auto" || style.overflowX === "scroll") return false;
            const column = (node.closest("p, li, dd") || article).getBoundingClientRect();
            return node.getBoundingClientRect().right > column.right + 1;
        }).map((node) => (node.closest("p, li, dd") || node).textContent.trim().slice(0, 50)),
        displays: displays.map((node, index) => {
            const holder = node.closest("div.math");
            const eqno = holder && holder.querySelector(":scope > .eqno");
            const math = node.querySelector("mjx-math");
            const inner = math ? math.getBoundingClientRect() : node.getBoundingClientRect();
            const box = node.getBoundingClientRect();
            return {
                id: (holder && holder.id) || "",
                index: index,
                overflow: Math.round(Math.max(node.scrollWidth - node.clientWidth, inner.right - box.right - 1, 0)),
                numberOverlaps: eqno ? overlaps(eqno.getBoundingClientRect(), visible(inner, box)) : false,
            };
        }),
    };
}"""


def wide_displays() -> dict[str, str]:
    """The listed exceptions: ``{"page.html#equation-id": reason}``."""
    if not WIDE_DISPLAYS.exists():
        return {}
    entries = yaml.safe_load(WIDE_DISPLAYS.read_text(encoding="utf-8")) or []
    return {f"{e['page']}#{e['display']}": e["reason"] for e in entries}


def wait_for_typesetting(page) -> None:
    """Until MathJax has typeset the page (pages without math have no window.MathJax at all)."""
    page.wait_for_function("() => !window.MathJax || (MathJax.startup && MathJax.startup.promise)")
    page.evaluate("() => window.MathJax && MathJax.startup.promise")


def measure(browser, url: str, width: int) -> dict:
    """The layout of ``url`` in a fresh window ``width`` px wide (see ``MEASURE``)."""
    context = browser.new_context(viewport={"width": width, "height": WIDTHS.get(width, 900)})
    try:
        page = context.new_page()
        page.goto(url, wait_until="networkidle")
        wait_for_typesetting(page)
        return page.evaluate(MEASURE)
    finally:
        context.close()


def problems(path: str, layout: dict, allowed: dict[str, str]) -> list[str]:
    """What a reader of ``path`` could not see: each as a sentence."""
    found = []
    if layout["pageOverflow"] > 1:
        found.append(f"the page scrolls sideways by {layout['pageOverflow']} px")
    found += [f"an inline formula runs past its line in {text!r}" for text in layout["inlineCut"]]
    for d in layout["displays"]:
        name = f"#{d['id']}" if d["id"] else f"display {d['index'] + 1}"
        if d["overflow"] > 0 and f"{path}#{d['id']}" not in allowed:
            found.append(f"{name} is {d['overflow']} px wider than its column")
        if d["numberOverlaps"]:
            found.append(f"the number of {name} overlaps its formula")
    return found


@contextmanager
def serve(site: Path, compress: bool = False) -> Iterator[str]:
    """The built site on a loopback port, for as long as the block runs; with ``compress``, text files are
    sent gzipped to a browser that accepts it, as static hosts send them."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    class Gzipped(Quiet):
        def send_head(self):
            path = Path(self.translate_path(self.path))
            kind = self.guess_type(str(path))
            if (
                "gzip" not in self.headers.get("Accept-Encoding", "")
                or not path.is_file()
                or not (kind.startswith("text/") or kind.endswith(("javascript", "json", "svg+xml")))
            ):
                return super().send_head()
            body = gzip.compress(path.read_bytes(), compresslevel=6)
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)

    handler = Gzipped if compress else Quiet
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def main(site: str, *paths: str) -> int:
    from playwright.sync_api import sync_playwright

    allowed = wide_displays()
    failed = False
    with serve(Path(site)) as root, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in paths:
            for width in WIDTHS:
                layout = measure(browser, root + path, width)
                found = problems(path, layout, allowed)
                failed |= bool(found)
                print(f"{path} at {width} px: {len(layout['displays'])} displays, {len(found)} problems")
                for problem in found:
                    print(f"  {problem}")
        browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
