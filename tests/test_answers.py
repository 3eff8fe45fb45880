"""check_answer and the answer language.

The table of cases (tests/answer_cases.yml) runs here through check_answer, and in Chromium through
each real box of the built book (tests/test_browser.py): the verdicts must be the same. The other
tests pin down what the table cannot show: the spec a box carries, names, numbers, the limits, and
that reader text is never executed.
"""

from __future__ import annotations

import ast
import html
import json
import random
import re
import subprocess
import time
from pathlib import Path

import pytest
import sympy as sp

from checks import answers
from checks.answers import FUNCTIONS, AnswerSyntaxError, answer_spec, check_answer, judge, parse_answer
from derivations import answer_box
from tests.answer_table import box_spec, boxes, cases

ROOT = Path(__file__).resolve().parents[1]
BOX_JS = ROOT / "book" / "_ext" / "static" / "answer-box.js"
x, y = sp.symbols("x y", real=True)
a, b = sp.symbols("a b", real=True)
TABLE = cases()


@pytest.mark.parametrize("case", TABLE, ids=[c.id for c in TABLE])
def test_the_table_of_answers(case):
    spec = box_spec(case.box)
    answers.answer_parser()  # built once per process: not part of a check's time
    verdict = judge(case.answer, spec)
    assert (verdict.verdict, case.says in verdict.feedback) == (case.verdict, True), f"{case}: {verdict.feedback}"


def test_the_table_is_large_and_tries_each_box_right_and_wrong():
    assert len(TABLE) >= 150
    for box in boxes():
        verdicts = {c.verdict for c in TABLE if c.box == box}
        assert {"correct", "incorrect", "invalid"} <= verdicts, box


def test_every_box_of_the_book_is_in_the_table():
    glued = set()
    for chapter in (ROOT / "book").glob("*.md"):
        if re.search(r"glue\([^\n]*AnswerBox\(", chapter.read_text(encoding="utf-8")):
            glued.add(chapter.stem)
    assert glued == set(boxes())


def test_check_answer_is_judge_on_the_spec_of_the_expected_expression():
    expected = sp.exp(x) * y
    spec = answer_spec(expected, seed=3)
    for text in ("exp(x) y", "-exp(x) y", "exp(x"):
        assert check_answer(text, expected, seed=3) == judge(text, spec)


# ------------------------------------------------------------------------------------- the spec


def test_the_spec_carries_names_points_values_and_terms():
    spec = answer_spec(2 * a * x + 2 * b * y, [sp.Symbol("c", real=True)], points=3)
    assert spec["version"] == 2 and spec["variables"] == ["a", "b", "c", "x", "y"] and spec["shape"] is None
    assert [len(p) for p in spec["points"]] == [5, 5, 5]
    for point, (value,) in zip(spec["points"], spec["values"], strict=True):
        pa, pb, _, px, py = point
        assert value == pytest.approx(2 * pa * px + 2 * pb * py, rel=1e-15)
    assert [t["text"] for t in spec["terms"]] == ["2*a*x", "2*b*y"]


def test_a_product_is_expanded_into_terms_and_a_long_sum_has_none():
    assert [t["text"] for t in answer_spec(2 * x * (x - y))["terms"]] == ["2*x**2", "-2*x*y"]
    assert answer_spec(sum(x**k for k in range(13)))["terms"] == []
    assert answer_spec(sp.exp(x))["terms"] == []


def test_points_respect_assumptions_and_domains():
    eps = sp.Symbol("epsilon", positive=True)
    spec = answer_spec(x + eps, domain={eps: (0.0, 1.0)})
    assert all(0 <= p[0] <= 1 for p in spec["points"])
    assert all(0 < p[0] for p in answer_spec(x + eps)["points"])


def test_points_where_the_expected_value_is_not_real_are_skipped():
    assert all(p[0] > 0 for p in answer_spec(sp.sqrt(x))["points"])
    with pytest.raises(ValueError, match="only 0 of 32 sample points give a real value"):
        answer_spec(sp.sqrt(x - 10))


def test_a_matrix_spec_and_matrix_answers():
    expected = sp.Matrix([[a, x], [y, b]])
    assert answer_spec(expected)["shape"] == [2, 2]
    assert check_answer(r"\begin{pmatrix} a & x \\ y & b \\ \end{pmatrix}", expected).correct
    transposed = check_answer("[[a, y], [x, b]]", expected)
    assert transposed.verdict == "incorrect" and "in entry (1, 2)" in transposed.feedback
    assert transposed.feedback.endswith("the transpose of the expected one: a gradient has the shape of its variable.")
    column = check_answer("[a, x]", sp.Matrix([[a, x]]))
    assert "a 1×2 matrix, but yours is a 2×1 matrix. Your answer is the transpose" in column.feedback
    assert check_answer("[a, x]", sp.Matrix([a, x])).correct


def test_an_undefined_sigma_in_the_expected_expression_is_the_logistic_function():
    sigma = sp.Function("sigma")
    assert check_answer("1/(1 + exp(-x))", sigma(x)).correct


def test_expected_must_be_sympy_with_symbols():
    with pytest.raises(TypeError, match="not a str"):
        answer_spec("x")
    with pytest.raises(TypeError, match="must be SymPy Symbols"):
        answer_spec(x, [sp.Function("f")(x)])
    with pytest.raises(TypeError, match="must be a str"):
        parse_answer(3, answer_spec(x))


# ------------------------------------------------------------------------------------- the language


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2x", 6), ("2 x", 6), ("x y", 12), ("xy", 12), ("2(x+1)", 8), ("(x+1)(x-1)", 8), ("1/2x", 1.5), ("x/2y", 6),
        ("-x^2", -9), ("2^3^2", 512), ("x^-1", 1 / 3), ("2*-x", -6), ("x²", 9), ("2³", 8), ("x⁻¹", 1 / 3),
        (r"\frac{x}{2}", 1.5), (r"\frac12", 0.5), (r"\dfrac{1}{x}", 1 / 3), (r"\sqrt{x}", 3**0.5), (r"\sqrt[3]{8}", 2),
        (r"\left(x\right)^2", 9), ("{x}^{2}", 9), (r"x \cdot y", 12), ("x × y", 12), ("x·y", 12), ("x ÷ 2", 1.5),
        ("x − 1", 2), ("x ** 2", 9), (r"\sin^2 x + \cos^2 x", 1), (r"\ln e", 1), ("ln(e^2)", 2), ("log(e)", 1),
        ("sigma(0)", 0.5), ("σ(0)", 0.5), (r"\sigma(0)", 0.5), ("max(x, y, 1)", 4), ("min(x, y)", 3), ("abs(-x)", 3),
        ("tanh(0) + sinh(0) + cosh(0) + tan(0)", 1), ("pi", 3.141592653589793), (r"\pi", 3.141592653589793),
        ("π", 3.141592653589793), ("e", 2.718281828459045), (".5", 0.5), ("1e-3", 0.001), ("2.5E+2", 250),
        ("x\\,y", 12), ("x\\;y", 12), ("x\\!y", 12), ("x_{}", 3), ("x_", None),
    ],
)  # fmt: skip
def test_the_language_at_x_3_y_4(text, value):
    spec = {"names": {"x": 0, "y": 1}, "variables": ["x", "y"]}
    if value is None:
        with pytest.raises(AnswerSyntaxError):
            parse_answer(text, spec)
        return
    tree = parse_answer(text, spec)
    assert answers._evaluate(tree, [3.0, 4.0]) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        ("w_1", ["w_1", "w_{1}", "w1", "w₁", "w_{ 1 }"]),
        ("W_1,2", ["W_{1,2}", "W_{12}", "W12"]),
        ("alpha", ["alpha", r"\alpha", "α"]),
        ("epsilon", ["epsilon", r"\epsilon", r"\varepsilon", "ε", "ϵ", "eps"]),
        ("eps", ["eps", "epsilon", "ε"]),
        ("θ_1", ["theta_1", r"\theta_1", "θ₁", r"\vartheta_{1}"]),
    ],
)
def test_a_symbol_answers_to_its_spellings(name, typed):
    s = sp.Symbol(name, real=True)
    for text in typed:
        assert check_answer(text, s).correct, text


def test_a_symbol_named_e_wins_over_eulers_number():
    e = sp.Symbol("e", positive=True)
    assert check_answer("e", e).correct and not check_answer("e", sp.E).verdict == "invalid"


def test_a_run_of_letters_splits_into_names_the_subscript_going_with_the_last():
    w, x_1 = sp.symbols("w x_1", real=True)
    assert check_answer("wx_1", w * x_1).correct and check_answer("wx1", w * x_1).correct
    assert check_answer("wx₁", w * x_1).correct
    assert "Unknown name 'wz'" in check_answer("wz", w).feedback


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.0, "0"), (1.0, "1"), (-0.5, "-0.5"), (1234.5, "1235"), (0.12345, "0.1235"), (0.125, "0.125"),
        (9.9995, "10"), (99995.0, "100000"), (1e-5, "0.00001"), (1.5e-6, "1.5e-6"), (123456789.0, "1.235e8"),
        (1234567.0, "1235000"), (12345678.0, "1.235e7"), (1.0625, "1.063"), (2.675, "2.675"), (-3.874e8, "-3.874e8"),
    ],
)  # fmt: skip
def test_numbers_are_shown_to_4_digits_rounded_half_up(value, shown):
    assert answers._fmt(value) == shown


def test_the_time_limit_is_enforced(monkeypatch):
    monkeypatch.setattr(answers, "TIME_LIMIT", -1.0)
    assert check_answer("x", x).feedback == "The answer is too complex to check in time: try a simpler form."


def test_random_well_formed_answers_get_a_verdict_quickly():
    rng = random.Random(0)
    spec = answer_spec(x * y)

    def random_answer(depth: int) -> str:
        if depth <= 0 or rng.random() < 0.3:
            return rng.choice(["x", "y", "2", "0", "0.5", "e", "pi", "1000", "-1"])
        p, q = random_answer(depth - 1), random_answer(depth - 1)
        f = rng.choice(["exp", "log", "sqrt", "sin", "tanh", "sigma", "abs", r"\sigma", r"\exp"])
        return rng.choice([f"({p}+{q})", f"({p}-{q})", f"{p}*{q}", f"({p})/({q})", f"({p})^({q})", f"{f}({p})"])

    for _ in range(300):
        started = time.perf_counter()
        assert judge(random_answer(6), spec).verdict in ("correct", "incorrect", "invalid")
        assert time.perf_counter() - started < 0.2


# ------------------------------------------------------------------------------------- one language on both sides


def test_no_evaluator_is_ever_called_on_reader_text():
    tree = ast.parse(Path(answers.__file__).read_text(encoding="utf-8"))
    calls = [node.func for node in ast.walk(tree) if isinstance(node, ast.Call)]
    names = {f.id for f in calls if isinstance(f, ast.Name)} | {f.attr for f in calls if isinstance(f, ast.Attribute)}
    assert not names & {"eval", "exec", "compile", "sympify", "parse_expr", "lambdify", "__import__", "getattr", "S"}
    script = BOX_JS.read_text(encoding="utf-8")
    for forbidden in ("eval(", "new Function", "Function(", "innerHTML", "setTimeout(", "document.write", "import("):
        assert forbidden not in script, forbidden


def test_both_readers_know_every_rule_of_the_grammar():
    grammar = answers.GRAMMAR.read_text(encoding="utf-8")
    kinds = set(re.findall(r"->\s*(\w+)", grammar)) - {"name"} | {"name", "args", "bare"}
    python = Path(answers.__file__).read_text(encoding="utf-8")
    script = BOX_JS.read_text(encoding="utf-8")
    for kind in kinds:
        assert f'"{kind}"' in python and f'"{kind}"' in script, kind


def test_both_evaluators_have_the_one_function_list():
    script = BOX_JS.read_text(encoding="utf-8")
    table = re.search(r"const FUNCTION_VALUES = \{(.*?)\n  \};", script, re.S)[1]
    in_script = set(re.findall(r"\b([a-z]\w*)(?=[:,])", table))
    assert in_script == set(FUNCTIONS) - {"ln"} == set(answers._FUNCTION_VALUES)


def test_the_page_script_is_the_python_parser_serialized():
    import json

    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    script = answer_box.language_script()
    assert script.startswith(
        "// Generated by derivations/answer_box.py from checks/answer_grammar.lark (lark-js) and checks/answers.py.\n"
        "var AnswerLanguage = (function () {\nconst module = { exports: {} };\n"
    )
    assert script.endswith("\nreturn module.exports;\n})();\n") and len(script) < 200_000
    tables = re.search(r"\nvar DATA=(.*);\nvar MEMO=(.*);\nmodule.exports.LANGUAGE = (.*);\n", script)
    data, memo = answers.answer_parser().memo_serialize([TerminalDef, Rule])
    assert json.loads(tables[1]) == json.loads(json.dumps(data))
    assert json.loads(tables[2]) == json.loads(json.dumps(memo)) and memo
    assert json.loads(tables[3]) == answers.LANGUAGE
    # Written compactly, and non-ASCII text (the feedback's −, ×, …) as itself.
    assert ", " not in tables[1] and '": ' not in tables[2]
    assert json.dumps(answers.LANGUAGE, ensure_ascii=False) == tables[3] and not tables[3].isascii()


def test_the_page_script_is_minified_and_still_the_language():
    script = answer_box.minified(answer_box.language_script())
    assert script.startswith("// Generated by derivations/answer_box.py") and len(script) < 100_000
    shown = subprocess.run(
        ["node", "-e", script + "\nprocess.stdout.write(JSON.stringify(AnswerLanguage.LANGUAGE))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(shown.stdout) == answers.LANGUAGE


def test_a_script_terser_cannot_read_fails_the_build_with_its_message():
    expected = r"^terser could not minify answer-language.js: Parse error at 0:1,4\nvar = ;\n {4}\^\n"
    with pytest.raises(RuntimeError, match=expected + "ERROR: Name expected$"):
        answer_box.minified("var = ;")


def test_a_box_from_another_version_of_answerbox_fails_the_build(monkeypatch):
    warnings, files = [], []
    monkeypatch.setattr(answer_box, "warn", lambda message, pagename: warnings.append(f"{pagename}| {message}"))

    class App:
        @staticmethod
        def add_js_file(name: str, **attributes: str) -> None:
            files.append((name, attributes))

        add_css_file = add_js_file

    def page(spec: dict) -> dict:
        return {"body": '<div class="answer-box" data-answer="' + html.escape(json.dumps(spec), quote=True) + '">'}

    answer_box.on_page_context(App(), "book/x", "page.html", {}, None)  # a page with no body, say a redirect
    assert not files
    answer_box.on_page_context(App(), "book/x", "page.html", page(answer_spec(x)), None)
    deferred = {"loading_method": "defer"}
    assert not warnings
    assert files == [("answer-language.js", deferred), ("answer-box.js", deferred), ("answer-box.css", {})]
    answer_box.on_page_context(App(), "book/x", "page.html", page({"variables": ["x"], "rtol": 1e-6}), None)
    assert warnings == [
        "book/x| book/x: an answer box made by another version of AnswerBox (spec version None, expected 2); if the "
        "chapter is unchanged, its cached execution is stale: remove _build/.jupyter_cache"
    ]


def test_the_extension_writes_the_parser_after_an_html_build_only(tmp_path):
    class App:
        def __init__(self, kind: str) -> None:
            self.outdir, self.builder = tmp_path / kind, type("Builder", (), {"format": kind})()
            self.events = []

        def connect(self, event: str, handler: object) -> None:
            self.events.append((event, handler))

    html_app = App("html")
    assert answer_box.setup(html_app) == {"parallel_read_safe": True, "parallel_write_safe": True}
    assert html_app.events == [
        ("html-page-context", answer_box.on_page_context),
        ("build-finished", answer_box.on_build_finished),
    ]
    answer_box.on_build_finished(html_app, RuntimeError("the build failed"))
    assert not html_app.outdir.exists()
    answer_box.on_build_finished(html_app, None)
    answer_box.on_build_finished(html_app, None)  # a rebuild writes it again
    written = (html_app.outdir / "_static" / "answer-language.js").read_text(encoding="utf-8")
    assert written.startswith("// Generated by") and "AnswerLanguage" in written
    latex_app = App("latex")
    answer_box.on_build_finished(latex_app, None)
    assert not latex_app.outdir.exists()
