import inspect
import math

import numpy as np
import pytest
import sympy as sp

from checks.compiled import compile_numeric


def test_arguments_that_are_not_identifiers_are_renamed_and_evaluated():
    w, x = sp.Symbol("W^{(1)}", real=True), sp.IndexedBase("x")[1]
    f = compile_numeric([w, x], [[w * x, sp.exp(w)], [x**2, 1]], modules="numpy")
    assert np.allclose(np.array(f(2.0, 3.0), dtype=float), [[6.0, math.exp(2.0)], [9.0, 1.0]])


def test_a_matrix_and_a_scalar_compile_like_lambdify():
    a, b = sp.symbols("a b")
    assert compile_numeric([a, b], a - b, modules="math")(5.0, 2.0) == 3.0
    assert np.allclose(compile_numeric([a], sp.Matrix([a, 2 * a]), modules="numpy")(1.5), [[1.5], [3.0]])


def test_a_symbol_that_is_not_an_argument_is_never_captured_by_a_new_name():
    a, stray = sp.Symbol("a"), sp.Symbol("_arg0")  # named like the first renamed argument
    value = compile_numeric([a], a + stray, modules="math")(5.0)
    assert value != 10.0  # captured, it would have taken a's value
    assert value == sp.lambdify([a], a + stray, modules="math")(5.0)  # what lambdify itself gives: _arg0 + 5.0


def test_arguments_named_like_the_new_names_are_renamed_with_the_rest():
    a, clash = sp.Symbol("a"), sp.Symbol("_arg0")
    assert compile_numeric([a, clash], a - clash, modules="math")(5.0, 2.0) == 3.0


def test_a_matrix_expression_compiles_with_its_matrix_symbols_renamed_as_matrices():
    n, m = sp.symbols("n m", integer=True, positive=True)
    P, dP = sp.MatrixSymbol("P", n, m), sp.MatrixSymbol(r"\mathrm{d}P", n, m)
    f = compile_numeric([P, dP, n], sp.HadamardProduct(P, dP) * P.T / n, modules="numpy")
    p, dp = np.arange(6.0).reshape(2, 3), np.ones((2, 3))
    assert np.allclose(f(p, dp, 2), (p * dp) @ p.T / 2)


def test_names_given_name_the_compiled_functions_arguments_and_a_clash_is_refused():
    n = sp.Symbol("n", integer=True, positive=True)
    P, dP = sp.MatrixSymbol("P", n, n), sp.MatrixSymbol(r"\mathrm{d}P", n, n)
    f = compile_numeric([P, dP], sp.HadamardProduct(P, dP), modules="numpy", names=["P", "dP"])
    assert list(inspect.signature(f).parameters) == ["P", "dP"]
    assert np.allclose(f(dP=np.full((2, 2), 3.0), P=np.array([[2.0, 0.0], [1.0, 2.0]])), [[6.0, 0.0], [3.0, 6.0]])
    stray = sp.Symbol("c")
    with pytest.raises(ValueError, match="not an argument"):
        compile_numeric([P], P * stray, modules="numpy", names=["c"])
    with pytest.raises(ValueError, match="distinct"):
        compile_numeric([P, dP], P + dP, modules="numpy", names=["x", "x"])
