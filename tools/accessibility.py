"""WCAG 2.1 A and AA, as axe-core checks them, on a built page in Chromium.

axe-core comes from npm (pinned in package-lock.json) and is injected from ``node_modules``: nothing is
fetched. Used by ``tests/test_browser.py``; also runnable on a built site, for the counts by rule::

    .venv/bin/python -m tools.accessibility _build/html

A page is scanned with everything a reader can open opened (every ``<details>``: hidden code, solutions,
the verification details) and, where it has answer boxes, once more in each state a box can be in.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: The rules of WCAG 2.0 and 2.1, levels A and AA (axe's tags for them).
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# What a reader types to put a box in each of its states other than empty and correct. A correct answer is
# the box's own: the browser tests take it from the table of answers (tests/answer_cases.yml).
BOX_STATES = {"wrong": "0.123456789", "refused": "x + * y"}
# The same for a derivation box (one step per line): a wrong first line, a refused second line. Its correct
# derivation is the table's (tests/derivation_cases.yml).
DERIVATION_STATES = {"wrong": "0.123456789\n0.5", "refused": "0.123456789\nx + * y"}

OPEN_EVERYTHING = """async () => {
    document.querySelectorAll("details").forEach((d) => { d.open = true; });
    // sphinx-togglebutton hides a solution until its button is pressed: press each one that is closed.
    document.querySelectorAll("button.toggle-button[aria-expanded='false']").forEach((b) => b.click());
    // A derivation box shows its hints one per press of its hint button: show them all.
    document.querySelectorAll(".derivation-hint").forEach((b) => { for (let i = 0; i < 3; i += 1) b.click(); });
    // What opens fades in: colours are measured once it has (mid-fade, text is paler than it will be).
    await Promise.all(document.getAnimations().map((a) => a.finished));
}"""

RUN_AXE = """async ([tags, context]) => {
    const result = await axe.run(context || document, {runOnly: {type: "tag", values: tags},
                                                        resultTypes: ["violations"]});
    return result.violations.map((v) => ({
        rule: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
    }));
}"""

# Types ``answer`` into the box numbered ``index`` on the page and presses Check.
ANSWER_BOX = """([index, answer]) => {
    const box = document.querySelectorAll(".answer-box")[index];
    box.querySelector(".answer-input").value = answer;
    box.querySelector(".answer-check").click();
}"""
# Types ``text`` (lines) into the derivation box numbered ``index`` on the page and presses Check.
DERIVATION_BOX = """([index, text]) => {
    const box = document.querySelectorAll(".derivation-box")[index];
    box.querySelector(".derivation-input").value = text;
    box.querySelector(".derivation-check").click();
}"""


def contrast(foreground: str, background: str) -> float:
    """WCAG's contrast ratio of two CSS colours as a browser computes them (``rgb(102, 102, 102)``).

    >>> round(contrast("rgb(102, 102, 102)", "rgb(255, 255, 255)"), 2)
    5.74
    """

    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def scan(page, context: str | None = None) -> list[dict]:
    """The WCAG 2.1 A/AA violations axe finds on ``page`` (a Playwright page), within ``context`` (a selector)."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, [WCAG_21_AA, context])


def scan_every_state(
    page, correct: dict[int, str] | None = None, derivations: dict[int, dict[str, str]] | None = None
) -> dict[str, list[dict]]:
    """Violations on a loaded page by state: everything opened, then each state of its answer and derivation boxes.

    ``correct`` maps a box's index on the page to an answer it accepts (boxes not in it skip that state);
    ``derivations`` maps a derivation box's index to a derivation for each further state (correct, unfinished).
    """
    page.evaluate(OPEN_EVERYTHING)
    found = {"opened": scan(page)}
    found |= _scan_derivation_states(page, derivations or {})
    boxes = page.locator(".answer-box").count()
    if not boxes:
        return found
    for state, answer in BOX_STATES.items():
        for index in range(boxes):
            page.evaluate(ANSWER_BOX, [index, answer])
        found[f"boxes {state}"] = scan(page, ".answer-box")
    for index, answer in (correct or {}).items():
        page.evaluate(ANSWER_BOX, [index, answer])
    if correct:
        found["boxes correct"] = scan(page, ".answer-box")
    return found


def _scan_derivation_states(page, known: dict[int, dict[str, str]]) -> dict[str, list[dict]]:
    """Violations in each state of the page's derivation boxes: wrong, refused and, where the table knows
    a derivation for it, each other state (correct, unfinished)."""
    found = {}
    boxes = page.locator(".derivation-box").count()
    if not boxes:
        return found
    for state, text in DERIVATION_STATES.items():
        for index in range(boxes):
            page.evaluate(DERIVATION_BOX, [index, text])
        found[f"derivation boxes {state}"] = scan(page, ".derivation-box")
    for state in sorted({state for texts in known.values() for state in texts}):
        for index, texts in known.items():
            if state in texts:
                page.evaluate(DERIVATION_BOX, [index, texts[state]])
        found[f"derivation boxes {state}"] = scan(page, ".derivation-box")
    return found


def describe(path: str, width: int, state: str, violations: list[dict]) -> list[str]:
    """One line per violating element: page, width, state, rule and the element."""
    return [
        f"{path} at {width} px ({state}): {v['rule']} ({v['impact']}: {v['help']}) on {n['target']}"
        for v in violations
        for n in v["nodes"]
    ]


def main(site: str, *paths: str) -> int:
    from playwright.sync_api import sync_playwright

    from tools.layout import CHROMIUM, CHROMIUM_ARGS, WIDTHS, serve, wait_for_typesetting

    site_path = Path(site)
    chapters = [p.relative_to(site_path).as_posix() for p in sorted(site_path.glob("book/*.html"))]
    paths = paths or (*chapters, "genindex.html", "search.html")
    by_rule: Counter[str] = Counter()
    by_impact: Counter[str] = Counter()
    with serve(site_path) as root, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in paths:
            for width, height in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(root + path, wait_until="networkidle")
                wait_for_typesetting(page)
                for state, violations in scan_every_state(page).items():
                    for v in violations:
                        by_rule[v["rule"]] += len(v["nodes"])
                        by_impact[v["impact"]] += len(v["nodes"])
                    for line in describe(path, width, state, violations):
                        print(line)
                context.close()
        browser.close()
    print("by rule:", dict(by_rule.most_common()))
    print("by impact:", dict(by_impact.most_common()))
    return 1 if by_rule else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
