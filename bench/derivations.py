"""How long a derivation box takes to judge a derivation, in Python and in Chromium.

For two boxes of the book (σ′ and an entry of the softmax Jacobian), three 10-line derivations (all right;
the last line wrong; a wrong line with a slip named term by term) are judged ``RUNS`` times by
``answers.judge_derivation`` and by the box of the built page (a click on Check, timed in the page
with ``performance.now``). Every derivation of the table (tests/derivation_cases.yml) on a page of the book
is judged too, for the slowest time per line. The target is a 10-line derivation in under 0.2 s on this
2-core machine. Not a test: the numbers depend on the machine.

    .venv/bin/python -m bench.derivations _build/html
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from answers import judge_derivation
from answers.syntax import answer_parser
from tests import derivation_table
from tools.layout import CHROMIUM, CHROMIUM_ARGS, serve

RUNS = 7
TARGET_S = 0.2
TEN_LINES = {
    "sigmoid_prime": [
        "(1 + e^{-x})^{-2} e^{-x}  # chain rule",
        "= e^{-x}/(1 + e^{-x})^2",
        "= \\frac{1}{1 + e^{-x}} \\cdot \\frac{e^{-x}}{1 + e^{-x}}",
        "= sigma(x) e^{-x}/(1 + e^{-x})",
        "= sigma(x) (1 + e^{-x} - 1)/(1 + e^{-x})",
        "= sigma(x) (1 - 1/(1 + e^{-x}))",
        "= sigma(x) (1 - sigma(x))",
        "= sigma(x) - sigma(x)^2",
        "= sigma(x) - sigma(x) sigma(x)",
        "= σ(x)(1 − σ(x))",
    ],
    "softmax_entry": [
        "(0 - e^{o_1} e^{o_2})/(e^{o_1} + e^{o_2} + e^{o_3})^2  # quotient rule",
        "= -e^{o_1} e^{o_2}/(e^{o_1} + e^{o_2} + e^{o_3})^2",
        "= -\\frac{e^{o_1}}{e^{o_1} + e^{o_2} + e^{o_3}} \\cdot \\frac{e^{o_2}}{e^{o_1} + e^{o_2} + e^{o_3}}",
        "= -y_1 e^{o_2}/(e^{o_1} + e^{o_2} + e^{o_3})",
        "= -y_1 y_2",
        "= y_1 (0 - y_2)",
        "= -y_2 y_1",
        "= y_1 y_3 - y_1 y_2 - y_1 y_3",
        "= -(y_1 y_2)",
        "= −y₁·y₂",
    ],
}


def variants(box: str) -> dict[str, str]:
    """The three 10-line derivations of a box: right, the last line wrong, a term dropped from a sum."""
    lines = TEN_LINES[box]
    last_wrong = [*lines[:-1], "2 (" + lines[-1].lstrip("= ") + ")"]
    dropped = [*lines[:7], lines[7], "= " + lines[7].lstrip("= ").rsplit(" - ", 1)[0], lines[9]]
    return {"right": "\n".join(lines), "last line wrong": "\n".join(last_wrong), "term dropped": "\n".join(dropped)}


TIMED = """([texts, runs]) => {
    const box = document.querySelector(".derivation-box");
    const input = box.querySelector(".derivation-input");
    const button = box.querySelector(".derivation-check");
    return texts.map((text) => {
        const times = [];
        for (let r = 0; r < runs; r += 1) {
            input.value = text;
            const started = performance.now();
            button.click();
            times.push(performance.now() - started);
        }
        return times;
    });
}"""


def python_times(text: str, spec: dict, runs: int = RUNS) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        judge_derivation(text, spec)
        times.append(time.perf_counter() - started)
    return times


def main(site: str) -> int:
    from playwright.sync_api import sync_playwright

    answer_parser()  # built once per process, as in a kernel: not part of a check's time
    rows, per_line = [], {"Python": (0.0, ""), "Chromium": (0.0, "")}
    in_book = {name: box for name, box in derivation_table.boxes().items() if box["page"]}
    with serve(Path(site)) as root, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, box in in_book.items():
            page = browser.new_page()
            page.goto(root + box["page"], wait_until="load")
            spec = json.loads(page.locator(".derivation-box").first.get_attribute("data-derivation"))
            texts = variants(name) if name in TEN_LINES else {}
            chromium = page.evaluate(TIMED, [list(texts.values()), RUNS])
            for (label, text), page_ms in zip(texts.items(), chromium, strict=True):
                py = python_times(text, spec)
                rows.append(
                    (
                        name,
                        label,
                        statistics.median(py),
                        max(py),
                        statistics.median(page_ms) / 1000,
                        max(page_ms) / 1000,
                    )
                )
            cases = [c for c in derivation_table.cases() if c.box == name]
            chromium = page.evaluate(TIMED, [[c.text for c in cases], 3])
            for case, page_ms in zip(cases, chromium, strict=True):
                lines = max(1, case.text.count("\n") + 1)
                for side, seconds in (
                    ("Python", min(python_times(case.text, spec, 3))),
                    ("Chromium", min(page_ms) / 1000),
                ):
                    if seconds / lines > per_line[side][0]:
                        per_line[side] = (seconds / lines, case.id)
            page.close()
        browser.close()
    print(f"{'box':<15} {'10 lines':<16} {'Python median/max':>19} {'Chromium median/max':>21}")
    for name, label, py_median, py_max, page_median, page_max in rows:
        python = f"{py_median * 1000:8.1f} / {py_max * 1000:6.1f} ms"
        print(f"{name:<15} {label:<16} {python} {page_median * 1000:8.1f} / {page_max * 1000:6.1f} ms")
    slowest = max(max(r[3], r[5]) for r in rows)
    for side, (seconds, case) in per_line.items():
        print(f"slowest per line over the table, {side}: {seconds * 1000:.2f} ms ({case})")
    met = "met" if slowest < TARGET_S else "NOT met"
    print(f"slowest 10-line derivation: {slowest * 1000:.1f} ms (target {TARGET_S * 1000:.0f} ms): {met}")
    return 0 if slowest < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
