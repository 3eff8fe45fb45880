"""The built site in headless Chromium: a clean console, no request leaving localhost, all math typeset,
and answer boxes that work.

Chromium comes from Debian (`make test` installs it when run as root). Without it these tests are
skipped with the reason printed; everything else still runs.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from answers import judge, judge_derivation
from answers.language import TIME_LIMIT
from conftest import toc_chapters
from tests import answer_table, derivation_table
from tests.conftest import ROOT
from tools import accessibility, layout
from tools.layout import CHROMIUM, CHROMIUM_ARGS, wait_for_typesetting

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium on PATH: run `make test` as root (it installs Debian's chromium) or install it first",
)
SCREENSHOTS = ROOT / "_build" / "screenshots"
REPORT = ROOT / "_build" / "browser-report"
RAW_TEX = re.compile(r"\$\$|\\frac|\\begin\{|\\partial|\\mathbf")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a browser closing a connection early (BrokenPipeError) is not a test failure


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def pages() -> list[str]:
    """Every page of the book and the two generated pages, as paths relative to the site root.

    The site's own index.html is not among them: it is Jupyter Book's redirect to the root page, and
    evaluating a page while it redirects reads a document that has no body yet.
    """
    chapters = [p.relative_to(ROOT).with_suffix(".html").as_posix() for p in toc_chapters()]
    return [*chapters, "genindex.html", "search.html"]


def visit(browser, url: str) -> dict:
    """Load a page in a fresh context; collect console errors, failed and external requests, and math state."""
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    external: list[str] = []
    requested: list[str] = []
    origin = url.split("/", 3)[:3]
    page.on(
        "console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("request", lambda r: external.append(r.url) if r.url.split("/", 3)[:3] != origin else None)
    page.on("request", lambda r: requested.append(r.url))
    page.goto(url, wait_until="networkidle")
    wait_for_typesetting(page)
    state = page.evaluate(
        """() => {
            const article = document.querySelector("article") || document.body;
            const clone = article.cloneNode(true);
            clone.querySelectorAll("pre, code, script, mjx-container, .cell_input").forEach((n) => n.remove());
            return {
                equations: article.querySelectorAll("mjx-container").length,
                errors: article.querySelectorAll("mjx-merror, [data-mjx-error]").length,
                text: clone.innerText,
                labelled: Array.from(document.querySelectorAll("[id^='equation-']")).map((n) => ({
                    id: n.id, rendered: n.querySelector("mjx-container") !== null })),
            };
        }"""
    )
    state.update(problems=problems, external=external, requested=requested, page=page, context=context)
    return state


def glue_labels(chapter_html: str) -> list[str]:
    """The ids MyST gives the equations a chapter displays with {glue:math} and a :label:."""
    source = (ROOT / chapter_html).with_suffix(".md")
    if not source.exists():
        return []
    labels = re.findall(r"```\{glue:math\}[^\n]*\n:label: (\S+)", source.read_text())
    # Sphinx turns a label into an HTML id: lower case, underscores as hyphens.
    return [f"equation-{label.replace('_', '-').lower()}" for label in labels]


@pytest.mark.parametrize("path", pages())
def test_page_is_clean_offline_and_typeset(site, server, browser, path):
    state = visit(browser, server + path)
    try:
        expected_glue = glue_labels(path)
        rendered = {e["id"] for e in state["labelled"] if e["rendered"]}
        problems = {
            "console or network problems": state["problems"],
            "requests leaving localhost": state["external"],
            # The theme's full icon fonts (274 KB) are fetched only for an icon missing from the cut-down ones.
            "the theme's full icon fonts": [u for u in state["requested"] if "vendor/fontawesome/webfonts" in u],
            "untypeset TeX in the text": RAW_TEX.findall(state["text"])[:5],
            "MathJax error nodes": state["errors"],
            "glued equations not rendered": [label for label in expected_glue if label not in rendered],
        }
        if path in {"book/log_sum_exp.html", "book/ledger.html", pages()[0]}:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            state["page"].screenshot(path=str(SCREENSHOTS / f"{Path(path).stem}.png"), full_page=False)
    finally:
        state["context"].close()
    # One record a page (the tests run spread over workers); `bench/run.py` adds them up.
    REPORT.mkdir(parents=True, exist_ok=True)
    record = {"equations": state["equations"], "glued": len(expected_glue), "external_requests": len(state["external"])}
    (REPORT / f"{path.replace('/', '--')}.json").write_text(json.dumps(record))
    assert not any(problems.values()), f"{path}: " + "; ".join(f"{k}: {v}" for k, v in problems.items() if v)
    assert state["equations"] >= len(expected_glue)


def test_the_chapters_display_glued_equations():
    assert sum(len(glue_labels(path)) for path in pages()) > 50


# Types each answer into the page's box, clicks Check, and reads the box's classes and feedback back.
RUN_BOX = """([answers, verdictClasses]) => {
    const box = document.querySelector(".answer-box");
    const input = box.querySelector(".answer-input");
    const button = box.querySelector(".answer-check");
    const feedback = box.querySelector(".answer-feedback");
    return answers.map((answer) => {
        input.value = answer;
        const started = performance.now();
        button.click();
        const ms = performance.now() - started;
        const classes = verdictClasses.filter((c) => box.classList.contains(c));
        return { classes, feedback: feedback.textContent, ms };
    });
}"""


@pytest.mark.parametrize("box", sorted(answer_table.boxes()))
def test_the_table_of_answers_in_each_box(site, server, browser, box):
    """Every answer of tests/answer_cases.yml for this box, typed into the real box: the verdict and the
    feedback are check_answer's, word for word, and the verdict is the table's."""
    cases = [c for c in answer_table.cases() if c.box == box]
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server + answer_table.boxes()[box]["page"], wait_until="load")
        spec = json.loads(page.locator(".answer-box").first.get_attribute("data-answer"))
        results = page.evaluate(RUN_BOX, [[c.answer for c in cases], list(answer_table.BOX_CLASSES.values())])
    finally:
        context.close()
    differences = []
    for case, result in zip(cases, results, strict=True):
        python = judge(case.answer, spec)
        if (result["classes"], result["feedback"]) != ([answer_table.BOX_CLASSES[python.verdict]], python.feedback):
            differences.append(f"{case}: page {result['classes']} {result['feedback']!r}, Python {python}")
        elif python.verdict != case.verdict or case.says not in python.feedback:
            differences.append(f"{case}: expected {case.verdict} saying {case.says!r}, got {python}")
    slowest = max(zip((r["ms"] for r in results), cases), key=lambda pair: pair[0])
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / f"answers-{box}.json").write_text(
        json.dumps({"cases": len(cases), "slowest_ms": slowest[0], "slowest": slowest[1].answer[:60]})
    )
    assert not differences and not errors, "\n".join(differences + errors)
    assert slowest[0] < 1000 * TIME_LIMIT, slowest


# Types each derivation into a derivation box, clicks Check, and reads back its classes, words and each line's.
RUN_DERIVATION_BOX = """([texts, verdictClasses]) => {
    const box = document.querySelector(".derivation-box");
    const input = box.querySelector(".derivation-input");
    const button = box.querySelector(".derivation-check");
    return texts.map((text) => {
        input.value = text;
        const started = performance.now();
        button.click();
        const ms = performance.now() - started;
        return {
            classes: verdictClasses.filter((c) => box.classList.contains(c)),
            feedback: box.querySelector(".derivation-feedback").textContent,
            lines: Array.from(box.querySelectorAll(".derivation-lines > li"), (li) => [li.className, li.textContent]),
            ms,
        };
    });
}"""
LINE_CLASSES = {
    "follows": "line-follows",
    "incorrect": "line-wrong",
    "invalid": "line-error",
    "unchecked": "line-unchecked",
}


def stand_in_page(server: str, box: str) -> str:
    """A page holding only a box of the table that no chapter has (page: null), with the book's own scripts."""
    from derivations.answer_box import DerivationBox

    start, expected, definitions, domain = derivation_table.box_objects(box)
    made = DerivationBox(start, expected, definitions=definitions, domain=domain)._repr_html_()
    scripts = "".join(
        f'<script src="{server}_static/{name}"></script>' for name in ("answer-language.js", "answer-box.js")
    )
    head = f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{box}</title></head>'
    return f"{head}<body><main>{made}</main>{scripts}</body></html>"


@pytest.mark.parametrize("box", sorted(derivation_table.boxes()))
def test_the_table_of_derivations_in_each_box(site, server, browser, box):
    """Every derivation of tests/derivation_cases.yml for this box, typed into the box of its page (or of a
    stand-in page): the verdict, the words and each line's are judge_derivation's, and the table's."""
    cases = [c for c in derivation_table.cases() if c.box == box]
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        where = derivation_table.boxes()[box]["page"]
        if where:
            page.goto(server + where, wait_until="load")
        else:
            page.set_content(stand_in_page(server, box), wait_until="load")
        spec = json.loads(page.locator(".derivation-box").first.get_attribute("data-derivation"))
        classes = list(derivation_table.BOX_CLASSES.values())
        results = page.evaluate(RUN_DERIVATION_BOX, [[c.text for c in cases], classes])
    finally:
        context.close()
    differences = []
    for case, result in zip(cases, results, strict=True):
        python = judge_derivation(case.text, spec)
        lines = [[LINE_CLASSES[line.verdict], line.feedback] for line in python.lines]
        wanted = ([derivation_table.BOX_CLASSES[python.verdict]], python.feedback, lines)
        if (result["classes"], result["feedback"], result["lines"]) != wanted:
            differences.append(
                f"{case}: page {result['classes']} {result['feedback']!r} {result['lines']}, Python {python}"
            )
        elif python.verdict != case.verdict:
            differences.append(f"{case}: expected {case.verdict}, got {python}")
    slowest = max(zip((r["ms"] for r in results), cases), key=lambda pair: pair[0])
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / f"derivations-{box}.json").write_text(
        json.dumps({"cases": len(cases), "slowest_ms": slowest[0], "slowest": slowest[1].text[:60]})
    )
    assert not differences and not errors, "\n".join(differences + errors)
    assert slowest[0] < 1000 * TIME_LIMIT, slowest


def test_pressing_enter_checks_and_a_new_check_replaces_the_verdict(site, server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "book/log_sum_exp.html", wait_until="load")
    box = page.locator(".answer-box").first
    box.locator(".answer-input").fill("sigma(x_1 - x_2)")
    box.locator(".answer-input").press("Enter")
    assert box.get_attribute("class").split() == ["answer-box", "answer-correct"]
    box.locator(".answer-input").fill("<b>x</b>")
    box.locator(".answer-check").click()
    assert box.get_attribute("class").split() == ["answer-box", "answer-error"]
    assert box.locator(".answer-feedback").inner_text() == "The answer cannot contain '<' (position 1)."
    assert box.locator(".answer-feedback b").count() == 0  # shown as text, never as markup
    context.close()


def test_site_works_from_file_urls(site, browser):
    """Opened straight from disk (file://), math typesets and the answer box still checks."""
    context = browser.new_context()
    page = context.new_page()
    page.goto((site / "book" / "log_sum_exp.html").as_uri(), wait_until="load")
    wait_for_typesetting(page)
    assert page.locator("mjx-container").count() > 10
    box = page.locator(".answer-box").first
    box.locator(".answer-input").fill("sigma(x_1 - x_2)")
    box.locator(".answer-check").click()
    assert "Correct" in box.locator(".answer-feedback").inner_text()
    context.close()


def test_site_root_lands_on_the_first_page(site, server, browser):
    """A reader who opens the site's address is taken to the root page of the table of contents."""
    first_page = server + pages()[0]
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server + "index.html")
        page.wait_for_url(first_page)
        page.wait_for_load_state("load")
        assert page.query_selector("article") is not None, f"index.html led to {page.url}, which has no article"
    finally:
        context.close()


@pytest.mark.parametrize("width", layout.WIDTHS)
@pytest.mark.parametrize("path", pages())
def test_every_display_fits_its_column_and_its_number(site, server, browser, path, width):
    """At a laptop's and a phone's width no display, reason or equation number is out of sight.

    Only the displays listed in book/wide_displays.yml, each with the reason it cannot be split, may
    scroll inside their own box; the page itself never scrolls sideways.
    """
    measured = layout.measure(browser, server + path, width)
    REPORT.mkdir(parents=True, exist_ok=True)
    wide = [d["id"] for d in measured["displays"] if d["overflow"] > 0]
    (REPORT / f"layout-{width}--{path.replace('/', '--')}.json").write_text(
        json.dumps({"displays": len(measured["displays"]), "wide": wide})
    )
    problems = layout.problems(path, measured, layout.wide_displays())
    assert not problems, f"{path} at {width} px: " + "; ".join(problems)


def test_every_listed_wide_display_exists_and_is_wide(site, server, browser):
    """An exception that no longer applies is removed from the list, so the list stays the truth."""
    listed = layout.wide_displays()
    by_page: dict[str, list[str]] = {}
    for key in listed:
        page, display = key.split("#")
        by_page.setdefault(page, []).append(display)
    for page, displays in by_page.items():
        widest = {}
        for width in layout.WIDTHS:
            for d in layout.measure(browser, server + page, width)["displays"]:
                widest[d["id"]] = max(widest.get(d["id"], 0), d["overflow"])
        for display in displays:
            assert widest.get(display, 0) > 0, f"{page}#{display} is listed as wide but fits: remove it from the list"


def known_derivations(path: str) -> dict[int, dict[str, str]]:
    """For the first derivation box of ``path``: a derivation of the table for each state it knows."""
    for name, box in derivation_table.boxes().items():
        if box["page"] == path:
            cases = [c for c in derivation_table.cases() if c.box == name]
            return {0: {s: next(c.text for c in cases if c.verdict == s) for s in ("correct", "unfinished")}}
    return {}


def correct_answers(path: str) -> dict[int, str]:
    """An answer the first box of ``path`` accepts, from the table of answers (by the box's index on the page)."""
    for name, box in answer_table.boxes().items():
        if box["page"] == path:
            right = [c.answer for c in answer_table.cases() if c.box == name and c.verdict == "correct"]
            return {0: right[0]} if right else {}
    return {}


@pytest.mark.parametrize("width", layout.WIDTHS)
@pytest.mark.parametrize("path", pages())
def test_no_wcag_violation(site, server, browser, path, width):
    """axe-core finds no WCAG 2.1 A or AA violation on the page, with every <details> and solution opened,
    nor in any state of its answer boxes: empty, wrong, refused and (where the table knows an answer) correct."""
    context = browser.new_context(viewport={"width": width, "height": layout.WIDTHS[width]})
    try:
        page = context.new_page()
        page.goto(server + path, wait_until="networkidle")
        wait_for_typesetting(page)
        found = accessibility.scan_every_state(page, correct_answers(path), known_derivations(path))
    finally:
        context.close()
    problems = [
        line for state, violations in found.items() for line in accessibility.describe(path, width, state, violations)
    ]
    assert not problems, "\n".join(problems)


def test_the_accessibility_scan_can_fail(browser):
    """The scan reports what it should: faint text and an image without a text alternative."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(
            '<html lang="en"><head><title>t</title></head><body><main>'
            '<p style="color: #aaa; background: #fff">faint text</p><img src="data:,"></main></body></html>'
        )
        rules = {v["rule"] for v in accessibility.scan(page)}
    finally:
        context.close()
    assert {"color-contrast", "image-alt"} <= rules, rules


# Where keyboard focus is, and whether it can be seen: an outline or a box shadow.
FOCUSED = """() => {
    const node = document.activeElement;
    const style = getComputedStyle(node);
    return {
        classes: node.className && node.className.baseVal === undefined ? node.className : "",
        tag: node.tagName.toLowerCase(),
        visible: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none",
    };
}"""


def tab_to(page, wanted, limit: int = 600) -> dict:
    """Press Tab until focus is on an element ``wanted`` accepts; the focused element (fails past ``limit``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if wanted(focused):
            return focused
    raise AssertionError(f"{limit} presses of Tab never reached the element")


def test_an_exercise_end_to_end_by_keyboard(site, server, browser):
    """With the keyboard alone: reach the answer box, type, check with Enter, then open the hidden code, the
    solution and a wide formula's box; focus is visible at every stop and the verdict is announced."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(server + "book/log_sum_exp.html", wait_until="networkidle")
        summary = tab_to(page, lambda f: f["tag"] == "summary")
        assert summary["visible"], summary
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.parentElement.open"), "Enter did not open the hidden code"
        focused = tab_to(page, lambda f: "answer-input" in f["classes"])
        assert focused["visible"], focused
        page.keyboard.type("sigma(x_1 - x_2)")
        page.keyboard.press("Enter")
        box = page.locator(".answer-box").first
        assert "answer-correct" in box.get_attribute("class").split()
        assert box.locator(".answer-feedback").get_attribute("aria-live") == "polite"
        page.keyboard.press("Tab")
        button = page.evaluate(FOCUSED)
        assert "answer-check" in button["classes"] and button["visible"], button
        page.keyboard.press("Space")
        assert "Correct" in box.locator(".answer-feedback").inner_text()
        toggle = tab_to(page, lambda f: "toggle-button" in f["classes"])
        assert toggle["visible"], toggle
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.getAttribute('aria-expanded')") == "true"
        solution = page.evaluate(
            """() => { const node = document.getElementById(document.activeElement.dataset.target);
                       return {hidden: node.classList.contains("toggle-hidden"), height: node.offsetHeight}; }"""
        )
        assert not solution["hidden"] and solution["height"] > 0, solution
    finally:
        context.close()


# Every element of the article wider than the article's column, with everything a reader can open opened.
TOO_WIDE = """() => {
    document.querySelectorAll("details").forEach((d) => { d.open = true; });
    const article = document.querySelector("article");
    const column = article.getBoundingClientRect();
    return Array.from(article.querySelectorAll("*")).filter((node) => {
        const box = node.getBoundingClientRect();
        return box.width > 0 && (box.right > column.right + 1 || node.scrollWidth > node.clientWidth + 1);
    }).map((node) => `${node.tagName.toLowerCase()}.${node.className}#${node.id}`).slice(0, 5);
}"""


@pytest.mark.parametrize("width", layout.WIDTHS)
def test_nothing_in_the_ledger_is_wider_than_its_column(site, server, browser, width):
    """Every row of every chapter's group, opened, wraps within the column: no table, nothing to scroll."""
    context = browser.new_context(viewport={"width": width, "height": layout.WIDTHS[width]})
    try:
        page = context.new_page()
        page.goto(server + "book/ledger.html", wait_until="networkidle")
        assert page.locator("li.ledger-check").count() > 500
        assert page.evaluate(TOO_WIDE) == []
        assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1
    finally:
        context.close()


def test_a_derivation_by_keyboard_alone(site, server, browser):
    """With the keyboard alone: reach the derivation box, type two lines, check with Ctrl+Enter, correct the
    wrong line, check with the button, and show the hints one at a time; focus is visible at every stop."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(server + "book/losses_activations.html", wait_until="networkidle")
        focused = tab_to(page, lambda f: "derivation-input" in f["classes"])
        assert focused["visible"], focused
        page.keyboard.type("e^{-x}/(1 + e^{-x})^2")
        page.keyboard.press("Enter")
        page.keyboard.type("sigma(x) + sigma(x)^2")
        page.keyboard.press("Control+Enter")
        box = page.locator(".derivation-box").first
        assert "answer-wrong" in box.get_attribute("class").split()
        lines = box.locator(".derivation-lines > li").all_inner_texts()
        assert lines[0] == "Line 1 ✓ follows from the start." and lines[1].startswith("Line 2 ✗ does not follow"), lines
        assert box.locator(".derivation-feedback").get_attribute("aria-live") == "polite"
        page.keyboard.press("Backspace")  # the wrong sign, typed back by keys alone
        for _ in range(len("+ sigma(x)^")):
            page.keyboard.press("Backspace")
        page.keyboard.type("- sigma(x)^2")
        page.keyboard.press("Tab")
        button = page.evaluate(FOCUSED)
        assert "derivation-check" in button["classes"] and button["visible"], button
        page.keyboard.press("Space")
        assert box.locator(".derivation-feedback").inner_text().startswith("Correct and complete"), box.locator(
            ".derivation-feedback"
        ).inner_text()
        page.keyboard.press("Tab")
        hint = page.evaluate(FOCUSED)
        assert "derivation-hint" in hint["classes"] and hint["visible"], hint
        shown = "() => Array.from(document.querySelectorAll('.derivation-hints > li')).filter((h) => !h.hidden).length"
        page.keyboard.press("Enter")
        assert page.evaluate(shown) == 1
        page.keyboard.press("Enter")
        assert page.evaluate(shown) == 2
    finally:
        context.close()


def test_the_ledger_filters_by_keyboard(site, server, browser):
    """Tab reaches the labelled filter; typed words hide the rows without them and open the chapters with
    them, a status line says how many match; emptied, the filter closes again what it opened."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(server + "book/ledger.html", wait_until="networkidle")
        focused = tab_to(page, lambda f: f["tag"] == "input")
        assert focused["visible"], focused
        assert page.evaluate("() => document.activeElement.labels[0].textContent") == "Filter the checks"
        page.keyboard.type("on purpose")
        texts = page.locator("li.ledger-check:visible").all_inner_texts()
        caught = page.locator("li.ledger-caught").count()
        assert len(texts) == caught > 0 and all("caught on purpose" in text for text in texts), texts[:3]
        opened = page.locator("details.ledger-chapter[open]").count()
        assert opened == page.locator("details.ledger-chapter:visible").count() >= 2
        status = page.locator("#ledger-filter-status").inner_text()
        assert re.fullmatch(rf"{len(texts)} of \d+ checks match, in {opened} chapters\.", status), status
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
        assert page.locator("details.ledger-chapter[open]").count() == 0
        assert page.locator("details.ledger-chapter:visible").count() >= 15
    finally:
        context.close()


def test_a_badge_links_to_its_check_and_the_ledger_opens_that_chapter(site, server, browser):
    """The ledger link under a display opens, in the ledger, the group of the display's chapter with the
    check's row in view; a link to a row the filter hides clears the filter first."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(server + "book/attention.html", wait_until="networkidle")
        badge = page.locator("details.display-checks").filter(has=page.locator("a[href*='ledger.html#check-']")).first
        badge.locator("summary").click()
        link = badge.locator("a[href*='ledger.html#check-']").first
        anchor = link.get_attribute("href").split("#")[1]
        link.click()
        page.wait_for_url(f"**/ledger.html#{anchor}")
        row = page.locator(f"#{anchor}")
        assert row.is_visible() and row.evaluate("(node) => node.closest('details').open")
        assert row.evaluate("(node) => node.closest('details').dataset.chapter") == "book/attention"
        box = row.bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= 900, box
        assert page.locator("details.ledger-chapter[open]").count() == 1
        # A row the filter hides: following a link to it clears the filter and shows it.
        other = page.locator("details.ledger-chapter").last.locator("li.ledger-check").first.get_attribute("id")
        page.locator("#ledger-filter-input").fill("no check says this")
        page.evaluate(f"() => {{ window.location.hash = '{other}'; }}")
        page.wait_for_function(f"() => document.getElementById('{other}').checkVisibility()")
        assert page.locator("#ledger-filter-input").input_value() == ""
    finally:
        context.close()


def test_the_ledger_works_without_javascript(site, server, browser):
    """Without JavaScript the chapters still open and close, and the filter that could not work is not shown."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server + "book/ledger.html", wait_until="load")
        assert not page.locator(".ledger-filter").is_visible()
        group = page.locator("details.ledger-chapter").first
        group.locator("summary").click()
        assert group.evaluate("(node) => node.open") and group.locator("li.ledger-check").first.is_visible()
    finally:
        context.close()


def test_a_screen_reader_reads_a_derivations_reasons_in_order(site, server, browser):
    """A derivation's reasons are drawn in the SVG; a screen reader gets them from the hidden MathML, as text
    between the lines they connect, and their grey has at least 4.5:1 against the page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(server + "book/normalization.html", wait_until="networkidle")
        display = page.locator("#equation-eq-normalization-variance")
        spoken = display.locator("mjx-assistive-mml").text_content()
        svg_hidden = display.locator("svg").first.get_attribute("aria-hidden")
        colours = page.evaluate(
            """() => Array.from(document.querySelectorAll("#equation-eq-normalization-variance .derivation-reason"))
                .map((n) => getComputedStyle(n).color)"""
        )
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    finally:
        context.close()
    assert svg_hidden == "true", "the SVG is not hidden from screen readers: they would read it twice"
    first, second = spoken.find("chain rule with"), spoken.find("the deviations sum to zero")
    assert 0 < first < second, spoken
    assert spoken.index("=", first) < second, "the step between the two reasons is not read between them"
    assert colours and all(accessibility.contrast(c, background) >= 4.5 for c in colours), (colours, background)


def test_every_display_says_beneath_it_how_it_was_verified(site, server, browser):
    """Under each display, one line says what verified it; the keyboard opens it to each step and check, and each
    check links to its row in the verification ledger."""
    chapter = "book/log_sum_exp.html"
    displays = len(re.findall(r"```\{glue:math\}", (ROOT / chapter).with_suffix(".md").read_text()))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(server + chapter, wait_until="networkidle")
        lines = page.locator("details.display-checks > summary").all_inner_texts()
        assert len(lines) == displays, lines
        assert re.fullmatch(
            r"✓ 3 steps verified \(2 symbolic, 1 at 50 digits\) · autograd at 5 points · max rel\. error \de-\d\d",
            lines[0],
        ), lines[0]
        in_badge = "() => document.activeElement.parentElement.classList.contains('display-checks')"
        summary = tab_to(page, lambda f: f["tag"] == "summary" and page.evaluate(in_badge))
        assert summary["visible"], summary
        page.keyboard.press("Enter")
        opened = page.locator("details.display-checks[open]").first
        assert "step 1: proved by SymPy" in opened.inner_text()
        links = opened.locator("a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
        assert links and all(link.startswith("ledger.html#check-book-log_sum_exp-") for link in links), links
        ledger = (site / "book" / "ledger.html").read_text()
        assert all(f"id='{link.split('#')[1]}'" in ledger or f'id="{link.split("#")[1]}"' in ledger for link in links)
    finally:
        context.close()
