"""The house printer: each rule of the book's notation, and the derivation layout built on it."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations import Derivation, Equation, StepError
from derivations.compact import CompactDerivation
from derivations.printing import PartialName, latex
from derivations.steps import REASON_WIDTH, reason_lines

n = 3
x, b = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("b", n, 1)
A, H = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("H", n, n)
theta = sp.MatrixSymbol("theta", n, 1)
eta, t, s = sp.symbols("eta theta_t theta_s")


def test_transpose_is_top_not_T():
    assert latex(A.T) == r"A^{\top}"
    assert latex((A * x).T) == r"\mathbf{x}^{\top} A^{\top}"


def test_identity_is_I():
    assert latex(sp.Identity(n)) == "I"
    assert r"\mathbb" not in latex(sp.Identity(n) - eta * H)


def test_a_sum_opens_with_a_positive_term():
    assert latex(-s + t) == r"\theta_{t} - \theta_{s}"
    assert latex(sp.Identity(n) - eta * H) == r"I - \eta H"
    assert latex(-sp.log(sp.Symbol("z")) + sp.Symbol("z_1")) == r"z_{1} - \log{\left(z \right)}"


def test_an_all_negative_sum_keeps_its_order():
    assert latex(-s - t) == r"- \theta_{s} - \theta_{t}"


def test_hadamard_product_is_odot():
    assert latex(sp.HadamardProduct(x, b)) == r"\mathbf{x} \odot \mathbf{b}"


def test_lower_case_matrix_symbols_are_bold_upper_case_are_not():
    assert latex(x) == r"\mathbf{x}"
    assert latex(theta) == r"\boldsymbol{\theta}"
    assert latex(sp.MatrixSymbol("z_1", n, 1)) == r"\mathbf{z}_{1}"
    assert latex(A) == "A"


def test_two_inequalities_sharing_a_term_are_chained():
    lam = sp.Symbol("lambda", positive=True)
    e = sp.Symbol("eta", real=True)
    assert latex(sp.And(e > 0, e < 2 / lam)) == r"0 < \eta < \frac{2}{\lambda}"


def test_zero_and_ones_matrices():
    assert latex(sp.ZeroMatrix(n, 1)) == r"\mathbf{0}"
    assert latex(sp.OneMatrix(n, 1)) == r"\mathbf{1}"


def test_equation_uses_the_house_printer():
    assert Equation(r"\nabla", A.T * x).latex() == r"\nabla = A^{\top} \mathbf{x}"


def test_reasons_are_wrapped_to_fit_a_phone_and_keep_formulas_whole():
    lines = reason_lines("quotient rule; the numerator depends on $x_j$ only when $i = j$ and on nothing else")
    assert len(lines) > 1 and all(len(line) <= REASON_WIDTH + 10 for line in lines)
    assert all(line.count("$") % 2 == 0 for line in lines)


@pytest.mark.parametrize("why", ["multiply by e^m", "the term x_j", "a ~ b", r"use \sigma"])
def test_math_outside_dollars_is_refused_with_the_fix_named(why):
    with pytest.raises(ValueError, match=r"outside math: write math between \$ signs"):
        reason_lines(why)


def test_unbalanced_dollars_are_refused():
    with pytest.raises(ValueError, match="unbalanced"):
        reason_lines("the term $x_j")


def test_a_reason_with_bad_math_is_refused_before_the_step_is_verified():
    z = sp.Symbol("z")
    with pytest.raises(ValueError, match="outside math"):
        Derivation(z**2, name="d").step(z * z * 1.5, "z^2")  # wrong too, but the text is refused first


def test_a_step_that_changes_nothing_is_refused():
    z = sp.Symbol("z")
    d = Derivation(sp.Derivative(z**2, z), name="d").step(2 * z, "power rule")
    with pytest.raises(StepError, match="unchanged") as caught:
        d.step(2 * z, "write it again")
    assert caught.value.step == 2 and caught.value.why == "write it again"


def test_a_notational_step_shows_the_new_name():
    z, p = sp.Symbol("z"), sp.Symbol("p")
    d = CompactDerivation(sp.exp(z) / (1 + sp.exp(z)), meaning={p: sp.exp(z) / (1 + sp.exp(z))}, name="name it")
    d.step(p, "call it $p$")
    assert d.latex().endswith("&= p\n\\end{aligned}")
    with pytest.raises(StepError, match="unchanged"):
        d.step(p, "again")


def test_the_left_side_stands_alone_and_reasons_sit_between_steps():
    z = sp.Symbol("z")
    d = Derivation(sp.Derivative(z**3, z), name="d", lhs="f'(z)").step(3 * z**2, "power rule: $(z^n)' = n z^{n-1}$")
    assert d.latex().splitlines() == [
        r"\begin{aligned}",
        r"&f'(z) \\",
        r"&= \frac{d}{d z} z^{3} \\",
        r"&\quad {\color{gray}\text{power rule: $(z^n)' = n z^{n-1}$}} \\",
        r"&= 3 z^{2}",
        r"\end{aligned}",
    ]


def test_the_books_relu_derivative_prints_as_h0_and_sympys_heaviside_is_left_alone():
    z = sp.Symbol("z", real=True)
    assert latex(sp.Heaviside(z, 0)) == r"H_0\left(z\right)"
    assert latex(sp.Heaviside(z - 1, 0) ** 2) == r"H_0\left(z - 1\right)^{2}"
    assert latex(sp.Heaviside(z)) == r"\theta\left(z\right)"
    assert latex(sp.Heaviside(z, sp.Rational(1, 2)) ** 2) == r"\left(\theta\left(z\right)\right)^{2}"


def test_diag_of_a_vector_is_diag():
    p = sp.MatrixSymbol("p", 3, 1)
    assert (
        latex(sp.DiagMatrix(p) - p * p.T)
        == r"\operatorname{diag}\left(\mathbf{p}\right) - \mathbf{p} \mathbf{p}^{\top}"
    )


def test_an_entry_of_a_subscripted_base_joins_the_subscripts():
    i, j = sp.symbols("i j", integer=True)
    assert latex(sp.IndexedBase("W_H")[i]) == "W_{H,i}"
    assert latex(sp.IndexedBase("W_H")[i, j]) == "W_{H,i,j}"
    assert latex(sp.IndexedBase("x")[i]) == "{x}_{i}"
    assert latex(sp.IndexedBase("W^{(1)}")[i, j]) == "W^{(1)}_{i,j}"  # under the superscript, not after it


def test_elementwise_function_prints_applied_to_the_vector():
    v = sp.MatrixSymbol("x", 3, 1)
    assert latex(v.applyfunc(sp.exp)) == r"e^{\mathbf{x}}"
    assert latex(sp.DiagMatrix(v.applyfunc(sp.exp))) == r"\operatorname{diag}\left(e^{\mathbf{x}}\right)"
    assert latex(v.applyfunc(sp.tanh)) == r"\tanh{\left(\mathbf{x} \right)}"


def test_a_hadamard_product_inside_a_matrix_product_is_bracketed():
    P, D = sp.MatrixSymbol("P", 2, 3), sp.MatrixSymbol("D", 2, 3)
    ones = sp.MatrixSymbol(r"\mathbf{1}", 3, 1)
    assert latex(sp.HadamardProduct(P, D) * ones) == r"\left(D \odot P\right) \mathbf{1}"  # SymPy sorts the factors
    assert latex(-sp.HadamardProduct(P, D) * ones) == r"- \left(D \odot P\right) \mathbf{1}"
    assert latex(P * ones) == r"P \mathbf{1}"
    n_s = sp.Symbol("n") * sp.Symbol("s")
    assert latex(sp.MatMul(1 / n_s, P.T, sp.HadamardProduct(P, D))) == r"\frac{1}{n s} P^{\top} \left(P \odot D\right)"


def test_a_sum_whose_positive_term_is_not_second_keeps_the_others_in_order():
    a, c, d = sp.symbols("a c d", positive=True)
    assert latex(sp.Add(-a, -c, d, evaluate=False), order="none") == "d - a - c"
    assert latex(sp.Add(-a, d, -c, evaluate=False), order="none") == "d - a - c"


def test_a_matrix_sum_that_opens_negative_is_reordered_and_its_minus_signs_kept():
    assert latex(-A + H) == r"H - A"
    assert latex(A + H) == r"A + H"
    assert latex(-A - H) == r"- A - H"


def test_a_product_with_a_minus_sign_and_a_hadamard_factor_keeps_every_factor():
    P, D = sp.MatrixSymbol("P", 2, 3), sp.MatrixSymbol("D", 2, 3)
    ones = sp.MatrixSymbol("u", 3, 1)
    k = sp.Symbol("k", positive=True)
    assert latex(sp.MatMul(-2 * k, sp.HadamardProduct(P, D), ones)) == r"- 2 k \left(P \odot D\right) \mathbf{u}"
    assert latex(sp.MatMul(A, sp.HadamardProduct(A, H), A + H)) == r"A \left(A \odot H\right) \left(A + H\right)"


def test_a_hadamard_product_brackets_its_sums_but_not_its_products():
    assert latex(sp.HadamardProduct(A + H, A)) == r"\left(A + H\right) \odot A"
    assert latex(sp.HadamardProduct(A * H, A)) == r"\left(A H\right) \odot A"


def test_chains_read_left_to_right_whichever_way_each_inequality_is_written():
    lo, mid, hi = sp.symbols("lo mid hi", real=True)
    assert latex(sp.And(mid < hi, lo < mid)) == r"lo < mid < hi"
    assert latex(sp.And(hi > mid, mid >= lo)) == r"lo \leq mid < hi"
    assert latex(sp.And(lo < mid, hi > sp.Symbol("other"))) == r"hi > other \wedge lo < mid"
    assert latex(sp.And(lo < mid, mid < hi, hi < 5)) == latex(sp.And(lo < mid, mid < hi, hi < 5), order="none")


def test_an_elementwise_function_of_a_vector_named_d_prints_that_name():
    dv = sp.MatrixSymbol("d", 3, 1)
    assert latex(dv.applyfunc(sp.exp)) == r"e^{\mathbf{d}}"


def test_a_zero_matrix_that_is_not_a_vector_is_a_plain_zero():
    assert latex(sp.ZeroMatrix(n, n)) == "0"


def test_latex_reads_text_and_takes_printer_settings():
    assert latex("x**2 + 1") == "x^{2} + 1"
    assert latex(sp.Symbol("x") ** 2, mode="inline") == "$x^{2}$"


def test_jupyter_shows_sympy_objects_in_the_book_notation():
    from IPython.core.interactiveshell import InteractiveShell

    from derivations.printing import use_in_ipython

    shell = InteractiveShell.instance()
    try:
        use_in_ipython()
        formatter = shell.display_formatter.formatters["text/latex"]
        assert formatter(A.T) == r"$\displaystyle A^{\top}$"
        assert formatter(sp.Matrix([[s]])) == r"$\displaystyle \left[\begin{matrix}\theta_{s}\end{matrix}\right]$"
    finally:
        InteractiveShell.clear_instance()
    use_in_ipython()  # outside IPython it does nothing


# Each case sits on a boundary of the width estimate: a command prints as one symbol, a sub- or superscript
# pair as about one, a word is never split, and a line holds at most ``width`` estimated characters.
WRAPPING = [
    ("aaaa $\\alpha$", 6, ["aaaa $\\alpha$"]),
    ("aaaa $\\alpha$", 5, ["aaaa", "$\\alpha$"]),
    ("aaaa $\\Delta$", 6, ["aaaa $\\Delta$"]),
    ("aaa b$x$", 5, ["aaa", "b$x$"]),
    ("aaa $x_i^2$", 6, ["aaa $x_i^2$"]),
    ("$x$y", REASON_WIDTH, ["$x$y"]),
    ("ab$x$cd e", 6, ["ab$x$cd", "e"]),
    ("", REASON_WIDTH, []),
    ("aaaaaa bbbb cc", 7, ["aaaaaa", "bbbb cc"]),
    ("aa bb cc", 8, ["aa bb cc"]),
]


@pytest.mark.parametrize(("why", "width", "lines"), WRAPPING)
def test_reasons_wrap_exactly_at_the_estimated_width(why, width, lines):
    assert reason_lines(why, width) == lines


def test_every_character_that_needs_math_is_named():
    with pytest.raises(ValueError, match=r"^the justification 'a\^b_c' has \^ _ outside math: write math"):
        reason_lines("a^b_c")


def test_a_scalar_factor_of_a_hadamard_product_is_bracketed_only_if_it_is_a_sum():
    P, D = sp.MatrixSymbol("P", 2, 3), sp.MatrixSymbol("D", 2, 3)
    u = sp.MatrixSymbol("u", 3, 1)
    a, c = sp.symbols("a c", positive=True)
    half = sp.MatMul(sp.Rational(-1, 2), sp.HadamardProduct(P, D), u, evaluate=False)
    assert latex(half) == r"- \frac{1}{2} \left(P \odot D\right) \mathbf{u}"
    summed = sp.MatMul(a + c, sp.HadamardProduct(P, D), u, evaluate=False)
    assert latex(summed) == r"\left(a + c\right) \left(P \odot D\right) \mathbf{u}"


def test_a_term_after_the_first_that_is_itself_an_operation_is_bracketed():
    x, y = sp.symbols("x y")
    assert latex(sp.Mod(x, 3) + sp.Mod(y, 3)) == r"x \bmod 3 + \left(y \bmod 3\right)"


def test_derivative_of_a_partial_name_prints_partial_and_others_keep_d():
    w = sp.Symbol("w")
    assert latex(sp.Derivative(PartialName("f"), w)) == r"\frac{\partial}{\partial w} f"
    assert latex(sp.Derivative(sp.Symbol("f") ** 2, w)) == r"\frac{d}{d w} f^{2}"  # SymPy's d for a lone symbol
    assert latex(sp.Derivative(sp.tanh(w), w)).startswith(r"\frac{d}{d w}")  # a one-variable function keeps d
