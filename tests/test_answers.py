"""Tests for checks.answers: a reader's typed answer is parsed by a whitelist grammar, never executed."""

from __future__ import annotations

import ast
import builtins
import random
import re
import signal
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import sympy as sp
import sympy.parsing.sympy_parser

from checks import answers
from checks.answers import AnswerSyntaxError, AnswerVerdict, check_answer, parse_answer
from derivations.symbols import matrix_symbols

x, y, a, b = sp.symbols("x y a b", real=True)
w_1, x_1, x_2 = sp.symbols("w_1 x_1 x_2", real=True)
p = sp.Symbol("p", positive=True)
SIGMA = 1 / (1 + sp.exp(-x))
SIGMA_PRIME = sp.exp(-x) / (1 + sp.exp(-x)) ** 2


# ---------------------------------------------------------------------------------------------
# Right answers, in many equivalent forms
# ---------------------------------------------------------------------------------------------

RIGHT = [
    # Python syntax
    ("2*x*exp(x**2)", 2 * x * sp.exp(x**2)),
    ("x*2*exp(x^2)", 2 * x * sp.exp(x**2)),
    # implicit multiplication
    ("2x exp(x^2)", 2 * x * sp.exp(x**2)),
    ("2 x exp(x^2)", 2 * x * sp.exp(x**2)),
    ("x y + 2(x+1)", x * y + 2 * x + 2),
    ("xy", x * y),
    ("(a+b)(a-b)", a**2 - b**2),
    # LaTeX
    (r"2x e^{x^2}", 2 * x * sp.exp(x**2)),
    (r"\frac{2x}{e^{-x^2}}", 2 * x * sp.exp(x**2)),
    (r"2 \cdot x \times \exp\left(x^{2}\right)", 2 * x * sp.exp(x**2)),
    (r"\frac12 x^2", x**2 / 2),
    (r"\dfrac{1}{2}x^2", x**2 / 2),
    (r"\sqrt{p}", sp.sqrt(p)),
    (r"\sqrt[3]{p}", p ** sp.Rational(1, 3)),
    (r"\ln p + \log{p}", 2 * sp.log(p)),
    # numbers
    ("0.5x^2", x**2 / 2),
    ("5e-1 x^2", x**2 / 2),
    ("2.5E+1 x", 25 * x),
    # the logistic function and its derivative
    (r"\sigma(x)", SIGMA),
    ("sigma(x)(1 - sigma(x))", SIGMA_PRIME),
    (r"\sigma(x)\left(1-\sigma\left(x\right)\right)", SIGMA_PRIME),
    ("σ(x)(1 − σ(x))", SIGMA_PRIME),
    (r"\frac{e^{-x}}{(1+e^{-x})^2}", SIGMA * (1 - SIGMA)),
    ("exp(-x)/(1+exp(-x))^2", sp.Function("sigma")(x) * (1 - sp.Function("sigma")(x))),
    ("1 - tanh(x)^2", 1 / sp.cosh(x) ** 2),
    # subscripts
    ("w_1 x_2", w_1 * x_2),
    ("w_{1} x_{2}", w_1 * x_2),
    ("w1 x2", w_1 * x_2),
    # max, abs, min
    ("max(x, 0)", sp.Max(x, 0)),
    ("max(0, x) + abs(y)", sp.Max(x, 0) + sp.Abs(y)),
    ("min(x, y)", sp.Min(x, y)),
    # right-associative powers, unary minus below ^
    ("2^-x^2", 2 ** (-(x**2))),
    ("-x^2 + 1", 1 - x**2),
    # matrices: a column [a, b] and rows [[a, b]] as in sympy.Matrix, and LaTeX bmatrix
    ("[2x_1, 2x_2]", sp.Matrix([2 * x_1, 2 * x_2])),
    (r"\begin{bmatrix} 2x_1 \\ 2x_2 \end{bmatrix}", sp.Matrix([2 * x_1, 2 * x_2])),
    ("[[x, 1], [2, y]]", sp.Matrix([[x, 1], [2, y]])),
    (r"\begin{pmatrix} x & 1 \\ 2 & y \end{pmatrix}", sp.Matrix([[x, 1], [2, y]])),
]


@pytest.mark.parametrize(("answer", "expected"), RIGHT, ids=[r[0] for r in RIGHT])
def test_right_answers_are_accepted(answer, expected):
    verdict = check_answer(answer, expected)
    assert isinstance(verdict, AnswerVerdict)
    assert verdict.correct, verdict.feedback
    assert verdict.feedback.startswith("Correct")
    assert "symbolically" in verdict.feedback or "at 8 random points" in verdict.feedback


def test_correct_feedback_says_how_it_was_verified(monkeypatch):
    verdict = check_answer("x^2 + 2x", x * (x + 2))
    assert (verdict.correct, verdict.method) == (True, "symbolic")
    assert verdict.feedback == "Correct (verified symbolically)."
    monkeypatch.setattr(answers, "SYMBOLIC_MAX_OPS", -1)  # force the numeric path
    verdict = check_answer("x^2 + 2x", x * (x + 2))
    assert (verdict.correct, verdict.method) == (True, "numeric")
    assert "at 8 random points" in verdict.feedback and "1e-09" in verdict.feedback


def test_extra_symbols_may_be_used():
    assert check_answer(r"\sin^2 x + \cos^2 x", sp.Integer(1), symbols=[x]).correct
    with pytest.raises(AnswerSyntaxError, match="unknown name 'x'"):
        check_answer("x - x + 1", sp.Integer(1))


def test_positive_symbols_are_sampled_positive():
    # sqrt(p)^2 == p and log(p^2) == 2 log(p) only for p > 0
    assert check_answer("2 log(p)", sp.log(p**2)).correct
    assert check_answer("p", sp.sqrt(p) ** 2).correct


def test_a_symbol_named_e_wins_over_eulers_number():
    e = sp.Symbol("e", real=True)
    assert check_answer("2e", 2 * e).correct
    assert parse_answer("e^x", [x]) == sp.exp(x)


def test_works_off_the_main_thread_without_a_timer():
    results = []
    worker = threading.Thread(target=lambda: results.append(check_answer("sigma(x)(1-sigma(x))", SIGMA_PRIME)))
    worker.start()
    worker.join(10)
    assert results and results[0].correct


def test_leaves_no_timer_or_handler_behind():
    before = signal.getsignal(signal.SIGALRM)
    check_answer("sigma(x)(1-sigma(x))", SIGMA_PRIME)
    check_answer("2x", x)
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


# ---------------------------------------------------------------------------------------------
# Wrong answers: where they differ, and the slip
# ---------------------------------------------------------------------------------------------


def _wrong(answer, expected):
    verdict = check_answer(answer, expected)
    assert not verdict.correct and verdict.method is None, verdict.feedback
    return verdict.feedback


def test_wrong_answer_names_a_point_and_both_values():
    feedback = _wrong("3x^2", 2 * x**2 + x)
    assert re.match(
        r"Not quite: at x = -?\d\.\d+, your answer gives -?\d\.\d+ but the expected value is -?\d", feedback
    )
    x0 = float(re.search(r"at x = (\S+),", feedback).group(1))
    got = float(re.search(r"your answer gives (\S+) but", feedback).group(1))
    want = float(re.search(r"expected value is (\S+)\.$", feedback).group(1))
    assert got == pytest.approx(3 * x0**2, rel=1e-3) and want == pytest.approx(2 * x0**2 + x0, rel=1e-3)


@pytest.mark.parametrize(
    ("answer", "expected", "slip"),
    [
        ("-2x exp(x^2)", 2 * x * sp.exp(x**2), "The sign is flipped"),
        ("-sigma(x)(1 - sigma(x))", SIGMA_PRIME, "The sign is flipped"),
        ("4x exp(x^2)", 2 * x * sp.exp(x**2), "a factor of 2 too many"),
        ("x exp(x^2)", 2 * x * sp.exp(x**2), "a factor of 2 is missing"),
        ("3 x y", x * y, "constant multiple (3)"),
        ("x^2 + 1", x**2, "differs from the expected one by a constant (1)"),
        ("x^2", x**2 + sp.sin(x), "the term sin(x) is missing"),
        ("x^2 - y", x**2 + y, "the term y has the wrong sign"),
        ("[[x, y], [0, 1]]", sp.Matrix([[x, 0], [y, 1]]), "transpose"),
        ("[[x, y]]", sp.Matrix([x, y]), "transpose"),
    ],
)
def test_common_slips_are_named(answer, expected, slip):
    feedback = _wrong(answer, expected)
    assert slip in feedback
    assert "Not quite" in feedback


def test_transposed_jacobian_names_the_entry():
    feedback = _wrong("[[x, y], [0, 1]]", sp.Matrix([[x, 0], [y, 1]]))
    assert feedback.startswith("Not quite: in entry (1, 2) at x = ")


def test_shape_mismatch():
    assert "expected answer is a scalar, but yours is a 1×1 matrix" in _wrong("[x]", x)
    assert "a 2×1 matrix, but yours is a scalar" in _wrong("x", sp.Matrix([x, y]))


def test_answer_undefined_where_expected_is_defined():
    feedback = _wrong("log(x)", sp.log(sp.Abs(x)))
    assert "your answer is undefined" in feedback and "where the expected value is" in feedback


def test_answer_undefined_everywhere():
    feedback = _wrong("log(x - 5) + x", x)
    assert feedback.startswith("Not quite: your answer is undefined (or too large to evaluate) at x = ")
    assert "(it agrees where both are defined)" not in feedback


@pytest.mark.parametrize("text", ["log(-1)", "sqrt(-2)", "(-8)^(1/3)", "e^{e^{e^{e^e}}}", "sin(10^40)", "exp(1000)"])
def test_constants_must_be_real_and_of_reasonable_size(text):
    # checked before SymPy builds on them: SymPy would evaluate e^{e^{e^{e^e}}} to billions of digits
    start = time.perf_counter()
    with pytest.raises(AnswerSyntaxError, match="not a real number of reasonable size"):
        check_answer(text, x)
    assert time.perf_counter() - start < 1.0


def test_too_few_points_evaluate():
    feedback = _wrong("log(x - 5)", sp.log(x - 5))  # x is drawn from (-2, 2): never defined
    assert feedback.startswith("Cannot decide: only 0 of 32 random points")


# ---------------------------------------------------------------------------------------------
# The grammar
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("-x^2", -(x**2)),
        ("2^3^2", sp.Integer(512)),
        ("2**3**2", sp.Integer(512)),
        ("1/2x", x / 2),
        ("x/2y", x * y / 2),
        ("2(x+1)", 2 * x + 2),
        (r"\left[x + 1\right]^2", (x + 1) ** 2),
        ("{x+1}^2", (x + 1) ** 2),
        ("max(x)", x),
        ("0.1", sp.Rational(1, 10)),
        (".5", sp.Rational(1, 2)),
        ("1e-3", sp.Rational(1, 1000)),
        ("pi + e", sp.pi + sp.E),
        (r"\pi", sp.pi),
        (r"x\,y", x * y),
        (r"\sin x \cos x", sp.sin(x) * sp.cos(x)),
        (r"\sin x^2", sp.sin(x**2)),
        (r"\log x + 1", sp.log(x) + 1),
        (r"\begin{bmatrix} x & 1 \\ 2 & y \\ \end{bmatrix}", sp.Matrix([[x, 1], [2, y]])),
    ],
)
def test_grammar(text, value):
    assert parse_answer(text, [x, y]) == value


def test_names_match_symbol_names():
    W = matrix_symbols("W", 2, 2)
    assert parse_answer("W_{1,2} + W_{2,1}", list(W)) == W[0, 1] + W[1, 0]
    alpha = sp.Symbol("alpha")
    assert parse_answer(r"\alpha + α + alpha", [alpha]) == 3 * alpha
    assert parse_answer("w_1x_1", [w_1, x_1]) == w_1 * x_1


def test_error_points_at_the_offending_character():
    with pytest.raises(AnswerSyntaxError) as info:
        check_answer("2x @ y", x * y)
    assert str(info.value) == "unexpected '@' at position 4:\n  2x @ y\n     ^"
    assert info.value.position == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("z", "unknown name 'z' at position 1"),
        ("sigmoid(x)", "unknown name 'sigmoid'"),
        ("(x + 1", "'(' is never closed"),
        ("x + 1)", "unexpected ')'"),
        ("{x + 1)", "expected '}' to close the '{'"),
        ("x +", "the answer ends too early"),
        ("sin()", "unexpected ')'"),
        ("x 2", "missing operator"),
        ("log_2(x)", "the function log takes no subscript"),
        ("abs(x, y)", "the function abs takes one argument, not 2"),
        ("exp", "the function exp needs an argument"),
        ("x^(1/0)", "division by zero"),
        ("[[x], y]", "mix of rows and entries"),
        ("[[x, y], [1]]", "different lengths"),
        ("2 [x]", "a matrix must be the whole answer"),
        (r"\alpha", "unknown name"),
        ("x" * 60, "name too long"),
        (r"\sin 2x", r"put the argument of \sin in parentheses"),
        ("[[[x]]]", "matrices nest only two levels deep"),
        (r"\begin{bmatrix} x & 1", r"\begin{bmatrix} is never ended"),
        (r"\begin{bmatrix} x \end{pmatrix}", r"is ended by \end{pmatrix}"),
        (r"\mathrm{e}^x", r"unknown LaTeX command '\mathrm'"),
    ],
)
def test_syntax_errors(text, message):
    with pytest.raises(AnswerSyntaxError) as info:
        check_answer(text, x * y)
    assert message in str(info.value)


def test_unknown_name_lists_what_may_be_used():
    with pytest.raises(AnswerSyntaxError) as info:
        check_answer("z", x + y)
    assert "The answer may use x and y and the functions exp, log, sqrt" in str(info.value)
    assert "sigma, max, min, abs" in str(info.value)


def test_syntax_error_is_a_value_error():
    assert issubclass(AnswerSyntaxError, ValueError)


# ---------------------------------------------------------------------------------------------
# Hostile input: quick, and never executed
# ---------------------------------------------------------------------------------------------

HOSTILE = [
    "__import__('os').system('echo hi')",
    "().__class__.__bases__",
    "lambda: 1",
    "x.__class__",
    "open('f')",
    "exp.__globals__",
    "1;2",
    "x if x else y",
    "[x]",
    "{'a': 1}",
    "2**2**2**2**2**2",
    "9**9**9",
    "x**100000",
    "(" * 5000 + "x" + ")" * 5000,
    "(" * 150 + "x" + ")" * 150,
    "-" * 999 + "x",
    "1" * 10000,
    "1" * 1999,
    "1e999999",
    "(10^999)^999",
    "(3^999 + 1)^(1/2)",
    "\\input{/etc/passwd}",
    "\\def\\x{}",
    "x_{\\exec}",
    "x\x00",
    "eval('1')",
    "",
    "   ",
    "\n\t",
    "+".join("max(" + ",".join(f"{i}x+{j}" for j in range(12)) + ")" for i in range(1, 12)),
    "*".join(f"max(x,{i})" for i in range(100)),
]
WELL_FORMED_BUT_WRONG = {"[x]", HOSTILE[-2], HOSTILE[-1]}


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(h[:30]) for h in HOSTILE])
def test_hostile_input_is_rejected_quickly(text):
    start = time.perf_counter()
    if text in WELL_FORMED_BUT_WRONG:
        try:
            assert not check_answer(text, x * y).correct
        except AnswerSyntaxError as error:  # allowed: "too complex to check within the time limit"
            assert "time limit" in str(error)
    else:
        with pytest.raises(AnswerSyntaxError):
            check_answer(text, x * y)
    assert time.perf_counter() - start < 1.0


def test_non_string_answers_are_refused():
    with pytest.raises(TypeError):
        check_answer(sp.Symbol("x"), x)  # type: ignore[arg-type]


@contextmanager
def forbidden():
    """Make eval, exec, compile, sympify, parse_expr and lambdify raise (and record) if anything calls them."""
    calls = []

    def trap(name):
        def refuse(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"{name} was called during check_answer")

        return refuse

    with pytest.MonkeyPatch.context() as patch:
        for module, name in [
            (builtins, "eval"),
            (builtins, "exec"),
            (builtins, "compile"),
            (sp, "sympify"),
            (sp, "parse_expr"),
            (sp, "lambdify"),
            (sympy.parsing.sympy_parser, "parse_expr"),
            (sys.modules["sympy.utilities.lambdify"], "lambdify"),
        ]:
            patch.setattr(module, name, trap(name))
        yield calls


TRAPPED = [
    ("sigma(x)(1 - sigma(x))", SIGMA_PRIME),
    ("-2x e^{x^2}", 2 * x * sp.exp(x**2)),
    ("max(x, 0) + abs(y)", sp.Max(x, 0) + sp.Abs(y)),
    ("[[x, y], [0, 1]]", sp.Matrix([[x, 0], [y, 1]])),
    ("x^2", x**2 + sp.sin(x)),
]


def test_eval_exec_sympify_parse_expr_are_never_called():
    for answer, expected in TRAPPED:  # warm up: lazy imports inside SymPy may compile/exec modules
        check_answer(answer, expected)
    verdicts, errors = [], []
    with forbidden() as calls:
        for answer, expected in TRAPPED:
            verdicts.append(check_answer(answer, expected))
        for text in HOSTILE[:13]:
            try:
                check_answer(text, x * y)
            except AnswerSyntaxError as error:
                errors.append(error)
    assert calls == []
    assert [v.correct for v in verdicts] == [True, False, True, False, False]
    assert len(errors) == 12  # all but "[x]", which is well formed (a 1×1 matrix)


def test_source_calls_no_evaluator():
    tree = ast.parse(Path(answers.__file__).read_text(encoding="utf-8"))
    calls = [node.func for node in ast.walk(tree) if isinstance(node, ast.Call)]
    names = {f.id for f in calls if isinstance(f, ast.Name)}
    attributes = {
        (f.value.id if isinstance(f.value, ast.Name) else "", f.attr) for f in calls if isinstance(f, ast.Attribute)
    }
    assert not names & {"eval", "exec", "compile", "sympify", "parse_expr", "lambdify", "__import__", "getattr"}
    assert not {attr for _, attr in attributes} & {"sympify", "parse_expr", "lambdify", "eval", "exec"}
    assert {owner for owner, attr in attributes if attr == "compile"} <= {"re"}  # only regular expressions


def _random_answer(rng: random.Random, depth: int) -> str:
    if depth <= 0 or rng.random() < 0.3:
        return rng.choice(["x", "y", "2", "0", "0.5", "e", "pi", "1000", "-1"])
    a, b = _random_answer(rng, depth - 1), _random_answer(rng, depth - 1)
    function = rng.choice(["exp", "log", "sqrt", "sin", "tanh", "sigma", "abs", r"\sigma", r"\exp"])
    return rng.choice(
        [
            f"({a}+{b})",
            f"({a}-{b})",
            f"{a}*{b}",
            f"({a})/({b})",
            f"({a})^({b})",
            f"{function}({a})",
            f"max({a},{b})",
            rf"\frac{{{a}}}{{{b}}}",
            f"-({a})",
            f"({a})({b})",
            f"e^{{{a}}}",
            f"({a})^{rng.randint(-20, 20)}",
        ]
    )


def test_random_well_formed_answers_get_a_verdict_or_a_syntax_error_quickly():
    rng = random.Random(0)
    expected = [x * sp.exp(y) + sp.Max(x, 0), sp.sin(x) * y, SIGMA, x**2]
    for _ in range(40):
        text = _random_answer(rng, rng.randint(1, 5))
        start = time.perf_counter()
        try:
            check_answer(text, rng.choice(expected), symbols=[x, y])
        except AnswerSyntaxError:
            pass
        assert time.perf_counter() - start < 1.0, text


# ---------------------------------------------------------------------------------------------
# Edge cases pinned down by mutation testing
# ---------------------------------------------------------------------------------------------

X = sp.Symbol("X", real=True)
FUNCTION_LIST = "exp, log, sqrt, sin, cos, tan, sinh, cosh, tanh, sigma, max, min, abs"


@pytest.mark.parametrize(
    ("text", "value"),
    [("xX", x * X), ("xw_1", x * w_1), ("xw_{1}", x * w_1), ("xw1", x * w_1)],
)
def test_a_run_of_letters_splits_into_names_the_subscript_going_with_the_last(text, value):
    assert parse_answer(text, [x, X, w_1]) == value


def test_a_run_of_letters_with_an_unknown_part_is_an_unknown_name():
    with pytest.raises(AnswerSyntaxError) as info:
        parse_answer("xz", [x])
    assert info.value.reason == "unknown name 'xz'"


@pytest.mark.parametrize(
    ("expected", "listed"),
    [(x, "x"), (x + y + a, "a, x and y"), (sp.Integer(1), "numbers")],
    ids=["one symbol", "three symbols", "no symbols"],
)
def test_unknown_name_lists_the_symbols_in_plain_english(expected, listed):
    with pytest.raises(AnswerSyntaxError) as info:
        check_answer("z", expected)
    assert str(info.value).splitlines()[-1] == f"The answer may use {listed} and the functions {FUNCTION_LIST}."


@pytest.mark.parametrize(
    ("text", "reason", "position"),
    [
        ("x + 1)", "unexpected ')'", 5),
        ("x +", "the answer ends too early", 3),
        ("x ×× y", "unexpected '×'", 3),  # the character as typed, not the operator it stands for
        (r"\sin x (x+1)", r"put the argument of \sin in parentheses, e.g. \sin(...)", 0),
        ("[[[x]]]", "matrices nest only two levels deep: [[a, b], [c, d]]", 2),
        ("[x, y", "'[' is never closed", 0),
        ("[x)", "unexpected ')' (expected ',' or ']')", 2),
        ("[[x], y]", "mix of rows and entries; write [[a, b], [c, d]] or [a, b]", 0),
        ("[[x, y], [1]]", "the rows of the matrix have different lengths", 0),
        ("x^1001", "the exponent 1001 is too large (at most 1000)", 1),
        # numbers in messages are shortened past 20 characters
        ("12345678901234567890^1000", "the number 12345678901234567890^1000 is too large", 20),
        ("123456789012345678901^1000", "the number 12345678…8901^1000 is too large", 21),
    ],
)
def test_syntax_error_message_points_at_the_offending_part(text, reason, position):
    with pytest.raises(AnswerSyntaxError) as info:
        parse_answer(text, [x, y])
    assert info.value.position == position
    assert str(info.value) == f"{reason} at position {position + 1}:\n  {text}\n  {' ' * position}^"


def test_sine_arguments_up_to_a_million_are_evaluated():
    assert parse_answer("sin(10^6)") == sp.sin(10**6)
    with pytest.raises(AnswerSyntaxError, match="this sin is not a real number"):
        parse_answer("sin(10^6 + 1)")


def test_tangent_is_evaluated():
    assert check_answer("tan(x)", sp.sin(x) / sp.cos(x)).correct


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("[[x, y]]", sp.Matrix([x, y])),
        ("[[x, 1], [y, 2], [3, x y]]", sp.Matrix([[x, y, 3], [1, 2, x * y]])),
    ],
    ids=["column", "2x3"],
)
def test_transposed_answer_of_another_shape_is_named(answer, expected):
    rows, cols = expected.shape
    assert _wrong(answer, expected) == (
        f"Not quite: the expected answer is a {rows}×{cols} matrix, but yours is a {cols}×{rows} matrix."
        " Your answer is the transpose of the expected one: a gradient has the shape of the variable"
        " (numerator layout)."
    )


def test_a_check_running_past_its_time_limit_is_stopped(monkeypatch):
    sample_points = answers.sample_points

    def slow_sample_points(*args, **kwargs):
        time.sleep(2)
        return sample_points(*args, **kwargs)

    monkeypatch.setattr(answers, "sample_points", slow_sample_points)
    start = time.perf_counter()
    with pytest.raises(AnswerSyntaxError) as info:
        check_answer("x", x, time_limit=0.05)
    assert time.perf_counter() - start < 1.0
    assert str(info.value) == "the answer is too complex to check within the time limit (0.05 s); try a simpler form"


def test_an_early_stray_alarm_does_not_cut_the_check_short(monkeypatch):
    sample_points = answers.sample_points

    def alarmed_sample_points(*args, **kwargs):  # a SIGALRM long before the deadline
        assert signal.getsignal(signal.SIGALRM) is answers._on_alarm  # else the signal would end the process
        signal.raise_signal(signal.SIGALRM)
        return sample_points(*args, **kwargs)

    monkeypatch.setattr(answers, "sample_points", alarmed_sample_points)
    assert check_answer("x^2 + 2x", x * (x + 2)).correct


@pytest.mark.parametrize(
    ("answer", "expected", "slip"),
    [
        ("-x y", x * y, "The sign is flipped: your answer is −1 times the expected one."),
        ("2 x y", x * y, "It is 2 times the expected one: a factor of 2 too many."),
        ("x y / 2", x * y, "It is half the expected one: a factor of 2 is missing."),
        ("-3 x y", x * y, "It is a constant multiple (-3) of the expected one."),
        ("x^2 + 1", x**2, "It differs from the expected one by a constant (1)."),
        ("x^2", x**2 + sp.exp(x), "It looks like the term exp(x) is missing."),
        ("x^2 - y", x**2 + y, "It looks like the term y has the wrong sign."),
        # a term outside the answer grammar is still evaluated (the expected side comes from the book)
        ("x^2", x**2 + sp.atan(x), "It looks like the term atan(x) is missing."),
        (
            "[[x, y], [0, 1]]",
            sp.Matrix([[x, 0], [y, 1]]),
            "Your answer is the transpose of the expected one: a gradient has the shape of the variable"
            " (numerator layout).",
        ),
        # sums of up to 12 terms are searched for a missing term
        (
            " + ".join(f"x^{k}" for k in range(1, 12)),
            sum(x**k for k in range(1, 13)),
            "It looks like the term x**12 is missing.",
        ),
    ],
)
def test_the_slip_is_the_last_sentence_of_the_feedback(answer, expected, slip):
    feedback = _wrong(answer, expected)
    assert re.fullmatch(r"Not quite: .* but the expected value is \S+\. " + re.escape(slip), feedback), feedback


@pytest.mark.parametrize(
    ("answer", "expected", "slip"),
    [
        ("-1.00000001 x", x, "The sign is flipped: your answer is −1 times the expected one."),
        ("2.00000001 x", x, "It is 2 times the expected one: a factor of 2 too many."),
        ("0.500000001 x", x, "It is half the expected one: a factor of 2 is missing."),
        ("3x + 1e-8 x^2", x, "It is a constant multiple (3) of the expected one."),
        ("x^2 + 1 + 1e-8 x", x**2, "It differs from the expected one by a constant (1)."),
    ],
)
def test_slips_are_recognised_to_a_relative_tolerance_of_1e_7(answer, expected, slip):
    assert _wrong(answer, expected).endswith(slip)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("0", x / 4),  # a zero answer is not "a constant multiple (0)"
        ("x y - y", x * y),  # the factors of a product are not terms
        ("[[x, 1, y], [2, 5, 6]]", sp.Matrix([[x, y, 1], [2, 3, 4]])),  # not a transpose: the shapes agree
        ("[[x, 1], [2, y]]", sp.Matrix([[x, 1], [2, 2 * y]])),
        # 13 terms are more than the search for a missing term takes on
        (" + ".join(f"x^{k}" for k in range(1, 13)), sum(x**k for k in range(1, 14))),
    ],
)
def test_no_slip_is_named_when_none_fits(answer, expected):
    feedback = _wrong(answer, expected)
    assert re.fullmatch(r"Not quite: .* but the expected value is \S+\.", feedback), feedback


def test_a_wrong_matrix_entry_is_named_with_the_point():
    feedback = _wrong("[[x, 1], [2, y]]", sp.Matrix([[x, 1], [2, 2 * y]]))
    assert re.fullmatch(
        r"Not quite: in entry \(2, 2\) at x = \S+, y = (\S+), your answer gives \1 but the expected value is \S+\.",
        feedback,
    )


def test_a_constant_offset_is_named_from_two_points_but_not_from_one():
    two, one = sp.sqrt(x - sp.Rational(9, 5)), sp.sqrt(x - sp.Rational(39, 20))  # x is drawn from (-2, 2)
    assert _wrong("sqrt(x - 9/5)", two).startswith("Cannot decide: only 2 of 32 random points")
    assert _wrong("sqrt(x - 39/20)", one).startswith("Cannot decide: only 1 of 32 random points")
    assert _wrong("sqrt(x - 9/5) + 1", two).endswith(" It differs from the expected one by a constant (1).")
    assert re.fullmatch(r"Not quite: at x = \S+, your answer gives 0 but the expected value is \S+\.", _wrong("0", one))


@pytest.mark.parametrize(
    ("answer", "expected", "symbols", "feedback"),
    [
        ("0", sp.Integer(2), [], "Not quite: your answer gives 0 but the expected value is 2."),
        ("x", sp.Integer(0), [x], r"Not quite: at x = (\S+), your answer gives \1 but the expected value is 0."),
    ],
    ids=["no symbols", "expected zero"],
)
def test_feedback_on_constants(answer, expected, symbols, feedback):
    verdict = check_answer(answer, expected, symbols=symbols)
    assert not verdict.correct
    assert re.fullmatch(feedback, verdict.feedback), verdict.feedback


def test_a_multiple_is_named_only_when_more_than_one_value_agrees_on_it():
    # sqrt(x - 39/20) is real at 1 of the 32 points only; one value is "a multiple" of any other.
    feedback = _wrong("sqrt(x - 39/20) + 1", sp.sqrt(x - sp.Rational(39, 20)))
    assert "multiple" not in feedback and feedback.endswith("."), feedback
    assert _wrong("-sqrt(x - 39/20)", sp.sqrt(x - sp.Rational(39, 20))).endswith(
        " The sign is flipped: your answer is −1 times the expected one."
    )
