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

import answers
from answers import AnswerSyntaxError, answer_spec, check_answer, judge, parse_answer
from answers.evaluate import FUNCTION_VALUES, evaluate
from answers.formatting import fmt, readable
from answers.language import FUNCTIONS, LANGUAGE, MAX_DEPTH, MAX_DIGITS, MAX_NODES
from answers.nodes import Call, Matrix, Neg, Num, Pow, Product, Sum, Var, to_json
from answers.syntax import GRAMMAR, Shapes, answer_parser
from tests.answer_table import BOX_CLASSES, box_spec, boxes, cases
from tests.helpers import extension

answer_language = extension("answer_language")

ROOT = Path(__file__).resolve().parents[1]
BOX_JS = ROOT / "book" / "_ext" / "static" / "answer-box.js"
x, y = sp.symbols("x y", real=True)
a, b = sp.symbols("a b", real=True)
TABLE = cases()


@pytest.mark.parametrize("case", TABLE, ids=[c.id for c in TABLE])
def test_the_table_of_answers(case):
    spec = box_spec(case.box)
    answer_parser()  # built once per process: not part of a check's time
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
    assert [t["text"] for t in spec["terms"]] == ["2·a·x", "2·b·y"]


def test_a_product_is_expanded_into_terms_and_a_long_sum_has_none():
    assert [t["text"] for t in answer_spec(2 * x * (x - y))["terms"]] == ["2·x²", "−2·x·y"]
    assert answer_spec(sum(x**k for k in range(13)))["terms"] == []
    assert len(answer_spec(sum(x**k for k in range(12)))["terms"]) == 12
    assert [t["text"] for t in answer_spec(x * (1 + y) + y)["terms"]] == ["y", "x·(y + 1)"]
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
    for name in ("sigma", "σ"):
        assert check_answer("1/(1 + exp(-x))", sp.Function(name)(x)).correct
    with pytest.raises(TypeError):  # any other undefined function has no value
        answer_spec(sp.Function("f")(x))


def test_check_answer_passes_the_extra_names_and_the_domain_on():
    c = sp.Symbol("c", real=True)
    assert check_answer("x + c - c", x, symbols=[c]).correct
    assert check_answer("x + c - c", x).feedback.startswith("Unknown name 'c'")
    assert check_answer("abs(x)", x, domain={x: (-2.0, -1.0)}).feedback.startswith("Not quite: at x = -1.")


def test_expected_must_be_sympy_with_symbols():
    with pytest.raises(TypeError, match=r"^expected must be a SymPy object, not a str$"):
        answer_spec("x")
    with pytest.raises(TypeError, match="must be SymPy Symbols"):
        answer_spec(x, [sp.Function("f")(x)])
    with pytest.raises(TypeError, match=r"^the answer must be a str, not int$"):
        parse_answer(3, answer_spec(x))


def test_the_spec_names_every_spelling_of_each_variable_by_its_place():
    names = ["W_{1,2}", "alpha", "eps", "x_1", "y"]  # sorted, as the spec orders them
    spec = answer_spec(sum(sp.Symbol(n, real=True) for n in names))
    assert spec["variables"] == names and spec["names"] == {
        "W_1,2": 0, "W12": 0, "W_12": 0, "alpha": 1, "eps": 2, "epsilon": 2, "x_1": 3, "x1": 3, "y": 4,
    }  # fmt: skip
    assert answer_spec(sp.Symbol("epsilon"))["names"] == {"epsilon": 0, "eps": 0}
    assert answer_spec(sp.Symbol(r"\theta_{a b}"))["names"] == {"theta_ab": 0, "thetaab": 0}
    assert answer_spec(sp.Symbol("X_Y"))["names"] == {"X_Y": 0, "XY": 0}


def test_each_spec_is_a_copy_and_domains_are_matched_by_name():
    first = answer_spec(x * y, domain={y: (0.0, 1.0), x: (2.0, 3.0)})
    assert all(2 <= px <= 3 and 0 <= py <= 1 for px, py in first["points"])
    first["points"][0][0] = first["names"]["x"] = None
    assert answer_spec(x * y, domain={y: (0.0, 1.0), x: (2.0, 3.0)}) != first


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
    assert evaluate(tree, [3.0, 4.0]) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        ("w_1", ["w_1", "w_{1}", "w1", "w₁", "w_{ 1 }"]),
        ("W_1,2", ["W_{1,2}", "W_{12}", "W12"]),
        ("alpha", ["alpha", r"\alpha", "α"]),
        ("epsilon", ["epsilon", r"\epsilon", r"\varepsilon", "ε", "ϵ", "eps"]),
        ("eps", ["eps", "epsilon", "ε"]),
        ("θ_1", ["theta_1", r"\theta_1", "θ₁", r"\vartheta_{1}"]),
        ("X", ["X"]),
        ("W_X", ["W_X", "W_{X}", "WX"]),
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
    assert fmt(value) == shown


def test_the_time_limit_is_enforced(monkeypatch):
    monkeypatch.setattr(answers.judging, "TIME_LIMIT", -1.0)
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
    modules = sorted(Path(answers.__file__).parent.glob("*.py"))
    assert len(modules) >= 10
    calls = [
        node.func
        for module in modules
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
    ]
    names = {f.id for f in calls if isinstance(f, ast.Name)} | {f.attr for f in calls if isinstance(f, ast.Attribute)}
    assert not names & {"eval", "exec", "compile", "sympify", "parse_expr", "lambdify", "__import__", "getattr", "S"}
    script = BOX_JS.read_text(encoding="utf-8")
    for forbidden in ("eval(", "new Function", "Function(", "innerHTML", "setTimeout(", "document.write", "import("):
        assert forbidden not in script, forbidden


def test_both_readers_know_every_rule_of_the_grammar():
    grammar = GRAMMAR.read_text(encoding="utf-8")
    kinds = set(re.findall(r"->\s*(\w+)", grammar)) - {"name"} | {"name", "args", "bare"}
    script = BOX_JS.read_text(encoding="utf-8")
    for kind in kinds:
        assert callable(getattr(Shapes, kind, None)) and f'"{kind}"' in script, kind
    assert {k for k in kinds if k.startswith("call")} | {"root"} == set(LANGUAGE["calls"])


def test_both_evaluators_have_the_one_function_list():
    script = BOX_JS.read_text(encoding="utf-8")
    table = re.search(r"const FUNCTION_VALUES = \{(.*?)\n  \};", script, re.S)[1]
    in_script = set(re.findall(r"\b([a-z]\w*)(?=[:,])", table))
    assert in_script == set(FUNCTIONS) - {"ln"} == set(FUNCTION_VALUES)


def test_the_page_script_is_the_python_parser_serialized():
    import json

    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    script = answer_language.language_script()
    assert script.startswith(
        "// Generated by book/_ext/answer_language.py from answers/grammar.lark (lark-js) and answers/language.json.\n"
        "var AnswerLanguage = (function () {\nconst module = { exports: {} };\n"
    )
    assert script.endswith("\nreturn module.exports;\n})();\n") and len(script) < 200_000
    tables = re.search(r"\nvar DATA=(.*);\nvar MEMO=(.*);\nmodule.exports.LANGUAGE = (.*);\n", script)
    data, memo = answer_parser().memo_serialize([TerminalDef, Rule])
    assert json.loads(tables[1]) == json.loads(json.dumps(data))
    assert json.loads(tables[2]) == json.loads(json.dumps(memo)) and memo
    assert json.loads(tables[3]) == LANGUAGE
    # Written compactly, and non-ASCII text (the feedback's −, ×, …) as itself.
    assert ", " not in tables[1] and '": ' not in tables[2]
    assert json.dumps(LANGUAGE, ensure_ascii=False) == tables[3] and not tables[3].isascii()


def test_the_page_script_is_minified_and_still_the_language():
    script = answer_language.minified(answer_language.language_script())
    assert script.startswith("// Generated by book/_ext/answer_language.py") and len(script) < 100_000
    shown = subprocess.run(
        ["node", "-e", script + "\nprocess.stdout.write(JSON.stringify(AnswerLanguage.LANGUAGE))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(shown.stdout) == LANGUAGE


def test_a_script_terser_cannot_read_fails_the_build_with_its_message():
    expected = r"^terser could not minify answer-language.js: Parse error at 0:1,4\nvar = ;\n {4}\^\n"
    with pytest.raises(RuntimeError, match=expected + "ERROR: Name expected$"):
        answer_language.minified("var = ;")


def test_a_box_from_another_version_of_answerbox_fails_the_build(monkeypatch):
    warnings, files = [], []
    monkeypatch.setattr(answer_language, "warn", lambda message, pagename: warnings.append(f"{pagename}| {message}"))

    class App:
        @staticmethod
        def add_js_file(name: str, **attributes: str) -> None:
            files.append((name, attributes))

        add_css_file = add_js_file

    def page(spec: dict) -> dict:
        return {"body": '<div class="answer-box" data-answer="' + html.escape(json.dumps(spec), quote=True) + '">'}

    answer_language.on_page_context(App(), "book/x", "page.html", {}, None)  # a page with no body, say a redirect
    assert not files
    answer_language.on_page_context(App(), "book/x", "page.html", page(answer_spec(x)), None)
    deferred = {"loading_method": "defer"}
    assert not warnings
    assert files == [("answer-language.js", deferred), ("answer-box.js", deferred), ("answer-box.css", {})]
    answer_language.on_page_context(App(), "book/x", "page.html", page({"variables": ["x"], "rtol": 1e-6}), None)
    assert warnings == [
        "book/x| book/x: an answer box made by another version of AnswerBox (spec version None, expected 2); if the "
        "chapter is unchanged, its cached execution is stale: remove _build/.jupyter_cache"
    ]


def test_a_warning_names_the_page_it_is_about(caplog):
    """A strict build fails on a warning from Sphinx's logger, which carries the page as its location."""
    with caplog.at_level("WARNING", logger="sphinx.answer_language"):
        answer_language.warn("a stale answer box", "book/x")
    (record,) = caplog.records
    assert (record.name, record.levelname, record.getMessage(), record.location) == (
        "sphinx.answer_language", "WARNING", "a stale answer box", "book/x",
    )  # fmt: skip


def test_the_extension_writes_the_parser_after_an_html_build_only(tmp_path):
    class App:
        def __init__(self, kind: str) -> None:
            self.outdir, self.builder = tmp_path / kind, type("Builder", (), {"format": kind})()
            self.events = []

        def connect(self, event: str, handler: object) -> None:
            self.events.append((event, handler))

    html_app = App("html")
    assert answer_language.setup(html_app) == {"parallel_read_safe": True, "parallel_write_safe": True}
    assert html_app.events == [
        ("html-page-context", answer_language.on_page_context),
        ("build-finished", answer_language.on_build_finished),
    ]
    answer_language.on_build_finished(html_app, RuntimeError("the build failed"))
    assert not html_app.outdir.exists()
    answer_language.on_build_finished(html_app, None)
    answer_language.on_build_finished(html_app, None)  # a rebuild writes it again
    written = (html_app.outdir / "_static" / "answer-language.js").read_text(encoding="utf-8")
    assert written.startswith("// Generated by") and "AnswerLanguage" in written
    latex_app = App("latex")
    answer_language.on_build_finished(latex_app, None)
    assert not latex_app.outdir.exists()


# ------------------------------------------------------------------------------------- what the reader reads

# (expected, answer, the whole feedback). The points are answer_spec's, seeded: x = 0.5478 first.
M = sp.Matrix([[a, x], [y, b]])
AT_X = "Not quite: at x = 0.5478, your answer gives "
AT_XY = "Not quite: at x = 0.5478, y = -0.9209, your answer gives "
CORRECT = "Correct: your answer agrees with the expected one at all 8 check points."
SIGN = " The sign is flipped: your answer is −1 times the expected one."
DOUBLE = " It is 2 times the expected one: a factor of 2 too many."
HALF = " It is half the expected one: a factor of 2 is missing."
TRANSPOSED = " Your answer is the transpose of the expected one: a gradient has the shape of its variable."
AT_ABXY = "at a = 0.5478, b = -0.9209, x = -1.836, y = -1.934, your answer gives "
NOT_USABLE = "This is not a usable formula: it "
TOO_LARGE = NOT_USABLE + "gives a number too large to work with at every check point."
FEEDBACK = [
    (x**2, "x^2", CORRECT),
    (x**2, "x^3", AT_X + "0.1644 but the expected value is 0.3001."),
    (x**2, "log(x)", AT_X + "-0.6018 but the expected value is 0.3001."),
    (x**2, "-x^2", AT_X + "-0.3001 but the expected value is 0.3001." + SIGN),
    (x**2, "2x^2", AT_X + "0.6003 but the expected value is 0.3001." + DOUBLE),
    (x**2, "x^2/2", AT_X + "0.1501 but the expected value is 0.3001." + HALF),
    (
        x**2,
        "3x^2",
        AT_X + "0.9004 but the expected value is 0.3001. It is a constant multiple (3) of the expected one.",
    ),
    (x**2, "x^2+1", AT_X + "1.3 but the expected value is 0.3001. It differs from the expected one by a constant (1)."),
    (x**2, "x^2 + 1/(x-1)", AT_X + "-1.912 but the expected value is 0.3001."),
    (x**2, "abs(x) x", "Not quite: at x = -0.9209, your answer gives -0.848 but the expected value is 0.848."),
    (x**2, "0", AT_X + "0 but the expected value is 0.3001."),
    (sp.Integer(0), "0", CORRECT),
    (sp.Integer(10**6), "1000000.0001", CORRECT),
    (sp.Integer(10**6), "1000000.01", "Not quite: your answer gives 1000000 but the expected value is 1000000."),
    (x, "x + exp(10000 x^2)", TOO_LARGE),
    (x, "x * 10^300 * 10^300 / 10^300", TOO_LARGE),
    (x, "log(-x) + sqrt(x)", NOT_USABLE + "takes the logarithm of a number that is not positive at every check point."),
    (x**2 + y, "x^2-y", AT_XY + "1.221 but the expected value is -0.6207. The term y seems to have the wrong sign."),
    (x**2 + y, "x^2", AT_XY + "0.3001 but the expected value is -0.6207. The term y seems to be missing."),
    (x**2 + y, "x^2+2y", AT_XY + "-1.542 but the expected value is -0.6207. The term y seems to be counted twice."),
    (
        x**2 + y,
        "x^2+y/2",
        AT_XY + "-0.1603 but the expected value is -0.6207. The term y seems to be half what it should be.",
    ),
    (x * y, "x y y", AT_XY + "0.4646 but the expected value is -0.5045."),
    # A constant: any number is a multiple of it, and differs from it by a constant, so neither is said.
    (sp.Integer(2), "3", "Not quite: your answer gives 3 but the expected value is 2."),
    (sp.Integer(2), "-2", "Not quite: your answer gives -2 but the expected value is 2." + SIGN),
    (sp.Integer(2), "4", "Not quite: your answer gives 4 but the expected value is 2." + DOUBLE),
    (
        x,
        "sqrt(-x)",
        "Not quite: at x = 0.5478, your answer takes the square root of a negative number, but the expected value is "
        "0.5478.",
    ),
    (
        x,
        "x + sqrt(x) - sqrt(x)",
        "Not quite: at x = -0.9209, your answer takes the square root of a negative number, but the expected value "
        "is -0.9209.",
    ),
    (x, "1/(x-x)", "This is not a usable formula: it divides by zero at every check point."),
    (x, "1/(x-x) + sqrt(x)", "This is not a usable formula: it divides by zero at every check point."),
    (
        x,
        "sqrt(-x^2 - 1) + 1/(x-x)",
        "This is not a usable formula: it takes the square root of a negative number at every check point.",
    ),
    (M, "[[a, x], [y, b]]", CORRECT),
    (M, "[[a, x], [y, 2b]]", "Not quite: in entry (2, 2), " + AT_ABXY + "-1.842 but the expected value is -0.9209."),
    (
        M,
        "[[-a, -x], [-y, -b]]",
        "Not quite: in entry (1, 1), " + AT_ABXY + "-0.5478 but the expected value is 0.5478." + SIGN,
    ),
    (
        M,
        "[[a, y], [x, b]]",
        "Not quite: in entry (1, 2), " + AT_ABXY + "-1.934 but the expected value is -1.836." + TRANSPOSED,
    ),
    (
        M,
        "[[a, y], [x, sqrt(b)]]",
        "Not quite: in entry (1, 2), " + AT_ABXY + "-1.934 but the expected value is -1.836.",
    ),
    (
        M,
        "[[a, x], [y, sqrt(b)]]",
        "Not quite: in entry (2, 2), "
        + AT_ABXY.replace("gives ", "")
        + "takes the square root of a negative number, but the expected value is -0.9209.",
    ),
    (M, "x", "Not quite: the expected answer is a 2×2 matrix, but yours is a number."),
    (M, "[a, x, y, b]", "Not quite: the expected answer is a 2×2 matrix, but yours is a 4×1 matrix."),
    (
        sp.Matrix([[a, x, y]]),
        "[a, x, y]",
        "Not quite: the expected answer is a 1×3 matrix, but yours is a 3×1 matrix." + TRANSPOSED,
    ),
    (sp.Matrix([[a, x, y]]), "[a, y, x]", "Not quite: the expected answer is a 1×3 matrix, but yours is a 3×1 matrix."),
    (
        sp.Matrix([[a, x, y]]),
        "[a, sqrt(x), y]",
        "Not quite: the expected answer is a 1×3 matrix, but yours is a 3×1 matrix.",
    ),
    (
        sp.Matrix([[a, x], [x, a]]),
        "[[x, a], [a, x]]",
        "Not quite: in entry (1, 1), at a = 0.5478, x = -0.9209, your answer gives -0.9209 but the expected value is "
        "0.5478.",
    ),
    (
        sp.Matrix([a]),
        "[2a]",
        "Not quite: in entry (1, 1), at a = 0.5478, your answer gives 1.096 but the expected value is 0.5478." + DOUBLE,
    ),
    (
        sp.Matrix([a]),
        "[a + 1]",
        "Not quite: in entry (1, 1), at a = 0.5478, your answer gives 1.548 but the expected value is 0.5478. It "
        "differs from the expected one by a constant (1).",
    ),
    (
        sp.Matrix([1, 2]),
        "[3, 6]",
        "Not quite: in entry (1, 1), your answer gives 3 but the expected value is 1. It is a constant multiple (3) "
        "of the expected one.",
    ),
    (
        sp.Matrix([1, 2]),
        "[2, 3]",
        "Not quite: in entry (1, 1), your answer gives 2 but the expected value is 1. It differs from the expected "
        "one by a constant (1).",
    ),
    (sp.Matrix([0, 2]), "[1, 2]", "Not quite: in entry (1, 1), your answer gives 1 but the expected value is 0."),
    (
        sp.Matrix([0, 2]),
        "[0, -2]",
        "Not quite: in entry (2, 1), your answer gives -2 but the expected value is 2." + SIGN,
    ),
    (sp.Matrix([0, 0]), "[1, 1]", "Not quite: in entry (1, 1), your answer gives 1 but the expected value is 0."),
    # The transpose's entries laid out in the expected shape are not "the transpose".
    (
        sp.Matrix([[a, b, x], [y, 1, 2]]),
        "[[a, y, b], [1, x, 2]]",
        "Not quite: in entry (1, 2), " + AT_ABXY + "-1.934 but the expected value is -0.9209.",
    ),
]


@pytest.mark.parametrize(
    ("expected", "answer", "feedback"), FEEDBACK, ids=[f"feedback-{n}" for n in range(len(FEEDBACK))]
)
def test_the_feedback_word_for_word(expected, answer, feedback):
    assert check_answer(answer, expected).feedback == feedback


# (answer, the whole message) for an answer over x and y that is not a usable formula.
MAY_USE = "the answer may use x, y, e, pi, exp, log, sqrt, sin, cos, tan, sinh, cosh, tanh, sigma, abs, max, min."
MESSAGES = [
    ("", "Type a formula first."),
    ("   ", "Type a formula first."),
    ("x" * 2001, "The answer is too long (2001 characters; at most 2000)."),
    ("x+", "The answer ends too early: something is missing at the end."),
    (r"\frac{1}", "The answer ends too early: something is missing at the end."),
    ("x $ y", "The answer cannot contain '$' (position 3)."),
    ("x 2", "Unexpected '2' at position 3: is an operator missing before it?"),
    ("x )", "Unexpected ')' at position 3."),
    ("x & y", "Unexpected '&' at position 3."),
    (r"\log[2]{x}", "Unexpected '[' at position 5."),
    (r"\begin{bmatrix} x \end{pmatrix}", r"\begin{bmatrix} is closed by \end{pmatrix}."),
    ("[[x, y], [x]]", "The rows of the matrix have different lengths."),
    ("[[x, y], x]", "Write a matrix as [[a, b], [c, d]] (its rows) or [a, b] (a column), not a mix of the two."),
    ("[x, [x, y]]", "Write a matrix as [[a, b], [c, d]] (its rows) or [a, b] (a column), not a mix of the two."),
    ("z", "Unknown name 'z': " + MAY_USE),
    ("xz", "Unknown name 'xz': " + MAY_USE),
    ("abcdefghijklmnopqrst", "Unknown name 'abcdefghijklmnopqrst': " + MAY_USE),
    ("abcdefghijklmnopqrstu", "Unknown name 'abcdefghijklmnopqrst…': " + MAY_USE),
    ("abcdefghijklmnopqrstuvwxyz", "Unknown name 'abcdefghijklmnopqrst…': " + MAY_USE),
    ("sin(x, y)", "sin takes one argument, not 2."),
    (r"\ln(x, y)", "log takes one argument, not 2."),
    ("max(" + ", ".join(["x"] * 21) + ")", "max takes 1 to 20 arguments, not 21."),
    (r"\sin x y", "Put the argument of sin in parentheses, e.g. sin(…): it is not clear where it ends."),
    (r"\sin^2 x y", "Put the argument of sin in parentheses, e.g. sin(…): it is not clear where it ends."),
    (r"-\cos x y", "Put the argument of cos in parentheses, e.g. cos(…): it is not clear where it ends."),
    (r"x \tan x y", "Put the argument of tan in parentheses, e.g. tan(…): it is not clear where it ends."),
    (r"x / \exp x y", "Put the argument of exp in parentheses, e.g. exp(…): it is not clear where it ends."),
    (r"\log x y * x", "Put the argument of log in parentheses, e.g. log(…): it is not clear where it ends."),
    (r"\log x y / x", "Put the argument of log in parentheses, e.g. log(…): it is not clear where it ends."),
    (r"x * \log x y", "Put the argument of log in parentheses, e.g. log(…): it is not clear where it ends."),
    ("1" * 51, "The number '11111111111111111111…' has too many digits (at most 50)."),
    ("1" + "0" * 50, "The number '10000000000000000000…' has too many digits (at most 50)."),
    ("1" * 25 + "." + "1" * 26, "The number '11111111111111111111…' has too many digits (at most 50)."),
    ("x^1001", "The exponent 1001 is too large (at most 1000)."),
    ("x^-1001", "The exponent -1001 is too large (at most 1000)."),
    ("1/0", "This is not a usable formula: it divides by zero."),
    ("e^1000", "This is not a usable formula: it gives a number too large to work with."),
    ("1e400", "This is not a usable formula: it gives a number too large to work with."),
    ("log(0)", "This is not a usable formula: it takes the logarithm of a number that is not positive."),
    ("sqrt(-1)", "This is not a usable formula: it takes the square root of a negative number."),
    ("(-8)^(1/3)", "This is not a usable formula: it takes a fractional power of a negative number."),
    ("0^0", "This is not a usable formula: it raises 0 to a power that is not positive."),
    (r"\sqrt[0]{x}", "This is not a usable formula: it divides by zero."),
    (r"\sin^{1/0} x", "This is not a usable formula: it divides by zero."),
]


@pytest.mark.parametrize(("answer", "says"), MESSAGES, ids=[f"message-{n}" for n in range(len(MESSAGES))])
def test_an_unusable_answer_is_told_why_word_for_word(answer, says):
    spec = {"names": {"x": 0, "y": 1}, "variables": ["x", "y"]}
    with pytest.raises(AnswerSyntaxError) as error:
        parse_answer(answer, spec)
    assert str(error.value) == says


# Spellings that read as the same tree: each pair is one answer written two ways.
SAME = [
    (r"\sin x \cdot y", "sin(x) * y"), (r"2\sin x", "2 sin(x)"), (r"\sin^2 x", "sin(x)^2"), (r"\sin^{2} x", "sin(x)^2"),
    (r"\sin^2(x)", "sin(x)^2"), (r"\sqrt[3]{x}", "x^(1/3)"), (r"\frac{x}{y}", "x / y"), ("\\frac12 x", "0.5 x"),
    (r"\begin {bmatrix} x \end {bmatrix}", "[x]"), (r"\begin{matrix} x & y \\ y & x \end{matrix}", "[[x, y], [y, x]]"),
    (r"\sin x \cos y", "sin(x) cos(y)"), (r"\log x^2", "log(x^2)"), ("Wx_{1}", "W * x_1"), ("Wx1", "W * x_1"),
    ("xy", "x * y"), ("-x", "-(x)"), ("x - y + x", "(x - y) + x"), ("x^y^x", "x^(y^x)"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "same"), SAME, ids=[f"spelling-{n}" for n in range(len(SAME))])
def test_spellings_of_one_answer_read_as_one_tree(text, same):
    spec = answer_spec(sum(sp.symbols("x y W x_1", real=True)))
    assert parse_answer(text, spec) == parse_answer(same, spec)


def test_the_trees_the_reader_builds():
    spec = {"names": {"x": 0, "y": 1}, "variables": ["x", "y"]}
    assert parse_answer("xy", spec) == Product((("mul", Var(0)), ("mul", Var(1))))
    assert parse_answer("x - y", spec) == Sum((("add", Var(0)), ("sub", Var(1))))
    assert parse_answer("sin(x)^2", spec) == Pow(Call("sin", (Var(0),)), Num(2.0))
    assert parse_answer("[[x], [2]]", spec) == Matrix(2, 1, (Var(0), Num(2.0)))
    # A part without variables is computed as it is read.
    assert parse_answer("x^(2 * 3) + max(1, 2) - 2^-1", spec) == Sum(
        (("add", Pow(Var(0), Num(6.0))), ("add", Num(2.0)), ("sub", Num(0.5)))
    )
    assert parse_answer("x^(1 + 2 * 3)", spec) == Pow(Var(0), Num(7.0))
    assert parse_answer("-x / 2", spec) == Product((("mul", Neg(Var(0))), ("div", Num(2.0))))
    assert parse_answer("0^0.5", spec) == Num(0.0) and parse_answer("2^1000", spec) == Num(2.0**1000)
    assert parse_answer("0" * 60 + "1", spec) == Num(1.0)
    assert parse_answer("1" * 50 + "e5", spec) == Num(float("1" * 50 + "e5"))
    assert parse_answer("1" * 25 + "." + "1" * 25, spec) == Num(float("1" * 25 + "." + "1" * 25))


def test_a_tree_serialises_to_the_page_readers_form():
    spec = {"names": {"x": 0, "y": 1}, "variables": ["x", "y"]}
    assert to_json(parse_answer("[[-x, sin(x)^2], [x/y, 2 + y]]", spec)) == [
        "matrix", 2, 2, [
            ["neg", ["var", 0]],
            ["pow", ["call", "sin", [["var", 0]]], ["num", 2.0]],
            ["product", [["mul", ["var", 0]], ["div", ["var", 1]]]],
            ["sum", [["add", ["num", 2.0]], ["add", ["var", 1]]]],
        ],
    ]  # fmt: skip
    with pytest.raises(TypeError, match="not a node of an answer: 'x'"):
        to_json("x")


# One construct nested n times, each level one deeper: MAX_DEPTH levels are read, one more is refused.
NESTINGS = {
    "sign": lambda n: "-" * n + "x",
    "sum": lambda n: "(x + " * n + "x" + ")" * n,
    "product": lambda n: "(x * " * n + "x" + ")" * n,
    "power": lambda n: "x^" * n + "x",
    "call": lambda n: "sin(" * n + "x" + ")" * n,
    "power_of_a_call": lambda n: r"\sin^{" * n + "x" + "} x" * n,
    "fraction": lambda n: r"\frac{x}{" * n + "x" + "}" * n,
    "numerator": lambda n: r"\frac{" * n + "x" + "}{x}" * n,
    "root": lambda n: r"\sqrt[x]{" * n + "x" + "}" * n,
    "radicand": lambda n: r"\sqrt[" * n + "x" + "]{x}" * n,
}


@pytest.mark.parametrize("construct", NESTINGS)
def test_the_depth_limit_holds_for_every_construct(construct):
    spec = {"names": {"x": 0}, "variables": ["x"]}
    deepest = NESTINGS[construct](MAX_DEPTH)
    parse_answer(deepest, spec)
    parse_answer("[" + NESTINGS[construct](MAX_DEPTH - 1) + "]", spec)  # a matrix's entries are one level down
    for too_deep in (NESTINGS[construct](MAX_DEPTH + 1), "[" + deepest + "]"):
        with pytest.raises(AnswerSyntaxError, match=r"^The answer is nested too deeply \(more than 100 levels\)\.$"):
            parse_answer(too_deep, spec)


def test_the_size_limit_counts_numbers_names_and_operations():
    spec = {"names": {"x": 0}, "variables": ["x"]}
    parse_answer("+".join(["x"] * (MAX_NODES - 1)), spec)  # a sum and its 999 terms
    too_big = r"^The answer is too long \(more than 1000 numbers, names and operations\)\.$"
    with pytest.raises(AnswerSyntaxError, match=too_big):
        parse_answer("+".join(["x"] * MAX_NODES), spec)


def test_a_latex_style_argument_followed_by_a_factor_is_refused_inside_a_factor_too():
    spec = {"names": {"x": 0, "y": 1}, "variables": ["x", "y"]}
    with pytest.raises(AnswerSyntaxError, match=r"^Put the argument of sin in parentheses"):
        parse_answer(r"2 * (x \sin x) y", spec)
    assert to_json(parse_answer(r"2 * (x \sin x) \cos y", spec))[1][1][0] == "mul"


def test_an_exponent_too_large_at_the_points_gives_no_value():
    positive = sp.Symbol("x", positive=True)
    verdict = check_answer("1^(2000 x)", positive, domain={positive: (1.0, 2.0)})
    assert (
        verdict.feedback
        == "This is not a usable formula: it gives a number too large to work with at every check point."
    )


def test_the_digit_limit_counts_significant_digits():
    spec = {"names": {}, "variables": []}
    parse_answer("1" * MAX_DIGITS, spec)
    parse_answer("1" * MAX_DIGITS + "E5", spec)
    with pytest.raises(AnswerSyntaxError, match="has too many digits"):
        parse_answer("1" * MAX_DIGITS + "1E5", spec)


# Runs answer-box.js under Node on a page of stand-in boxes: each box gets a spec and an answer, is
# checked as a click checks it, and gives back its class and feedback.
PAGE_IN_NODE = """
const boxes = JSON.parse(require("fs").readFileSync(0, "utf8")).map(([spec, answer]) => {
  const box = { classes: new Set(), feedback: { textContent: "" }, dataset: { answer: JSON.stringify(spec) } };
  box.classList = { add: (c) => box.classes.add(c), remove: (...cs) => cs.forEach((c) => box.classes.delete(c)) };
  const input = { value: answer, addEventListener() {} };
  const button = { addEventListener: (event, handler) => (box.check = handler) };
  const parts = { ".answer-input": input, ".answer-feedback": box.feedback, ".answer-check": button };
  box.querySelector = (selector) => parts[selector];
  return box;
});
globalThis.document = {
  addEventListener: (event, ready) => ready(),
  querySelectorAll: (selector) => (selector === ".answer-box" ? boxes : []),
};
"""
PAGE_RESULTS = (
    "\nprocess.stdout.write(JSON.stringify(boxes.map((b) => (b.check(), [[...b.classes], b.feedback.textContent]))));"
)


def page_verdicts(checks: list[tuple[dict, str]], folder: Path) -> list[tuple[str, str]]:
    """(verdict, feedback) of the page's script for each (spec, answer)."""
    page = folder / "page.js"
    page.write_text(
        PAGE_IN_NODE + answer_language.language_script() + BOX_JS.read_text(encoding="utf-8") + PAGE_RESULTS
    )
    result = subprocess.run(["node", str(page)], input=json.dumps(checks), capture_output=True, text=True, check=True)
    verdicts = {css: verdict for verdict, css in BOX_CLASSES.items()}
    return [(verdicts[c], feedback) for (c,), feedback in json.loads(result.stdout)]


def test_the_page_gives_the_same_feedback_word_for_word(tmp_path):
    """The cases above, through answer-box.js: matrices and constants too, which no box of the book has."""
    word = {"names": {"x": 0, "y": 1}, "variables": ["x", "y"], "points": [[3.0, 4.0]], "values": [[7.0]],
            "shape": None, "terms": []}  # fmt: skip
    checks = [(answer_spec(expected), answer) for expected, answer, _ in FEEDBACK]
    checks += [(word, answer) for answer, _ in MESSAGES]
    python = [(v.verdict, v.feedback) for v in (judge(answer, spec) for spec, answer in checks)]
    assert page_verdicts(checks, tmp_path) == python
    assert [f for _, f in python] == [f for *_, f in FEEDBACK] + [m for _, m in MESSAGES]


def test_both_readers_build_the_same_tree(tmp_path):
    """Every answer of the table that reads, read by answer-box.js and by answers.reader: the same nodes."""
    read = [(box_spec(c.box), c.answer) for c in TABLE if c.verdict != "invalid"]
    read += [(answer_spec(expected), answer) for expected, answer, _ in FEEDBACK]
    page = tmp_path / "read.js"
    page.write_text(
        "globalThis.document = { addEventListener() {} };\n"
        + answer_language.language_script()
        + BOX_JS.read_text(encoding="utf-8")
        + '\nconst read = JSON.parse(require("fs").readFileSync(0, "utf8"));'
        + "\nprocess.stdout.write(JSON.stringify(read.map(([spec, text]) => AnswerLanguage.read(text, spec))));"
    )
    result = subprocess.run(["node", str(page)], input=json.dumps(read), capture_output=True, text=True, check=True)
    trees = json.loads(result.stdout)
    assert len(trees) == len(read) > 150
    for (spec, text), tree in zip(read, trees, strict=True):
        assert to_json(parse_answer(text, spec)) == tree, text


@pytest.mark.parametrize(
    ("term", "shown"),
    [
        ("-gamma*x**2/(epsilon*sqrt(sigma_2 + epsilon))", "−γ·x²/(ε·√(ε + σ₂))"),
        ("2*b*x_2", "2·b·x₂"),
        ("x_10**12 * y**(-2)", "x₁₀¹²/y²"),
        ("x**(1/3) + w_1**(-3)", "x^(1/3) + w₁⁻³"),
        ("x**2.5", "x^2.5"),
        ("alpha_12*beta*pi", "π·α₁₂·β"),
        ("Gamma*x", "Γ·x"),
    ],
)
def test_a_term_is_named_as_the_page_writes_it_not_in_python(term, shown):
    symbols = {n: sp.Symbol(n, real=True) for n in ("gamma", "epsilon", "sigma_2", "b", "x", "x_2", "x_10", "y", "w_1")}
    symbols |= {n: sp.Symbol(n, real=True) for n in ("alpha_12", "beta")}
    assert readable(sp.sympify(term, locals=symbols)) == shown
