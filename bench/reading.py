"""How soon a reader on a phone can read each page's mathematics, and how many bytes the page costs.

Chromium at 390 × 844 with its CPU throttled 4× (a mid-range phone), the site served on loopback. For each
page: the time from navigation until the page has loaded, its fonts are ready and, if the page runs MathJax,
MathJax has finished typesetting; and the bytes transferred, images excluded. Each chapter's time is given
as a ratio to the same time for the references page, a page with no mathematics, measured in the same run.

    .venv/bin/python -m bench.reading _build/html        # prints a table; `make bench` records it
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from conftest import toc_chapters
from tests.layout import CHROMIUM, CHROMIUM_ARGS, ROOT, serve

REFERENCE = "book/references.html"
THROTTLE = 4
SAMPLES = 3
IMAGES = ("image",)
READABLE = """async () => {
    await document.fonts.ready;
    if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
    return performance.now();
}"""


def measure_page(browser, url: str) -> tuple[float, int]:
    """(seconds until the mathematics is readable, bytes transferred other than images) for one visit."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
        kinds: dict[str, str] = {}
        sizes: dict[str, int] = {}
        cdp.on("Network.responseReceived", lambda e: kinds.__setitem__(e["requestId"], e["type"].lower()))
        cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
        page.goto(url, wait_until="load")
        seconds = page.evaluate(READABLE) / 1000
        page.wait_for_load_state("networkidle")
        transferred = sum(n for rid, n in sizes.items() if kinds.get(rid) not in IMAGES)
        return seconds, transferred
    finally:
        context.close()


def reading_times(site: Path) -> dict[str, dict]:
    """Per page: median seconds to readable math over a few visits, its ratio to the references page, bytes."""
    from playwright.sync_api import sync_playwright

    pages = [p.relative_to(ROOT).with_suffix(".html").as_posix() for p in toc_chapters()]
    results: dict[str, dict] = {}
    with serve(site) as root, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for path in pages:
                visits = [measure_page(browser, root + path) for _ in range(SAMPLES)]
                results[path] = {
                    "seconds": statistics.median(v[0] for v in visits),
                    "bytes": max(v[1] for v in visits),
                }
        finally:
            browser.close()
    reference = results[REFERENCE]["seconds"]
    for record in results.values():
        record["ratio"] = record["seconds"] / reference
    return results


def main(site: str = "_build/html") -> None:
    results = reading_times(Path(site))
    print(f"{'page':40} {'readable':>9} {'÷ references':>13} {'transferred':>12}")
    for path, r in results.items():
        print(f"{path:40} {r['seconds']:8.2f}s {r['ratio']:12.2f}× {r['bytes'] / 1e6:10.2f} MB")


if __name__ == "__main__":
    main(*sys.argv[1:])
