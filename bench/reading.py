"""How soon a reader on a phone can read each page's mathematics, and how many bytes the page costs.

Chromium at 390 × 844 with its CPU throttled 4× (a mid-range phone), the site served on loopback with
gzip, as static hosts serve it. For each page, median of a few visits with an empty cache:

- readable: the time from navigation until the first screen is painted in its final form, mathematics
  included: the largest contentful paint, or the arrival of the last font if later. The mathematics is
  typeset when the book is built, so it is drawn in the same paint as the text around it.
- painted: the largest contentful paint alone, without the fonts.
- settled: until the load event has run (every script, stylesheet and image above the fold — figures
  load lazily — and the theme's scripts that run on load, which lay out the whole page).
- transferred: bytes over the wire, images excluded; size: the same, uncompressed.

Each page's times are also given as ratios to the references page, a page with no mathematics, visited
in turn with it (page, references, page, references, …), so that whatever else the machine is doing
weighs on both alike. Targets (issue 25): every chapter settles within 2.5× the references page
(``SETTLED_TARGET``) and paints its largest content within 1.5× (``PAINTED_TARGET``).

    .venv/bin/python -m bench.reading _build/html                    # every page of the book
    .venv/bin/python -m bench.reading _build/html errata sigmoid_networks   # some pages

prints a table (ratios marked ✗ where they miss their target); `make bench` records it.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from conftest import toc_chapters
from tools.layout import CHROMIUM, CHROMIUM_ARGS, ROOT, serve

REFERENCE = "book/references.html"
THROTTLE = 4
SAMPLES = 5
SETTLED_TARGET = 2.5
PAINTED_TARGET = 1.5
IMAGES = ("image",)
# Milliseconds since navigation: the largest contentful paint (or the last font, if it came later), and
# the end of the load event. Run after the load event, when both have happened.
TIMES = """async () => {
    await document.fonts.ready;
    const paint = await new Promise((resolve) => new PerformanceObserver((list, observer) => {
        observer.disconnect();
        resolve(list.getEntries().at(-1).startTime);
    }).observe({ type: "largest-contentful-paint", buffered: true }));
    const fonts = performance.getEntriesByType("resource")
        .filter((r) => /\\.(woff2?|ttf|otf)(\\?|$)/.test(r.name)).map((r) => r.responseEnd);
    const settled = performance.getEntriesByType("navigation")[0].loadEventEnd;
    return { readable: Math.max(paint, ...fonts), painted: paint, settled };
}"""


def measure_page(browser, url: str) -> dict:
    """Seconds until readable, painted and settled, and bytes (transferred, uncompressed) other than images,
    for one visit."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
        kinds: dict[str, str] = {}
        sent: dict[str, int] = {}
        unpacked: dict[str, int] = {}
        cdp.on("Network.responseReceived", lambda e: kinds.__setitem__(e["requestId"], e["type"].lower()))
        cdp.on("Network.loadingFinished", lambda e: sent.__setitem__(e["requestId"], e["encodedDataLength"]))
        cdp.on(
            "Network.dataReceived",
            lambda e: unpacked.__setitem__(e["requestId"], unpacked.get(e["requestId"], 0) + e["dataLength"]),
        )
        page.goto(url, wait_until="load")
        times = page.evaluate(TIMES)
        page.wait_for_load_state("networkidle")
        counted = [rid for rid in sent if kinds.get(rid) not in IMAGES]
        return {
            "seconds": times["readable"] / 1000,
            "painted": times["painted"] / 1000,
            "settled": times["settled"] / 1000,
            "bytes": sum(sent[rid] for rid in counted),
            "size": sum(unpacked.get(rid, 0) for rid in counted),
        }
    finally:
        context.close()


def summary(visits: list[dict]) -> dict:
    """Median times and the most bytes over a page's visits."""
    return {
        "seconds": statistics.median(v["seconds"] for v in visits),
        "painted": statistics.median(v["painted"] for v in visits),
        "settled": statistics.median(v["settled"] for v in visits),
        "bytes": max(v["bytes"] for v in visits),
        "size": max(v["size"] for v in visits),
    }


def reading_times(site: Path, only: list[str] | None = None, samples: int = SAMPLES) -> dict[str, dict]:
    """Per page of the book (or the pages named in ``only``, by file stem): median seconds to readable, painted
    and settled over ``samples`` visits, their ratios to the references page visited in turn with it, and
    bytes (the most of any visit)."""
    from playwright.sync_api import sync_playwright

    pages = [p.relative_to(ROOT).with_suffix(".html").as_posix() for p in toc_chapters()]
    if only:
        pages = [p for p in pages if Path(p).stem in only]
    results: dict[str, dict] = {}
    with serve(site, compress=True) as root, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for path in pages:
                visits, references = [], []
                for _ in range(samples):
                    visits.append(measure_page(browser, root + path))
                    references.append(measure_page(browser, root + REFERENCE))
                record, reference = summary(visits), summary(references)
                record["ratio"] = record["seconds"] / reference["seconds"]
                record["painted_ratio"] = record["painted"] / reference["painted"]
                record["settled_ratio"] = record["settled"] / reference["settled"]
                results[path] = record
        finally:
            browser.close()
    return results


def mark(ratio: float, target: float) -> str:
    return " " if ratio <= target else "✗"


def main(site: str = "_build/html", *only: str) -> None:
    results = reading_times(Path(site), list(only) or None)
    print(f"median of {SAMPLES} visits each, CPU throttled {THROTTLE}×; ratios to {REFERENCE} visited in turn")
    print(
        f"{'page':36} {'painted (LCP)':>16} {'readable':>14} {'settled (load)':>16}"
        f" {'transferred':>12} {'uncompressed':>13}"
    )
    for path, r in results.items():
        print(
            f"{path:36} {r['painted']:6.2f} s {r['painted_ratio']:5.2f}×{mark(r['painted_ratio'], PAINTED_TARGET)}"
            f" {r['seconds']:6.2f} s {r['ratio']:5.2f}×"
            f" {r['settled']:6.2f} s {r['settled_ratio']:5.2f}×{mark(r['settled_ratio'], SETTLED_TARGET)}"
            f" {r['bytes'] / 1e6:9.2f} MB {r['size'] / 1e6:10.2f} MB"
        )


if __name__ == "__main__":
    main(*sys.argv[1:])
