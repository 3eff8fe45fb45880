"""check_derivation and the derivation box: a reader's derivation, judged line by line.

The table of cases (tests/derivation_cases.yml) runs here through judge_derivation and through the
page's script under Node; tests/test_browser.py runs it in Chromium through the real boxes of the built
book. The other tests pin down what the table cannot show: the spec, the limits, that a wrong line is
always caught, and that reader text is never executed.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import sympy as sp

import answers.derivation
from answers import DerivationVerdict, check_derivation, derivation_lines, derivation_spec, judge_derivation
from answers.language import MAX_DERIVATION_LENGTH, MAX_LENGTH, MAX_LINES
from derivations.answer_box import DerivationBox
from derivations.networks import sigmoid
from derivations.steps import Derivation
from tests.derivation_table import BOX_CLASSES, LINE_CODES, box_spec, boxes, cases, kinds
from tests.helpers import extension

answer_language = extension("answer_language")

ROOT = Path(__file__).resolve().parents[1]
BOX_JS = ROOT / "book" / "_ext" / "static" / "answer-box.js"
TABLE = cases()
x = sp.Symbol("x", real=True)
SIGMA_START = sp.Derivative(1 / (1 + sp.exp(-x)), x)
SIGMA_RESULT = sigmoid(x) * (1 - sigmoid(x))


def shown(verdict: DerivationVerdict) -> str:
    """Everything the page shows for a verdict: the overall sentence and each line's."""
    return "\n".join([verdict.feedback, *(line.feedback for line in verdict.lines)])


def codes(verdict: DerivationVerdict) -> str:
    return "".join(LINE_CODES[line.verdict] for line in verdict.lines)


@pytest.mark.parametrize("case", TABLE, ids=[c.id for c in TABLE])
def test_the_table_of_derivations(case):
    verdict = judge_derivation(case.text, box_spec(case.box))
    assert (verdict.verdict, codes(verdict), case.says in shown(verdict)) == (case.verdict, case.lines, True), (
        f"{case}: {shown(verdict)}"
    )


def test_the_table_is_large_and_has_every_kind():
    assert len(TABLE) >= 80
    assert set(kinds()) == {"right", "wrong_line", "slip", "unfinished", "domain", "matrix", "unusable", "long"}
    assert {c.verdict for c in TABLE} == set(BOX_CLASSES)
    for box in boxes():
        assert {"correct", "incorrect", "invalid"} <= {c.verdict for c in TABLE if c.box == box}, box


def test_every_derivation_box_of_the_book_is_in_the_table():
    glued = set()
    for chapter in (ROOT / "book").glob("*.md"):
        if "DerivationBox" in chapter.read_text(encoding="utf-8"):
            glued.add(f"book/{chapter.stem}.html")
    assert glued == {b["page"] for b in boxes().values() if b["page"]}


# ------------------------------------------------------------------------------------- a wrong line is caught


@pytest.mark.parametrize("case", [c for c in TABLE if c.verdict == "correct"], ids=lambda c: c.id)
def test_a_wrong_line_is_caught_wherever_it_is(case):
    """Mutation: each line of a right derivation in turn negated, doubled or shifted is the line marked wrong."""
    spec = box_spec(case.box)
    lines = case.text.split("\n")
    steps = [k for k, (number, _) in enumerate(derivation_lines(case.text))]
    numbers = [number for number, _ in derivation_lines(case.text)]
    for k, number in zip(steps[:4], numbers[:4], strict=True):
        expression = lines[number - 1].split("#")[0].strip().lstrip("=")
        for mutant in (f"-({expression})", f"2({expression})", f"({expression}) + 1"):
            if expression.startswith(("[", "\\begin")):
                mutant = "[[0]]" if mutant.endswith("+ 1") else mutant
                if mutant != "[[0]]":
                    continue
            typed = [*lines[: number - 1], mutant, *lines[number:]]
            verdict = judge_derivation("\n".join(typed), spec)
            assert verdict.verdict == "incorrect", (case, typed, shown(verdict))
            assert codes(verdict)[k] == "x" and set(codes(verdict)[:k]) <= {"f"}, (case, typed, shown(verdict))


# ------------------------------------------------------------------------------------- the spec and the words


def test_check_derivation_takes_lines_or_text_and_is_judge_derivation_on_the_spec():
    spec = derivation_spec(SIGMA_START, SIGMA_RESULT)
    lines = ["e^{-x}/(1 + e^{-x})^2", "sigma(x)(1 - sigma(x))"]
    assert check_derivation(lines, SIGMA_START, SIGMA_RESULT) == judge_derivation("\n".join(lines), spec)
    assert check_derivation("\n".join(lines), SIGMA_START, SIGMA_RESULT).correct
    numbered = check_derivation(["", lines[0], "# a reason only", lines[1]], SIGMA_START, SIGMA_RESULT)
    assert [line.line for line in numbered.lines] == [2, 4]  # numbered as typed


def test_check_derivation_passes_the_extra_names_the_seed_and_the_domain_on():
    y = sp.Symbol("y", real=True)
    start, result, domain = sp.Derivative(x**2, x), 2 * x, {x: (2.0, 3.0)}
    spec = derivation_spec(start, result, [y], seed=3, domain=domain)
    verdict = check_derivation("3x", start, result, symbols=[y], seed=3, domain=domain)
    assert verdict == judge_derivation("3x", spec) and verdict.verdict == "incorrect"
    assert spec["variables"] == ["x", "y"] and all(2.0 <= px <= 3.0 for px, _ in spec["points"])
    assert spec["points"] != derivation_spec(start, result, [y], domain=domain)["points"]  # the seed matters


def test_a_results_vocabulary_names_the_languages_functions_in_their_order():
    z = sp.Symbol("z", positive=True)
    result = sp.sqrt(z) * sp.exp(x) + sp.Abs(x) + sp.log(z) + 1 / sp.sqrt(z) + sigmoid(x)
    spec = derivation_spec(sp.Derivative(sp.Integral(result, x), x), result, points=2)
    assert spec["result"]["functions"] == ["exp", "log", "sqrt", "sigma", "abs"]
    assert spec["result"]["variables"] == [0, 1]


def test_the_terms_of_the_start_are_those_of_its_derivative_taken_or_as_written():
    h = sp.Symbol("h", real=True)
    taken = derivation_spec(sp.Derivative(x**2 + x, x), 2 * x + 1, points=2)
    written = derivation_spec(h + x, x**2 + x, definitions={h: x**2}, points=2)
    assert [t["text"] for t in taken["start"]["terms"]] == ["1", "2·x"] == [t["text"] for t in taken["result"]["terms"]]
    assert [t["text"] for t in written["start"]["terms"]] == ["h", "x"]
    assert taken["start"]["terms"][1]["values"] == [2 * px for (px,) in taken["points"]]
    assert taken["version"] == written["version"] == 2
    assert [t["text"] for t in written["result"]["terms"]] == ["x", "x²"]


def test_names_a_line_may_use_come_from_the_symbols_and_the_definitions_too():
    c, h = sp.symbols("c h", real=True)
    spec = derivation_spec(sp.Derivative(h, x), 2 * x, [c], points=2, definitions={h: x**2})
    assert spec["variables"] == ["c", "h", "x"] and spec["result"]["variables"] == [2]
    y = sp.Symbol("y", real=True)
    assert derivation_spec(sp.Derivative(x * y, x), y, points=2)["variables"] == ["x", "y"]  # x, before it goes


def test_the_spec_carries_the_start_the_result_and_its_vocabulary():
    spec = derivation_spec(SIGMA_START, SIGMA_RESULT, points=3)
    assert spec["kind"] == "derivation" and spec["variables"] == ["x"] and spec["shape"] is None
    for (px,), (start,), (result,) in zip(
        spec["points"], spec["start"]["values"], spec["result"]["values"], strict=True
    ):
        s = 1 / (1 + sp.exp(-px))
        assert start == pytest.approx(float(s * (1 - s)), rel=1e-14) == result
    assert spec["result"]["variables"] == [0] and spec["result"]["functions"] == ["sigma"]


def test_a_defined_name_takes_its_definitions_value_at_every_point():
    o_1, o_2, y_1 = sp.symbols("o_1 o_2 y_1", real=True)
    softmax_1 = sp.exp(o_1) / (sp.exp(o_1) + sp.exp(o_2))
    spec = derivation_spec(sp.Derivative(softmax_1, o_1), y_1 * (1 - y_1), definitions={y_1: softmax_1})
    assert spec["variables"] == ["o_1", "o_2", "y_1"]
    for a, b, y in spec["points"]:
        assert y == pytest.approx(float(softmax_1.subs({o_1: a, o_2: b})), rel=1e-14)
    assert check_derivation("y_1 - y_1^2", sp.Derivative(softmax_1, o_1), y_1 * (1 - y_1), definitions={y_1: softmax_1})


def test_a_start_that_is_not_the_result_is_refused_when_the_box_is_made():
    with pytest.raises(ValueError, match="the start and the result differ"):
        derivation_spec(SIGMA_START, sigmoid(x))
    with pytest.raises(ValueError, match="the start is a number but the result is a 1×2 matrix"):
        derivation_spec(x, sp.Matrix([[x, x]]))
    with pytest.raises(TypeError, match=r"^start and expected must be SymPy objects, not str$"):
        derivation_spec("x", x)
    with pytest.raises(ValueError, match="the start is a 2×1 matrix but the result is a 1×2 matrix"):
        derivation_spec(sp.Matrix([x, x]), sp.Matrix([[x, x]]))
    with pytest.raises(TypeError, match="must be a str"):
        judge_derivation(["x"], derivation_spec(x, x))


def test_the_words_of_a_wrong_line_word_for_word():
    verdict = check_derivation(["e^{-x}/(1 + e^{-x})^2", "= sigma(x) + sigma(x)^2  # oops"], SIGMA_START, SIGMA_RESULT)
    assert verdict.feedback == "Not quite: line 2 does not follow from line 1."
    assert [line.feedback for line in verdict.lines] == [
        "Line 1 ✓ follows from the start.",
        "Line 2 ✗ does not follow from line 1: at x = 0.5478, this line gives 1.035 but line 1 gives 0.2321.",
    ]


def test_a_reason_and_a_leading_equals_sign_keep_positions_in_the_line():
    assert derivation_lines("= x  # because\n\n  =y\n# only a reason") == [(1, "  x  "), (3, "   y")]
    verdict = check_derivation("  = x +  # why", SIGMA_START, SIGMA_RESULT)
    assert verdict.lines[0].feedback == "Line 1 ✗ The answer ends too early: something is missing at the end."


def test_the_limits_apply_per_line_and_to_the_whole(monkeypatch):
    spec = derivation_spec(SIGMA_START, SIGMA_RESULT)
    long_line = "x+" * (MAX_LENGTH // 2) + "x"
    assert "too long (2001 characters" in shown(judge_derivation(long_line, spec))
    assert "too many lines (31; at most 30)" in judge_derivation("x\n" * (MAX_LINES + 1), spec).feedback
    assert "derivation is too long" in judge_derivation("x" + " " * MAX_DERIVATION_LENGTH, spec).feedback
    monkeypatch.setattr(answers.derivation, "TIME_LIMIT", -1.0)
    assert judge_derivation("x", spec).feedback == "The answer is too complex to check in time: try a simpler form."


def test_a_derivation_box_shows_the_start_hints_and_a_labelled_input():
    box = DerivationBox(SIGMA_START, SIGMA_RESULT, hints=["one $e^{-x}$", "two"], lhs=r"\sigma'(x)")
    page = box._repr_html_()
    assert page.startswith('<div class="derivation-box" data-derivation="')
    spec = json.loads(re.search(r'data-derivation="([^"]*)"', page)[1].replace("&quot;", '"'))
    assert spec == box.spec() == derivation_spec(SIGMA_START, SIGMA_RESULT)
    ident = re.search(r'<textarea id="([^"]+)"', page)[1]
    assert f'<label for="{ident}">' in page and 'role="status" aria-live="polite"' in page
    assert (
        '<li hidden>one <span class="math notranslate nohighlight">\\(e^{-x}\\)</span></li><li hidden>two</li>' in page
    )
    assert "Show hint 1 of 2" in page and "a reason may follow #" in page
    assert r"\(\sigma&#x27;(x) = \frac{d}{d x}" in page
    with pytest.raises(ValueError, match="one to three hints"):
        DerivationBox(SIGMA_START, SIGMA_RESULT, hints=["a", "b", "c", "d"])


def test_a_box_of_a_verified_derivation_starts_and_ends_where_it_does():
    d = Derivation(SIGMA_START, name="σ′", lhs=r"\sigma'(x)")
    d.step(sp.exp(-x) / (1 + sp.exp(-x)) ** 2, "chain rule")
    d.step(sigmoid(x) * (1 - sigmoid(x)), "name σ")
    box = DerivationBox.of(d)
    assert (box.start, box.expected, box.lhs) == (SIGMA_START, d.result, r"\sigma'(x)")
    assert judge_derivation("sigma(x)(1 - sigma(x))", box.spec()).correct


# ------------------------------------------------------------------------------------- the same words in the page


# Runs answer-box.js under Node on a page of stand-in derivation boxes: each gets a spec and a text, is checked
# as a click checks it, and gives back its class, overall words and each line's class and words.
PAGE_IN_NODE = """
const boxes = JSON.parse(require("fs").readFileSync(0, "utf8")).map(([spec, text]) => {
  const box = { classes: new Set(), dataset: { derivation: JSON.stringify(spec) } };
  box.classList = { add: (c) => box.classes.add(c), remove: (...cs) => cs.forEach((c) => box.classes.delete(c)) };
  const feedback = { textContent: "" };
  const list = { items: [], replaceChildren: (...items) => (list.items = items) };
  const input = { value: text, addEventListener() {} };
  const button = { addEventListener: (event, handler) => (box.check = handler) };
  const parts = { ".derivation-input": input, ".derivation-feedback": feedback, ".derivation-check": button,
                  ".derivation-lines": list, ".derivation-hint": null };
  box.querySelector = (selector) => parts[selector];
  box.result = () => [[...box.classes], feedback.textContent, list.items.map((i) => [i.className, i.textContent])];
  return box;
});
globalThis.document = {
  addEventListener: (event, ready) => ready(),
  querySelectorAll: (selector) => (selector === ".derivation-box" ? boxes : []),
  createElement: () => ({ className: "", textContent: "" }),
};
"""
PAGE_RESULTS = "\nprocess.stdout.write(JSON.stringify(boxes.map((b) => (b.check(), b.result()))));"
LINE_CLASSES = {
    "follows": "line-follows",
    "incorrect": "line-wrong",
    "invalid": "line-error",
    "unchecked": "line-unchecked",
}


def page_verdicts(checks: list[tuple[dict, str]], folder: Path) -> list:
    page = folder / "page.js"
    page.write_text(
        PAGE_IN_NODE + answer_language.language_script() + BOX_JS.read_text(encoding="utf-8") + PAGE_RESULTS
    )
    done = subprocess.run(["node", str(page)], input=json.dumps(checks), capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def as_page_shows(verdict: DerivationVerdict) -> list:
    lines = [[LINE_CLASSES[line.verdict], line.feedback] for line in verdict.lines]
    return [[BOX_CLASSES[verdict.verdict]], verdict.feedback, lines]


def test_the_page_gives_the_same_verdicts_word_for_word(tmp_path):
    """Every case of the table through answer-box.js under Node: the page shows what Python says."""
    checks = [(box_spec(c.box), c.text) for c in TABLE]
    page = page_verdicts(checks, tmp_path)
    differences = [
        f"{case}: page {p}, Python {as_page_shows(judge_derivation(text, spec))}"
        for case, (spec, text), p in zip(TABLE, checks, page, strict=True)
        if p != as_page_shows(judge_derivation(text, spec))
    ]
    assert not differences, "\n".join(differences)


def test_the_box_script_has_no_way_to_run_text():
    script = BOX_JS.read_text(encoding="utf-8")
    for forbidden in (
        "eval(",
        "Function(",
        "innerHTML",
        "setTimeout(",
        "document.write",
        "import(",
        "fetch(",
        "XMLHttp",
    ):
        assert forbidden not in script, forbidden
